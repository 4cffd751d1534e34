#include "estimators/plan.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include <fmt/format.h>

#include "estimators/candidates.h"
#include "estimators/reverse.h"
#include "model/error.h"

namespace attncost {
namespace {

double gib(double bytes) { return bytes / 1073741824.0; }

}  // namespace

std::string_view role_name(Role r) {
  switch (r) {
    case Role::baseline: return "baseline";
    case Role::proposed: return "proposed";
    case Role::alternative: return "alternative";
  }
  return "alternative";
}

DesignFamily design_family(const Design& d) {
  bool state = false, softmax = false, sparse = false;
  for (const StackEntry& e : d.attn.entries) {
    state = state || e.pattern.is_recurrent();
    if (e.pattern.is_softmax()) {
      softmax = true;
      const PatternTraits t = pattern_traits(e.pattern.kind);
      sparse = sparse || t.local || t.fixed_sparse;
    }
  }
  if (state) return softmax ? DesignFamily::hybrid : DesignFamily::linear;
  return sparse ? DesignFamily::sparse : DesignFamily::dense;
}

std::string_view family_name(DesignFamily f) {
  switch (f) {
    case DesignFamily::dense: return "dense";
    case DesignFamily::sparse: return "sparse";
    case DesignFamily::linear: return "linear";
    case DesignFamily::hybrid: return "hybrid";
  }
  return "dense";
}

DesignFamily parse_family(const std::string& text) {
  for (DesignFamily f : {DesignFamily::sparse, DesignFamily::linear, DesignFamily::hybrid})
    if (text == family_name(f)) return f;
  throw InputError(fmt::format("--family '{}': expected sparse, linear or hybrid", text));
}

Risk design_risk(const ModelConfig& m, const Design& d, const Design& baseline, const Workload& w, const Estimate& e) {
  // Every term is a function of the design, the baseline and this workload only: the same design
  // on the same workload scores the same in every plan and memo (--require early-recall is a
  // constraint, not a weight).
  const Quality& q = e.quality;
  const double ctx = static_cast<double>(w.ctx);
  const double layers = static_cast<double>(m.layers);
  Risk r;
  // GQA paper (Ainslie et al. 2023): GQA with ≥ 1 KV head per 8 query heads is close to MHA;
  // fewer, down to MQA, degrades. Rises to 0.3 at MQA on a log scale.
  if (d.sharing != KvSharing::mla && q.softmax_layers > 0) {
    const double heads = static_cast<double>(m.heads), g = static_cast<double>(d.kv_heads);
    if (heads > 8 && g * 8 < heads) r.kv_sharing = 0.3 * std::log2(heads / (8 * g)) / std::log2(heads / 8);
  } else if (d.sharing == KvSharing::mla && !m.is_mla()) {
    r.kv_sharing = 0.1;  // converting a trained MHA/GQA model to a latent cache needs retraining
  }
  r.reach = 0.4 * (1 - q.receptive_field_tokens / ctx);
  // Early recall (docs/cost-model.md §7): an early detail is retrievable only when some layer in
  // every band of 8 attends every earlier token directly; sinks do not count (StreamingLLM keeps
  // the first 4 tokens for the softmax, not for retrieval).
  r.early_tokens = q.early_recall ? 0 : 0.3;
  // Direct access lost: the share of (softmax layer, context token) pairs the last query cannot
  // attend directly, up to 0.1 when no layer attends beyond a vanishing window. Small because
  // local/global stacks lose little where global layers remain (Gemma 3 tech report,
  // arXiv:2503.19786 §2.1: 5 local 1024-token layers per global one, "minimal" perplexity
  // change); their absence is the early_tokens term. Windowing 24 of 32 layers to 4096 at an 8k
  // prompt costs 0.1 · 24/32 · (1 − 4100/8192) ≈ 0.04; at 128k ≈ 0.07; dense costs 0.
  r.access = 0.1 * q.missing_access;
  // Fixed-size states recall worse than attention (Arora et al. 2023, Zoology; Jelassi et al. 2024).
  r.state = 0.5 * q.state_layers / layers;
  switch (d.kv_dtype) {
    case Dtype::fp8: r.quantization = 0.02; break;
    case Dtype::int8: r.quantization = 0.03; break;
    case Dtype::int4: r.quantization = 0.1; break;  // KIVI/KVQuant: usable with groups, measurable loss
    case Dtype::fp4: r.quantization = 0.1; break;   // 4 bits as int4: no published loss of NVFP4 KV collected here
    default: break;
  }
  // A trained model changes KV sharing or pattern only by uptraining (GQA paper: ~5% of the
  // pre-training compute); KV precision changes after training.
  const bool sharing_changed = d.sharing != baseline.sharing || d.kv_heads != baseline.kv_heads || d.mla_rank != baseline.mla_rank;
  r.retraining = 0.05 * (sharing_changed ? 1 : 0) + 0.05 * (d.attn.text != baseline.attn.text ? 1 : 0);
  // StreamingLLM (Xiao et al. 2023, Table 1): a model trained with full attention and run with a
  // window loses the first tokens its softmax leans on; keeping 4 of them restores it. A
  // stated-policy term, small: the mitigation costs 4 tokens of KV per window layer.
  auto has_window = [](const AttnStack& a) {
    for (const StackEntry& entry : a.entries)
      if (entry.pattern.kind == PatternKind::window) return true;
    return false;
  };
  auto has_local = [](const AttnStack& a) {
    for (const StackEntry& entry : a.entries)
      if (pattern_traits(entry.pattern.kind).local) return true;
    return false;
  };
  if (has_window(d.attn) && !has_local(baseline.attn)) r.sinks = 0.02;
  return r;
}

std::vector<int> ranked(const PlanResult& p) {
  std::vector<int> order;
  for (int i = 0; i < static_cast<int>(p.candidates.size()); ++i)
    if (p.candidates[static_cast<size_t>(i)].rank > 0) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return p.candidates[static_cast<size_t>(a)].rank < p.candidates[static_cast<size_t>(b)].rank;
  });
  return order;
}

PlanResult plan(const PlanInputs& in) {
  const ModelConfig& m = in.model;
  if (in.workloads.empty()) throw InputError("plan: no workload given");
  PlanResult r;
  r.require_early_recall = in.require_early_recall;
  r.workloads = in.workloads;

  std::unordered_set<std::string> seen;
  auto add = [&](Role role, std::string change, DesignChoice choice) {
    // Every candidate is deployed the way the user described (TP, kernel, paging, dtypes of
    // weights and activations); only the attention design varies.
    if (!choice.tp) choice.tp = in.proposed.tp;
    if (!choice.pp) choice.pp = in.proposed.pp;
    if (!choice.cp) choice.cp = in.proposed.cp;
    if (!choice.ep) choice.ep = in.proposed.ep;
    if (!choice.dp) choice.dp = in.proposed.dp;
    if (!choice.kernel) choice.kernel = in.proposed.kernel;
    if (!choice.kernels) choice.kernels = in.proposed.kernels;
    if (!choice.page_size) choice.page_size = in.proposed.page_size;
    if (!choice.engine) choice.engine = in.proposed.engine;
    if (!choice.spec) choice.spec = in.proposed.spec;
    if (!choice.weight_dtype) choice.weight_dtype = in.proposed.weight_dtype;
    if (!choice.act_dtype) choice.act_dtype = in.proposed.act_dtype;
    if (!choice.kv_group) choice.kv_group = in.proposed.kv_group;
    Candidate c;
    c.role = role;
    c.change = std::move(change);
    try {
      c.design = make_design(m, choice);
    } catch (const InputError&) {
      if (role != Role::alternative) throw;
      return;  // an alternative this model cannot take (e.g. a stack longer than its layers)
    }
    c.choice = choice;
    c.label = design_label(c.design);
    if (!seen.insert(c.label).second) return;
    for (const Workload& w : in.workloads) c.per_workload.push_back(estimate(m, c.design, w, in.gpu));
    r.candidates.push_back(std::move(c));
  };
  add(Role::baseline, "the model as it is", DesignChoice{});
  if (in.has_proposal) add(Role::proposed, "the proposed design", in.proposed);
  for (auto& spec : candidate_space(m, in.workloads, in.full_space)) add(Role::alternative, std::move(spec.change), spec.choice);

  const Candidate& base = r.candidates.front();
  r.budget_bytes = base.per_workload.front().memory.budget_bytes;
  if (base.per_workload.front().memory.weights_bytes > r.budget_bytes)
    throw InputError(fmt::format("memory budget {:.1f} GiB per GPU: the weights alone need {:.1f} GiB (add GPUs with --tp or raise --budget-gb)",
                                 gib(r.budget_bytes), gib(base.per_workload.front().memory.weights_bytes)));

  for (Candidate& c : r.candidates) {
    double log_cost = 0;
    for (size_t k = 0; k < in.workloads.size(); ++k) {
      const Workload& w = in.workloads[k];
      const Estimate& e = c.per_workload[k];
      const Estimate& b = base.per_workload[k];
      if (c.feasible && !e.memory.fits) {
        c.feasible = false;
        c.infeasible_reason = fmt::format("{}: needs {:.1f} GiB per GPU, budget {:.1f} GiB", w.name, gib(e.memory.total_bytes), gib(e.memory.budget_bytes));
      }
      if (c.feasible && w.slo_ms > 0 && e.serving.itl_mean_s * 1e3 > w.slo_ms) {
        c.feasible = false;
        c.infeasible_reason = fmt::format("{}: mean inter-token latency {:.3g} ms misses the {:g} ms target", w.name, e.serving.itl_mean_s * 1e3, w.slo_ms);
      }
      if (c.feasible && w.ttft_slo_ms > 0 && e.serving.ttft_s * 1e3 > w.ttft_slo_ms) {
        c.feasible = false;
        c.infeasible_reason = fmt::format("{}: time to first token {:.3g} ms misses the {:g} ms target", w.name, e.serving.ttft_s * 1e3, w.ttft_slo_ms);
      }
      if (c.feasible && in.require_early_recall && !e.quality.early_recall) {
        c.feasible = false;
        c.infeasible_reason = fmt::format("{}: {:.0f} consecutive layers attend no early token directly at {} tokens (early recall requires a "
                                          "layer that attends every earlier token in every {} layers)",
                                          w.name, e.quality.longest_gap_layers, w.ctx, std::min<int64_t>(kEarlyRecallBand, m.layers));
      }
      log_cost += std::log(e.decode.time_s / b.decode.time_s * e.prefill.time_s / b.prefill.time_s *
                           e.memory.total_bytes / b.memory.total_bytes) / 3;
      c.max_sequences.push_back(static_cast<double>(max_batch(e.memory).value));
      // Memory and every SLO: the seqs a reader can run, not only store (bisection only when a
      // latency target is set; memory alone is closed form).
      c.max_batch.push_back(w.slo_ms > 0 || w.ttft_slo_ms > 0 ? max_batch(m, c.design, w, in.gpu) : max_batch(e.memory));
      const Risk risk = design_risk(m, c.design, base.design, w, e);
      c.risk_per_workload.push_back(risk);
      if (k == 0 || risk.total() > c.risk.total()) c.risk = risk;
    }
    c.cost = std::exp(log_cost / static_cast<double>(in.workloads.size()));
    c.score = plan_score(c.risk, c.cost);
  }
  std::vector<int> order;
  for (int i = 0; i < static_cast<int>(r.candidates.size()); ++i)
    if (r.candidates[static_cast<size_t>(i)].feasible) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return r.candidates[static_cast<size_t>(a)].score < r.candidates[static_cast<size_t>(b)].score;
  });
  for (size_t k = 0; k < order.size(); ++k) r.candidates[static_cast<size_t>(order[k])].rank = static_cast<int>(k + 1);
  r.feasible_count = static_cast<int>(order.size());
  r.has_family = in.has_family;
  r.family = in.family;
  if (in.has_family)
    for (int i : order)
      if (design_family(r.candidates[static_cast<size_t>(i)].design) == in.family) {
        r.family_pick = i;
        break;
      }
  if (order.empty()) {
    // Name the constraint that bites on the design that comes closest: the fastest when a latency
    // target is set, else the smallest.
    bool has_slo = false;
    for (const Workload& w : in.workloads) has_slo = has_slo || w.slo_ms > 0 || w.ttft_slo_ms > 0;
    auto worst = [&](const Candidate& c) {
      double v = 0;
      for (const Estimate& e : c.per_workload) v = std::max(v, has_slo ? e.serving.itl_mean_s + e.serving.ttft_s : e.memory.total_bytes);
      return v;
    };
    const Candidate* closest = &r.candidates.front();
    for (const Candidate& c : r.candidates)
      if (worst(c) < worst(*closest)) closest = &c;
    throw InputError(fmt::format("no candidate design satisfies the constraints ({} candidates); the closest, {}, fails: {}",
                                 r.candidates.size(), closest->label, closest->infeasible_reason));
  }
  // Nothing broken, nothing to change: when the model as it is meets every constraint it is the
  // recommendation, and the best alternative is the runner-up (what one would buy with a change).
  r.baseline_meets_all = r.candidates.front().feasible;
  if (r.baseline_meets_all) {
    r.recommended = 0;
    for (int i : order)
      if (i != 0) {
        r.runner_up = i;
        break;
      }
    return r;
  }
  r.recommended = order[0];
  if (order.size() > 1) r.runner_up = order[1];
  return r;
}

}  // namespace attncost
