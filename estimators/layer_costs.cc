#include "estimators/layer_costs.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "estimators/collectives.h"
#include "estimators/explain.h"
#include "estimators/flash_tiles.h"
#include "estimators/linear_chunk.h"
#include "estimators/pattern_counts.h"
#include "estimators/shortconv_ops.h"

namespace attncost {
namespace {

// Elementwise operations per attended pair outside the matmuls: scale, running max, subtract,
// exp, running sum (the mask is applied by not scoring masked pairs).
constexpr double kSoftmaxOpsPerPair = 5;
// The lightning indexer's cached key: index_head_dim fp8 values and one fp32 scale per token
// (DeepSeek-V3.2's FP8 indexer cache, as vLLM stores it).
constexpr double kIndexerScaleBytes = 4;

double bytes_of(Dtype d) { return dtype_bits(d) / 8.0; }
double D(int64_t v) { return static_cast<double>(v); }

// ---- Mamba-1 -----------------------------------------------------------------------------------
double ssm_inner(const ModelConfig& m, const Shape& s) { return D(m.ssm_expand) * s.hidden / s.tp; }

// GEMM weights of a Mamba mixer (in, x, dt and out projections) on this GPU.
double ssm_gemm_params(const Pattern& p, const ModelConfig& m, const Shape& s) {
  const double d_in = ssm_inner(m, s), dt = D(m.dt_rank()), n = static_cast<double>(p.state);
  return s.hidden * 2 * d_in + d_in * (dt + 2 * n) + dt * d_in + d_in * s.hidden;
}

// ---- Mamba-2 (Dao & Gu 2024, SSD; Nemotron-H) -------------------------------------------------
struct Mamba2 {
  double heads, head_dim, inner, groups, state, conv;  // per GPU: heads and channels split over TP
};
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
struct DeltaNet {
  double key_heads, value_heads, key_dim, value_dim, conv;  // per GPU
};
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
// Heads holding a linear-attention state: one per KV head (MLA designs keep one per query head).
double state_heads(const Shape& s) { return s.mla ? s.q_heads : s.kv_heads; }

double state_dtype_bytes(const ModelConfig& m, const Design& d) { return bytes_of(m.state_dtype.value_or(d.kv_dtype)); }

// Lightning-indexer weights on this GPU (replicated: it is small and sees every head's query).
double indexer_params(const ModelConfig& m, const Shape& s) {
  const double hi = D(m.indexer_heads), di = D(m.indexer_head_dim);
  const double q_in = m.q_lora_rank > 0 ? D(m.q_lora_rank) : s.hidden;
  return q_in * hi * di + s.hidden * di + s.hidden * hi;  // query up-projection, key projection, head weights
}

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

namespace {

// One explained line, written only when explaining: the substituted expression is formatted
// from the same operands the value was computed from.
template <typename... Args>
void note(Explainer* ex, std::string quantity, const char* formula, double value, const char* unit, fmt::format_string<Args...> sub,
          Args&&... args) {
  if (ex) ex->line(std::move(quantity), formula, fmt::format(sub, std::forward<Args>(args)...), value, unit);
}
std::string N(double v) { return ex_num(v); }

// 64×64 output tiles of a GEMM of M rows and N columns: the blocks whose waves over the SMs the
// kernel model counts (kernels split small problems that finely; large ones fill the waves anyway).
double gemm_tiles(double m, double n) { return std::ceil(m / 64) * std::ceil(n / 64); }

// The bytes of an operator that the explanation lists as values (their formulas are the ones of
// docs/cost-model.md §4 for the op kind) and the op's totals.
void note_bytes(Explainer* ex, const std::string& op, const OpCost& c) {
  if (!ex) return;
  note(ex, op + ": HBM bytes", "weights + activations + KV read + KV write", c.hbm_bytes(), "B", "{} + {} + {} + {}", N(c.weight_bytes),
       N(c.act_bytes), N(c.kv_read_bytes), N(c.kv_write_bytes));
}

void note_weights(Explainer* ex, const std::string& op, double params, double bytes) {
  if (ex && params > 0)
    note(ex, op + ": weight bytes", "params·bits(class)/8 (scales included)", bytes, "B", "{} × {}", N(params), N(bytes / params));
}

}  // namespace

int dequant_bits(const ModelConfig& m, const Design& d, const GpuSpec& gpu) {
  const bool fp8_units = gpu.peak_flops[static_cast<size_t>(Dtype::fp8)] > 0;
  if (!d.weights_as_checkpoint || !m.weights.quantized()) {
    switch (d.weight_dtype) {
      case Dtype::int8: return 8;
      case Dtype::int4: return 4;
      case Dtype::fp8: return fp8_units ? 0 : 8;
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

namespace {

// Context parallelism over `cp` GPUs (Ring Attention, Liu et al. 2023; Meta's context-parallel
// inference, 2024): in a prefill each GPU holds n/cp of the prompt — the GEMMs and the causal pairs
// split evenly (load-balanced "zigzag" chunks) and every GPU's K/V block travels once around the
// ring, overlapped with the attention of the block before (the roofline's max: when the transfer
// is longer it shows as network-bound). In a decode step each GPU attends its shard of the cache
// and the partial outputs (values and log-sum-exp, fp32) are all-gathered.
void apply_context_parallel(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu, bool is_decode, OpList& out, Explainer* ex) {
  const double cp = D(d.cp);
  const Link link = link_for(gpu, d.tp * d.cp);
  const Shape base = shape_of(m, d, d.tp);
  for (int i = 0; i < out.count; ++i) {
    OpCost& op = out.ops[static_cast<size_t>(i)];
    const bool attention = op.kind == OpKind::attention || op.kind == OpKind::indexer;
    if (is_decode) {
      if (!attention) continue;  // the new token's projections run on every rank
      op.pairs /= cp, op.matmul_flops /= cp, op.executed_matmul_flops /= cp, op.other_flops /= cp, op.kv_read_bytes /= cp;
      if (op.kind == OpKind::attention) {
        const double partial = static_cast<double>(w.batch) * std::max<double>(1, static_cast<double>(w.step_tokens)) * base.q_heads * (base.dec_d_v + 1) * 4;
        const CommCost c = collective_cost(Collective::all_gather, partial * cp, d.cp, link);
        op.comm_bytes += c.bytes_sent, op.link_Bps = link.one_way_Bps, op.over_network = !link.scale_up, op.comm_latency_s += c.steps * link.latency_s;
        op.comm_after = true;  // the partial outputs exist only once the local attention is done
      }
      continue;
    }
    if (op.kind == OpKind::lm_head) continue;  // the last position lives on one rank
    // K/V of this rank's n/cp tokens, passed to the cp − 1 others (what the whole prefill writes / cp).
    const double kv_block = attention ? op.kv_write_bytes / cp : 0;
    op.pairs /= cp, op.matmul_flops /= cp, op.executed_matmul_flops /= cp, op.other_flops /= cp, op.act_bytes /= cp;
    op.kv_write_bytes /= cp, op.comm_bytes /= cp, op.work_units /= cp;
    if (op.kind == OpKind::attention && kv_block > 0) {
      const CommCost c = collective_cost(Collective::all_gather, kv_block * cp, d.cp, link);
      op.comm_bytes += c.bytes_sent, op.link_Bps = link.one_way_Bps, op.over_network = !link.scale_up, op.comm_latency_s += c.steps * link.latency_s;
      note(ex, "attention (CP ring): K/V bytes passed per GPU", "(CP − 1)·B·(n/CP)·kv_bytes", c.bytes_sent, "B", "({} - 1) × {}", N(cp), N(kv_block));
    }
  }
}

}  // namespace

void build_ops(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu, bool is_decode,
               const std::array<AttnStack::Use, kMaxDistinctPatterns>& uses, int use_count, OpList& out, Explainer* ex) {
  out.count = 0;
  const int dequant = dequant_bits(m, d, gpu);
  const Shape base = shape_of(m, d, d.tp);
  const double ab = bytes_of(d.act_dtype);
  const double n = static_cast<double>(w.ctx), batch = static_cast<double>(w.batch);
  // A prefill may start after `prefix` cached tokens (a later chunk of a chunked prefill, or a
  // prompt whose shared prefix is cached); a decode step may carry q query tokens per sequence
  // (speculative decoding's verify step).
  const uint64_t prefix = is_decode ? 0 : std::min(w.prefix, w.ctx);
  const double n_new = n - static_cast<double>(prefix);
  const double q = is_decode ? static_cast<double>(std::max<uint64_t>(1, w.step_tokens)) : 1;
  const bool resumed = prefix > 0;  // recurrent layers read the prefix's state
  const double tokens = is_decode ? batch * q : batch * n_new;  // tokens through the GEMMs
  const double h = base.hidden;
  const bool naive = d.kernel == Kernel::naive;
  if (is_decode && q == 1) note(ex, "tokens through the GEMMs", "B", tokens, "tokens", "{}", N(batch));
  else if (is_decode) note(ex, "tokens through the GEMMs", "B·q", tokens, "tokens", "{} × {}", N(batch), N(q));
  else if (!resumed) note(ex, "tokens through the GEMMs", "B·n", tokens, "tokens", "{} × {}", N(batch), N(n));
  else note(ex, "tokens through the GEMMs (after a cached prefix)", "B·(n − prefix)", tokens, "tokens", "{} × {}", N(batch), N(n_new));

  for (int u = 0; u < use_count; ++u) {
    const Pattern& p = uses[static_cast<size_t>(u)].pattern;
    const double layers = static_cast<double>(uses[static_cast<size_t>(u)].layers);
    if (layers == 0 || p.kind == PatternKind::none) continue;
    const Shape s = layer_shape(m, d, p, d.tp);
    const double hq = s.q_heads;
    const std::string tag = fmt::format("[{}]", pattern_text(p));

    if (p.kind == PatternKind::shortconv) {  // LFM2's gated short convolution (estimators/shortconv_ops.h)
      add_shortconv_ops(m, d, p, u, layers, MixerStep{tokens, batch, is_decode, resumed}, out, ex);
      continue;
    }

    if (p.kind == PatternKind::ssm) {
      const double d_in = ssm_inner(m, s), state_n = static_cast<double>(p.state), dt = D(m.dt_rank());
      OpCost& proj = out.add(OpKind::ssm_proj);
      proj.pattern = u, proj.layers = layers, proj.kernels = 3, proj.matmul_dtype = d.act_dtype;
      const double gemm_params = ssm_gemm_params(p, m, s);
      proj.matmul_flops = 2 * tokens * gemm_params;
      note(ex, "ssm_proj " + tag + ": GEMM params", "2·h·d_in + d_in·(dt + 2N) + dt·d_in + d_in·h", gemm_params, "params",
           "2 × {0} × {1} + {1} × ({2} + 2 × {3}) + {2} × {1} + {1} × {0}", N(h), N(d_in), N(dt), N(state_n));
      note(ex, "ssm_proj " + tag + ": matmul FLOPs", "2·tokens·params", proj.matmul_flops, "FLOP", "2 × {} × {}", N(tokens), N(gemm_params));
      proj.weight_bytes = weight_bytes(mixer_params(p, m, s), WeightClass::mixer, m, d);
      proj.weight_params = mixer_params(p, m, s);
      proj.work_units = gemm_tiles(tokens, gemm_params / h);
      note_weights(ex, "ssm_proj " + tag, mixer_params(p, m, s), proj.weight_bytes);
      proj.act_bytes = tokens * (2 * h + 4 * d_in + dt + 2 * state_n) * ab;
      note(ex, "ssm_proj " + tag + ": activation bytes", "tokens·(2h + 4·d_in + dt + 2N)·bytes(act)", proj.act_bytes, "B",
           "{} × (2 × {} + 4 × {} + {} + 2 × {}) × {}", N(tokens), N(h), N(d_in), N(dt), N(state_n), N(ab));
      note_bytes(ex, "ssm_proj " + tag, proj);
      OpCost& scan = out.add(OpKind::ssm_scan);
      scan.pattern = u, scan.layers = layers, scan.kernels = 2, scan.matmul_dtype = d.act_dtype;
      scan.efficiency = EfficiencyClass::scan;
      // Per token and channel: discretize (exp, mul), B·x, state update, C·h (≈9 per state
      // element), the causal conv (2 per tap) and gating/skip (6).
      scan.other_flops = tokens * d_in * (9 * state_n + 2 * D(m.ssm_conv) + 6);
      note(ex, "ssm_scan " + tag + ": other FLOPs", "tokens·d_in·(9N + 2·conv + 6)", scan.other_flops, "FLOP", "{} × {} × (9 × {} + 2 × {} + 6)",
           N(tokens), N(d_in), N(state_n), N(D(m.ssm_conv)));
      scan.act_bytes = tokens * (5 * d_in + 2 * state_n) * ab;
      const double state = state_bytes_per_layer(p, m, s, d);
      scan.kv_read_bytes = is_decode || resumed ? batch * state : 0;
      scan.kv_write_bytes = batch * state;
      note(ex, "ssm_scan " + tag + ": state written", "B·state", scan.kv_write_bytes, "B", "{} × {}", N(batch), N(state));
      note_bytes(ex, "ssm_scan " + tag, scan);
      continue;
    }

    if (p.kind == PatternKind::mamba2) {
      const Mamba2 x = mamba2_of(p, m, s);
      OpCost& proj = out.add(OpKind::ssm_proj);
      proj.pattern = u, proj.layers = layers, proj.kernels = 2, proj.matmul_dtype = d.act_dtype;
      const double gemm_params = mamba2_gemm_params(x, s);
      proj.matmul_flops = 2 * tokens * gemm_params;
      note(ex, "mamba2 proj " + tag + ": GEMM params", "h·(2·d_in + 2·G·N + heads) + d_in·h", gemm_params, "params",
           "{0} × (2 × {1} + 2 × {2} × {3} + {4}) + {1} × {0}", N(h), N(x.inner), N(x.groups), N(x.state), N(x.heads));
      note(ex, "mamba2 proj " + tag + ": matmul FLOPs", "2·tokens·params", proj.matmul_flops, "FLOP", "2 × {} × {}", N(tokens), N(gemm_params));
      proj.weight_bytes = weight_bytes(mixer_params(p, m, s), WeightClass::mixer, m, d);
      proj.weight_params = mixer_params(p, m, s);
      proj.work_units = gemm_tiles(tokens, gemm_params / h);
      note_weights(ex, "mamba2 proj " + tag, mixer_params(p, m, s), proj.weight_bytes);
      proj.act_bytes = tokens * (2 * h + 2 * x.inner + 2 * x.groups * x.state + x.heads + x.inner) * ab;
      note_bytes(ex, "mamba2 proj " + tag, proj);
      OpCost& scan = out.add(OpKind::ssm_scan);
      scan.pattern = u, scan.layers = layers, scan.kernels = 2, scan.matmul_dtype = d.act_dtype;
      scan.efficiency = EfficiencyClass::scan;
      // Per token: the state update h = a·h + x·Bᵀ and readout y = h·C (5 per state element), the
      // causal conv over x, B, C (2 per tap) and the gated norm and skip (6 per channel).
      scan.other_flops = tokens * (5 * x.inner * x.state + 2 * x.conv * (x.inner + 2 * x.groups * x.state) + 6 * x.inner);
      note(ex, "mamba2 scan " + tag + ": other FLOPs", "tokens·(5·d_in·N + 2·conv·(d_in + 2·G·N) + 6·d_in)", scan.other_flops, "FLOP",
           "{} × (5 × {} × {} + 2 × {} × ({} + 2 × {} × {}) + 6 × {})", N(tokens), N(x.inner), N(x.state), N(x.conv), N(x.inner), N(x.groups),
           N(x.state), N(x.inner));
      scan.act_bytes = tokens * (2 * (x.inner + 2 * x.groups * x.state) + 2 * x.inner) * ab;
      const double state = state_bytes_per_layer(p, m, s, d);
      scan.kv_read_bytes = is_decode || resumed ? batch * state : 0;
      const double writes = is_decode ? 1 : std::ceil(n_new / kLinearPrefillChunk);  // chunked scan: one state per chunk
      scan.kv_write_bytes = batch * state * writes;
      note(ex, "mamba2 scan " + tag + ": state bytes written", is_decode ? "B·state" : "B·state·⌈n / chunk⌉", scan.kv_write_bytes, "B",
           "{} × {} × {}", N(batch), N(state), N(writes));
      note_bytes(ex, "mamba2 scan " + tag, scan);
      continue;
    }

    if (p.kind == PatternKind::deltanet) {
      const DeltaNet x = deltanet_of(m, s);
      OpCost& proj = out.add(OpKind::ssm_proj);
      proj.pattern = u, proj.layers = layers, proj.kernels = 3, proj.matmul_dtype = d.act_dtype;
      const double gemm_params = deltanet_gemm_params(x, s);
      proj.matmul_flops = 2 * tokens * gemm_params;
      note(ex, "deltanet proj " + tag + ": GEMM params", "h·(2·H_k·d_k + 2·H_v·d_v) + h·2·H_v + H_v·d_v·h", gemm_params, "params",
           "{0} × (2 × {1} × {2} + 2 × {3} × {4}) + {0} × 2 × {3} + {3} × {4} × {0}", N(h), N(x.key_heads), N(x.key_dim), N(x.value_heads),
           N(x.value_dim));
      note(ex, "deltanet proj " + tag + ": matmul FLOPs", "2·tokens·params", proj.matmul_flops, "FLOP", "2 × {} × {}", N(tokens), N(gemm_params));
      proj.weight_bytes = weight_bytes(mixer_params(p, m, s), WeightClass::mixer, m, d);
      proj.weight_params = mixer_params(p, m, s);
      proj.work_units = gemm_tiles(tokens, gemm_params / h);
      note_weights(ex, "deltanet proj " + tag, mixer_params(p, m, s), proj.weight_bytes);
      proj.act_bytes = tokens * (2 * h + deltanet_channels(x) + 2 * x.value_heads * x.value_dim + 2 * x.value_heads) * ab;
      note_bytes(ex, "deltanet proj " + tag, proj);
      OpCost& op = out.add(OpKind::linear_attn);
      op.pattern = u, op.layers = layers, op.kernels = 2, op.matmul_dtype = d.act_dtype;
      op.efficiency = EfficiencyClass::linear_attention;
      // Delta rule per value head and token: S·k, the rank-1 update (v − S·k)·kᵀ and the readout
      // S·q, each 2·d_k·d_v; the decay αS and the gates are elementwise.
      const double dkdv = x.key_dim * x.value_dim;
      op.matmul_flops = tokens * x.value_heads * 6 * dkdv;
      note(ex, "deltanet " + tag + ": matmul FLOPs", "tokens·H_v·6·d_k·d_v", op.matmul_flops, "FLOP", "{} × {} × 6 × {} × {}", N(tokens),
           N(x.value_heads), N(x.key_dim), N(x.value_dim));
      op.other_flops = tokens * (x.value_heads * (dkdv + 8 * x.value_dim) + 2 * x.conv * deltanet_channels(x));
      op.act_bytes = tokens * (deltanet_channels(x) + 2 * x.value_heads * x.value_dim) * ab;
      const double state = state_bytes_per_layer(p, m, s, d);
      op.kv_read_bytes = is_decode || resumed ? batch * state : 0;
      const double writes = is_decode ? 1 : std::ceil(n_new / kLinearPrefillChunk);
      op.kv_write_bytes = batch * state * writes;
      note(ex, "deltanet " + tag + ": state bytes written", is_decode ? "B·state" : "B·state·⌈n / chunk⌉", op.kv_write_bytes, "B", "{} × {} × {}",
           N(batch), N(state), N(writes));
      note_bytes(ex, "deltanet " + tag, op);
      continue;
    }

    OpCost& proj = out.add(OpKind::attn_proj);
    proj.pattern = u, proj.layers = layers, proj.kernels = s.mla ? 3 : 2, proj.matmul_dtype = d.act_dtype;
    const double params = mixer_params(p, m, s);
    proj.matmul_flops = 2 * tokens * params;
    if (p.kind == PatternKind::lightning)
      note(ex, "attn_proj " + tag + ": params", "4·h·H_q·d + H_q·d·h + H_q·d (q, k, v, output gate; out; norm)", params, "params",
           "4 × {0} × {1} × {2} + {1} × {2} × {0} + {1} × {2}", N(h), N(hq), N(s.d_k));
    else if (!s.mla && p.kind != PatternKind::topk)
      note(ex, "attn_proj " + tag + ": params", "h·H_q·d_k·(1 + gate) + h·H_kv·(d_k + d_v) + H_q·d_v·h", params, "params",
           "{0} × {1} × {2} × {5} + {0} × {3} × ({2} + {4}) + {1} × {6} × {0}", N(h), N(hq), N(s.d_k), N(s.kv_heads), N(s.k_eq_v ? 0 : s.d_v),
           N(s.output_gate ? 2 : 1), N(s.d_v));
    note(ex, "attn_proj " + tag + ": matmul FLOPs", "2·tokens·params", proj.matmul_flops, "FLOP", "2 × {} × {}", N(tokens), N(params));
    proj.weight_bytes = weight_bytes(params, WeightClass::attention, m, d);
    proj.weight_params = params;
    proj.work_units = gemm_tiles(tokens, params / h);
    note_weights(ex, "attn_proj " + tag, params, proj.weight_bytes);
    proj.act_bytes = tokens * (2 * h + 2 * hq * s.d_k + 2 * hq * s.d_v) * ab;
    note(ex, "attn_proj " + tag + ": activation bytes", "tokens·(2h + 2·H_q·d_k + 2·H_q·d_v)·bytes(act)", proj.act_bytes, "B",
         "{} × (2 × {} + 2 × {} × {} + 2 × {} × {}) × {}", N(tokens), N(h), N(hq), N(s.d_k), N(hq), N(s.d_v), N(ab));
    note_bytes(ex, "attn_proj " + tag, proj);

    if (p.kind == PatternKind::linear || p.kind == PatternKind::lightning) {
      const double f = linear_features(p, s), sh = state_heads(s);
      OpCost& op = out.add(OpKind::linear_attn);
      op.pattern = u, op.layers = layers, op.kernels = 1, op.matmul_dtype = d.act_dtype;
      op.efficiency = EfficiencyClass::linear_attention;
      op.matmul_flops = tokens * (2 * f * s.d_v * sh + 2 * f * s.d_v * hq);  // S += φ(k)vᵀ ; o = φ(q)ᵀS
      note(ex, "linear_attn " + tag + ": matmul FLOPs", "tokens·(2·F·d_v·H_state + 2·F·d_v·H_q)", op.matmul_flops, "FLOP",
           "{} × (2 × {} × {} × {} + 2 × {} × {} × {})", N(tokens), N(f), N(s.d_v), N(sh), N(f), N(s.d_v), N(hq));
      op.other_flops = tokens * (hq * (4 * f + s.d_v) + sh * 3 * f + (f != s.d_k ? 2 * s.d_k * f * (hq + sh) : 0));
      op.act_bytes = tokens * (hq * s.d_k + sh * (s.d_k + s.d_v) + hq * s.d_v) * ab;
      const double state = state_bytes_per_layer(p, m, s, d);
      op.kv_read_bytes = is_decode || resumed ? batch * state : 0;
      const double writes = is_decode ? 1 : std::ceil(n_new / kLinearPrefillChunk);
      op.kv_write_bytes = batch * state * writes;
      note(ex, "linear_attn " + tag + ": state bytes written", is_decode ? "B·state" : "B·state·⌈n / chunk⌉", op.kv_write_bytes, "B",
           "{} × {} × {}", N(batch), N(state), N(writes));
      note_bytes(ex, "linear_attn " + tag, op);
      continue;
    }

    OpCost& op = out.add(OpKind::attention);
    op.pattern = u, op.layers = layers, op.kernels = naive ? 3 : 1, op.matmul_dtype = d.act_dtype;
    op.efficiency = naive ? EfficiencyClass::attention_naive : is_decode ? EfficiencyClass::attention_decode : EfficiencyClass::attention_prefill;
    const double kvb = kv_bytes_per_token_layer(s, d);
    const std::string a = "attention " + tag;
    op.decode = is_decode;
    op.head_dim = is_decode ? s.dec_d_k : s.d_k;
    if (is_decode) {
      // q queries per sequence at positions n−1 … n+q−2; the KV the furthest one needs is read once.
      double keys = 0;
      for (uint64_t j = 0; j < static_cast<uint64_t>(q); ++j) keys += static_cast<double>(decode_pairs(p, w.ctx + j));
      const double read_keys = static_cast<double>(decode_pairs(p, w.ctx + static_cast<uint64_t>(q) - 1));
      const double dk = s.dec_d_k, dv = s.dec_d_v;
      op.pairs = batch * keys * hq;
      if (q == 1) note(ex, a + ": pairs", "B·pairs(n−1)·H_q", op.pairs, "pairs", "{} × {} × {}", N(batch), N(keys), N(hq));
      else note(ex, a + ": pairs", "B·Σ_{j<q} pairs(n−1+j)·H_q", op.pairs, "pairs", "{} × {} × {}", N(batch), N(keys), N(hq));
      op.matmul_flops = 2 * op.pairs * (dk + dv);
      note(ex, a + ": matmul FLOPs", "2·pairs·(d_k + d_v)", op.matmul_flops, "FLOP", "2 × {} × ({} + {})", N(op.pairs), N(dk), N(dv));
      op.other_flops = kSoftmaxOpsPerPair * op.pairs + tokens * hq * dv;
      note(ex, a + ": other FLOPs (softmax, scale)", "5·pairs + B·q·H_q·d_v", op.other_flops, "FLOP", "5 × {} + {} × {} × {}", N(op.pairs), N(tokens),
           N(hq), N(dv));
      // A flash-decoding kernel loads each KV head once for its whole query group; a repeat-KV
      // (naive) kernel loads it once per query head.
      const double repeat = naive ? hq / s.kv_heads : 1;
      op.kv_read_bytes = batch * read_keys * kvb * repeat;
      note(ex, a + ": KV read bytes", naive ? "B·pairs(n+q−2)·kv_bytes·(H_q / H_kv)" : "B·pairs(n+q−2)·kv_bytes", op.kv_read_bytes, "B",
           "{} × {} × {} × {}", N(batch), N(read_keys), N(kvb), N(repeat));
      op.kv_write_bytes = tokens * kvb;  // the new tokens' K/V
      note(ex, a + ": KV write bytes (the new tokens)", "B·q·kv_bytes", op.kv_write_bytes, "B", "{} × {}", N(tokens), N(kvb));
      op.act_bytes = tokens * hq * (dk + dv) * ab;
      op.executed_matmul_flops = op.matmul_flops;
      const double seen = n + q - 1;  // positions the last query can see
      if (naive) {  // eager attention scores every cached position and masks afterwards
        op.executed_matmul_flops = 2 * tokens * hq * seen * (dk + dv);
        op.act_bytes += 4 * tokens * hq * seen * ab;
        note(ex, a + ": executed matmul FLOPs (every cached key scored)", "2·B·q·H_q·(n+q−1)·(d_k + d_v)", op.executed_matmul_flops, "FLOP",
             "2 × {} × {} × {} × ({} + {})", N(tokens), N(hq), N(seen), N(dk), N(dv));
      }
      if (naive)
        note(ex, a + ": activation bytes", "B·q·H_q·(d_k + d_v)·bytes(act) + 4·B·q·H_q·(n+q−1)·bytes(act)", op.act_bytes, "B",
             "{0} × {1} × ({2} + {3}) × {4} + 4 × {0} × {1} × {5} × {4}", N(tokens), N(hq), N(dk), N(dv), N(ab), N(seen));
      else
        note(ex, a + ": activation bytes", "B·q·H_q·(d_k + d_v)·bytes(act)", op.act_bytes, "B", "{} × {} × ({} + {}) × {}", N(tokens), N(hq), N(dk),
             N(dv), N(ab));
    } else {
      const double dk = s.d_k, dv = s.d_v;
      const double pairs_per_head = resumed ? to_double(prefill_pairs(p, w.ctx) - prefill_pairs(p, prefix)) : to_double(prefill_pairs(p, w.ctx));
      op.pairs = batch * pairs_per_head * hq;
      op.keys_per_query = n_new > 0 ? pairs_per_head / n_new : 0;
      op.work_units = batch * hq * n_new / static_cast<double>(flash_tile_rows(d));  // continuous: times stay monotone in n
      if (!resumed) note(ex, a + ": pairs", "B·Σ_{i<n} pairs(i)·H_q", op.pairs, "pairs", "{} × {} × {}", N(batch), N(pairs_per_head), N(hq));
      else note(ex, a + ": pairs", "B·Σ_{prefix≤i<n} pairs(i)·H_q", op.pairs, "pairs", "{} × {} × {}", N(batch), N(pairs_per_head), N(hq));
      op.matmul_flops = 2 * op.pairs * (dk + dv);
      note(ex, a + ": matmul FLOPs", "2·pairs·(d_k + d_v)", op.matmul_flops, "FLOP", "2 × {} × ({} + {})", N(op.pairs), N(dk), N(dv));
      op.other_flops = kSoftmaxOpsPerPair * op.pairs + tokens * hq * dv;
      note(ex, a + ": other FLOPs (softmax, scale)", "5·pairs + tokens·H_q·d_v", op.other_flops, "FLOP", "5 × {} + {} × {} × {}", N(op.pairs),
           N(tokens), N(hq), N(dv));
      op.act_bytes = tokens * hq * (dk + dv) * ab;  // Q in, O out
      const double cached = std::min(n_new, static_cast<double>(cached_tokens(p, w.ctx)));
      op.kv_write_bytes = batch * cached * kvb;
      note(ex, a + ": KV write bytes", resumed ? "B·min(n − prefix, cached(n))·kv_bytes" : "B·cached(n)·kv_bytes", op.kv_write_bytes, "B",
           "{} × {} × {}", N(batch), N(cached), N(kvb));
      if (naive) {
        // QKᵀ and PV through GEMMs over the full n×n square; S and P written and read once each.
        // After a cached prefix the new rows score every earlier position: (n − prefix)×n.
        const double scores = resumed ? naive_score_matrix_bytes(s, d, w.ctx) * (n_new / n) : naive_score_matrix_bytes(s, d, w.ctx);
        op.act_bytes += batch * n * hq * (dk + dv) * ab + 4 * batch * scores;
        note(ex, a + ": activation bytes (Q, O, K/V per head, S and P twice)", "tokens·H_q·(d_k + d_v)·b + B·n·H_q·(d_k + d_v)·b + 4·B·H_q·n²·b",
             op.act_bytes, "B", "{0} × {1} × ({2} + {3}) × {4} + {5} × {6} × {1} × ({2} + {3}) × {4} + 4 × {5} × {7}", N(tokens), N(hq), N(dk), N(dv),
             N(ab), N(batch), N(n), N(scores));
        op.executed_matmul_flops = 2 * batch * hq * n_new * n * (dk + dv);
        note(ex, a + ": executed matmul FLOPs (the full n×n square)", "2·B·H_q·n²·(d_k + d_v)", op.executed_matmul_flops, "FLOP",
             "2 × {} × {} × {} × {} × ({} + {})", N(batch), N(hq), N(n), N(n), N(dk), N(dv));
      } else {
        // K/V tiles are re-loaded for every query tile that needs them; MLA prefill attends
        // over per-head decompressed K/V, so nothing is shared across heads there.
        const double units = s.mla ? hq : s.kv_heads;
        const double head_kv = (dk + (s.k_eq_v ? 0 : dv)) * ab;
        const uint64_t rows = flash_tile_rows(d);
        const double reuse = flash_l2_reuse(n_new, head_kv, rows, gpu);
        // After a cached prefix the tiles of the new rows load what the same tiles of a whole
        // prefill would (exact when the prefix is a whole number of tiles).
        const double tile_reads = resumed ? to_double(flash_key_reads(p, w.ctx, rows) - flash_key_reads(p, prefix, rows))
                                          : to_double(flash_key_reads(p, w.ctx, rows));
        // Every key is attended at least by its own query, so each K/V is loaded at least once.
        const double loads = std::max(n_new, tile_reads / reuse);
        note(ex, a + ": K/V rows loaded per head", "max(n, Σ_tiles keys(tile) / L2 reuse)", loads, "rows", "max({}, {} / {})", N(n_new), N(tile_reads),
             N(reuse));
        const double q_o = op.act_bytes;
        op.act_bytes += batch * loads * units * head_kv;
        note(ex, a + ": activation bytes (Q, O, K/V tiles)", "tokens·H_q·(d_k + d_v)·b + B·loads·heads·(d_k + d_v)·b", op.act_bytes, "B",
             "{} + {} × {} × {} × {}", N(q_o), N(batch), N(loads), N(units), N(head_kv));
        op.executed_matmul_flops = op.matmul_flops;
      }
    }
    note_bytes(ex, a, op);

    if (p.kind == PatternKind::topk) {
      // The lightning indexer scores every earlier key for every query (Σ_h w_h·ReLU(q_h·k)), in
      // fp8, then the top k keys enter the attention above.
      const double hi = D(m.indexer_heads), di = D(m.indexer_head_dim), ib = indexer_bytes_per_token(m);
      const double dense_pairs = is_decode ? q * n + q * (q - 1) / 2
                                 : resumed ? to_double(prefill_pairs(Pattern{}, w.ctx) - prefill_pairs(Pattern{}, prefix))
                                           : to_double(prefill_pairs(Pattern{}, w.ctx));
      OpCost& ix = out.add(OpKind::indexer);
      ix.pattern = u, ix.layers = layers, ix.kernels = 2, ix.matmul_dtype = Dtype::fp8;
      ix.decode = is_decode;
      ix.efficiency = is_decode ? EfficiencyClass::attention_decode : EfficiencyClass::attention_prefill;
      ix.pairs = 0;  // scoring, not attention: reported apart from the attention pairs
      ix.matmul_flops = 2 * batch * dense_pairs * hi * di;
      note(ex, "indexer " + tag + ": scoring FLOPs", "2·B·Σ(i + 1)·H_I·d_I", ix.matmul_flops, "FLOP", "2 × {} × {} × {} × {}", N(batch), N(dense_pairs),
           N(hi), N(di));
      ix.other_flops = 3 * batch * dense_pairs * hi;  // ReLU, head weight, sum
      ix.kv_write_bytes = tokens * ib;
      if (is_decode) {
        ix.kv_read_bytes = batch * (n + q - 1) * ib;
        note(ex, "indexer " + tag + ": index keys read", "B·(n + q − 1)·(d_I + 4)", ix.kv_read_bytes, "B", "{} × {} × {}", N(batch), N(n + q - 1), N(ib));
      } else {
        const uint64_t rows = flash_tile_rows(d);
        const u128 reads = resumed ? flash_key_reads(Pattern{}, w.ctx, rows) - flash_key_reads(Pattern{}, prefix, rows) : flash_key_reads(Pattern{}, w.ctx, rows);
        const double loads = std::max(n_new, to_double(reads) / flash_l2_reuse(n_new, ib, rows, gpu));
        ix.act_bytes = batch * loads * ib;
      }
      ix.act_bytes += tokens * hi * di * ab;
      note_bytes(ex, "indexer " + tag, ix);
    }
  }

  // Feed-forward blocks: dense MLPs (per width), MoE blocks, or none, as the model places them.
  const double mats = m.gated_mlp ? 3.0 : 2.0;
  for (const FfnStack::Use& f : m.ffn_layers.uses(static_cast<uint64_t>(m.layers))) {
    const double layers = static_cast<double>(f.layers);
    if (f.layer.kind == FfnKind::none || layers == 0) continue;
    if (f.layer.kind == FfnKind::dense) {
      const double width = D(f.layer.width > 0 ? f.layer.width : m.ffn);
      OpCost& mlp = out.add(OpKind::mlp);
      mlp.layers = layers, mlp.kernels = 2, mlp.matmul_dtype = d.act_dtype;
      const double params = dense_mlp_params(m, base, f.layer.width);
      note(ex, "mlp: params", "matrices·h·ffn / TP", params, "params", "{} × {} × {} / {}", N(mats), N(h), N(width), N(base.tp));
      mlp.matmul_flops = 2 * tokens * params;
      note(ex, "mlp: matmul FLOPs", "2·tokens·params", mlp.matmul_flops, "FLOP", "2 × {} × {}", N(tokens), N(params));
      mlp.weight_bytes = weight_bytes(params, WeightClass::mlp, m, d);
      mlp.weight_params = params;
      mlp.work_units = gemm_tiles(tokens, params / h);
      note_weights(ex, "mlp", params, mlp.weight_bytes);
      mlp.act_bytes = tokens * (2 * h + mats * width / base.tp) * ab;
      note(ex, "mlp: activation bytes", "tokens·(2h + matrices·ffn / TP)·bytes(act)", mlp.act_bytes, "B", "{} × (2 × {} + {} × {} / {}) × {}", N(tokens),
           N(h), N(mats), N(width), N(base.tp), N(ab));
      note_bytes(ex, "mlp", mlp);
      continue;
    }
    if (d.ep > 1) {
      // Expert parallelism: E/ep whole experts per GPU; every token's k copies are sent to the GPUs
      // holding their experts (all-to-all dispatch) and the results sent back (combine). Uniform
      // routing: each GPU receives tokens·k/ep; the busiest GPU of a real router takes more.
      const double experts = D(m.experts), k = D(m.experts_active), shared = D(m.shared_experts), ep = D(d.ep);
      const double local = experts / ep, routed = tokens * k / ep;
      const double full_expert = mats * h * D(m.expert_ffn);
      const double shared_width = D(m.shared_expert_ffn > 0 ? m.shared_expert_ffn : m.expert_ffn);
      const double shared_params = mats * h * shared_width / base.tp;
      const double router = moe_router_params(m, base);
      OpCost& moe = out.add(OpKind::moe);
      moe.layers = layers, moe.kernels = 3, moe.matmul_dtype = d.act_dtype;
      moe.matmul_flops = 2 * (routed * full_expert + tokens * (shared * shared_params + router));
      note(ex, "moe (EP): matmul FLOPs", "2·(tokens·k/EP·expert_params + tokens·(shared·shared_params + h·experts))", moe.matmul_flops, "FLOP",
           "2 × ({} × {} / {} × {} + {} × ({} × {} + {}))", N(tokens), N(k), N(ep), N(full_expert), N(tokens), N(shared), N(shared_params), N(router));
      const double touched = local * (1 - std::pow(1 - k / experts, tokens));
      note(ex, "moe (EP): local experts touched (uniform routing)", "E/EP·(1 − (1 − k/E)^tokens)", touched, "experts", "{} / {} × (1 - (1 - {} / {}) ^ {})",
           N(experts), N(ep), N(k), N(experts), N(tokens));
      moe.weight_bytes = weight_bytes(touched * full_expert + shared * shared_params, WeightClass::expert, m, d) + weight_bytes(router, WeightClass::router, m, d);
      moe.weight_params = touched * full_expert + shared * shared_params + router;
      moe.work_units = touched * gemm_tiles(routed / std::max(1.0, touched), full_expert / h) + shared * gemm_tiles(tokens, shared_params / h);
      moe.act_bytes = (routed * (2 * h + mats * D(m.expert_ffn)) + tokens * shared * mats * shared_width / base.tp) * ab;
      note_bytes(ex, "moe (EP)", moe);
      OpCost& a2a = out.add(OpKind::all_to_all);
      a2a.layers = layers, a2a.kernels = 2, a2a.matmul_dtype = d.act_dtype;
      a2a.efficiency = EfficiencyClass::network;
      const Link link = link_for(gpu, d.ep);
      // Each GPU dispatches its 1/EP share of the tokens' k copies and receives as much back.
      const CommCost c = collective_cost(Collective::all_to_all, tokens / ep * k * h * ab, d.ep, link);
      a2a.comm_bytes = 2 * c.bytes_sent, a2a.link_Bps = link.one_way_Bps, a2a.over_network = !link.scale_up, a2a.comm_latency_s = 2 * c.steps * link.latency_s;
      note(ex, "all_to_all (EP): bytes sent per GPU, dispatch and combine", "2·(EP − 1)/EP·(tokens/EP)·k·h·bytes(act)", a2a.comm_bytes, "B",
           "2 × ({0} - 1) / {0} × ({1} / {0}) × {2} × {3} × {4}", N(ep), N(tokens), N(k), N(h), N(ab));
      a2a.act_bytes = 4 * tokens / ep * k * h * ab;
      continue;
    }
    OpCost& moe = out.add(OpKind::moe);
    moe.layers = layers, moe.kernels = 3, moe.matmul_dtype = d.act_dtype;
    const double experts = D(m.experts), k = D(m.experts_active), shared = D(m.shared_experts);
    const double expert_params = mats * h * D(m.expert_ffn) / base.tp;
    const double shared_params = mats * h * D(m.shared_expert_ffn > 0 ? m.shared_expert_ffn : m.expert_ffn) / base.tp;
    const double router = moe_router_params(m, base);
    moe.matmul_flops = 2 * tokens * (k * expert_params + shared * shared_params + router);
    note(ex, "moe: matmul FLOPs", "2·tokens·(top-k·expert_params + shared·shared_params + h·experts)", moe.matmul_flops, "FLOP",
         "2 × {} × ({} × {} + {} × {} + {})", N(tokens), N(k), N(expert_params), N(shared), N(shared_params), N(router));
    // Experts some token of the step routes to, under uniform routing: E·(1-(1-k/E)^tokens).
    const double touched = experts * (1 - std::pow(1 - k / experts, tokens));
    note(ex, "moe: experts touched (uniform routing)", "E·(1 − (1 − k/E)^tokens)", touched, "experts", "{} × (1 - (1 - {} / {}) ^ {})", N(experts), N(k),
         N(experts), N(tokens));
    const double expert_bytes = weight_bytes(touched * expert_params + shared * shared_params, WeightClass::expert, m, d);
    const double router_bytes = weight_bytes(router, WeightClass::router, m, d);
    moe.weight_bytes = expert_bytes + router_bytes;
    moe.weight_params = touched * expert_params + shared * shared_params + router;
    // Each touched expert multiplies the tokens routed to it (tokens·k/touched on average).
    moe.work_units = touched * gemm_tiles(tokens * k / std::max(1.0, touched), expert_params / h) + shared * gemm_tiles(tokens, shared_params / h);
    note(ex, "moe: weight bytes", "(touched·expert_params + shared·shared_params)·bits(experts)/8 + router bytes", moe.weight_bytes, "B",
         "({} × {} + {} × {}) × {} + {}", N(touched), N(expert_params), N(shared), N(shared_params),
         N(expert_bytes / std::max(1e-300, touched * expert_params + shared * shared_params)), N(router_bytes));
    moe.act_bytes = tokens * (2 * h + (k * D(m.expert_ffn) + shared * D(m.shared_expert_ffn > 0 ? m.shared_expert_ffn : m.expert_ffn)) * mats / base.tp) * ab;
    note_bytes(ex, "moe", moe);
  }
  // Logits only where a token is sampled: the last position (a verify step: each of its q positions).
  OpCost& head = out.add(OpKind::lm_head);
  head.layers = 1, head.kernels = 1, head.matmul_dtype = d.act_dtype;
  const double vocab = D(m.vocab) / base.tp;
  const double sampled = batch * q;
  head.matmul_flops = 2 * sampled * h * vocab;
  note(ex, "lm_head: matmul FLOPs (the sampled position of each sequence)", "2·B·h·vocab / TP", head.matmul_flops, "FLOP", "2 × {} × {} × {}", N(sampled),
       N(h), N(vocab));
  // A tied LM head reads the embedding matrix (same bytes, the embedding's storage format).
  head.weight_bytes = weight_bytes(h * vocab, m.tied_embeddings ? WeightClass::embedding : WeightClass::lm_head, m, d);
  head.weight_params = h * vocab;
  head.work_units = gemm_tiles(sampled, vocab);
  head.act_bytes = sampled * (h + vocab) * ab;
  note_bytes(ex, "lm_head", head);
  if (d.tp > 1) {  // Megatron-style TP: one all-reduce after each token mixer and each MLP
    OpCost& ar = out.add(OpKind::allreduce);
    ar.layers = 2 * D(m.layers), ar.kernels = 1, ar.matmul_dtype = d.act_dtype;
    ar.efficiency = EfficiencyClass::network;
    ar.comm_bytes = 2 * (base.tp - 1) / base.tp * tokens * h * ab;  // ring all-reduce, per GPU
    // On the link the TP group spans (NVLink inside a domain, the network beyond), 2(TP − 1) steps.
    const Link link = link_for(gpu, d.tp);
    ar.link_Bps = link.one_way_Bps, ar.over_network = !link.scale_up, ar.comm_latency_s = 2 * (base.tp - 1) * link.latency_s;
    // With EP the MoE layers' outputs come back through the all-to-all's combine instead.
    if (d.ep > 1) {
      double moe_layers = 0;
      for (const FfnStack::Use& f : m.ffn_layers.uses(static_cast<uint64_t>(m.layers)))
        if (f.layer.kind == FfnKind::moe) moe_layers += D(f.layers);
      ar.layers -= moe_layers;
    }
    note(ex, "allreduce: bytes sent per GPU (ring)", "2·(TP − 1)/TP·tokens·h·bytes(act)", ar.comm_bytes, "B", "2 × ({} - 1) / {} × {} × {} × {}", N(base.tp),
         N(base.tp), N(tokens), N(h), N(ab));
    ar.act_bytes = 2 * tokens * h * ab;
  }
  for (int i = 0; i < out.count; ++i) {
    OpCost& op = out.ops[static_cast<size_t>(i)];
    if (op.executed_matmul_flops == 0) op.executed_matmul_flops = op.matmul_flops;
    if (op.weight_params > 0) op.weight_dequant_bits = dequant;
  }
  if (d.cp > 1) apply_context_parallel(m, d, w, gpu, is_decode, out, ex);
}

}  // namespace attncost
