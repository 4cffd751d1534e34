#include "reports/sweep_report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/explain_report.h"
#include "reports/svg_chart.h"

namespace attncost {
namespace {

std::string tokens_axis(double v) { return v >= 1024 ? fmt::format("{:g}k", v / 1024) : fmt::format("{:g}", v); }
std::string ms_axis(double v) { return fmt::format("{:g} ms", v * 1e3); }

}  // namespace

std::string sweep_header(SweepFormat f) {
  switch (f) {
    case SweepFormat::csv: return estimate_csv_header();
    case SweepFormat::jsonl: return "";
    case SweepFormat::text:
      return fmt::format("{:<28} {:<40} {:<24} {:>9} {:>6} {:>12} {:>12} {:>12}\n", "model", "design", "gpu", "ctx", "batch", "KV/seq",
                         "prefill", "decode");
  }
  return "";
}

void append_sweep_row(std::string& out, SweepFormat f, const EstimateInputs& in, const Estimate& e, const std::vector<ExplainSection>* explained) {
  switch (f) {
    case SweepFormat::csv: append_estimate_csv_row(out, in, e); break;
    case SweepFormat::jsonl:
      append_estimate_jsonl(out, in, e);
      if (explained) {  // the row's object gains an `explain` key: reopen it before its "}\n"
        out.resize(out.size() - 2);
        out += ",\"explain\":" + explain_json(*explained).dump() + "}\n";
      }
      break;
    case SweepFormat::text:
      out += fmt::format("{:<28} {:<40} {:<24} {:>9} {:>6} {:>12} {:>12} {:>12}\n", in.model.name, design_label(in.design), in.gpu.origin,
                         in.workload.ctx, in.workload.batch, human_bytes(e.kv.bytes_per_sequence), human_time(e.prefill.time_s, e.bands.prefill),
                         human_time(e.decode.time_s, e.bands.decode));  // to the digits their held-out bands support
      if (explained) out += explain_text(*explained) + "\n";
      break;
  }
}

std::string sweep_crossovers_text(const SweepGrid& g, const std::vector<SweepCrossover>& crossovers, SweepFormat f) {
  std::string out;
  for (const SweepCrossover& c : crossovers) {
    const ModelConfig& m = g.models[c.line.model];
    const Design& d = g.designs[c.line.model][c.line.design];
    const GpuSpec& gpu = g.gpus[c.line.gpu];
    const std::string end_bound(bound_name(c.prefill_bound_at_hi));
    if (f == SweepFormat::jsonl) {
      out += nlohmann::json{{"type", "crossover"},
                            {"model", m.name},
                            {"design", design_label(d)},
                            {"gpu", gpu.origin},
                            {"batch", c.batch},
                            {"decode_kv_reads_exceed_weights_at_ctx", c.kv_reads_exceed_weights ? nlohmann::json(*c.kv_reads_exceed_weights) : nlohmann::json(nullptr)},
                            {"prefill_bound_changes_at_ctx", c.prefill_bound_changes ? nlohmann::json(*c.prefill_bound_changes) : nlohmann::json(nullptr)},
                            {"prefill_bound_after", end_bound}}
                 .dump() + "\n";
    } else {
      out += fmt::format("crossover {} · {} · {} (batch {}): decode KV reads exceed weight reads {}; prefill {}\n", m.name, design_label(d),
                         gpu.origin, c.batch, c.kv_reads_exceed_weights ? fmt::format("from ctx {}", *c.kv_reads_exceed_weights) : "never (up to 2^40)",
                         c.prefill_bound_changes ? fmt::format("turns {}-bound at ctx {}", end_bound, *c.prefill_bound_changes)
                                                 : fmt::format("stays {}-bound over ctx {}..{}", end_bound, c.lo, c.hi));
    }
  }
  return out;
}

std::string sweep_chart_svg(const SweepGrid& g, const SweepCurves& curves) {
  LineChart c;
  c.title = curves.by_ctx ? "Decode step time vs context" : "Decode step time vs batch";
  c.x_label = curves.by_ctx ? "context (tokens)" : "batch", c.y_label = "decode step";
  c.log_y = true, c.format_x = tokens_axis, c.format_y = ms_axis, c.y_unit = 1e-3;
  for (const SweepCurve& curve : curves.curves) {
    const ModelConfig& m = g.models[curve.line.model];
    const Design& d = g.designs[curve.line.model][curve.line.design];
    const GpuSpec& gpu = g.gpus[curve.line.gpu];
    c.series.push_back({fmt::format("{}{}{}", g.models.size() > 1 ? m.name + " " : "", design_label(d), g.gpus.size() > 1 ? " " + gpu.origin : ""),
                        curve.points, {}});
  }
  return render_line_chart(c);
}

}  // namespace attncost
