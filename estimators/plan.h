// A first `plan`: the model's own design (baseline), the user's proposed design and a handful of
// standard alternatives, each estimated by `estimate`, checked against memory and the latency
// target, scored and ranked. Pure: reports render the result.
#pragma once
#include <string>
#include <vector>

#include "estimators/estimate.h"

namespace attncost {

enum class Role : uint8_t { baseline, proposed, alternative };
std::string_view role_name(Role r);

struct Candidate {
  std::string label;         // design_label()
  Role role = Role::alternative;
  std::string change;        // what differs from the baseline, in words
  Design design;
  Estimate est;
  bool feasible = true;
  std::string infeasible_reason;
  double cost_score = 0;     // geometric mean of decode, prefill and KV bytes vs baseline
  double risk_score = 0;     // sum of structural risk terms (docs/cost-model.md §Plan)
  double score = 0;          // cost_score × (1 + risk_score); lower is better
  int rank = 0;              // 1 = best feasible; 0 = infeasible
};

struct PlanResult {
  std::vector<Candidate> candidates;  // baseline first, proposed second (when given)
  int recommended = -1;               // index into candidates
  int runner_up = -1;
  std::string rationale;
};

// `proposed` holds the user's design flags; has_proposal false when none were given.
PlanResult plan(const ModelConfig& m, const DesignChoice& proposed, bool has_proposal, const Workload& w,
                const GpuSpec& gpu);

}  // namespace attncost
