#include "estimators/quality.h"

#include <algorithm>

#include "estimators/pattern_counts.h"

namespace attncost {

Quality quality_proxies(const ModelConfig& m, const Design& d, const Workload& w, const Estimate& e) {
  Quality q;
  const uint64_t n = w.ctx;
  const double dense_pairs = to_double(prefill_pairs(Pattern{}, n));
  double attended = 0, reach_sum = 0, state_bytes = 0, replaced_kv = 0;
  const Shape whole = shape_of(m, d, 1);
  for (int u = 0; u < e.use_count; ++u) {
    const auto& use = e.uses[static_cast<size_t>(u)];
    const double layers = static_cast<double>(use.layers);
    if (layers == 0) continue;
    const double reach = static_cast<double>(direct_reach(use.pattern, n));
    q.direct_reach_tokens = std::max(q.direct_reach_tokens, reach);
    if (decode_pairs(use.pattern, n) == n) q.full_access_layers += layers;
    reach_sum += layers * std::max(0.0, reach - 1);  // a layer without a mixer reaches nothing
    if (use.pattern.is_softmax()) {
      q.softmax_layers += layers;
      // Keys the last query attends itself (a sink's reach is far, its keys few).
      q.missing_access += layers * (1 - std::min(static_cast<double>(decode_pairs(use.pattern, n)), static_cast<double>(n)) / static_cast<double>(n));
      attended += layers * to_double(prefill_pairs(use.pattern, n));
      q.first_token_visible = q.first_token_visible || sees_first_token(use.pattern, n);
    } else if (use.pattern.is_recurrent()) {
      q.state_layers += layers;
      state_bytes += layers * state_bytes_per_layer(use.pattern, m, whole, d);
      // What an MHA layer in the model's KV dtype would cache for the same context.
      replaced_kv += layers * static_cast<double>(n) * mha_kv_bytes_per_token_layer(whole, d);
    }
  }
  // Layer by layer through the stack's cycle: the longest run without direct access to every token.
  {
    const AttnStack& a = d.attn;
    double run = 0;
    int64_t layer = 0;
    while (layer < m.layers && a.entry_count > 0) {
      for (int k = 0; k < a.entry_count && layer < m.layers; ++k) {
        const StackEntry& entry = a.entries[static_cast<size_t>(k)];
        const bool full = decode_pairs(entry.pattern, n) == n;
        const uint64_t reps = std::min<uint64_t>(entry.repeat, static_cast<uint64_t>(m.layers - layer));
        layer += static_cast<int64_t>(reps);
        run = full ? 0 : run + static_cast<double>(reps);
        q.longest_gap_layers = std::max(q.longest_gap_layers, run);
      }
    }
    const double band = static_cast<double>(std::min<int64_t>(kEarlyRecallBand, m.layers));
    q.early_recall = q.full_access_layers > 0 && q.longest_gap_layers < band;
  }
  q.receptive_field_tokens = q.direct_reach_tokens >= static_cast<double>(n) ? static_cast<double>(n)
                                                                             : std::min(static_cast<double>(n), reach_sum + 1);
  q.missing_access /= static_cast<double>(m.layers);
  q.attended_fraction = attended / (static_cast<double>(m.layers) * dense_pairs);
  q.kv_head_ratio = d.sharing == KvSharing::mla ? 1.0 : static_cast<double>(d.kv_heads) / static_cast<double>(m.heads);
  const double mha_elements = static_cast<double>(m.heads) * (whole.d_k + whole.d_v);
  // Averaged over the layers: those that cache no per-token K/V (recurrent, none) count 0, so a
  // pure state-space or linear design caches none of MHA's elements.
  const double caching = static_cast<double>(q.softmax_layers) / static_cast<double>(m.layers);
  q.kv_elements_ratio = caching * (d.sharing == KvSharing::mla ? (whole.mla_rank + whole.mla_rope) / mha_elements
                                                               : static_cast<double>(d.kv_heads) * (whole.d_k + whole.d_v) / mha_elements);
  q.state_vs_kv_ratio = replaced_kv > 0 ? state_bytes / replaced_kv : 0;
  return q;
}

}  // namespace attncost
