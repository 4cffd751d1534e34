// The operator records of one step (build_step_ops in step_cost.h): per token mixer its
// projections and, for each phase with work, its attention (or scan, or linear recurrence) over
// the phase's load; then the feed-forward blocks, the LM head and the TP all-reduces. Every
// formula is docs/cost-model.md §4's; with an explainer each is also written out with its
// numbers (only then: the text costs more than the arithmetic).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "estimators/collectives.h"
#include "estimators/context_ops.h"
#include "estimators/explain.h"
#include "estimators/linear_chunk.h"
#include "estimators/roofline.h"
#include "estimators/shortconv_ops.h"
#include "estimators/step_cost.h"
#include "model/short_names.h"

namespace attncost {
namespace {

using namespace short_names;

// One explained line; callers test `ex` first so that no string is built when nobody asked.
template <typename... Args>
void note(Explainer* ex, std::string quantity, const char* formula, double value, const char* unit, fmt::format_string<Args...> sub, Args&&... args) {
  ex->line(std::move(quantity), formula, fmt::format(sub, std::forward<Args>(args)...), value, unit);
}
void note_bytes(Explainer* ex, const std::string& op, const OpCost& c) {
  note(ex, op + ": HBM bytes", "weights + activations + KV read + KV write", c.hbm_bytes(), "B", "{} + {} + {} + {}", N(c.weight_bytes), N(c.act_bytes),
       N(c.kv_read_bytes), N(c.kv_write_bytes));
}
void note_weights(Explainer* ex, const std::string& op, double params, double bytes) {
  if (params > 0) note(ex, op + ": weight bytes", "params·bits(class)/8 (scales included)", bytes, "B", "{} × {}", N(params), N(bytes / params));
}

// 64×64 output tiles of a GEMM of M rows and N columns: the blocks whose waves over the SMs the
// kernel model counts (kernels split small problems that finely; large ones fill the waves anyway).
double gemm_tiles(double m, double n) { return std::ceil(m / 64) * std::ceil(n / 64); }

enum class Phase { prefill, decode };
const char* phase_tag(Phase ph) { return ph == Phase::prefill ? " prefill" : " decode"; }

// What every builder of one step reads.
struct Build {
  const StepContext& sc;
  const StepLoad& load;
  OpList& out;
  Explainer* ex;
  const ModelConfig& m;
  const Design& d;
  const GpuSpec& gpu;
  double ab;      // bytes of an activation
  double cp;      // context-parallel GPUs: a prefill's tokens are split over them
  double tokens;  // tokens through the GEMMs on this GPU: prefill tokens / CP + decode tokens
  bool mixed;     // both phases in one step (explanations name the phase of each operator)

  const PatternLoad& phase_load(int u, Phase ph) const {
    return ph == Phase::prefill ? load.prefill[static_cast<size_t>(u)] : load.decode[static_cast<size_t>(u)];
  }
  // Query tokens of a phase on this GPU (a prefill's split over CP).
  double phase_tokens(Phase ph) const { return ph == Phase::prefill ? load.prefill_tokens / cp : load.decode_tokens; }
  bool has(Phase ph) const { return ph == Phase::prefill ? load.has_prefill() : load.has_decode(); }
  std::string tag(int u) const { return fmt::format("[{}]", pattern_text(sc.uses[static_cast<size_t>(u)].pattern)); }
  std::string name(const char* op, int u, Phase ph) const { return std::string(op) + " " + tag(u) + (mixed ? phase_tag(ph) : ""); }
};

OpCost& add_op(Build& b, OpKind kind, int u, double layers, double kernels) {
  OpCost& op = b.out.add(kind);
  // No serving engine runs attention in fp4 (its softmax inputs need the range): fp4 activations
  // attend in fp8, as TensorRT-LLM's NVFP4 recipes do with an fp8 KV cache.
  const bool fp4_attention = kind == OpKind::attention && b.d.act_dtype == Dtype::fp4;
  op.pattern = u, op.layers = layers, op.kernels = kernels, op.matmul_dtype = fp4_attention ? Dtype::fp8 : b.d.act_dtype;
  return op;
}

// A prefill-phase operator's share on one context-parallel GPU: each holds 1/CP of the prompt.
void split_prefill_over_cp(OpCost& op, double cp) {
  op.pairs /= cp, op.matmul_flops /= cp, op.executed_matmul_flops /= cp, op.other_flops /= cp, op.act_bytes /= cp;
  op.kv_write_bytes /= cp, op.work_units /= cp;
}

// ---- recurrent scans of one phase -----------------------------------------------------------

// State bytes a recurrent op reads and writes for its phase's load.
void state_traffic(OpCost& op, const PatternLoad& L, double state) {
  op.kv_read_bytes = L.state_reads * state;
  op.kv_write_bytes = L.state_writes * state;
}

void add_ssm(Build& b, int u) {
  const Pattern& p = b.sc.uses[static_cast<size_t>(u)].pattern;
  const Shape& s = b.sc.shapes[static_cast<size_t>(u)];
  const double layers = D(static_cast<int64_t>(b.sc.uses[static_cast<size_t>(u)].layers));
  const double h = s.hidden, d_in = ssm_inner(b.m, s), state_n = static_cast<double>(p.state), dt = D(b.m.dt_rank());
  OpCost& proj = add_op(b, OpKind::ssm_proj, u, layers, 3);
  const double gemm_params = ssm_gemm_params(p, b.m, s), params = b.sc.mixer_params[static_cast<size_t>(u)];
  proj.matmul_flops = 2 * b.tokens * gemm_params;
  proj.weight_bytes = b.sc.mixer_weight_bytes[static_cast<size_t>(u)];
  proj.weight_params = params;
  proj.work_units = gemm_tiles(b.tokens, gemm_params / h);
  proj.act_bytes = b.tokens * (2 * h + 4 * d_in + dt + 2 * state_n) * b.ab;
  if (b.ex) {
    const std::string n = "ssm_proj " + b.tag(u);
    note(b.ex, n + ": GEMM params", "2·h·d_in + d_in·(dt + 2N) + dt·d_in + d_in·h", gemm_params, "params", "2 × {0} × {1} + {1} × ({2} + 2 × {3}) + {2} × {1} + {1} × {0}",
         N(h), N(d_in), N(dt), N(state_n));
    note(b.ex, n + ": matmul FLOPs", "2·tokens·params", proj.matmul_flops, "FLOP", "2 × {} × {}", N(b.tokens), N(gemm_params));
    note_weights(b.ex, n, params, proj.weight_bytes);
    note(b.ex, n + ": activation bytes", "tokens·(2h + 4·d_in + dt + 2N)·bytes(act)", proj.act_bytes, "B", "{} × (2 × {} + 4 × {} + {} + 2 × {}) × {}", N(b.tokens), N(h),
         N(d_in), N(dt), N(state_n), N(b.ab));
    note_bytes(b.ex, n, proj);
  }
  const double state = b.sc.state_bytes[static_cast<size_t>(u)];
  for (Phase ph : {Phase::prefill, Phase::decode}) {
    if (!b.has(ph)) continue;
    const PatternLoad& L = b.phase_load(u, ph);
    const double tokens = b.phase_tokens(ph);
    OpCost& scan = add_op(b, OpKind::ssm_scan, u, layers, 2);
    scan.efficiency = EfficiencyClass::scan;
    // Per token and channel: discretize (exp, mul), B·x, state update, C·h (≈9 per state
    // element), the causal conv (2 per tap) and gating/skip (6).
    scan.other_flops = tokens * d_in * (9 * state_n + 2 * D(b.m.ssm_conv) + 6);
    scan.act_bytes = tokens * (5 * d_in + 2 * state_n) * b.ab;
    state_traffic(scan, L, state);
    if (ph == Phase::prefill) scan.kv_write_bytes /= b.cp;
    if (b.ex) {
      const std::string n = b.name("ssm_scan", u, ph);
      note(b.ex, n + ": other FLOPs", "tokens·d_in·(9N + 2·conv + 6)", scan.other_flops, "FLOP", "{} × {} × (9 × {} + 2 × {} + 6)", N(tokens), N(d_in), N(state_n),
           N(D(b.m.ssm_conv)));
      note(b.ex, n + ": state written", "sequences·state", scan.kv_write_bytes, "B", "{} × {}", N(scan.kv_write_bytes / state), N(state));
      note_bytes(b.ex, n, scan);
    }
  }
}

void add_mamba2(Build& b, int u) {
  const Pattern& p = b.sc.uses[static_cast<size_t>(u)].pattern;
  const Shape& s = b.sc.shapes[static_cast<size_t>(u)];
  const double layers = D(static_cast<int64_t>(b.sc.uses[static_cast<size_t>(u)].layers));
  const double h = s.hidden;
  const Mamba2 x = mamba2_of(p, b.m, s);
  OpCost& proj = add_op(b, OpKind::ssm_proj, u, layers, 2);
  const double gemm_params = mamba2_gemm_params(x, s), params = b.sc.mixer_params[static_cast<size_t>(u)];
  proj.matmul_flops = 2 * b.tokens * gemm_params;
  proj.weight_bytes = b.sc.mixer_weight_bytes[static_cast<size_t>(u)];
  proj.weight_params = params;
  proj.work_units = gemm_tiles(b.tokens, gemm_params / h);
  proj.act_bytes = b.tokens * (2 * h + 2 * x.inner + 2 * x.groups * x.state + x.heads + x.inner) * b.ab;
  if (b.ex) {
    const std::string n = "mamba2 proj " + b.tag(u);
    note(b.ex, n + ": GEMM params", "h·(2·d_in + 2·G·N + heads) + d_in·h", gemm_params, "params", "{0} × (2 × {1} + 2 × {2} × {3} + {4}) + {1} × {0}", N(h), N(x.inner),
         N(x.groups), N(x.state), N(x.heads));
    note(b.ex, n + ": matmul FLOPs", "2·tokens·params", proj.matmul_flops, "FLOP", "2 × {} × {}", N(b.tokens), N(gemm_params));
    note_weights(b.ex, n, params, proj.weight_bytes);
    note_bytes(b.ex, n, proj);
  }
  const double state = b.sc.state_bytes[static_cast<size_t>(u)];
  for (Phase ph : {Phase::prefill, Phase::decode}) {
    if (!b.has(ph)) continue;
    const PatternLoad& L = b.phase_load(u, ph);
    const double tokens = b.phase_tokens(ph);
    OpCost& scan = add_op(b, OpKind::ssm_scan, u, layers, 2);
    scan.efficiency = EfficiencyClass::scan;
    // Per token: the state update h = a·h + x·Bᵀ and readout y = h·C (5 per state element), the
    // causal conv over x, B, C (2 per tap) and the gated norm and skip (6 per channel).
    scan.other_flops = tokens * (5 * x.inner * x.state + 2 * x.conv * (x.inner + 2 * x.groups * x.state) + 6 * x.inner);
    scan.act_bytes = tokens * (2 * (x.inner + 2 * x.groups * x.state) + 2 * x.inner) * b.ab;
    state_traffic(scan, L, state);  // a chunked prefill scan writes one state per chunk
    if (ph == Phase::prefill) scan.kv_write_bytes /= b.cp;
    if (b.ex) {
      const std::string n = b.name("mamba2 scan", u, ph);
      note(b.ex, n + ": other FLOPs", "tokens·(5·d_in·N + 2·conv·(d_in + 2·G·N) + 6·d_in)", scan.other_flops, "FLOP",
           "{} × (5 × {} × {} + 2 × {} × ({} + 2 × {} × {}) + 6 × {})", N(tokens), N(x.inner), N(x.state), N(x.conv), N(x.inner), N(x.groups), N(x.state),
           N(x.inner));
      note(b.ex, n + ": state bytes written", ph == Phase::decode ? "B·state" : "B·state·⌈n / chunk⌉", scan.kv_write_bytes, "B", "{} × {}",
           N(scan.kv_write_bytes / state), N(state));
      note_bytes(b.ex, n, scan);
    }
  }
}

void add_deltanet(Build& b, int u) {
  const Shape& s = b.sc.shapes[static_cast<size_t>(u)];
  const double layers = D(static_cast<int64_t>(b.sc.uses[static_cast<size_t>(u)].layers));
  const double h = s.hidden;
  const DeltaNet x = deltanet_of(b.m, s);
  OpCost& proj = add_op(b, OpKind::ssm_proj, u, layers, 3);
  const double gemm_params = deltanet_gemm_params(x, s), params = b.sc.mixer_params[static_cast<size_t>(u)];
  proj.matmul_flops = 2 * b.tokens * gemm_params;
  proj.weight_bytes = b.sc.mixer_weight_bytes[static_cast<size_t>(u)];
  proj.weight_params = params;
  proj.work_units = gemm_tiles(b.tokens, gemm_params / h);
  proj.act_bytes = b.tokens * (2 * h + deltanet_channels(x) + 2 * x.value_heads * x.value_dim + 2 * x.value_heads) * b.ab;
  if (b.ex) {
    const std::string n = "deltanet proj " + b.tag(u);
    note(b.ex, n + ": GEMM params", "h·(2·H_k·d_k + 2·H_v·d_v) + h·2·H_v + H_v·d_v·h", gemm_params, "params",
         "{0} × (2 × {1} × {2} + 2 × {3} × {4}) + {0} × 2 × {3} + {3} × {4} × {0}", N(h), N(x.key_heads), N(x.key_dim), N(x.value_heads), N(x.value_dim));
    note(b.ex, n + ": matmul FLOPs", "2·tokens·params", proj.matmul_flops, "FLOP", "2 × {} × {}", N(b.tokens), N(gemm_params));
    note_weights(b.ex, n, params, proj.weight_bytes);
    note_bytes(b.ex, n, proj);
  }
  const double state = b.sc.state_bytes[static_cast<size_t>(u)];
  const double dkdv = x.key_dim * x.value_dim;
  for (Phase ph : {Phase::prefill, Phase::decode}) {
    if (!b.has(ph)) continue;
    const PatternLoad& L = b.phase_load(u, ph);
    const double tokens = b.phase_tokens(ph);
    OpCost& op = add_op(b, OpKind::linear_attn, u, layers, 2);
    op.efficiency = EfficiencyClass::linear_attention;
    // Delta rule per value head and token: S·k, the rank-1 update (v − S·k)·kᵀ and the readout
    // S·q, each 2·d_k·d_v; the decay αS and the gates are elementwise.
    op.matmul_flops = tokens * x.value_heads * 6 * dkdv;
    op.other_flops = tokens * (x.value_heads * (dkdv + 8 * x.value_dim) + 2 * x.conv * deltanet_channels(x));
    op.act_bytes = tokens * (deltanet_channels(x) + 2 * x.value_heads * x.value_dim) * b.ab;
    state_traffic(op, L, state);
    if (ph == Phase::prefill) op.kv_write_bytes /= b.cp;
    if (b.ex) {
      const std::string n = b.name("deltanet", u, ph);
      note(b.ex, n + ": matmul FLOPs", "tokens·H_v·6·d_k·d_v", op.matmul_flops, "FLOP", "{} × {} × 6 × {} × {}", N(tokens), N(x.value_heads), N(x.key_dim),
           N(x.value_dim));
      note(b.ex, n + ": state bytes written", ph == Phase::decode ? "B·state" : "B·state·⌈n / chunk⌉", op.kv_write_bytes, "B", "{} × {}",
           N(op.kv_write_bytes / state), N(state));
      note_bytes(b.ex, n, op);
    }
  }
}

// ---- softmax and linear attention -------------------------------------------------------------

// Q/K/V/O projections (MLA: the down/up projections too; topk: the indexer's weights).
void add_attention_proj(Build& b, int u) {
  const Pattern& p = b.sc.uses[static_cast<size_t>(u)].pattern;
  const Shape& s = b.sc.shapes[static_cast<size_t>(u)];
  const double layers = D(static_cast<int64_t>(b.sc.uses[static_cast<size_t>(u)].layers));
  const double h = s.hidden, hq = s.q_heads;
  OpCost& proj = add_op(b, OpKind::attn_proj, u, layers, s.mla ? 3 : 2);
  const double params = b.sc.mixer_params[static_cast<size_t>(u)];
  proj.matmul_flops = 2 * b.tokens * params;
  proj.weight_bytes = b.sc.mixer_weight_bytes[static_cast<size_t>(u)];
  proj.weight_params = params;
  proj.work_units = gemm_tiles(b.tokens, params / h);
  proj.act_bytes = b.tokens * (2 * h + 2 * hq * s.d_k + 2 * hq * s.d_v) * b.ab;
  if (!b.ex) return;
  const std::string n = "attn_proj " + b.tag(u);
  if (p.kind == PatternKind::lightning)
    note(b.ex, n + ": params", "4·h·H_q·d + H_q·d·h + H_q·d (q, k, v, output gate; out; norm)", params, "params", "4 × {0} × {1} × {2} + {1} × {2} × {0} + {1} × {2}",
         N(h), N(hq), N(s.d_k));
  else if (!s.mla && p.kind != PatternKind::topk)
    note(b.ex, n + ": params", "h·H_q·d_k·(1 + gate) + h·H_kv·(d_k + d_v) + H_q·d_v·h", params, "params",
         "{0} × {1} × {2} × {5} + {0} × {3} × ({2} + {4}) + {1} × {6} × {0}", N(h), N(hq), N(s.d_k), N(s.kv_heads), N(s.k_eq_v ? 0 : s.d_v),
         N(s.output_gate ? 2 : 1), N(s.d_v));
  note(b.ex, n + ": matmul FLOPs", "2·tokens·params", proj.matmul_flops, "FLOP", "2 × {} × {}", N(b.tokens), N(params));
  note_weights(b.ex, n, params, proj.weight_bytes);
  note(b.ex, n + ": activation bytes", "tokens·(2h + 2·H_q·d_k + 2·H_q·d_v)·bytes(act)", proj.act_bytes, "B", "{} × (2 × {} + 2 × {} × {} + 2 × {} × {}) × {}",
       N(b.tokens), N(h), N(hq), N(s.d_k), N(hq), N(s.d_v), N(b.ab));
  note_bytes(b.ex, n, proj);
}

void add_linear_attention(Build& b, int u, Phase ph) {
  const Pattern& p = b.sc.uses[static_cast<size_t>(u)].pattern;
  const Shape& s = b.sc.shapes[static_cast<size_t>(u)];
  const PatternLoad& L = b.phase_load(u, ph);
  const double tokens = b.phase_tokens(ph), hq = s.q_heads;
  const double f = linear_features(p, s), sh = state_heads(s);
  OpCost& op = add_op(b, OpKind::linear_attn, u, D(static_cast<int64_t>(b.sc.uses[static_cast<size_t>(u)].layers)), 1);
  op.efficiency = EfficiencyClass::linear_attention;
  op.matmul_flops = tokens * (2 * f * s.d_v * sh + 2 * f * s.d_v * hq);  // S += φ(k)vᵀ ; o = φ(q)ᵀS
  op.other_flops = tokens * (hq * (4 * f + s.d_v) + sh * 3 * f + (f != s.d_k ? 2 * s.d_k * f * (hq + sh) : 0));
  op.act_bytes = tokens * (hq * s.d_k + sh * (s.d_k + s.d_v) + hq * s.d_v) * b.ab;
  const double state = b.sc.state_bytes[static_cast<size_t>(u)];
  state_traffic(op, L, state);
  if (ph == Phase::prefill) op.kv_write_bytes /= b.cp;
  if (!b.ex) return;
  const std::string n = b.name("linear_attn", u, ph);
  note(b.ex, n + ": matmul FLOPs", "tokens·(2·F·d_v·H_state + 2·F·d_v·H_q)", op.matmul_flops, "FLOP", "{} × (2 × {} × {} × {} + 2 × {} × {} × {})", N(tokens), N(f),
       N(s.d_v), N(sh), N(f), N(s.d_v), N(hq));
  note(b.ex, n + ": state bytes written", ph == Phase::decode ? "B·state" : "B·state·⌈n / chunk⌉", op.kv_write_bytes, "B", "{} × {}", N(op.kv_write_bytes / state),
       N(state));
  note_bytes(b.ex, n, op);
}

// Decode: q queries per sequence at positions c−1 … c+q−2; the KV the furthest one needs is read
// once per KV head by a flash-decoding kernel (a repeat-KV naive kernel reads it per query head).
void attention_decode(Build& b, int u, OpCost& op, const std::string* n) {
  const Shape& s = b.sc.shapes[static_cast<size_t>(u)];
  const PatternLoad& L = b.load.decode[static_cast<size_t>(u)];
  const bool naive = b.d.kernel == Kernel::naive;
  const double hq = s.q_heads, dk = s.dec_d_k, dv = s.dec_d_v, kvb = b.sc.kv_bytes[static_cast<size_t>(u)], tokens = L.queries;
  op.pairs = L.pairs * hq;
  op.matmul_flops = 2 * op.pairs * (dk + dv);
  op.other_flops = kSoftmaxOpsPerPair * op.pairs + tokens * hq * dv;
  const double repeat = naive ? hq / s.kv_heads : 1;
  op.kv_read_bytes = L.keys_read * kvb * repeat;
  op.kv_write_bytes = L.kv_written * kvb;  // the new tokens' K/V
  op.act_bytes = tokens * hq * (dk + dv) * b.ab;
  op.executed_matmul_flops = op.matmul_flops;
  if (naive) {  // eager attention scores every cached position and masks afterwards
    op.executed_matmul_flops = 2 * L.scored * hq * (dk + dv);
    op.act_bytes += 4 * L.scored * hq * b.ab;
  }
  if (n) {
    Explainer* ex = b.ex;
    note(ex, *n + ": pairs", "Σ_seqs Σ_{j<q} pairs(n−1+j)·H_q", op.pairs, "pairs", "{} × {}", N(L.pairs), N(hq));
    note(ex, *n + ": matmul FLOPs", "2·pairs·(d_k + d_v)", op.matmul_flops, "FLOP", "2 × {} × ({} + {})", N(op.pairs), N(dk), N(dv));
    note(ex, *n + ": other FLOPs (softmax, scale)", "5·pairs + B·q·H_q·d_v", op.other_flops, "FLOP", "5 × {} + {} × {} × {}", N(op.pairs), N(tokens), N(hq), N(dv));
    note(ex, *n + ": KV read bytes", naive ? "Σ_seqs pairs(n+q−2)·kv_bytes·(H_q / H_kv)" : "Σ_seqs pairs(n+q−2)·kv_bytes", op.kv_read_bytes, "B", "{} × {} × {}",
         N(L.keys_read), N(kvb), N(repeat));
    note(ex, *n + ": KV write bytes (the new tokens)", "B·q·kv_bytes", op.kv_write_bytes, "B", "{} × {}", N(L.kv_written), N(kvb));
    if (naive) {
      note(ex, *n + ": executed matmul FLOPs (every cached key scored)", "2·Σ_seqs q·(n+q−1)·H_q·(d_k + d_v)", op.executed_matmul_flops, "FLOP",
           "2 × {} × {} × ({} + {})", N(L.scored), N(hq), N(dk), N(dv));
      note(ex, *n + ": activation bytes", "B·q·H_q·(d_k + d_v)·bytes(act) + 4·Σ_seqs q·(n+q−1)·H_q·bytes(act)", op.act_bytes, "B",
           "{} × {} × ({} + {}) × {} + 4 × {} × {} × {}", N(tokens), N(hq), N(dk), N(dv), N(b.ab), N(L.scored), N(hq), N(b.ab));
    } else {
      note(ex, *n + ": activation bytes", "B·q·H_q·(d_k + d_v)·bytes(act)", op.act_bytes, "B", "{} × {} × ({} + {}) × {}", N(tokens), N(hq), N(dk), N(dv), N(b.ab));
    }
  }
  if (b.cp > 1) {  // each GPU attends its shard of the cache; the partial outputs are all-gathered
    op.pairs /= b.cp, op.matmul_flops /= b.cp, op.executed_matmul_flops /= b.cp, op.other_flops /= b.cp, op.kv_read_bytes /= b.cp;
    const Link& link = b.sc.cp_link;
    const double partial = tokens * b.sc.base.q_heads * (b.sc.base.dec_d_v + 1) * 4;  // values and log-sum-exp, fp32
    const CommCost c = collective_cost(Collective::all_gather, partial * b.cp, b.d.cp, link);
    op.comm_bytes += c.bytes_sent, op.link_Bps = link.one_way_Bps, op.over_network = !link.scale_up, op.comm_latency_s += c.steps * link.latency_s;
    op.comm_after = true;  // the partial outputs exist only once the local attention is done
  }
}

// Prefill: every new row attends its pattern's keys; a tiled kernel re-loads K/V tiles for every
// query tile that needs them, a naive one materializes the n×n scores.
void attention_prefill(Build& b, int u, OpCost& op, const std::string* n) {
  const Shape& s = b.sc.shapes[static_cast<size_t>(u)];
  const PatternLoad& L = b.load.prefill[static_cast<size_t>(u)];
  const bool naive = b.d.kernel == Kernel::naive;
  const double hq = s.q_heads, dk = s.d_k, dv = s.d_v, kvb = b.sc.kv_bytes[static_cast<size_t>(u)], tokens = L.queries;
  op.pairs = L.pairs * hq;
  op.keys_per_query = tokens > 0 ? L.pairs / tokens : 0;
  op.work_units = hq * tokens / static_cast<double>(b.sc.tile_rows);  // continuous: times stay monotone in n
  op.matmul_flops = 2 * op.pairs * (dk + dv);
  op.other_flops = kSoftmaxOpsPerPair * op.pairs + tokens * hq * dv;
  op.act_bytes = tokens * hq * (dk + dv) * b.ab;  // Q in, O out
  op.kv_write_bytes = L.kv_written * kvb;
  if (n) {
    Explainer* ex = b.ex;
    note(ex, *n + ": pairs", "Σ_seqs Σ_{prefix≤i<n} pairs(i)·H_q", op.pairs, "pairs", "{} × {}", N(L.pairs), N(hq));
    note(ex, *n + ": matmul FLOPs", "2·pairs·(d_k + d_v)", op.matmul_flops, "FLOP", "2 × {} × ({} + {})", N(op.pairs), N(dk), N(dv));
    note(ex, *n + ": other FLOPs (softmax, scale)", "5·pairs + tokens·H_q·d_v", op.other_flops, "FLOP", "5 × {} + {} × {} × {}", N(op.pairs), N(tokens), N(hq),
         N(dv));
    note(ex, *n + ": KV write bytes", "Σ_seqs min(n − prefix, cached(n))·kv_bytes", op.kv_write_bytes, "B", "{} × {}", N(L.kv_written), N(kvb));
  }
  const double q_o = op.act_bytes;
  if (naive) {
    // QKᵀ and PV through GEMMs over the full square; S and P written and read once each. After a
    // cached prefix the new rows score every earlier position: (n − prefix)×n.
    op.act_bytes += L.context * hq * (dk + dv) * b.ab + 4 * L.scored * hq * b.ab;
    op.executed_matmul_flops = 2 * hq * L.scored * (dk + dv);
    if (n) {
      note(b.ex, *n + ": activation bytes (Q, O, K/V per head, S and P twice)", "tokens·H_q·(d_k + d_v)·b + Σn·H_q·(d_k + d_v)·b + 4·Σ(n − prefix)·n·H_q·b",
           op.act_bytes, "B", "{} + {} × {} × ({} + {}) × {} + 4 × {} × {} × {}", N(q_o), N(L.context), N(hq), N(dk), N(dv), N(b.ab), N(L.scored), N(hq), N(b.ab));
      note(b.ex, *n + ": executed matmul FLOPs (the full square)", "2·H_q·Σ(n − prefix)·n·(d_k + d_v)", op.executed_matmul_flops, "FLOP", "2 × {} × {} × ({} + {})",
           N(hq), N(L.scored), N(dk), N(dv));
    }
  } else {
    // K/V tiles of each KV head (MLA prefill attends over per-head decompressed K/V: nothing shared).
    const double units = s.mla ? hq : s.kv_heads;
    const double head_kv = (dk + (s.k_eq_v ? 0 : dv)) * b.ab;
    op.act_bytes += L.keys_read * units * head_kv;
    op.executed_matmul_flops = op.matmul_flops;
    if (n)
      note(b.ex, *n + ": activation bytes (Q, O, K/V tiles)", "tokens·H_q·(d_k + d_v)·b + Σ_seqs loads·heads·(d_k + d_v)·b", op.act_bytes, "B", "{} + {} × {} × {}",
           N(q_o), N(L.keys_read), N(units), N(head_kv));
  }
  if (b.cp > 1) {
    // Ring attention: each GPU holds n/CP of the prompt; its K/V block travels to the CP − 1 others.
    const double kv_block = op.kv_write_bytes / b.cp;
    split_prefill_over_cp(op, b.cp);
    if (kv_block > 0) {
      const Link& link = b.sc.cp_link;
      const CommCost c = collective_cost(Collective::all_gather, kv_block * b.cp, b.d.cp, link);
      op.comm_bytes += c.bytes_sent, op.link_Bps = link.one_way_Bps, op.over_network = !link.scale_up, op.comm_latency_s += c.steps * link.latency_s;
      if (b.ex) note(b.ex, "attention (CP ring): K/V bytes passed per GPU", "(CP − 1)·B·(n/CP)·kv_bytes", c.bytes_sent, "B", "({} - 1) × {}", N(b.cp), N(kv_block));
    }
  }
}

void add_softmax_attention(Build& b, int u, Phase ph) {
  const bool naive = b.d.kernel == Kernel::naive;
  const bool decode = ph == Phase::decode;
  OpCost& op = add_op(b, OpKind::attention, u, D(static_cast<int64_t>(b.sc.uses[static_cast<size_t>(u)].layers)), naive ? 3 : 1);
  op.efficiency = naive ? EfficiencyClass::attention_naive : decode ? EfficiencyClass::attention_decode : EfficiencyClass::attention_prefill;
  op.decode = decode;
  const Shape& s = b.sc.shapes[static_cast<size_t>(u)];
  op.mla = s.mla;
  op.head_dim = decode ? s.dec_d_k : s.d_k;
  const std::string name = b.ex ? b.name("attention", u, ph) : std::string();
  const std::string* n = b.ex ? &name : nullptr;
  if (decode) attention_decode(b, u, op, n);
  else attention_prefill(b, u, op, n);
  if (n) note_bytes(b.ex, name, op);
}

// DeepSeek-V3.2's lightning indexer scores every earlier key for every query (Σ_h w_h·ReLU(q_h·k)),
// in fp8, then the top k keys enter the attention.
void add_indexer(Build& b, int u, Phase ph) {
  const PatternLoad& L = b.phase_load(u, ph);
  const double hi = D(b.m.indexer_heads), di = D(b.m.indexer_head_dim), ib = indexer_bytes_per_token(b.m);
  const bool decode = ph == Phase::decode;
  OpCost& ix = add_op(b, OpKind::indexer, u, D(static_cast<int64_t>(b.sc.uses[static_cast<size_t>(u)].layers)), 2);
  ix.matmul_dtype = Dtype::fp8;
  ix.decode = decode;
  ix.efficiency = decode ? EfficiencyClass::attention_decode : EfficiencyClass::attention_prefill;
  ix.pairs = 0;  // scoring, not attention: reported apart from the attention pairs
  ix.matmul_flops = 2 * L.index_pairs * hi * di;
  ix.other_flops = 3 * L.index_pairs * hi;  // ReLU, head weight, sum
  ix.kv_write_bytes = L.queries * ib;
  if (decode) ix.kv_read_bytes = L.index_keys * ib;
  else ix.act_bytes = L.index_keys * ib;
  ix.act_bytes += L.queries * hi * di * b.ab;
  ix.executed_matmul_flops = ix.matmul_flops;
  if (b.ex) {
    const std::string n = b.name("indexer", u, ph);
    note(b.ex, n + ": scoring FLOPs", "2·Σ_seqs Σ(i + 1)·H_I·d_I", ix.matmul_flops, "FLOP", "2 × {} × {} × {}", N(L.index_pairs), N(hi), N(di));
    if (decode) note(b.ex, n + ": index keys read", "Σ_seqs (n + q − 1)·(d_I + 4)", ix.kv_read_bytes, "B", "{} × {}", N(L.index_keys), N(ib));
    note_bytes(b.ex, n, ix);
  }
  if (b.cp > 1) {
    if (decode) ix.matmul_flops /= b.cp, ix.executed_matmul_flops /= b.cp, ix.other_flops /= b.cp, ix.kv_read_bytes /= b.cp;
    else split_prefill_over_cp(ix, b.cp);
  }
}

// One token mixer's operators: its projections, then each phase's attention or recurrence.
void add_mixer(Build& b, int u) {
  const Pattern& p = b.sc.uses[static_cast<size_t>(u)].pattern;
  switch (p.kind) {
    case PatternKind::none: return;
    case PatternKind::ssm: add_ssm(b, u); return;
    case PatternKind::mamba2: add_mamba2(b, u); return;
    case PatternKind::deltanet: add_deltanet(b, u); return;
    case PatternKind::shortconv: {  // LFM2's gated short convolution (estimators/shortconv_ops.h)
      ShortConvPhase phases[2];
      size_t n = 0;
      for (Phase ph : {Phase::prefill, Phase::decode}) {
        if (!b.has(ph)) continue;
        const PatternLoad& L = b.phase_load(u, ph);
        phases[n++] = {b.phase_tokens(ph), L.state_reads, L.state_writes / (ph == Phase::prefill ? b.cp : 1), ph == Phase::decode};
      }
      add_shortconv_ops(b.m, b.d, p, u, D(static_cast<int64_t>(b.sc.uses[static_cast<size_t>(u)].layers)), b.tokens, std::span(phases, n), b.out, b.ex);
      return;
    }
    case PatternKind::linear:
    case PatternKind::lightning:  // MiniMax's lightning attention: a linear recurrence with a d × d state per query head
      add_attention_proj(b, u);
      for (Phase ph : {Phase::prefill, Phase::decode})
        if (b.has(ph)) add_linear_attention(b, u, ph);
      return;
    case PatternKind::dense:
    case PatternKind::window:
    case PatternKind::sinks:
    case PatternKind::strided:
    case PatternKind::axial:
    case PatternKind::block:
    case PatternKind::chunk:
    case PatternKind::topk:
      add_attention_proj(b, u);
      for (Phase ph : {Phase::prefill, Phase::decode}) {
        if (!b.has(ph)) continue;
        add_softmax_attention(b, u, ph);
        if (p.kind == PatternKind::topk) add_indexer(b, u, ph);
      }
      return;
  }
}

// ---- feed-forward blocks, LM head, all-reduce ----------------------------------------------

void add_dense_mlp(Build& b, const FfnStack::Use& f, size_t i) {
  const double mats = b.m.gated_mlp ? 3.0 : 2.0, h = b.sc.base.hidden, tp = b.sc.base.tp;
  const double width = D(f.layer.width > 0 ? f.layer.width : b.m.ffn);
  OpCost& mlp = add_op(b, OpKind::mlp, -1, D(static_cast<int64_t>(f.layers)), 2);
  const double params = b.sc.mlp_params[i];
  mlp.matmul_flops = 2 * b.tokens * params;
  mlp.weight_bytes = b.sc.mlp_weight_bytes[i];
  mlp.weight_params = params;
  mlp.work_units = gemm_tiles(b.tokens, params / h);
  mlp.act_bytes = b.tokens * (2 * h + mats * width / tp) * b.ab;
  if (!b.ex) return;
  note(b.ex, "mlp: params", "matrices·h·ffn / TP", params, "params", "{} × {} × {} / {}", N(mats), N(h), N(width), N(tp));
  note(b.ex, "mlp: matmul FLOPs", "2·tokens·params", mlp.matmul_flops, "FLOP", "2 × {} × {}", N(b.tokens), N(params));
  note_weights(b.ex, "mlp", params, mlp.weight_bytes);
  note(b.ex, "mlp: activation bytes", "tokens·(2h + matrices·ffn / TP)·bytes(act)", mlp.act_bytes, "B", "{} × (2 × {} + {} × {} / {}) × {}", N(b.tokens), N(h), N(mats),
       N(width), N(tp), N(b.ab));
  note_bytes(b.ex, "mlp", mlp);
}

// Expert parallelism: E/EP whole experts per GPU; every token's k copies are sent to the GPUs
// holding their experts (all-to-all dispatch) and the results sent back (combine). Uniform
// routing: each GPU receives tokens·k/EP; the busiest GPU of a real router takes more.
void add_moe_ep(Build& b, double layers) {
  const ModelConfig& m = b.m;
  const double mats = m.gated_mlp ? 3.0 : 2.0, h = b.sc.base.hidden, tokens = b.tokens;
  const double experts = D(m.experts), k = D(m.experts_active), shared = D(m.shared_experts), ep = D(b.d.ep);
  const double local = experts / ep, routed = tokens * k / ep;
  const double full_expert = mats * h * D(m.expert_ffn);
  const double shared_width = D(m.shared_expert_ffn > 0 ? m.shared_expert_ffn : m.expert_ffn);
  const double shared_params = mats * h * shared_width / b.sc.base.tp;
  const double router = moe_router_params(m, b.sc.base);
  OpCost& moe = add_op(b, OpKind::moe, -1, layers, 3);
  moe.matmul_flops = 2 * (routed * full_expert + tokens * (shared * shared_params + router));
  const double touched = local * (1 - std::pow(1 - k / experts, tokens));
  moe.weight_bytes = weight_bytes(touched * full_expert + shared * shared_params, WeightClass::expert, m, b.d) + weight_bytes(router, WeightClass::router, m, b.d);
  moe.weight_params = touched * full_expert + shared * shared_params + router;
  moe.work_units = touched * gemm_tiles(routed / std::max(1.0, touched), full_expert / h) + shared * gemm_tiles(tokens, shared_params / h);
  moe.act_bytes = (routed * (2 * h + mats * D(m.expert_ffn)) + tokens * shared * mats * shared_width / b.sc.base.tp) * b.ab;
  OpCost& a2a = add_op(b, OpKind::all_to_all, -1, layers, 2);
  a2a.efficiency = EfficiencyClass::network;
  const Link& link = b.sc.ep_link;
  // Each GPU dispatches its 1/EP share of the tokens' k copies and receives as much back.
  const CommCost c = collective_cost(Collective::all_to_all, tokens / ep * k * h * b.ab, b.d.ep, link);
  a2a.comm_bytes = 2 * c.bytes_sent, a2a.link_Bps = link.one_way_Bps, a2a.over_network = !link.scale_up, a2a.comm_latency_s = 2 * c.steps * link.latency_s;
  a2a.act_bytes = 4 * tokens / ep * k * h * b.ab;
  if (!b.ex) return;
  note(b.ex, "moe (EP): matmul FLOPs", "2·(tokens·k/EP·expert_params + tokens·(shared·shared_params + h·experts))", moe.matmul_flops, "FLOP",
       "2 × ({} × {} / {} × {} + {} × ({} × {} + {}))", N(tokens), N(k), N(ep), N(full_expert), N(tokens), N(shared), N(shared_params), N(router));
  note(b.ex, "moe (EP): local experts touched (uniform routing)", "E/EP·(1 − (1 − k/E)^tokens)", touched, "experts", "{} / {} × (1 - (1 - {} / {}) ^ {})", N(experts),
       N(ep), N(k), N(experts), N(tokens));
  note_bytes(b.ex, "moe (EP)", moe);
  note(b.ex, "all_to_all (EP): bytes sent per GPU, dispatch and combine", "2·(EP − 1)/EP·(tokens/EP)·k·h·bytes(act)", a2a.comm_bytes, "B",
       "2 × ({0} - 1) / {0} × ({1} / {0}) × {2} × {3} × {4}", N(ep), N(tokens), N(k), N(h), N(b.ab));
}

void add_moe(Build& b, double layers) {
  const ModelConfig& m = b.m;
  const double mats = m.gated_mlp ? 3.0 : 2.0, h = b.sc.base.hidden, tp = b.sc.base.tp, tokens = b.tokens;
  const double experts = D(m.experts), k = D(m.experts_active), shared = D(m.shared_experts);
  const double expert_params = mats * h * D(m.expert_ffn) / tp;
  const double shared_params = mats * h * D(m.shared_expert_ffn > 0 ? m.shared_expert_ffn : m.expert_ffn) / tp;
  const double router = moe_router_params(m, b.sc.base);
  OpCost& moe = add_op(b, OpKind::moe, -1, layers, 3);
  moe.matmul_flops = 2 * tokens * (k * expert_params + shared * shared_params + router);
  // Experts some token of the step routes to, under uniform routing: E·(1-(1-k/E)^tokens).
  const double touched = experts * (1 - std::pow(1 - k / experts, tokens));
  const double expert_bytes = weight_bytes(touched * expert_params + shared * shared_params, WeightClass::expert, m, b.d);
  const double router_bytes = weight_bytes(router, WeightClass::router, m, b.d);
  moe.weight_bytes = expert_bytes + router_bytes;
  moe.weight_params = touched * expert_params + shared * shared_params + router;
  // Each touched expert multiplies the tokens routed to it (tokens·k/touched on average).
  moe.work_units = touched * gemm_tiles(tokens * k / std::max(1.0, touched), expert_params / h) + shared * gemm_tiles(tokens, shared_params / h);
  moe.act_bytes = tokens * (2 * h + (k * D(m.expert_ffn) + shared * D(m.shared_expert_ffn > 0 ? m.shared_expert_ffn : m.expert_ffn)) * mats / tp) * b.ab;
  if (!b.ex) return;
  note(b.ex, "moe: matmul FLOPs", "2·tokens·(top-k·expert_params + shared·shared_params + h·experts)", moe.matmul_flops, "FLOP", "2 × {} × ({} × {} + {} × {} + {})",
       N(tokens), N(k), N(expert_params), N(shared), N(shared_params), N(router));
  note(b.ex, "moe: experts touched (uniform routing)", "E·(1 − (1 − k/E)^tokens)", touched, "experts", "{} × (1 - (1 - {} / {}) ^ {})", N(experts), N(k), N(experts),
       N(tokens));
  note(b.ex, "moe: weight bytes", "(touched·expert_params + shared·shared_params)·bits(experts)/8 + router bytes", moe.weight_bytes, "B", "({} × {} + {} × {}) × {} + {}",
       N(touched), N(expert_params), N(shared), N(shared_params), N(expert_bytes / std::max(1e-300, touched * expert_params + shared * shared_params)),
       N(router_bytes));
  note_bytes(b.ex, "moe", moe);
}

void add_ffn(Build& b) {
  for (size_t i = 0; i < b.sc.ffn.size(); ++i) {
    const FfnStack::Use& f = b.sc.ffn[i];
    const double layers = D(static_cast<int64_t>(f.layers));
    if (layers == 0) continue;
    switch (f.layer.kind) {
      case FfnKind::none: break;
      case FfnKind::dense: add_dense_mlp(b, f, i); break;
      case FfnKind::moe:
        if (b.d.ep > 1) add_moe_ep(b, layers);
        else add_moe(b, layers);
        break;
    }
  }
}

// Logits only where a token is sampled (the last position of a prompt, each of a verify step's
// positions); a tied LM head reads the embedding matrix (same bytes, the embedding's format).
void add_lm_head(Build& b) {
  if (b.load.sampled <= 0) return;
  const double h = b.sc.base.hidden, vocab = D(b.m.vocab) / b.sc.base.tp, sampled = b.load.sampled;
  OpCost& head = add_op(b, OpKind::lm_head, -1, 1, 1);
  head.matmul_flops = 2 * sampled * h * vocab;
  head.weight_bytes = b.sc.lm_head_weight_bytes;
  head.weight_params = h * vocab;
  head.work_units = gemm_tiles(sampled, vocab);
  head.act_bytes = sampled * (h + vocab) * b.ab;
  if (!b.ex) return;
  note(b.ex, "lm_head: matmul FLOPs (the sampled position of each sequence)", "2·B·h·vocab / TP", head.matmul_flops, "FLOP", "2 × {} × {} × {}", N(sampled), N(h),
       N(vocab));
  note_bytes(b.ex, "lm_head", head);
}

// Megatron-style TP: one ring all-reduce of the hidden state after each token mixer and MLP (with
// EP, the MoE layers' outputs come back through the all-to-all's combine instead), on the link
// the TP group spans: 2(TP − 1) steps.
void add_allreduce(Build& b) {
  if (b.d.tp <= 1 || b.sc.allreduce_layers <= 0) return;
  const double tp = b.sc.base.tp, h = b.sc.base.hidden;
  OpCost& ar = add_op(b, OpKind::allreduce, -1, b.sc.allreduce_layers, 1);
  ar.efficiency = EfficiencyClass::network;
  ar.comm_bytes = 2 * (tp - 1) / tp * b.tokens * h * b.ab;
  const Link& link = b.sc.tp_link;
  ar.link_Bps = link.one_way_Bps, ar.over_network = !link.scale_up, ar.comm_latency_s = 2 * (tp - 1) * link.latency_s;
  ar.act_bytes = 2 * b.tokens * h * b.ab;
  if (b.ex)
    note(b.ex, "allreduce: bytes sent per GPU (ring)", "2·(TP − 1)/TP·tokens·h·bytes(act)", ar.comm_bytes, "B", "2 × ({} - 1) / {} × {} × {} × {}", N(tp), N(tp),
         N(b.tokens), N(h), N(b.ab));
}

// What the kernel runs, where the builder left it unset. Attention sets its own, and a naive
// kernel's is 0 when no position is scored: the decode sums read its affine terms off a step
// with pairs but nothing scored (decode_sums.cc varying_terms), where the pairs' FLOPs would
// count twice.
void finish_op(const StepContext& sc, OpCost& op) {
  if (op.executed_matmul_flops == 0 && op.kind != OpKind::attention) op.executed_matmul_flops = op.matmul_flops;
  if (op.weight_params > 0) op.weight_dequant_bits = sc.dequant_bits;
}

Build build_of(const StepContext& sc, const StepLoad& load, OpList& out, Explainer* ex) {
  const Design& d = *sc.design;
  const double cp = D(d.cp);
  return Build{sc, load, out, ex, *sc.model, d, *sc.gpu, bytes_of(d.act_dtype), cp, load.prefill_tokens / cp + load.decode_tokens,
               load.has_prefill() && load.has_decode()};
}

// The decode operator of this kind and pattern, built afresh into b.out for b's load.
void add_context_op(Build& b, OpKind kind, int pattern) {
  if (kind == OpKind::attention) add_softmax_attention(b, pattern, Phase::decode);
  else add_indexer(b, pattern, Phase::decode);
}

}  // namespace

void rebuild_context_ops(const StepContext& sc, const StepLoad& load, OpList& ops) {
  Build b = build_of(sc, load, ops, nullptr);
  const int count = ops.count;
  for (int i = 0; i < count; ++i) {
    const OpCost& old = ops.ops[static_cast<size_t>(i)];
    if (old.kind != OpKind::attention && old.kind != OpKind::indexer) continue;
    // The builder appends one record: with the list cut back to i it writes it over the old one
    // in place (a copy of a record just written would stall on its fields' pending stores).
    const OpKind kind = old.kind;
    const int pattern = old.pattern;
    ops.count = i;
    add_context_op(b, kind, pattern);
    ops.count = count;
    OpCost& fresh = ops.ops[static_cast<size_t>(i)];
    finish_op(sc, fresh);
    apply_roofline(fresh, *sc.gpu, sc.kernels);
  }
}

void build_step_ops(const StepContext& sc, const StepLoad& load, OpList& out, Explainer* ex) {
  out.clear();
  if (!load.has_prefill() && !load.has_decode()) return;  // an empty step costs nothing
  Build b = build_of(sc, load, out, ex);
  const double cp = b.cp;
  if (ex) note(ex, "tokens through the GEMMs", cp > 1 && load.has_prefill() ? "prefill tokens / CP + decode tokens" : "prefill tokens + decode tokens", b.tokens, "tokens",
               "{} / {} + {}", N(load.prefill_tokens), N(cp), N(load.decode_tokens));
  for (int u = 0; u < sc.use_count; ++u)
    if (sc.uses[static_cast<size_t>(u)].layers > 0) add_mixer(b, u);
  add_ffn(b);
  add_lm_head(b);
  add_allreduce(b);
  for (OpCost& op : out.used()) finish_op(sc, op);
}

}  // namespace attncost
