#include "estimators/sweep.h"

#include <algorithm>

#include "estimators/crossover.h"
#include "model/error.h"

namespace attncost {

std::vector<SweepLine> sweep_lines(const SweepGrid& g) {
  std::vector<SweepLine> lines;
  for (size_t mi = 0; mi < g.models.size(); ++mi)
    for (size_t gi = 0; gi < g.gpus.size(); ++gi)
      for (size_t di = 0; di < g.designs[mi].size(); ++di) lines.push_back({mi, gi, di});
  return lines;
}

double sweep_rows(const SweepGrid& g) {
  double designs = 0;
  for (const auto& d : g.designs) designs += static_cast<double>(d.size());
  return designs * static_cast<double>(g.gpus.size()) * static_cast<double>(g.ctxs.size()) * static_cast<double>(g.batches.size()) *
         static_cast<double>(g.gens.size()) * static_cast<double>(g.prefixes.size());
}

void sweep_each(const SweepGrid& g, double first, double last, const std::function<void(const SweepLine&, const Workload&, const Estimate&)>& row) {
  const std::vector<SweepLine> lines = sweep_lines(g);
  const uint64_t per_line = g.ctxs.size() * g.batches.size() * g.gens.size() * g.prefixes.size();
  if (per_line == 0) return;
  const uint64_t begin = static_cast<uint64_t>(first), end = static_cast<uint64_t>(std::min(last, sweep_rows(g)));
  for (uint64_t i = begin; i < end;) {
    const SweepLine& line = lines[i / per_line];
    const Design& d = g.designs[line.model][line.design];
    const Estimator estimate(g.models[line.model], d, g.gpus[line.gpu]);  // the line's constants, once
    // The row's place in the line: ctx, then batch, gen and shared prefix, the last fastest.
    for (uint64_t k = i % per_line; k < per_line && i < end; ++k, ++i) {
      uint64_t r = k;
      Workload w;
      w.shared_prefix = g.prefixes[r % g.prefixes.size()], r /= g.prefixes.size();
      w.gen = g.gens[r % g.gens.size()], r /= g.gens.size();
      w.batch = g.batches[r % g.batches.size()], r /= g.batches.size();
      w.ctx = g.ctxs[r];
      row(line, w, estimate(w));
    }
  }
}

std::vector<SweepCrossover> sweep_crossovers(const SweepGrid& g) {
  std::vector<SweepCrossover> out;
  const uint64_t lo = *std::min_element(g.ctxs.begin(), g.ctxs.end()), hi = *std::max_element(g.ctxs.begin(), g.ctxs.end());
  for (const SweepLine& line : sweep_lines(g)) {
    const ModelConfig& m = g.models[line.model];
    const Design& d = g.designs[line.model][line.design];
    const GpuSpec& gpu = g.gpus[line.gpu];
    Workload w;
    w.ctx = lo, w.batch = g.batches.front(), w.gen = g.gens.front();
    SweepCrossover c;
    c.line = line, c.batch = w.batch, c.lo = lo, c.hi = hi;
    c.kv_reads_exceed_weights = kv_overtakes_weights(m, d, w, gpu);
    c.prefill_bound_changes = prefill_bound_change(m, d, w, gpu, lo, hi);
    Workload at_hi = w;
    at_hi.ctx = hi;
    c.prefill_bound_at_hi = estimate(m, d, at_hi, gpu).prefill.bound;
    out.push_back(c);
  }
  return out;
}

SweepCurves sweep_curves(const SweepGrid& g, size_t max_lines) {
  SweepCurves out;
  out.by_ctx = g.ctxs.size() >= 2;
  if (!out.by_ctx && g.batches.size() < 2) throw InputError("--chart: the sweep needs at least two --ctx or two --batch values to draw");
  for (const SweepLine& line : sweep_lines(g)) {
    if (out.curves.size() == max_lines) break;
    const ModelConfig& m = g.models[line.model];
    const Design& d = g.designs[line.model][line.design];
    const GpuSpec& gpu = g.gpus[line.gpu];
    SweepCurve curve{line, {}};
    for (uint64_t x : out.by_ctx ? g.ctxs : g.batches) {
      Workload w;
      w.ctx = out.by_ctx ? x : g.ctxs.front(), w.batch = out.by_ctx ? g.batches.front() : x, w.gen = g.gens.front();
      curve.points.emplace_back(static_cast<double>(x), estimate(m, d, w, gpu).decode.time_s);
    }
    std::sort(curve.points.begin(), curve.points.end());
    out.curves.push_back(std::move(curve));
  }
  return out;
}

}  // namespace attncost
