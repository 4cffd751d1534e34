// How much of a GPU's memory a serving engine gives the KV cache, and what it then reports at
// start-up: vLLM's "GPU KV cache size: N tokens" and "Maximum concurrency for L tokens per
// request: X", SGLang's max_total_num_tokens, TensorRT-LLM's KV blocks. Each rule is the
// engine's own (docs/cost-model.md §13 cites the code); `plain` is HBM minus a reserve.
// Pure: estimate() calls it with the weights and the per-request KV it computed.
#pragma once
#include <cstdint>

#include "model/design.h"
#include "model/gpu_spec.h"
#include "model/model_config.h"

namespace attncost {

struct EngineMemory {
  EngineKind kind = EngineKind::plain;
  double memory_fraction = 0;          // the fraction the rule applied (engine default filled in)
  double total_bytes = 0;              // what the rule starts from: CUDA-visible memory (plain: HBM)
  double budget_bytes = 0;             // what weights + KV may use on one GPU
  double kv_budget_bytes = 0;          // of which the KV cache: budget − weights (≥ 0)
  double activation_peak_bytes = 0;    // the profiling run's peak (vLLM, TensorRT-LLM)
  double non_torch_bytes = 0;          // CUDA context (SGLang), cuBLAS/NCCL workspaces
  double before_load_bytes = 0;        // SGLang: of non_torch, what exists before it measures free memory (held back × fraction only)
  double runtime_buffers_bytes = 0;    // TensorRT-LLM's C++ runtime (releases before 1.0): of non_torch, its runtime and decoder buffers
  uint64_t max_num_batched_tokens = 0;
  uint64_t max_num_seqs = 0;
  uint64_t page_size = 0;              // tokens per KV block
};

// Tokens an engine step takes and sequences it may hold, by the engine's defaults when the
// design does not set them (vLLM V1's depend on the GPU).
uint64_t default_max_num_batched_tokens(const EngineConfig& e, const GpuSpec& gpu);
uint64_t default_max_num_seqs(const EngineConfig& e, const GpuSpec& gpu);
// The largest decode batch SGLang ≥ 0.5.4 captures as a CUDA graph by default, by the GPU's
// memory and TP (server_args tiers, PR #10975); 0 for other engines and releases (their engine
// rule's cuda_graph_max_bs stands).
uint64_t sglang_cuda_graph_max_bs(const EngineConfig& e, const GpuSpec& gpu, int64_t tp);

// Peak activation bytes of one forward pass over `tokens` tokens on one GPU: the widest layer's
// live tensors (residual, normed input and output hidden states plus its MLP, MoE or QKV
// intermediates), in the activation dtype.
double forward_activation_bytes(const ModelConfig& m, const Design& d, double tokens);

// The engine's memory rule on one GPU holding `weights_bytes` of weights.
EngineMemory engine_memory(const ModelConfig& m, const Design& d, const GpuSpec& gpu, double weights_bytes);

// Tokens of KV one request keeps in a layer of pattern `p` at context `n`, as the engine
// allocates them (pages of `page` tokens; vLLM keeps window − 1 + max_num_batched_tokens tokens
// of a sliding-window layer, a whole-context page table elsewhere).
double allocated_tokens(const Pattern& p, uint64_t n, const Design& d, const EngineMemory& em);

}  // namespace attncost
