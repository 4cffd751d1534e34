// The `--attn` pattern language of SPEC §2 and its parsed form: a cycle of token mixers (attention
// patterns, linear and state-space layers, short convolutions, or none) repeated over the layers
// (`window:4096/dense`, `ssm*7/dense`, `chunk:8192*3/dense`, `deltanet*3/dense(kv=2)`,
// `shortconv*2/dense`, `lightning*7/dense`, ...).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attncost {

enum class PatternKind : uint8_t { dense, window, sinks, strided, axial, block, linear, ssm, chunk, topk, deltanet, mamba2, shortconv, lightning, none };

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
  uint64_t state = 0;      // ssm, mamba2: state size N (mamba2: 0 = the model's ssm_state_size)
  uint64_t chunk = 0;      // chunk: tokens per chunk C (Llama-4's attention_chunk_size)
  uint64_t topk = 0;       // topk: keys each query selects (DeepSeek-V3.2's index_topk)
  uint64_t taps = 0;       // shortconv: convolution length L (0 = the model's conv_L_cache)
  // Per-layer attention shape (layer types that differ from the model's other layers, e.g.
  // Gemma-4's global layers): KV heads, key and value head dims; 0 = the model's. k_eq_v: the
  // values are the keys (one tensor cached, Gemma-4's attention_k_eq_v).
  uint64_t kv_heads = 0, head_dim = 0, v_head_dim = 0;
  bool k_eq_v = false;

  bool operator==(const Pattern&) const = default;
  // Scores query-key pairs through a softmax and caches K/V for them.
  bool is_softmax() const;
  // Holds a constant-size recurrent state instead of a cache.
  bool is_recurrent() const;
  bool has_shape_override() const { return kv_heads || head_dim || v_head_dim || k_eq_v; }
};

// What each pattern kind is, in one table (pattern_traits): code that asks "is this a window, a
// recurrent layer, a sparse mask" reads it instead of comparing kinds, so that a new kind is
// classified in exactly one place. Every switch over PatternKind is exhaustive (no `default:`):
// with -Wswitch (in -Wall) and -Werror a new kind fails to compile until each place handles it
// (docs/how-to-add.md lists them).
enum class MixerClass : uint8_t {
  softmax,    // scores query-key pairs through a softmax, caches K/V
  recurrent,  // a constant-size state per sequence (linear attention, SSM, DeltaNet, short convolution)
  none,       // no token mixer in this layer
};
struct PatternTraits {
  MixerClass mixer = MixerClass::softmax;
  bool local = false;             // each query sees a bounded recent span, so the cache is bounded (window, sinks, chunk)
  bool fixed_sparse = false;      // a fixed mask over all earlier keys whose cache keeps every token (strided, axial, block)
  bool selected = false;          // keys chosen by content per query (topk: DeepSeek-V3.2's indexer)
  bool state_space = false;       // a recurrent mixer with projections of its own (ssm, mamba2, deltanet, shortconv), weighed as "mixer"
  bool keys_vary_per_position = false;  // its key count is not piecewise affine in the position (strided, axial, block)
};
constexpr PatternTraits pattern_traits(PatternKind k) {
  switch (k) {
    case PatternKind::dense: return {};
    case PatternKind::window:
    case PatternKind::sinks:
    case PatternKind::chunk: return {.local = true};
    case PatternKind::strided:
    case PatternKind::axial:
    case PatternKind::block: return {.fixed_sparse = true, .keys_vary_per_position = true};
    case PatternKind::topk: return {.selected = true};
    case PatternKind::linear:
    case PatternKind::lightning: return {.mixer = MixerClass::recurrent};
    case PatternKind::ssm:
    case PatternKind::mamba2:
    case PatternKind::deltanet:
    case PatternKind::shortconv: return {.mixer = MixerClass::recurrent, .state_space = true};
    case PatternKind::none: return {.mixer = MixerClass::none};
  }
  return {};
}
inline bool Pattern::is_softmax() const { return pattern_traits(kind).mixer == MixerClass::softmax; }
inline bool Pattern::is_recurrent() const { return pattern_traits(kind).mixer == MixerClass::recurrent; }

// Defaults of the optional parameters (BigBird's ITC configuration for block; Mamba's N = 16).
inline constexpr uint64_t kDefaultBlockLocal = 3;
inline constexpr uint64_t kDefaultBlockGlobal = 2;
inline constexpr uint64_t kDefaultBlockRandom = 3;
inline constexpr uint64_t kDefaultSsmState = 16;
// LFM2's conv_L_cache (Lfm2Config's default): the taps of a `shortconv` layer that names none.
inline constexpr uint64_t kDefaultShortconvTaps = 3;
// Parameters larger than this are rejected (the largest supported context, SPEC §3).
inline constexpr uint64_t kMaxTokens = uint64_t{1} << 40;
// Distinct patterns one stack may hold; identical entries are merged before this applies.
inline constexpr int kMaxDistinctPatterns = 16;
// Entries ('/'-separated) one stack may hold: a config's per-layer list run-length encoded.
inline constexpr int kMaxStackEntries = 1024;

struct StackEntry {
  Pattern pattern;
  uint64_t repeat = 1;   // consecutive layers of the cycle that use it
};

// A parsed spec. The cycle (entries expanded by their repeats) is laid over layers 0, 1, ...
// and repeated; `layers_of` counts the layers each distinct pattern gets, in O(1) per entry.
struct AttnStack {
  std::string text;                                   // the spec as given
  std::vector<StackEntry> entries;                    // in cycle order
  int entry_count = 0;
  uint64_t cycle_length = 0;                          // Σ repeats

  // Distinct patterns with the number of layers (out of `layers`) each one gets.
  struct Use { Pattern pattern; uint64_t layers; };
  int uses(uint64_t layers, std::array<Use, kMaxDistinctPatterns>& out) const;
};

// Parses SPEC §2's grammar. Throws InputError whose message quotes the spec and points at the
// offending character (1-based), e.g. `--attn 'window:4x': character 9 ('x'): expected ...`.
AttnStack parse_attn(std::string_view spec, std::string_view what = "--attn");

// Canonical text of one pattern (`window:4096`, `block:64:local=3:global=2:random=3`,
// `dense(kv=2,head=512,k_eq_v)`).
std::string pattern_text(const Pattern& p);

// The shortest spec of a per-layer list: the smallest cycle that repeats to the list (a last
// partial cycle allowed), run-length encoded (`window:128/dense`, `chunk:8192*3/dense`).
std::string compact_stack_text(const std::vector<Pattern>& layers);

}  // namespace attncost
