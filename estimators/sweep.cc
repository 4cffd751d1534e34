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

void sweep_each(const SweepGrid& g, const std::function<void(const SweepLine&, const Workload&, const Estimate&)>& row) {
  for (const SweepLine& line : sweep_lines(g)) {
    const ModelConfig& m = g.models[line.model];
    const Design& d = g.designs[line.model][line.design];
    const GpuSpec& gpu = g.gpus[line.gpu];
    for (uint64_t ctx : g.ctxs)
      for (uint64_t batch : g.batches)
        for (uint64_t gen : g.gens)
          for (uint64_t prefix : g.prefixes) {
            Workload w;
            w.ctx = ctx, w.batch = batch, w.gen = gen, w.shared_prefix = prefix;
            row(line, w, estimate(m, d, w, gpu));
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
