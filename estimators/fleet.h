// "How many GPUs do I need": for a request rate on a workload, every deployment in a small
// space — GPU type × TP × PP × CP × EP × aggregated or disaggregated prefill/decode pools — sized
// to meet the workload's SLOs and costed, cheapest first. Aggregated serving interleaves prefills
// with the decode steps of the running batch, so a token's interval includes its share of the
// prefills; disaggregated serving (DistServe, Zhong et al. 2024; Splitwise, Patel et al. 2024)
// runs prefill and decode on separate replicas and ships each request's KV cache between them
// over the network. Pure; docs/cost-model.md §15.
#pragma once
#include <string>
#include <vector>

#include "estimators/estimate.h"
#include "estimators/sim_metrics.h"

namespace attncost {

struct FleetInputs {
  const ModelConfig& model;
  std::vector<GpuSpec> gpus;                 // the GPU types to consider
  std::vector<double> usd_per_gpu_hour;      // aligned with gpus; empty = rank by GPU count
  Workload workload;                         // ctx, gen and SLOs (its batch is chosen here)
  double rate = 0;                           // requests per second to serve
  DesignChoice base;                         // the attention design and serving knobs (its tp/pp/cp/ep are searched)
  // Sizing under load (fleet_load.h): each configuration's replicas are simulated at their share
  // of the rate until the SLOs hold at `load_slo.percentile`. Off: sized to capacity.
  bool under_load = false;
  SloSpec load_slo;                          // 0 = from the workload (ttft_slo_ms; slo_ms as TPOT), else none
  uint64_t seed = 0;
};

// One pool's behaviour at a rate, simulated (a whole aggregated replica, or the decode pool of a
// disaggregated fleet with the prefill pool's share folded into TTFT).
struct LoadPoint {
  double offered_rps = 0;                    // the fleet's rate
  double served_rps = 0;                     // what the simulated replicas completed, × replicas
  Dist ttft_s, tpot_s, queue_s;
  double ttft_at_percentile_s = 0, tpot_at_percentile_s = 0;
  bool stable = true;                        // the queue does not grow over the run
  bool missed = false;                       // stopped early: more requests missed a target than the percentile allows
};

struct UnderLoad {
  bool simulated = false;
  double percentile = 99;
  uint64_t requests = 0;                     // simulated per replica and run
  uint64_t max_num_seqs = 0, max_num_batched_tokens = 0;  // as the engine is launched
  LoadPoint at_rate;                         // at the offered rate, with the chosen replicas
  int64_t capacity_replicas = 0;             // what sizing to capacity would have used
  std::vector<LoadPoint> curve;              // the best option only: the fleet at fractions of its load
  double knee_rps = -1;                      // the best option only: the highest rate it keeps up with (-1: unknown)
};

struct FleetOption {
  size_t gpu = 0;                            // index into FleetInputs::gpus
  Design design;
  bool disaggregated = false;
  uint64_t batch = 0;                        // sequences per decode replica
  int64_t replicas = 0;                      // aggregated: replicas; disaggregated: decode replicas
  int64_t prefill_replicas = 0;              // disaggregated only
  int64_t link_prefill_replicas = 0;         // disaggregated: the prefill replicas whose links carry the rate's KV transfers
  int64_t gpus = 0;                          // in all
  double ttft_s = 0;                         // including the KV transfer when disaggregated
  double itl_s = 0;                          // mean, including the prefills' share when aggregated
  double kv_transfer_s = 0, kv_transfer_bytes = 0;
  double capacity_rps = 0;                   // what the fleet serves at most
  double usd_per_hour = 0;                   // 0 without prices
  bool feasible = false;
  std::string reason;                        // why it cannot serve, or what it is limited by
  std::string why_not;                       // set by plan_fleet: why it loses to the first option
  UnderLoad load;                            // when sized under load
  Bands bands;                               // the held-out error bands of its figures (uncertainty.h)
};

struct FleetResult {
  std::string workload;                      // its name
  std::string design;                        // design_label of the attention design sized
  EngineOverhead overhead;                   // the engine's per-step and per-request time in every option's figures
  std::vector<std::string> gpu_names;        // aligned with FleetInputs::gpus: display names
  std::vector<std::string> gpu_origins;      // and the --gpu arguments that give them
  double rate = 0;
  uint64_t max_model_len = 0;                // the workload's prompt + output: the longest request served
  bool priced = false;                       // ranked by USD per hour (else by GPU count)
  std::vector<FleetOption> options;          // feasible first, cheapest first
  size_t considered = 0;
  // The cheapest feasible option of each kind, or -1: aggregated vs disaggregated on its own.
  int best_aggregated = -1, best_disaggregated = -1;
  bool under_load = false;                   // sized by simulation at the SLO percentile
  SloSpec slo;                               // the targets applied under load
  size_t simulated = 0;                      // configurations simulated (the others could not beat the best)
};

// Throws InputError for a non-positive rate or a workload without generated tokens.
FleetResult plan_fleet(const FleetInputs& in);

// One configuration at one batch: its TTFT, ITL and per-replica rates, aggregated or not.
FleetOption size_fleet_option(const ModelConfig& m, const GpuSpec& gpu, const Design& d, const Workload& w, uint64_t batch, bool disaggregated, double rate);

}  // namespace attncost
