#include "estimators/compare.h"

namespace attncost {

Comparison compare(const ModelConfig& m, const GpuSpec& gpu, const std::vector<std::pair<std::string, Design>>& designs,
                   const std::vector<Workload>& workloads) {
  Comparison c;
  for (const auto& [label, design] : designs)
    for (const Workload& w : workloads) c.rows.push_back({label, design, w, estimate(m, design, w, gpu)});
  return c;
}

}  // namespace attncost
