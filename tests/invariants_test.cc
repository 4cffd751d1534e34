// Invariants every estimate must satisfy, whatever the formulas' details.
#include <catch2/catch.hpp>

#include "model/dtype.h"
#include "tests/test_helpers.h"

using namespace attncost;
using namespace attncost::testing;

TEST_CASE("GQA with kv_heads = heads costs exactly what MHA costs", "[invariant]") {
  for (const char* model : {"llama-2-7b", "llama-2-13b", "opt-13b"}) {
    const int64_t heads = load_model(model).heads;
    for (uint64_t ctx : {1u, 4096u, 65536u}) {
      REQUIRE(all_numbers(run(model, gqa(heads), ctx)) == all_numbers(run(model, sharing(KvSharing::mha), ctx)));
    }
  }
}

TEST_CASE("GQA-1 costs exactly what MQA costs", "[invariant]") {
  for (uint64_t ctx : {1u, 4096u, 1u << 20}) {
    REQUIRE(all_numbers(run("llama-3.1-8b", gqa(1), ctx)) == all_numbers(run("llama-3.1-8b", sharing(KvSharing::mqa), ctx)));
  }
}

TEST_CASE("a window or sinks+window at least as long as the context equals dense", "[invariant]") {
  for (uint64_t ctx : {1u, 100u, 4096u}) {
    const auto dense = all_numbers(run("llama-2-7b", attn("dense"), ctx));
    REQUIRE(all_numbers(run("llama-2-7b", attn("window:4096"), ctx)) == dense);
    REQUIRE(all_numbers(run("llama-2-7b", attn("window:100000"), ctx)) == dense);
    REQUIRE(all_numbers(run("llama-2-7b", attn("sinks:96+window:4000"), ctx)) == dense);
  }
  // One token past the window the two differ.
  REQUIRE(run("llama-2-7b", attn("window:4096"), 4097).kv.bytes_per_sequence <
          run("llama-2-7b", attn("dense"), 4097).kv.bytes_per_sequence);
}

TEST_CASE("KV bytes, pairs, FLOPs and time never decrease with ctx", "[invariant]") {
  // Axial's default width ⌈√ctx⌉ redraws the grid as ctx grows, so only a fixed width is checked.
  // A decode step of axial and block masks is a sawtooth by definition (the first query of a new
  // row or block sees fewer keys than the last of the previous one), so decode is checked only
  // for masks whose pairs(i) never decreases; prompt totals and the cache grow for every mask.
  struct Spec { const char* text; bool decode_monotone; };
  const Spec specs[] = {{"dense", true}, {"window:512", true}, {"sinks:4+window:512", true},
                        {"strided:64+window:128", true}, {"axial:33", false},
                        {"block:64:local=2:global=1:random=1", false}, {"linear", true}, {"ssm*3/dense", true},
                        {"window:512/dense", true}};
  for (const Spec& spec : specs) {
    Estimate prev = run("llama-2-7b", attn(spec.text), 1);
    for (uint64_t ctx = 2; ctx < (uint64_t{1} << 34); ctx = ctx * 3 / 2 + 1) {
      const Estimate e = run("llama-2-7b", attn(spec.text), ctx);
      INFO(spec.text << " ctx=" << ctx);
      REQUIRE(e.kv.bytes_per_sequence >= prev.kv.bytes_per_sequence);
      REQUIRE(e.prefill.attention_pairs >= prev.prefill.attention_pairs);
      REQUIRE(e.prefill.flops >= prev.prefill.flops);
      REQUIRE(e.prefill.hbm_bytes >= prev.prefill.hbm_bytes);
      REQUIRE(e.prefill.time_s >= prev.prefill.time_s);
      if (spec.decode_monotone) {
        REQUIRE(e.decode.flops >= prev.decode.flops);
        REQUIRE(e.decode.kv_read_bytes >= prev.decode.kv_read_bytes);
        REQUIRE(e.decode.time_s >= prev.decode.time_s);
      }
      prev = e;
    }
  }
}

TEST_CASE("linear and SSM state is the same at 4k and 1M tokens", "[invariant]") {
  for (const char* spec : {"linear", "linear:64", "ssm", "ssm:64"}) {
    const Estimate a = run("llama-2-7b", attn(spec), 4096);
    const Estimate b = run("llama-2-7b", attn(spec), 1u << 20);
    INFO(spec);
    REQUIRE(a.kv.bytes_per_sequence > 0);
    REQUIRE(a.kv.bytes_per_sequence == b.kv.bytes_per_sequence);
    REQUIRE(a.kv.bytes_per_token == 0);
    REQUIRE(a.decode.kv_read_bytes == b.decode.kv_read_bytes);
    REQUIRE(a.decode.time_s == b.decode.time_s);
  }
}

TEST_CASE("batch scales KV, pairs and FLOPs linearly; weights are read once per decode step", "[invariant]") {
  const Estimate one = run("llama-2-13b", DesignChoice{}, 8192, 1);
  const Estimate many = run("llama-2-13b", DesignChoice{}, 8192, 16);
  REQUIRE(many.kv.bytes_total == Approx(16 * one.kv.bytes_total).epsilon(1e-12));
  REQUIRE(many.prefill.attention_pairs == Approx(16 * one.prefill.attention_pairs).epsilon(1e-12));
  REQUIRE(many.prefill.flops == Approx(16 * one.prefill.flops).epsilon(1e-12));
  REQUIRE(many.decode.attention_flops == Approx(16 * one.decode.attention_flops).epsilon(1e-12));
  REQUIRE(many.decode.kv_read_bytes == Approx(16 * one.decode.kv_read_bytes).epsilon(1e-12));
  REQUIRE(many.decode.weight_bytes == one.decode.weight_bytes);
}

TEST_CASE("fewer KV heads shrink KV bytes, decode traffic and projections", "[invariant]") {
  const Estimate mha = run("llama-2-7b", DesignChoice{}, 32768);
  const Estimate g8 = run("llama-2-7b", gqa(8), 32768);
  const Estimate mqa = run("llama-2-7b", sharing(KvSharing::mqa), 32768);
  REQUIRE(g8.kv.bytes_per_token == mha.kv.bytes_per_token / 4);
  REQUIRE(mqa.kv.bytes_per_token == mha.kv.bytes_per_token / 32);
  REQUIRE(g8.decode.kv_read_bytes == Approx(mha.decode.kv_read_bytes / 4).epsilon(1e-12));
  REQUIRE(g8.params < mha.params);
  REQUIRE(g8.prefill.attention_flops == mha.prefill.attention_flops);  // every query head still attends
}

TEST_CASE("a repeat-KV (naive) kernel reads the cache once per query head", "[invariant]") {
  DesignChoice flash = gqa(8), naive = gqa(8);
  naive.kernel = Kernel::naive;
  const Estimate f = run("llama-2-7b", flash, 16384), n = run("llama-2-7b", naive, 16384);
  REQUIRE(n.decode.kv_read_bytes == Approx(4 * f.decode.kv_read_bytes).epsilon(1e-12));
  REQUIRE(n.prefill.attention_flops == f.prefill.attention_flops);       // counted FLOPs are the mask's
  REQUIRE(n.prefill.hbm_bytes > f.prefill.hbm_bytes + 16384.0 * 16384 * 32 * 32 * 2 * 4 * 0.99);  // n×n S and P
}

TEST_CASE("tensor parallelism splits weights and replicates KV heads beyond their count", "[invariant]") {
  DesignChoice tp8;
  tp8.tp = 8;
  const Estimate one = run("llama-2-70b", DesignChoice{}, 8192), eight = run("llama-2-70b", tp8, 8192);
  REQUIRE(eight.memory.kv_bytes == Approx(one.memory.kv_bytes / 8).epsilon(1e-12));
  REQUIRE(eight.kv_replication == 1);
  DesignChoice tp16 = tp8;
  tp16.tp = 16;
  // 64 query heads over 16 GPUs, 8 KV heads: each KV head lives on 2 GPUs.
  const Estimate sixteen = run("llama-2-70b", tp16, 8192);
  REQUIRE(sixteen.kv_replication == 2);
  REQUIRE(sixteen.memory.kv_bytes == Approx(eight.memory.kv_bytes).epsilon(1e-12));
  REQUIRE(sixteen.kv.bytes_total == one.kv.bytes_total);  // the logical cache is unchanged
}

TEST_CASE("paged KV rounds each sequence up to whole pages", "[invariant]") {
  DesignChoice paged, contiguous;
  paged.page_size = 16;
  contiguous.page_size = 0;
  const Estimate p = run("llama-2-7b", paged, 1000), c = run("llama-2-7b", contiguous, 1000);
  REQUIRE(p.memory.kv_bytes == Approx(c.memory.kv_bytes * 1008.0 / 1000.0).epsilon(1e-12));
  REQUIRE(p.memory.page_waste_bytes == Approx(8.0 * 512 * 1024).epsilon(1e-12));
}

TEST_CASE("the attended fraction is the pairs scored over what dense layers would score, over all layers", "[invariant]") {
  // Llama-2-7B's 32 layers as 16 window:4096 + 16 dense at 8192 tokens. A window layer scores
  // 4096·4097/2 + (8192 − 4096)·4096 = 25,167,872 pairs per head, a dense one 8192·8193/2 =
  // 33,558,528: (16·25,167,872 + 16·33,558,528) / (32·33,558,528).
  const Estimate e = run("llama-2-7b", attn("window:4096/dense"), 8192);
  REQUIRE(e.quality.attended_fraction == Approx((16.0 * 25167872 + 16.0 * 33558528) / (32.0 * 33558528)));
  REQUIRE(run("llama-2-7b", attn("dense"), 8192).quality.attended_fraction == Approx(1.0));
  // All window layers: 25,167,872 / 33,558,528 = 0.75.
  REQUIRE(run("llama-2-7b", attn("window:4096"), 8192).quality.attended_fraction == Approx(25167872.0 / 33558528));
}

TEST_CASE("a group of one element carries one fp16 scale per element; no group, none", "[invariant]") {
  // storage_bytes: the packed elements plus ⌈elements / group⌉ 2-byte scales per vector.
  REQUIRE(storage_bytes(128, 3, Dtype::int8, 1) == 3 * (128.0 + 128 * 2));
  REQUIRE(storage_bytes(128, 3, Dtype::int4, 1) == 3 * (64.0 + 128 * 2));
  REQUIRE(storage_bytes(128, 3, Dtype::int8, 0) == 3 * 128.0);
  REQUIRE(storage_bytes(128, 3, Dtype::fp16, 32) == 3 * 256.0);  // a 16-bit cache has no scales
}

TEST_CASE("int8 and int4 KV carry one fp16 scale per head-dim group by default", "[invariant]") {
  // Llama-2-7B, head dim 128: each cached K or V head row is 128 int8 bytes + one 2-byte scale
  // (SPEC §3: --kv-group defaults to the head dim), × 32 heads × 2 (K, V) × 32 layers.
  DesignChoice c;
  c.kv_dtype = Dtype::int8;
  REQUIRE(run("llama-2-7b", c, 4096).kv.bytes_per_token == 32.0 * 2 * 32 * (128 + 2));
  c.kv_dtype = Dtype::int4;
  REQUIRE(run("llama-2-7b", c, 4096).kv.bytes_per_token == 32.0 * 2 * 32 * (64 + 2));
  c.kv_group = 32;  // four scales per row
  REQUIRE(run("llama-2-7b", c, 4096).kv.bytes_per_token == 32.0 * 2 * 32 * (64 + 8));
}

TEST_CASE("the MoE placement rule (first dense layers, then every period-th from an offset) counts as enumerating the layers", "[invariant]") {
  // Mixtral (every layer), DeepSeek (first_k_dense_replace), Jamba (expert_layer_period 2,
  // offset 1), Llama-4 (interleave_moe_layer_step): layer l ≥ first_dense is MoE when
  // l ≡ offset (mod period). Odd layer counts are where an off-by-one in the phase shows.
  for (uint64_t first = 0; first <= 4; ++first)
    for (uint64_t period = 1; period <= 5; ++period)
      for (uint64_t offset = 0; offset < 2 * period; ++offset)
        for (uint64_t layers = first + 1; layers <= first + 13; ++layers) {
          uint64_t moe = 0;
          for (uint64_t l = first; l < layers; ++l) moe += l % period == offset % period;
          uint64_t counted = 0;
          for (const FfnStack::Use& u : ffn_stack_from_rule(first, period, offset).uses(layers))
            if (u.layer.kind == FfnKind::moe) counted += u.layers;
          INFO("first_dense " << first << " period " << period << " offset " << offset << " layers " << layers);
          REQUIRE(counted == moe);
        }
}

TEST_CASE("KV elements vs MHA average over the layers: a layer caching no K/V counts zero", "[invariants][quality]") {
  // Issue #26 item 13: a pure state-space or linear design caches none of MHA's elements.
  for (const char* spec : {"ssm", "linear"}) REQUIRE(run("llama-2-7b", attn(spec), 4096).quality.kv_elements_ratio == 0);
  REQUIRE(run("llama-2-7b", attn("dense"), 4096).quality.kv_elements_ratio == 1);
  REQUIRE(run("llama-2-7b", attn("ssm*3/dense"), 4096).quality.kv_elements_ratio == Approx(0.25));
}

TEST_CASE("the longest run of layers without full access equals a layer-by-layer walk of the whole depth", "[invariants][quality]") {
  // quality_proxies walks three cycles of the stack, not every layer; the brute force here lays the
  // cycle over every layer. Windows shorter than the context are the layers without full access.
  const uint64_t n = 8192;
  for (const char* spec : {"dense", "window:4096", "window:4096*3/dense", "window:512*5/dense*2/window:1024", "ssm*7/dense", "dense/window:4096*6",
                           "window:4096*31/dense", "window:4096*2/dense*3/window:4096*2", "dense*3/window:4096*4/sinks:4+window:1024*2"}) {
    CAPTURE(spec);
    const Estimate e = run("llama-2-7b", attn(spec), n);
    const AttnStack stack = parse_attn(spec);
    double run_len = 0, longest = 0;
    for (int64_t layer = 0; layer < 32;) {
      for (int k = 0; k < stack.entry_count && layer < 32; ++k) {
        for (uint64_t r = 0; r < stack.entries[static_cast<size_t>(k)].repeat && layer < 32; ++r, ++layer) {
          run_len = decode_pairs(stack.entries[static_cast<size_t>(k)].pattern, n) == n ? 0 : run_len + 1;
          longest = std::max(longest, run_len);
        }
      }
    }
    REQUIRE(e.quality.longest_gap_layers == longest);
  }
}

TEST_CASE("fp4 (NVFP4) stores 4.5 bits per value and runs W4A4 GEMMs on fp4 units where a GPU has them", "[invariants][dtype]") {
  // One e4m3 scale per 16 values, whatever the group option says.
  REQUIRE(storage_bytes(128, 1, Dtype::fp4, 128) == 64 + 8);
  REQUIRE(storage_bytes(100, 2, Dtype::fp4, 0) == 2 * (50 + 7));
  REQUIRE(parse_dtype("NVFP4", "--weight-dtype") == Dtype::fp4);

  auto with = [](Dtype weights, Dtype acts) {
    DesignChoice c;
    c.weight_dtype = weights, c.act_dtype = acts;
    return c;
  };
  auto mlp = [](const Estimate& e) {
    for (const OpCost& op : e.prefill.ops.used())
      if (op.kind == OpKind::mlp) return op;
    FAIL("no mlp operator");
    return OpCost{};
  };
  // Blackwell: the compute-bound prefill MLP runs twice as fast in fp4 as in fp8 (double the peak,
  // the same fraction of it), and fp4 weights are 0.5625 of fp8's bytes.
  const Estimate fp8 = run("llama-3.1-8b", with(Dtype::fp8, Dtype::fp8), 8192, 1, "b200");
  const Estimate fp4 = run("llama-3.1-8b", with(Dtype::fp4, Dtype::fp4), 8192, 1, "b200");
  REQUIRE(mlp(fp8).bound == Bound::compute);
  REQUIRE(mlp(fp4).compute_s == Approx(mlp(fp8).compute_s / 2));
  REQUIRE(mlp(fp4).weight_bytes == Approx(mlp(fp8).weight_bytes * 4.5 / 8));
  // Attention stays in fp8: no engine runs softmax attention in fp4.
  for (const OpCost& op : fp4.prefill.ops.used())
    if (op.kind == OpKind::attention) REQUIRE(op.matmul_dtype == Dtype::fp8);
  // fp4 weights beside bf16 activations are dequantized (W4A16); on Hopper W4A4 has no fp4 units
  // and runs at the 16-bit rate.
  REQUIRE(mlp(run("llama-3.1-8b", with(Dtype::fp4, Dtype::bf16), 8192, 1, "b200")).weight_dequant_bits == 4);
  REQUIRE(mlp(fp4).weight_dequant_bits == 0);
  const Estimate hopper = run("llama-3.1-8b", with(Dtype::fp4, Dtype::fp4), 8192, 1, "h100-sxm");
  REQUIRE(mlp(hopper).weight_dequant_bits == 4);
  REQUIRE(mlp(hopper).compute_s == Approx(mlp(run("llama-3.1-8b", with(Dtype::bf16, Dtype::bf16), 8192, 1, "h100-sxm")).compute_s));
}
