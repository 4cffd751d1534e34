#include "estimators/crossover.h"

namespace attncost {
namespace {

// Smallest x in (lo, hi] with pred(x), given !pred(lo) and pred(hi).
template <typename Pred>
uint64_t bisect(uint64_t lo, uint64_t hi, Pred pred) {
  while (hi - lo > 1) {
    const uint64_t mid = lo + (hi - lo) / 2;
    (pred(mid) ? hi : lo) = mid;
  }
  return hi;
}

Estimate at(const ModelConfig& m, const Design& d, Workload w, const GpuSpec& gpu, uint64_t ctx) {
  w.ctx = ctx;
  return estimate(m, d, w, gpu);
}

}  // namespace

std::optional<uint64_t> kv_overtakes_weights(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu) {
  auto over = [&](uint64_t ctx) {
    const Estimate e = at(m, d, w, gpu, ctx);
    return e.decode.kv_read_bytes >= e.decode.weight_bytes;
  };
  const uint64_t top = uint64_t{1} << 40;
  if (over(1)) return 1;
  if (!over(top)) return std::nullopt;
  return bisect(1, top, over);
}

std::optional<uint64_t> prefill_bound_change(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu,
                                             uint64_t lo, uint64_t hi) {
  if (hi <= lo) return std::nullopt;
  const Bound end = at(m, d, w, gpu, hi).prefill.bound;
  if (at(m, d, w, gpu, lo).prefill.bound == end) return std::nullopt;
  return bisect(lo, hi, [&](uint64_t ctx) { return at(m, d, w, gpu, ctx).prefill.bound == end; });
}

}  // namespace attncost
