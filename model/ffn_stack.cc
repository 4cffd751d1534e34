#include "model/ffn_stack.h"

#include <algorithm>

#include <fmt/format.h>

namespace attncost {

std::string_view ffn_kind_name(FfnKind k) {
  switch (k) {
    case FfnKind::dense: return "dense";
    case FfnKind::moe: return "moe";
    case FfnKind::none: return "none";
  }
  return "dense";
}

FfnStack::Uses FfnStack::uses(uint64_t layers) const {
  Uses out;
  auto add = [&](const FfnLayer& l, uint64_t count) {
    if (count == 0) return;
    for (Use& u : out)
      if (u.layer == l) {
        u.layers += count;
        return;
      }
    out.push_back({l, count});
  };
  const uint64_t leading = std::min(lead_layers, layers);
  add(lead, leading);
  const uint64_t rest = layers - leading;
  uint64_t cycle_length = 0;
  for (const Entry& e : cycle) cycle_length += e.repeat;
  if (cycle_length == 0) return out;
  const uint64_t full = rest / cycle_length, partial = rest % cycle_length;
  uint64_t start = 0;
  for (const Entry& e : cycle) {
    const uint64_t end = start + e.repeat;
    const uint64_t extra = partial > start ? std::min(partial, end) - start : 0;
    add(e.layer, e.repeat * full + extra);
    start = end;
  }
  return out;
}

namespace {

std::string layer_text(const FfnLayer& l) {
  if (l.kind == FfnKind::dense && l.width > 0) return fmt::format("dense:{}", l.width);
  return std::string(ffn_kind_name(l.kind));
}

}  // namespace

std::string FfnStack::text() const {
  std::string out;
  for (const Entry& e : cycle)
    out += fmt::format("{}{}{}", out.empty() ? "" : "/", layer_text(e.layer), e.repeat > 1 ? fmt::format("*{}", e.repeat) : std::string());
  if (lead_layers > 0) return fmt::format("{}*{} then {}", layer_text(lead), lead_layers, out);
  return out;
}

FfnStack ffn_stack_from_layers(const std::vector<FfnLayer>& layers) {
  FfnStack best;
  if (layers.empty()) return best;
  size_t best_size = SIZE_MAX;
  // A lead of equal layers (0 or a run at the start), then the smallest period of the rest.
  size_t run = 1;
  while (run < layers.size() && layers[run] == layers[0]) ++run;
  for (size_t lead : {size_t{0}, run}) {
    if (lead >= layers.size() && lead != 0) continue;
    const size_t n = layers.size() - lead;
    size_t period = n;
    for (size_t p = 1; p < n; ++p) {
      bool repeats = true;
      for (size_t i = p; i < n && repeats; ++i) repeats = layers[lead + i] == layers[lead + i % p];
      if (repeats) {
        period = p;
        break;
      }
    }
    FfnStack s;
    s.lead = layers[0];
    s.lead_layers = lead;
    s.cycle.clear();
    for (size_t i = 0; i < period;) {
      size_t j = i + 1;
      while (j < period && layers[lead + j] == layers[lead + i]) ++j;
      s.cycle.push_back({layers[lead + i], j - i});
      i = j;
    }
    if (s.cycle.size() + (lead > 0) < best_size) {
      best_size = s.cycle.size() + (lead > 0);
      best = s;
    }
  }
  return best;
}

FfnStack ffn_stack_from_rule(uint64_t first_dense, uint64_t period, uint64_t offset) {
  FfnStack s;
  s.lead = {FfnKind::dense, 0};
  s.lead_layers = first_dense;
  if (period == 0) period = 1;
  // Layer l ≥ first_dense is MoE when l ≡ offset (mod period). The cycle starts at layer
  // first_dense: `before` dense layers, the MoE layer, then the rest of the period dense.
  const uint64_t before = ((offset % period) + period - first_dense % period) % period;
  const FfnStack::Entry dense_before{{FfnKind::dense, 0}, before}, moe{{FfnKind::moe, 0}, 1}, dense_after{{FfnKind::dense, 0}, period - before - 1};
  if (before > 0 && dense_after.repeat > 0) s.cycle = {dense_before, moe, dense_after};
  else if (before > 0) s.cycle = {dense_before, moe};
  else if (dense_after.repeat > 0) s.cycle = {moe, dense_after};
  else s.cycle = {moe};
  return s;
}

}  // namespace attncost
