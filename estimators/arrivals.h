// The requests a serving benchmark sends: arrival times (Poisson at a rate, a gamma process of
// a given burstiness as vLLM's benchmark_serving draws them, or all at once) and prompt and
// output lengths (fixed or uniform in a range), from a seed. The generator is ours, not the
// standard library's distributions (whose outputs differ between implementations), so a seed
// gives the same requests everywhere. Traces read from files arrive as the same records.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace attncost {

struct SimRequest {
  double arrival_s = 0;  // when the client would send it (a closed loop may send it later)
  uint64_t prompt = 0;   // prompt tokens
  uint64_t output = 0;   // tokens to generate (≥ 1)
  // Prompt tokens whose K/V arrive with the request, computed elsewhere: a disaggregated decode
  // replica receives every prompt token but the last from the prefill replica (vLLM recomputes
  // one token of a fully cached prompt to sample from it).
  uint64_t prefilled = 0;
};

// A length: `lo` when fixed (lo == hi), else uniform over the integers [lo, hi].
struct LengthDist {
  uint64_t lo = 0, hi = 0;
  double mean() const { return (static_cast<double>(lo) + static_cast<double>(hi)) / 2; }
};

struct ArrivalSpec {
  uint64_t requests = 0;
  double rate = 0;        // requests/s; 0 = every request at t = 0 (vLLM's --request-rate inf)
  double burstiness = 1;  // gamma shape of the inter-arrival times (1 = Poisson), scale 1/(rate·burstiness)
  LengthDist prompt, output;
  std::vector<SimRequest> lengths;  // when given: request i takes lengths[i mod n]'s prompt and output (a replayed run)
  uint64_t seed = 0;
};

// The first request arrives at t = 0 (benchmark_serving sends it at once), the others after
// gamma-distributed intervals.
std::vector<SimRequest> generate_requests(const ArrivalSpec& spec);

// Deterministic pseudo-random numbers: a 64-bit Mersenne Twister (its sequence is fixed by the
// C++ standard) with our own transforms.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  double uniform();                      // [0, 1)
  uint64_t uniform_int(uint64_t lo, uint64_t hi);  // [lo, hi]
  double exponential(double mean);
  double normal();                       // standard normal (Box–Muller)
  double gamma(double shape, double scale);  // Marsaglia & Tsang (2000)

 private:
  std::mt19937_64 engine_;
  bool spare_ready_ = false;
  double spare_ = 0;
};

}  // namespace attncost
