#include "model/attn_spec.h"

#include <fmt/format.h>

#include "model/error.h"

namespace attncost {
namespace {

// A hand-written recursive-descent parser: the grammar is tiny and the error must name the
// exact character, which a regex cannot do.
class Parser {
 public:
  Parser(std::string_view text, std::string_view what) : s_(text), what_(what) {}

  AttnStack parse() {
    AttnStack stack;
    stack.text = std::string(s_);
    if (s_.empty()) fail("expected a pattern (dense, window:W, sinks:S+window:W, strided:S+window:W, axial[:M], block:B[...], linear[:F], ssm[:N])");
    for (;;) {
      StackEntry e;
      e.pattern = parse_pattern();
      if (eat('*')) e.repeat = number("a repeat count after '*'");
      if (stack.entry_count == static_cast<int>(stack.entries.size()))
        fail(fmt::format("more than {} '/'-separated entries", stack.entries.size()));
      stack.entries[static_cast<size_t>(stack.entry_count++)] = e;
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
    } else {
      fail_at(start, word.empty() ? "expected a pattern name"
                                  : fmt::format("unknown pattern '{}' (expected dense, window, sinks, strided, axial, block, linear or ssm)", word));
    }
    return p;
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

std::string pattern_text(const Pattern& p) {
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
  }
  return "dense";
}

}  // namespace attncost
