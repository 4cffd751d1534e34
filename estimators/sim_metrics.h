// What a serving benchmark reports from a simulated run, named as vLLM's benchmark_serving names
// it: request and output-token throughput, TTFT, TPOT (time per output token after the first),
// ITL (every gap between two outputs of a request), end-to-end latency and queueing time, each as
// mean / P50 / P90 / P99 (numpy's linear interpolation, as the benchmark uses), goodput (requests/s
// meeting every SLO), preemptions and KV-pool utilization.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "estimators/simulate.h"

namespace attncost {

struct Dist {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0;
};

// The SLOs a request must meet to count toward goodput (0: none) and the percentile a plan sizes to.
struct SloSpec {
  double ttft_s = 0, tpot_s = 0;
  double percentile = 99;
};

struct SimSummary {
  uint64_t completed = 0, rejected = 0;
  double duration_s = 0;
  double requests_per_s = 0, output_tokens_per_s = 0, output_tokens_per_s_per_gpu = 0, total_tokens_per_s = 0;
  Dist ttft_s, tpot_s, itl_s, e2e_s, queue_s;
  double goodput_rps = 0;   // requests/s meeting every SLO given
  double slo_attained = 0;  // fraction of completed requests meeting every SLO given
  double ttft_at_percentile_s = 0, tpot_at_percentile_s = 0;  // at SloSpec::percentile
  uint64_t preemptions = 0, steps = 0, prefix_hits = 0;
  double kv_util_mean = 0, kv_util_max = 0;
  double in_system_mean = 0;
  double mean_prompt = 0, mean_output = 0;
  bool queue_grows = false;  // the server falls behind its arrivals (queue_grows below)
};

// The p-th percentile (0–100) of `values` as numpy.percentile computes it (linear interpolation
// between the two closest ranks); `values` is sorted in place.
double percentile(std::vector<double>& values, double p);
// The same over weighted samples, as if each were repeated `count` times.
double weighted_percentile(std::vector<WeightedGap>& samples, double p);

// Mean, P50, P90, P99 of `v` (sorted in place).
Dist distribution(std::vector<double>& v);
// Whether the queue grows over the run (the server falls behind its arrivals): the trend of the
// queueing wait over the second half of the run.
bool queue_grows(const SimResult& r);

SimSummary summarize(const SimResult& r, const SloSpec& slo, int64_t gpus_per_replica);

// Along a sweep of offered rates (requests/s, ascending; 0 = all at once): the knee, the highest
// finite rate the replica still keeps up with — its queue does not grow over the run (and, on
// runs too short to read a trend, it completes at least 95% of the offered rate) — or -1 when
// even the lowest rate falls behind.
int load_knee(std::span<const double> rates, std::span<const SimSummary> runs);
// The highest finite rate whose TTFT and TPOT at the SLO percentile meet the SLOs, or -1.
int max_rate_meeting_slo(std::span<const double> rates, std::span<const SimSummary> runs, const SloSpec& slo);

}  // namespace attncost
