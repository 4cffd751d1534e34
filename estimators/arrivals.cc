#include "estimators/arrivals.h"

#include <cmath>
#include <numbers>

namespace attncost {

Rng::Rng(uint64_t seed) : engine_(seed) {}

double Rng::uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

uint64_t Rng::uniform_int(uint64_t lo, uint64_t hi) {
  if (hi <= lo) return lo;
  const double span = static_cast<double>(hi - lo) + 1;
  return lo + std::min(hi - lo, static_cast<uint64_t>(uniform() * span));
}

double Rng::exponential(double mean) { return -mean * std::log1p(-uniform()); }

double Rng::normal() {
  if (spare_ready_) {
    spare_ready_ = false;
    return spare_;
  }
  const double u = 1 - uniform(), v = uniform();  // u in (0, 1]
  const double r = std::sqrt(-2 * std::log(u)), t = 2 * std::numbers::pi * v;
  spare_ = r * std::sin(t), spare_ready_ = true;
  return r * std::cos(t);
}

double Rng::gamma(double shape, double scale) {
  if (shape < 1) {  // boost: Γ(a) = Γ(a + 1)·U^(1/a)
    const double u = 1 - uniform();
    return gamma(shape + 1, scale) * std::pow(u, 1 / shape);
  }
  const double d = shape - 1.0 / 3, c = 1 / std::sqrt(9 * d);
  while (true) {
    double x, v;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = 1 - uniform();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v * scale;
  }
}

std::vector<SimRequest> generate_requests(const ArrivalSpec& spec) {
  std::vector<SimRequest> out;
  out.reserve(spec.requests);
  Rng rng(spec.seed);
  double t = 0;
  for (uint64_t i = 0; i < spec.requests; ++i) {
    SimRequest r;
    if (i > 0 && spec.rate > 0) t += rng.gamma(spec.burstiness, 1 / (spec.rate * spec.burstiness));
    r.arrival_s = spec.rate > 0 ? t : 0;
    if (!spec.lengths.empty()) {
      const SimRequest& l = spec.lengths[i % spec.lengths.size()];
      r.prompt = l.prompt, r.output = std::max<uint64_t>(1, l.output);
    } else {
      r.prompt = rng.uniform_int(spec.prompt.lo, spec.prompt.hi);
      r.output = std::max<uint64_t>(1, rng.uniform_int(spec.output.lo, spec.output.hi));
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace attncost
