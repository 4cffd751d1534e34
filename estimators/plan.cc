#include "estimators/plan.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "model/error.h"

namespace attncost {
namespace {

struct Alternative {
  std::string change;
  DesignChoice choice;
};

// The standard moves a reviewer asks about, each applied to the baseline alone.
std::vector<Alternative> standard_alternatives(const ModelConfig& m, const Workload& w) {
  std::vector<Alternative> out;
  auto gqa = [&](int64_t g) {
    if (g < m.heads && g > 1 && m.heads % g == 0 && g != m.kv_heads) {
      DesignChoice c;
      c.sharing = KvSharing::gqa;
      c.kv_heads = g;
      out.push_back({fmt::format("GQA with {} KV heads", g), c});
    }
  };
  gqa(8);
  gqa(4);
  if (m.kv_heads != 1) {
    DesignChoice c;
    c.sharing = KvSharing::mqa;
    out.push_back({"MQA (one KV head)", c});
  }
  if (!m.is_mla()) {
    DesignChoice c;
    c.sharing = KvSharing::mla;
    c.mla_rank = 512;
    out.push_back({"MLA, latent rank 512 + RoPE 64", c});
  }
  const uint64_t window = 4096;
  if (w.ctx > window) {
    auto attn = [&](std::string spec, std::string change) {
      DesignChoice c;
      c.attn = std::move(spec);
      out.push_back({std::move(change), c});
    };
    attn("window:4096", "sliding window of 4096 in every layer");
    attn("sinks:4+window:4096", "4 attention sinks + window of 4096");
    if (m.layers >= 2) attn("window:4096/dense", "window of 4096 alternating with dense layers (Gemma-2 style)");
    if (m.layers >= 4) attn("window:4096*3/dense", "three window layers per dense layer");
  }
  for (Dtype kv : {Dtype::fp8, Dtype::int4}) {
    if (dtype_bits(kv) < dtype_bits(m.dtype)) {
      DesignChoice c;
      c.kv_dtype = kv;
      out.push_back({fmt::format("{} KV cache", dtype_name(kv)), c});
    }
  }
  return out;
}

double risk_of(const Estimate& e, const ModelConfig& m, const Workload& w) {
  const Quality& q = e.quality;
  const double ctx = static_cast<double>(w.ctx);
  double risk = 0.3 * (1 - q.receptive_field_tokens / ctx);          // tokens no path reaches
  risk += 0.2 * (q.first_token_visible ? 0 : 1);                       // early-token recall
  risk += 0.15 * (1 - std::min(1.0, q.kv_head_ratio * 8));             // fewer than 1 KV head per 8 query heads
  risk += 0.2 * q.state_layers / static_cast<double>(m.layers);        // recall through a fixed state
  risk += 0.1 * (1 - q.full_reach_layers / static_cast<double>(m.layers));  // layers without global reach
  return risk;
}

}  // namespace

std::string_view role_name(Role r) {
  switch (r) {
    case Role::baseline: return "baseline";
    case Role::proposed: return "proposed";
    case Role::alternative: return "alternative";
  }
  return "alternative";
}

PlanResult plan(const ModelConfig& m, const DesignChoice& proposed, bool has_proposal, const Workload& w,
                const GpuSpec& gpu) {
  PlanResult r;
  auto add = [&](Role role, std::string change, const DesignChoice& choice) {
    Candidate c;
    c.role = role;
    c.change = std::move(change);
    c.design = make_design(m, choice);
    c.label = design_label(c.design);
    for (const auto& existing : r.candidates)
      if (existing.label == c.label && existing.design.tp == c.design.tp) return;  // same design already listed
    c.est = estimate(m, c.design, w, gpu);
    r.candidates.push_back(std::move(c));
  };
  add(Role::baseline, "the model as it is", DesignChoice{});
  if (has_proposal) add(Role::proposed, "the proposed design", proposed);
  for (const auto& alt : standard_alternatives(m, w)) {
    DesignChoice c = alt.choice;
    c.tp = proposed.tp;  // keep the deployment the user described
    c.kernel = proposed.kernel;
    c.page_size = proposed.page_size;
    add(Role::alternative, alt.change, c);
  }

  const Estimate& base = r.candidates.front().est;
  for (auto& c : r.candidates) {
    const Estimate& e = c.est;
    if (!e.memory.fits) {
      c.feasible = false;
      c.infeasible_reason = fmt::format("needs {:.1f} GiB of {:.1f} GiB", e.memory.total_bytes / 1073741824.0,
                                        e.memory.capacity_bytes / 1073741824.0);
    } else if (w.slo_ms > 0 && e.decode.time_s * 1e3 > w.slo_ms) {
      c.feasible = false;
      c.infeasible_reason = fmt::format("decode step {:.2f} ms misses the {:.2f} ms target", e.decode.time_s * 1e3, w.slo_ms);
    }
    const double ratio_decode = e.decode.time_s / base.decode.time_s;
    const double ratio_prefill = e.prefill.time_s / base.prefill.time_s;
    const double ratio_kv = e.memory.kv_bytes / base.memory.kv_bytes;
    c.cost_score = std::cbrt(ratio_decode * ratio_prefill * ratio_kv);
    c.risk_score = risk_of(e, m, w);
    c.score = c.cost_score * (1 + c.risk_score);
  }
  std::vector<int> order;
  for (int i = 0; i < static_cast<int>(r.candidates.size()); ++i)
    if (r.candidates[static_cast<size_t>(i)].feasible) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return r.candidates[static_cast<size_t>(a)].score < r.candidates[static_cast<size_t>(b)].score;
  });
  for (size_t k = 0; k < order.size(); ++k) r.candidates[static_cast<size_t>(order[k])].rank = static_cast<int>(k + 1);
  if (!order.empty()) r.recommended = order[0];
  if (order.size() > 1) r.runner_up = order[1];
  if (r.recommended < 0) {
    r.rationale = "No candidate fits the GPU memory and latency target; reduce the batch or the context, or add GPUs (--tp).";
  } else {
    const Candidate& best = r.candidates[static_cast<size_t>(r.recommended)];
    const Candidate& b = r.candidates.front();
    r.rationale = fmt::format(
        "{} has the lowest score ({:.3f} = cost {:.3f} × (1 + risk {:.3f})): decode step {:.3f} ms vs {:.3f} ms "
        "for the baseline, KV cache {:.2f} GiB vs {:.2f} GiB, up to {:.0f} concurrent sequences vs {:.0f}.",
        best.label, best.score, best.cost_score, best.risk_score, best.est.decode.time_s * 1e3, b.est.decode.time_s * 1e3,
        best.est.memory.kv_bytes / 1073741824.0, b.est.memory.kv_bytes / 1073741824.0,
        best.est.memory.max_concurrent_sequences, b.est.memory.max_concurrent_sequences);
  }
  return r;
}

}  // namespace attncost
