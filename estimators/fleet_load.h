// Fleets sized under load (`plan --rate` with queueing): a configuration sized to capacity
// (fleet.h) runs its batch flat out, so at the offered rate its requests queue and its P99 TTFT
// has no bound. Here each configuration's replicas are simulated (simulate.h) at their share of
// the rate — Poisson arrivals of the workload's prompt and output, the engine's scheduler with
// max_num_seqs at the batch that meets the mean-ITL target — and the fewest replicas whose TTFT
// and TPOT at the SLO percentile meet the targets, with a queue that does not grow, are kept.
// Disaggregated pools are simulated apart: prefill replicas (one output token each), the KV
// transfer on the link, decode replicas that receive the prompt's KV with the request; a
// request's TTFT is its prefill time + transfer + its first decode step's wait.
// Pure; docs/cost-model.md §17.4.
#pragma once
#include <span>
#include <vector>

#include "estimators/fleet.h"

namespace attncost {

// One pool's per-request times, in sending order (views of a simulated run's).
struct PoolTimes {
  std::span<const double> ttft, queue;
};
struct RequestTimes {
  std::vector<double> ttft, queue;
};
// A disaggregated fleet's request i from its prefill pool's (p) and decode pool's (d) runs at
// the same request index: TTFT = p's TTFT + the KV transfer + d's wait for its first step;
// queueing = its wait in p's queue + its wait in d's (each a part of that pool's TTFT).
RequestTimes disaggregated_times(const PoolTimes& p, const PoolTimes& d, double transfer_s);

// The targets the fleet meets under load: the flags' SLOs, else the workload's (its
// ttft_slo_ms; its mean-ITL target slo_ms taken as the TPOT target), at `percentile`.
SloSpec load_targets(const Workload& w, const SloSpec& flags);

// Re-sizes `o` (a feasible option sized to capacity) under load; sets o.load, o.replicas,
// o.prefill_replicas, o.gpus, o.capacity_rps and o.feasible / o.reason.
void size_under_load(const ModelConfig& m, const GpuSpec& gpu, const Workload& w, double rate, const SloSpec& slo, uint64_t seed, FleetOption& o);

// The best option's load curve and knee: the fleet at fractions of the offered rate.
void trace_load_curve(const ModelConfig& m, const GpuSpec& gpu, const Workload& w, double rate, const SloSpec& slo, uint64_t seed, FleetOption& o);

}  // namespace attncost
