// The candidate space of `plan`: every KV sharing the model allows × attention patterns that
// matter at these context lengths × KV dtypes, each as a DesignChoice and a phrase saying what
// changes. Enumeration only; plan.cc evaluates.
#pragma once
#include <string>
#include <vector>

#include "model/design.h"

namespace attncost {

struct CandidateSpec {
  std::string change;
  DesignChoice choice;
};

// `full` enumerates the product; otherwise the handful of single changes a reviewer asks about.
std::vector<CandidateSpec> candidate_space(const ModelConfig& m, const std::vector<Workload>& workloads, bool full);

}  // namespace attncost
