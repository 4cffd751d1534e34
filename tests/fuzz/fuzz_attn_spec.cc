// Any byte string through the --attn parser: it either throws InputError or yields a stack whose
// entries print back to specs that parse to the same patterns, and whose layer counts add up.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "model/attn_spec.h"
#include "model/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attncost;
  const std::string spec(reinterpret_cast<const char*>(data), size);
  AttnStack stack;
  try {
    stack = parse_attn(spec);
  } catch (const InputError&) {
    return 0;
  }
  std::array<AttnStack::Use, kMaxDistinctPatterns> uses;
  for (uint64_t layers : {stack.cycle_length, stack.cycle_length * 3 + 1}) {
    const int n = stack.uses(layers, uses);
    uint64_t total = 0;
    for (int i = 0; i < n; ++i) total += uses[static_cast<size_t>(i)].layers;
    if (total != layers) std::abort();
  }
  for (int e = 0; e < stack.entry_count; ++e) {
    const Pattern& p = stack.entries[static_cast<size_t>(e)].pattern;
    if (!(parse_attn(pattern_text(p)).entries[0].pattern == p)) std::abort();
  }
  return 0;
}
