#include "estimators/reverse.h"

#include <cmath>

namespace attncost {

Limit max_context(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu, double budget_bytes) {
  const uint64_t top = (uint64_t{1} << 40) - w.gen;
  auto fits = [&](uint64_t ctx) {
    Workload probe = w;
    probe.ctx = ctx;
    return estimate(m, d, probe, gpu).memory.total_bytes <= budget_bytes;
  };
  if (!fits(1)) return {0, false};
  if (fits(top)) return {top, true};
  uint64_t lo = 1, hi = top;  // fits(lo), !fits(hi); memory never decreases with ctx
  while (hi - lo > 1) {
    const uint64_t mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return {lo, false};
}

Limit max_batch(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu, double budget_bytes) {
  return max_batch(estimate(m, d, w, gpu).memory, budget_bytes);
}

Limit max_batch(const Memory& mem, double budget_bytes) {
  const double n = sequences_within(mem, budget_bytes);
  const double top = static_cast<double>(uint64_t{1} << 40);
  return n >= top ? Limit{uint64_t{1} << 40, true} : Limit{static_cast<uint64_t>(n), false};
}

}  // namespace attncost
