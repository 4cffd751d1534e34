// Closed forms of estimators/pattern_counts against brute-force enumeration of each mask, over
// many random small sizes and parameters.
#include <random>

#include <catch2/catch.hpp>

#include "estimators/pattern_counts.h"
#include "tests/mask_reference.h"

using namespace attncost;
using attncost::testing::brute_pairs;
using attncost::testing::brute_tile_reads;
using attncost::testing::mask;

namespace {

Pattern random_pattern(PatternKind kind, std::mt19937_64& rng) {
  auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  Pattern p;
  p.kind = kind;
  switch (kind) {
    case PatternKind::window: p.window = pick(1, 40); break;
    case PatternKind::sinks: p.sinks = pick(0, 6); p.window = pick(1, 30); break;
    case PatternKind::strided: p.stride = pick(1, 12); p.window = pick(1, 20); break;
    case PatternKind::axial: p.width = pick(0, 1) ? 0 : pick(1, 12); break;
    case PatternKind::block:
      p.block = pick(1, 8), p.local = pick(1, 4), p.global = pick(0, 3), p.random = pick(0, 3);
      break;
    case PatternKind::chunk: p.chunk = pick(1, 30); break;
    case PatternKind::topk: p.topk = pick(1, 40); break;
    default: break;
  }
  return p;
}

const PatternKind kMaskKinds[] = {PatternKind::dense, PatternKind::window, PatternKind::sinks, PatternKind::strided,
                                  PatternKind::axial,  PatternKind::block,  PatternKind::chunk, PatternKind::topk};

}  // namespace

TEST_CASE("pairs(i), prefill and decode pairs equal the enumerated mask", "[pattern]") {
  std::mt19937_64 rng(20261123);
  for (PatternKind kind : kMaskKinds) {
    for (int trial = 0; trial < 60; ++trial) {
      const Pattern p = random_pattern(kind, rng);
      const uint64_t n = std::uniform_int_distribution<uint64_t>(1, 90)(rng);
      INFO(pattern_text(p) << " n=" << n);
      uint64_t sum = 0;
      for (uint64_t i = 0; i < n; ++i) {
        const uint64_t expected = brute_pairs(p, i, n);
        REQUIRE(pairs_at(p, i, n) == expected);
        sum += expected;
      }
      REQUIRE(prefill_pairs(p, n) == u128{sum});
      REQUIRE(decode_pairs(p, n) == brute_pairs(p, n - 1, n));
    }
  }
}

TEST_CASE("cached tokens are the keys some current or future query still attends", "[pattern]") {
  std::mt19937_64 rng(7);
  for (PatternKind kind : {PatternKind::dense, PatternKind::window, PatternKind::sinks, PatternKind::strided}) {
    for (int trial = 0; trial < 40; ++trial) {
      const Pattern p = random_pattern(kind, rng);
      const uint64_t n = std::uniform_int_distribution<uint64_t>(1, 60)(rng);
      uint64_t needed = 0;
      for (uint64_t j = 0; j < n; ++j) {
        bool used = false;
        for (uint64_t i = n - 1; i < n + 200 && !used; ++i) used = mask(p, i, j, n);
        needed += used;
      }
      INFO(pattern_text(p) << " n=" << n);
      REQUIRE(cached_tokens(p, n) == needed);
    }
  }
}

TEST_CASE("tile key loads: exact for contiguous and block masks, bounded for scattered ones", "[pattern]") {
  std::mt19937_64 rng(99);
  for (PatternKind kind : kMaskKinds) {
    for (int trial = 0; trial < 40; ++trial) {
      const Pattern p = random_pattern(kind, rng);
      const uint64_t n = std::uniform_int_distribution<uint64_t>(1, 80)(rng);
      const uint64_t rows = kind == PatternKind::block ? p.block : std::uniform_int_distribution<uint64_t>(1, 9)(rng);
      INFO(pattern_text(p) << " n=" << n << " rows=" << rows);
      const u128 reads = flash_key_reads(p, n, rows);
      const uint64_t exact = brute_tile_reads(p, n, rows);
      if (kind == PatternKind::strided || kind == PatternKind::axial || kind == PatternKind::topk) {
        REQUIRE(reads >= u128{exact});  // an upper bound ...
        REQUIRE(reads <= flash_key_reads(Pattern{}, n, rows));  // ... never above dense
      } else {
        REQUIRE(reads == u128{exact});
      }
    }
  }
}

TEST_CASE("direct reach and token-0 visibility follow the mask of the last query", "[pattern]") {
  std::mt19937_64 rng(3);
  for (PatternKind kind : {PatternKind::dense, PatternKind::window, PatternKind::sinks, PatternKind::strided, PatternKind::axial, PatternKind::chunk}) {
    for (int trial = 0; trial < 40; ++trial) {
      const Pattern p = random_pattern(kind, rng);
      const uint64_t n = std::uniform_int_distribution<uint64_t>(1, 70)(rng);
      uint64_t reach = 0;
      for (uint64_t j = 0; j < n; ++j)
        if (mask(p, n - 1, j, n)) reach = std::max(reach, n - j);
      INFO(pattern_text(p) << " n=" << n);
      REQUIRE(direct_reach(p, n) == reach);
      REQUIRE(sees_first_token(p, n) == mask(p, n - 1, 0, n));
    }
  }
}

TEST_CASE("token 0 at the window's edge: visible while n ≤ W, gone at W + 1", "[pattern]") {
  // Random trials rarely land on n = W exactly; the edge is where an off-by-one lives.
  for (uint64_t w : {1u, 2u, 7u, 16u, 4096u}) {
    for (uint64_t n = (w > 8 ? w - 3 : 1); n <= w + 3; ++n) {
      Pattern p;
      p.kind = PatternKind::window, p.window = w;
      INFO("window " << w << " n " << n);
      REQUIRE(sees_first_token(p, n) == mask(p, n - 1, 0, n));
      REQUIRE(sees_first_token(p, n) == (n <= w));
      p.kind = PatternKind::sinks, p.sinks = 0;
      REQUIRE(sees_first_token(p, n) == mask(p, n - 1, 0, n));
    }
  }
}

TEST_CASE("linear, SSM, Mamba-2, DeltaNet and mixer-less layers score no pairs and cache no tokens", "[pattern]") {
  for (PatternKind kind : {PatternKind::linear, PatternKind::ssm, PatternKind::mamba2, PatternKind::deltanet, PatternKind::none}) {
    Pattern p;
    p.kind = kind;
    REQUIRE(prefill_pairs(p, 1u << 20) == 0);
    REQUIRE(decode_pairs(p, 1u << 20) == 0);
    REQUIRE(cached_tokens(p, 1u << 20) == 0);
    REQUIRE(flash_key_reads(p, 1000, 64) == 0);
    REQUIRE(direct_reach(p, 1000) == (kind == PatternKind::none ? 0u : 1000u));  // a state summarizes every token; no mixer reaches none
    REQUIRE_FALSE(sees_first_token(p, 1000));
  }
}

TEST_CASE("chunked attention keeps one chunk, top-k selection keeps the whole context", "[pattern]") {
  Pattern chunk;
  chunk.kind = PatternKind::chunk;
  chunk.chunk = 8192;
  // Llama-4's chunks: the buffer holds min(n, C) tokens at its peak; the last query of a 10,000-token
  // prompt sits 1,808 tokens into its second chunk.
  REQUIRE(cached_tokens(chunk, 5000) == 5000);
  REQUIRE(cached_tokens(chunk, 10000) == 8192);
  REQUIRE(decode_pairs(chunk, 10000) == 10000 - 8192);
  REQUIRE(direct_reach(chunk, 10000) == 1808);
  REQUIRE_FALSE(sees_first_token(chunk, 10000));
  REQUIRE(sees_first_token(chunk, 8192));
  // Σ over a 2^40-token prompt: 2^40/C full chunks of C(C+1)/2 pairs each.
  const uint64_t n = uint64_t{1} << 40;
  REQUIRE(prefill_pairs(chunk, n) == u128{n / 8192} * (u128{8192} * 8193 / 2));
  Pattern topk;
  topk.kind = PatternKind::topk;
  topk.topk = 2048;
  REQUIRE(cached_tokens(topk, 100000) == 100000);
  REQUIRE(decode_pairs(topk, 100000) == 2048);
  REQUIRE(direct_reach(topk, 100000) == 100000);
  REQUIRE(sees_first_token(topk, 100000));
}

TEST_CASE("floor_sum equals the enumerated sum", "[pattern]") {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 2000; ++trial) {
    auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
    const uint64_t n = pick(0, 60), m = pick(1, 50), a = pick(0, 120), b = pick(0, 120);
    u128 brute = 0;
    for (uint64_t i = 0; i < n; ++i) brute += (a * i + b) / m;
    INFO(n << " " << m << " " << a << " " << b);
    REQUIRE(floor_sum(n, m, a, b) == brute);
  }
}

TEST_CASE("axial default width is the exact ceiling square root", "[pattern]") {
  Pattern p;
  p.kind = PatternKind::axial;
  REQUIRE(axial_width(p, 1) == 1);
  REQUIRE(axial_width(p, 16) == 4);
  REQUIRE(axial_width(p, 17) == 5);
  REQUIRE(axial_width(p, uint64_t{1} << 40) == uint64_t{1} << 20);
  REQUIRE(axial_width(p, (uint64_t{1} << 40) + 1) == (uint64_t{1} << 20) + 1);
  REQUIRE(ceil_sqrt(UINT64_MAX) == uint64_t{1} << 32);
}
