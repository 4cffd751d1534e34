#include "estimators/layer_costs.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "estimators/explain.h"
#include "estimators/flash_tiles.h"
#include "estimators/linear_chunk.h"
#include "estimators/pattern_counts.h"

namespace attncost {
namespace {

// Elementwise operations per attended pair outside the matmuls: scale, running max, subtract,
// exp, running sum (the mask is applied by not scoring masked pairs).
constexpr double kSoftmaxOpsPerPair = 5;

double bytes_of(Dtype d) { return dtype_bits(d) / 8.0; }
double weight_bytes(double params, const Design& d) { return storage_bytes(params, 1, d.weight_dtype, kWeightScaleGroup); }

double ssm_inner(const ModelConfig& m, const Shape& s) { return static_cast<double>(m.ssm_expand) * s.hidden / s.tp; }

// GEMM weights of a Mamba mixer (in, x, dt and out projections) on this GPU.
double ssm_gemm_params(const Pattern& p, const ModelConfig& m, const Shape& s) {
  const double d_in = ssm_inner(m, s), dt = static_cast<double>(m.dt_rank()), n = static_cast<double>(p.state);
  return s.hidden * 2 * d_in + d_in * (dt + 2 * n) + dt * d_in + d_in * s.hidden;
}

double linear_features(const Pattern& p, const Shape& s) { return p.features ? static_cast<double>(p.features) : s.d_k; }
// Heads holding a linear-attention state: one per KV head (MLA designs keep one per query head).
double state_heads(const Shape& s) { return s.mla ? s.q_heads : s.kv_heads; }

}  // namespace

Shape shape_of(const ModelConfig& m, const Design& d, int64_t tp) {
  Shape s;
  s.tp = static_cast<double>(tp);
  s.hidden = static_cast<double>(m.hidden);
  s.q_heads = static_cast<double>(m.heads / tp);
  s.d_k = static_cast<double>(m.head_dim);
  s.d_v = static_cast<double>(m.v_head_dim);
  s.dec_d_k = s.d_k;
  s.dec_d_v = s.d_v;
  if (d.sharing == KvSharing::mla) {
    s.mla = true;
    s.mla_rank = static_cast<double>(d.mla_rank);
    s.mla_rope = static_cast<double>(d.mla_rope);
    s.kv_heads = 1;                  // one latent per token, shared by every head ...
    s.kv_replication = s.tp;         // ... so every GPU of the TP group holds all of it
    s.dec_d_k = s.mla_rank + s.mla_rope;  // decode attends in latent space (W_UK absorbed into q)
    s.dec_d_v = s.mla_rank;               // and W_UV applied after the weighted sum
  } else if (d.kv_heads >= tp) {
    s.kv_heads = static_cast<double>(d.kv_heads / tp);
  } else {
    s.kv_heads = 1;
    s.kv_replication = static_cast<double>(tp / d.kv_heads);
  }
  return s;
}

double kv_bytes_per_token_layer(const Shape& s, const Design& d) {
  if (s.mla) return storage_bytes(s.mla_rank + s.mla_rope, 1, d.kv_dtype, d.kv_group);
  return storage_bytes(s.d_k, s.kv_heads, d.kv_dtype, d.kv_group) + storage_bytes(s.d_v, s.kv_heads, d.kv_dtype, d.kv_group);
}

double mha_kv_bytes_per_token_layer(const Shape& s, const Design& d) {
  Shape mha = s;
  mha.mla = false;
  mha.kv_heads = s.q_heads;
  return kv_bytes_per_token_layer(mha, d);
}

double naive_score_matrix_bytes(const Shape& s, const Design& d, uint64_t n) {
  return s.q_heads * static_cast<double>(n) * static_cast<double>(n) * bytes_of(d.act_dtype);
}

double state_bytes_per_layer(const Pattern& p, const ModelConfig& m, const Shape& s, const Design& d) {
  if (p.kind == PatternKind::linear) {
    const double f = linear_features(p, s);
    return storage_bytes(f * s.d_v + f, state_heads(s), d.kv_dtype, d.kv_group);  // S = Σφ(k)vᵀ and z = Σφ(k)
  }
  if (p.kind == PatternKind::ssm) {
    const double d_in = ssm_inner(m, s);
    return storage_bytes(d_in * static_cast<double>(p.state) + d_in * static_cast<double>(m.ssm_conv - 1), 1,
                         d.kv_dtype, d.kv_group);  // h (d_inner × N) and the last conv-1 inputs
  }
  return 0;
}

double mixer_params(const Pattern& p, const ModelConfig& m, const Shape& s) {
  if (p.kind == PatternKind::ssm) {
    const double d_in = ssm_inner(m, s), n = static_cast<double>(p.state);
    return ssm_gemm_params(p, m, s) + d_in * static_cast<double>(m.ssm_conv) + d_in * n + d_in;  // + conv, A, D
  }
  const double h = s.hidden, hq = s.q_heads;
  if (s.mla) {
    const double q = m.q_lora_rank > 0 ? h * static_cast<double>(m.q_lora_rank) + static_cast<double>(m.q_lora_rank) * hq * s.d_k
                                       : h * hq * s.d_k;
    const double nope = s.d_k - s.mla_rope;
    return q + h * (s.mla_rank + s.mla_rope) + s.mla_rank * hq * (nope + s.d_v) + hq * s.d_v * h;
  }
  return h * hq * s.d_k + h * s.kv_heads * (s.d_k + s.d_v) + hq * s.d_v * h;
}

double dense_mlp_params(const ModelConfig& m, const Shape& s) {
  return (m.gated_mlp ? 3.0 : 2.0) * s.hidden * static_cast<double>(m.ffn) / s.tp;
}

double moe_mlp_params(const ModelConfig& m, const Shape& s) {
  const double mats = m.gated_mlp ? 3.0 : 2.0;
  return static_cast<double>(m.experts + m.shared_experts) * mats * s.hidden * static_cast<double>(m.expert_ffn) / s.tp +
         s.hidden * static_cast<double>(m.experts);  // the router is replicated
}

double embedding_params(const ModelConfig& m, const Shape& s) {
  return static_cast<double>(m.vocab) * s.hidden * (m.tied_embeddings ? 1.0 : 2.0) / s.tp;
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

// The bytes of an operator that the explanation lists as values (their formulas are the ones of
// docs/cost-model.md §5 for the op kind) and the op's totals.
void note_bytes(Explainer* ex, const std::string& op, const OpCost& c) {
  if (!ex) return;
  note(ex, op + ": HBM bytes", "weights + activations + KV read + KV write", c.hbm_bytes(), "B", "{} + {} + {} + {}", N(c.weight_bytes),
       N(c.act_bytes), N(c.kv_read_bytes), N(c.kv_write_bytes));
}

}  // namespace

void build_ops(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu, bool is_decode,
               const std::array<AttnStack::Use, kMaxDistinctPatterns>& uses, int use_count, OpList& out, Explainer* ex) {
  out.count = 0;
  const Shape s = shape_of(m, d, d.tp);
  const double ab = bytes_of(d.act_dtype);
  const double n = static_cast<double>(w.ctx), batch = static_cast<double>(w.batch);
  const double tokens = is_decode ? batch : batch * n;  // tokens through the GEMMs
  const double h = s.hidden, hq = s.q_heads;
  const bool naive = d.kernel == Kernel::naive;
  if (is_decode) note(ex, "tokens through the GEMMs", "B", tokens, "tokens", "{}", N(batch));
  else note(ex, "tokens through the GEMMs", "B·n", tokens, "tokens", "{} × {}", N(batch), N(n));

  for (int u = 0; u < use_count; ++u) {
    const Pattern& p = uses[static_cast<size_t>(u)].pattern;
    const double layers = static_cast<double>(uses[static_cast<size_t>(u)].layers);
    if (layers == 0) continue;
    const std::string tag = fmt::format("[{}]", pattern_text(p));

    if (p.kind == PatternKind::ssm) {
      const double d_in = ssm_inner(m, s), state_n = static_cast<double>(p.state), dt = static_cast<double>(m.dt_rank());
      OpCost& proj = out.add(OpKind::ssm_proj);
      proj.pattern = u, proj.layers = layers, proj.kernels = 3, proj.matmul_dtype = d.act_dtype;
      const double gemm_params = ssm_gemm_params(p, m, s);
      proj.matmul_flops = 2 * tokens * gemm_params;
      note(ex, "ssm_proj " + tag + ": GEMM params", "2·h·d_in + d_in·(dt + 2N) + dt·d_in + d_in·h", gemm_params, "params",
           "2 × {0} × {1} + {1} × ({2} + 2 × {3}) + {2} × {1} + {1} × {0}", N(h), N(d_in), N(dt), N(state_n));
      note(ex, "ssm_proj " + tag + ": matmul FLOPs", "2·tokens·params", proj.matmul_flops, "FLOP", "2 × {} × {}", N(tokens), N(gemm_params));
      proj.weight_bytes = weight_bytes(mixer_params(p, m, s), d);
      proj.act_bytes = tokens * (2 * h + 4 * d_in + dt + 2 * state_n) * ab;
      note(ex, "ssm_proj " + tag + ": activation bytes", "tokens·(2h + 4·d_in + dt + 2N)·bytes(act)", proj.act_bytes, "B",
           "{} × (2 × {} + 4 × {} + {} + 2 × {}) × {}", N(tokens), N(h), N(d_in), N(dt), N(state_n), N(ab));
      note_bytes(ex, "ssm_proj " + tag, proj);
      OpCost& scan = out.add(OpKind::ssm_scan);
      scan.pattern = u, scan.layers = layers, scan.kernels = 2, scan.matmul_dtype = d.act_dtype;
      scan.efficiency = EfficiencyClass::scan;
      // Per token and channel: discretize (exp, mul), B·x, state update, C·h (≈9 per state
      // element), the causal conv (2 per tap) and gating/skip (6).
      scan.other_flops = tokens * d_in * (9 * state_n + 2 * static_cast<double>(m.ssm_conv) + 6);
      note(ex, "ssm_scan " + tag + ": other FLOPs", "tokens·d_in·(9N + 2·conv + 6)", scan.other_flops, "FLOP", "{} × {} × (9 × {} + 2 × {} + 6)",
           N(tokens), N(d_in), N(state_n), N(static_cast<double>(m.ssm_conv)));
      scan.act_bytes = tokens * (5 * d_in + 2 * state_n) * ab;
      const double state = state_bytes_per_layer(p, m, s, d);
      scan.kv_read_bytes = is_decode ? batch * state : 0;
      scan.kv_write_bytes = batch * state;
      note(ex, "ssm_scan " + tag + ": state written", "B·state", scan.kv_write_bytes, "B", "{} × {}", N(batch), N(state));
      note_bytes(ex, "ssm_scan " + tag, scan);
      continue;
    }

    OpCost& proj = out.add(OpKind::attn_proj);
    proj.pattern = u, proj.layers = layers, proj.kernels = s.mla ? 3 : 2, proj.matmul_dtype = d.act_dtype;
    const double params = mixer_params(p, m, s);
    proj.matmul_flops = 2 * tokens * params;
    if (!s.mla)
      note(ex, "attn_proj " + tag + ": params", "h·H_q·d_k + h·H_kv·(d_k + d_v) + H_q·d_v·h", params, "params", "{0} × {1} × {2} + {0} × {3} × ({2} + {4}) + {1} × {4} × {0}",
           N(h), N(hq), N(s.d_k), N(s.kv_heads), N(s.d_v));
    note(ex, "attn_proj " + tag + ": matmul FLOPs", "2·tokens·params", proj.matmul_flops, "FLOP", "2 × {} × {}", N(tokens), N(params));
    proj.weight_bytes = weight_bytes(params, d);
    note(ex, "attn_proj " + tag + ": weight bytes", "params·bytes(weight) (+ scales)", proj.weight_bytes, "B", "{} × {}", N(params),
         N(proj.weight_bytes / params));
    proj.act_bytes = tokens * (2 * h + 2 * hq * s.d_k + 2 * hq * s.d_v) * ab;
    note(ex, "attn_proj " + tag + ": activation bytes", "tokens·(2h + 2·H_q·d_k + 2·H_q·d_v)·bytes(act)", proj.act_bytes, "B",
         "{} × (2 × {} + 2 × {} × {} + 2 × {} × {}) × {}", N(tokens), N(h), N(hq), N(s.d_k), N(hq), N(s.d_v), N(ab));
    note_bytes(ex, "attn_proj " + tag, proj);

    if (p.kind == PatternKind::linear) {
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
      op.kv_read_bytes = is_decode ? batch * state : 0;
      const double writes = is_decode ? 1 : std::ceil(n / kLinearPrefillChunk);
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
    if (is_decode) {
      const double keys = static_cast<double>(decode_pairs(p, w.ctx));
      const double dk = s.dec_d_k, dv = s.dec_d_v;
      op.pairs = batch * keys * hq;
      note(ex, a + ": pairs", "B·pairs(n−1)·H_q", op.pairs, "pairs", "{} × {} × {}", N(batch), N(keys), N(hq));
      op.matmul_flops = 2 * op.pairs * (dk + dv);
      note(ex, a + ": matmul FLOPs", "2·pairs·(d_k + d_v)", op.matmul_flops, "FLOP", "2 × {} × ({} + {})", N(op.pairs), N(dk), N(dv));
      op.other_flops = kSoftmaxOpsPerPair * op.pairs + batch * hq * dv;
      note(ex, a + ": other FLOPs (softmax, scale)", "5·pairs + B·H_q·d_v", op.other_flops, "FLOP", "5 × {} + {} × {} × {}", N(op.pairs), N(batch),
           N(hq), N(dv));
      // A flash-decoding kernel loads each KV head once for its whole query group; a repeat-KV
      // (naive) kernel loads it once per query head.
      const double repeat = naive ? hq / s.kv_heads : 1;
      op.kv_read_bytes = batch * keys * kvb * repeat;
      note(ex, a + ": KV read bytes", naive ? "B·pairs(n−1)·kv_bytes·(H_q / H_kv)" : "B·pairs(n−1)·kv_bytes", op.kv_read_bytes, "B",
           "{} × {} × {} × {}", N(batch), N(keys), N(kvb), N(repeat));
      op.kv_write_bytes = batch * kvb;  // the new token's K/V
      note(ex, a + ": KV write bytes (the new token)", "B·kv_bytes", op.kv_write_bytes, "B", "{} × {}", N(batch), N(kvb));
      op.act_bytes = batch * hq * (dk + dv) * ab;
      op.executed_matmul_flops = op.matmul_flops;
      if (naive) {  // eager attention scores every cached position and masks afterwards
        op.executed_matmul_flops = 2 * batch * hq * n * (dk + dv);
        op.act_bytes += 4 * batch * hq * n * ab;
        note(ex, a + ": executed matmul FLOPs (every cached key scored)", "2·B·H_q·n·(d_k + d_v)", op.executed_matmul_flops, "FLOP",
             "2 × {} × {} × {} × ({} + {})", N(batch), N(hq), N(n), N(dk), N(dv));
      }
      if (naive)
        note(ex, a + ": activation bytes", "B·H_q·(d_k + d_v)·bytes(act) + 4·B·H_q·n·bytes(act)", op.act_bytes, "B",
             "{0} × {1} × ({2} + {3}) × {4} + 4 × {0} × {1} × {5} × {4}", N(batch), N(hq), N(dk), N(dv), N(ab), N(n));
      else
        note(ex, a + ": activation bytes", "B·H_q·(d_k + d_v)·bytes(act)", op.act_bytes, "B", "{} × {} × ({} + {}) × {}", N(batch), N(hq), N(dk),
             N(dv), N(ab));
    } else {
      const double dk = s.d_k, dv = s.d_v;
      const double pairs_per_head = to_double(prefill_pairs(p, w.ctx));
      op.pairs = batch * pairs_per_head * hq;
      note(ex, a + ": pairs", "B·Σ_{i<n} pairs(i)·H_q", op.pairs, "pairs", "{} × {} × {}", N(batch), N(pairs_per_head), N(hq));
      op.matmul_flops = 2 * op.pairs * (dk + dv);
      note(ex, a + ": matmul FLOPs", "2·pairs·(d_k + d_v)", op.matmul_flops, "FLOP", "2 × {} × ({} + {})", N(op.pairs), N(dk), N(dv));
      op.other_flops = kSoftmaxOpsPerPair * op.pairs + tokens * hq * dv;
      note(ex, a + ": other FLOPs (softmax, scale)", "5·pairs + tokens·H_q·d_v", op.other_flops, "FLOP", "5 × {} + {} × {} × {}", N(op.pairs),
           N(tokens), N(hq), N(dv));
      op.act_bytes = tokens * hq * (dk + dv) * ab;  // Q in, O out
      const double cached = static_cast<double>(cached_tokens(p, w.ctx));
      op.kv_write_bytes = batch * cached * kvb;
      note(ex, a + ": KV write bytes", "B·cached(n)·kv_bytes", op.kv_write_bytes, "B", "{} × {} × {}", N(batch), N(cached), N(kvb));
      if (naive) {
        // QKᵀ and PV through GEMMs over the full n×n square; S and P written and read once each.
        const double scores = naive_score_matrix_bytes(s, d, w.ctx);
        op.act_bytes += batch * n * hq * (dk + dv) * ab + 4 * batch * scores;
        note(ex, a + ": activation bytes (Q, O, K/V per head, S and P twice)", "tokens·H_q·(d_k + d_v)·b + B·n·H_q·(d_k + d_v)·b + 4·B·H_q·n²·b",
             op.act_bytes, "B", "{0} × {1} × ({2} + {3}) × {4} + {5} × {6} × {1} × ({2} + {3}) × {4} + 4 × {5} × {7}", N(tokens), N(hq), N(dk), N(dv),
             N(ab), N(batch), N(n), N(scores));
        op.executed_matmul_flops = 2 * batch * hq * n * n * (dk + dv);
        note(ex, a + ": executed matmul FLOPs (the full n×n square)", "2·B·H_q·n²·(d_k + d_v)", op.executed_matmul_flops, "FLOP",
             "2 × {} × {} × {} × {} × ({} + {})", N(batch), N(hq), N(n), N(n), N(dk), N(dv));
      } else {
        // K/V tiles are re-loaded for every query tile that needs them; MLA prefill attends
        // over per-head decompressed K/V, so nothing is shared across heads there.
        const double units = s.mla ? hq : s.kv_heads;
        const double head_kv = (dk + dv) * ab;
        const uint64_t rows = flash_tile_rows(d);
        const double reuse = flash_l2_reuse(n, head_kv, rows, gpu);
        const double tile_reads = to_double(flash_key_reads(p, w.ctx, rows));
        // Every key is attended at least by its own query, so each K/V is loaded at least once.
        const double loads = std::max(n, tile_reads / reuse);
        note(ex, a + ": K/V rows loaded per head", "max(n, Σ_tiles keys(tile) / L2 reuse)", loads, "rows", "max({}, {} / {})", N(n), N(tile_reads),
             N(reuse));
        const double q_o = op.act_bytes;
        op.act_bytes += batch * loads * units * head_kv;
        note(ex, a + ": activation bytes (Q, O, K/V tiles)", "tokens·H_q·(d_k + d_v)·b + B·loads·heads·(d_k + d_v)·b", op.act_bytes, "B",
             "{} + {} × {} × {} × {}", N(q_o), N(batch), N(loads), N(units), N(head_kv));
        op.executed_matmul_flops = op.matmul_flops;
      }
    }
    note_bytes(ex, a, op);
  }

  const double moe_layers = static_cast<double>(m.moe_layers());
  const double dense_layers = static_cast<double>(m.layers) - moe_layers;
  const double mats = m.gated_mlp ? 3.0 : 2.0;
  if (dense_layers > 0) {
    OpCost& mlp = out.add(OpKind::mlp);
    mlp.layers = dense_layers, mlp.kernels = 2, mlp.matmul_dtype = d.act_dtype;
    const double params = dense_mlp_params(m, s);
    note(ex, "mlp: params", "matrices·h·ffn / TP", params, "params", "{} × {} × {} / {}", N(mats), N(h), N(static_cast<double>(m.ffn)), N(s.tp));
    mlp.matmul_flops = 2 * tokens * params;
    note(ex, "mlp: matmul FLOPs", "2·tokens·params", mlp.matmul_flops, "FLOP", "2 × {} × {}", N(tokens), N(params));
    mlp.weight_bytes = weight_bytes(params, d);
    mlp.act_bytes = tokens * (2 * h + mats * static_cast<double>(m.ffn) / s.tp) * ab;
    note(ex, "mlp: activation bytes", "tokens·(2h + matrices·ffn / TP)·bytes(act)", mlp.act_bytes, "B", "{} × (2 × {} + {} × {} / {}) × {}", N(tokens),
         N(h), N(mats), N(static_cast<double>(m.ffn)), N(s.tp), N(ab));
    note_bytes(ex, "mlp", mlp);
  }
  if (moe_layers > 0) {
    OpCost& moe = out.add(OpKind::moe);
    moe.layers = moe_layers, moe.kernels = 3, moe.matmul_dtype = d.act_dtype;
    const double experts = static_cast<double>(m.experts), k = static_cast<double>(m.experts_active);
    const double shared = static_cast<double>(m.shared_experts);
    const double expert_params = mats * h * static_cast<double>(m.expert_ffn) / s.tp;
    moe.matmul_flops = 2 * tokens * ((k + shared) * expert_params + h * experts);
    note(ex, "moe: matmul FLOPs", "2·tokens·((top-k + shared)·expert_params + h·experts)", moe.matmul_flops, "FLOP", "2 × {} × (({} + {}) × {} + {} × {})",
         N(tokens), N(k), N(shared), N(expert_params), N(h), N(experts));
    // Experts some token of the step routes to, under uniform routing: E·(1-(1-k/E)^tokens).
    const double touched = experts * (1 - std::pow(1 - k / experts, tokens));
    note(ex, "moe: experts touched (uniform routing)", "E·(1 − (1 − k/E)^tokens)", touched, "experts", "{} × (1 - (1 - {} / {}) ^ {})", N(experts), N(k),
         N(experts), N(tokens));
    moe.weight_bytes = weight_bytes((touched + shared) * expert_params + h * experts, d);
    note(ex, "moe: weight bytes", "((touched + shared)·expert_params + h·experts)·bytes(weight)", moe.weight_bytes, "B", "(({} + {}) × {} + {} × {}) × {}",
         N(touched), N(shared), N(expert_params), N(h), N(experts), N(moe.weight_bytes / ((touched + shared) * expert_params + h * experts)));
    moe.act_bytes = tokens * (2 * h + (k + shared) * mats * static_cast<double>(m.expert_ffn) / s.tp) * ab;
    note_bytes(ex, "moe", moe);
  }
  OpCost& head = out.add(OpKind::lm_head);  // logits only where a token is sampled: the last position
  head.layers = 1, head.kernels = 1, head.matmul_dtype = d.act_dtype;
  const double vocab = static_cast<double>(m.vocab) / s.tp;
  head.matmul_flops = 2 * batch * h * vocab;
  note(ex, "lm_head: matmul FLOPs (the sampled position of each sequence)", "2·B·h·vocab / TP", head.matmul_flops, "FLOP", "2 × {} × {} × {}", N(batch),
       N(h), N(vocab));
  head.weight_bytes = weight_bytes(h * vocab, d);
  head.act_bytes = batch * (h + vocab) * ab;
  note_bytes(ex, "lm_head", head);
  if (d.tp > 1) {  // Megatron-style TP: one all-reduce after attention and one after the MLP
    OpCost& ar = out.add(OpKind::allreduce);
    ar.layers = 2 * static_cast<double>(m.layers), ar.kernels = 1, ar.matmul_dtype = d.act_dtype;
    ar.efficiency = EfficiencyClass::network;
    ar.comm_bytes = 2 * (s.tp - 1) / s.tp * tokens * h * ab;  // ring all-reduce, per GPU
    note(ex, "allreduce: bytes sent per GPU (ring)", "2·(TP − 1)/TP·tokens·h·bytes(act)", ar.comm_bytes, "B", "2 × ({} - 1) / {} × {} × {} × {}", N(s.tp),
         N(s.tp), N(tokens), N(h), N(ab));
    ar.act_bytes = 2 * tokens * h * ab;
  }
  for (int i = 0; i < out.count; ++i) {
    OpCost& op = out.ops[static_cast<size_t>(i)];
    if (op.executed_matmul_flops == 0) op.executed_matmul_flops = op.matmul_flops;
  }
}

}  // namespace attncost
