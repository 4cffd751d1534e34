// Property tests: thousands of seeded random models, designs and workloads. Every output is finite
// and non-negative, the structural invariants hold, costs grow with ctx and batch, and the JSON
// of an estimate survives a round trip through the parser.
#include <random>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "model/error.h"
#include "reports/reports.h"
#include "tests/test_helpers.h"

using namespace attncost;
using namespace attncost::testing;

namespace {

struct Generator {
  std::mt19937_64 rng;
  explicit Generator(uint64_t seed) : rng(seed) {}
  uint64_t uniform(uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); }
  uint64_t log_uniform(uint64_t lo, uint64_t hi) {  // every scale equally likely, up to 2^40
    const double x = std::uniform_real_distribution<double>(std::log2(static_cast<double>(lo)), std::log2(static_cast<double>(hi)))(rng);
    return std::clamp<uint64_t>(static_cast<uint64_t>(std::exp2(x)), lo, hi);
  }
  template <typename T>
  const T& pick(const std::vector<T>& v) { return v[uniform(0, v.size() - 1)]; }

  std::string pattern(uint64_t layers) {
    // fmt rather than string operator+: GCC 12 flags the latter with a false -Wrestrict at -O3.
    const std::vector<std::string> singles = {
        "dense",
        fmt::format("window:{}", log_uniform(1, 1 << 20)),
        fmt::format("sinks:{}+window:{}", uniform(0, 64), log_uniform(1, 1 << 18)),
        fmt::format("strided:{}+window:{}", log_uniform(1, 4096), log_uniform(1, 8192)),
        uniform(0, 1) ? std::string("axial") : fmt::format("axial:{}", log_uniform(1, 1 << 16)),
        fmt::format("block:{}:local={}:global={}:random={}", log_uniform(1, 512), uniform(1, 4), uniform(0, 3), uniform(0, 3)),
        uniform(0, 1) ? std::string("linear") : fmt::format("linear:{}", log_uniform(1, 512)),
        fmt::format("ssm:{}", log_uniform(1, 256))};
    std::vector<std::string> parts;
    uint64_t cycle = 0;
    const uint64_t entries = uniform(1, 3);
    for (uint64_t e = 0; e < entries; ++e) {
      const uint64_t repeat = uniform(1, 4);
      if (cycle + repeat > layers) break;
      cycle += repeat;
      parts.push_back(repeat > 1 ? fmt::format("{}*{}", pick(singles), repeat) : pick(singles));
    }
    return parts.empty() ? std::string("dense") : fmt::format("{}", fmt::join(parts, "/"));
  }

  DesignChoice design(const ModelConfig& m) {
    DesignChoice c;
    switch (uniform(0, 4)) {
      case 0: c.sharing = KvSharing::mha; break;
      case 1: c.sharing = KvSharing::mqa; break;
      case 2: {
        std::vector<int64_t> divisors;
        for (int64_t g = 1; g <= m.heads; ++g)
          if (m.heads % g == 0) divisors.push_back(g);
        c.sharing = KvSharing::gqa;
        c.kv_heads = pick(divisors);
        break;
      }
      case 3: c.sharing = KvSharing::mla, c.mla_rank = static_cast<int64_t>(log_uniform(1, 2048)); break;
      default: break;  // the model's own
    }
    c.attn = pattern(static_cast<uint64_t>(m.layers));
    c.kv_dtype = pick(std::vector<Dtype>{Dtype::fp32, Dtype::fp16, Dtype::bf16, Dtype::fp8, Dtype::int8, Dtype::int4});
    c.kernel = uniform(0, 3) == 0 ? Kernel::naive : Kernel::flash;
    c.page_size = static_cast<int64_t>(pick(std::vector<uint64_t>{0, 1, 16, 256}));
    std::vector<int64_t> tps;
    for (int64_t tp : {1, 2, 4, 8, 16})
      if (m.heads % tp == 0) tps.push_back(tp);
    c.tp = pick(tps);
    return c;
  }
};

}  // namespace

TEST_CASE("random designs: every output finite and non-negative, JSON round-trips", "[property]") {
  Generator gen(20261123);
  const auto models = model_preset_names();
  const GpuSpec gpu = load_gpu("h100-sxm");
  int checked = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const ModelConfig m = load_model(gen.pick(models));
    Design d;
    const DesignChoice choice = gen.design(m);
    try {
      d = make_design(m, choice);
    } catch (const InputError&) {
      continue;  // e.g. TP that the KV heads cannot split: rejected, as the CLI would
    }
    Workload w;
    w.ctx = gen.log_uniform(1, uint64_t{1} << 40);
    w.batch = gen.log_uniform(1, 1 << 20);
    w.gen = gen.uniform(0, 1) ? 0 : gen.log_uniform(1, (uint64_t{1} << 40) - w.ctx + 1) - 1;
    const Estimate e = estimate(m, d, w, gpu);
    INFO(m.name << " " << design_label(d) << " tp " << d.tp << " ctx " << w.ctx << " batch " << w.batch);
    REQUIRE(all_finite_nonnegative(e));
    const auto j = estimate_json({m, d, w, gpu}, e);
    REQUIRE(nlohmann::json::parse(j.dump()) == j);
    ++checked;
  }
  REQUIRE(checked > 2000);
}

TEST_CASE("random designs: monotone in ctx and linear in batch", "[property]") {
  Generator gen(7);
  const auto models = model_preset_names();
  const GpuSpec gpu = load_gpu("a100-80gb");
  for (int trial = 0; trial < 1500; ++trial) {
    const ModelConfig m = load_model(gen.pick(models));
    Design d;
    try {
      d = make_design(m, gen.design(m));
    } catch (const InputError&) {
      continue;
    }
    Workload a;
    a.ctx = gen.log_uniform(1, uint64_t{1} << 39);
    a.batch = gen.log_uniform(1, 1024);
    Workload b = a;
    b.ctx = a.ctx + gen.log_uniform(1, a.ctx);
    const Estimate ea = estimate(m, d, a, gpu), eb = estimate(m, d, b, gpu);
    INFO(m.name << " " << design_label(d) << " ctx " << a.ctx << " → " << b.ctx);
    REQUIRE(eb.kv.bytes_per_sequence >= ea.kv.bytes_per_sequence);
    REQUIRE(eb.prefill.attention_pairs >= ea.prefill.attention_pairs);
    REQUIRE(eb.prefill.flops >= ea.prefill.flops);
    REQUIRE(eb.memory.total_bytes >= ea.memory.total_bytes);
    Workload c = a;
    c.batch = a.batch * 3;
    const Estimate ec = estimate(m, d, c, gpu);
    REQUIRE(ec.kv.bytes_total == Approx(3 * ea.kv.bytes_total).epsilon(1e-12));
    REQUIRE(ec.prefill.attention_pairs == Approx(3 * ea.prefill.attention_pairs).epsilon(1e-12));
    REQUIRE(ec.decode.kv_read_bytes == Approx(3 * ea.decode.kv_read_bytes).epsilon(1e-12));
  }
}

TEST_CASE("random models: GQA with every head equals MHA; a window past ctx equals dense", "[property]") {
  Generator gen(99);
  const GpuSpec gpu = load_gpu("h200");
  for (int trial = 0; trial < 500; ++trial) {
    ModelConfig m = load_model("llama-2-7b");
    m.heads = static_cast<int64_t>(gen.uniform(1, 64));
    m.kv_heads = m.heads;
    m.head_dim = m.v_head_dim = static_cast<int64_t>(gen.pick(std::vector<uint64_t>{32, 64, 80, 128, 256}));
    m.layers = static_cast<int64_t>(gen.uniform(1, 96));
    m.hidden = m.heads * m.head_dim;
    Workload w;
    w.ctx = gen.log_uniform(1, uint64_t{1} << 36);
    w.batch = gen.uniform(1, 64);
    DesignChoice g, mha;
    g.sharing = KvSharing::gqa, g.kv_heads = m.heads;
    mha.sharing = KvSharing::mha;
    REQUIRE(all_numbers(estimate(m, make_design(m, g), w, gpu)) == all_numbers(estimate(m, make_design(m, mha), w, gpu)));
    DesignChoice window = mha, dense = mha;
    window.attn = fmt::format("window:{}", w.ctx + gen.uniform(0, 1000));
    dense.attn = "dense";
    REQUIRE(all_numbers(estimate(m, make_design(m, window), w, gpu)) == all_numbers(estimate(m, make_design(m, dense), w, gpu)));
  }
}
