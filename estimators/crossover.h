// Crossover points along the context axis, found by bisection on the estimator (≤ 41 estimates,
// exact integer answers, never a loop over positions).
#pragma once
#include <cstdint>
#include <optional>

#include "estimators/estimate.h"

namespace attncost {

// The smallest context at which a decode step reads at least as many KV bytes as weight bytes,
// or nullopt if that never happens up to 2^40 (a window or a state caps the KV).
std::optional<uint64_t> kv_overtakes_weights(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu);

// Where the prefill's bound changes between contexts lo < hi: the smallest ctx in (lo, hi] whose
// bound equals hi's, when lo's differs; nullopt when both ends share a bound.
std::optional<uint64_t> prefill_bound_change(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu,
                                             uint64_t lo, uint64_t hi);

}  // namespace attncost
