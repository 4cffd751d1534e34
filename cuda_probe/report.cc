#include "cuda_probe/report.h"
#include "cuda_probe/targets.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/reports.h"
#include "reports/svg_chart.h"

namespace attncost::probe {
namespace {

std::string status(const CaseResult& c) {
  if (c.m.checked && !c.m.correct) return fmt::format("WRONG (max rel. error {:.2e})", c.m.max_rel_error);
  if (!c.m.ran) return "skipped: " + c.m.skip_reason;
  return c.within_tolerance ? "ok" : "OFF prediction";
}

std::string target_line(const TargetCheck& t) {
  return fmt::format("{:<19} {:<52} {:6.1f}% (goal {} {:.0f}%){}", t.target, t.case_name, t.value * 100, t.at_least ? "≥" : "≤", t.goal * 100,
                     t.met ? "" : "  MISSED");
}

nlohmann::json targets_json(const Report& r) {
  nlohmann::json out = nlohmann::json::array();
  for (const TargetCheck& t : performance_targets(r))
    out.push_back({{"target", t.target}, {"case", t.case_name}, {"value", t.value}, {"goal", t.goal},
                   {"comparison", t.at_least ? ">=" : "<="}, {"met", t.met}});
  return out;
}

// A FLOP rate, or "n/a" for a ceiling that was not measured.
std::string rate(double flops) {
  return flops > 0 ? human_count(flops) + "FLOP/s" : "n/a";
}

nlohmann::json efficiency_json(const GpuSpec& g) {
  nlohmann::json eff = nlohmann::json::object();
  for (int c = 0; c < kEfficiencyClasses; ++c)
    eff[std::string(efficiency_class_name(static_cast<EfficiencyClass>(c)))] = g.efficiency[static_cast<size_t>(c)];
  return eff;
}

std::string shape_text(const Shape& s) {
  return fmt::format("b{} ctx{} h{}/kv{} d{} {} {}", s.batch, s.ctx, s.heads, s.kv_heads, s.head_dim, s.attn, dtype_name(s.kv_dtype));
}

}  // namespace

std::string report_text(const Report& r) {
  std::string out = fmt::format("attncost probe — {} ({} backend), suite {}\n", r.device.name, r.device.backend, r.suite);
  const Ceilings& c = r.ceilings;
  out += fmt::format("ceilings: read {:.1f} GB/s, copy {:.1f} GB/s, GEMM fp16 {} / bf16 {} / fp8 {}, vector {}, launch {}\n",
                     c.read_Bps / 1e9, c.copy_Bps / 1e9, rate(c.gemm_fp16_flops), rate(c.gemm_bf16_flops), rate(c.gemm_fp8_flops),
                     rate(c.vector_flops), human_time(c.launch_s));
  for (const std::string& note : c.notes) out += fmt::format("  ({})\n", note);
  out += fmt::format("predictions: the estimator's roofline on these ceilings{}\n\n", r.spec.calibrated ? ", calibrated efficiencies" : "");
  out += fmt::format("{:<52} {:>11} {:>11} {:>7} {:>14} {:>9}  {}\n", "case", "predicted", "measured", "ratio", "achieved", "bound", "status");
  for (const CaseResult& k : r.cases) {
    out += fmt::format("{:<52} {:>11} {:>11} {:>7} {:>14} {:>9}  {}\n", k.c.name, human_time(k.p.time_s),
                       k.m.ran ? human_time(k.m.measured_s) : "-", k.m.ran ? fmt::format("{:.2f}", k.ratio) : "-",
                       k.m.ran ? (k.p.bound == Bound::memory ? fmt::format("{:.0f} GB/s", k.achieved_Bps / 1e9) : rate(k.achieved_flops)) : "-",
                       bound_name(k.p.bound), status(k));
  }
  out += fmt::format("\n{} cases: {} wrong, {} off the prediction by more than {:.0f}%, {} skipped\n", r.cases.size(), r.wrong(), r.off(),
                     r.tolerance * 100, r.skipped());
  const auto targets = performance_targets(r);
  if (!targets.empty()) out += "\nperformance targets:\n";
  for (const TargetCheck& t : targets) out += fmt::format("  {}\n", target_line(t));
  return out;
}

nlohmann::json report_json(const Report& r) {
  nlohmann::json cases = nlohmann::json::array();
  for (const CaseResult& k : r.cases) {
    const Shape& s = k.c.shape;
    nlohmann::json j = {{"name", k.c.name},
                        {"kernel", kernel_name(k.c.kernel)},
                        {"shape", {{"batch", s.batch}, {"ctx", s.ctx}, {"heads", s.heads}, {"kv_heads", s.kv_heads}, {"head_dim", s.head_dim},
                                   {"attn", s.attn}, {"kv_dtype", dtype_name(s.kv_dtype)}, {"page_size", s.page_size}}},
                        {"predicted_s", k.p.time_s},
                        {"measured_s", k.m.ran ? nlohmann::json(k.m.measured_s) : nlohmann::json(nullptr)},
                        {"ratio", k.m.ran ? nlohmann::json(k.ratio) : nlohmann::json(nullptr)},
                        {"bytes", k.p.bytes},
                        {"flops", k.p.flops},
                        {"achieved_bandwidth_Bps", k.achieved_Bps},
                        {"achieved_flops", k.achieved_flops},
                        {"bound", bound_name(k.p.bound)},
                        {"efficiency_class", k.p.efficiency_class},
                        {"checked", k.m.checked},
                        {"correct", k.m.correct},
                        {"max_rel_error", k.m.max_rel_error},
                        {"within_tolerance", k.within_tolerance},
                        {"repeats", k.m.repeats},
                        {"min_s", k.m.min_s},
                        {"max_s", k.m.max_s},
                        {"mean_s", k.m.mean_s},
                        {"noise", k.m.noise},
                        {"stopped_by", stop_reason_name(k.m.stopped)}};
    if (!k.m.ran) j["skipped"] = k.m.skip_reason;
    if (!k.c.impl.empty()) j["impl"] = k.c.impl;
    cases.push_back(std::move(j));
  }
  const Ceilings& c = r.ceilings;
  return {{"schema", "attncost.probe/1"},
          {"tool", {{"name", "attncost"}, {"version", r.run.tool_version}, {"commit", r.run.commit}}},
          {"run", {{"command_line", r.run.command_line}, {"started_utc", r.run.started_utc}}},
          {"suite", r.suite},
          {"device", {{"backend", r.device.backend}, {"name", r.device.name}, {"sms", r.device.sms}, {"memory_bytes", r.device.memory_bytes},
                      {"l2_bytes", r.device.l2_bytes}, {"clock_hz", r.device.clock_hz}, {"memory_clock_hz", r.device.memory_clock_hz},
                      {"memory_bus_bits", r.device.memory_bus_bits}, {"theoretical_bandwidth_Bps", r.device.theoretical_bandwidth_Bps()},
                      {"compute_capability", r.device.compute_capability}, {"driver", r.device.driver}, {"runtime", r.device.runtime}}},
          {"ceilings", {{"read_Bps", c.read_Bps}, {"copy_Bps", c.copy_Bps}, {"gemm_fp16_flops", c.gemm_fp16_flops},
                        {"gemm_bf16_flops", c.gemm_bf16_flops}, {"gemm_fp8_flops", c.gemm_fp8_flops}, {"vector_flops", c.vector_flops},
                        {"launch_s", c.launch_s}, {"notes", c.notes}}},
          {"calibrated", r.spec.calibrated},
          {"efficiency", efficiency_json(r.spec)},
          {"targets", targets_json(r)},
          {"tolerance", r.tolerance},
          {"summary", {{"cases", r.cases.size()}, {"wrong", r.wrong()}, {"off", r.off()}, {"skipped", r.skipped()}}},
          {"cases", cases}};
}

std::string report_md(const Report& r) {
  std::string out = fmt::format("# attncost probe: {} ({} backend)\n\nSuite `{}`; predictions from the estimator's roofline on the "
                                "measured ceilings{}.\n\n",
                                r.device.name, r.device.backend, r.suite, r.spec.calibrated ? " with calibrated efficiencies" : "");
  const Ceilings& c = r.ceilings;
  out += fmt::format("| ceiling | value |\n|---|---:|\n| read bandwidth | {:.1f} GB/s |\n| copy bandwidth | {:.1f} GB/s |\n"
                     "| GEMM fp16 | {} |\n| GEMM bf16 | {} |\n| GEMM fp8 | {} |\n| vector fp32 | {} |\n| launch | {} |\n\n",
                     c.read_Bps / 1e9, c.copy_Bps / 1e9, rate(c.gemm_fp16_flops), rate(c.gemm_bf16_flops), rate(c.gemm_fp8_flops),
                     rate(c.vector_flops), human_time(c.launch_s));
  for (const std::string& note : c.notes) out += fmt::format("- {}\n", note);
  if (!c.notes.empty()) out += "\n";
  out += "| case | shape | predicted | measured | ratio | achieved | bound | max rel. error | status |\n|---|---|---:|---:|---:|---:|---|---:|---|\n";
  for (const CaseResult& k : r.cases)
    out += fmt::format("| {} | {} | {} | {} | {} | {:.1f} GB/s, {:.2f} TF/s | {} | {:.1e} | {} |\n", k.c.name, shape_text(k.c.shape),
                       human_time(k.p.time_s), k.m.ran ? human_time(k.m.measured_s) : "—", k.m.ran ? fmt::format("{:.2f}", k.ratio) : "—",
                       k.achieved_Bps / 1e9, k.achieved_flops / 1e12, bound_name(k.p.bound), k.m.max_rel_error, status(k));
  out += fmt::format("\n{} cases: {} wrong, {} off by more than {:.0f}%, {} skipped.\n", r.cases.size(), r.wrong(), r.off(), r.tolerance * 100,
                     r.skipped());
  const auto targets = performance_targets(r);
  if (!targets.empty()) {
    out += "\n## Performance targets\n\n| target | case | value | goal | met |\n|---|---|---:|---:|---|\n";
    for (const TargetCheck& t : targets)
      out += fmt::format("| {} | {} | {:.1f}% | {} {:.0f}% | {} |\n", t.target, t.case_name, t.value * 100, t.at_least ? "≥" : "≤", t.goal * 100,
                         t.met ? "yes" : "**no**");
  }
  return out;
}

std::string report_junit(const Report& r) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"attncost probe\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n", r.cases.size(), r.wrong() + r.off(),
                     r.skipped());
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n", xml_escape(r.device.name + " / " + r.suite),
                     r.cases.size(), r.wrong() + r.off(), r.skipped());
  for (const CaseResult& k : r.cases) {
    out += fmt::format("    <testcase classname=\"attncost.probe.{}\" name=\"{}\" time=\"{:.6f}\">", kernel_name(k.c.kernel), xml_escape(k.c.name),
                       k.m.ran ? k.m.measured_s * k.m.repeats : 0.0);
    if (k.m.checked && !k.m.correct) out += fmt::format("<failure message=\"wrong result: max relative error {:.3e}\"/>", k.m.max_rel_error);
    else if (!k.m.ran) out += fmt::format("<skipped message=\"{}\"/>", xml_escape(k.m.skip_reason));
    else if (!k.within_tolerance)
      out += fmt::format("<failure message=\"measured {:.4g} s vs predicted {:.4g} s (ratio {:.3f}) beyond tolerance {:.2f}\"/>",
                         k.m.measured_s, k.p.time_s, k.ratio, r.tolerance);
    out += "</testcase>\n";
  }
  return out + "  </testsuite>\n</testsuites>\n";
}

std::string calibration_text(const Calibration& c) {
  std::string out = fmt::format("calibration: launch overhead {}; efficiency", human_time(c.launch_s));
  for (int k = 0; k < kEfficiencyClasses; ++k)
    if (c.profile.efficiency[static_cast<size_t>(k)] < 1)
      out += fmt::format(" {} {:.2f}", efficiency_class_name(static_cast<EfficiencyClass>(k)), c.profile.efficiency[static_cast<size_t>(k)]);
  out += fmt::format("\nheld-out error (fit on half the cases, checked on the other {}): median {:.1f}%, worst {:.1f}%\n", c.heldout_count,
                     c.heldout_median_error * 100, c.heldout_worst_error * 100);
  return out;
}

}  // namespace attncost::probe
