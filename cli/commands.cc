#include "cli/commands.h"

#include <filesystem>

#include <fmt/format.h>

#include "estimators/estimate.h"
#include "estimators/plan.h"
#include "estimators/reverse.h"
#include "model/error.h"
#include "reports/compare.h"
#include "reports/memo.h"
#include "reports/reports.h"

namespace attncost::cli {
namespace {

double parse_gib(const std::string& text, const char* flag) {
  return parse_number(text, flag, 0, 1e9, true, "a positive number of GiB") * 1073741824.0;
}

}  // namespace

void check_format(const std::string& format, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (format == a) return;
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  throw InputError(fmt::format("--format '{}': expected one of {}", format, list));
}

int run_estimate(const Flags& f) {
  check_format(f.format, {"text", "json", "csv", "md"});
  const ModelConfig m = resolve_model(f);
  const GpuSpec gpu = resolve_gpu(f);
  const DesignChoice choice = resolve_choice(f, m, nullptr);
  const Workload w = resolve_workload(f);
  const Design d = make_design(m, choice);
  const Estimate e = estimate(m, d, w, gpu);
  const EstimateInputs in{m, d, w, gpu};
  std::string text;
  if (f.format == "json") text = estimate_json(in, e).dump(2) + "\n";
  else if (f.format == "csv") text = estimate_csv_header() + estimate_csv_row(in, e);
  else if (f.format == "md") text = estimate_md(in, e);
  else text = estimate_text(in, e);
  write_output(f.output, text);
  return 0;
}

int run_plan(const Flags& f) {
  check_format(f.format, {"text", "json", "csv", "md"});
  const ModelConfig m = resolve_model(f);
  const GpuSpec gpu = resolve_gpu(f);
  PlanInputs in{m, gpu, resolve_workloads(f), {}, false};
  in.proposed = resolve_choice(f, m, &in.has_proposal);
  if (!f.budget_gb.empty()) in.budget_bytes = parse_gib(f.budget_gb, "--budget-gb");
  in.reserve_fraction = parse_number(f.reserve, "--reserve", 0, 0.999999, false, "a fraction in [0, 1)");
  if (!f.require.empty()) {
    if (f.require != "early-recall") throw InputError(fmt::format("--require '{}': expected early-recall", f.require));
    in.require_early_recall = true;
  }
  if (f.candidates != "full" && f.candidates != "basic") throw InputError(fmt::format("--candidates '{}': expected full or basic", f.candidates));
  in.full_space = f.candidates == "full";
  if (!f.max.empty() && f.max != "ctx" && f.max != "batch" && f.max != "sequences")
    throw InputError(fmt::format("--max '{}': expected ctx, batch or sequences", f.max));

  const PlanResult p = plan(in);
  std::string text;
  if (f.format == "json") {
    text = plan_json(m, gpu, p).dump(2) + "\n";
  } else if (f.format == "csv") {
    text = plan_csv(m, gpu, p);
  } else if (f.format == "md") {
    std::string stem;
    std::filesystem::path dir;
    if (!f.output.empty() && f.output != "-") {
      const std::filesystem::path out(f.output);
      stem = out.stem().string();
      dir = out.has_parent_path() ? out.parent_path() : std::filesystem::path(".");
    }
    const Memo memo = render_memo(m, gpu, p, stem);
    for (const ChartFile& chart : memo.charts) write_output((dir / chart.name).string(), chart.svg);
    text = memo.markdown;
  } else {
    text = plan_text(m, gpu, p);
  }
  if (!f.max.empty()) {
    std::string limits;
    std::vector<const Candidate*> subjects = {&p.candidates[static_cast<size_t>(p.recommended)]};
    for (const Candidate& c : p.candidates)
      if (c.role != Role::alternative && &c != subjects.front()) subjects.push_back(&c);
    for (const Candidate* c : subjects)
      for (const Workload& w : p.workloads) {
        const Limit lim = f.max == "ctx" ? max_context(m, c->design, w, gpu, p.budget_bytes) : max_batch(m, c->design, w, gpu, p.budget_bytes);
        limits += limit_text(f.max == "ctx" ? fmt::format("ctx at batch {}", w.batch) : fmt::format("concurrent sequences at ctx {}", w.ctx),
                             fmt::format("{} [{}]", c->label, role_name(c->role)), w.name, lim.value, lim.unbounded);
      }
    if (f.format == "json") {
      // Keep stdout a single JSON document: the limits go in as a field.
      auto j = nlohmann::json::parse(text);
      j["limits"] = limits;
      text = j.dump(2) + "\n";
    } else {
      text += (f.format == "md" ? "\n## Limits within the budget\n\n```\n" + limits + "```\n" : "\n" + limits);
    }
  }
  write_output(f.output, text);
  return 0;
}

int run_compare(const Flags& f) {
  check_format(f.format, {"text", "json", "csv", "md"});
  const ModelConfig m = resolve_model(f);
  const GpuSpec gpu = resolve_gpu(f);
  const std::vector<Workload> workloads = resolve_workloads(f);
  std::vector<std::pair<std::string, Design>> designs;
  if (f.designs.empty()) {
    const Design d = make_design(m, resolve_choice(f, m, nullptr));
    designs.emplace_back(design_label(d), d);
  } else {
    for (const auto& spec : f.designs) {
      auto [label, choice] = parse_design_spec(spec, m);
      designs.emplace_back(label, make_design(m, choice));
    }
  }
  if (designs.size() * workloads.size() < 2)
    throw InputError("compare: give at least two --workload or two --design (e.g. --workload a:ctx=500,batch=32 --workload b:ctx=16000)");
  const Comparison c = compare(m, gpu, designs, workloads);
  std::string text;
  if (f.format == "json") text = comparison_json(m, gpu, c).dump(2) + "\n";
  else if (f.format == "csv") text = comparison_csv(m, gpu, c);
  else if (f.format == "md") text = comparison_md(m, gpu, c);
  else text = comparison_text(m, gpu, c);
  write_output(f.output, text);
  return 0;
}

int run_presets(const Flags& f) {
  check_format(f.format, {"text", "json"});
  write_output(f.output, f.format == "json" ? presets_json().dump(2) + "\n" : presets_text());
  return 0;
}

}  // namespace attncost::cli
