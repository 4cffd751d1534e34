#include "estimators/memo_analysis.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "estimators/layer_costs.h"

namespace attncost {
namespace {

bool has_kind(const Design& d, PatternKind k) {
  for (const StackEntry& e : d.attn.entries)
    if (e.pattern.kind == k) return true;
  return false;
}
bool is_recurrent(const Design& d) {
  for (const StackEntry& e : d.attn.entries)
    if (e.pattern.is_recurrent()) return true;
  return false;
}
bool is_sparse(const Design& d) {
  if (is_recurrent(d)) return false;
  for (const StackEntry& e : d.attn.entries) {
    const PatternTraits t = pattern_traits(e.pattern.kind);
    if (t.local || t.fixed_sparse) return true;
  }
  return false;
}

// Memory and every SLO on every workload (the early-recall requirement aside).
bool meets_serving(const std::vector<Workload>& ws, const std::vector<Estimate>& est) {
  for (size_t k = 0; k < ws.size(); ++k)
    if (!broken_constraint(est[k], ws[k]).empty()) return false;
  return true;
}

// Best of the candidates `pred` admits: feasible first, then lower score.
template <typename Pred>
const Candidate* best_where(const PlanResult& p, Pred pred) {
  const Candidate* best = nullptr;
  for (const Candidate& c : p.candidates) {
    if (!pred(c)) continue;
    if (!best || (c.feasible && !best->feasible) || (c.feasible == best->feasible && c.score < best->score)) best = &c;
  }
  return best;
}

std::string family_key(const Design& d) {
  return fmt::format("{}/{}/{}/{}", sharing_name(d.sharing), d.kv_heads, d.mla_rank, d.attn.text);
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

void add_mitigation(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p, const Design& rec, const DesignChoice& choice, std::string name,
                    std::string side, std::vector<Mitigation>& out) {
  Mitigation v;
  v.name = std::move(name);
  v.side_effects = std::move(side);
  try {
    v.design = make_design(m, choice);
  } catch (const std::exception&) {
    return;
  }
  if (design_label(v.design) == design_label(rec)) return;
  for (const Workload& w : p.workloads) v.est.push_back(estimate(m, v.design, w, gpu));
  v.meets_all = meets_serving(p.workloads, v.est);
  out.push_back(std::move(v));
}

// The risk terms, by the names the JSON uses.
std::vector<std::pair<const char*, double>> terms(const Risk& r) {
  return {{"kv_sharing", r.kv_sharing}, {"reach", r.reach},           {"early_tokens", r.early_tokens}, {"access", r.access},
          {"state", r.state},           {"quantization", r.quantization}, {"retraining", r.retraining},   {"sinks", r.sinks}};
}

}  // namespace

int changed_dimensions(const Design& d, const Design& b) {
  const bool sharing = d.sharing != b.sharing || d.kv_heads != b.kv_heads || d.mla_rank != b.mla_rank;
  return (sharing ? 1 : 0) + (d.attn.text != b.attn.text ? 1 : 0) + (d.kv_dtype != b.kv_dtype ? 1 : 0);
}

MemoAnalysis analyze_memo(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p) {
  MemoAnalysis a;
  a.base = &p.candidates.front();
  a.rec = &p.candidates[static_cast<size_t>(p.recommended)];
  a.runner = p.runner_up >= 0 ? &p.candidates[static_cast<size_t>(p.runner_up)] : nullptr;
  for (const Candidate& c : p.candidates)
    if (c.role == Role::proposed) a.proposed = &c;
  a.nothing_broken = p.baseline_meets_all;
  for (size_t i = 1; i < p.workloads.size(); ++i)
    if (p.workloads[i].ctx + p.workloads[i].gen > p.workloads[a.longest].ctx + p.workloads[a.longest].gen) a.longest = i;

  // The situation of the baseline, workload by workload.
  for (size_t k = 0; k < p.workloads.size(); ++k) {
    const Workload& w = p.workloads[k];
    const Estimate& b = a.base->per_workload[k];
    WorkloadSituation s;
    s.index = k;
    s.fits = b.memory.fits;
    s.itl_ok = w.slo_ms <= 0 || b.serving.itl_mean_s * 1e3 <= w.slo_ms;
    s.ttft_ok = w.ttft_slo_ms <= 0 || b.serving.ttft_s * 1e3 <= w.ttft_slo_ms;
    s.kv_read_share = b.decode.hbm_bytes > 0 ? b.decode.kv_read_bytes / b.decode.hbm_bytes : 0;
    if (!s.fits) {
      s.fitting_batch = static_cast<uint64_t>(a.base->max_sequences[k]);
      if (s.fitting_batch > 0) {
        Workload at = w;
        at.batch = s.fitting_batch;
        s.at_fitting_batch = estimate(m, a.base->design, at, gpu);
      }
    }
    s.base_limit = max_batch(m, a.base->design, w, gpu);
    s.rec_limit = max_batch(m, a.rec->design, w, gpu);
    s.beyond_trained_context = m.beyond_trained_length(w.ctx + w.gen);
    a.situations.push_back(std::move(s));
  }

  // The minimal change: fewest changed dimensions, then no retraining, then lower risk and cost.
  if (!a.nothing_broken) {
    auto key = [&](const Candidate& c) {
      return std::make_tuple(changed_dimensions(c.design, a.base->design), c.risk.retraining, c.risk.total(), c.cost);
    };
    for (const Candidate& c : p.candidates)
      if (c.feasible && c.role != Role::baseline && (!a.minimal || key(c) < key(*a.minimal))) a.minimal = &c;
  }

  // The designs the memo names get rows of their own; every other family (KV sharing ×
  // pattern) one row, its best KV dtype.
  std::vector<std::pair<const Candidate*, std::string>> tagged;
  auto tag = [&](const Candidate* c, const char* what) {
    if (!c) return;
    for (auto& [t, words] : tagged)
      if (t == c) {
        words += std::string(", ") + what;
        return;
      }
    tagged.emplace_back(c, what);
  };
  tag(a.base, "baseline");
  tag(a.proposed, "proposed");
  tag(a.minimal, "minimal change");
  tag(a.rec, "recommended");
  tag(a.runner, "runner-up");
  std::map<std::string, FamilyRow> families;
  std::vector<std::string> order;
  for (const Candidate& c : p.candidates) {
    const std::string k = family_key(c.design);
    auto [it, fresh] = families.try_emplace(k, FamilyRow{&c, 0, ""});
    if (fresh) order.push_back(k);
    FamilyRow& f = it->second;
    ++f.members;
    const Candidate* cur = f.shown;
    if ((c.feasible && !cur->feasible) || (c.feasible == cur->feasible && c.score < cur->score)) f.shown = &c;
  }
  for (const auto& [c, words] : tagged) a.families.push_back({c, families[family_key(c->design)].members, words});
  std::vector<FamilyRow> rest;
  for (const std::string& k : order) {
    const FamilyRow& f = families[k];
    bool covered = false;
    for (const auto& [c, words] : tagged) covered = covered || family_key(c->design) == k;
    if (!covered) rest.push_back(f);
  }
  std::stable_sort(rest.begin(), rest.end(), [](const FamilyRow& x, const FamilyRow& y) {
    const int rx = x.shown->rank > 0 ? x.shown->rank : 1 << 30, ry = y.shown->rank > 0 ? y.shown->rank : 1 << 30;
    return rx < ry;
  });
  int feasible_rows = 0, infeasible_sparse = 0, infeasible_state = 0;
  for (const FamilyRow& f : rest) {
    const bool feasible = f.shown->feasible, state = is_recurrent(f.shown->design);
    if (feasible && feasible_rows >= 8) continue;
    if (!feasible && (state ? infeasible_state : infeasible_sparse) >= 1) continue;
    if (!feasible && !state && !is_sparse(f.shown->design)) continue;
    (feasible ? feasible_rows : state ? infeasible_state : infeasible_sparse)++;
    a.families.push_back(f);
  }
  // Named designs first in the order the memo names them, then the other families by rank.

  // Sparse or linear: the best of each, and which one this workload mix favours.
  a.best_sparse = best_where(p, [](const Candidate& c) { return is_sparse(c.design); });
  a.best_linear = best_where(p, [](const Candidate& c) { return is_recurrent(c.design); });
  const bool sf = a.best_sparse && a.best_sparse->feasible, lf = a.best_linear && a.best_linear->feasible;
  a.sparse_vs_linear = sf && lf ? (a.best_sparse->score <= a.best_linear->score ? "sparse" : "linear") : sf ? "sparse" : lf ? "linear" : "neither";

  // Mitigations for long-range quality, estimated with their cost.
  const Design& rd = a.rec->design;
  uint64_t w0 = 0;
  for (const StackEntry& e : rd.attn.entries)
    if (e.pattern.kind == PatternKind::window || e.pattern.kind == PatternKind::sinks) w0 = e.pattern.window;
  const Quality& rq = a.rec->per_workload[a.longest].quality;
  if (w0 > 0) {
    if (has_kind(rd, PatternKind::window)) {
      DesignChoice c = a.rec->choice;
      c.attn = replace_all(rd.attn.text, "window:", "sinks:4+window:");
      add_mitigation(m, gpu, p, rd, c, "keep 4 attention sinks in every window layer",
                     "4 more cached tokens per window layer; keeps the first tokens the softmax leans on (StreamingLLM), not arbitrary early details",
                     a.mitigations);
    }
    if (rq.full_access_layers * 4 < static_cast<double>(m.layers)) {
      DesignChoice c = a.rec->choice;
      c.attn = fmt::format("window:{}*3/dense", w0);
      add_mitigation(m, gpu, p, rd, c, "make every fourth layer dense",
                     "those layers cache the whole context again, but every token is directly attendable in a quarter of the layers", a.mitigations);
    }
    DesignChoice c = a.rec->choice;
    c.attn = replace_all(rd.attn.text, fmt::format("window:{}", w0), fmt::format("window:{}", 2 * w0));
    add_mitigation(m, gpu, p, rd, c, fmt::format("double the window to {}", 2 * w0), "twice the window's KV and decode reads; direct reach doubles but stays local",
                   a.mitigations);
  } else if (is_recurrent(rd)) {
    DesignChoice c = a.rec->choice;
    c.attn = "ssm*3/dense";
    add_mitigation(m, gpu, p, rd, c, "one attention layer in four", "exact retrieval through the attention layers, whose KV grows with the context",
                   a.mitigations);
  }
  if ((rd.sharing == KvSharing::gqa || rd.sharing == KvSharing::mqa) && rd.kv_heads * 2 <= m.heads && m.heads % (rd.kv_heads * 2) == 0) {
    DesignChoice c = a.rec->choice;
    c.sharing = KvSharing::gqa;
    c.kv_heads = rd.kv_heads * 2;
    add_mitigation(m, gpu, p, rd, c, fmt::format("twice the KV heads (GQA-{})", rd.kv_heads * 2),
                   "twice the KV cache and decode KV reads; closer to MHA quality (GQA paper)", a.mitigations);
  }
  if (rd.kv_dtype != a.base->design.kv_dtype) {
    DesignChoice c = a.rec->choice;
    c.kv_dtype = dtype_bits(rd.kv_dtype) < 8 ? Dtype::int8 : a.base->design.kv_dtype;
    add_mitigation(m, gpu, p, rd, c, fmt::format("a KV cache in {}", dtype_name(*c.kv_dtype)),
                   "more KV bytes per token; removes the quantization error from long-context attention", a.mitigations);
  }

  // How close the choice is, and what would flip it.
  if (a.runner) {
    a.runner_gap = a.runner->score - a.rec->score;
    // The single risk term whose weight, scaled down least, lets the runner-up win.
    double best_scale = 0;
    std::string best_term;
    const auto rt = terms(a.runner->risk), ct = terms(a.rec->risk);
    for (size_t i = 0; i < rt.size(); ++i) {
      const double d = rt[i].second - ct[i].second;
      if (d > a.runner_gap && d > 0) {
        const double scale = 1 - a.runner_gap / d;  // the weight must fall below this fraction
        if (scale > best_scale) best_scale = scale, best_term = rt[i].first;
      }
    }
    if (!best_term.empty())
      a.runner_flip = fmt::format("the runner-up would rank first if the `{}` risk term weighed less than {:.0f}% of its stated value", best_term,
                                  100 * best_scale);
    else if (a.runner->cost < a.rec->cost)
      a.runner_flip = fmt::format("the runner-up would rank first if cost weighed {:.2f} instead of 0.25 per halving",
                                  0.25 + a.runner_gap / std::max(1e-9, std::log2(a.rec->cost / a.runner->cost)));
  }
  if (p.require_early_recall) {
    // Re-scored as if early recall were not required: the access term relaxes and windows
    // without sinks or dense layers come back.
    const Candidate* pick = nullptr;
    double best = 0;
    for (const Candidate& c : p.candidates) {
      if (!meets_serving(p.workloads, c.per_workload)) continue;
      const double score = c.score;  // the risk does not depend on the requirement: only feasibility does
      if (!pick || score < best) pick = &c, best = score;
    }
    if (pick && pick != a.rec) a.flips.push_back({"Without --require early-recall", pick});
  }
  for (double weight : {0.125, 0.5}) {
    const Candidate* pick = nullptr;
    double best = 0;
    for (const Candidate& c : p.candidates) {
      if (!c.feasible) continue;
      const double s = c.risk.total() + weight * std::log2(c.cost);
      if (!pick || s < best) pick = &c, best = s;
    }
    if (pick && pick != a.rec && !a.nothing_broken)
      a.flips.push_back({fmt::format("With cost weighted {} instead of 0.25 per halving", weight), pick});
  }

  // Sensitivity: batch 1 and twice the batch; the plain datasheet roofline.
  for (const Workload& w : p.workloads) {
    std::vector<BatchSensitivity> v;
    for (uint64_t b : {uint64_t{1}, 2 * w.batch}) {
      if (b == w.batch) continue;
      Workload x = w;
      x.batch = b;
      v.push_back({b, estimate(m, a.base->design, x, gpu), estimate(m, a.rec->design, x, gpu)});
    }
    a.batches.push_back(std::move(v));
    DesignChoice peak = a.rec->choice;
    peak.kernels = KernelFamily::peak;
    a.rec_at_peak.push_back(estimate(m, make_design(m, peak), w, gpu));
  }

  // The naive prefill, where it can run at all.
  const Workload& longest = p.workloads[a.longest];
  const Estimate& bl = a.base->per_workload[a.longest];
  a.naive_scores_bytes = naive_score_matrix_bytes(shape_of(m, a.base->design, a.base->design.tp), a.base->design, longest.ctx);
  if (naive_prefill_runs(a.naive_scores_bytes, bl.memory.weights_bytes, bl.memory.budget_bytes)) {
    Design naive = a.base->design;
    naive.kernel = Kernel::naive;
    a.naive_prefill = estimate(m, naive, longest, gpu);
  }

  // Curves: 16 contexts up to 1.5× each workload's, at its batch and generated tokens.
  for (const Candidate* c : {a.base, a.minimal, a.rec, a.runner, a.best_linear})
    if (c && std::find(a.charted.begin(), a.charted.end(), c) == a.charted.end()) a.charted.push_back(c);
  for (const Workload& w : p.workloads) {
    const uint64_t top = std::max<uint64_t>(w.ctx + w.ctx / 2, 4096);
    std::vector<DesignCurve> per;
    for (const Candidate* c : a.charted) {
      DesignCurve dc{c, {}};
      for (uint64_t n = top / 16; n <= top; n += top / 16) {
        Workload x = w;
        x.ctx = n;
        x.shared_prefix = std::min(w.shared_prefix, n - 1);
        const Estimate e = estimate(m, c->design, x, gpu);
        dc.points.push_back({static_cast<double>(n), e.memory.total_bytes, e.serving.itl_mean_s, e.memory.fits});
      }
      per.push_back(std::move(dc));
    }
    a.curves.push_back(std::move(per));
  }
  return a;
}

}  // namespace attncost
