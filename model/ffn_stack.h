// Which feed-forward block each layer has: a dense MLP (of the model's width or its own), a
// mixture of experts, or none (Nemotron-H's mixer-only blocks). A model's layers are `first`
// leading layers of one kind, then a cycle of entries repeated over the rest, so that every
// placement rule of today's configs is exact: DeepSeek's first_k_dense_replace (3 dense, then MoE),
// Jamba's expert period (dense/moe), Llama-4's interleave step, per-layer lists (Nemotron-H,
// MiMo, DeciLM). Counting the layers of each kind is O(entries), whatever the layer count.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/inline_vector.h"

namespace attncost {

enum class FfnKind : uint8_t { dense, moe, none };

struct FfnLayer {
  FfnKind kind = FfnKind::dense;
  int64_t width = 0;  // dense: the MLP width of these layers; 0 = the model's intermediate size
  bool operator==(const FfnLayer&) const = default;
};

struct FfnStack {
  FfnLayer lead;               // the first `lead_layers` layers
  uint64_t lead_layers = 0;
  struct Entry {
    FfnLayer layer;
    uint64_t repeat = 1;
  };
  std::vector<Entry> cycle = {Entry{}};  // repeated over layers lead_layers, ...; default: all dense

  struct Use {
    FfnLayer layer;
    uint64_t layers;
  };
  // Distinct layer kinds with the number of layers (of `layers`) each gets (inline up to 4: no
  // allocation for any model but per-layer lists of many widths).
  using Uses = InlineVector<Use, 4>;
  Uses uses(uint64_t layers) const;
  // "dense*3 then moe", "dense/moe", "none/dense*4/…".
  std::string text() const;
};

// The compact stack of a per-layer list: the shortest lead + cycle that reproduces it.
FfnStack ffn_stack_from_layers(const std::vector<FfnLayer>& layers);
// Every `period`-th layer from `offset` on is MoE, after `first_dense` dense layers (the rule of
// Mixtral, DeepSeek, Jamba, Qwen-MoE, Llama-4), in O(1) entries.
FfnStack ffn_stack_from_rule(uint64_t first_dense, uint64_t period, uint64_t offset);

std::string_view ffn_kind_name(FfnKind k);

}  // namespace attncost
