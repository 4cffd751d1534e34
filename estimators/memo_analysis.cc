#include "estimators/memo_analysis.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "estimators/layer_costs.h"
#include "estimators/pattern_counts.h"

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

std::string human_gib(double bytes) { return fmt::format("{:.2f} GiB", bytes / 1073741824.0); }

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

namespace {

// The baseline's situation on each workload: fit, SLOs, the batch that fits, its limits.
void add_situations(MemoAnalysis& a, const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p) {
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
}

// The minimal change and the design of the family the question asked for.
void pick_minimal_and_family(MemoAnalysis& a, const PlanResult& p) {
  // The minimal change: fewest changed dimensions, then no retraining, then lower risk and cost.
  if (!a.nothing_broken) {
    auto key = [&](const Candidate& c) {
      return std::make_tuple(changed_dimensions(c.design, a.base->design), c.risk.retraining, c.risk.total(), c.cost);
    };
    for (const Candidate& c : p.candidates)
      if (c.feasible && c.role != Role::baseline && (!a.minimal || key(c) < key(*a.minimal))) a.minimal = &c;
  }

  // The family the question asked for: its best design meeting every constraint, or its closest.
  if (p.has_family) {
    a.family = std::string(family_name(p.family));
    if (p.family_pick >= 0) a.family_pick = &p.candidates[static_cast<size_t>(p.family_pick)];
    else a.family_closest = best_where(p, [&](const Candidate& c) { return design_family(c.design) == p.family; });
  }
  a.subject = a.family_pick ? a.family_pick : a.rec;
}

// The comparison table's rows: named designs, then one per other family.
void add_family_rows(MemoAnalysis& a, const PlanResult& p) {
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
  tag(a.family_pick, "asked family");
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
}

// The best sparse and the best linear design, and which this workload mix favours.
void pick_sparse_and_linear(MemoAnalysis& a, const PlanResult& p) {
  // Sparse or linear: the best of each, and which one this workload mix favours.
  a.best_sparse = best_where(p, [](const Candidate& c) { return is_sparse(c.design); });
  a.best_linear = best_where(p, [](const Candidate& c) { return is_recurrent(c.design); });
  const bool sf = a.best_sparse && a.best_sparse->feasible, lf = a.best_linear && a.best_linear->feasible;
  a.sparse_vs_linear = sf && lf ? (a.best_sparse->score <= a.best_linear->score ? "sparse" : "linear") : sf ? "sparse" : lf ? "linear" : "neither";
}

// Mitigations of the subject's long-range quality, each estimated with its side effects.
void add_mitigations(MemoAnalysis& a, const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p) {
  // Mitigations for long-range quality of the subject, each estimated on every workload, with its
  // side effects computed: bytes, decode time, reach against the prompts.
  const Candidate& sub = *a.subject;
  const Design& rd = sub.design;
  const Workload& lw = p.workloads[a.longest];
  const Estimate& se = sub.per_workload[a.longest];
  const Quality& rq = se.quality;
  const double kvtl = kv_bytes_per_token_layer(shape_of(m, rd, 1), rd);  // one token, one softmax layer, whole model
  double window_layers = 0;
  uint64_t w0 = 0;
  bool sinks = false;
  for (int u = 0; u < se.use_count; ++u) {
    const auto& use = se.uses[static_cast<size_t>(u)];
    if (use.pattern.kind == PatternKind::window || use.pattern.kind == PatternKind::sinks) {
      window_layers += static_cast<double>(use.layers);
      w0 = std::max<uint64_t>(w0, use.pattern.window);
      sinks = sinks || use.pattern.kind == PatternKind::sinks;
    }
  }
  a.window = w0;
  a.window_layers = window_layers;
  a.sink_bytes = 4 * kvtl * window_layers;
  a.receptive_field = static_cast<double>(w0) * static_cast<double>(m.layers);
  auto reach_words = [&](uint64_t w) {
    std::string out;
    for (const Workload& x : p.workloads)
      out += fmt::format("{}{}: {:.0f}% of its {}-token prompt", out.empty() ? "" : "; ", x.name,
                         100 * std::min(1.0, static_cast<double>(w) / static_cast<double>(x.ctx)), x.ctx);
    return out;
  };
  auto delta = [&](const Design& d, const std::vector<Estimate>& est) {
    (void)d;
    const Estimate& e = est[a.longest];
    return fmt::format("at {}: {:+.2f} GiB per GPU, mean ITL {:+.2f} ms", lw.name, (e.memory.total_bytes - se.memory.total_bytes) / 1073741824.0,
                       (e.serving.itl_mean_s - se.serving.itl_mean_s) * 1e3);
  };
  auto add = [&](DesignChoice c, std::string name, auto side) {
    Mitigation v;
    v.name = std::move(name);
    try {
      v.design = make_design(m, c);
    } catch (const std::exception&) {
      return;
    }
    if (design_label(v.design) == design_label(rd)) return;
    for (const Workload& w : p.workloads) v.est.push_back(estimate(m, v.design, w, gpu));
    v.meets_all = meets_serving(p.workloads, v.est);
    v.early_recall = true;
    for (const Estimate& e : v.est) v.early_recall = v.early_recall && e.quality.early_recall;
    v.side_effects = side(v);
    a.mitigations.push_back(std::move(v));
  };
  if (w0 > 0) {
    if (has_kind(rd, PatternKind::window)) {
      DesignChoice c = sub.choice;
      c.attn = replace_all(rd.attn.text, "window:", "sinks:4+window:");
      add(c, "keep 4 attention sinks in every window layer", [&](const Mitigation& v) {
        return fmt::format("{} more KV per sequence (4 tokens × {:.0f} window layers × {:.0f} B); {}. Keeps the first 4 tokens the softmax leans on "
                           "(StreamingLLM); does not fix recall: token 5,000 of the {}-token prompt stays outside the {}-token window in those {:.0f} layers",
                           fmt::format("{:.1f} KiB", a.sink_bytes / 1024), window_layers, kvtl, delta(v.design, v.est), lw.ctx, w0, window_layers);
      });
    }
    // Periodic dense layers: one in four (or more, when the subject already has one in eight).
    const double full = rq.full_access_layers;
    if (full * 4 < static_cast<double>(m.layers)) {
      DesignChoice c = sub.choice;
      c.attn = fmt::format("{}window:{}*3/dense", sinks ? "sinks:4+" : "", w0);
      add(c, "make every fourth layer dense", [&](const Mitigation& v) {
        const double dense_layers = v.est[a.longest].quality.full_access_layers;
        return fmt::format("{:.0f} dense layers cache all {} tokens: {} of KV per sequence in them; {}; every token directly attendable in {:.0f} of {} "
                           "layers (early recall {})",
                           dense_layers, lw.ctx + lw.gen, human_gib(dense_layers * static_cast<double>(lw.ctx + lw.gen) * kvtl), delta(v.design, v.est),
                           dense_layers, m.layers, v.early_recall ? "met" : "not met");
      });
    }
    DesignChoice c = sub.choice;
    c.attn = replace_all(rd.attn.text, fmt::format("window:{}", w0), fmt::format("window:{}", 2 * w0));
    add(c, fmt::format("double the window to {}", 2 * w0), [&](const Mitigation& v) {
      return fmt::format("reach {} (was {}); {}; receptive field L·w = {} × {} = {} tokens", reach_words(2 * w0), reach_words(w0), delta(v.design, v.est),
                         m.layers, 2 * w0, static_cast<uint64_t>(m.layers) * 2 * w0);
    });
  } else if (is_recurrent(rd)) {
    DesignChoice c = sub.choice;
    c.attn = "ssm*3/dense";
    add(c, "one attention layer in four", [&](const Mitigation& v) {
      const double att = v.est[a.longest].quality.softmax_layers;
      return fmt::format("{:.0f} attention layers cache all {} tokens: {} of KV per sequence; {}; exact retrieval through them (early recall {})", att,
                         lw.ctx + lw.gen, human_gib(att * static_cast<double>(lw.ctx + lw.gen) * kvtl), delta(v.design, v.est),
                         v.early_recall ? "met" : "not met");
    });
  }
  if ((rd.sharing == KvSharing::gqa || rd.sharing == KvSharing::mqa) && rd.kv_heads * 2 <= m.heads && m.heads % (rd.kv_heads * 2) == 0) {
    DesignChoice c = sub.choice;
    c.sharing = KvSharing::gqa;
    c.kv_heads = rd.kv_heads * 2;
    add(c, fmt::format("twice the KV heads (GQA-{})", rd.kv_heads * 2), [&](const Mitigation& v) {
      return fmt::format("twice the KV cache and decode KV reads ({}); closer to MHA quality (GQA paper)", delta(v.design, v.est));
    });
  }
  if (rd.kv_dtype != a.base->design.kv_dtype) {
    DesignChoice c = sub.choice;
    c.kv_dtype = dtype_bits(rd.kv_dtype) < 8 ? Dtype::int8 : a.base->design.kv_dtype;
    add(c, fmt::format("a KV cache in {}", dtype_name(*c.kv_dtype)), [&](const Mitigation& v) {
      return fmt::format("more KV bytes per token ({}); removes the quantization error from long-context attention", delta(v.design, v.est));
    });
  }
}

// How close the choice is and what would flip it; retraining of the named designs.
void add_flips(MemoAnalysis& a, const ModelConfig& m, const PlanResult& p) {
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
      a.runner_flip = fmt::format("the runner-up would rank first if cost weighed {:.2f} instead of {} per halving",
                                  kCostWeight + a.runner_gap / std::max(1e-9, std::log2(a.rec->cost / a.runner->cost)), kCostWeight);
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
  for (double weight : {kCostWeight / 2, kCostWeight * 2}) {
    const Candidate* pick = nullptr;
    double best = 0;
    for (const Candidate& c : p.candidates) {
      if (!c.feasible) continue;
      const double s = plan_score(c.risk, c.cost, weight);
      if (!pick || s < best) pick = &c, best = s;
    }
    if (pick && pick != a.rec && !a.nothing_broken)
      a.flips.push_back({fmt::format("With cost weighted {} instead of {} per halving", weight, kCostWeight), pick});
  }

  for (const Candidate* c : {a.minimal, a.family_pick, a.rec})
    if (c && c != a.base && std::find_if(a.retraining.begin(), a.retraining.end(), [&](const auto& x) { return x.first == c; }) == a.retraining.end())
      a.retraining.emplace_back(c, retraining_cost(m, c->design, a.base->design));
}

// Co-location of the workloads on the subject's GPUs: the chunk that keeps each ITL SLO.
void add_colocations(MemoAnalysis& a, const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p) {
  // Co-location: the subject serving every workload on the same GPUs. A whole prefill of one
  // workload between two decode steps of another adds its full time to that ITL; a chunk adds one
  // chunk's time (mean over the prompt, from estimate's chunked TTFT).
  for (size_t i = 0; i < p.workloads.size(); ++i) {
    const Workload& dw = p.workloads[i];
    if (dw.slo_ms <= 0) continue;
    for (size_t j = 0; j < p.workloads.size(); ++j) {
      if (j == i) continue;
      const Estimate& pe = a.subject->per_workload[j];
      const Estimate& de = a.subject->per_workload[i];
      if ((de.serving.itl_mean_s + pe.serving.ttft_s) * 1e3 <= dw.slo_ms) continue;  // one whole prompt between two steps still meets it
      Colocation c;
      c.decoding = i, c.prefilling = j;
      c.prefill_s = pe.serving.ttft_s;
      c.itl_s = de.serving.itl_mean_s;
      c.kv_transfer_bytes = pe.memory.kv_bytes_per_sequence;
      for (uint64_t chunk = 8192; chunk >= 128; chunk /= 2) {
        if (chunk >= p.workloads[j].ctx) continue;
        DesignChoice cc = a.subject->choice;
        EngineConfig e = a.subject->design.engine;
        e.chunk_size = chunk;
        cc.engine = e;
        Workload one = p.workloads[j];
        one.batch = 1;
        const Estimate ce = estimate(m, make_design(m, cc), one, gpu);
        const double per_chunk = ce.serving.ttft_s / static_cast<double>(std::max<uint64_t>(1, ce.serving.prefill_chunks));
        if ((c.itl_s + per_chunk) * 1e3 <= dw.slo_ms) {
          c.chunk = chunk, c.chunk_s = per_chunk, c.chunks = ce.serving.prefill_chunks;
          c.ttft_chunked_s = ce.serving.ttft_s + static_cast<double>(c.chunks) * c.itl_s;  // every chunk waits one decode step
          break;
        }
      }
      a.colocations.push_back(c);
    }
  }
}

// The subject's capacity under every engine's memory rule.
void add_engine_capacity(MemoAnalysis& a, const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p) {
  // Capacity under each engine's rule: the plan's own first, then the others with their defaults.
  {
    const EngineKind own = a.subject->design.engine.kind;
    std::vector<EngineKind> kinds = {own};
    for (EngineKind k : {EngineKind::plain, EngineKind::vllm, EngineKind::sglang, EngineKind::trtllm})
      if (k != own) kinds.push_back(k);
    for (EngineKind k : kinds) {
      EngineCapacity ec{k, {}};
      if (k == own) {
        ec.est = a.subject->per_workload;
      } else {
        DesignChoice c = a.subject->choice;
        EngineConfig e;
        e.kind = k;
        e.usd_per_gpu_hour = a.subject->design.engine.usd_per_gpu_hour;
        e.chunk_size = a.subject->design.engine.chunk_size;
        c.engine = e;
        const Design d = make_design(m, c);
        for (const Workload& w : p.workloads) ec.est.push_back(estimate(m, d, w, gpu));
      }
      a.engines.push_back(std::move(ec));
    }
  }
}

// Batch sensitivity and the plain datasheet roofline.
void add_sensitivity(MemoAnalysis& a, const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p) {
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
}

// The naive (eager) prefill of the longest workload, where it can run at all.
void add_naive_prefill(MemoAnalysis& a, const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p) {
  // The naive prefill, where it can run at all.
  const Workload& longest = p.workloads[a.longest];
  const Estimate& bl = a.base->per_workload[a.longest];
  a.naive_scores_bytes = naive_score_matrix_bytes(shape_of(m, a.base->design, a.base->design.tp), a.base->design, longest.ctx);
  if (naive_prefill_runs(a.naive_scores_bytes, bl.memory.weights_bytes, bl.memory.budget_bytes)) {
    Design naive = a.base->design;
    naive.kernel = Kernel::naive;
    a.naive_prefill = estimate(m, naive, longest, gpu);
  }
}

// The charts' curves.
void add_curves(MemoAnalysis& a, const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p) {
  // Curves: 16 contexts up to 1.5× each workload's, at its batch and generated tokens.
  for (const Candidate* c : {a.base, a.minimal, a.rec, a.family_pick, a.runner, a.best_linear})
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
        dc.points.push_back({static_cast<double>(n), e.memory.total_bytes, e.serving.itl_mean_s, e.serving.ttft_s, e.memory.fits});
      }
      per.push_back(std::move(dc));
    }
    a.curves.push_back(std::move(per));
  }
}

}  // namespace

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

  add_situations(a, m, gpu, p);
  pick_minimal_and_family(a, p);
  add_family_rows(a, p);
  pick_sparse_and_linear(a, p);
  add_mitigations(a, m, gpu, p);
  add_flips(a, m, p);
  add_colocations(a, m, gpu, p);
  add_engine_capacity(a, m, gpu, p);
  add_sensitivity(a, m, gpu, p);
  add_naive_prefill(a, m, gpu, p);
  add_curves(a, m, gpu, p);
  return a;
}

}  // namespace attncost
