// `compare`: designs × workloads side by side, each row an estimate, ratios against the first.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "estimators/estimate.h"

namespace attncost {

struct ComparisonRow {
  std::string design_label;
  Design design;
  Workload workload;
  Estimate est;
};

struct Comparison {
  std::vector<ComparisonRow> rows;  // designs outer, workloads inner; rows[0] is the reference
};

Comparison compare(const ModelConfig& m, const GpuSpec& gpu, const std::vector<std::pair<std::string, Design>>& designs,
                   const std::vector<Workload>& workloads);

}  // namespace attncost
