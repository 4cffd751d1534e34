#include "model/attn_spec.h"

#include <fmt/format.h>

#include "model/error.h"

namespace attncost {
namespace {

constexpr const char* kPatternNames =
    "dense, window:W, sinks:S+window:W, strided:S+window:W, axial[:M], block:B[...], chunk:C, topk:K, linear[:F], lightning, ssm[:N], "
    "deltanet, mamba2[:N], shortconv[:L] or none";

// A hand-written recursive-descent parser: the grammar is tiny and the error must name the
// exact character, which a regex cannot do.
class Parser {
 public:
  Parser(std::string_view text, std::string_view what) : s_(text), what_(what) {}

  AttnStack parse() {
    AttnStack stack;
    stack.text = std::string(s_);
    if (s_.empty()) fail("expected a pattern (" + std::string(kPatternNames) + ")");
    for (;;) {
      StackEntry e;
      e.pattern = parse_pattern();
      if (eat('(')) parse_options(e.pattern);
      if (eat('*')) e.repeat = number("a repeat count after '*'");
      if (stack.entry_count == kMaxStackEntries) fail(fmt::format("more than {} '/'-separated entries", kMaxStackEntries));
      stack.entries.push_back(e);
      ++stack.entry_count;
      stack.cycle_length += e.repeat;
      if (stack.cycle_length > kMaxTokens) fail("the layer cycle is too long");
      if (at_end()) break;
      expect('/', "'/' between layers, '*K' after a pattern, or the end of the spec");
    }
    std::array<AttnStack::Use, kMaxDistinctPatterns> uses;
    (void)stack.uses(stack.cycle_length, uses);  // throws when too many distinct patterns
    return stack;
  }

 private:
  Pattern parse_pattern() {
    const size_t start = pos_;
    const std::string_view word = identifier();
    Pattern p;
    if (word == "dense") {
      p.kind = PatternKind::dense;
    } else if (word == "window") {
      p.kind = PatternKind::window;
      expect(':', "':' and the window size after 'window'");
      p.window = number("the window size");
    } else if (word == "sinks" || word == "strided") {
      p.kind = word == "sinks" ? PatternKind::sinks : PatternKind::strided;
      expect(':', fmt::format("':' and a count after '{}'", word));
      if (p.kind == PatternKind::sinks) p.sinks = number_or_zero("the number of sink tokens");
      else p.stride = number("the stride");
      expect('+', fmt::format("'+window:W' after '{}:N'", word));
      const size_t wstart = pos_;
      if (identifier() != "window") fail_at(wstart, fmt::format("expected 'window:W' after '{}:N+'", word));
      expect(':', "':' and the window size after 'window'");
      p.window = number("the window size");
    } else if (word == "axial") {
      p.kind = PatternKind::axial;
      if (eat(':')) p.width = number("the row width");
    } else if (word == "block") {
      p.kind = PatternKind::block;
      expect(':', "':' and the block size after 'block'");
      p.block = number("the block size");
      p.local = kDefaultBlockLocal;
      p.global = kDefaultBlockGlobal;
      p.random = kDefaultBlockRandom;
      while (eat(':')) {
        const size_t kstart = pos_;
        const std::string_view key = identifier();
        expect('=', fmt::format("'=' and a count after '{}'", key));
        if (key == "local") p.local = number("the local block count");
        else if (key == "global") p.global = number_or_zero("the global block count");
        else if (key == "random") p.random = number_or_zero("the random block count");
        else fail_at(kstart, fmt::format("unknown block option '{}' (expected local=, global= or random=)", key));
      }
    } else if (word == "linear") {
      p.kind = PatternKind::linear;
      if (eat(':')) p.features = number("the feature dimension");
    } else if (word == "ssm") {
      p.kind = PatternKind::ssm;
      p.state = kDefaultSsmState;
      if (eat(':')) p.state = number("the state size");
    } else if (word == "chunk") {
      p.kind = PatternKind::chunk;
      expect(':', "':' and the chunk size after 'chunk'");
      p.chunk = number("the chunk size");
    } else if (word == "topk") {
      p.kind = PatternKind::topk;
      expect(':', "':' and the number of selected keys after 'topk'");
      p.topk = number("the number of selected keys");
    } else if (word == "deltanet") {
      p.kind = PatternKind::deltanet;
    } else if (word == "mamba") {
      // "mamba2": the identifier stops at the digit.
      const size_t dstart = pos_;
      if (!eat('2')) fail_at(dstart, "expected 'mamba2' (a Mamba-2 layer; 'ssm' is Mamba-1)");
      p.kind = PatternKind::mamba2;
      if (eat(':')) p.state = number("the state size");
    } else if (word == "shortconv") {
      p.kind = PatternKind::shortconv;
      if (eat(':')) p.taps = number("the convolution length");
    } else if (word == "lightning") {
      p.kind = PatternKind::lightning;
    } else if (word == "none") {
      p.kind = PatternKind::none;
    } else {
      fail_at(start, word.empty() ? "expected a pattern name" : fmt::format("unknown pattern '{}' (expected {})", word, kPatternNames));
    }
    return p;
  }

  // `(kv=G,head=D,vhead=D,k_eq_v)`: the attention shape of these layers, when it differs from the
  // model's other layers.
  void parse_options(Pattern& p) {
    if (!p.is_softmax()) fail_at(pos_ - 1, fmt::format("shape options apply to attention layers, not to '{}'", pattern_text(p)));
    bool any = false;
    do {
      const size_t kstart = pos_;
      const std::string_view key = identifier_with_underscores();
      if (key == "k_eq_v") {
        if (p.k_eq_v) fail_at(kstart, "option 'k_eq_v' given twice");
        p.k_eq_v = true;
      } else if (key == "kv" || key == "head" || key == "vhead") {
        uint64_t& field = key == "kv" ? p.kv_heads : key == "head" ? p.head_dim : p.v_head_dim;
        if (field) fail_at(kstart, fmt::format("option '{}' given twice", key));
        expect('=', fmt::format("'=' and a number after '{}'", key));
        field = number(fmt::format("the value of '{}'", key));
      } else {
        fail_at(kstart, key.empty() ? "expected an option (kv=G, head=D, vhead=D or k_eq_v)"
                                    : fmt::format("unknown option '{}' (expected kv=G, head=D, vhead=D or k_eq_v)", key));
      }
      any = true;
    } while (eat(','));
    (void)any;
    expect(')', "',' and another option, or ')'");
  }

  std::string_view identifier_with_underscores() {
    const size_t start = pos_;
    while (pos_ < s_.size() && (std::isalpha(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  std::string_view identifier() {
    const size_t start = pos_;
    while (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  uint64_t number_or_zero(std::string_view what) { return digits(what, true); }
  uint64_t number(std::string_view what) { return digits(what, false); }

  uint64_t digits(std::string_view what, bool zero_ok) {
    const size_t start = pos_;
    uint64_t v = 0;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
      v = v * 10 + static_cast<uint64_t>(s_[pos_] - '0');
      if (v > kMaxTokens) fail_at(start, fmt::format("{} exceeds 2^40", what));
      ++pos_;
    }
    if (pos_ == start) fail(fmt::format("expected {} (a positive integer)", what));
    if (v == 0 && !zero_ok) fail_at(start, fmt::format("{} must be at least 1", what));
    return v;
  }

  bool at_end() const { return pos_ >= s_.size(); }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) { ++pos_; return true; }
    return false;
  }
  void expect(char c, std::string_view what) {
    if (!eat(c)) fail(fmt::format("expected {}", what));
  }
  [[noreturn]] void fail(std::string_view message) const { fail_at(pos_, message); }
  [[noreturn]] void fail_at(size_t at, std::string_view message) const {
    const std::string where = at < s_.size() ? fmt::format("character {} ('{}')", at + 1, s_[at])
                                             : fmt::format("character {} (end of spec)", at + 1);
    throw InputError(fmt::format("{} '{}': {}: {}", what_, s_, where, message));
  }

  std::string_view s_;
  std::string_view what_;
  size_t pos_ = 0;
};

}  // namespace

AttnStack parse_attn(std::string_view spec, std::string_view what) { return Parser(spec, what).parse(); }

int AttnStack::uses(uint64_t layers, std::array<Use, kMaxDistinctPatterns>& out) const {
  int n = 0;
  const uint64_t full_cycles = layers / cycle_length;
  const uint64_t partial = layers % cycle_length;  // positions [0, partial) of the cycle occur once more
  uint64_t start = 0;
  for (int e = 0; e < entry_count; ++e) {
    const StackEntry& entry = entries[static_cast<size_t>(e)];
    const uint64_t end = start + entry.repeat;
    const uint64_t extra = partial > start ? std::min(partial, end) - start : 0;
    const uint64_t count = entry.repeat * full_cycles + extra;
    start = end;
    int k = 0;
    while (k < n && !(out[static_cast<size_t>(k)].pattern == entry.pattern)) ++k;
    if (k == n) {
      if (n == kMaxDistinctPatterns)
        throw InputError(fmt::format("--attn '{}': more than {} distinct patterns", text, kMaxDistinctPatterns));
      out[static_cast<size_t>(n++)] = Use{entry.pattern, 0};
    }
    out[static_cast<size_t>(k)].layers += count;
  }
  return n;
}

namespace {

std::string kind_text(const Pattern& p) {
  switch (p.kind) {
    case PatternKind::dense: return "dense";
    case PatternKind::window: return fmt::format("window:{}", p.window);
    case PatternKind::sinks: return fmt::format("sinks:{}+window:{}", p.sinks, p.window);
    case PatternKind::strided: return fmt::format("strided:{}+window:{}", p.stride, p.window);
    case PatternKind::axial: return p.width ? fmt::format("axial:{}", p.width) : "axial";
    case PatternKind::block:
      return fmt::format("block:{}:local={}:global={}:random={}", p.block, p.local, p.global, p.random);
    case PatternKind::linear: return p.features ? fmt::format("linear:{}", p.features) : "linear";
    case PatternKind::ssm: return fmt::format("ssm:{}", p.state);
    case PatternKind::chunk: return fmt::format("chunk:{}", p.chunk);
    case PatternKind::topk: return fmt::format("topk:{}", p.topk);
    case PatternKind::deltanet: return "deltanet";
    case PatternKind::mamba2: return p.state ? fmt::format("mamba2:{}", p.state) : "mamba2";
    case PatternKind::shortconv: return p.taps ? fmt::format("shortconv:{}", p.taps) : "shortconv";
    case PatternKind::lightning: return "lightning";
    case PatternKind::none: return "none";
  }
  return "dense";
}

}  // namespace

std::string pattern_text(const Pattern& p) {
  std::string out = kind_text(p);
  if (!p.has_shape_override()) return out;
  std::string options;
  auto add = [&](const std::string& o) { options += fmt::format("{}{}", options.empty() ? "" : ",", o); };
  if (p.kv_heads) add(fmt::format("kv={}", p.kv_heads));
  if (p.head_dim) add(fmt::format("head={}", p.head_dim));
  if (p.v_head_dim) add(fmt::format("vhead={}", p.v_head_dim));
  if (p.k_eq_v) add("k_eq_v");
  return fmt::format("{}({})", out, options);
}

std::string compact_stack_text(const std::vector<Pattern>& layers) {
  if (layers.empty()) return "dense";
  // The smallest period p with layers[i] == layers[i mod p] for every i; a "period" longer than
  // half the list is no cycle, and the list is kept whole.
  size_t period = layers.size();
  for (size_t p = 1; p <= layers.size() / 2; ++p) {
    bool repeats = true;
    for (size_t i = p; i < layers.size() && repeats; ++i) repeats = layers[i] == layers[i % p];
    if (repeats) {
      period = p;
      break;
    }
  }
  std::string out;
  for (size_t i = 0; i < period;) {
    size_t j = i + 1;
    while (j < period && layers[j] == layers[i]) ++j;
    out += fmt::format("{}{}{}", out.empty() ? "" : "/", pattern_text(layers[i]), j - i > 1 ? fmt::format("*{}", j - i) : std::string());
    i = j;
  }
  return out;
}

}  // namespace attncost
