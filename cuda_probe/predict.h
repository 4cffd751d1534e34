// Predictions for probe cases from the estimator every other command uses: a one-layer model of
// the case's shape goes through the step-cost path (build_step_ops), and the single roofline turns the attention operator
// into time with the measured ceilings.
#pragma once
#include "cuda_probe/probe.h"
#include "estimators/op_cost.h"
#include "model/gpu_spec.h"

namespace attncost::probe {

struct Prediction {
  double time_s = 0;
  double bytes = 0;          // HBM bytes of the operator
  double flops = 0;          // executed matmul + other FLOPs
  double matmul_flops = 0;   // the executed matmul part alone (causal pairs only, for flash)
  Bound bound = Bound::memory;
  std::string efficiency_class;
};

// A GPU spec whose peaks are the measured ceilings (datasheet `base` fills what was not measured).
GpuSpec spec_from_ceilings(const Device& device, const Ceilings& ceilings, const GpuSpec* base);

Prediction predict(const Case& c, const GpuSpec& gpu);

}  // namespace attncost::probe
