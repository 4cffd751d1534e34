#include "cuda_probe/inputs.h"

#include <unistd.h>

#include "model/attn_spec.h"

namespace attncost::probe {

size_t last_level_cache_bytes() {
  const long l3 = ::sysconf(_SC_LEVEL3_CACHE_SIZE);
  return l3 > 0 ? static_cast<size_t>(l3) : size_t{32} << 20;
}

AttentionShape attention_shape(const Case& c) {
  AttentionShape s{c.shape.batch, c.shape.heads, c.shape.kv_heads, c.shape.head_dim, 0, 0};
  const Pattern p = parse_attn(c.shape.attn).entries[0].pattern;
  if (p.kind == PatternKind::window || p.kind == PatternKind::sinks) s.window = p.window, s.sinks = p.sinks;
  return s;
}

}  // namespace attncost::probe
