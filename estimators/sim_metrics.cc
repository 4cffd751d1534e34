#include "estimators/sim_metrics.h"

#include <algorithm>
#include <cmath>

namespace attncost {
Dist distribution(std::vector<double>& v) {
  Dist d;
  if (v.empty()) return d;
  double sum = 0;
  for (double x : v) sum += x;
  d.mean = sum / static_cast<double>(v.size());
  d.p50 = percentile(v, 50), d.p90 = percentile(v, 90), d.p99 = percentile(v, 99);
  return d;
}

bool queue_grows(const SimResult& r) {
  // Over the second half of the run (the first is warm-up), in the order requests were sent: the
  // least-squares trend of the queueing wait against the send time. An overloaded server's wait
  // grows steadily, by about two thirds of its mean over that half; a stable one's wanders
  // around a level. Growth above 0.3 × the mean wait (+ 50 ms, so waits of a few steps do not
  // count) is growth.
  std::vector<std::pair<double, double>> pts;
  for (const SimRequestResult& q : r.requests)
    if (!q.rejected) pts.emplace_back(q.sent_s, q.queue());
  const size_t n = pts.size();
  if (n < 16) return false;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const size_t from = n / 2;
  const double m = static_cast<double>(n - from);
  for (size_t i = from; i < n; ++i) sx += pts[i].first, sy += pts[i].second;
  const double mx = sx / m, my = sy / m;
  for (size_t i = from; i < n; ++i) {
    const double dx = pts[i].first - mx;
    sxx += dx * dx, sxy += dx * (pts[i].second - my);
  }
  if (sxx <= 0) return false;  // all sent at once: no trend to read
  const double growth = sxy / sxx * (pts[n - 1].first - pts[from].first);
  return growth > 0.3 * my + 0.05;
}

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = (static_cast<double>(values.size()) - 1) * p / 100;
  const size_t lo = static_cast<size_t>(std::floor(rank)), hi = std::min(values.size() - 1, lo + 1);
  return values[lo] + (rank - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

double weighted_percentile(std::vector<WeightedGap>& samples, double p) {
  double total = 0;
  for (const WeightedGap& s : samples) total += s.count;
  if (total <= 0) return 0;
  std::sort(samples.begin(), samples.end(), [](const WeightedGap& a, const WeightedGap& b) { return a.gap_s < b.gap_s; });
  const double rank = (total - 1) * p / 100;
  const double lo_rank = std::floor(rank);
  // The value at a 0-based rank of the expanded list.
  auto at = [&](double k) {
    double seen = 0;
    for (const WeightedGap& s : samples) {
      seen += s.count;
      if (k < seen) return s.gap_s;
    }
    return samples.back().gap_s;
  };
  const double a = at(lo_rank), b = at(std::min(total - 1, lo_rank + 1));
  return a + (rank - lo_rank) * (b - a);
}

SimSummary summarize(const SimResult& r, const SloSpec& slo, int64_t gpus_per_replica) {
  SimSummary s;
  std::vector<double> ttft, tpot, e2e, queue;
  double output = 0, input = 0;
  uint64_t good = 0;
  for (const SimRequestResult& q : r.requests) {
    if (q.rejected) {
      ++s.rejected;
      continue;
    }
    ++s.completed;
    ttft.push_back(q.ttft()), e2e.push_back(q.e2e()), queue.push_back(q.queue());
    if (q.output > 1) tpot.push_back(q.tpot());
    output += static_cast<double>(q.output), input += static_cast<double>(q.prompt);
    const bool ok = (slo.ttft_s <= 0 || q.ttft() <= slo.ttft_s) && (slo.tpot_s <= 0 || q.tpot() <= slo.tpot_s);
    good += ok ? 1 : 0;
  }
  s.duration_s = r.duration_s;
  if (s.duration_s > 0) {
    s.requests_per_s = static_cast<double>(s.completed) / s.duration_s;
    s.output_tokens_per_s = output / s.duration_s;
    s.total_tokens_per_s = (input + output) / s.duration_s;
    s.output_tokens_per_s_per_gpu = s.output_tokens_per_s / static_cast<double>(std::max<int64_t>(1, gpus_per_replica));
    s.goodput_rps = static_cast<double>(good) / s.duration_s;
  }
  s.slo_attained = s.completed > 0 ? static_cast<double>(good) / static_cast<double>(s.completed) : 0;
  s.mean_prompt = s.completed > 0 ? input / static_cast<double>(s.completed) : 0;
  s.mean_output = s.completed > 0 ? output / static_cast<double>(s.completed) : 0;
  s.ttft_s = distribution(ttft), s.tpot_s = distribution(tpot), s.e2e_s = distribution(e2e), s.queue_s = distribution(queue);
  s.ttft_at_percentile_s = percentile(ttft, slo.percentile);
  s.tpot_at_percentile_s = percentile(tpot, slo.percentile);
  std::vector<WeightedGap> itl = r.itl;
  double gap_sum = 0, gap_count = 0;
  for (const WeightedGap& g : itl) gap_sum += g.gap_s * g.count, gap_count += g.count;
  if (gap_count > 0) {
    s.itl_s.mean = gap_sum / gap_count;
    s.itl_s.p50 = weighted_percentile(itl, 50), s.itl_s.p90 = weighted_percentile(itl, 90), s.itl_s.p99 = weighted_percentile(itl, 99);
  }
  s.preemptions = r.preemptions, s.steps = r.steps, s.prefix_hits = r.prefix_hits;
  s.kv_util_mean = r.kv_util_mean, s.kv_util_max = r.kv_util_max, s.in_system_mean = r.in_system_mean;
  s.queue_grows = queue_grows(r);
  return s;
}

int load_knee(std::span<const double> rates, std::span<const SimSummary> runs) {
  int knee = -1;
  for (size_t i = 0; i < rates.size() && i < runs.size(); ++i) {
    if (rates[i] <= 0) continue;  // all at once: never "kept up with"
    const bool short_run = runs[i].completed < 16;
    const bool keeps_up = short_run ? runs[i].requests_per_s >= 0.95 * rates[i] : !runs[i].queue_grows;
    if (!keeps_up) break;
    knee = static_cast<int>(i);
  }
  return knee;
}

int max_rate_meeting_slo(std::span<const double> rates, std::span<const SimSummary> runs, const SloSpec& slo) {
  int best = -1;
  for (size_t i = 0; i < rates.size() && i < runs.size(); ++i) {
    if (rates[i] <= 0) continue;
    const bool ok = (slo.ttft_s <= 0 || runs[i].ttft_at_percentile_s <= slo.ttft_s) && (slo.tpot_s <= 0 || runs[i].tpot_at_percentile_s <= slo.tpot_s);
    if (ok) best = static_cast<int>(i);
  }
  return best;
}

}  // namespace attncost
