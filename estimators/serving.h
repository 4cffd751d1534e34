// Serving metrics of one design on one workload: time to first token, inter-token latency over
// the whole generation (not the step at one context), end-to-end latency, throughput per GPU,
// requests per second and the price of a million output tokens; chunked prefill, a shared
// prompt prefix served from the prefix cache, and speculative decoding change them. Every pass
// is a step of the one step-cost path (step_cost.h); the mean ITL is a closed-form sum over the
// generation's steps (decode_sums.h). Pure; estimate() calls it.
#pragma once
#include <cstdint>

#include "estimators/engine_overhead.h"
#include "model/design.h"
#include "model/gpu_spec.h"
#include "model/model_config.h"

namespace attncost {

struct Estimate;
class Explainer;

struct Serving {
  double ttft_s = 0;                // prefill of one request's prompt (after its cached shared prefix), chunked if --chunk-size
  bool ttft_exact = true;           // false: more than 2^16 chunks, sampled
  uint64_t prefill_chunks = 1;
  double ttft_uncached_s = 0;       // the same prompt without the prefix cache (shared_prefix > 0)
  double itl_mean_s = 0;            // mean time between output tokens over the generation
  double itl_first_s = 0;           // the first decode step (context ctx + 1)
  double itl_last_s = 0;            // the last one (context ctx + gen − 1)
  bool itl_exact = true;           // false: a run over 2^22 steps of a strided/axial/block layer that no bound settled, sampled
  uint64_t decode_steps = 0;        // gen − 1 (the first token comes from the prefill)
  double tokens_per_step = 1;       // speculative decoding: expected tokens one step yields
  double verify_step_s = 0;         // speculative: the target's step over K + 1 positions, at ctx + 1
  double draft_step_s = 0;          // speculative: the K draft steps, at ctx + 1
  double e2e_latency_s = 0;         // ttft + (gen − 1)·itl_mean
  double batch_prefill_s = 0;       // the whole batch's prompts (chunked as configured)
  double cycle_s = 0;               // a static batch's life: its prefill + (gen − 1) steps
  double output_tokens_per_s_per_gpu = 0;
  double requests_per_s = 0;        // per replica (its TP group)
  double usd_per_million_output_tokens = 0;  // 0 without --usd-per-gpu-hour
  EngineOverhead overhead;          // the engine's per-step and per-request time, included in every figure above
};

struct StepContext;

// `e` must hold the estimate's prefill and decode step (estimate() fills them first; the ITL sum reuses the decode step's operators); `sc` is the estimate's.
Serving serving_metrics(const StepContext& sc, const Workload& w, const Estimate& e, Explainer* ex = nullptr);

// Weights and per-sequence KV the speculative drafter adds on one GPU (a draft model's, or the
// one-layer head's).
struct DraftMemory {
  double weights_bytes = 0;
  double kv_bytes_per_sequence = 0;
};
DraftMemory draft_memory(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu);

}  // namespace attncost
