#include "estimators/fleet_load.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "estimators/arrivals.h"
#include "estimators/simulate.h"
#include "model/error.h"

namespace attncost {
namespace {

// Requests simulated per replica and run: enough for the queue to reach its level and for a P99
// (at least 600; 300 left a 64k-prompt replica's P99 TTFT at a quarter of its steady value) and
// for the batch to turn over several times, few enough that a plan simulates hundreds of runs
// in seconds.
uint64_t requests_for(uint64_t batch) { return std::clamp<uint64_t>(8 * batch, 600, 2000); }

// How far past capacity sizing the search adds replicas before it calls the targets unreachable.
int64_t growth_cap(int64_t n0) { return std::max<int64_t>(2 * n0, n0 + 64); }

enum class Pool : uint8_t { whole, prefill, decode };

// One replica of a pool at `rps` requests/s: the workload's prompt and output, Poisson arrivals.
// A prefill replica returns one token (its KV then leaves); a decode replica receives the
// prompt's KV with the request and owes no request overhead (the prefill side paid it).
SimResult run_replica(const ModelConfig& m, const GpuSpec& gpu, const FleetOption& o, const Workload& w, double rps, Pool pool, const SloSpec& slo, uint64_t seed) {
  ArrivalSpec a;
  a.requests = requests_for(o.batch);
  a.rate = rps;
  a.prompt = {w.ctx, w.ctx};
  const uint64_t out = pool == Pool::prefill ? 1 : std::max<uint64_t>(1, w.gen);
  a.output = {out, out};
  a.seed = seed;
  std::vector<SimRequest> reqs = generate_requests(a);
  if (pool == Pool::decode)
    for (SimRequest& q : reqs) q.prefilled = q.prompt;
  SimConfig c = sim_config_for(o.design, scheduler_for(o.design.engine.kind), gpu);
  if (pool != Pool::prefill) c.max_num_seqs = o.batch;  // launched at the batch that meets the mean-ITL target
  if (pool == Pool::decode) c.request_overhead_s = 0;
  c.shared_prefix = w.shared_prefix;
  c.seed = seed;
  c.record_itl = false;
  // Once more requests miss a target than the percentile allows, the run cannot pass: stop it.
  // The prefill pool's TTFT is a part of the request's, so it may not exceed the target either;
  // the decode pool's TTFT is only a part, so only its TPOT stops it.
  const double n = static_cast<double>(reqs.size());
  c.abort_after = static_cast<uint64_t>(n - 1 - std::floor((n - 1) * slo.percentile / 100));
  if (pool != Pool::decode) c.abort_ttft_s = slo.ttft_s;
  if (pool != Pool::prefill && out > 1) c.abort_tpot_s = slo.tpot_s;
  return simulate(m, o.design, gpu, c, reqs);
}

struct PoolRun {
  std::vector<double> ttft, tpot, queue;  // per request, in sending order
  double served_rps = 0;                  // completed per second on one replica
  bool stable = true;
  bool rejected = false;                  // a request never fits the KV pool
  bool missed = false;                    // stopped early: a target is missed at the percentile
};

PoolRun pool_run(const SimResult& r) {
  PoolRun p;
  if (r.aborted) {
    p.missed = true, p.stable = false;
    return p;
  }
  for (const SimRequestResult& q : r.requests) {
    if (q.rejected) {
      p.rejected = true;
      continue;
    }
    p.ttft.push_back(q.ttft()), p.queue.push_back(q.queue());
    if (q.output > 1) p.tpot.push_back(q.tpot());
  }
  p.served_rps = r.duration_s > 0 ? static_cast<double>(p.ttft.size()) / r.duration_s : 0;
  p.stable = !queue_grows(r);
  return p;
}

LoadPoint point_of(std::vector<double> ttft, std::vector<double> tpot, std::vector<double> queue, double served_rps, bool stable, bool missed, double rate,
                   double pct) {
  LoadPoint p;
  p.offered_rps = rate, p.served_rps = served_rps, p.stable = stable, p.missed = missed;
  p.ttft_at_percentile_s = percentile(ttft, pct), p.tpot_at_percentile_s = percentile(tpot, pct);
  p.ttft_s = distribution(ttft), p.tpot_s = distribution(tpot), p.queue_s = distribution(queue);
  return p;
}

bool meets(const LoadPoint& p, const SloSpec& slo) {
  return !p.missed && p.stable && (slo.ttft_s <= 0 || p.ttft_at_percentile_s <= slo.ttft_s) && (slo.tpot_s <= 0 || p.tpot_at_percentile_s <= slo.tpot_s);
}

// The fewest n in [1, cap] with ok(n), searched from n0 (capacity sizing, usually close): up by
// doubling steps, then bisection; ok is taken to be monotone in n. nullopt when ok(cap) fails.
template <typename Ok>
std::optional<int64_t> fewest(int64_t n0, int64_t cap, Ok ok) {
  n0 = std::clamp<int64_t>(n0, 1, cap);
  int64_t pass = -1, fail = 0;
  if (ok(n0)) {
    pass = n0;
  } else {
    // Failing runs stop early (SimConfig::abort_after), so the walk up is cheap.
    fail = n0;
    for (int64_t step = 1; pass < 0; step *= 2) {
      const int64_t n = std::min(cap, fail + step);
      if (ok(n)) pass = n;
      else if (n == cap) return std::nullopt;
      else fail = n;
    }
  }
  while (pass - fail > 1) {
    const int64_t mid = fail + (pass - fail) / 2;
    if (ok(mid)) pass = mid;
    else fail = mid;
  }
  return pass;
}

// One configuration's simulated runs, cached by replica count: each replica of a pool of n takes
// rate / n (common random numbers: the same seed for every n).
struct Runs {
  const ModelConfig& m;
  const GpuSpec& gpu;
  const FleetOption& o;
  const Workload& w;
  const SloSpec& slo;
  uint64_t seed;
  bool rejected = false;
  const PoolRun& pool(std::map<int64_t, PoolRun>& cache, Pool kind, double rate, int64_t n) {
    auto it = cache.find(n);
    if (it != cache.end()) return it->second;
    PoolRun r = pool_run(run_replica(m, gpu, o, w, rate / static_cast<double>(n), kind, slo, seed));
    rejected = rejected || r.rejected;
    return cache[n] = std::move(r);
  }
};

// The aggregated fleet with n replicas.
struct Aggregated : Runs {
  std::map<int64_t, PoolRun> whole;
  LoadPoint at(double rate, int64_t n) {
    const PoolRun& r = pool(whole, Pool::whole, rate, n);
    return point_of(r.ttft, r.tpot, r.queue, r.served_rps * static_cast<double>(n), r.stable, r.missed, rate, slo.percentile);
  }
};

// The disaggregated fleet: np prefill and nd decode replicas; a request's TTFT is its prefill
// replica's time to the first token + the KV transfer + its decode replica's wait for its first
// step (the same request index in both runs).
struct Disaggregated : Runs {
  std::map<int64_t, PoolRun> prefill, decode;
  LoadPoint at(double rate, int64_t np, int64_t nd) {
    const PoolRun& p = pool(prefill, Pool::prefill, rate, np);
    const PoolRun& d = pool(decode, Pool::decode, rate, nd);
    RequestTimes t = disaggregated_times({p.ttft, p.queue}, {d.ttft, d.queue}, o.kv_transfer_s);
    const double served = std::min(p.served_rps * static_cast<double>(np), d.served_rps * static_cast<double>(nd));
    return point_of(std::move(t.ttft), d.tpot, std::move(t.queue), served, p.stable && d.stable, p.missed || d.missed, rate, slo.percentile);
  }
};

std::string miss_reason(const LoadPoint& p, const SloSpec& slo, int64_t gpus) {
  if (p.missed) return fmt::format("more than {:g}% of requests miss a target even at {} GPUs", 100 - slo.percentile, gpus);
  if (!p.stable) return fmt::format("the queue still grows at {} GPUs", gpus);
  if (slo.ttft_s > 0 && p.ttft_at_percentile_s > slo.ttft_s)
    return fmt::format("P{:g} TTFT {:.3g} s over the {:.3g} s target even at {} GPUs", slo.percentile, p.ttft_at_percentile_s, slo.ttft_s, gpus);
  return fmt::format("P{:g} TPOT {:.3g} ms over the {:.3g} ms target even at {} GPUs", slo.percentile, p.tpot_at_percentile_s * 1e3, slo.tpot_s * 1e3, gpus);
}

}  // namespace

RequestTimes disaggregated_times(const PoolTimes& p, const PoolTimes& d, double transfer_s) {
  RequestTimes r;
  const size_t n = std::min(p.ttft.size(), d.ttft.size());
  r.ttft.reserve(n);
  for (size_t i = 0; i < n; ++i) r.ttft.push_back(p.ttft[i] + transfer_s + d.ttft[i]);
  std::vector<double> queue(p.queue.begin(), p.queue.end());
  for (size_t i = 0; i < queue.size() && i < d.queue.size(); ++i) queue[i] += d.queue[i];
  r.queue = std::move(queue);
  return r;
}

SloSpec load_targets(const Workload& w, const SloSpec& flags) {
  SloSpec s = flags;
  if (s.ttft_s <= 0 && w.ttft_slo_ms > 0) s.ttft_s = w.ttft_slo_ms / 1e3;
  if (s.tpot_s <= 0 && w.slo_ms > 0) s.tpot_s = w.slo_ms / 1e3;
  return s;
}

void size_under_load(const ModelConfig& m, const GpuSpec& gpu, const Workload& w, double rate, const SloSpec& slo, uint64_t seed, FleetOption& o) {
  if (!o.feasible) return;
  UnderLoad& L = o.load;
  L.simulated = true;
  L.percentile = slo.percentile;
  L.requests = requests_for(o.batch);
  L.max_num_seqs = o.batch;
  L.max_num_batched_tokens = sim_config_for(o.design, scheduler_for(o.design.engine.kind), gpu).max_num_batched_tokens;
  L.capacity_replicas = o.replicas + o.prefill_replicas;
  const int64_t g = replica_gpus(o.design);
  try {
    if (!o.disaggregated) {
      Aggregated agg{{m, gpu, o, w, slo, seed, false}, {}};
      const int64_t cap = growth_cap(o.replicas);
      const std::optional<int64_t> n = fewest(o.replicas, cap, [&](int64_t k) { return meets(agg.at(rate, k), slo); });
      if (agg.rejected) throw InputError("a request's prompt and output do not fit the KV pool");
      if (!n) {
        o.feasible = false;
        o.reason = miss_reason(agg.at(rate, cap), slo, cap * g);
        return;
      }
      L.at_rate = agg.at(rate, *n);
      o.capacity_rps *= static_cast<double>(*n) / static_cast<double>(o.replicas);
      o.replicas = *n;
      o.gpus = *n * g;
    } else {
      Disaggregated dis{{m, gpu, o, w, slo, seed, false}, {}, {}};
      // The decode pool first: its TPOT and its queue; then the fewest prefill replicas whose
      // TTFT (with the transfer and the decode side's wait) meets the target. When no prefill
      // pool can make up for a long decode-side wait, the decode pool grows.
      SloSpec decode_slo = slo;
      decode_slo.ttft_s = 0;
      const int64_t dcap = growth_cap(o.replicas);
      std::optional<int64_t> nd = fewest(o.replicas, dcap, [&](int64_t k) {
        const PoolRun& d = dis.pool(dis.decode, Pool::decode, rate, k);
        std::vector<double> tpot = d.tpot;
        return d.stable && (slo.tpot_s <= 0 || percentile(tpot, slo.percentile) <= slo.tpot_s);
      });
      if (dis.rejected) throw InputError("a request's prompt and output do not fit the KV pool");
      if (!nd) {
        o.feasible = false;
        o.reason = miss_reason(dis.at(rate, std::max<int64_t>(1, o.prefill_replicas), dcap), decode_slo, dcap * g);
        return;
      }
      const int64_t pmin = std::max<int64_t>(1, o.link_prefill_replicas);  // fleet.cc's link bound
      const int64_t pcap = growth_cap(std::max(o.prefill_replicas, pmin));
      std::optional<int64_t> np;
      for (int attempt = 0; attempt < 4 && !np; ++attempt) {
        np = fewest(std::max(o.prefill_replicas, pmin), pcap, [&](int64_t k) { return k >= pmin && meets(dis.at(rate, k, *nd), slo); });
        if (!np) nd = std::min(dcap, *nd * 2);
      }
      if (!np) {
        o.feasible = false;
        o.reason = miss_reason(dis.at(rate, pcap, *nd), slo, (pcap + *nd) * g);
        return;
      }
      L.at_rate = dis.at(rate, *np, *nd);
      o.capacity_rps = std::max(o.capacity_rps, L.at_rate.served_rps);
      o.prefill_replicas = *np, o.replicas = *nd;
      o.gpus = (*np + *nd) * g;
    }
  } catch (const InputError& e) {
    o.feasible = false;
    o.reason = fmt::format("cannot be simulated: {}", e.what());
    return;
  }
  o.reason = L.capacity_replicas == o.replicas + o.prefill_replicas
                 ? fmt::format("meets P{:g} targets at the capacity-sized count", slo.percentile)
                 : fmt::format("queueing: {} replicas where capacity alone needs {}", o.replicas + o.prefill_replicas, L.capacity_replicas);
}

void trace_load_curve(const ModelConfig& m, const GpuSpec& gpu, const Workload& w, double rate, const SloSpec& slo, uint64_t seed, FleetOption& o) {
  if (!o.feasible || !o.load.simulated) return;
  UnderLoad& L = o.load;
  L.curve.clear();
  L.knee_rps = -1;
  // The fleet as sized, at fractions of the offered rate: where its queue starts to grow is the
  // knee — the headroom the fleet has above the rate it was sized for. Every run goes to its end
  // (no target to stop it early): the curve reports what happens past the targets too.
  SloSpec full;
  full.percentile = slo.percentile;
  for (double f : {0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0}) {
    const double r = f * rate;
    LoadPoint p;
    try {
      if (!o.disaggregated) {
        Aggregated agg{{m, gpu, o, w, full, seed, false}, {}};
        p = agg.at(r, o.replicas);
      } else {
        Disaggregated dis{{m, gpu, o, w, full, seed, false}, {}, {}};
        p = dis.at(r, o.prefill_replicas, o.replicas);
      }
    } catch (const InputError&) {
      break;
    }
    L.curve.push_back(p);
    if (!p.stable) break;
    L.knee_rps = r;
  }
}

}  // namespace attncost
