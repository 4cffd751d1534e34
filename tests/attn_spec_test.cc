// The --attn grammar: what parses, how stacks spread over layers, and errors that point at the
// offending character.
#include <catch2/catch.hpp>

#include "model/attn_spec.h"
#include "model/error.h"

using namespace attncost;

namespace {
std::string error_of(const std::string& spec) {
  try {
    parse_attn(spec);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("every pattern of the grammar parses with its parameters", "[attn]") {
  REQUIRE(parse_attn("dense").entries[0].pattern.kind == PatternKind::dense);
  const Pattern w = parse_attn("window:4096").entries[0].pattern;
  REQUIRE((w.kind == PatternKind::window && w.window == 4096));
  const Pattern s = parse_attn("sinks:4+window:1024").entries[0].pattern;
  REQUIRE((s.kind == PatternKind::sinks && s.sinks == 4 && s.window == 1024));
  const Pattern st = parse_attn("strided:128+window:256").entries[0].pattern;
  REQUIRE((st.kind == PatternKind::strided && st.stride == 128 && st.window == 256));
  REQUIRE(parse_attn("axial").entries[0].pattern.width == 0);
  REQUIRE(parse_attn("axial:64").entries[0].pattern.width == 64);
  const Pattern b = parse_attn("block:64:local=2:random=0").entries[0].pattern;
  REQUIRE((b.block == 64 && b.local == 2 && b.global == kDefaultBlockGlobal && b.random == 0));
  REQUIRE(parse_attn("linear").entries[0].pattern.features == 0);
  REQUIRE(parse_attn("linear:32").entries[0].pattern.features == 32);
  REQUIRE(parse_attn("ssm").entries[0].pattern.state == 16);
  REQUIRE(parse_attn("ssm:64").entries[0].pattern.state == 64);
  // Short convolutions (LFM2) name their length, or take the model's conv_L_cache; lightning (MiniMax).
  const Pattern sc = parse_attn("shortconv").entries[0].pattern;
  REQUIRE((sc.kind == PatternKind::shortconv && sc.taps == 0));
  REQUIRE(parse_attn("shortconv:4").entries[0].pattern.taps == 4);
  REQUIRE(pattern_text(parse_attn("shortconv:4").entries[0].pattern) == "shortconv:4");
  REQUIRE(parse_attn("lightning*7/dense").entries[0].pattern.kind == PatternKind::lightning);
  REQUIRE(pattern_traits(PatternKind::shortconv).mixer == MixerClass::recurrent);
  REQUIRE(pattern_traits(PatternKind::shortconv).state_space);
  REQUIRE(pattern_traits(PatternKind::lightning).mixer == MixerClass::recurrent);
  REQUIRE_THROWS_WITH(parse_attn("shortconv:0"), Catch::Contains("character 11") && Catch::Contains("at least 1"));
  REQUIRE_THROWS_WITH(parse_attn("shortconv(kv=2)"), Catch::Contains("shape options apply to attention layers"));
}

TEST_CASE("stacks repeat their cycle over the layers", "[attn]") {
  std::array<AttnStack::Use, kMaxDistinctPatterns> uses;
  const AttnStack jamba = parse_attn("ssm*7/dense");
  REQUIRE(jamba.cycle_length == 8);
  REQUIRE(jamba.uses(32, uses) == 2);
  REQUIRE(uses[0].layers == 28);
  REQUIRE(uses[1].layers == 4);
  // 42 layers of window/dense: 21 each; 5 layers of window*3/dense: window 4, dense 1.
  REQUIRE(parse_attn("window:4096/dense").uses(42, uses) == 2);
  REQUIRE((uses[0].layers == 21 && uses[1].layers == 21));
  REQUIRE(parse_attn("window:4096*3/dense").uses(5, uses) == 2);
  REQUIRE((uses[0].layers == 4 && uses[1].layers == 1));
  // Identical entries merge: a/b/a over 6 layers → a: 4, b: 2.
  REQUIRE(parse_attn("window:8/dense/window:8").uses(6, uses) == 2);
  REQUIRE((uses[0].layers == 4 && uses[1].layers == 2));
}

TEST_CASE("malformed specs name the offending character", "[attn]") {
  REQUIRE(error_of("window:4x96") == "--attn 'window:4x96': character 9 ('x'): expected '/' between layers, '*K' after a pattern, or the end of the spec");
  REQUIRE(error_of("windw:4096").find("character 1 ('w'): unknown pattern 'windw'") != std::string::npos);
  REQUIRE(error_of("window:").find("character 8 (end of spec): expected the window size") != std::string::npos);
  REQUIRE(error_of("window:0").find("character 8 ('0'): the window size must be at least 1") != std::string::npos);
  REQUIRE(error_of("sinks:4").find("character 8 (end of spec): expected '+window:W'") != std::string::npos);
  REQUIRE(error_of("sinks:4+wind:8").find("character 9 ('w'): expected 'window:W'") != std::string::npos);
  REQUIRE(error_of("dense//dense").find("character 7 ('/'): expected a pattern name") != std::string::npos);
  REQUIRE(error_of("dense*0").find("character 7 ('0'): a repeat count after '*' must be at least 1") != std::string::npos);
  REQUIRE(error_of("block:64:lokal=2").find("character 10 ('l'): unknown block option 'lokal'") != std::string::npos);
  REQUIRE(error_of("window:2000000000000").find("exceeds 2^40") != std::string::npos);
  REQUIRE(error_of("").find("expected a pattern") != std::string::npos);
  REQUIRE(error_of("dense ").find("character 6 (' ')") != std::string::npos);
}

TEST_CASE("a block pattern without options takes BigBird's ITC configuration: 3 local, 2 global, 3 random blocks", "[attn]") {
  // Zaheer et al. 2020 (BigBird), §D: 3 sliding blocks, 2 global and 3 random per query block.
  const AttnStack bare = parse_attn("block:64"), full = parse_attn("block:64:local=3:global=2:random=3");
  REQUIRE(bare.entries[0].pattern.local == 3);
  REQUIRE(bare.entries[0].pattern.global == 2);
  REQUIRE(bare.entries[0].pattern.random == 3);
  REQUIRE(pattern_text(bare.entries[0].pattern) == pattern_text(full.entries[0].pattern));
}
