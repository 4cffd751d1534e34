// Σ of a decode step's time over a run of contexts, in closed form: what the mean inter-token
// latency over a generation needs, without a loop over its steps.
//
// Every decode-step operator is linear in the step's load (StepLoad), and the load is affine in
// the context between the breakpoints of the design's attention patterns (a window filling up, a
// chunk boundary) — except for patterns whose key count changes at every position (strided,
// axial, block). Each operator's time is the max of compute, memory and network terms, so:
//   - an operator affine in the context sums as Σ of the upper envelope of affine functions
//     (sum_max_affine: exact, split where the terms cross);
//   - an attention operator of a strided/axial/block layer is affine in the pattern's key counts
//     (pairs P, keys read K, positions scored S), whose sums over a run are closed forms
//     (sum_decode_pairs); when bounds on them prove that one term dominates the whole run, its
//     sum is exact; otherwise the run is halved until it does, and runs of at most 64 steps are
//     summed one by one from the same affine terms. Only a run over 2^22 steps that no bound
//     settles is sampled (exact = false).
// docs/cost-model.md §14.
#pragma once
#include <cstdint>
#include <span>

#include "estimators/step_cost.h"

namespace attncost {

struct StepSum {
  double sum = 0, first = 0, last = 0;  // Σ over the run; the first and the last step
  bool exact = true;
};

// Σ over decode contexts c = lo … hi (lo ≤ hi) of one step's time for `batch` sequences with q
// query tokens each, through the pipeline (its micro-batches) when the design has stages.
// `known`: the operators of such a step (the same batch and q) at any context, roofline applied
// (estimate's decode step), whose context-independent operators are reused (context_ops.h).
StepSum sum_decode_steps(const StepContext& sc, uint64_t batch, uint64_t q, uint64_t lo, uint64_t hi, const OpList* known = nullptr);

// Σ_{t=0}^{len} max_k(α_k + β_k·t): the exact sum over integers of the upper envelope of affine
// functions, split where they cross.
struct AffineLine {
  double alpha = 0, beta = 0;
};
double sum_max_affine(std::span<const AffineLine> lines, uint64_t len);

}  // namespace attncost
