// The single policy that turns declared operator costs into time: per operator,
// max(FLOPs / (fraction · peak for its dtype), bytes / (fraction · bandwidth), bytes sent / link)
// plus launch latency. The fractions come from the kernel model (model/kernel_model.h: what real
// kernels of the chosen family reach on this architecture), from a probe-calibrated profile's
// per-class efficiencies, or are 1 (`--kernels peak`, the plain roofline).
#pragma once
#include "estimators/op_cost.h"
#include "model/gpu_spec.h"
#include "model/kernel_model.h"

namespace attncost {

void apply_roofline(OpCost& op, const GpuSpec& gpu, const KernelModel* kernels = nullptr);

}  // namespace attncost
