#include "estimators/fleet.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include <fmt/format.h>

#include "estimators/collectives.h"
#include "estimators/fleet_load.h"
#include "estimators/reverse.h"
#include "model/error.h"

namespace attncost {
namespace {

constexpr uint64_t kMaxBatch = uint64_t{1} << 20;

// Capped where the count stops meaning anything (a 2^40-token prompt's prefill takes years): the
// cast to an integer must stay defined, and such a fleet still ranks last.
constexpr double kMaxReplicas = 1e15;

int64_t replicas_for(double rate, double per_replica) {
  if (!(per_replica > 0)) return 0;  // no such limit (a GPU described without links)
  return static_cast<int64_t>(std::min(kMaxReplicas, std::ceil(rate / per_replica - 1e-12)));
}

}  // namespace

FleetOption size_fleet_option(const ModelConfig& m, const GpuSpec& gpu, const Design& d, const Workload& w0, uint64_t batch, bool disaggregated, double rate) {
  FleetOption o;
  o.design = d, o.disaggregated = disaggregated, o.batch = batch;
  Workload w = w0;
  w.batch = batch;
  const Estimate e = estimate(m, d, w, gpu);
  o.bands = e.bands;
  const double g = static_cast<double>(replica_gpus(d));
  const double steps = w.gen > 1 ? static_cast<double>(w.gen - 1) : 1;
  if (!e.memory.fits) {
    o.reason = fmt::format("{} sequences need {:.1f} GiB per GPU, over the {:.1f} GiB budget", batch, e.memory.total_bytes / 1073741824.0,
                           e.memory.budget_bytes / 1073741824.0);
    return o;
  }
  if (!disaggregated) {
    // Prefills of new requests interleave with the running batch's decode steps: over a request's
    // life its batch spends cycle_s, so a token's mean interval carries the prefills' share.
    o.ttft_s = e.serving.ttft_s;
    o.itl_s = e.serving.cycle_s / steps;
    const double per_replica = e.serving.requests_per_s;  // one replica: the search sets dp = 1
    o.replicas = std::max<int64_t>(1, replicas_for(rate, per_replica));
    o.gpus = o.replicas * replica_gpus(d);
    o.capacity_rps = per_replica * static_cast<double>(o.replicas);
  } else {
    // Prefill replicas take one prompt at a time (the TTFT-optimal policy); each request's KV
    // cache then crosses the network to a decode replica, every GPU sending its shard.
    const double prefill_rps = 1 / e.serving.ttft_s;
    const double decode_rps = static_cast<double>(batch) / (steps * e.serving.itl_mean_s);
    const Link link = link_for(gpu, gpu.scale_up_domain + 1);  // the pools sit on different nodes
    o.kv_transfer_bytes = e.kv.bytes_per_sequence;
    o.kv_transfer_s = collective_cost(Collective::send_recv, o.kv_transfer_bytes / g, 2, link).time_s;
    o.ttft_s = e.serving.ttft_s + o.kv_transfer_s;
    o.itl_s = e.serving.itl_mean_s;
    o.prefill_replicas = std::max<int64_t>(1, replicas_for(rate, prefill_rps));
    o.replicas = std::max<int64_t>(1, replicas_for(rate, decode_rps));
    // The transfers share the prefill GPUs' network links.
    const double link_rps = link.one_way_Bps * g / std::max(1.0, o.kv_transfer_bytes);
    o.link_prefill_replicas = replicas_for(rate, link_rps);
    o.prefill_replicas = std::max(o.prefill_replicas, o.link_prefill_replicas);
    o.gpus = (o.prefill_replicas + o.replicas) * replica_gpus(d);
    o.capacity_rps = std::min({prefill_rps * static_cast<double>(o.prefill_replicas), decode_rps * static_cast<double>(o.replicas),
                               link_rps * static_cast<double>(o.prefill_replicas)});
  }
  o.feasible = true;
  if (w.slo_ms > 0 && o.itl_s * 1e3 > w.slo_ms) {
    o.feasible = false;
    o.reason = fmt::format("mean ITL {:.3g} ms over the {:g} ms target at batch {}", o.itl_s * 1e3, w.slo_ms, batch);
  } else if (w.ttft_slo_ms > 0 && o.ttft_s * 1e3 > w.ttft_slo_ms) {
    o.feasible = false;
    o.reason = fmt::format("TTFT {:.3g} ms over the {:g} ms target", o.ttft_s * 1e3, w.ttft_slo_ms);
  }
  return o;
}

FleetResult plan_fleet(const FleetInputs& in) {
  const ModelConfig& m = in.model;
  if (!(in.rate > 0)) throw InputError("--rate: give the requests per second to serve (a positive number)");
  if (in.workload.gen == 0) throw InputError("--rate: the workload must generate tokens (gen=) to size decode");
  FleetResult r;
  const bool long_context = in.workload.ctx >= 32768;
  const bool moe = m.experts > 1;
  for (size_t gi = 0; gi < in.gpus.size(); ++gi) {
    const GpuSpec& gpu = in.gpus[gi];
    for (int64_t tp : {1, 2, 4, 8})
      for (int64_t pp : {1, 2, 4})
        for (int64_t cp : long_context ? std::vector<int64_t>{1, 2, 4, 8} : std::vector<int64_t>{1})
          for (int64_t ep : moe && tp * cp > 1 ? std::vector<int64_t>{1, tp * cp} : std::vector<int64_t>{1}) {
            if (ep > 1 && m.experts % ep != 0) continue;
            if (tp * cp * pp > 64) continue;
            DesignChoice c = in.base;
            c.tp = tp, c.pp = pp, c.cp = cp, c.ep = ep, c.dp = 1;
            Design d;
            try {
              d = make_design(m, c);
            } catch (const InputError&) {
              continue;  // heads that do not split over this TP, too many stages, ...
            }
            for (bool disagg : {false, true}) {
              ++r.considered;
              Workload w1 = in.workload;
              w1.batch = 1;
              const Limit mem = max_batch(estimate(m, d, w1, gpu).memory);
              FleetOption best;
              if (mem.value == 0) {
                best = size_fleet_option(m, gpu, d, in.workload, 1, disagg, in.rate);
              } else {
                // The largest batch meeting the SLOs below the memory edge: latency grows with it.
                uint64_t lo = 1, hi = std::min<uint64_t>(mem.value, kMaxBatch);
                FleetOption at_lo = size_fleet_option(m, gpu, d, in.workload, lo, disagg, in.rate);
                if (at_lo.feasible) {
                  FleetOption at_hi = size_fleet_option(m, gpu, d, in.workload, hi, disagg, in.rate);
                  if (at_hi.feasible) {
                    at_lo = at_hi;
                    at_lo.reason = hi == mem.value ? "the batch fills the memory" : "the batch is at the search's cap";
                  } else {
                    while (hi - lo > 1) {
                      const uint64_t mid = lo + (hi - lo) / 2;
                      FleetOption x = size_fleet_option(m, gpu, d, in.workload, mid, disagg, in.rate);
                      if (x.feasible) lo = mid, at_lo = std::move(x);
                      else hi = mid;
                    }
                    at_lo.reason = "one more sequence per batch breaks a latency target";
                  }
                }
                best = std::move(at_lo);
              }
              best.gpu = gi;
              if (!in.usd_per_gpu_hour.empty()) best.usd_per_hour = static_cast<double>(best.gpus) * in.usd_per_gpu_hour[gi];
              r.options.push_back(std::move(best));
            }
          }
  }
  const bool priced = !in.usd_per_gpu_hour.empty();
  r.workload = in.workload.name, r.rate = in.rate, r.priced = priced;
  r.max_model_len = in.workload.ctx + in.workload.gen;
  for (const GpuSpec& g : in.gpus) r.gpu_names.push_back(g.name), r.gpu_origins.push_back(g.origin);
  const Design base = make_design(m, in.base);
  r.design = design_label(base);
  r.overhead = engine_overhead(base.engine);
  auto cost = [&](const FleetOption& o) { return priced ? o.usd_per_hour : static_cast<double>(o.gpus); };
  auto rank = [&](const FleetOption& a, const FleetOption& b) {
    if (a.feasible != b.feasible) return a.feasible;
    if (!a.feasible) {
      if (a.load.simulated != b.load.simulated) return a.load.simulated;  // misses found under load say more than "not simulated"
      return a.gpus > b.gpus;  // those sized before a latency target broke them first: the near misses
    }
    if (cost(a) != cost(b)) return cost(a) < cost(b);
    if (a.gpus != b.gpus) return a.gpus < b.gpus;
    if (a.load.simulated && b.load.simulated) {
      // Same cost under load: the faster request at the percentile (first token + the rest).
      const double tokens = static_cast<double>(in.workload.gen > 1 ? in.workload.gen - 1 : 1);
      const LoadPoint &pa = a.load.at_rate, &pb = b.load.at_rate;
      return pa.ttft_at_percentile_s + tokens * pa.tpot_at_percentile_s < pb.ttft_at_percentile_s + tokens * pb.tpot_at_percentile_s;
    }
    return a.ttft_s + a.itl_s < b.ttft_s + b.itl_s;
  };
  std::stable_sort(r.options.begin(), r.options.end(), rank);
  if (in.under_load) {
    // Cheapest at capacity first: queueing only adds replicas, so once the best under load costs
    // no more than an option's capacity-sized count, that option cannot win and is not simulated.
    r.under_load = true;
    r.slo = load_targets(in.workload, in.load_slo);
    // Configurations are simulated in waves of a fixed size, each on its own thread: the wave
    // size, not the machine's cores, decides which are simulated, so the answer is the same
    // everywhere.
    constexpr size_t kWave = 4;
    // At most this many are simulated: the cheapest at capacity are the ones queueing can leave
    // cheapest (it adds replicas to each), and a plan stays within seconds.
    constexpr size_t kMaxSimulated = 16;
    const size_t threads = std::max<size_t>(1, std::min<size_t>(kWave, std::thread::hardware_concurrency()));
    double best = -1;
    size_t next = 0;
    std::vector<size_t> wave;
    while (next < r.options.size()) {
      wave.clear();
      for (; next < r.options.size() && wave.size() < kWave; ++next) {
        FleetOption& o = r.options[next];
        if (!o.feasible) continue;
        // Left out: not shown as meeting targets it was never tested against.
        if (best >= 0 && cost(o) >= best) {
          o.feasible = false;
          o.reason = "not simulated: sized to capacity it already costs as much as the best under load";
          continue;
        }
        if (r.simulated + wave.size() >= kMaxSimulated) {
          o.feasible = false;
          o.reason = fmt::format("not simulated: beyond the {} cheapest at capacity", kMaxSimulated);
          continue;
        }
        wave.push_back(next);
      }
      std::atomic<size_t> take{0};
      auto work = [&] {
        for (size_t k; (k = take++) < wave.size();) {
          FleetOption& o = r.options[wave[k]];
          size_under_load(m, in.gpus[o.gpu], in.workload, in.rate, r.slo, in.seed, o);
        }
      };
      std::vector<std::thread> pool;
      for (size_t t = 1; t < std::min(threads, wave.size()); ++t) pool.emplace_back(work);
      work();
      for (std::thread& t : pool) t.join();
      for (size_t k : wave) {
        FleetOption& o = r.options[k];
        if (!in.usd_per_gpu_hour.empty()) o.usd_per_hour = static_cast<double>(o.gpus) * in.usd_per_gpu_hour[o.gpu];
        ++r.simulated;
        if (o.feasible && (best < 0 || cost(o) < best)) best = cost(o);
      }
    }
    std::stable_sort(r.options.begin(), r.options.end(), rank);
    if (!r.options.empty() && r.options[0].feasible) trace_load_curve(m, in.gpus[r.options[0].gpu], in.workload, in.rate, r.slo, in.seed, r.options[0]);
  }
  for (size_t i = 0; i < r.options.size(); ++i) {
    FleetOption& o = r.options[i];
    if (!o.feasible) {
      o.why_not = o.reason;
      continue;
    }
    int& best = o.disaggregated ? r.best_disaggregated : r.best_aggregated;
    if (best < 0 && (!in.under_load || o.load.simulated)) best = static_cast<int>(i);
    if (i == 0) continue;
    const FleetOption& top = r.options[0];
    if (priced && o.usd_per_hour > top.usd_per_hour)
      o.why_not = fmt::format("USD {:.2f}/h more ({} GPUs vs {})", o.usd_per_hour - top.usd_per_hour, o.gpus, top.gpus);
    else if (o.gpus > top.gpus)
      o.why_not = fmt::format("{} more GPUs", o.gpus - top.gpus);
    else
      o.why_not = in.under_load ? fmt::format("same cost, slower at P{:g} (first token + the rest)", r.slo.percentile) : "same cost, slower first token or token interval";
  }
  return r;
}

}  // namespace attncost
