// How the design is served: which engine's memory rule sizes the KV pool and with what knobs,
// how prompts are prefilled (whole or in chunks), speculative decoding, and the price of a
// GPU-hour. Data only; estimators/engine_memory.h and estimators/serving.h apply it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace attncost {

struct ModelConfig;

// plain: weights + KV within HBM × (1 − reserve) (or --budget-gb); the others apply their
// engine's own start-up rule (docs/cost-model.md §13).
enum class EngineKind : uint8_t { plain, vllm, sglang, trtllm };
std::string_view engine_name(EngineKind k);
// Parses plain|vllm|sglang|trtllm; throws InputError naming --engine otherwise.
EngineKind parse_engine_kind(const std::string& text);

struct EngineConfig {
  EngineKind kind = EngineKind::plain;
  // vLLM gpu_memory_utilization, SGLang mem_fraction_static, TensorRT-LLM
  // free_gpu_memory_fraction; 0 = the engine's default.
  double memory_fraction = 0;
  double reserve_fraction = 0.05;       // plain: HBM kept for activations, workspaces and the CUDA context
  double budget_bytes = 0;              // plain: weights + KV per GPU; 0 = HBM × (1 − reserve)
  uint64_t max_num_batched_tokens = 0;  // tokens one engine step (and its profiling run) takes; 0 = default
  uint64_t max_num_seqs = 0;            // sequences one step may hold; 0 = default
  uint64_t chunk_size = 0;              // chunked prefill: prompt tokens per chunk; 0 = the whole prompt at once
  double usd_per_gpu_hour = 0;          // 0 = no price given (none is invented)
  // The engine release whose per-step and per-request overhead applies (estimators/engine_overhead.h);
  // "" = the current release. Negative overheads = the release's rule; ≥ 0 = given by the user.
  std::string version;
  double step_overhead_s = -1;
  double request_overhead_s = -1;
  double seq_overhead_s = -1;  // per running sequence per step
  double request_serial_s = -1;  // of the per-request overhead, the API server's time on one request at a time
};

// Throws InputError naming the flag whose value is out of range.
void validate_engine(const EngineConfig& e);

// Speculative decoding: K tokens drafted per step and accepted with probability α each; the
// target verifies K + 1 positions in one step. No draft model: a one-layer head on the target
// (EAGLE, MTP) drafts.
struct SpecDecode {
  uint64_t k = 0;  // 0 = off
  double alpha = 0;
  std::string draft_name;
  std::shared_ptr<const ModelConfig> draft;  // null: the target's own one-layer head
  bool on() const { return k > 0; }
  // Tokens one step yields in expectation: (1 − α^(K+1)) / (1 − α) (Leviathan et al. 2023, eq. 1).
  double tokens_per_step() const;
};

// "K:ALPHA[:DRAFT]" as --spec takes it; "" when off.
std::string spec_text(const SpecDecode& s);

}  // namespace attncost
