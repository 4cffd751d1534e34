#include "estimators/loaded_weights.h"

#include <fmt/format.h>

#include "estimators/layer_costs.h"

namespace attncost {

namespace {

std::string count_text(double params) {
  if (params >= 1e9) return fmt::format("{:.2f} B", params / 1e9);
  return fmt::format("{:.1f} M", params / 1e6);
}
std::string gib(double bytes) { return fmt::format("{:.2f} GiB", bytes / 1073741824.0); }

// The attention an MTP layer runs: the model's full (non-local) softmax pattern.
Pattern mtp_pattern(const ModelConfig& m, const Design& d) {
  std::array<AttnStack::Use, kMaxDistinctPatterns> uses{};
  const int n = d.attn.uses(static_cast<uint64_t>(m.layers), uses);
  for (int pass = 0; pass < 2; ++pass)
    for (int u = 0; u < n; ++u) {
      const Pattern& p = uses[static_cast<size_t>(u)].pattern;
      if (p.is_softmax() && (pass == 1 || !pattern_traits(p.kind).local)) return p;
    }
  return Pattern{};
}

struct Parts {
  double mixer = 0, ffn = 0, router = 0, other = 0;
  double total() const { return mixer + ffn + router + other; }
};

Parts mtp_parts(const ModelConfig& m, const Design& d, int64_t tp, int64_t ep) {
  Parts p;
  if (m.mtp_modules == 0) return p;
  const Pattern attn = mtp_pattern(m, d);
  const Shape s = layer_shape(m, d, attn, tp);
  const double layers = static_cast<double>(m.mtp_layers), modules = static_cast<double>(m.mtp_modules), h = static_cast<double>(m.hidden);
  p.mixer = modules * layers * mixer_params(attn, m, s);
  if (m.experts > 0) {
    p.ffn = modules * layers * moe_expert_params(m, s, ep);
    p.router = modules * layers * moe_router_params(m, s);
  } else {
    p.ffn = modules * layers * dense_mlp_params(m, s);
  }
  p.other = modules * (2 * h * h + 3 * h + 2 * h * layers);  // eh_proj, enorm + hnorm + final norm, each layer's two norms
  return p;
}

double parts_bytes(const Parts& p, const ModelConfig& m, const Design& d) {
  return weight_bytes(p.mixer, WeightClass::attention, m, d) + weight_bytes(p.ffn, m.experts > 0 ? WeightClass::expert : WeightClass::mlp, m, d) +
         weight_bytes(p.router, WeightClass::router, m, d) + storage_bytes(p.other, 1, m.dtype, kWeightScaleGroup);
}

}  // namespace

double mtp_params(const ModelConfig& m, const Design& d, int64_t tp) { return mtp_parts(m, d, tp, 1).total(); }

double mtp_bytes_per_gpu(const ModelConfig& m, const Design& d) { return parts_bytes(mtp_parts(m, d, d.tp, d.ep), m, d); }

LoadedWeights loaded_weights(const ModelConfig& m, const Design& d) {
  LoadedWeights w;
  const double tp = static_cast<double>(d.tp);
  for (const Encoder& e : m.encoders) {
    w.encoder_params += e.params;
    // Encoders stay in the checkpoint's dtype (quantized checkpoints leave them out: modules_to_not_convert).
    const double bytes = storage_bytes(e.params / tp, 1, m.dtype, kWeightScaleGroup);
    if (!m.text_only) w.bytes_per_gpu += bytes;
    w.lines.push_back(m.text_only ? fmt::format("{} encoder: {}, {} params — left out (--text-only)", e.kind, e.name, count_text(e.params))
                                  : fmt::format("{} encoder: {}, {} params, {} per GPU (split over TP {}, on the first pipeline stage)", e.kind, e.name,
                                                count_text(e.params), gib(bytes), d.tp));
  }
  if (m.mtp_modules > 0) {
    w.mtp_params = mtp_params(m, d, 1);
    w.mtp_is_draft = d.spec.on() && !d.spec.draft;
    w.mtp_bytes_per_gpu = mtp_bytes_per_gpu(m, d);
    const std::string what = fmt::format("MTP: {} module{} of {} layer{}, {} params", m.mtp_modules, m.mtp_modules > 1 ? "s" : "", m.mtp_layers,
                                         m.mtp_layers > 1 ? "s" : "", count_text(w.mtp_params));
    w.lines.push_back(w.mtp_is_draft ? fmt::format("{}, {} per GPU — the draft of --spec {}:{} (counted with the drafter)", what, gib(w.mtp_bytes_per_gpu),
                                                   d.spec.k, d.spec.alpha)
                                     : fmt::format("{} — loaded only as a speculative draft (--spec K:ALPHA uses them), not counted", what));
  }
  if (m.shared_blocks > 0 && d.attn.text != m.attn) {
    // An --attn stack of its own replaces the layers the shared blocks served: its layers are
    // counted as the stack has them, with nothing to share.
    w.lines.push_back(fmt::format("shared blocks: the model's {} stored block{} are not applied: --attn '{}' replaces its layer stack, counted as given",
                                  m.shared_blocks, m.shared_blocks > 1 ? "s" : "", d.attn.text));
  } else if (m.shared_blocks > 0) {
    // The layer stack counts each use's attention (from hidden, not 2·hidden) and MLP; the
    // checkpoint stores the blocks once, plus each use's linear and adapters.
    std::array<AttnStack::Use, kMaxDistinctPatterns> uses{};
    const int n = d.attn.uses(static_cast<uint64_t>(m.layers), uses);
    double counted = 0;
    for (int u = 0; u < n; ++u)
      if (uses[static_cast<size_t>(u)].pattern.is_softmax()) {
        const Pattern& p = uses[static_cast<size_t>(u)].pattern;
        counted += static_cast<double>(uses[static_cast<size_t>(u)].layers) * (mixer_params(p, m, layer_shape(m, d, p, 1)) + dense_mlp_params(m, shape_of(m, d, 1)));
      }
    w.shared_block_params = static_cast<double>(m.shared_blocks) * m.shared_block_params + m.shared_block_extra_params - counted;
    w.bytes_per_gpu += weight_bytes(w.shared_block_params / tp, WeightClass::attention, m, d);
    w.lines.push_back(fmt::format("shared blocks: {} stored block{} ({} params each) serve {} layers; with each use's linear and adapters, {} params "
                                  "against the {} the layer stack counts per use",
                                  m.shared_blocks, m.shared_blocks > 1 ? "s" : "", count_text(m.shared_block_params), m.shared_block_uses,
                                  count_text(static_cast<double>(m.shared_blocks) * m.shared_block_params + m.shared_block_extra_params), count_text(counted)));
  }
  return w;
}

}  // namespace attncost
