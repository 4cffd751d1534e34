// Per-layer quantities of a design on one GPU: head split, KV bytes per token, recurrent state,
// weights by class, and the operator cost records of a prefill or a decode step. Each quantity
// is defined here once and reused by every phase, kernel and report.
#pragma once
#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <span>
#include <type_traits>
#include <vector>

#include "estimators/op_cost.h"
#include "model/design.h"
#include "model/gpu_spec.h"
#include "model/model_config.h"

namespace attncost {

// How a layer's heads land on one of `tp` GPUs, and the per-head widths it computes with.
struct Shape {
  double hidden = 0;
  double q_heads = 0;        // query heads on this GPU
  double kv_heads = 0;       // K/V heads stored on this GPU (replicas included; MLA: 1 latent)
  double kv_replication = 1; // copies of each KV head across the TP group
  double d_k = 0, d_v = 0;   // per-head widths with K/V materialized (prefill; MHA/GQA/MQA decode)
  double dec_d_k = 0, dec_d_v = 0;  // widths a decode step attends over (MLA: latent, absorbed)
  double tp = 1;
  bool mla = false;
  bool k_eq_v = false;       // values are the keys: one tensor cached and projected
  bool output_gate = false;  // the query projection is doubled for an output gate
  double mla_rank = 0, mla_rope = 0;
};
// The design's shape (every layer without an override of its own).
Shape shape_of(const ModelConfig& m, const Design& d, int64_t tp);
// The shape of the layers that use pattern `p`: the design's, with the pattern's overrides
// (kv=, head=, vhead=, k_eq_v) applied.
Shape layer_shape(const ModelConfig& m, const Design& d, const Pattern& p, int64_t tp);

// KV-cache bytes one cached token costs in one softmax layer, scales included (topk layers add
// their indexer's key).
double kv_bytes_per_token_layer(const Shape& s, const Design& d);
double cached_bytes_per_token(const Pattern& p, const ModelConfig& m, const Shape& s, const Design& d);
// The lightning indexer's cached key per token per layer (DeepSeek-V3.2: fp8 values + an fp32 scale).
double indexer_bytes_per_token(const ModelConfig& m);
// The same for an MHA layer of this model (every query head keeps its own K/V): what linear and
// SSM layers are compared against.
double mha_kv_bytes_per_token_layer(const Shape& s, const Design& d);
// Bytes of one materialized n×n score (or probability) matrix for all query heads of one layer
// and one sequence: what a naive prefill writes and reads.
double naive_score_matrix_bytes(const Shape& s, const Design& d, uint64_t n);
// THE rule whether a naive prefill can run at all (estimate --kernel naive and the memo both
// ask it): the weights plus one layer's score matrix must fit the budget.
bool naive_prefill_runs(double scores_bytes, double weights_bytes, double budget_bytes);
// Bytes of the constant recurrent state of one linear, SSM, Mamba-2 or DeltaNet layer for one
// sequence (the recurrent state in the state dtype, convolution inputs in the KV dtype).
double state_bytes_per_layer(const Pattern& p, const ModelConfig& m, const Shape& s, const Design& d);
// Weights of one layer's token mixer (attention projections and indexer, or a Mamba/DeltaNet
// mixer) on this GPU, and the weight class they belong to.
double mixer_params(const Pattern& p, const ModelConfig& m, const Shape& s);
WeightClass mixer_class(const Pattern& p);
// Weights of one dense MLP of width `width` (0: the model's) / of one MoE block's experts (routed
// and shared) and its router, on this GPU.
double dense_mlp_params(const ModelConfig& m, const Shape& s, int64_t width = 0);
double moe_expert_params(const ModelConfig& m, const Shape& s, int64_t ep = 1);
double moe_router_params(const ModelConfig& m, const Shape& s);

// The widths the recurrent mixers compute with on one GPU (heads and channels split over TP).
// Mamba-1: the inner width d_in = expand·h / TP and its GEMM weights (in, x, dt, out projections).
double ssm_inner(const ModelConfig& m, const Shape& s);
double ssm_gemm_params(const Pattern& p, const ModelConfig& m, const Shape& s);
// Mamba-2 (Dao & Gu 2024, SSD; Nemotron-H): heads, head width, inner width, B/C groups (replicated),
// state size N and convolution width.
struct Mamba2 {
  double heads, head_dim, inner, groups, state, conv;
};
Mamba2 mamba2_of(const Pattern& p, const ModelConfig& m, const Shape& s);
double mamba2_gemm_params(const Mamba2& x, const Shape& s);  // in_proj (z, x, B, C, dt), out_proj
// Gated DeltaNet (Yang et al. 2024; Qwen3-Next): key and value heads and widths, convolution width.
struct DeltaNet {
  double key_heads, value_heads, key_dim, value_dim, conv;
};
DeltaNet deltanet_of(const ModelConfig& m, const Shape& s);
double deltanet_channels(const DeltaNet& x);  // q, k, v channels through the convolution
double deltanet_gemm_params(const DeltaNet& x, const Shape& s);  // in_proj_qkvz, in_proj_ba, out_proj
// Linear attention: its feature dimension F (default the head dim) and the heads holding a state
// (one per KV head; MLA designs keep one per query head).
double linear_features(const Pattern& p, const Shape& s);
double state_heads(const Shape& s);
// Bytes of one element of a recurrent state (the model's state dtype, else the KV dtype).
double state_dtype_bytes(const ModelConfig& m, const Design& d);
// Lightning-indexer weights on this GPU (replicated: it is small and sees every head's query).
double indexer_params(const ModelConfig& m, const Shape& s);

// Elementwise operations per attended pair outside the matmuls: scale, running max, subtract,
// exp, running sum (the mask is applied by not scoring masked pairs).
inline constexpr double kSoftmaxOpsPerPair = 5;

// Bytes of `params` weights of class `c` as the design stores them: the checkpoint's quantized
// format unless --weight-dtype overrides it, else the weight dtype (+ int8/int4 group scales).
double weight_bytes(double params, WeightClass c, const ModelConfig& m, const Design& d);

// A step's operator records. The first kInlineOps live inside the list, so an ordinary model's
// step allocates nothing (an estimate returns two lists: two heap blocks cost more than the
// arithmetic of a step); a DeciLM-style model with one MLP operator per distinct width, or a
// hybrid with several per pattern, grows onto the heap. Keeps its storage between steps. Only
// the first `count` records are set (the inline slots are left unzeroed on purpose).
class OpStorage {
 public:
  static constexpr size_t kInlineOps = 8;
  OpStorage() {}  // NOLINT: no zeroing of the inline slots
  OpStorage(const OpStorage&) = delete;
  OpStorage& operator=(const OpStorage&) = delete;
  OpCost& operator[](size_t i) { return data()[i]; }
  const OpCost& operator[](size_t i) const { return data()[i]; }
  OpCost* data() { return heap_.empty() ? std::launder(reinterpret_cast<OpCost*>(inline_)) : heap_.data(); }
  const OpCost* data() const { return heap_.empty() ? std::launder(reinterpret_cast<const OpCost*>(inline_)) : heap_.data(); }
  size_t capacity() const { return heap_.empty() ? kInlineOps : heap_.size(); }
  // The address of slot i (its record may not exist yet: add() constructs it there).
  void* slot(size_t i) { return heap_.empty() ? static_cast<void*>(inline_ + i * sizeof(OpCost)) : static_cast<void*>(heap_.data() + i); }
  // Room for at least n records, the first `keep` kept.
  void grow(size_t n, size_t keep) {
    std::vector<OpCost> bigger(std::max(n, 2 * capacity()));
    if (keep > 0) std::memcpy(static_cast<void*>(bigger.data()), data(), keep * sizeof(OpCost));
    heap_.swap(bigger);
  }
  // The first n records of `o` (n ≤ its count).
  void copy_from(const OpStorage& o, size_t n) {
    if (n > capacity()) grow(n, 0);
    if (n > 0) std::memcpy(slot(0), o.data(), n * sizeof(OpCost));
  }
  // Steals `o`'s heap block, or copies its n inline records; `o` is left empty.
  void take(OpStorage& o, size_t n) {
    if (!o.heap_.empty()) {
      heap_ = std::move(o.heap_);
      o.heap_.clear();
    } else {
      copy_from(o, n);
    }
  }

 private:
  static_assert(std::is_trivially_copyable_v<OpCost> && std::is_trivially_destructible_v<OpCost>);
  alignas(OpCost) unsigned char inline_[kInlineOps * sizeof(OpCost)];
  std::vector<OpCost> heap_;  // empty: the inline slots are in use
};

struct OpList {
  OpStorage ops;
  int count = 0;
  OpList() = default;
  OpList(const OpList& o) : count(o.count) { ops.copy_from(o.ops, static_cast<size_t>(o.count)); }
  OpList(OpList&& o) noexcept : count(o.count) {
    ops.take(o.ops, static_cast<size_t>(o.count));
    o.count = 0;
  }
  OpList& operator=(const OpList& o) {
    if (this != &o) ops.copy_from(o.ops, static_cast<size_t>(o.count)), count = o.count;
    return *this;
  }
  OpList& operator=(OpList&& o) noexcept {
    if (this != &o) {
      ops.take(o.ops, static_cast<size_t>(o.count)), count = o.count;
      o.count = 0;
    }
    return *this;
  }
  OpCost& add(OpKind kind) {
    const size_t i = static_cast<size_t>(count);
    if (i == ops.capacity()) ops.grow(i + 1, i);
    // Assigned from a blank, not constructed: GCC folds a copy-construction from the constant
    // blank into `rep stos` + stores, whose start-up costs more than the copy; a fresh temporary
    // costs a zeroing and a stalled copy. (The inline slots hold implicitly created records.)
    static const OpCost blank{};
    OpCost* op = std::launder(static_cast<OpCost*>(ops.slot(i)));
    *op = blank;
    ++count;
    op->kind = kind;
    return *op;
  }
  void clear() { count = 0; }
  std::span<OpCost> used() { return {ops.data(), static_cast<size_t>(count)}; }
  std::span<const OpCost> used() const { return {ops.data(), static_cast<size_t>(count)}; }
};

// Query rows per tile of the flash kernel the design models (FlashAttention-2's by default).
uint64_t flash_tile_rows(const Design& d);

// How many times a tiled prefill kernel loads a head's K/V from HBM per Σ-tile key load: query
// tiles of one head that run in the same wave (one per SM) share their K/V loads through L2 when
// one K/V block per SM fits in L2; otherwise every tile loads from HBM.
double flash_l2_reuse(double tokens, double kv_bytes_per_token_head, uint64_t tile_rows, const GpuSpec& gpu);

// Weight bits a GEMM dequantizes on the fly (int8/int4 weight-only formats, fp8 where the GPU
// has no fp8 units); 0 when the weights are used natively.
int dequant_bits(const ModelConfig& m, const Design& d, const GpuSpec& gpu);

}  // namespace attncost
