// The single policy that turns declared operator costs into time: per operator,
// max(FLOPs / peak for its dtype, bytes / bandwidth, bytes sent / link) plus launch latency.
#pragma once
#include "estimators/op_cost.h"
#include "model/gpu_spec.h"

namespace attncost {

void apply_roofline(OpCost& op, const GpuSpec& gpu);

}  // namespace attncost
