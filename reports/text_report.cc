// Terminal renderings: aligned tables a person reads; scripts use JSON or CSV.
#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "estimators/pattern_counts.h"
#include "reports/reports.h"
#include "estimators/plan_limits.h"

namespace attncost {

std::string kernels_text(const Estimate& e, const GpuSpec& g) {
  if (g.calibrated) return "the efficiencies of the calibrated profile (probe --calibrate)";
  if (!e.kernels) return "peak: the datasheet roofline at 100% (--kernels peak, or a GPU without an architecture)";
  return e.kernels->provenance;
}

std::string ffn_text(const ModelConfig& m) {
  std::string parts;
  for (const FfnStack::Use& u : m.ffn_layers.uses(static_cast<uint64_t>(m.layers))) {
    std::string kind;
    if (u.layer.kind == FfnKind::dense) kind = fmt::format("dense MLP {}", u.layer.width > 0 ? u.layer.width : m.ffn);
    else if (u.layer.kind == FfnKind::moe)
      kind = fmt::format("MoE {} experts top-{} of width {}{}", m.experts, m.experts_active, m.expert_ffn,
                         m.shared_experts > 0 ? fmt::format(" + {} shared of width {}", m.shared_experts, m.shared_expert_ffn > 0 ? m.shared_expert_ffn : m.expert_ffn) : "");
    else kind = "no MLP";
    parts += fmt::format("{}{} layers {}", parts.empty() ? "" : ", ", u.layers, kind);
  }
  return fmt::format("          feed-forward: {}\n", parts);
}

namespace {

std::string link_text(bool over_network, double Bps) {
  return fmt::format("{} ({:.0f} GB/s each way)", over_network ? "the scale-out network" : "the scale-up link", Bps / 1e9);
}

// What crosses a link in this phase, per GPU, and whether it hides behind the math.
void link_lines(std::string& out, const PhaseCost& p) {
  for (int i = 0; i < p.ops.count; ++i) {
    const OpCost& op = p.ops.ops[static_cast<size_t>(i)];
    if (op.comm_bytes <= 0) continue;
    std::string note;
    if (op.kind == OpKind::attention && op.comm_after)
      note = "; after the attention (the partial outputs it gathers are its result), not overlapped";
    else if (op.kind == OpKind::attention)
      note = op.bound == Bound::network ? "; the K/V ring outlasts the attention it should hide behind: network-bound"
                                        : "; overlapped with the attention (hidden)";
    if (op.kind == OpKind::all_to_all) note = "; routing assumed uniform (the busiest GPU of a real router receives more)";
    out += fmt::format("  link  {:<9} {} per GPU per layer over {}, {} in all{}\n", op_name(op.kind), human_bytes(op.comm_bytes),
                       link_text(op.over_network, op.link_Bps), human_time(op.network_s * op.layers), note);
  }
  if (p.stage_send_bytes > 0)
    out += fmt::format("  link  stages    {} per micro-batch per boundary over {}, {} in all\n", human_bytes(p.stage_send_bytes),
                       link_text(p.stage_send_over_network, p.stage_link_Bps),
                       human_time(p.stage_send_s));
}

void phase_lines(std::string& out, const char* title, const PhaseCost& p, bool decode, const Band& band) {
  out += fmt::format("{}\n", title);
  out += fmt::format("  attention pairs   {:>14}   attention matmul FLOPs {:>12}  other {}\n", human_count(p.attention_pairs),
                     human_count(p.attention_flops), human_count(p.attention_other_flops));
  out += fmt::format("  total matmul FLOPs{:>14}   HBM traffic {:>12} (weights {}, KV read {}, KV write {}, activations {})\n",
                     human_count(p.flops), human_bytes(p.hbm_bytes), human_bytes(p.weight_bytes), human_bytes(p.kv_read_bytes),
                     human_bytes(p.kv_write_bytes), human_bytes(p.act_bytes));
  out += fmt::format("  time              {:>14}   {}-bound; {} {}{}\n", human_time(p.time_s, band), bound_name(p.bound),
                     decode ? "tokens/s" : "prompt tokens/s", human_rate(p.tokens_per_s, band), band.rel > 0 ? "; " + band_text(band) : "");
  out += "    op            layers        time   bound     per layer: FLOPs / bytes\n";
  for (int i = 0; i < p.ops.count; ++i) {
    const OpCost& op = p.ops.ops[static_cast<size_t>(i)];
    out += fmt::format("    {:<12} {:>7} {:>11}   {:<8}  {} / {}\n", op_name(op.kind), op.layers, human_time(op.time_s * op.layers),
                       bound_name(op.bound), human_count(op.executed_matmul_flops + op.other_flops), human_bytes(op.hbm_bytes()));
  }
  link_lines(out, p);
}

}  // namespace

std::string estimate_text(const EstimateInputs& in, const Estimate& e) {
  const auto& [m, d, w, g] = in;
  std::string out;
  out += fmt::format("model     {} ({} layers, {} heads, {} KV heads, head dim {}; {} params with this design)\n", m.name, m.layers, m.heads,
                     m.kv_heads, m.head_dim, human_count(e.params));
  out += fmt::format("design    {}  [kernel {}, page {}, TP {}{}]\n", design_label(d), kernel_name(d.kernel), d.page_size, d.tp,
                     replica_gpus(d) * d.dp > d.tp || d.ep > 1
                         ? fmt::format(", PP {}, CP {}, EP {}, DP {}: {} GPUs per replica, {} in all", d.pp, d.cp, d.ep, d.dp, replica_gpus(d), replica_gpus(d) * d.dp)
                         : "");
  if (d.tp > 1 && e.kv_replication > 1)
    out += fmt::format("          note: --tp {} exceeds the KV heads; each KV head is replicated on {:.0f} GPUs\n", d.tp, e.kv_replication);
  for (int u = 0; u < e.use_count; ++u) {
    const auto& use = e.uses[static_cast<size_t>(u)];
    out += fmt::format("          {:>3} layers {:<28} caches {} tokens, decode attends {} keys\n", use.layers,
                       pattern_text(use.pattern), cached_tokens(use.pattern, w.ctx), decode_pairs(use.pattern, w.ctx));
  }
  out += ffn_text(m);
  if (m.weights.quantized() && d.weights_as_checkpoint) out += fmt::format("weights   {} (quantization_config)\n", m.weights.method);
  for (const std::string& line : e.loaded.lines) out += fmt::format("loaded    {}\n", line);
  for (const std::string& note : m.notes) out += fmt::format("note      {}\n", note);
  out += fmt::format("workload  ctx {}, batch {}, gen {}\n", w.ctx, w.batch, w.gen);
  if (m.beyond_trained_length(w.ctx + w.gen))
    out += fmt::format("          note: {} tokens exceed the {} positions the model was trained for (max_position_embeddings): the costs hold, the quality does not\n",
                       w.ctx + w.gen, m.max_position);
  out += fmt::format("hardware  {}{} ({} HBM at {:.2f} TB/s)\n", g.name, g.calibrated ? " [calibrated profile]" : "",
                     human_bytes(g.hbm_bytes), g.hbm_bandwidth_Bps / 1e12);
  out += fmt::format("kernels   {}\n\n", kernels_text(e, g));
  out += fmt::format("KV cache  {} per token, {} per sequence, {} for the batch\n\n", human_bytes(e.kv.bytes_per_token),
                     human_bytes(e.kv.bytes_per_sequence), human_bytes(e.kv.bytes_total));
  if (w.phase != Phase::decode) phase_lines(out, "prefill (whole batch)", e.prefill, false, e.bands.prefill);
  if (w.phase == Phase::both) out += "\n";
  if (w.phase != Phase::prefill) phase_lines(out, "decode (one step at ctx)", e.decode, true, e.bands.decode);
  const Memory& mem = e.memory;
  out += fmt::format("\nmemory per GPU at {} tokens: weights {} + KV {} = {} of a {} budget ({}) → {}; at most {} concurrent sequences\n",
                     w.ctx + w.gen, human_bytes(mem.weights_bytes), human_bytes(mem.kv_bytes), human_bytes(mem.total_bytes),
                     human_bytes(mem.budget_bytes), budget_rule_text(e), mem.fits ? "fits" : "DOES NOT FIT", mem.max_concurrent_sequences);
  if (!mem.naive_prefill_runs) out += "          " + naive_cannot_run_text(e) + "\n";
  out += fmt::format("engine    {}\n", engine_capacity_text(in, e));
  out += fmt::format("serving   {}\n", serving_text(in, e));
  out += fmt::format("bands     {}\n", bands_text(e.bands));
  const Quality& q = e.quality;
  out += fmt::format("quality   direct reach {} tokens, receptive field {}, attended fraction {:.4f}, KV heads per query head {:.4f}, "
                     "token 0 visible: {}\n",
                     q.direct_reach_tokens, q.receptive_field_tokens, q.attended_fraction, q.kv_head_ratio,
                     q.first_token_visible ? "yes" : "no");
  return out;
}

std::string estimate_md(const EstimateInputs& in, const Estimate& e) {
  const auto& [m, d, w, g] = in;
  std::string out = fmt::format("# Estimate: {} on {}\n\n", m.name, g.name);
  out += fmt::format("| input | value |\n|---|---|\n| model | {} ({} layers, {} heads, {} KV heads, head dim {}; {} parameters with this design) |\n",
                     m.name, m.layers, m.heads, m.kv_heads, m.head_dim, human_count(e.params));
  out += fmt::format("| design | {} (kernel {}, page {}, TP {}) |\n| workload | ctx {}, batch {}, gen {} |\n| hardware | {}{} |\n\n",
                     design_label(d), kernel_name(d.kernel), d.page_size, d.tp, w.ctx, w.batch, w.gen, g.name,
                     g.calibrated ? " (calibrated profile)" : "");
  if (d.tp > 1 && e.kv_replication > 1)
    out += fmt::format("--tp {} exceeds the KV heads: each KV head is replicated on {:.0f} GPUs.\n\n", d.tp, e.kv_replication);
  out += fmt::format("**KV cache**: {} per token, {} per sequence, {} for the batch.\n\n", human_bytes(e.kv.bytes_per_token),
                     human_bytes(e.kv.bytes_per_sequence), human_bytes(e.kv.bytes_total));
  out += "| phase | attention pairs | attention FLOPs | matmul FLOPs | HBM bytes | time | bound |\n|---|---:|---:|---:|---:|---:|---|\n";
  for (const auto& [name, p, band] : {std::tuple<const char*, const PhaseCost*, const Band*>{"prefill (whole batch)", &e.prefill, &e.bands.prefill},
                                     {"decode step", &e.decode, &e.bands.decode}})
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", name, human_count(p->attention_pairs), human_count(p->attention_flops),
                       human_count(p->flops), human_bytes(p->hbm_bytes), banded_time(p->time_s, *band), bound_name(p->bound));
  out += fmt::format("\nDecode: {} tokens/s. Memory per GPU at {} tokens: weights {} + KV {} = {} of a {} budget ({}; {}); at most {} concurrent sequences.\n",
                     human_count(e.decode.tokens_per_s), w.ctx + w.gen, human_bytes(e.memory.weights_bytes), human_bytes(e.memory.kv_bytes),
                     human_bytes(e.memory.total_bytes), human_bytes(e.memory.budget_bytes), budget_rule_text(e), e.memory.fits ? "fits" : "does not fit",
                     e.memory.max_concurrent_sequences);
  if (!e.memory.naive_prefill_runs) out += "\n" + naive_cannot_run_text(e) + "\n";
  out += fmt::format("\n**Engine**: {}.\n\n**Serving**: {}.\n", engine_capacity_text(in, e), serving_text(in, e));
  const Quality& q = e.quality;
  out += fmt::format("\nQuality proxies: direct reach {} tokens, receptive field {}, attended fraction {:.4f}, KV heads per query head {:.4f}, "
                     "token 0 visible: {}.\n",
                     q.direct_reach_tokens, q.receptive_field_tokens, q.attended_fraction, q.kv_head_ratio, q.first_token_visible ? "yes" : "no");
  return out;
}

// "76 (ITL)": the largest batch meeting every constraint and the one that stops it.
std::string seqs_cell(const Limit& l) {
  if (l.unbounded) return "any";
  const char* why = l.binding == "memory" ? "mem" : l.binding == "slo_ms" ? "ITL" : l.binding == "ttft_slo_ms" ? "TTFT" : "?";
  return fmt::format("{} ({})", l.value, why);
}

std::string plan_text(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p) {
  std::string out = fmt::format("attncost plan — {} on {}; memory budget {} per GPU; {} candidates, {} feasible\n", m.name, gpu.name,
                                human_bytes(p.budget_bytes), p.candidates.size(), p.feasible_count);
  for (const Workload& w : p.workloads)
    out += fmt::format("  workload {}: ctx {}, batch {}, gen {}{}{}\n", w.name, w.ctx, w.batch, w.gen,
                       w.slo_ms > 0 ? fmt::format(", per-token target {} ms", w.slo_ms) : "",
                       m.beyond_trained_length(w.ctx + w.gen) ? fmt::format(" — beyond the {} positions the model was trained for", m.max_position) : "");
  if (!p.candidates.empty() && !p.candidates[0].per_workload.empty()) {
    const EngineOverhead& o = p.candidates[0].per_workload[0].serving.overhead;
    if (o.any()) out += "  " + engine_overhead_text(o) + "\n";
  }
  out += fmt::format("\n{:>4}  {:<11} {:<46}", "rank", "role", "design");
  // mean ITL: over the generated tokens, what the ITL target is checked against; seqs: the largest
  // batch of the workload's shape meeting memory and every target, and which one binds.
  for (const Workload& w : p.workloads) out += fmt::format(" {:>11} {:>10} {:>11}", "mem " + w.name.substr(0, 7), "mean ITL", "seqs");
  out += fmt::format(" {:>6} {:>7}  {}\n", "risk", "score", "notes");
  std::vector<const Candidate*> rows;
  for (const Candidate& c : p.candidates)
    if (c.role != Role::alternative) rows.push_back(&c);
  const auto order = ranked(p);
  for (size_t k = 0; k < order.size() && k < 15; ++k) {
    const Candidate* c = &p.candidates[static_cast<size_t>(order[k])];
    if (std::find(rows.begin(), rows.end(), c) == rows.end()) rows.push_back(c);
  }
  for (const Candidate* c : rows) {
    out += fmt::format("{:>4}  {:<11} {:<46}", c->rank > 0 ? fmt::format("{}", c->rank) : "-", role_name(c->role), c->label);
    for (size_t k = 0; k < c->per_workload.size(); ++k) {
      const Estimate& e = c->per_workload[k];
      out += fmt::format(" {:>11} {:>10} {:>11}", human_bytes(e.memory.total_bytes), human_time(e.serving.itl_mean_s, e.bands.itl), seqs_cell(c->max_batch[k]));
    }
    out += fmt::format(" {:>6.3f} {:>7.3f}  {}\n", c->risk.total(), c->score, c->feasible ? c->change : "infeasible: " + c->infeasible_reason);
  }
  if (order.size() > 15) out += fmt::format("      … {} more feasible candidates (--format json lists all)\n", order.size() - 15);
  const Candidate& rec = p.candidates[static_cast<size_t>(p.recommended)];
  const Candidate& base = p.candidates.front();
  if (p.baseline_meets_all) {
    out += fmt::format("\nrecommendation: keep {} — it meets every constraint; nothing needs to change\n", rec.label);
    if (p.runner_up >= 0) out += fmt::format("best change for headroom: {}\n", p.candidates[static_cast<size_t>(p.runner_up)].label);
  } else {
    out += fmt::format("\nrecommendation: {} — {}\n", rec.label, rec.change);
    if (p.runner_up >= 0) out += fmt::format("runner-up:      {}\n", p.candidates[static_cast<size_t>(p.runner_up)].label);
  }
  if (p.has_family)
    out += p.family_pick >= 0 ? fmt::format("best {} design: {} (rank {}) — {}\n", family_name(p.family), p.candidates[static_cast<size_t>(p.family_pick)].label,
                                            p.candidates[static_cast<size_t>(p.family_pick)].rank, p.candidates[static_cast<size_t>(p.family_pick)].change)
                              : fmt::format("best {} design: none meets every constraint\n", family_name(p.family));
  const Candidate& shown = p.baseline_meets_all && p.runner_up >= 0 ? p.candidates[static_cast<size_t>(p.runner_up)] : rec;
  for (size_t k = 0; k < p.workloads.size(); ++k) {
    const Estimate& b = base.per_workload[k];
    const Estimate& r = shown.per_workload[k];
    out += fmt::format("  {}: memory {} → {}, mean ITL {} → {}, TTFT {} → {}, concurrent sequences within the budget {} → {}\n", p.workloads[k].name,
                       human_bytes(b.memory.total_bytes), human_bytes(r.memory.total_bytes), human_time(b.serving.itl_mean_s, b.bands.itl),
                       banded_time(r.serving.itl_mean_s, r.bands.itl), human_time(b.serving.ttft_s, b.bands.ttft), banded_time(r.serving.ttft_s, r.bands.ttft),
                       base.max_sequences[k],
                       shown.max_sequences[k]);
  }
  out += "mean ITL: mean inter-token latency over the generated tokens (what the ITL target is checked against); seqs: the largest batch meeting memory "
         "and every target, with the one that binds (mem, ITL or TTFT).\n";
  out += "bands: " + bands_text(base.per_workload.front().bands) + "\n";
  out += "score = structural risk + 0.25·log2(cost vs baseline); lower is better. `--format md -o memo.md` writes the full memo.\n";
  return out;
}

std::string limits_text(const ModelConfig& m, const std::vector<PlanLimit>& limits) {
  std::string out;
  for (const PlanLimit& l : limits) {
    const std::string what = l.kind == LimitKind::ctx ? fmt::format("ctx at batch {}", l.at_batch) : fmt::format("concurrent sequences at ctx {}", l.at_ctx);
    const std::string design = fmt::format("{} [{}{}{}]", l.design, role_name(l.role), l.recommended && l.role == Role::alternative ? ", recommended" : "",
                                           l.runner_up ? ", runner-up" : "");
    if (l.limit.unbounded)
      out += fmt::format("max {} for {} ({}): unbounded up to 2^40 (memory stops growing){}\n", what, design, l.workload,
                         l.kind == LimitKind::ctx && m.max_position > 0 ? fmt::format("; the model was trained for {} positions", m.max_position) : "");
    else if (l.limit.value == 0) out += fmt::format("max {} for {} ({}): none fits the budget\n", what, design, l.workload);
    else out += fmt::format("max {} for {} ({}): {} (bound by {}){}{}\n", what, design, l.workload, l.limit.value, l.binding,
                            l.has_range && (l.low.value != l.limit.value || l.high.value != l.limit.value || l.high.unbounded)
                                ? fmt::format(" [{}–{} with the times at the ends of their bands]", l.low.value,
                                              l.high.unbounded ? std::string("unbounded") : std::to_string(l.high.value))
                                : "",
                            l.kind == LimitKind::ctx && m.beyond_trained_length(l.limit.value)
                                ? fmt::format("; beyond the {} positions the model was trained for", m.max_position)
                                : "");
  }
  return out;
}

}  // namespace attncost
