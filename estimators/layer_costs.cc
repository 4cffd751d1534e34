#include "estimators/layer_costs.h"

#include <algorithm>
#include <cmath>

#include "estimators/flash_tiles.h"
#include "estimators/pattern_counts.h"
#include "estimators/shortconv_ops.h"
#include "model/short_names.h"

namespace attncost {
namespace {

// The lightning indexer's cached key: index_head_dim fp8 values and one fp32 scale per token
// (DeepSeek-V3.2's FP8 indexer cache, as vLLM stores it).
constexpr double kIndexerScaleBytes = 4;

using namespace short_names;

// Split `heads` over TP: whole heads per GPU, or one replicated head when there are fewer.
double heads_per_gpu(double heads, double tp, double* replication) {
  if (heads >= tp) {
    if (replication) *replication = 1;
    return heads / tp;
  }
  if (replication) *replication = tp / heads;
  return 1;
}

}  // namespace

// ---- Mamba-1 -----------------------------------------------------------------------------------
double ssm_inner(const ModelConfig& m, const Shape& s) { return D(m.ssm_expand) * s.hidden / s.tp; }

// GEMM weights of a Mamba mixer (in, x, dt and out projections) on this GPU.
double ssm_gemm_params(const Pattern& p, const ModelConfig& m, const Shape& s) {
  const double d_in = ssm_inner(m, s), dt = D(m.dt_rank()), n = static_cast<double>(p.state);
  return s.hidden * 2 * d_in + d_in * (dt + 2 * n) + dt * d_in + d_in * s.hidden;
}

// ---- Mamba-2 (Dao & Gu 2024, SSD; Nemotron-H) -------------------------------------------------
Mamba2 mamba2_of(const Pattern& p, const ModelConfig& m, const Shape& s) {
  Mamba2 x;
  x.head_dim = D(m.mamba2_head_dim);
  const double heads = m.mamba2_heads > 0 ? D(m.mamba2_heads) : std::max(1.0, std::floor(D(m.ssm_expand) * s.hidden / x.head_dim));
  x.heads = heads / s.tp;
  x.inner = x.heads * x.head_dim;
  x.groups = D(m.mamba2_groups);  // B and C are small; replicated on every GPU
  x.state = p.state ? static_cast<double>(p.state) : D(m.mamba2_state);
  x.conv = D(m.ssm_conv);
  return x;
}
// in_proj (z, x, B, C, dt), out_proj.
double mamba2_gemm_params(const Mamba2& x, const Shape& s) {
  return s.hidden * (2 * x.inner + 2 * x.groups * x.state + x.heads) + x.inner * s.hidden;
}

// ---- Gated DeltaNet (Yang et al. 2024; Qwen3-Next) --------------------------------------------
DeltaNet deltanet_of(const ModelConfig& m, const Shape& s) {
  DeltaNet x;
  x.key_heads = D(m.deltanet_key_heads > 0 ? m.deltanet_key_heads : m.kv_heads) / s.tp;
  x.value_heads = D(m.deltanet_value_heads > 0 ? m.deltanet_value_heads : m.heads) / s.tp;
  x.key_dim = D(m.deltanet_key_dim > 0 ? m.deltanet_key_dim : m.head_dim);
  x.value_dim = D(m.deltanet_value_dim > 0 ? m.deltanet_value_dim : m.v_head_dim);
  x.conv = D(m.deltanet_conv);
  return x;
}
double deltanet_channels(const DeltaNet& x) { return 2 * x.key_heads * x.key_dim + x.value_heads * x.value_dim; }  // q, k, v
// in_proj_qkvz, in_proj_ba, out_proj.
double deltanet_gemm_params(const DeltaNet& x, const Shape& s) {
  return s.hidden * (deltanet_channels(x) + x.value_heads * x.value_dim) + s.hidden * 2 * x.value_heads + x.value_heads * x.value_dim * s.hidden;
}

// Kimi Delta Attention (Kimi-Linear; vLLM kda.py): q, k, v and out projections, low-rank (head-dim
// wide) projections of the decay gate f and the output gate g, the beta projection, A and dt bias,
// the short convolutions over q, k and v, and the output norm.
double kda_params(const DeltaNet& x, const Shape& s) {
  const double hv = x.value_heads, dk = x.key_dim, width = hv * dk;
  return s.hidden * 3 * width + width * s.hidden + 2 * (s.hidden * dk + dk * width) + s.hidden * hv + hv + width + x.conv * 3 * width + dk;
}

double linear_features(const Pattern& p, const Shape& s) { return p.features ? static_cast<double>(p.features) : s.d_k; }
double state_heads(const Shape& s) { return s.mla ? s.q_heads : s.kv_heads; }

double state_dtype_bytes(const ModelConfig& m, const Design& d) { return bytes_of(m.state_dtype.value_or(d.kv_dtype)); }

double indexer_params(const ModelConfig& m, const Shape& s) {
  const double hi = D(m.indexer_heads), di = D(m.indexer_head_dim);
  const double q_in = m.q_lora_rank > 0 ? D(m.q_lora_rank) : s.hidden;
  return q_in * hi * di + s.hidden * di + s.hidden * hi;  // query up-projection, key projection, head weights
}

Shape shape_of(const ModelConfig& m, const Design& d, int64_t tp) {
  Shape s;
  s.tp = static_cast<double>(tp);
  s.hidden = D(m.hidden);
  s.q_heads = D(m.heads / tp);
  s.d_k = D(m.head_dim);
  s.d_v = D(m.v_head_dim);
  s.dec_d_k = s.d_k;
  s.dec_d_v = s.d_v;
  s.output_gate = m.attn_output_gate;
  if (d.sharing == KvSharing::mla) {
    s.mla = true;
    s.mla_rank = D(d.mla_rank);
    s.mla_rope = D(d.mla_rope);
    s.kv_heads = 1;                  // one latent per token, shared by every head ...
    s.kv_replication = s.tp;         // ... so every GPU of the TP group holds all of it
    s.dec_d_k = s.mla_rank + s.mla_rope;  // decode attends in latent space (W_UK absorbed into q)
    s.dec_d_v = s.mla_rank;               // and W_UV applied after the weighted sum
  } else {
    s.kv_heads = heads_per_gpu(D(d.kv_heads), s.tp, &s.kv_replication);
  }
  return s;
}

Shape layer_shape(const ModelConfig& m, const Design& d, const Pattern& p, int64_t tp) {
  Shape s = shape_of(m, d, tp);
  if (s.mla || !p.has_shape_override()) return s;
  if (p.kv_heads) s.kv_heads = heads_per_gpu(static_cast<double>(p.kv_heads), s.tp, &s.kv_replication);
  if (p.head_dim) s.d_k = s.d_v = static_cast<double>(p.head_dim);
  if (p.v_head_dim) s.d_v = static_cast<double>(p.v_head_dim);
  s.k_eq_v = p.k_eq_v;
  if (s.k_eq_v) s.d_v = s.d_k;
  s.dec_d_k = s.d_k;
  s.dec_d_v = s.d_v;
  return s;
}

double kv_bytes_per_token_layer(const Shape& s, const Design& d) {
  if (s.mla) return storage_bytes(s.mla_rank + s.mla_rope, 1, d.kv_dtype, d.kv_group);
  const double k = storage_bytes(s.d_k, s.kv_heads, d.kv_dtype, d.kv_group);
  return s.k_eq_v ? k : k + storage_bytes(s.d_v, s.kv_heads, d.kv_dtype, d.kv_group);
}

double indexer_bytes_per_token(const ModelConfig& m) { return D(m.indexer_head_dim) * 1 + kIndexerScaleBytes; }

double cached_bytes_per_token(const Pattern& p, const ModelConfig& m, const Shape& s, const Design& d) {
  return kv_bytes_per_token_layer(s, d) + (p.kind == PatternKind::topk ? indexer_bytes_per_token(m) : 0);
}

double mha_kv_bytes_per_token_layer(const Shape& s, const Design& d) {
  Shape mha = s;
  mha.mla = false;
  mha.k_eq_v = false;
  mha.kv_heads = s.q_heads;
  return kv_bytes_per_token_layer(mha, d);
}

double naive_score_matrix_bytes(const Shape& s, const Design& d, uint64_t n) {
  return s.q_heads * static_cast<double>(n) * static_cast<double>(n) * bytes_of(d.act_dtype);
}

bool naive_prefill_runs(double scores_bytes, double weights_bytes, double budget_bytes) { return weights_bytes + scores_bytes <= budget_bytes; }

double state_bytes_per_layer(const Pattern& p, const ModelConfig& m, const Shape& s, const Design& d) {
  switch (p.kind) {
    case PatternKind::linear: {
      const double f = linear_features(p, s);
      return storage_bytes(f * s.d_v + f, state_heads(s), d.kv_dtype, d.kv_group);  // S = Σφ(k)vᵀ and z = Σφ(k)
    }
    case PatternKind::ssm: {
      const double d_in = ssm_inner(m, s);
      return storage_bytes(d_in * static_cast<double>(p.state) + d_in * D(m.ssm_conv - 1), 1, d.kv_dtype,
                           d.kv_group);  // h (d_inner × N) and the last conv-1 inputs
    }
    case PatternKind::mamba2: {
      const Mamba2 x = mamba2_of(p, m, s);
      // h: heads × head dim × N per sequence; the conv keeps its last conv−1 inputs of x, B and C.
      return x.heads * x.head_dim * x.state * state_dtype_bytes(m, d) + (x.conv - 1) * (x.inner + 2 * x.groups * x.state) * bytes_of(d.kv_dtype);
    }
    case PatternKind::deltanet: {
      const DeltaNet x = deltanet_of(m, s);
      // S: d_k × d_v per value head; the conv keeps its last conv−1 inputs of q, k and v.
      return x.value_heads * x.key_dim * x.value_dim * state_dtype_bytes(m, d) + (x.conv - 1) * deltanet_channels(x) * bytes_of(d.kv_dtype);
    }
    case PatternKind::shortconv: return shortconv_state_bytes(p, m, s, d);
    case PatternKind::lightning:  // MiniMax: one d × d state per query head, no normalizer (vLLM linear_attention_state_shape)
      return s.q_heads * s.d_k * s.d_k * state_dtype_bytes(m, d);
    case PatternKind::dense:
    case PatternKind::window:
    case PatternKind::sinks:
    case PatternKind::strided:
    case PatternKind::axial:
    case PatternKind::block:
    case PatternKind::chunk:
    case PatternKind::topk:
    case PatternKind::none: return 0;
  }
  return 0;
}

WeightClass mixer_class(const Pattern& p) {
  return pattern_traits(p.kind).state_space ? WeightClass::mixer : WeightClass::attention;
}

double mixer_params(const Pattern& p, const ModelConfig& m, const Shape& s) {
  switch (p.kind) {
    case PatternKind::none: return 0;
    case PatternKind::ssm: {
      const double d_in = ssm_inner(m, s), n = static_cast<double>(p.state);
      return ssm_gemm_params(p, m, s) + d_in * D(m.ssm_conv) + d_in * n + d_in;  // + conv, A, D
    }
    case PatternKind::mamba2: {
      const Mamba2 x = mamba2_of(p, m, s);
      // + conv over x, B, C; A, D and dt bias per head; the gated norm.
      return mamba2_gemm_params(x, s) + x.conv * (x.inner + 2 * x.groups * x.state) + 3 * x.heads + x.inner;
    }
    case PatternKind::deltanet: {
      const DeltaNet x = deltanet_of(m, s);
      if (m.deltanet_kda) return kda_params(x, s);
      // + conv over q, k, v; A and dt bias per value head; the gated norm.
      return deltanet_gemm_params(x, s) + x.conv * deltanet_channels(x) + 2 * x.value_heads + x.value_dim;
    }
    case PatternKind::shortconv: return shortconv_params(p, m, s);
    case PatternKind::lightning:  // q, k, v and the output gate from h; out_proj; the norm over the heads' outputs
      return 4 * s.hidden * s.q_heads * s.d_k + s.q_heads * s.d_k * s.hidden + s.q_heads * s.d_k;
    case PatternKind::dense:  // softmax attention and linear attention: Q/K/V/O projections
    case PatternKind::window:
    case PatternKind::sinks:
    case PatternKind::strided:
    case PatternKind::axial:
    case PatternKind::block:
    case PatternKind::chunk:
    case PatternKind::topk:
    case PatternKind::linear: break;
  }
  const double h = s.hidden, hq = s.q_heads;
  double attention;
  if (s.mla) {
    const double q = m.q_lora_rank > 0 ? h * D(m.q_lora_rank) + D(m.q_lora_rank) * hq * s.d_k : h * hq * s.d_k;
    const double nope = s.d_k - s.mla_rope;
    attention = q + h * (s.mla_rank + s.mla_rope) + s.mla_rank * hq * (nope + s.d_v) + hq * s.d_v * h;
  } else {
    const double q = h * hq * s.d_k * (s.output_gate ? 2 : 1);  // the gate doubles the query projection
    attention = q + h * s.kv_heads * (s.d_k + (s.k_eq_v ? 0 : s.d_v)) + hq * s.d_v * h;
  }
  return attention + (p.kind == PatternKind::topk ? indexer_params(m, s) : 0);
}

double dense_mlp_params(const ModelConfig& m, const Shape& s, int64_t width) {
  return (m.gated_mlp ? 3.0 : 2.0) * s.hidden * D(width > 0 ? width : m.ffn) / s.tp;
}

double moe_expert_params(const ModelConfig& m, const Shape& s, int64_t ep) {
  const double mats = m.gated_mlp ? 3.0 : 2.0;
  const double shared_width = D(m.shared_expert_ffn > 0 ? m.shared_expert_ffn : m.expert_ffn);
  // Routed experts: each column-split over TP, or (expert parallelism) whole experts spread over
  // the EP GPUs. Shared experts see every token and stay TP-split.
  const double routed = D(m.experts) * mats * s.hidden * D(m.expert_ffn) / (ep > 1 ? D(ep) : s.tp);
  return routed + D(m.shared_experts) * mats * s.hidden * shared_width / s.tp;
}

double moe_router_params(const ModelConfig& m, const Shape& s) { return s.hidden * D(m.experts); }  // replicated

double weight_bytes(double params, WeightClass c, const ModelConfig& m, const Design& d) {
  const double bits = m.weights.bits[static_cast<size_t>(c)];
  if (d.weights_as_checkpoint && m.weights.quantized() && bits > 0) return params * bits / 8;
  return storage_bytes(params, 1, d.weight_dtype, kWeightScaleGroup);
}

uint64_t flash_tile_rows(const Design& d) {
  return d.flash_tile_rows > 0 ? static_cast<uint64_t>(d.flash_tile_rows) : static_cast<uint64_t>(kFlashAttention2TileRows);
}

double flash_l2_reuse(double tokens, double kv_bytes_per_token_head, uint64_t tile_rows, const GpuSpec& gpu) {
  // The tiles of a wave stream the same K/V blocks nearly in step, so the working set in L2 is a
  // few blocks per head, not the whole head; only a block larger than L2 defeats the sharing.
  const double rows = static_cast<double>(tile_rows);
  const double block_bytes = rows * kv_bytes_per_token_head * static_cast<double>(gpu.sms);
  if (gpu.sms <= 0 || gpu.l2_bytes <= 0 || block_bytes > gpu.l2_bytes) return 1;
  const double tiles = std::ceil(tokens / rows);
  return std::max(1.0, std::min(tiles, static_cast<double>(gpu.sms)));
}


int dequant_bits(const ModelConfig& m, const Design& d, const GpuSpec& gpu) {
  const bool fp8_units = gpu.peak_flops[static_cast<size_t>(Dtype::fp8)] > 0;
  const bool fp4_units = gpu.peak_flops[static_cast<size_t>(Dtype::fp4)] > 0;
  if (!d.weights_as_checkpoint || !m.weights.quantized()) {
    switch (d.weight_dtype) {
      case Dtype::int8: return 8;
      case Dtype::int4: return 4;
      case Dtype::fp8: return fp8_units ? 0 : 8;
      // W4A4 runs on fp4 tensor cores; fp4 weights beside wider activations are dequantized (W4A16).
      case Dtype::fp4: return fp4_units && d.act_dtype == Dtype::fp4 ? 0 : 4;
      default: return 0;
    }
  }
  // The checkpoint's format: fp8 runs natively where the GPU has fp8 tensor cores; 4-bit formats
  // (MXFP4, NVFP4, AWQ/GPTQ int4) and 8-bit integers are dequantized by the GEMM.
  const std::string& method = m.weights.method;
  if (method.rfind("fp8", 0) == 0) return fp8_units ? 0 : 8;
  double bits = 16;
  for (double b : m.weights.bits)
    if (b > 0) bits = std::min(bits, b);
  return bits <= 5.5 ? 4 : bits <= 9 ? 8 : 0;
}


}  // namespace attncost
