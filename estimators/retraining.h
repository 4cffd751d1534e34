// What a design change costs in training before it can serve: tokens and GPU-hours, as a
// fraction of the model's reported pre-training (docs/cost-model.md §8). Pure.
#pragma once
#include <string>

#include "model/design.h"

namespace attncost {

struct Retraining {
  double fraction = 0;     // of the pre-training tokens (and GPU-hours); 0: none needed
  std::string basis;       // the published recipe the fraction comes from, or the stated assumption
  double tokens = 0;       // fraction × reported pre-training tokens (0: not reported)
  double gpu_hours = 0;    // fraction × reported pre-training GPU-hours, on the authors' hardware
};

// KV sharing: GQA uptraining with α = 0.05 of the pre-training steps (Ainslie et al. 2023,
// arXiv:2305.13245 §2.1, §4). Windowed/sparse attention: assumed the same 5% (no published
// uptraining fraction; stated as an assumption). Linear or hybrid layers: distillation with at
// most 0.1% of the pre-training tokens (Llamba, Bick et al. 2025, arXiv:2502.14458, abstract).
// Both changed: one run of the larger fraction. KV dtype alone: none.
Retraining retraining_cost(const ModelConfig& m, const Design& d, const Design& baseline);

}  // namespace attncost
