// estimate, plan, compare and presets: resolve the inputs, call the core, render, write.
#include "cli/commands.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/output.h"
#include "cli/resolve.h"
#include "estimators/estimate.h"
#include "estimators/fleet.h"
#include "estimators/plan.h"
#include "estimators/plan_limits.h"
#include "model/error.h"
#include "reports/compare.h"
#include "reports/explain_report.h"
#include "reports/fleet_report.h"
#include "reports/memo.h"
#include "reports/reports.h"

namespace attncost::cli {
namespace {

// The inputs and the estimate of the flags' one design (estimate's checks, in the CLI's order).
struct EstimateRun {
  ModelConfig m;
  GpuSpec gpu;
  Design d;
  Workload w;
  Estimate e;
};

EstimateRun run_one_estimate(const Flags& f, const ModelConfig* resolved_model = nullptr, const GpuSpec* resolved_gpu = nullptr) {
  ModelConfig m = resolved_model ? *resolved_model : resolve_model(f);
  GpuSpec gpu = resolved_gpu ? *resolved_gpu : resolve_gpu(f);
  const DesignChoice choice = resolve_choice(f, m, nullptr);
  Workload w = resolve_workload(f);
  Design d = make_design(m, choice);
  check_design_runs(d, gpu, w.ctx);  // a kernel family the GPU cannot run is a usage error, said before any work
  Estimate e = estimate(m, d, w, gpu);
  return {std::move(m), std::move(gpu), std::move(d), std::move(w), std::move(e)};
}

nlohmann::json json_of(const Flags& f, const EstimateRun& r) {
  nlohmann::json j = estimate_json({r.m, r.d, r.w, r.gpu}, r.e);
  if (f.explain) j["explain"] = explain_json(explain(r.m, r.d, r.w, r.gpu, r.e));
  return j;
}

// `--explain` on plan: the baseline and the recommended design at every workload, by the same
// explain() estimate uses.
std::vector<ExplainedEstimate> plan_explained(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p) {
  std::vector<ExplainedEstimate> out;
  std::vector<const Candidate*> shown = {&p.candidates.front()};
  if (p.recommended > 0) shown.push_back(&p.candidates[static_cast<size_t>(p.recommended)]);
  for (const Candidate* c : shown)
    for (size_t k = 0; k < p.workloads.size(); ++k)
      out.push_back({c->label, c == &p.candidates.front() ? (p.recommended == 0 ? "baseline, recommended" : "baseline") : "recommended", p.workloads[k].name,
                     explain(m, c->design, p.workloads[k], gpu, c->per_workload[k])});
  return out;
}

}  // namespace

nlohmann::json estimate_document(const Flags& f) { return json_of(f, run_one_estimate(f)); }

nlohmann::json estimate_document(const Flags& f, const ModelConfig& m, const GpuSpec& gpu) { return json_of(f, run_one_estimate(f, &m, &gpu)); }

int run_estimate(const Flags& f) {
  check_format(f.format, {"text", "json", "csv", "md"});
  if (f.explain && f.format == "csv") throw InputError("--explain: not available with --format csv (use text, md or json)");
  Outputs out(f);
  const EstimateRun r = run_one_estimate(f);
  const EstimateInputs in{r.m, r.d, r.w, r.gpu};
  std::string text;
  if (f.format == "json") {
    text = json_of(f, r).dump(2) + "\n";
  } else if (f.format == "csv") {
    text = estimate_csv_header() + estimate_csv_row(in, r.e);
  } else if (f.format == "md") {
    text = estimate_md(in, r.e);
    if (f.explain) text += "\n" + explain_md(explain(r.m, r.d, r.w, r.gpu, r.e));
  } else {
    text = estimate_text(in, r.e);
    if (f.explain) text += "\n" + explain_text(explain(r.m, r.d, r.w, r.gpu, r.e));
  }
  out.set(f.output, text);
  out.commit();
  return kExitOk;
}

int run_plan(const Flags& f) {
  check_format(f.format, {"text", "json", "csv", "md", "html"});
  if (f.explain && f.format == "csv") throw InputError("--explain: not available with --format csv (use text, md, html or json)");
  Outputs out(f);
  const ModelConfig m = resolve_model(f);
  const GpuSpec gpu = resolve_gpu(f);
  PlanInputs in{m, gpu, resolve_workloads(f), {}, false};
  in.proposed = resolve_choice(f, m, &in.has_proposal);
  uint64_t shortest = UINT64_MAX;
  for (const Workload& w : in.workloads) shortest = std::min(shortest, w.ctx);
  check_design_runs(make_design(m, in.proposed), gpu, shortest);
  if (!f.require.empty()) {
    if (f.require != "early-recall") throw InputError(fmt::format("--require '{}': expected early-recall", f.require));
    in.require_early_recall = true;
  }
  if (!f.family.empty()) {
    in.family = parse_family(f.family);
    in.has_family = true;
  }
  if (f.candidates != "full" && f.candidates != "basic") throw InputError(fmt::format("--candidates '{}': expected full or basic", f.candidates));
  in.full_space = f.candidates == "full";
  // A kind and a flag, not std::optional: GCC 12 misreads an optional enum as maybe uninitialized.
  const bool has_limit = !f.max.empty();
  const LimitKind limit = has_limit ? parse_limit_kind(f.max) : LimitKind{};
  double rate = 0;
  const std::string& sizing = f.sizing;
  const SloSpec slo = resolve_slo(f);
  const uint64_t seed = parse_count(f.seed, "--seed", true);
  std::vector<double> fleet_prices;
  std::vector<GpuSpec> fleet_gpus;
  if (!f.rate.empty()) {
    if (f.format == "csv") throw InputError("--rate: not available with --format csv (use text, json, md or html)");
    rate = parse_number(f.rate, "--rate", 0, 1e9, true, "a positive number of requests per second");
    if (sizing != "load" && sizing != "capacity") throw InputError(fmt::format("--sizing '{}': expected load or capacity", sizing));
    fleet_gpus = resolve_fleet_gpus(f, fleet_prices);
    // The fleet search tries layouts over several GPUs: a profile without links would make their
    // collectives free and rank them first.
    for (const GpuSpec& g : fleet_gpus)
      if (g.scale_up.one_way_Bps <= 0 && g.scale_out.one_way_Bps <= 0)
        throw InputError(fmt::format("--rate: the GPU profile '{}' describes no link (scale_up or scale_out one_way_Bps); the fleet search would "
                                     "price multi-GPU layouts with free collectives; add the links to the profile", g.name));
    for (const Workload& w : in.workloads)
      if (w.gen == 0) throw InputError(fmt::format("--rate: workload '{}' generates no tokens; give gen= (or --gen) to size decode", w.name));
  } else if (!f.fleet_gpus.empty()) {
    throw InputError("--fleet-gpus: applies with --rate (the requests per second to serve)");
  } else if (f.has("--sizing") || f.has("--slo-ttft-ms") || f.has("--slo-tpot-ms") || f.has("--slo-percentile") || f.has("--seed")) {
    throw InputError("--sizing, --seed and the --slo-* flags: apply with --rate (the fleet sized under load)");
  }

  // A Markdown memo's charts are written beside it: declare (and check) those paths too before
  // any work. An HTML memo carries them inline; so does a memo sent to stdout, a device or a FIFO
  // (there is no directory of its own to put files in).
  std::string stem;
  std::filesystem::path dir;
  if (f.format == "md" && !out.output_is_stream()) {
    const std::filesystem::path path(f.output);
    stem = path.stem().string();
    dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    for (const std::string& name : memo_chart_names(in.workloads, stem)) out.add("-o", (dir / name).string());
  }
  if (f.format == "html") stem = "memo";

  const PlanResult p = plan(in);
  const std::vector<PlanLimit> limits = has_limit ? plan_limits(m, gpu, p, limit) : std::vector<PlanLimit>{};
  std::vector<FleetResult> fleets;
  if (rate > 0)
    for (const Workload& w : p.workloads)
      fleets.push_back(plan_fleet({m, fleet_gpus, fleet_prices, w, rate, p.candidates[static_cast<size_t>(std::max(p.recommended, 0))].choice, sizing == "load", slo, seed}));
  std::string text;
  if (f.format == "json") {
    nlohmann::json j = plan_json(m, gpu, p);
    j["analysis"] = memo_analysis_json(m, gpu, p);
    if (has_limit) j["limits"] = limits_json(limits);
    if (rate > 0) j["fleet"] = fleet_json(m, fleets);
    if (f.explain) j["explain"] = explained_json(plan_explained(m, gpu, p));
    text = j.dump(2) + "\n";
  } else if (f.format == "csv") {
    text = plan_csv(m, gpu, p);
  } else if (f.format == "md" || f.format == "html") {
    Memo memo = render_memo(m, gpu, p, stem, f.command_line);
    if (has_limit) {
      memo.doc.heading(1, "Limits");
      memo.doc.code(limits_text(m, limits));
    }
    if (rate > 0) fleet_doc(memo.doc, m, fleets);
    if (f.explain)
      for (const ExplainedEstimate& b : plan_explained(m, gpu, p)) {
        memo.doc.heading(1, fmt::format("Explained: {} ({}) at {}", b.design, b.role, b.workload));
        memo.doc.code(explain_text(b.sections));
      }
    if (f.format == "md") {
      for (const ChartFile& chart : memo.charts) out.set((dir / chart.name).string(), chart.svg);
      text = to_markdown(memo.doc) + "\n";
    } else {
      text = to_html(memo.doc);
    }
  } else {
    text = plan_text(m, gpu, p);
    if (has_limit) text += "\n" + limits_text(m, limits);
    if (rate > 0) text += "\n" + fleet_text(m, fleets);
    if (f.explain) text += explained_text(plan_explained(m, gpu, p));
  }
  out.set(f.output, text);
  out.commit();
  return kExitOk;
}

int run_compare(const Flags& f) {
  check_format(f.format, {"text", "json", "csv", "md"});
  if (f.explain && f.format == "csv") throw InputError("--explain: not available with --format csv (use text, md or json)");
  Outputs out(f);
  const ModelConfig m = resolve_model(f);
  const GpuSpec gpu = resolve_gpu(f);
  const std::vector<Workload> workloads = resolve_workloads(f);
  std::vector<std::pair<std::string, Design>> designs;
  if (f.designs.empty()) {
    const Design d = make_design(m, resolve_choice(f, m, nullptr));
    designs.emplace_back(design_label(d), d);
  } else {
    if (f.designs.size() > 1000) throw InputError(fmt::format("--design: {} designs, more than 1000 in one command; split them", f.designs.size()));
    for (const auto& spec : f.designs) {
      auto [label, choice] = parse_design_spec(spec, m, f);
      for (const auto& [seen, _] : designs)
        if (seen == label)
          throw InputError(fmt::format("--design '{}': the label '{}' is used twice (give each design its own LABEL:)", spec, label));
      designs.emplace_back(label, make_design(m, choice));
    }
  }
  uint64_t shortest = UINT64_MAX;
  for (const Workload& w : workloads) shortest = std::min(shortest, w.ctx);
  for (const auto& [label, design] : designs) check_design_runs(design, gpu, shortest);
  if (designs.size() * workloads.size() < 2)
    throw InputError("compare: give at least two --workload or two --design (e.g. --workload a:ctx=500,batch=32 --workload b:ctx=16000)");
  const Comparison c = compare(m, gpu, designs, workloads);
  std::vector<ExplainedEstimate> explained;
  if (f.explain)
    for (const ComparisonRow& row : c.rows) explained.push_back({row.design_label, "", row.workload.name, explain(m, row.design, row.workload, gpu, row.est)});
  std::string text;
  if (f.format == "json") {
    nlohmann::json j = comparison_json(m, gpu, c);
    if (f.explain) j["explain"] = explained_json(explained);
    text = j.dump(2) + "\n";
  } else if (f.format == "csv") {
    text = comparison_csv(m, gpu, c);
  } else if (f.format == "md") {
    text = comparison_md(m, gpu, c) + (f.explain ? explained_md(explained) : "");
  } else {
    text = comparison_text(m, gpu, c) + (f.explain ? explained_text(explained) : "");
  }
  out.set(f.output, text);
  out.commit();
  return kExitOk;
}

int run_presets(const Flags& f) {
  check_format(f.format, {"text", "json", "csv"});
  Outputs out(f);
  std::string text;
  if (f.format == "json") text = presets_json().dump(2) + "\n";
  else if (f.format == "csv") text = presets_csv();
  else text = presets_text();
  out.set(f.output, text);
  out.commit();
  return kExitOk;
}

}  // namespace attncost::cli
