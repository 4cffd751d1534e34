// The probe's performance targets on a GPU (issue #4), checked from a report so that every
// validation run states whether it met them and by how much:
//   decode bandwidth      decode cases at ctx ≥ 16k reach ≥ 85% of the measured read bandwidth;
//   flash prefill rate    flash prefill at ≥ 8k tokens, head dim 128, reaches ≥ 30% of the
//                         measured cuBLAS bf16 GEMM rate (matmul FLOPs of the causal pairs,
//                         FlashAttention's convention);
//   calibrated error      with a calibrated profile, every case within 10% of its prediction
//                         when memory-bound, 20% when compute-bound.
// CPU runs have no targets (they gate on the tolerance alone).
#pragma once
#include <string>
#include <vector>

#include "cuda_probe/run.h"

namespace attncost::probe {

struct TargetCheck {
  std::string target;     // "decode bandwidth" | "flash prefill rate" | "calibrated error"
  std::string case_name;
  double value = 0;       // fraction of the ceiling, or relative prediction error
  double goal = 0;
  bool at_least = true;   // value ≥ goal (rates) or value ≤ goal (errors)
  bool met = false;
};

std::vector<TargetCheck> performance_targets(const Report& r);

}  // namespace attncost::probe
