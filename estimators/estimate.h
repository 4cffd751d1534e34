// The full cost of one design on one workload and GPU: the single entry point that `estimate`,
// `plan`, `sweep` and the probe's predictions all call. Pure: no I/O, O(1) in the context.
#pragma once
#include <array>

#include "estimators/engine_memory.h"
#include "estimators/layer_costs.h"
#include "estimators/loaded_weights.h"
#include "estimators/serving.h"
#include "model/design.h"
#include "model/gpu_spec.h"
#include "model/model_config.h"

namespace attncost {

struct PhaseCost {
  OpList ops;                       // per GPU, per layer instance, roofline applied
  // Whole batch, all layers, all GPUs of the TP group.
  double attention_pairs = 0;
  double attention_flops = 0;       // matmul FLOPs of attention (QKᵀ, PV; linear: state update/readout)
  double attention_other_flops = 0; // softmax, scale, feature maps, scans
  double flops = 0;                 // all matmul FLOPs (attention + projections + MLP + LM head)
  double other_flops = 0;
  double hbm_bytes = 0;
  double weight_bytes = 0, act_bytes = 0, kv_read_bytes = 0, kv_write_bytes = 0, comm_bytes = 0;
  // One GPU's wall time (the TP group runs in parallel).
  double time_s = 0;
  double compute_s = 0, memory_s = 0, network_s = 0, launch_s = 0;  // time of ops bound by each
  // Pipeline stages: one boundary's send per micro-batch (bytes per GPU) and all sends' time in the pass.
  double stage_send_bytes = 0, stage_send_s = 0, stage_link_Bps = 0;
  bool stage_send_over_network = false;
  Bound bound = Bound::memory;
  double tokens_per_s = 0;
};

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
};

struct Quality {  // structural proxies (SPEC §5); never a claim about accuracy
  double direct_reach_tokens = 0;   // farthest token the last query attends directly, any layer
  double receptive_field_tokens = 0;// farthest reach through the layer stack
  double attended_fraction = 0;     // attended causal pairs / dense causal pairs, all layers
  double kv_head_ratio = 0;         // KV heads per query head (MLA: 1, heads are recovered)
  double kv_elements_ratio = 0;     // cached elements per token per layer vs MHA
  bool first_token_visible = false; // some layer's last query attends token 0 directly
  double state_vs_kv_ratio = 0;     // linear/SSM state bytes vs the dense KV they replace
  double softmax_layers = 0, state_layers = 0;
  double full_access_layers = 0;    // layers whose last query attends every earlier token directly
};

struct Estimate {
  const KernelModel* kernels = nullptr;  // whose measured efficiency the times assume; nullptr: the plain roofline (or a calibrated profile)
  std::array<AttnStack::Use, kMaxDistinctPatterns> uses{};
  int use_count = 0;
  double params = 0;                // whole model (the text model's layers, embeddings and norms)
  LoadedWeights loaded;             // what engines load beside it: encoders, MTP modules (loaded_weights.h)
  double kv_heads_per_gpu = 0, kv_replication = 1;
  KvCache kv;
  PhaseCost prefill, decode;
  Memory memory;
  Quality quality;
  Serving serving;
};

// Whole sequences of `mem`'s shape that fit `budget_bytes` beside the weights and the shared
// prefix (0 if none).
double sequences_within(const Memory& mem, double budget_bytes);

// Parameters of the whole model under design `d` (its token mixers, MLPs, embeddings, norms).
double model_params(const ModelConfig& m, const Design& d);

class Explainer;

// The kernel model an estimate of `d` on `gpu` uses: nullptr for `--kernels peak`, a calibrated
// profile (its own efficiencies apply) or a GPU without an architecture. Throws InputError when the
// family does not run on the GPU (FA3 on an A100): the CLI calls it to check its inputs.
const KernelModel* kernels_for(const Design& d, const GpuSpec& gpu);

// Inputs must be valid (make_design / validate_workload / the loaders check them). With an
// explainer, every formula is also written out with its numbers (explain.h).
Estimate estimate(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu, Explainer* ex = nullptr);

}  // namespace attncost
