// Reverse questions (`plan --max`): the longest context or the largest batch of a design that
// meets every constraint of its workload at once: memory within the design's own budget (its
// engine's rule), the mean inter-token latency target (slo_ms) and the time-to-first-token
// target (ttft_slo_ms). Exact integers: the memory edge of a batch in closed form, the rest by
// bisection over quantities that never decrease (≤ 41 estimates, whatever the answer).
#pragma once
#include <cstdint>
#include <string>

#include "estimators/estimate.h"

namespace attncost {

struct Limit {
  uint64_t value = 0;      // 0 when even the smallest value breaks a constraint
  bool unbounded = false;  // meets every constraint up to 2^40 (a window or state whose memory stops growing)
  std::string binding;     // the constraint one more would break: "memory", "slo_ms", "ttft_slo_ms"; "" when unbounded
};

// The first constraint of `w` that `e` breaks ("memory", "slo_ms", "ttft_slo_ms"), or "".
std::string broken_constraint(const Estimate& e, const Workload& w);

// Largest ctx ≤ 2^40 − gen at w.batch meeting every constraint (memory at ctx + gen).
Limit max_context(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu);
// Largest batch of w-shaped sequences meeting every constraint.
Limit max_batch(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu);
// Memory alone, from an estimate (weights and per-sequence KV do not depend on the batch).
Limit max_batch(const Memory& mem);

}  // namespace attncost
