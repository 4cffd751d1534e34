// The yardstick scripts/speed-check.sh divides every benchmark by: a fixed loop of dependent
// double divisions and array reads, timed in the same run on the same core. The check's limits
// are ratios to it, so a slower or busier machine moves both sides and no absolute time is
// asserted. Included (once) by every bench program.
#pragma once
#include <benchmark/benchmark.h>

#include <numeric>
#include <vector>

namespace attncost::bench {

inline void reference_loop(benchmark::State& state) {
  std::vector<double> v(4096);
  std::iota(v.begin(), v.end(), 1.0);
  for (auto _ : state) {
    double s = 0;
    for (const double x : v) s += x / (x + s);
    benchmark::DoNotOptimize(s);
  }
}

}  // namespace attncost::bench

BENCHMARK(attncost::bench::reference_loop);
