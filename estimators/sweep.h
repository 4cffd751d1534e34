// `sweep`: the grid of every combination of models × GPUs × designs × contexts × batches ×
// generated lengths, evaluated point by point through `estimate`, and along each line (a model,
// GPU and design) the crossover points and the curve a chart draws. Pure; the CLI streams rows.
#pragma once
#include <functional>
#include <optional>
#include <vector>

#include "estimators/estimate.h"

namespace attncost {

struct SweepGrid {
  std::vector<ModelConfig> models;
  std::vector<GpuSpec> gpus;
  std::vector<std::vector<Design>> designs;  // per model
  std::vector<uint64_t> ctxs, batches, gens;
  std::vector<uint64_t> prefixes = {0};      // shared prompt prefixes (prefix caching)
};

// Everything but the workload axes.
struct SweepLine {
  size_t model = 0, gpu = 0, design = 0;
};
std::vector<SweepLine> sweep_lines(const SweepGrid& g);
// Rows the grid has (a double: a grid can exceed 2^64 in principle).
double sweep_rows(const SweepGrid& g);

// Calls `row` for the points [first, last) of the grid in order: lines outer, then ctx, batch,
// gen, shared prefix (the last fastest). Ranges may run on different threads at once.
void sweep_each(const SweepGrid& g, double first, double last, const std::function<void(const SweepLine&, const Workload&, const Estimate&)>& row);

// Along the context axis of one line, at the grid's first batch and gen.
struct SweepCrossover {
  SweepLine line;
  uint64_t batch = 0, lo = 0, hi = 0;                 // the contexts the grid spans
  std::optional<uint64_t> kv_reads_exceed_weights;    // decode KV reads ≥ weight reads from this ctx
  std::optional<uint64_t> prefill_bound_changes;      // the prefill's bound changes at this ctx
  Bound prefill_bound_at_hi = Bound::memory;
};
std::vector<SweepCrossover> sweep_crossovers(const SweepGrid& g);

// Decode step time along the context axis (or the batch axis when the grid has one context), for
// at most `max_lines` lines; x ascending.
struct SweepCurve {
  SweepLine line;
  std::vector<std::pair<double, double>> points;  // (ctx or batch, decode time_s)
};
struct SweepCurves {
  bool by_ctx = true;
  std::vector<SweepCurve> curves;
};
// Throws InputError when neither axis has two values to draw.
SweepCurves sweep_curves(const SweepGrid& g, size_t max_lines);

}  // namespace attncost
