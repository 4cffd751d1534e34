#include "estimators/explain.h"

#include <cmath>

#include <fmt/format.h>

#include "estimators/pattern_counts.h"

namespace attncost {

void Explainer::section(std::string title) { sections.push_back({std::move(title), {}}); }

void Explainer::line(std::string quantity, std::string formula, std::string substituted, double value, std::string unit) {
  if (sections.empty()) section("");
  sections.back().lines.push_back({std::move(quantity), std::move(formula), std::move(substituted), value, std::move(unit)});
}

std::string ex_num(double v) {
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);  // shortest representation that reads back as the same double
}

namespace {

// Σ_{i<n} pairs(i) of the patterns whose closed form is short enough to write out; the others are
// documented in docs/cost-model.md §2 and shown as their value.
void explain_pattern(Explainer& ex, const Pattern& p, uint64_t n64, uint64_t layers) {
  const std::string tag = fmt::format("[{}] × {} layers", pattern_text(p), layers);
  const double n = static_cast<double>(n64), prefill = to_double(prefill_pairs(p, n64));
  if (!p.is_softmax()) {
    ex.line(tag + ": keys scored", "none: the layer reads a constant-size state instead", "0", 0, "pairs");
    return;
  }
  const double decode = static_cast<double>(decode_pairs(p, n64)), cached = static_cast<double>(cached_tokens(p, n64));
  auto capped = [&](double w) {  // Σ_{i<n} min(i+1, w)
    if (n <= w) return fmt::format("{0} × ({0} + 1) / 2", ex_num(n));
    return fmt::format("{0} × ({0} + 1) / 2 + ({1} - {0}) × {0}", ex_num(w), ex_num(n));
  };
  switch (p.kind) {
    case PatternKind::dense:
      ex.line(tag + ": prefill pairs per head", "Σ_{i<n} (i + 1) = n(n + 1)/2", fmt::format("{0} × ({0} + 1) / 2", ex_num(n)), prefill, "pairs");
      ex.line(tag + ": decode pairs per head", "pairs(n − 1) = n", ex_num(n), decode, "pairs");
      ex.line(tag + ": cached tokens", "n", ex_num(n), cached, "tokens");
      break;
    case PatternKind::window:
    case PatternKind::sinks: {
      const double w = static_cast<double>(p.window + p.sinks);
      const char* width = p.kind == PatternKind::window ? "W" : "S + W";
      ex.line(tag + ": prefill pairs per head", fmt::format("Σ_{{i<n}} min(i + 1, {})", width), capped(w), prefill, "pairs");
      ex.line(tag + ": decode pairs per head", fmt::format("min(n, {})", width), fmt::format("min({}, {})", ex_num(n), ex_num(w)), decode, "pairs");
      ex.line(tag + ": cached tokens", fmt::format("min(n, {})", width), fmt::format("min({}, {})", ex_num(n), ex_num(w)), cached, "tokens");
      break;
    }
    case PatternKind::chunk:
    case PatternKind::strided:
    case PatternKind::axial:
    case PatternKind::block:
    case PatternKind::topk:
    case PatternKind::linear:  // not softmax: returned above
    case PatternKind::ssm:
    case PatternKind::deltanet:
    case PatternKind::mamba2:
    case PatternKind::shortconv:
    case PatternKind::lightning:
    case PatternKind::none:
      ex.line(tag + ": prefill pairs per head", "Σ_{i<n} pairs(i), closed form of docs/cost-model.md §2", ex_num(prefill), prefill, "pairs");
      ex.line(tag + ": decode pairs per head", "pairs(n − 1)", ex_num(decode), decode, "pairs");
      ex.line(tag + ": cached tokens", "n", ex_num(n), cached, "tokens");
      break;
  }
}

}  // namespace

std::vector<ExplainSection> explain(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu, const Estimate& e) {
  Explainer ex;
  ex.section(fmt::format("attention pattern at context n = {}", w.ctx));
  for (int u = 0; u < e.use_count; ++u) {
    const auto& use = e.uses[static_cast<size_t>(u)];
    explain_pattern(ex, use.pattern, w.ctx, use.layers);
  }
  (void)estimate(m, d, w, gpu, &ex);
  return std::move(ex.sections);
}

}  // namespace attncost
