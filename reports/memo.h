// The design memo of `plan --format md|html` (SPEC §5): what breaks and why, what the numbers can
// and cannot explain, the options by family, the recommendation next to the minimal change, the
// sparse-vs-linear choice, mitigations, how sure the choice is, what to monitor, and an appendix
// of `attncost estimate` commands that reproduce every figure. estimators/memo_analysis decides
// what to say; this file only words it and draws the charts.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "estimators/plan.h"
#include "reports/doc.h"

namespace attncost {

struct ChartFile {
  std::string name;  // file name, written beside the memo
  std::string svg;
};

struct Memo {
  Doc doc;                       // serialize with to_markdown / to_html
  std::vector<ChartFile> charts;
};

// `chart_stem` names the charts (`<stem>-memory-<workload>.svg`, ...); `command` is the plan
// command the user ran (quoted in the memo and reused for the probe-calibrated re-run).
Memo render_memo(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p, const std::string& chart_stem, const std::string& command);

// The memo's analysis as JSON (`plan --format json` key `analysis`): the recommended design, the
// minimal change, the asked family's answer, mitigations with their side effects, sensitivity
// (runner-up, flips, batches, engines), co-location and retraining.
nlohmann::json memo_analysis_json(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p);

// The chart file names a memo of these workloads writes (checked for writability before work).
std::vector<std::string> memo_chart_names(const std::vector<Workload>& workloads, const std::string& chart_stem);

// Flags that reproduce a design with `attncost estimate` (every design and serving field spelled out).
std::string design_flags(const ModelConfig& m, const Design& d);
std::string workload_flags(const Workload& w);

}  // namespace attncost
