// Reverse questions (`plan --max`): the longest context or the largest batch of a design that
// fits a per-GPU memory budget. Exact integers: the batch in closed form, the context by
// bisection over the estimator's monotone memory (≤ 41 estimates, whatever the answer).
#pragma once
#include <cstdint>

#include "estimators/estimate.h"

namespace attncost {

struct Limit {
  uint64_t value = 0;      // 0 when even the smallest value does not fit
  bool unbounded = false;  // fits up to 2^40 (e.g. a window or state whose memory stops growing)
};

// Largest ctx ≤ 2^40 - gen whose memory (at ctx + gen) fits `budget_bytes`, at w.batch.
Limit max_context(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu, double budget_bytes);
// Largest batch of w-shaped sequences whose memory fits `budget_bytes`.
Limit max_batch(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu, double budget_bytes);
// The same from an estimate's memory (weights and per-sequence KV do not depend on the batch).
Limit max_batch(const Memory& mem, double budget_bytes);

}  // namespace attncost
