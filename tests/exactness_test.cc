// SPEC §3: counts are exact to 1e-12 relative up to 2^40 tokens, with no overflow or NaN.
#include <catch2/catch.hpp>

#include "estimators/pattern_counts.h"
#include "model/attn_spec.h"
#include "tests/test_helpers.h"

using namespace attncost;
using namespace attncost::testing;

namespace {
constexpr uint64_t kMax = uint64_t{1} << 40;

double rel_err(double got, u128 want) { return std::fabs(got - to_double(want)) / to_double(want); }
}  // namespace

TEST_CASE("dense and window prefill pairs at 2^40 equal 128-bit reference arithmetic", "[exact]") {
  const u128 n = kMax;
  REQUIRE(prefill_pairs(Pattern{}, kMax) == n * (n + 1) / 2);
  Pattern w;
  w.kind = PatternKind::window;
  w.window = 4096;
  REQUIRE(prefill_pairs(w, kMax) == u128{4096} * 4097 / 2 + (n - 4096) * 4096);
  Pattern s = w;
  s.kind = PatternKind::sinks;
  s.sinks = 4;
  REQUIRE(prefill_pairs(s, kMax) == u128{4100} * 4101 / 2 + (n - 4100) * 4100);
  Pattern st;
  st.kind = PatternKind::strided, st.stride = 128, st.window = 128;
  // Σ_{i<n} (min(i+1,128) + [i≥128](⌊i/128⌋ - 0)): the stride part is 128·Σ_{q<2^33} q - 0.
  const u128 q = n / 128;
  REQUIRE(prefill_pairs(st, kMax) == (u128{128} * 129 / 2 + (n - 128) * 128) + (u128{128} * q * (q - 1) / 2 - 0));
}

TEST_CASE("to_double keeps 1e-12 relative precision for 2^79-sized counts", "[exact]") {
  const u128 n = kMax;
  const u128 dense = n * (n + 1) / 2;
  REQUIRE(rel_err(to_double(dense), dense) < 1e-15);
  const Estimate e = run("llama-3.1-405b", DesignChoice{}, kMax);
  // attention pairs = Σ pairs × heads × layers × batch.
  const u128 expected = dense * 128 * 126;
  REQUIRE(rel_err(e.prefill.attention_pairs, expected) < 1e-12);
  REQUIRE(rel_err(e.prefill.attention_flops, expected * 2 * (128 + 128)) < 1e-12);
}

TEST_CASE("no overflow, NaN or negative number at 2^40 tokens for any preset and pattern", "[exact]") {
  const char* specs[] = {"dense", "window:4096", "sinks:4+window:4096", "strided:128+window:256", "axial",
                         "block:64", "linear", "ssm:16", "ssm*7/dense", "window:4096*3/dense"};
  for (const auto& model : model_preset_names()) {
    for (const char* spec : specs) {
      const ModelConfig m = load_model(model);
      if (parse_attn(spec).cycle_length > static_cast<uint64_t>(m.layers)) continue;
      for (uint64_t ctx : {uint64_t{1}, uint64_t{4096}, kMax}) {
        for (uint64_t batch : {uint64_t{1}, kMax}) {
          INFO(model << " " << spec << " ctx=" << ctx << " batch=" << batch);
          REQUIRE(all_finite_nonnegative(run(model, attn(spec), ctx, batch)));
        }
      }
    }
  }
}

TEST_CASE("16k → 64k prompt quadruples n and multiplies dense attention pairs by 16", "[exact]") {
  const double p16 = run("llama-2-7b", DesignChoice{}, 16384).prefill.attention_pairs;
  const double p64 = run("llama-2-7b", DesignChoice{}, 65536).prefill.attention_pairs;
  // n(n+1)/2 ratio = 16·(65537/65540)... within rounding of the diagonal.
  REQUIRE(p64 / p16 == Approx(16.0).epsilon(1e-3));
  REQUIRE(p64 / p16 == Approx(65536.0 * 65537 / (16384.0 * 16385)).epsilon(1e-12));
}
