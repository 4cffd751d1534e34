#include "estimators/retraining.h"

#include <algorithm>

#include "estimators/plan.h"

namespace attncost {

Retraining retraining_cost(const ModelConfig& m, const Design& d, const Design& baseline) {
  Retraining r;
  const bool sharing = d.sharing != baseline.sharing || d.kv_heads != baseline.kv_heads || d.mla_rank != baseline.mla_rank;
  const bool pattern = d.attn.text != baseline.attn.text;
  if (sharing) {
    r.fraction = 0.05;
    r.basis = "GQA uptraining, 5% of the pre-training steps (Ainslie et al. 2023, §2.1)";
  }
  if (pattern) {
    const DesignFamily f = design_family(d);
    if (f == DesignFamily::linear || f == DesignFamily::hybrid) {
      if (r.fraction < 0.001) r.fraction = 0.001, r.basis = "distillation into linear/state layers, ≤ 0.1% of the pre-training tokens (Llamba, Bick et al. 2025)";
      else r.basis += "; its layers distilled in the same run";
    } else {
      if (!sharing) r.basis = "uptraining to the new mask, assumed 5% of pre-training like GQA's (no published fraction)";
      else r.basis += "; the new mask uptrained in the same run (assumed)";
      r.fraction = std::max(r.fraction, 0.05);
    }
  }
  r.tokens = r.fraction * m.pretraining_tokens;
  r.gpu_hours = r.fraction * m.pretraining_gpu_hours;
  return r;
}

}  // namespace attncost
