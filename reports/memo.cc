// Renders a PlanResult as the design memo of SPEC §5. Prose explains; every number is read off
// an Estimate the plan computed (or a variant estimated here with the same `estimate`).
#include "reports/memo.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "estimators/pattern_counts.h"
#include "reports/reports.h"
#include "reports/svg_chart.h"

namespace attncost {
namespace {

double gib(double b) { return b / 1073741824.0; }
std::string ms(double s) { return fmt::format("{:.2f} ms", s * 1e3); }
std::string gb(double b) { return fmt::format("{:.2f} GiB", gib(b)); }
std::string pct(double f) { return fmt::format("{:.0f}%", f * 100); }
std::string tokens(double n) { return fmt::format("{:.0f}", n); }

bool has_kind(const Design& d, PatternKind k) {
  for (int e = 0; e < d.attn.entry_count; ++e)
    if (d.attn.entries[static_cast<size_t>(e)].pattern.kind == k) return true;
  return false;
}
bool is_sparse(const Design& d) {
  return has_kind(d, PatternKind::window) || has_kind(d, PatternKind::sinks) || has_kind(d, PatternKind::strided) ||
         has_kind(d, PatternKind::block) || has_kind(d, PatternKind::axial);
}
bool is_recurrent(const Design& d) { return has_kind(d, PatternKind::linear) || has_kind(d, PatternKind::ssm); }

size_t longest_workload(const PlanResult& p) {
  size_t k = 0;
  for (size_t i = 1; i < p.workloads.size(); ++i)
    if (p.workloads[i].ctx + p.workloads[i].gen > p.workloads[k].ctx + p.workloads[k].gen) k = i;
  return k;
}

// The best-scoring candidate (feasible first) satisfying `pred`, or nullptr.
template <typename Pred>
const Candidate* best_where(const PlanResult& p, Pred pred) {
  const Candidate* best = nullptr;
  for (const Candidate& c : p.candidates) {
    if (!pred(c)) continue;
    if (!best || (c.feasible && !best->feasible) || (c.feasible == best->feasible && c.score < best->score)) best = &c;
  }
  return best;
}

const Candidate* find_label(const PlanResult& p, const std::string& label) {
  for (const Candidate& c : p.candidates)
    if (c.label == label) return &c;
  return nullptr;
}

std::string risk_words(const Risk& r) {
  std::vector<std::string> parts;
  if (r.kv_sharing > 0) parts.push_back(fmt::format("KV sharing {:.2f}", r.kv_sharing));
  if (r.reach > 0) parts.push_back(fmt::format("unreachable context {:.2f}", r.reach));
  if (r.early_tokens > 0) parts.push_back(fmt::format("first tokens out of reach {:.2f}", r.early_tokens));
  if (r.access > 0) parts.push_back(fmt::format("too few full-access layers {:.2f}", r.access));
  if (r.state > 0) parts.push_back(fmt::format("fixed-state layers {:.2f}", r.state));
  if (r.quantization > 0) parts.push_back(fmt::format("KV precision {:.2f}", r.quantization));
  if (r.retraining > 0) parts.push_back(fmt::format("uptraining {:.2f}", r.retraining));
  if (parts.empty()) return "none";
  std::string out;
  for (const auto& s : parts) out += (out.empty() ? "" : ", ") + s;
  return out;
}

struct Variant {
  std::string name, side_effects;
  Design design;
  std::vector<Estimate> est;
};

// The recommendation with one change, estimated on every workload.
bool make_variant(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p, const Candidate& base, DesignChoice choice,
                  std::string name, std::string side, std::vector<Variant>& out) {
  Variant v;
  v.name = std::move(name);
  v.side_effects = std::move(side);
  try {
    v.design = make_design(m, choice);
  } catch (const std::exception&) {
    return false;
  }
  if (design_label(v.design) == base.label) return false;
  for (const Workload& w : p.workloads) v.est.push_back(estimate(m, v.design, w, gpu));
  out.push_back(std::move(v));
  return true;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

std::string fmt_tokens_axis(double v) {
  if (v >= 1048576) return fmt::format("{:g}M", v / 1048576);
  if (v >= 1024) return fmt::format("{:g}k", v / 1024);
  return fmt::format("{:g}", v);
}
std::string fmt_gib_axis(double v) { return fmt::format("{:g} GiB", v / 1073741824.0); }
std::string fmt_ms_axis(double v) { return fmt::format("{:g} ms", v * 1e3); }

}  // namespace

std::string workload_flags(const Workload& w) {
  std::string s = fmt::format("--ctx {} --batch {}", w.ctx, w.batch);
  if (w.gen > 0) s += fmt::format(" --gen {}", w.gen);
  return s;
}

std::string design_flags(const ModelConfig& m, const Design& d) {
  std::string s;
  switch (d.sharing) {
    case KvSharing::mha: s = "--mha"; break;
    case KvSharing::gqa: s = fmt::format("--gqa {}", d.kv_heads); break;
    case KvSharing::mqa: s = "--mqa"; break;
    case KvSharing::mla: s = fmt::format("--mla {}:{}", d.mla_rank, d.mla_rope); break;
  }
  s += fmt::format(" --attn '{}' --kv-dtype {}", d.attn.text, dtype_name(d.kv_dtype));
  if (d.weight_dtype != m.dtype) s += fmt::format(" --weight-dtype {}", dtype_name(d.weight_dtype));
  if (d.act_dtype != m.dtype) s += fmt::format(" --act-dtype {}", dtype_name(d.act_dtype));
  if (d.kv_group != m.head_dim) s += fmt::format(" --kv-group {}", d.kv_group);
  if (d.tp != 1) s += fmt::format(" --tp {}", d.tp);
  if (d.kernel != Kernel::flash) s += " --kernel naive";
  if (d.page_size != 16) s += fmt::format(" --page-size {}", d.page_size);
  return s;
}

Memo render_memo(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p, const std::string& chart_stem) {
  Memo memo;
  std::string md;
  const Candidate& base = p.candidates.front();
  const Candidate& rec = p.candidates[static_cast<size_t>(p.recommended)];
  const Candidate* runner = p.runner_up >= 0 ? &p.candidates[static_cast<size_t>(p.runner_up)] : nullptr;
  const Candidate* proposed = nullptr;
  for (const Candidate& c : p.candidates)
    if (c.role == Role::proposed) proposed = &c;
  const size_t lw = longest_workload(p);
  const Workload& longest = p.workloads[lw];
  const std::string gpu_flag = gpu.origin.empty() ? "h100-sxm" : gpu.origin;
  const std::string model_flag = m.origin.empty() ? m.name : m.origin;
  auto cmd = [&](const Design& d, const Workload& w) {
    return fmt::format("attncost estimate --model {} --gpu {} {} {}", model_flag, gpu_flag, design_flags(m, d), workload_flags(w));
  };

  md += fmt::format("# Attention design memo: {} on {}\n\n", m.name, gpu.name);
  md += fmt::format("_Written by attncost {}. Every figure is computed by `attncost estimate` from the inputs in the appendix; "
                    "the commands there reproduce each one. Memory is per GPU, times are roofline predictions{}._\n\n",
                    kVersion, gpu.calibrated ? " from a probe-calibrated GPU profile" : " from datasheet peaks");
  md += fmt::format("**Recommendation: {}** — {}.", rec.label, rec.change);
  if (runner) md += fmt::format(" Runner-up: {}.", runner->label);
  md += "\n\n";
  for (size_t k = 0; k < p.workloads.size(); ++k) {
    const Estimate& b = base.per_workload[k];
    const Estimate& r = rec.per_workload[k];
    md += fmt::format("- **{}** (ctx {}, batch {}): memory {} → {} of a {} budget; decode step {} → {}; concurrent sequences within the "
                      "budget {:.0f} → {:.0f}.\n",
                      p.workloads[k].name, p.workloads[k].ctx, p.workloads[k].batch, gb(b.memory.total_bytes), gb(r.memory.total_bytes),
                      gb(p.budget_bytes), ms(b.decode.time_s), ms(r.decode.time_s), base.max_sequences[k], rec.max_sequences[k]);
  }

  // 1. Situation.
  md += "\n## 1. The situation\n\n";
  md += fmt::format("**Model** {}: {} layers, {} query heads, {} KV heads of width {}, hidden {}, MLP {}, vocabulary {}, {} parameters "
                    "in {}; its own attention: `{}` ({}).\n\n",
                    m.name, m.layers, m.heads, m.kv_heads, m.head_dim, m.hidden, m.ffn, m.vocab, human_count(base.per_workload[0].params),
                    dtype_name(m.dtype), m.attn, sharing_name(base.design.sharing));
  md += fmt::format("**GPU** {}: {} of HBM at {:.2f} TB/s, {:.0f} TFLOP/s dense {} ({}). Memory budget per GPU for weights + KV cache: {}.\n\n",
                    gpu.name, gb(gpu.hbm_bytes), gpu.hbm_bandwidth_Bps / 1e12, gpu.matmul_flops(base.design.act_dtype) / 1e12,
                    dtype_name(base.design.act_dtype), gpu.source, gb(p.budget_bytes));
  md += "| workload | context | batch | generated | per-token target | baseline memory | fits | decode step | KV share of decode bytes | bound | sequences within budget |\n";
  md += "|---|---:|---:|---:|---:|---:|---|---:|---:|---|---:|\n";
  for (size_t k = 0; k < p.workloads.size(); ++k) {
    const Workload& w = p.workloads[k];
    const Estimate& b = base.per_workload[k];
    md += fmt::format("| {} | {} | {} | {} | {} | {} (weights {} + KV {}) | {} | {} | {} | {} | {:.0f} |\n", w.name, w.ctx, w.batch, w.gen,
                      w.slo_ms > 0 ? fmt::format("{} ms", w.slo_ms) : "—", gb(b.memory.total_bytes), gb(b.memory.weights_bytes),
                      gb(b.memory.kv_bytes), b.memory.total_bytes <= p.budget_bytes ? "yes" : "**no**", ms(b.decode.time_s),
                      pct(b.decode.kv_read_bytes / b.decode.hbm_bytes), bound_name(b.decode.bound), base.max_sequences[k]);
  }
  md += "\nWhat breaks:\n\n";
  bool any_break = false;
  for (size_t k = 0; k < p.workloads.size(); ++k) {
    const Workload& w = p.workloads[k];
    const Estimate& b = base.per_workload[k];
    if (b.memory.total_bytes > p.budget_bytes) {
      any_break = true;
      md += fmt::format("- **{}**: the KV cache alone is {} for {} sequence(s) of {} tokens; with {} of weights the baseline needs {} "
                        "against a {} budget — it does not fit.\n",
                        w.name, gb(b.memory.kv_bytes), w.batch, w.ctx + w.gen, gb(b.memory.weights_bytes), gb(b.memory.total_bytes),
                        gb(p.budget_bytes));
    }
    if (b.decode.kv_read_bytes > 0.5 * b.decode.hbm_bytes) {
      any_break = true;
      md += fmt::format("- **{}**: a decode step moves {} of which {} ({}) are KV-cache reads: decode is bound by KV bandwidth, "
                        "so its {} step grows with the context.\n",
                        w.name, gb(b.decode.hbm_bytes), gb(b.decode.kv_read_bytes), pct(b.decode.kv_read_bytes / b.decode.hbm_bytes),
                        ms(b.decode.time_s));
    }
    if (w.slo_ms > 0 && b.decode.time_s * 1e3 > w.slo_ms) {
      any_break = true;
      md += fmt::format("- **{}**: the baseline's decode step of {} misses the {} ms per-token target.\n", w.name, ms(b.decode.time_s), w.slo_ms);
    }
  }
  if (!any_break) md += "- Nothing breaks outright: the baseline fits and meets its targets; the options below trade quality risk for headroom.\n";

  // 2. Why.
  const Shape s = shape_of(m, base.design, 1);
  const double kvb_layer = kv_bytes_per_token_layer(s, base.design);
  md += "\n## 2. Why: where the memory and the time go\n\n";
  md += fmt::format(
      "In each of the {} layers, every token's hidden state x (width {}) is projected to a query q = x·W_Q ({} heads × {}), a key "
      "k = x·W_K and a value v = x·W_V ({} KV heads × {}). Query i scores every key j it may see: s_ij = q_i·k_j / √{} (the scaling "
      "keeps the logits' variance independent of the head width). The causal mask sets s_ij = −∞ for j > i — and, for a sparse "
      "pattern, for every pair outside the pattern — *before* the softmax, so masked keys get exactly zero weight; the softmax then "
      "normalizes each row, p_ij = exp(s_ij) / Σ_j' exp(s_ij'), and the head's output is o_i = Σ_j p_ij v_j, the heads concatenated "
      "and projected by W_O.\n\n",
      m.layers, m.hidden, m.heads, s.d_k, base.design.kv_heads, s.d_k, s.d_k);
  const Estimate& bl = base.per_workload[lw];
  md += fmt::format(
      "**Why the cache grows.** A generated token's query needs the keys and values of every earlier token it attends, and recomputing "
      "them would cost a full prefill per step, so they are kept: {} KV heads × ({} + {}) values × {} bytes = {} per token per layer, "
      "{} per token over the {} layers. The cache grows linearly with the context: at {} tokens one sequence holds {}, and a decode "
      "step must read all of it ({} of the {} a step moves at **{}**), which is why decode time grows with the context while the "
      "weights' share stays fixed.\n\n",
      base.design.kv_heads, s.d_k, s.d_v, dtype_bits(base.design.kv_dtype) / 8.0, human_bytes(kvb_layer),
      human_bytes(bl.kv.bytes_per_token), m.layers, longest.ctx, gb(bl.kv.bytes_per_sequence), gb(bl.decode.kv_read_bytes),
      gb(bl.decode.hbm_bytes), longest.name);
  {
    Design naive = base.design;
    naive.kernel = Kernel::naive;
    const Estimate en = estimate(m, naive, longest, gpu);
    const double scores = naive_score_matrix_bytes(s, base.design, longest.ctx);
    md += fmt::format(
        "**The n×n scores of a naive prefill.** An eager implementation materializes S = QKᵀ and P = softmax(S) for the whole prompt: "
        "{}² × {} heads × {} bytes = {} per layer and sequence at {} tokens, written and read twice (S, then P). With `--kernel naive` "
        "the prefill of **{}** moves {} and takes {}; a tiled, fused (flash) kernel keeps S and P on chip and moves {} in {}.\n",
        longest.ctx, m.heads, dtype_bits(base.design.act_dtype) / 8.0, gb(scores), longest.ctx, longest.name, human_bytes(en.prefill.hbm_bytes),
        human_time(en.prefill.time_s), human_bytes(bl.prefill.hbm_bytes), human_time(bl.prefill.time_s));
  }

  // 3. Options.
  md += "\n## 3. The options\n\n";
  md += fmt::format("{} candidate designs were estimated (KV sharing × attention pattern × KV dtype); {} satisfy every constraint. "
                    "Score = risk + 0.25·log2(cost) (lower is better; cost is the geometric mean over workloads of "
                    "∛(decode × prefill × memory per GPU), each relative to the baseline; docs/cost-model.md §8).\n\n",
                    p.candidates.size(), p.feasible_count);
  md += "| rank | design | role | ";
  for (const auto& w : p.workloads) md += fmt::format("memory {} | decode {} | seqs {} | ", w.name, w.name, w.name);
  md += fmt::format("prefill {} | reach | attended | KV/query head | token 0 | risk | score | note |\n", longest.name);
  md += "|---:|---|---|";
  for (size_t k = 0; k < p.workloads.size(); ++k) md += "---:|---:|---:|";
  md += "---:|---:|---:|---:|---|---:|---:|---|\n";
  std::vector<const Candidate*> rows = {&base};
  if (proposed) rows.push_back(proposed);
  const auto order = ranked(p);
  for (size_t k = 0; k < order.size() && k < 12; ++k) {
    const Candidate* c = &p.candidates[static_cast<size_t>(order[k])];
    if (std::find(rows.begin(), rows.end(), c) == rows.end()) rows.push_back(c);
  }
  int shown_infeasible = 0;
  for (const Candidate& c : p.candidates)
    if (!c.feasible && c.role == Role::alternative && shown_infeasible < 4 && is_recurrent(c.design) == (shown_infeasible % 2 == 1))
      rows.push_back(&c), ++shown_infeasible;
  for (const Candidate* c : rows) {
    const Quality& q = c->per_workload[lw].quality;
    md += fmt::format("| {} | {} | {} | ", c->rank > 0 ? fmt::format("{}", c->rank) : "—", c->label, role_name(c->role));
    for (size_t k = 0; k < p.workloads.size(); ++k) {
      const Estimate& e = c->per_workload[k];
      md += fmt::format("{} | {} | {:.0f} | ", gb(e.memory.total_bytes), ms(e.decode.time_s), c->max_sequences[k]);
    }
    md += fmt::format("{} | {} | {:.3f} | {:.3f} | {} | {:.2f} | {:.3f} | {} |\n", human_time(c->per_workload[lw].prefill.time_s),
                      tokens(q.direct_reach_tokens), q.attended_fraction, q.kv_head_ratio, q.first_token_visible ? "yes" : "no",
                      c->risk.total(), c->score, c->feasible ? c->change : "infeasible: " + c->infeasible_reason);
  }
  md += "\nReach: the farthest token the last query attends directly in any layer. Attended: the fraction of causal query–key pairs "
        "scored, over all layers. KV/query head: KV heads per query head. Token 0: whether the last query still attends the first token.\n";
  if (!chart_stem.empty()) {
    md += fmt::format("\n![KV cache per sequence vs context]({0}-kv.svg)\n\n![Decode step time vs context]({0}-decode.svg)\n\n"
                      "![Memory per GPU at the longest workload]({0}-memory.svg)\n",
                      chart_stem);
  }

  // 4. Recommendation.
  md += "\n## 4. Recommendation\n\n";
  md += fmt::format("**{}** ({}), for all workloads together: score {:.3f} = risk {:.3f} ({}) + 0.25·log2(cost {:.3f}).\n\n", rec.label,
                    rec.change, rec.score, rec.risk.total(), risk_words(rec.risk), rec.cost);
  for (size_t k = 0; k < p.workloads.size(); ++k) {
    const Estimate& b = base.per_workload[k];
    const Estimate& r = rec.per_workload[k];
    md += fmt::format("- {}: KV cache {} → {} per GPU ({:.1f}× less), decode step {} → {} ({}-bound), prefill {} → {}, concurrent sequences "
                      "within the budget {:.0f} → {:.0f}.\n",
                      p.workloads[k].name, gb(b.memory.kv_bytes), gb(r.memory.kv_bytes), b.memory.kv_bytes / r.memory.kv_bytes,
                      ms(b.decode.time_s), ms(r.decode.time_s), bound_name(r.decode.bound), human_time(b.prefill.time_s),
                      human_time(r.prefill.time_s), base.max_sequences[k], rec.max_sequences[k]);
  }
  if (runner)
    md += fmt::format("\nRunner-up: **{}** (score {:.3f}, risk {:.3f}: {}). Prefer it if {}.\n", runner->label, runner->score, runner->risk.total(),
                      risk_words(runner->risk),
                      runner->risk.total() < rec.risk.total() ? "quality evaluations of the recommendation regress"
                                                               : "its lower cost matters more than the added structural risk");
  const Candidate* sparse = best_where(p, [](const Candidate& c) { return is_sparse(c.design) && !is_recurrent(c.design); });
  const Candidate* linear = best_where(p, [](const Candidate& c) { return is_recurrent(c.design); });
  md += "\n**Sparse vs linear attention.** A sparse pattern keeps the softmax exact but restricts which keys enter it: a masked pair "
        "gets weight zero, so a dependency longer than the pattern's reach must be relayed through intermediate tokens across layers "
        "(receptive field), and the first tokens vanish unless sinks or global tokens keep them. Linear attention replaces exp(q·k) "
        "by a kernel φ(q)·φ(k), so the weights are never normalized over explicit pairs: all history is summed into a fixed "
        "F × d_v state per head, which is cheap at any length but blurs individual tokens — retrieval of one early detail is "
        "exactly what such states do worst (Arora et al. 2023; Jelassi et al. 2024); selective state spaces (Mamba) make the state "
        "input-dependent but keep its fixed size.";
  if (sparse && linear) {
    const Estimate& es = sparse->per_workload[lw];
    const Estimate& el = linear->per_workload[lw];
    md += fmt::format(" Here the best sparse option, {}, needs {} of KV at **{}** and reaches {} tokens directly (token 0: {}); the best "
                      "linear/state option, {}, needs {} and holds a constant {} state per sequence, risk {:.2f} vs {:.2f}.",
                      sparse->label, gb(es.memory.kv_bytes), longest.name, tokens(es.quality.direct_reach_tokens),
                      es.quality.first_token_visible ? "yes" : "no", linear->label, gb(el.memory.kv_bytes),
                      human_bytes(el.kv.state_bytes_per_sequence), sparse->risk.total(), linear->risk.total());
  }
  md += "\n\n";
  {
    DesignChoice mqa = rec.choice, gqa8 = rec.choice;
    mqa.sharing = KvSharing::mqa;
    gqa8.sharing = KvSharing::gqa;
    gqa8.kv_heads = std::max<int64_t>(1, m.heads / 8);
    const Candidate* cm = find_label(p, design_label(make_design(m, mqa)));
    const Candidate* cg = m.heads % 8 == 0 ? find_label(p, design_label(make_design(m, gqa8))) : nullptr;
    md += "**MQA vs GQA.** Sharing one K/V head among a group of query heads divides the cache and the decode KV reads by the group "
          "size while every query head still attends with its own query, so attention FLOPs do not change. MQA (one KV head) saves the "
          "most but forces all heads to read the same keys and values, which costs quality and training stability; GQA with about "
          "one KV head per eight query heads recovers close-to-MHA quality at near-MQA speed, and can be uptrained from an MHA "
          "checkpoint by mean-pooling heads with ~5% of the pre-training compute (Ainslie et al. 2023, GQA).";
    if (cm && cg) {
      const Estimate& a = cg->per_workload[lw];
      const Estimate& b = cm->per_workload[lw];
      md += fmt::format(" With the recommended pattern and KV dtype at **{}**: GQA-{} needs {} and a {} decode step, MQA {} and {} — "
                        "MQA's extra saving is {} and {}.",
                        longest.name, gqa8.kv_heads.value(), gb(a.memory.kv_bytes), ms(a.decode.time_s), gb(b.memory.kv_bytes),
                        ms(b.decode.time_s), gb(a.memory.kv_bytes - b.memory.kv_bytes), ms(a.decode.time_s - b.decode.time_s));
    }
    md += "\n";
  }

  // 5. Mitigation.
  md += "\n## 5. Keeping long-range quality\n\n";
  std::vector<Variant> variants;
  const Design& rd = rec.design;
  const bool windowed = has_kind(rd, PatternKind::window) || has_kind(rd, PatternKind::sinks);
  const Quality& rq = rec.per_workload[lw].quality;
  if (windowed) {
    uint64_t w0 = 0;
    for (int e = 0; e < rd.attn.entry_count; ++e) {
      const Pattern& pt = rd.attn.entries[static_cast<size_t>(e)].pattern;
      if (pt.kind == PatternKind::window || pt.kind == PatternKind::sinks) w0 = pt.window;
    }
    if (has_kind(rd, PatternKind::window)) {
      DesignChoice c = rec.choice;
      c.attn = replace_all(rd.attn.text, "window:", "sinks:4+window:");
      make_variant(m, gpu, p, rec, c, "keep 4 attention sinks in every window layer",
                   "4 more cached tokens per window layer; restores the first tokens the softmax leans on (StreamingLLM) but not "
                   "arbitrary early details", variants);
    }
    if (rq.full_access_layers * 4 < static_cast<double>(m.layers)) {
      DesignChoice c = rec.choice;
      c.attn = fmt::format("window:{}*3/dense", w0);
      make_variant(m, gpu, p, rec, c, "make every fourth layer dense",
                   "those layers cache the whole context again (memory grows with the context), but every token is directly "
                   "attendable in a quarter of the layers, as in Gemma-2 / Character.AI-style local-global stacks", variants);
    }
    DesignChoice c = rec.choice;
    c.attn = replace_all(rd.attn.text, fmt::format("window:{}", w0), fmt::format("window:{}", 2 * w0));
    make_variant(m, gpu, p, rec, c, fmt::format("double the window to {}", 2 * w0),
                 "twice the window's KV and decode reads; direct reach doubles but stays local", variants);
  } else if (is_recurrent(rd)) {
    DesignChoice c = rec.choice;
    c.attn = "ssm*3/dense";
    make_variant(m, gpu, p, rec, c, "one attention layer in four", "exact retrieval through the attention layers, whose KV grows with the context", variants);
  } else {
    md += fmt::format("The recommendation keeps direct access to every token in {} of {} layers (reach {} tokens, first token visible), "
                      "so long-range dependencies are not cut by the mask; the risk sits in the KV sharing and precision instead. "
                      "Mitigations, with their cost:\n\n",
                      tokens(rq.full_access_layers), m.layers, tokens(rq.direct_reach_tokens));
  }
  if (rd.sharing == KvSharing::gqa || rd.sharing == KvSharing::mqa) {
    if (rd.kv_heads * 2 <= m.heads && m.heads % (rd.kv_heads * 2) == 0) {
      DesignChoice c = rec.choice;
      c.sharing = KvSharing::gqa;
      c.kv_heads = rd.kv_heads * 2;
      make_variant(m, gpu, p, rec, c, fmt::format("twice the KV heads (GQA-{})", rd.kv_heads * 2),
                   "twice the KV cache and decode KV reads; closer to MHA quality (GQA paper)", variants);
    }
  }
  if (rd.kv_dtype != m.dtype) {
    DesignChoice c = rec.choice;
    c.kv_dtype = dtype_bits(rd.kv_dtype) < 8 ? Dtype::int8 : m.dtype;
    make_variant(m, gpu, p, rec, c, fmt::format("a KV cache in {}", dtype_name(*c.kv_dtype)),
                 "more KV bytes per token; removes most quantization error from long-context attention", variants);
  }
  if (!variants.empty()) {
    md += "| mitigation | design | ";
    for (const auto& w : p.workloads) md += fmt::format("memory {} | decode {} | ", w.name, w.name);
    md += "reach | token 0 | fits all | side effects |\n|---|---|";
    for (size_t k = 0; k < p.workloads.size(); ++k) md += "---:|---:|";
    md += "---:|---|---|---|\n";
    for (const Variant& v : variants) {
      bool fits = true;
      md += fmt::format("| {} | {} | ", v.name, design_label(v.design));
      for (size_t k = 0; k < p.workloads.size(); ++k) {
        const Estimate& e = v.est[k];
        const Estimate& r = rec.per_workload[k];
        fits = fits && e.memory.total_bytes <= p.budget_bytes;
        md += fmt::format("{} ({:+.2f}) | {} ({:+.2f} ms) | ", gb(e.memory.total_bytes), gib(e.memory.total_bytes - r.memory.total_bytes),
                          ms(e.decode.time_s), (e.decode.time_s - r.decode.time_s) * 1e3);
      }
      const Quality& q = v.est[lw].quality;
      md += fmt::format("{} | {} | {} | {} |\n", tokens(q.direct_reach_tokens), q.first_token_visible ? "yes" : "no", fits ? "yes" : "**no**",
                        v.side_effects);
    }
  }

  // 6. Monitoring and validation.
  md += "\n## 6. What to monitor, and how to check these numbers\n\n";
  md += fmt::format("- Retrieval at every depth of the longest context ({} tokens): needle-in-a-haystack and multi-hop questions that link "
                    "an early detail to a late section, compared with the baseline at depths 0–100%.\n",
                    longest.ctx);
  if (windowed) md += "- Perplexity as a function of position beyond the window, and answers whose evidence lies in the first tokens.\n";
  if (rd.sharing != base.design.sharing || rd.kv_heads != base.design.kv_heads)
    md += "- Standard benchmark deltas after uptraining to the new KV sharing (the GQA paper reports the uptraining recipe and the "
          "expected gap).\n";
  if (rd.kv_dtype != base.design.kv_dtype)
    md += fmt::format("- Logit and perplexity drift of the {} KV cache against {} at the longest context.\n", dtype_name(rd.kv_dtype),
                      dtype_name(base.design.kv_dtype));
  md += "\nOn the target GPU, the probe times real kernels and compares them with these predictions:\n\n```sh\n";
  md += fmt::format("attncost probe --suite quick --check --tolerance 0.2\nattncost probe --calibrate -o {}.json\n", gpu_flag);
  md += fmt::format("attncost plan --model {} --gpu {}.json ...   # the same plan with measured ceilings\n```\n", model_flag, gpu_flag);

  // Appendix.
  md += "\n## Appendix: inputs and formulas\n\nEach design's numbers are reproduced by:\n\n```sh\n";
  for (const Candidate* c : {&base, proposed, &rec, runner})
    if (c)
      for (const Workload& w : p.workloads) md += fmt::format("{}   # {}, {}\n", cmd(c->design, w), role_name(c->role), w.name);
  md += "```\n\n";
  const Shape rs = shape_of(m, rd, 1);
  const Estimate& re = rec.per_workload[lw];
  md += fmt::format("Recommended design at **{}** (ctx n = {}, batch B = {}):\n\n", longest.name, longest.ctx, longest.batch);
  md += fmt::format("- KV bytes per token per softmax layer = {} = {} B; Σ over layers = {} per token; per sequence = Σ_layers cached(n) × bytes "
                    "+ states = {}.\n",
                    rd.sharing == KvSharing::mla ? fmt::format("(r + rope)·b = ({} + {})·{}", rd.mla_rank, rd.mla_rope, dtype_bits(rd.kv_dtype) / 8.0)
                                                 : fmt::format("G·(d_k + d_v)·b(kv) = {}·({} + {})·{}", rd.kv_heads, rs.d_k, rs.d_v, dtype_bits(rd.kv_dtype) / 8.0),
                    kv_bytes_per_token_layer(rs, rd), human_bytes(re.kv.bytes_per_token), human_bytes(re.kv.bytes_per_sequence));
  for (int u = 0; u < re.use_count; ++u) {
    const auto& use = re.uses[static_cast<size_t>(u)];
    md += fmt::format("- `{}` × {} layers: cached tokens {}, prefill pairs per head Σ_i pairs(i) = {}, decode pairs per head pairs(n−1) = {}.\n",
                      pattern_text(use.pattern), use.layers, cached_tokens(use.pattern, longest.ctx),
                      human_count(to_double(prefill_pairs(use.pattern, longest.ctx))), decode_pairs(use.pattern, longest.ctx));
  }
  md += fmt::format("- Attention FLOPs = 2·pairs·(d_k + d_v) summed over heads, layers and batch: prefill {}, decode step {}.\n",
                    human_count(re.prefill.attention_flops), human_count(re.decode.attention_flops));
  md += fmt::format("- Decode step bytes = weights {} + KV read {} + KV write {} + activations {} = {}; roofline time Σ_ops max(FLOPs/peak, "
                    "bytes/{:.2f} TB/s) + launches = {}.\n",
                    human_bytes(re.decode.weight_bytes), human_bytes(re.decode.kv_read_bytes), human_bytes(re.decode.kv_write_bytes),
                    human_bytes(re.decode.act_bytes), human_bytes(re.decode.hbm_bytes), gpu.hbm_bandwidth_Bps / 1e12, ms(re.decode.time_s));
  md += fmt::format("- Memory per GPU = weights {} + B × allocated KV per sequence {} (pages of {} tokens) = {} vs budget {} "
                    "(HBM {} minus reserve).\n",
                    gb(re.memory.weights_bytes), human_bytes(re.memory.kv_bytes_per_sequence), rd.page_size, gb(re.memory.total_bytes),
                    gb(p.budget_bytes), gb(gpu.hbm_bytes));
  md += "\nEvery formula, its assumptions and its source: `docs/cost-model.md`.\n";
  memo.markdown = std::move(md);

  if (!chart_stem.empty()) {
    std::vector<const Candidate*> shown = {&base};
    for (const Candidate* c : {proposed, &rec, runner})
      if (c && std::find(shown.begin(), shown.end(), c) == shown.end()) shown.push_back(c);
    LineChart kv{"KV cache per sequence vs context", "context (tokens)", "KV cache per sequence", {}, true, fmt_tokens_axis, fmt_gib_axis, 0, "", 1073741824.0};
    LineChart dec{fmt::format("Decode step time vs context (batch {})", p.workloads.front().batch), "context (tokens)", "decode step",
                  {}, true, fmt_tokens_axis, fmt_ms_axis, 0, "", 1e-3};
    for (const Workload& w : p.workloads)
      if (w.slo_ms > 0) dec.y_limit = w.slo_ms / 1e3, dec.y_limit_label = fmt::format("{} target {} ms", w.name, w.slo_ms);
    const uint64_t top = std::max<uint64_t>(2 * (longest.ctx + longest.gen), 8192);
    for (const Candidate* c : shown) {
      const std::string role = c == &rec ? "recommended" : c == runner ? "runner-up" : std::string(role_name(c->role));
      Series a{fmt::format("{} ({})", c->label, role), {}}, b = a;
      for (uint64_t n = 1024; n <= top; n *= 2) {
        Workload w = p.workloads.front();
        w.ctx = n;
        const Estimate e = estimate(m, c->design, w, gpu);
        a.points.emplace_back(static_cast<double>(n), e.kv.bytes_per_sequence);
        b.points.emplace_back(static_cast<double>(n), e.decode.time_s);
      }
      kv.series.push_back(std::move(a));
      dec.series.push_back(std::move(b));
    }
    BarChart mem{fmt::format("Memory per GPU at {} (ctx {}, batch {})", longest.name, longest.ctx, longest.batch), "bytes per GPU", {},
                 p.budget_bytes, "budget", fmt_gib_axis, 1073741824.0};
    for (const Candidate* c : shown) {
      const Memory& e = c->per_workload[lw].memory;
      const std::string name = c == &rec ? "recommended" : c == runner ? "runner-up" : std::string(role_name(c->role));
      mem.bars.push_back({name, {{"weights", e.weights_bytes}, {"KV cache", e.kv_bytes}}});
    }
    memo.charts.push_back({chart_stem + "-kv.svg", render_line_chart(kv)});
    memo.charts.push_back({chart_stem + "-decode.svg", render_line_chart(dec)});
    memo.charts.push_back({chart_stem + "-memory.svg", render_bar_chart(mem)});
  }
  return memo;
}

}  // namespace attncost
