// What the tests that predict published kernel measurements read from an estimate: its
// attention operator, and the operator's time as a kernel benchmark measures it.
#pragma once
#include <stdexcept>

#include "estimators/estimate.h"

namespace attncost::published {

// The attention operator of the prefill or decode phase (a reference into `e`: keep `e` alive).
inline const OpCost& attention_op(const Estimate& e, bool decode) {
  const PhaseCost& p = decode ? e.decode : e.prefill;
  for (int i = 0; i < p.ops.count; ++i)
    if (p.ops.ops[static_cast<size_t>(i)].kind == OpKind::attention) return p.ops.ops[static_cast<size_t>(i)];
  throw std::runtime_error("no attention op");
}

// Kernel benchmarks time kernels launched back to back (CUDA events or CUPTI around many launches,
// or CUDA graphs): the launch latency a serving step pays per kernel is not in their numbers; the
// kernel's fixed time (its own floor) is.
inline double busy(const OpCost& op, const GpuSpec& gpu) { return op.time_s - op.kernels * gpu.launch_latency_s; }

}  // namespace attncost::published
