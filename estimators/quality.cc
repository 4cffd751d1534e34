#include "estimators/quality.h"

#include <algorithm>
#include <array>

#include "estimators/pattern_counts.h"

namespace attncost {

namespace {

// The longest run of consecutive layers (of `layers`, through the stack's cycle) none of which
// attends every one of n tokens directly. Once a cycle holds such a layer, the run at each cycle's
// end is that cycle's tail, the same every cycle: walking the first two cycles and the last one
// sees every run length there is, so the cost is three cycles, not the whole depth.
double longest_gap_layers(const AttnStack& a, int64_t layers, uint64_t n) {
  if (a.entry_count <= 0 || layers <= 0) return 0;
  const auto full = [&](int k) { return decode_pairs(a.entries[static_cast<size_t>(k)].pattern, n) == n; };
  constexpr int kCached = 64;  // entries whose answer is kept (a stack of more recomputes it)
  std::array<bool, kCached> cached{};
  bool any_full = false;
  uint64_t cycle = 0;
  for (int k = 0; k < a.entry_count; ++k) {
    const bool f = full(k);
    if (k < kCached) cached[static_cast<size_t>(k)] = f;
    any_full = any_full || f;
    cycle += a.entries[static_cast<size_t>(k)].repeat;
  }
  if (!any_full) return static_cast<double>(layers);
  double run = 0, longest = 0;
  int64_t layer = 0;
  auto walk_cycle = [&] {
    for (int k = 0; k < a.entry_count && layer < layers; ++k) {
      const uint64_t reps = std::min<uint64_t>(a.entries[static_cast<size_t>(k)].repeat, static_cast<uint64_t>(layers - layer));
      layer += static_cast<int64_t>(reps);
      run = (k < kCached ? cached[static_cast<size_t>(k)] : full(k)) ? 0 : run + static_cast<double>(reps);
      longest = std::max(longest, run);
    }
  };
  walk_cycle();
  walk_cycle();
  const uint64_t cycles = (static_cast<uint64_t>(layers) + cycle - 1) / cycle;
  if (cycles > 3) layer = static_cast<int64_t>((cycles - 1) * cycle);  // `run` there equals its value now
  while (layer < layers) walk_cycle();
  return longest;
}

}  // namespace

Quality quality_proxies(const ModelConfig& m, const Design& d, const Workload& w, const Estimate& e, const Shape& whole) {
  Quality q;
  const uint64_t n = w.ctx;
  const double dense_pairs = to_double(prefill_pairs(Pattern{}, n));
  double attended = 0, reach_sum = 0, state_bytes = 0, replaced_kv = 0;
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
  // The longest run of layers without direct access to every token.
  {
    q.longest_gap_layers = longest_gap_layers(d.attn, m.layers, n);
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
