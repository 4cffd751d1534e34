// The three inputs of an estimate besides the GPU: the attention design under study (KV sharing,
// pattern, dtypes, kernel, paging, tensor parallelism) and the workload it serves.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "model/attn_spec.h"
#include "model/dtype.h"
#include "model/engine.h"
#include "model/gemm_library.h"
#include "model/kernel_model.h"
#include "model/model_config.h"

namespace attncost {

enum class KvSharing : uint8_t { mha, gqa, mqa, mla };
enum class Kernel : uint8_t { flash, naive };
enum class Phase : uint8_t { prefill, decode, both };

struct Design {
  KvSharing sharing = KvSharing::mha;
  int64_t kv_heads = 0;        // heads whose K/V are cached (MLA: 1 latent shared by all heads)
  int64_t mla_rank = 0;        // MLA latent width (kv_lora_rank)
  int64_t mla_rope = 0;        // MLA decoupled RoPE key width
  AttnStack attn;
  Dtype kv_dtype = Dtype::fp16;
  Dtype weight_dtype = Dtype::fp16;
  bool weights_as_checkpoint = true;  // no --weight-dtype: weights as the checkpoint stores them (quantization_config)
  Dtype act_dtype = Dtype::fp16;
  int64_t kv_group = 0;        // elements per int8/int4 scale
  Kernel kernel = Kernel::flash;
  KernelFamily kernels = KernelFamily::automatic;  // whose measured efficiency the times assume
  std::optional<GemmLibrary> gemm_library;  // --kernels gemm=…: the fp8 GEMM library, over the engine's rule
  std::string mla_kernel;                   // --kernels mla=…: the MLA decode kernel, over the engine's default ("" = the engine's)
  int64_t page_size = 16;      // tokens per KV page; 0 = contiguous preallocation
  int64_t tp = 1;              // tensor-parallel GPUs: heads and MLP columns split
  int64_t pp = 1;              // pipeline stages: layers split, micro-batches in flight
  int64_t cp = 1;              // context-parallel GPUs: the sequence split, K/V passed around a ring
  int64_t ep = 1;              // expert-parallel GPUs (within the TP × CP group): whole experts spread, tokens exchanged all-to-all
  int64_t dp = 1;              // replicas
  int64_t flash_tile_rows = 0;  // query rows per tile of the flash kernel modelled; 0 = FlashAttention-2's (estimators/flash_tiles.h)
  EngineConfig engine;          // how it is served: memory rule, chunked prefill, price
  SpecDecode spec;              // speculative decoding (off by default)
};

// What the command line (or a plan candidate) asks to change; unset fields keep the model's own.
struct DesignChoice {
  std::optional<KvSharing> sharing;
  std::optional<int64_t> kv_heads;      // with gqa
  std::optional<int64_t> mla_rank;
  std::optional<int64_t> mla_rope;
  std::optional<std::string> attn;
  std::optional<Dtype> kv_dtype, weight_dtype, act_dtype;
  std::optional<int64_t> kv_group, page_size, tp, flash_tile_rows, pp, cp, ep, dp;
  std::optional<Kernel> kernel;
  std::optional<KernelFamily> kernels;
  std::optional<GemmLibrary> gemm_library;
  std::optional<std::string> mla_kernel;
  std::optional<EngineConfig> engine;
  std::optional<SpecDecode> spec;
};

// The model's own design with `choice` applied, validated against the model. Throws InputError.
Design make_design(const ModelConfig& model, const DesignChoice& choice = {});

// GPUs one replica uses (TP × CP × PP) and the whole deployment (× DP).
inline int64_t replica_gpus(const Design& d) { return d.tp * d.cp * d.pp; }

// Short human name: "GQA-8 · window:4096 · fp8 KV".
std::string design_label(const Design& d);
// The attention spec when it is short, else the layers of each pattern per cycle
// ("[54×mamba2 + 10×dense + 54×none; 118 layers per cycle]").
std::string attn_summary(const AttnStack& a);
std::string_view sharing_name(KvSharing s);
std::string_view kernel_name(Kernel k);

struct Workload {
  std::string name = "default";
  uint64_t ctx = 4096;     // prompt length for prefill; tokens in context for decode
  uint64_t batch = 1;
  uint64_t gen = 0;        // tokens generated after the prompt
  Phase phase = Phase::both;
  double slo_ms = 0;       // mean inter-token latency target (ms), 0 = none
  double ttft_slo_ms = 0;  // time-to-first-token target (ms), 0 = none
  uint64_t shared_prefix = 0;  // leading prompt tokens every sequence shares (a system prompt): cached once
};

// Throws InputError naming the field when a size is zero or beyond 2^40.
void validate_workload(const Workload& w);

}  // namespace attncost
