// The `--attn` pattern language of SPEC §2 and its parsed form: a cycle of attention patterns
// repeated over the layers (`window:4096/dense`, `ssm*7/dense`, ...).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace attncost {

enum class PatternKind : uint8_t { dense, window, sinks, strided, axial, block, linear, ssm };

// One layer's attention pattern. Fields a kind does not use stay 0; 0 in an optional field
// means "the documented default" (axial width ⌈√ctx⌉, linear features = head dim).
struct Pattern {
  PatternKind kind = PatternKind::dense;
  uint64_t window = 0;     // window, sinks, strided: keys in the local window (query included)
  uint64_t sinks = 0;      // sinks: always-visible first tokens
  uint64_t stride = 0;     // strided: every stride-th earlier key
  uint64_t width = 0;      // axial: row width M (0 = ⌈√ctx⌉)
  uint64_t block = 0;      // block: tokens per block
  uint64_t local = 0;      // block: local blocks, the query's own included
  uint64_t global = 0;     // block: first blocks visible to every query
  uint64_t random = 0;     // block: extra earlier blocks per query block
  uint64_t features = 0;   // linear: feature dimension F (0 = head dim)
  uint64_t state = 0;      // ssm: state size N

  bool operator==(const Pattern&) const = default;
  // Holds a cache that grows with the context (every kind but linear and ssm).
  bool is_softmax() const { return kind != PatternKind::linear && kind != PatternKind::ssm; }
};

// Defaults of the optional parameters (BigBird's ITC configuration for block; Mamba's N = 16).
inline constexpr uint64_t kDefaultBlockLocal = 3;
inline constexpr uint64_t kDefaultBlockGlobal = 2;
inline constexpr uint64_t kDefaultBlockRandom = 3;
inline constexpr uint64_t kDefaultSsmState = 16;
// Parameters larger than this are rejected (the largest supported context, SPEC §3).
inline constexpr uint64_t kMaxTokens = uint64_t{1} << 40;
// Distinct patterns one stack may hold; identical entries are merged before this applies.
inline constexpr int kMaxDistinctPatterns = 16;

struct StackEntry {
  Pattern pattern;
  uint64_t repeat = 1;   // consecutive layers of the cycle that use it
};

// A parsed spec. The cycle (entries expanded by their repeats) is laid over layers 0, 1, ...
// and repeated; `layers_of` counts the layers each distinct pattern gets, in O(1) per entry.
struct AttnStack {
  std::string text;                                   // the spec as given
  std::array<StackEntry, 64> entries{};              // in cycle order
  int entry_count = 0;
  uint64_t cycle_length = 0;                          // Σ repeats

  // Distinct patterns with the number of layers (out of `layers`) each one gets.
  struct Use { Pattern pattern; uint64_t layers; };
  int uses(uint64_t layers, std::array<Use, kMaxDistinctPatterns>& out) const;
};

// Parses SPEC §2's grammar. Throws InputError whose message quotes the spec and points at the
// offending character (1-based), e.g. `--attn 'window:4x': character 9 ('x'): expected ...`.
AttnStack parse_attn(std::string_view spec, std::string_view what = "--attn");

// Canonical text of one pattern (`window:4096`, `block:64:local=3:global=2:random=3`).
std::string pattern_text(const Pattern& p);

}  // namespace attncost
