// The design memo of `plan --format md` (SPEC §5): six parts and an appendix, every figure taken
// from the plan's estimates, plus the SVG charts it links.
#pragma once
#include <string>
#include <vector>

#include "estimators/plan.h"

namespace attncost {

struct ChartFile {
  std::string name;  // file name, written beside the memo
  std::string svg;
};

struct Memo {
  std::string markdown;
  std::vector<ChartFile> charts;
};

// `chart_stem` names the charts (`<stem>-kv.svg`, ...); empty = the memo says charts need -o.
Memo render_memo(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p, const std::string& chart_stem);

// Flags that reproduce a design with `attncost estimate` (every design field spelled out).
std::string design_flags(const ModelConfig& m, const Design& d);
std::string workload_flags(const Workload& w);

}  // namespace attncost
