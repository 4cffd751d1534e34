// A decode step's operators at another context, from a step already built: only the operators
// that read the per-pattern key counts (decode attention, the lightning indexer) change with the
// context; the GEMMs, scans and collectives depend on the step's tokens alone. A run of decode
// steps (decode_sums.cc) and the serving sums (serving.cc) re-cost just those instead of
// building and rooflining every operator again. The operators come from build_step_ops'
// builders (step_ops.cc): one code path.
#pragma once
#include "estimators/step_cost.h"

namespace attncost {

// `ops`: a decode-only step's operators, roofline applied, built for the same tokens and sampled
// positions as `load` (the same batch and q per sequence, any context). Re-costs its
// context-dependent operators for `load`, in place, roofline applied.
void rebuild_context_ops(const StepContext& sc, const StepLoad& load, OpList& ops);

}  // namespace attncost
