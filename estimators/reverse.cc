#include "estimators/reverse.h"

#include <algorithm>
#include <cmath>

namespace attncost {
namespace {

constexpr uint64_t kTop = uint64_t{1} << 40;

// Largest v in [lo, hi] with ok(v), given ok(lo) and !ok(hi + 1) or hi the top; ok never turns
// true again once false.
template <class Ok>
uint64_t last_ok(uint64_t lo, uint64_t hi, Ok ok) {
  if (ok(hi)) return hi;
  while (hi - lo > 1) {
    const uint64_t mid = lo + (hi - lo) / 2;
    (ok(mid) ? lo : hi) = mid;
  }
  return lo;
}

}  // namespace

std::string broken_constraint(const Estimate& e, const Workload& w) {
  if (!e.memory.fits) return "memory";
  if (w.slo_ms > 0 && e.serving.itl_mean_s * 1e3 > w.slo_ms) return "slo_ms";
  if (w.ttft_slo_ms > 0 && e.serving.ttft_s * 1e3 > w.ttft_slo_ms) return "ttft_slo_ms";
  return "";
}

Limit max_context(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu) {
  const uint64_t top = kTop - w.gen;
  auto at = [&](uint64_t ctx) {
    Workload probe = w;
    probe.ctx = ctx;
    probe.shared_prefix = std::min(w.shared_prefix, ctx - 1);
    return broken_constraint(estimate(m, d, probe, gpu), probe);
  };
  if (std::string b = at(1); !b.empty()) return {0, false, b};
  if (at(top).empty()) return {top, true, ""};
  const uint64_t v = last_ok(1, top, [&](uint64_t ctx) { return at(ctx).empty(); });
  return {v, false, at(v + 1)};
}

Limit max_batch(const Memory& mem) {
  const double n = sequences_within(mem, mem.budget_bytes);
  const double top = static_cast<double>(kTop);
  return n >= top ? Limit{kTop, true, ""} : Limit{static_cast<uint64_t>(n), false, "memory"};
}

Limit max_batch(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu) {
  Workload probe = w;
  probe.batch = 1;
  const Estimate one = estimate(m, d, probe, gpu);
  const Limit memory = max_batch(one.memory);
  if (memory.value == 0) return memory;
  if (w.slo_ms <= 0 && w.ttft_slo_ms <= 0) return memory;
  // Latency only grows with the batch: bisect below the memory edge.
  auto ok = [&](uint64_t b) {
    probe.batch = b;
    return broken_constraint(estimate(m, d, probe, gpu), probe).empty();
  };
  if (std::string b = broken_constraint(one, probe); !b.empty()) return {0, false, b};
  const uint64_t v = last_ok(1, memory.value, ok);
  if (v == memory.value) return memory;
  probe.batch = v + 1;
  return {v, false, broken_constraint(estimate(m, d, probe, gpu), probe)};
}

}  // namespace attncost
