#include "estimators/engine_memory.h"

#include <algorithm>
#include <cmath>

#include "estimators/engine_overhead.h"
#include "estimators/layer_costs.h"
#include "estimators/pattern_counts.h"

namespace attncost {
namespace {

constexpr double kGiB = 1073741824.0;

// Workspaces outside PyTorch's allocator that vLLM's profiler finds after loading the model
// (cuBLAS/cuDNN handles and the allocator's slack), and the NCCL and custom all-reduce buffers
// a tensor-parallel group adds. Fitted on the four Qwen2-7B logs of tests/data/engine_logs
// (tp 1: 0.55 GiB and tp 2: 0.69 GiB left after weights, KV and the activation model); the
// other logs check it.
constexpr double kWorkspaceBytes = 0.15 * kGiB;
constexpr double kTensorParallelBuffersBytes = 0.25 * kGiB;
// The CUDA context (with the runtime's kernels loaded) a process holds before it loads anything:
// SGLang's logs show 0.40-0.62 GiB between the visible total and "Load weight begin. avail mem" on
// one 80 GB GPU (tests/data/engine_logs/startup_logs_sglang_trtllm.md).
constexpr double kCudaContextBytes = 0.5 * kGiB;
// What SGLang's torch.distributed set-up holds per GPU before it loads weights ("Init torch
// distributed ends. mem usage"): 2.01 GiB at TP 8 on H200-class GPUs (sglang PR #11716's log:
// 137.29 GiB free before loading, the GPU not named; NCCL and custom all-reduce buffers) and
// 0.13 GiB at TP 4 on PCIe-only L4s, where SGLang turns custom all-reduce off ("not supported on
// more than two PCIe-only GPUs"; the QwQ-32B log of tests/data/engine_logs/startup_logs_sglang_trtllm.md).
constexpr double kSglangTpInitLinkedBytes = 2.0 * kGiB;
constexpr double kSglangTpInitPcieBytes = 0.13 * kGiB;
// GPUs joined by NVLink or Infinity Fabric (a scale-up link well above PCIe's 32 GB/s each way).
bool peer_linked(const GpuSpec& gpu) { return gpu.scale_up.one_way_Bps >= 100e9; }
// vLLM ≥ 0.11 (gpu_worker.determine_available_memory as its DEBUG line prints it): non-torch
// memory 0.13-0.14 GiB on one GPU and 0.54-0.55 GiB per GPU at TP 2 (llm-d-benchmark's nine
// vLLM 0.11.0 H100 runs, tests/data/engine_logs/startup_logs_2026.md §1), and a profiled peak
// whose sampler pass (top-k/top-p over max_num_seqs rows of the full vocabulary: logits, sorted
// copy, int64 indices, probabilities) costs about 32 bytes per logit — fitted on the six runs of
// that table whose peak is printed (7.38 GiB gpt-oss-20b, 4.76 Llama-3.1-8B, 5.56 Qwen3-0.6B,
// 5.64 Qwen3-32B at TP 1 and 2, 4.84 Llama-3.3-70B at TP 2): the peak hardly moves with TP because
// this term does not split.
constexpr double kNonTorchV011Bytes = 0.13 * kGiB;
constexpr double kNonTorchV011TensorParallelBytes = 0.55 * kGiB;
constexpr double kSamplerBytesPerLogitV011 = 32;
// TensorRT-LLM's C++ runtime (the TensorRT-engine workflow, the default before 1.0) allocates
// its runtime buffers (I/O tensors, logits) and its decoder (sampling workspaces, output ids)
// for max_batch_size sequences before it sizes the KV cache (docs "Memory Usage of
// TensorRT-LLM" §3.1). Fitted on the one log that prints both at a large batch: trtllm-bench's
// FP8 Llama-2-7B engine at max_batch_size 4096, vocabulary 32,000: 1.14 + 4.35 GiB = 45 bytes
// per (sequence × vocabulary entry) (tests/data/engine_logs/startup_logs_sglang_trtllm.md). The
// form (per logit of the batch) is ours; a 0.19 log on an RTX 5090 leaves room for at most
// about half of it (reported there, not fitted).
constexpr double kCppRuntimeBytesPerLogit = 45;

// SGLang from 0.5.4 on (sgl-project/sglang PR #10975, server_args._handle_gpu_memory_settings):
// the GPU's memory in MiB (nvidia-smi's total; the preset's HBM capacity stands for it) picks
// chunked_prefill_size and cuda_graph_max_bs by tier, and mem_fraction_static = round((memory −
// reserved) / memory, 3) with reserved = 512 MiB of metadata + 1.5 MiB per token of
// max(chunked_prefill_size, 2048) for prefill activations + 2 MiB per CUDA-graph batch slot +
// TP·PP/8 GiB, at least 10 GiB on GPUs over 60 GiB, + 2 GiB for a speculative draft head (6 GiB
// for a draft model). An H100 gets 0.836 (was 0.88 at TP 1), an H200 0.907.
bool sglang_memory_heuristic(const EngineConfig& e) {
  if (e.kind != EngineKind::sglang) return false;
  const std::string release = engine_release(e);
  if (!release_at_least(release, 0, 5)) return false;
  if (release != "0.5") return true;
  // "0.5.P…": the patch decides; "0.5" alone (or the default) is the current 0.5 release.
  const std::string_view v = e.version;
  const size_t second = v.find('.', v.find('.') + 1);
  if (second == std::string_view::npos) return true;
  int patch = 0;
  for (size_t i = second + 1; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i) patch = patch * 10 + (v[i] - '0');
  return patch >= 4;
}

double sglang_gpu_mib(const GpuSpec& gpu) { return gpu.hbm_bytes / 1048576.0; }

// SGLang ≥ 0.5.4's tiers by GPU memory (PR #10975): chunked_prefill_size 2048 below 35 GiB,
// 4096 below 60 GiB, 8192 below 160 GiB, 16384 above; before, 8192 everywhere.
uint64_t sglang_default_chunk(const EngineConfig& e, const GpuSpec& gpu) {
  if (!sglang_memory_heuristic(e)) return 8192;
  const double mem = sglang_gpu_mib(gpu);
  return mem < 35 * 1024 ? 2048 : mem < 60 * 1024 ? 4096 : mem < 160 * 1024 ? 8192 : 16384;
}

// cuda_graph_max_bs by the same tiers: 8 below 20 GiB, 24/80 (TP < 4 / ≥ 4) below 35 GiB,
// 32/160 below 60 GiB, 256/512 below 160 GiB, 512 above.
uint64_t sglang_default_graph_bs(const GpuSpec& gpu, int64_t tp) {
  const double mem = sglang_gpu_mib(gpu);
  if (mem < 20 * 1024) return 8;
  if (mem < 35 * 1024) return tp < 4 ? 24 : 80;
  if (mem < 60 * 1024) return tp < 4 ? 32 : 160;
  if (mem < 160 * 1024) return tp < 4 ? 256 : 512;
  return 512;
}

double sglang_heuristic_fraction(const EngineConfig& e, const Design& d, const GpuSpec& gpu) {
  const double mem = sglang_gpu_mib(gpu);
  const double chunk = static_cast<double>(e.max_num_batched_tokens > 0 ? e.max_num_batched_tokens : sglang_default_chunk(e, gpu));
  const double graph_bs = static_cast<double>(sglang_default_graph_bs(gpu, d.tp));
  double reserved = 512 + std::max(chunk, 2048.0) * 1.5 + graph_bs * 2 + static_cast<double>(d.tp * d.pp) / 8 * 1024;
  if (mem > 60 * 1024) reserved = std::max(reserved, 10.0 * 1024);
  if (d.spec.on()) reserved += (d.spec.draft ? 6 : 2) * 1024.0;
  return std::round((mem - reserved) / mem * 1000) / 1000;
}

double default_fraction(const EngineConfig& e, const Design& d, const GpuSpec& gpu) {
  switch (e.kind) {
    case EngineKind::vllm: return 0.9;     // --gpu-memory-utilization
    case EngineKind::trtllm: return 0.9;   // KvCacheConfig.free_gpu_memory_fraction
    case EngineKind::sglang:               // ServerArgs: mem_fraction_static by TP size (0.4-0.5.3)
      if (sglang_memory_heuristic(e)) return sglang_heuristic_fraction(e, d, gpu);
      return d.tp >= 16 ? 0.79 : d.tp >= 8 ? 0.81 : d.tp >= 4 ? 0.85 : d.tp >= 2 ? 0.87 : 0.88;
    case EngineKind::plain: return 1 - e.reserve_fraction;
  }
  return 0.9;
}

// vLLM V1 (arg_utils.py, _set_default_args_v1): GPUs with ≥ 70 GiB other than the A100 get the
// larger defaults of its OpenAI-compatible server.
bool vllm_large_defaults(const GpuSpec& gpu) { return gpu.total_visible_bytes() >= 70 * kGiB && gpu.arch != "ampere"; }

}  // namespace

uint64_t default_max_num_batched_tokens(const EngineConfig& e, const GpuSpec& gpu) {
  if (e.max_num_batched_tokens > 0) return e.max_num_batched_tokens;
  switch (e.kind) {
    case EngineKind::vllm: return vllm_large_defaults(gpu) ? 8192 : 2048;
    case EngineKind::sglang: return sglang_default_chunk(e, gpu);   // chunked_prefill_size
    case EngineKind::trtllm: return 8192;   // max_num_tokens
    case EngineKind::plain: return e.chunk_size;
  }
  return 0;
}

uint64_t sglang_cuda_graph_max_bs(const EngineConfig& e, const GpuSpec& gpu, int64_t tp) {
  return sglang_memory_heuristic(e) ? sglang_default_graph_bs(gpu, tp) : 0;
}

uint64_t default_max_num_seqs(const EngineConfig& e, const GpuSpec& gpu) {
  if (e.max_num_seqs > 0) return e.max_num_seqs;
  switch (e.kind) {
    case EngineKind::vllm: return vllm_large_defaults(gpu) ? 1024 : 256;
    case EngineKind::trtllm: return 2048;  // max_batch_size
    default: return 0;
  }
}

double forward_activation_bytes(const ModelConfig& m, const Design& d, double tokens) {
  const Shape s = shape_of(m, d, d.tp);
  const double tp = s.tp;
  double widest = s.q_heads * s.d_k * 2 + s.kv_heads * (s.d_k + s.d_v) + s.q_heads * s.d_v;  // q (and gate), k, v, attention output
  const double mats = m.gated_mlp ? 3.0 : 2.0;  // gate and up outputs and the activated product (or up and activated)
  for (const FfnStack::Use& f : m.ffn_layers.uses(static_cast<uint64_t>(m.layers))) {
    if (f.layer.kind == FfnKind::dense)
      widest = std::max(widest, mats * static_cast<double>(f.layer.width > 0 ? f.layer.width : m.ffn) / tp);
    if (f.layer.kind == FfnKind::moe) {
      // Fused MoE: every token's top-k copies through the gate/up and down intermediates, plus
      // the shared experts.
      const double shared_width = static_cast<double>(m.shared_expert_ffn > 0 ? m.shared_expert_ffn : m.expert_ffn);
      widest = std::max(widest, static_cast<double>(m.experts_active) * (mats * static_cast<double>(m.expert_ffn) / tp + s.hidden) +
                                    static_cast<double>(m.shared_experts) * mats * shared_width / tp);
    }
  }
  return tokens * (3 * s.hidden + widest) * (dtype_bits(d.act_dtype) / 8.0);
}

EngineMemory engine_memory(const ModelConfig& m, const Design& d, const GpuSpec& gpu, double weights_bytes) {
  const EngineConfig& e = d.engine;
  EngineMemory em;
  em.kind = e.kind;
  em.memory_fraction = e.memory_fraction > 0 ? e.memory_fraction : default_fraction(e, d, gpu);
  em.max_num_batched_tokens = default_max_num_batched_tokens(e, gpu);
  em.max_num_seqs = default_max_num_seqs(e, gpu);
  em.page_size = static_cast<uint64_t>(d.page_size);
  const double tp_buffers = d.tp > 1 ? kTensorParallelBuffersBytes : 0;
  const double tokens = static_cast<double>(em.max_num_batched_tokens);
  switch (e.kind) {
    case EngineKind::plain:
      em.total_bytes = gpu.hbm_bytes;
      em.budget_bytes = e.budget_bytes > 0 ? e.budget_bytes : gpu.hbm_bytes * em.memory_fraction;
      break;
    case EngineKind::vllm:
      // gpu_worker.determine_available_memory: total × utilization − (weights + the profiling
      // run's peak + non-torch increase). The profile runs max_num_batched_tokens through the
      // model, then the sampler over max_num_seqs rows of fp32 logits.
      em.total_bytes = gpu.total_visible_bytes();
      if (release_at_least(engine_release(e), 0, 11)) {
        em.activation_peak_bytes = forward_activation_bytes(m, d, tokens) + static_cast<double>(em.max_num_seqs) * static_cast<double>(m.vocab) * kSamplerBytesPerLogitV011;
        em.non_torch_bytes = d.tp > 1 ? kNonTorchV011TensorParallelBytes : kNonTorchV011Bytes;
      } else {  // the rule fitted on 0.10 logs (and V0's)
        em.activation_peak_bytes = forward_activation_bytes(m, d, tokens) + static_cast<double>(em.max_num_seqs) * static_cast<double>(m.vocab) * 4;
        em.non_torch_bytes = kWorkspaceBytes + tp_buffers;
      }
      em.budget_bytes = em.total_bytes * em.memory_fraction - em.activation_peak_bytes - em.non_torch_bytes;
      break;
    case EngineKind::sglang: {
      // model_runner.profile_max_num_token: rest = (free after loading) − (free before loading) ×
      // (1 − mem_fraction_static), where "before" is measured after the CUDA context and the
      // torch.distributed groups exist. With free-before = total − context − TP set-up and
      // free-after = free-before − weights − the loader's workspaces (0.13-0.15 GiB beyond the bf16
      // weights in SGLang's Llama-3.1-8B logs, kWorkspaceBytes), the pool is
      // fraction × (total − context − TP set-up) − weights − workspaces: what is held before loading
      // is reserved only in proportion to the fraction.
      em.total_bytes = gpu.total_visible_bytes();
      const double tp_init = d.tp <= 1 ? 0 : peer_linked(gpu) ? kSglangTpInitLinkedBytes : kSglangTpInitPcieBytes;
      em.before_load_bytes = kCudaContextBytes + tp_init;
      em.non_torch_bytes = em.before_load_bytes + kWorkspaceBytes;
      em.budget_bytes = em.memory_fraction * (em.total_bytes - em.before_load_bytes) - kWorkspaceBytes;
      break;
    }
    case EngineKind::trtllm: {
      // KV cache = free_gpu_memory_fraction × the memory free after the engine's weights and
      // runtime buffers (activations of max_num_tokens) are allocated. The PyTorch backend (1.0
      // on; KvCacheCreator.configure_kv_cache_capacity in tensorrt_llm/_torch/pyexecutor/_util.py)
      // takes fraction × (total − the profiled peak + the estimation run's own KV), the peak being
      // weights, the dummy batch's activations and what lives outside torch: the same form. The
      // C++ runtime of the releases before 1.0 also holds its runtime and decoder buffers.
      em.total_bytes = gpu.total_visible_bytes();
      em.activation_peak_bytes = forward_activation_bytes(m, d, tokens);
      if (!release_at_least(engine_release(e), 1, 0))
        em.runtime_buffers_bytes = kCppRuntimeBytesPerLogit * static_cast<double>(em.max_num_seqs) * static_cast<double>(m.vocab);
      em.non_torch_bytes = kCudaContextBytes + kWorkspaceBytes + tp_buffers + em.runtime_buffers_bytes;
      em.budget_bytes = weights_bytes + em.memory_fraction * std::max(0.0, em.total_bytes - weights_bytes - em.activation_peak_bytes - em.non_torch_bytes);
      break;
    }
  }
  em.budget_bytes = std::max(0.0, em.budget_bytes);
  em.kv_budget_bytes = std::max(0.0, em.budget_bytes - weights_bytes);
  return em;
}

double allocated_tokens(const Pattern& p, uint64_t n, const Design& d, const EngineMemory& em) {
  if (!p.is_softmax()) return 0;
  double tokens = static_cast<double>(cached_tokens(p, n));
  if (em.kind == EngineKind::vllm) {
    // vLLM V1's hybrid allocator (kv_cache_interface.py, max_memory_usage_bytes): a sliding-window
    // layer keeps window − 1 + max_num_batched_tokens tokens plus one block, a chunked-local
    // layer chunk + max_num_batched_tokens; every other softmax layer the whole context.
    const double whole = static_cast<double>(n), batched = static_cast<double>(em.max_num_batched_tokens);
    const double page = std::max<double>(1, static_cast<double>(em.page_size));
    switch (p.kind) {
      case PatternKind::window: tokens = std::min(whole, std::ceil((static_cast<double>(p.window) - 1 + batched) / page) * page + page); break;
      case PatternKind::chunk: tokens = std::min(whole, static_cast<double>(p.chunk) + batched); break;
      case PatternKind::dense:
      case PatternKind::sinks:  // vLLM allocates sink + window layers at full length (no sink-aware spec)
      case PatternKind::strided:
      case PatternKind::axial:
      case PatternKind::block:
      case PatternKind::topk: tokens = whole; break;
      case PatternKind::linear:
      case PatternKind::ssm:
      case PatternKind::deltanet:
      case PatternKind::mamba2:
      case PatternKind::shortconv:
      case PatternKind::lightning:
      case PatternKind::none: break;  // not softmax: returned above
    }
  }
  const double page = static_cast<double>(d.page_size);
  return page > 0 ? std::ceil(tokens / page) * page : tokens;
}

}  // namespace attncost
