// The full cost of one design on one workload and GPU: the single entry point that `estimate`,
// `plan`, `sweep` and the probe's predictions all call. Pure: no I/O, O(1) in the context.
#pragma once
#include <array>

#include "estimators/engine_memory.h"
#include "estimators/layer_costs.h"
#include "estimators/loaded_weights.h"
#include "estimators/serving.h"
#include "estimators/step_cost.h"
#include "estimators/uncertainty.h"
#include "model/design.h"
#include "model/gpu_spec.h"
#include "model/model_config.h"

namespace attncost {

struct KvCache {  // at ctx, the whole model (logical: one copy of each KV head)
  double bytes_per_token = 0;       // Σ over softmax layers of K/V bytes one cached token costs
  double bytes_per_sequence = 0;    // cached tokens × bytes, plus linear/SSM states
  double bytes_total = 0;           // × batch
  double state_bytes_per_sequence = 0;
  double cached_tokens_max = 0;     // the most tokens any layer keeps
};

struct Memory {  // per GPU, at the end of the sequence (ctx + gen)
  double weights_bytes = 0;
  double kv_bytes = 0;              // allocated, page rounding included (shared prefix once)
  double total_bytes = 0;
  double capacity_bytes = 0;        // HBM
  double budget_bytes = 0;          // what weights + KV may use: the engine's rule (engine.budget_bytes)
  bool fits = false;                // total ≤ budget
  double max_concurrent_sequences = 0;  // of this workload's shape within the budget
  double kv_bytes_per_sequence = 0; // allocated for one sequence on one GPU (its own part, shared prefix excluded)
  double shared_kv_bytes = 0;       // the shared prefix's KV, stored once per GPU
  double page_waste_bytes = 0;
  EngineMemory engine;
  double kv_bytes_per_token_gpu = 0;  // all softmax layers on one GPU: the engines' unit of "tokens"
  double kv_cache_tokens = 0;       // tokens the KV budget holds (vLLM's "GPU KV cache size")
  double max_concurrency = 0;       // requests of ctx + gen tokens the KV budget holds (vLLM's "Maximum concurrency")
  // --kernel naive: one layer's materialized n×n scores for one sequence on one GPU, and whether
  // they fit beside the weights (naive_prefill_runs); a prefill that cannot run does not fit.
  double naive_scores_bytes = 0;
  bool naive_prefill_runs = true;
};

struct Quality {  // structural proxies (SPEC §5); never a claim about accuracy
  double direct_reach_tokens = 0;   // farthest token the last query attends directly, any layer
  double receptive_field_tokens = 0;// farthest reach through the layer stack
  double attended_fraction = 0;     // attended causal pairs / dense causal pairs, all layers
  double kv_head_ratio = 0;         // KV heads per query head (MLA: 1, heads are recovered)
  double kv_elements_ratio = 0;     // cached elements per token per layer vs MHA, averaged over all layers (0 for those caching none)
  bool first_token_visible = false; // some layer's last query attends token 0 directly
  double state_vs_kv_ratio = 0;     // linear/SSM state bytes vs the dense KV they replace
  double softmax_layers = 0, state_layers = 0;
  double full_access_layers = 0;    // layers whose last query attends every earlier token directly
  // Early recall (docs/cost-model.md §7): every band of kEarlyRecallBand consecutive layers (all
  // of them in a shallower model) holds a layer that attends every earlier token directly. Sinks
  // keep token 0 visible; they do not make token 5,000 of a 64k prompt retrievable.
  double longest_gap_layers = 0;    // the longest run of consecutive layers none of which attends every earlier token directly
  bool early_recall = false;
  double missing_access = 0;        // Σ_softmax layers (1 − min(keys attended, n)/n) / L: the share of (layer, token) pairs the last query cannot attend directly
};
// The depth band of the early-recall rule: Jamba interleaves 1 attention layer per 8 (Lieber et
// al. 2024, arXiv:2403.19887: attention:Mamba 1:7, attn_layer_period 8) and keeps in-context
// retrieval; sparser stacks are unproven.
inline constexpr int64_t kEarlyRecallBand = 8;

struct Estimate {
  const KernelModel* kernels = nullptr;  // whose measured efficiency the times assume; nullptr: the plain roofline (or a calibrated profile)
  std::array<AttnStack::Use, kMaxDistinctPatterns> uses;  // the first use_count are set
  int use_count = 0;
  double params = 0;                // whole model (the text model's layers, embeddings and norms)
  LoadedWeights loaded;             // what engines load beside it: encoders, MTP modules (loaded_weights.h)
  double kv_heads_per_gpu = 0, kv_replication = 1;
  KvCache kv;
  PhaseCost prefill, decode;
  Memory memory;
  Quality quality;
  Serving serving;
  Bands bands;                      // each figure's held-out error band (uncertainty.h): GPU, kernels and engine only
};

// Whole sequences of `mem`'s shape that fit `budget_bytes` beside the weights and the shared
// prefix (0 if none).
double sequences_within(const Memory& mem, double budget_bytes);

// Parameters of the whole model under design `d` (its token mixers, MLPs, embeddings, norms).
double model_params(const ModelConfig& m, const Design& d);

class Explainer;

// Inputs must be valid (make_design / validate_workload / the loaders check them). With an
// explainer, every formula is also written out with its numbers (explain.h).
Estimate estimate(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu, Explainer* ex = nullptr);

// The same, for many workloads of one design: what does not depend on the workload (the step
// context, parameters, weights, the engine's memory rule) is computed once. `estimate` is
// Estimator(m, d, gpu)(w). The model, design and GPU must outlive it.
class Estimator {
 public:
  Estimator(const ModelConfig& m, const Design& d, const GpuSpec& gpu);
  Estimate operator()(const Workload& w, Explainer* ex = nullptr) const;
  const StepContext& context() const { return sc_; }

 private:
  // The KV cache of `w` and the memory it takes per GPU: per-pattern bytes, pages, prefix sharing,
  // the engine's budget and what fits (e.kv, e.memory).
  void fill_memory(const Workload& w, Estimate& e, Explainer* ex) const;

  const ModelConfig& m_;
  const Design& d_;
  const GpuSpec& gpu_;
  StepContext sc_;
  Shape whole_, gpu_shape_;
  // Per use of the step context: the bytes one cached token (softmax) or one sequence's state
  // (recurrent) costs per layer, for the whole model and on one GPU.
  std::array<double, kMaxDistinctPatterns> kvb_whole_{}, kvb_gpu_{}, state_whole_{}, state_gpu_{};
  double params_ = 0, params_gpu_ = 0, weights_bytes_ = 0;
  LoadedWeights loaded_;
  EngineMemory engine_;
  Bands bands_;
};

}  // namespace attncost
