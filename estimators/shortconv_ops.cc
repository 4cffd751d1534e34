#include "estimators/shortconv_ops.h"

#include <cmath>

#include <fmt/format.h>

#include "estimators/explain.h"
#include "model/short_names.h"

namespace attncost {

namespace {

using namespace short_names;

// One explained line; the substituted expression is formatted from the operands of the value.
template <typename... Args>
void explain(Explainer* ex, const std::string& quantity, const char* formula, double value, const char* unit, fmt::format_string<Args...> sub,
             Args&&... args) {
  if (ex) ex->line(quantity, formula, fmt::format(sub, std::forward<Args>(args)...), value, unit);
}

}  // namespace

ShortConv shortconv_of(const Pattern& p, const ModelConfig& m, const Shape& s) {
  ShortConv c;
  c.channels = static_cast<double>(m.shortconv_dim > 0 ? m.shortconv_dim : m.hidden) / s.tp;
  c.taps = static_cast<double>(p.taps > 0 ? p.taps : static_cast<uint64_t>(m.shortconv_kernel));
  return c;
}

double shortconv_params(const Pattern& p, const ModelConfig& m, const Shape& s) {
  const ShortConv c = shortconv_of(p, m, s);
  return 4 * c.channels * s.hidden + c.taps * c.channels;
}

double shortconv_state_bytes(const Pattern& p, const ModelConfig& m, const Shape& s, const Design& d) {
  const ShortConv c = shortconv_of(p, m, s);
  return (c.taps - 1) * c.channels * bytes_of(d.kv_dtype);
}

void add_shortconv_ops(const ModelConfig& m, const Design& d, const Pattern& p, int pattern, double layers, double gemm_tokens,
                       std::span<const ShortConvPhase> phases, OpList& out, Explainer* ex) {
  const Shape s = layer_shape(m, d, p, d.tp);
  const ShortConv c = shortconv_of(p, m, s);
  const double h = s.hidden, dch = c.channels, ab = bytes_of(d.act_dtype), tokens = gemm_tokens;
  const std::string tag = ex ? fmt::format("shortconv proj [{}]", pattern_text(p)) : std::string();

  OpCost& proj = out.add(OpKind::ssm_proj);
  proj.pattern = pattern, proj.layers = layers, proj.kernels = 2, proj.matmul_dtype = d.act_dtype;
  const double gemm = 4 * dch * h;
  explain(ex, tag + ": GEMM params", "3·d·h (in_proj) + d·h (out_proj)", gemm, "params", "3 × {0} × {1} + {0} × {1}", N(dch), N(h));
  proj.matmul_flops = 2 * tokens * gemm;
  explain(ex, tag + ": matmul FLOPs", "2·tokens·params", proj.matmul_flops, "FLOP", "2 × {} × {}", N(tokens), N(gemm));
  proj.weight_params = gemm;
  proj.weight_bytes = weight_bytes(gemm, WeightClass::mixer, m, d);
  proj.work_units = std::ceil(tokens / 64) * std::ceil(3 * dch / 64) + std::ceil(tokens / 64) * std::ceil(h / 64);  // 64×64 output tiles
  proj.act_bytes = tokens * (2 * h + 4 * dch) * ab;
  explain(ex, tag + ": activation bytes", "tokens·(h + 3·d + d + h)·bytes(act)", proj.act_bytes, "B", "{} × (2 × {} + 4 × {}) × {}", N(tokens), N(h),
          N(dch), N(ab));

  const double state = shortconv_state_bytes(p, m, s, d);
  for (const ShortConvPhase& ph : phases) {
    const std::string conv_tag = ex ? fmt::format("shortconv [{}]{}", pattern_text(p), phases.size() > 1 ? (ph.decode ? " decode" : " prefill") : "") : std::string();
    OpCost& conv = out.add(OpKind::ssm_scan);
    conv.pattern = pattern, conv.layers = layers, conv.kernels = 1, conv.matmul_dtype = d.act_dtype;
    conv.efficiency = EfficiencyClass::scan;
    // Per token and channel: B·x, L taps of multiply-add, C·y.
    conv.other_flops = ph.tokens * dch * (2 * c.taps + 2);
    explain(ex, conv_tag + ": other FLOPs", "tokens·d·(2L + 2)", conv.other_flops, "FLOP", "{} × {} × (2 × {} + 2)", N(ph.tokens), N(dch), N(c.taps));
    conv.weight_params = c.taps * dch;
    conv.weight_bytes = weight_bytes(conv.weight_params, WeightClass::mixer, m, d);
    conv.act_bytes = ph.tokens * 4 * dch * ab;  // B, C, x in; y out
    conv.kv_read_bytes = ph.state_reads * state;
    conv.kv_write_bytes = ph.state_writes * state;  // the last L − 1 inputs, once per sequence
    explain(ex, conv_tag + ": state bytes written", "B·(L − 1)·d·bytes(kv)", conv.kv_write_bytes, "B", "{} × ({} - 1) × {} × {}", N(ph.state_writes), N(c.taps),
            N(dch), N(bytes_of(d.kv_dtype)));
    explain(ex, conv_tag + ": HBM bytes", "weights + activations + state read + state written", conv.hbm_bytes(), "B", "{} + {} + {} + {}",
            N(conv.weight_bytes), N(conv.act_bytes), N(conv.kv_read_bytes), N(conv.kv_write_bytes));
  }
}

}  // namespace attncost
