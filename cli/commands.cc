#include "cli/commands.h"

#include <fmt/format.h>

#include "estimators/estimate.h"
#include "estimators/plan.h"
#include "model/error.h"
#include "reports/reports.h"

namespace attncost::cli {
namespace {

void check_format(const std::string& format, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (format == a) return;
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  throw InputError(fmt::format("--format '{}': expected one of {}", format, list));
}

}  // namespace

int run_estimate(const Flags& f) {
  check_format(f.format, {"text", "json", "csv"});
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
  else text = estimate_text(in, e);
  write_output(f.output, text);
  return 0;
}

int run_plan(const Flags& f) {
  check_format(f.format, {"text", "json", "csv"});
  const ModelConfig m = resolve_model(f);
  const GpuSpec gpu = resolve_gpu(f);
  bool given = false;
  const DesignChoice choice = resolve_choice(f, m, &given);
  const Workload w = resolve_workload(f);
  const PlanResult p = plan(m, choice, given, w, gpu);
  std::string text;
  if (f.format == "json") text = plan_json(m, w, gpu, p).dump(2) + "\n";
  else if (f.format == "csv") text = plan_csv(m, w, gpu, p);
  else text = plan_text(m, w, gpu, p);
  write_output(f.output, text);
  return 0;
}

int run_presets(const Flags& f) {
  check_format(f.format, {"text", "json"});
  write_output(f.output, f.format == "json" ? presets_json().dump(2) + "\n" : presets_text());
  return 0;
}

}  // namespace attncost::cli
