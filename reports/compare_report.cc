#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/compare.h"
#include "reports/reports.h"

namespace attncost {
namespace {

struct Metric {
  const char* name;
  double (*get)(const Estimate&);
  std::string (*show)(double, const Estimate&);
};

std::string show_bytes(double v, const Estimate&) { return human_bytes(v); }
// Times to the digits their held-out band supports (estimators/uncertainty.h).
std::string show_prefill_time(double v, const Estimate& e) { return human_time(v, e.bands.prefill); }
std::string show_decode_time(double v, const Estimate& e) { return human_time(v, e.bands.decode); }
std::string show_count(double v, const Estimate&) { return human_count(v); }

const Metric kMetrics[] = {
    {"KV cache", [](const Estimate& e) { return e.kv.bytes_total; }, show_bytes},
    {"prefill pairs", [](const Estimate& e) { return e.prefill.attention_pairs; }, show_count},
    {"prefill FLOPs", [](const Estimate& e) { return e.prefill.flops; }, show_count},
    {"prefill time", [](const Estimate& e) { return e.prefill.time_s; }, show_prefill_time},
    {"decode step", [](const Estimate& e) { return e.decode.time_s; }, show_decode_time},
    {"decode tok/s", [](const Estimate& e) { return e.decode.tokens_per_s; }, show_count},
    {"memory/GPU", [](const Estimate& e) { return e.memory.total_bytes; }, show_bytes},
};

std::string ratio(double v, double ref) { return ref > 0 ? fmt::format("{:.3g}×", v / ref) : "—"; }

std::string row_name(const ComparisonRow& r) {
  return fmt::format("{} | {} (ctx {}, batch {})", r.design_label, r.workload.name, r.workload.ctx, r.workload.batch);
}

}  // namespace

std::string comparison_text(const ModelConfig& m, const GpuSpec& gpu, const Comparison& c) {
  std::string out = fmt::format("attncost compare — {} on {}; ratios are against the first row\n\n", m.name, gpu.name);
  out += fmt::format("{:<60}", "design | workload");
  for (const Metric& k : kMetrics) out += fmt::format(" {:>20}", k.name);
  out += "\n";
  const Estimate& ref = c.rows.front().est;
  for (const ComparisonRow& r : c.rows) {
    out += fmt::format("{:<60}", row_name(r));
    for (const Metric& k : kMetrics)
      out += fmt::format(" {:>20}", fmt::format("{} ({})", k.show(k.get(r.est), r.est), ratio(k.get(r.est), k.get(ref))));
    out += "\n";
  }
  out += fmt::format("\nkernel-time bands: prefill {} [{}], decode step {} [{}] (the 80th percentile of held-out |error|; docs/cost-model.md §18)\n",
                     band_text(ref.bands.prefill), ref.bands.prefill.basis, band_text(ref.bands.decode), ref.bands.decode.basis);
  return out;
}

std::string comparison_md(const ModelConfig& m, const GpuSpec& gpu, const Comparison& c) {
  std::string out = fmt::format("# Comparison: {} on {}\n\nRatios are against the first row.\n\n| design | workload |", m.name, gpu.name);
  for (const Metric& k : kMetrics) out += fmt::format(" {} |", k.name);
  out += "\n|---|---|";
  for (size_t i = 0; i < std::size(kMetrics); ++i) out += "---:|";
  out += "\n";
  const Estimate& ref = c.rows.front().est;
  for (const ComparisonRow& r : c.rows) {
    out += fmt::format("| {} | {} (ctx {}, batch {}) |", r.design_label, r.workload.name, r.workload.ctx, r.workload.batch);
    for (const Metric& k : kMetrics) out += fmt::format(" {} ({}) |", k.show(k.get(r.est), r.est), ratio(k.get(r.est), k.get(ref)));
    out += "\n";
  }
  return out;
}

std::string comparison_csv(const ModelConfig& m, const GpuSpec& gpu, const Comparison& c) {
  std::string out = "label,workload,kv_ratio,prefill_pairs_ratio,prefill_time_ratio,decode_time_ratio," + estimate_csv_header();
  const Estimate& ref = c.rows.front().est;
  for (const ComparisonRow& r : c.rows)
    out += fmt::format("\"{}\",{},{},{},{},{},", r.design_label, r.workload.name, r.est.kv.bytes_total / ref.kv.bytes_total,
                       r.est.prefill.attention_pairs / ref.prefill.attention_pairs, r.est.prefill.time_s / ref.prefill.time_s,
                       r.est.decode.time_s / ref.decode.time_s) +
           estimate_csv_row({m, r.design, r.workload, gpu}, r.est);
  return out;
}

nlohmann::json comparison_json(const ModelConfig& m, const GpuSpec& gpu, const Comparison& c) {
  nlohmann::json rows = nlohmann::json::array();
  const Estimate& ref = c.rows.front().est;
  for (const ComparisonRow& r : c.rows) {
    nlohmann::json ratios = nlohmann::json::object();
    for (const Metric& k : kMetrics)
      if (k.get(ref) > 0) ratios[k.name] = k.get(r.est) / k.get(ref);
    rows.push_back({{"label", r.design_label}, {"workload", r.workload.name}, {"ratios_to_first", ratios},
                    {"estimate", estimate_json({m, r.design, r.workload, gpu}, r.est)}});
  }
  return {{"schema", "attncost.compare/1"}, {"rows", rows}};
}

}  // namespace attncost
