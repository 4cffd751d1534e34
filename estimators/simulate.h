// Serving under load: a discrete-event simulation of one serving replica, request by request and
// engine step by engine step, as vLLM's benchmark_serving or SGLang's bench_serving would measure
// it: arrivals (or a closed loop of `max_concurrency` clients), a scheduler that forms each step
// the way the engine does (continuous batching with chunked prefill, a KV pool of pages from the
// engine's memory rule, preemption by recompute when pages run out, the shared prefix served from
// the prefix cache, speculative decoding), and each step costed by the one step-cost path
// (step_cost.h) plus the engine's per-step overhead. The schedulers and the engine sources they
// follow are in docs/cost-model.md §17. Pure and deterministic: a seed gives the same result.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "estimators/arrivals.h"
#include "estimators/endpoint.h"
#include "model/design.h"
#include "model/gpu_spec.h"
#include "model/model_config.h"

namespace attncost {

enum class SchedulerKind : uint8_t {
  vllm,    // vLLM V1: running requests first (decodes, then unfinished prefill chunks), then waiting ones, one token budget, mixed steps
  sglang,  // SGLang: a prefill batch whenever new requests fit (chunked), else a decode batch; admission reserves decode room
  trtllm,  // TensorRT-LLM in-flight batching, GUARANTEED_NO_EVICT: a request is admitted only with room for its whole output
  static_batch,  // a batch runs to completion before the next one starts
};
std::string_view scheduler_name(SchedulerKind k);

struct SimConfig {
  SchedulerKind scheduler = SchedulerKind::vllm;
  uint64_t max_num_seqs = 0;            // running requests at most (0: the engine's default)
  uint64_t max_num_batched_tokens = 0;  // tokens one step takes (vLLM, TensorRT-LLM max_num_tokens; SGLang chunked_prefill_size); 0: default
  uint64_t shared_prefix = 0;           // leading tokens every prompt shares: prefilled once, then served from the prefix cache
  double prefix_hit_rate = 0;           // fraction of each prompt already in the prefix cache (a warm cache: whole pages, not prefilled)
  bool warm_first = false;              // the client sent the first request once before the run (a benchmark's test prompt): its prompt's whole pages are cached
  uint64_t max_concurrency = 0;         // closed loop: requests in flight at most (0: open loop, sent at their arrival)
  uint64_t seed = 0;                    // speculative decoding's acceptance draws
  double step_overhead_s = 0;           // the engine's time per step beyond its kernels (scheduler, sampler)
  double seq_overhead_s = 0;            // and per request in the step (its scheduling, sampling, detokenizing)
  double request_overhead_s = 0;        // once per request: it reaches the scheduler this long after it is sent (API server, tokenization)
  double request_serial_s = 0;          // the part of it the API server spends on one request at a time (requests sent together queue for it)
  bool overlap_schedule = false;        // the scheduler forms batch k+1 when batch k starts: a request arriving while k runs joins k+2 at the earliest
  uint64_t cuda_graph_max_bs = 0;       // decode steps of more sequences run eagerly (0: no limit)
  double eager_layer_s = 0;             // and cost this much more per decoder layer (on one pipeline stage)
  bool record_itl = true;               // keep the inter-token gaps (their distribution)
  // Stop early once more than `abort_after` requests have a TTFT above abort_ttft_s, or more
  // than that many a TPOT above abort_tpot_s (0: that test off): a sizing search only asks whether a percentile holds,
  // and once this many miss it cannot. 0 = run to the end.
  uint64_t abort_after = 0;
  double abort_ttft_s = 0, abort_tpot_s = 0;
};

struct SimRequestResult {
  double sent_s = 0;          // when the client sent it (its arrival, or later in a closed loop)
  double scheduled_s = 0;     // when its first chunk entered a step
  double first_token_s = 0;
  double finish_s = 0;
  uint64_t prompt = 0, output = 0;
  uint64_t preemptions = 0;
  bool rejected = false;      // could never fit the KV pool: refused, not served
  double ttft() const { return first_token_s - sent_s; }
  double e2e() const { return finish_s - sent_s; }
  double queue() const { return scheduled_s - sent_s; }
  // Time per output token after the first (benchmark_serving's TPOT); 0 for a single token.
  double tpot() const { return output > 1 ? (finish_s - first_token_s) / static_cast<double>(output - 1) : 0; }
};

// A gap between two consecutive outputs of one request, and how many such gaps took that long
// (every request of a step that had its previous token at the same time shares it).
struct WeightedGap {
  double gap_s = 0;
  double count = 0;
};

struct SimResult {
  std::vector<SimRequestResult> requests;  // in the order they were given
  std::vector<WeightedGap> itl;
  uint64_t steps = 0, preemptions = 0;
  double duration_s = 0;            // from t = 0 to the last finish
  double kv_util_mean = 0, kv_util_max = 0;  // of the KV pool, time-weighted over the run
  double in_system_mean = 0;        // requests sent and not finished, time-weighted (Little's L)
  double kv_pool_bytes = 0;         // per GPU
  uint64_t max_num_seqs = 0, max_num_batched_tokens = 0, page_size = 0;  // as applied (defaults filled in)
  uint64_t rejected = 0;            // requests whose prompt alone can never fit the pool (not simulated)
  uint64_t prefix_hits = 0;         // requests whose shared prefix came from the cache
  bool aborted = false;             // stopped early (SimConfig::abort_after): the targets are missed
};

// The scheduler an engine runs (the plain memory rule is served as vLLM serves it).
SchedulerKind scheduler_for(EngineKind k);
// What a design's engine sets for the simulation: the scheduler, its max_num_seqs and token budget
// (the static batch takes whole prompts), and the engine's overheads. One place, so `simulate` and
// `plan --rate` simulate the same engine.
SimConfig sim_config_for(const Design& d, SchedulerKind k, const GpuSpec& gpu);
// Requests on the completions endpoint skip the chat template that the engine rule's per-request
// time holds (chat_template_s, estimators/endpoint.h); a per-request time the user gave is kept.
void use_endpoint(SimConfig& c, const EngineConfig& e, Endpoint endpoint);

// Simulates `requests` (arrivals non-decreasing) on one replica of design `d`. Throws InputError
// when a single request cannot fit the KV pool (prompt + output beyond what the engine holds).
SimResult simulate(const ModelConfig& m, const Design& d, const GpuSpec& gpu, const SimConfig& c, std::span<const SimRequest> requests);

}  // namespace attncost
