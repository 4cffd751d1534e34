// Real Hugging Face config.json files of today's models (tests/data/configs/, each with its source
// in SOURCES.md), read as a user would pass them with --model, against numbers derived by hand
// from the fields of each file. The arithmetic is written out here, not taken from the code:
// KV bytes per token, bytes per sequence at two contexts, recurrent state and weight bytes.
#include <catch2/catch.hpp>

#include "estimators/estimate.h"
#include <fmt/format.h>

#include "config_fixtures.h"
#include "model/presets.h"

using namespace attncost;
using attncost::testing::at;
using attncost::testing::Loaded;
using attncost::testing::load;

TEST_CASE("gpt-oss-20b: alternating 128-token windows, MXFP4 experts, learned sinks", "[configs]") {
  const Loaded l = load("gpt-oss-20b.json");
  REQUIRE(l.model.warnings.empty());
  REQUIRE(l.model.attn == "window:128/dense");
  REQUIRE(l.model.learned_sinks);
  // 8 KV heads × (64 + 64) × 2 B = 2048 B per token per layer, 24 layers.
  const Estimate e = at(l, 32768);
  REQUIRE(e.kv.bytes_per_token == 24.0 * 2048);
  // 12 window layers keep 128 tokens, 12 full layers keep them all: 771 MiB at 32k.
  REQUIRE(e.kv.bytes_per_sequence == 12.0 * 128 * 2048 + 12.0 * 32768 * 2048);
  REQUIRE(e.kv.bytes_per_sequence == 771.0 * 1048576);
  REQUIRE(at(l, 100).kv.bytes_per_sequence == 24.0 * 100 * 2048);
  // Parameters: attention 24 × (2880·64·64·2 + 2880·8·64·2), experts 24 × 32 × 3 × 2880², routers
  // 24 × 2880·32, untied embedding and head 2 × 201088·2880, norms 2·2880·24 + 2880.
  const double attention = 24.0 * (2880.0 * 64 * 64 * 2 + 2880.0 * 8 * 64 * 2), experts = 24.0 * 32 * 3 * 2880 * 2880;
  const double routers = 24.0 * 2880 * 32, embeddings = 2.0 * 201088 * 2880, norms = 2.0 * 2880 * 24 + 2880;
  REQUIRE(e.params == attention + experts + routers + embeddings + norms);
  REQUIRE(e.params == 20907927360.0);
  // Experts in MXFP4 (4 bits + an 8-bit scale per 32 = 4.25 bits), the rest bf16: 13.75 GB.
  REQUIRE(e.memory.weights_bytes == Approx(experts * 4.25 / 8 + (attention + routers + embeddings + norms) * 2).epsilon(1e-12));
  REQUIRE(e.memory.weights_bytes == Approx(13747605120.0).epsilon(1e-12));
}

TEST_CASE("gemma-3-1b: 5 local layers per global one, tied embeddings", "[configs]") {
  const Loaded l = load("gemma-3-1b-it.json");
  REQUIRE(l.model.warnings.empty());
  REQUIRE(l.model.attn == "window:512*5/dense");  // sliding_window_pattern 6
  // 26 layers: globals at 5, 11, 17, 23; 1 KV head × (256 + 256) × 2 B = 1024 B per token per layer.
  const Estimate e = at(l, 32768);
  REQUIRE(e.kv.bytes_per_token == 26.0 * 1024);
  REQUIRE(e.kv.bytes_per_sequence == 22.0 * 512 * 1024 + 4.0 * 32768 * 1024);  // 139 MiB
  REQUIRE(e.kv.bytes_per_sequence == 139.0 * 1048576);
  REQUIRE(at(l, 256).kv.bytes_per_sequence == 26.0 * 256 * 1024);
  // Attention 26 × (1152·4·256·2 + 1152·1·256·2), gated MLP 26 × 3·1152·6912, one tied 262144·1152
  // matrix, norms 2·1152·26 + 1152: 999.8M.
  REQUIRE(e.params == 26.0 * (1152.0 * 4 * 256 * 2 + 1152.0 * 256 * 2) + 26.0 * 3 * 1152 * 6912 + 262144.0 * 1152 + (2.0 * 1152 * 26 + 1152));
  REQUIRE(e.memory.weights_bytes == e.params * 2);
}

TEST_CASE("gemma-3-4b: a multimodal checkpoint's text model, with Gemma3TextConfig's defaults", "[configs]") {
  const Loaded l = load("gemma-3-4b-it.json");
  REQUIRE(l.model.warnings.empty());
  REQUIRE(l.model.heads == 8);
  REQUIRE(l.model.kv_heads == 4);
  REQUIRE(l.model.head_dim == 256);
  REQUIRE(l.model.vocab == 262208);
  REQUIRE(l.model.attn == "window:1024*5/dense");
  // 34 layers: globals at 5, 11, 17, 23, 29; 4 × 512 × 2 B = 4096 B per token per layer.
  const Estimate e = at(l, 32768);
  REQUIRE(e.kv.bytes_per_sequence == 29.0 * 1024 * 4096 + 5.0 * 32768 * 4096);
  REQUIRE(at(l, 1000).kv.bytes_per_sequence == 34.0 * 1000 * 4096);
  // The Gemma 3 report's Table 1: 3,209M non-embedding + 675M embedding parameters (its embedding
  // count implies a few more rows than the config's 262,208; we count the config's).
  REQUIRE(e.params == Approx(3209e6 + 675e6).epsilon(0.002));
  REQUIRE(e.params == 34 * (2560.0 * 8 * 256 * 2 + 2560.0 * 4 * 256 * 2) + 34 * 3.0 * 2560 * 10240 + 262208.0 * 2560 + (2.0 * 2560 * 34 + 2560));
}

TEST_CASE("Nemotron-H-56B: 54 Mamba-2, 10 attention and 54 MLP blocks; an Infinity literal", "[configs]") {
  const Loaded l = load("nemotron-h-56b-base.json");
  REQUIRE(l.model.warnings.empty());
  const Estimate e = at(l, 8192);
  // 10 attention blocks × 8 KV heads × 256 × 2 B.
  REQUIRE(e.kv.bytes_per_token == 10.0 * 4096);
  // Mamba-2 state per block: 256 heads × 64 × N 256 × 2 B, + conv (4 − 1) × (16384 + 2·8·256) × 2 B.
  const double state = 256.0 * 64 * 256 * 2 + 3.0 * (16384 + 2 * 8 * 256) * 2;
  REQUIRE(e.kv.state_bytes_per_sequence == 54 * state);
  REQUIRE(e.kv.bytes_per_sequence == 10.0 * 8192 * 4096 + 54 * state);
  REQUIRE(at(l, 32768).kv.bytes_per_sequence == 10.0 * 32768 * 4096 + 54 * state);
  // Mamba-2 block: in_proj 8192·(2·16384 + 2·8·256 + 256), out 16384·8192, conv 4·(16384 + 4096),
  // A/D/dt 3·256, norm 16384. Attention 8192·64·128·2 + 8192·8·256. MLP (ReLU², 2 matrices) 2·8192·32768.
  const double mamba = 8192.0 * (2 * 16384 + 2 * 8 * 256 + 256) + 16384.0 * 8192 + 4.0 * (16384 + 4096) + 3.0 * 256 + 16384;
  const double attention = 8192.0 * 64 * 128 * 2 + 8192.0 * 8 * 256, mlp = 2.0 * 8192 * 32768;
  REQUIRE(e.params == 54 * mamba + 10 * attention + 54 * mlp + 2.0 * 131072 * 8192 + (2.0 * 8192 * 118 + 8192));
  REQUIRE(e.params == 56324211200.0);
  REQUIRE(e.memory.weights_bytes == e.params * 2);
}

TEST_CASE("DeepSeek-V3: MLA's latent cache and fp8 weights in 128×128 blocks", "[configs]") {
  const Loaded l = load("deepseek-v3.json");
  REQUIRE(l.model.warnings.empty());
  const Estimate e = at(l, 4096);
  // (kv_lora_rank 512 + rope 64) × 2 B per token per layer, 61 layers.
  REQUIRE(e.kv.bytes_per_token == 61.0 * 1152);
  REQUIRE(e.kv.bytes_per_sequence == 61.0 * 4096 * 1152);
  REQUIRE(at(l, 131072).kv.bytes_per_sequence == 61.0 * 131072 * 1152);
  // Attention per layer: q 7168·1536 + 1536·128·192, kv-down 7168·576, kv-up 512·128·256, o 128·128·7168.
  const double attention = 61 * (7168.0 * 1536 + 1536.0 * 128 * 192 + 7168.0 * 576 + 512.0 * 128 * 256 + 128.0 * 128 * 7168);
  const double dense_mlp = 3 * 3.0 * 7168 * 18432;                                   // first_k_dense_replace 3
  const double experts = 58 * (256.0 * 3 * 7168 * 2048 + 3.0 * 7168 * 2048);          // 256 routed + 1 shared
  const double routers = 58 * 7168.0 * 256, embeddings = 2.0 * 129280 * 7168, norms = 2.0 * 7168 * 61 + 7168;
  REQUIRE(e.params == attention + dense_mlp + experts + routers + embeddings + norms);
  REQUIRE(e.params == 671026279424.0);
  // fp8 (1 B) + one fp32 scale per 16384 weights for attention, MLPs and experts; the rest bf16.
  REQUIRE(e.memory.weights_bytes ==
          Approx((attention + dense_mlp + experts) * (8 + 32.0 / 16384) / 8 + (routers + embeddings + norms) * 2).epsilon(1e-12));
  REQUIRE(e.memory.weights_bytes == Approx(673150295728.0).epsilon(1e-12));  // ≈ 673 GB, not 1.34 TB
}

TEST_CASE("DeepSeek-V3.2: sparse attention over the top 2048 keys, plus the indexer's cache", "[configs]") {
  const Loaded l = load("deepseek-v3.2.json");
  REQUIRE(l.model.warnings.empty());
  REQUIRE(l.model.attn == "topk:2048");
  const Estimate e = at(l, 100000);
  // The latent (1152 B) and the indexer's key (128 fp8 values + a 4-byte scale) per token per layer.
  REQUIRE(e.kv.bytes_per_token == 61.0 * (1152 + 132));
  REQUIRE(e.kv.bytes_per_sequence == 61.0 * 100000 * 1284);
  // A decode step attends 2048 keys per head but the indexer reads all 100,000 index keys.
  REQUIRE(e.decode.attention_pairs == 61.0 * 2048 * 128);
  REQUIRE(at(l, 1000).decode.attention_pairs == 61.0 * 1000 * 128);
}

TEST_CASE("Llama-4-Scout: chunked attention on three layers in four, MoE with a shared expert", "[configs]") {
  const Loaded l = load("llama-4-scout-17b-16e-instruct-trimmed.json");
  REQUIRE(l.model.warnings.empty());
  REQUIRE(l.model.attn == "chunk:8192*3/dense");  // no_rope_layers absent: every 4th layer global
  // 8 KV heads × 256 × 2 B = 4096 B per token per layer; 36 chunked layers keep at most 8192 tokens.
  REQUIRE(at(l, 4096).kv.bytes_per_sequence == 48.0 * 4096 * 4096);
  REQUIRE(at(l, 32768).kv.bytes_per_sequence == 36.0 * 8192 * 4096 + 12.0 * 32768 * 4096);
  const double attention = 48 * (5120.0 * 40 * 128 * 2 + 5120.0 * 8 * 256);
  const double experts = 48 * (16.0 + 1) * 3 * 5120 * 8192;  // 16 routed + 1 shared of intermediate_size
  const double routers = 48 * 5120.0 * 16, embeddings = 2.0 * 202048 * 5120, norms = 2.0 * 5120 * 48 + 5120;
  REQUIRE(at(l, 1).params == attention + experts + routers + embeddings + norms);
}

TEST_CASE("Qwen3-8B: dense GQA with an explicit head dim", "[configs]") {
  const Loaded l = load("qwen3-8b.json");
  REQUIRE(l.model.warnings.empty());
  const Estimate e = at(l, 4096);
  REQUIRE(e.kv.bytes_per_token == 36.0 * 8 * 256 * 2);
  REQUIRE(e.kv.bytes_per_sequence == 36.0 * 4096 * 4096);
  REQUIRE(at(l, 40960).kv.bytes_per_sequence == 36.0 * 40960 * 4096);
  REQUIRE(e.params == 36 * (4096.0 * 32 * 128 * 2 + 4096.0 * 8 * 256) + 36 * 3.0 * 4096 * 12288 + 2.0 * 151936 * 4096 + (2.0 * 4096 * 36 + 4096));
  REQUIRE(e.memory.weights_bytes == e.params * 2);
}

TEST_CASE("Qwen3-Next (Qwen3-Coder-Next): gated DeltaNet 3:1 with gated attention", "[configs]") {
  const Loaded l = load("qwen3-coder-next.json");
  REQUIRE(l.model.warnings.empty());
  REQUIRE(l.model.attn == "deltanet*3/dense");
  const Estimate e = at(l, 32768);
  // 12 attention layers × 2 KV heads × 512 × 2 B.
  REQUIRE(e.kv.bytes_per_token == 12.0 * 2048);
  // DeltaNet state: 32 value heads × 128 × 128 × 2 B, + conv 3 × (2·16·128 + 32·128) × 2 B, 36 layers.
  const double state = 32.0 * 128 * 128 * 2 + 3.0 * (2 * 16 * 128 + 32 * 128) * 2;
  REQUIRE(e.kv.state_bytes_per_sequence == 36 * state);
  REQUIRE(e.kv.bytes_per_sequence == 12.0 * 32768 * 2048 + 36 * state);
  REQUIRE(at(l, 262144).kv.bytes_per_sequence == 12.0 * 262144 * 2048 + 36 * state);
}

TEST_CASE("Qwen3.5-27B: DeltaNet states in fp32 (mamba_ssm_dtype) beside bf16 attention", "[configs]") {
  const Loaded l = load("qwen3.5-27b.json");
  REQUIRE(l.model.warnings.empty());
  const Estimate e = at(l, 32768);
  REQUIRE(e.kv.bytes_per_token == 16.0 * 4 * 512 * 2);
  // 48 value heads × 128 × 128 × 4 B (fp32), conv 3 × (2·16·128 + 48·128) × 2 B, 48 layers.
  const double state = 48.0 * 128 * 128 * 4 + 3.0 * (2 * 16 * 128 + 48 * 128) * 2;
  REQUIRE(e.kv.state_bytes_per_sequence == 48 * state);
  REQUIRE(e.kv.bytes_per_sequence == 16.0 * 32768 * 4096 + 48 * state);
  REQUIRE(at(l, 1024).kv.bytes_per_sequence == 16.0 * 1024 * 4096 + 48 * state);
}

TEST_CASE("Gemma-4-26B-A4B: global layers with their own KV heads and head dim, values equal to keys", "[configs]") {
  const Loaded l = load("gemma-4-26b-a4b.json");
  REQUIRE(l.model.warnings.empty());
  REQUIRE(l.model.attn == "window:1024*5/dense(kv=2,head=512,k_eq_v)");
  // Sliding: 8 KV heads × (256 + 256) × 2 B = 8192 B; global: 2 heads × 512 (keys only) × 2 B = 2048 B.
  const Estimate e = at(l, 32768);
  REQUIRE(e.kv.bytes_per_token == 25.0 * 8192 + 5.0 * 2048);
  REQUIRE(e.kv.bytes_per_sequence == 25.0 * 1024 * 8192 + 5.0 * 32768 * 2048);
  REQUIRE(at(l, 1024).kv.bytes_per_sequence == 25.0 * 1024 * 8192 + 5.0 * 1024 * 2048);
}

TEST_CASE("MiMo-V2-Flash: 9 full layers with 4 KV heads, 39 sliding layers with 8", "[configs]") {
  const Loaded l = load("mimo-v2-flash.json");
  REQUIRE(l.model.warnings.empty());
  // Full: 4 × (192 + 128) × 2 B = 2560 B; sliding (128 tokens): 8 × 320 × 2 B = 5120 B.
  const Estimate e = at(l, 32768);
  REQUIRE(e.kv.bytes_per_token == 9.0 * 2560 + 39.0 * 5120);
  REQUIRE(e.kv.bytes_per_sequence == 9.0 * 32768 * 2560 + 39.0 * 128 * 5120);
  REQUIRE(at(l, 100).kv.bytes_per_sequence == 100.0 * (9 * 2560 + 39 * 5120));
}

TEST_CASE("Qwen3-4B-AWQ and Qwen3-30B-A3B-GPTQ: int4 groups of 128 with fp16 scales and 4-bit zeros", "[configs]") {
  const Loaded awq = load("qwen3-4b-awq.json");
  REQUIRE(awq.model.warnings.empty());
  const double attention = 36 * (2560.0 * 32 * 128 * 2 + 2560.0 * 8 * 256), mlp = 36 * 3.0 * 2560 * 9728;
  const double embedding = 151936.0 * 2560, norms = 2.0 * 2560 * 36 + 2560;  // tied: one matrix
  const Estimate a = at(awq, 4096);
  REQUIRE(a.params == attention + mlp + embedding + norms);
  // 4 bits + (16-bit scale + 4-bit zero) / 128 = 4.15625 bits per quantized weight; embedding fp16.
  REQUIRE(a.memory.weights_bytes == Approx((attention + mlp) * 4.15625 / 8 + (embedding + norms) * 2).epsilon(1e-12));
  REQUIRE(a.kv.bytes_per_sequence == 36.0 * 4096 * 4096);
  const Loaded gptq = load("qwen3-30b-a3b-gptq-int4.json");
  REQUIRE(gptq.model.warnings.empty());
  const double g_attention = 48 * (2048.0 * 32 * 128 * 2 + 2048.0 * 4 * 256), g_experts = 48 * 128.0 * 3 * 2048 * 768;
  const double g_routers = 48 * 2048.0 * 128, g_embeddings = 2.0 * 151936 * 2048, g_norms = 2.0 * 2048 * 48 + 2048;
  const Estimate g = at(gptq, 2048);
  REQUIRE(g.params == g_attention + g_experts + g_routers + g_embeddings + g_norms);
  REQUIRE(g.memory.weights_bytes == Approx((g_attention + g_experts) * 4.15625 / 8 + (g_routers + g_embeddings + g_norms) * 2).epsilon(1e-12));
  REQUIRE(g.kv.bytes_per_sequence == 48.0 * 2048 * 4 * 256 * 2);
}

TEST_CASE("Llama-3.2-1B (CRLF line endings): tied embeddings, 1.24B parameters", "[configs]") {
  const Loaded l = load("llama-3.2-1b.json");
  REQUIRE(l.model.warnings.empty());
  const Estimate e = at(l, 131072);
  REQUIRE(e.kv.bytes_per_token == 16.0 * 8 * 128 * 2);
  REQUIRE(e.kv.bytes_per_sequence == 16.0 * 131072 * 2048);
  REQUIRE(at(l, 8).kv.bytes_per_sequence == 16.0 * 8 * 2048);
  REQUIRE(e.params == 16 * (2048.0 * 32 * 64 * 2 + 2048.0 * 8 * 128) + 16 * 3.0 * 2048 * 8192 + 128256.0 * 2048 + (2.0 * 2048 * 16 + 2048));
}

TEST_CASE("every collected config reads, and only the unsupported ones warn", "[configs]") {
  // DeepSeek-V4-Flash's compressed attention (compress_ratios), hyper-connections and grouped
  // output projection are not modelled: it must say so, field by field.
  const Loaded v4 = load("deepseek-v4-flash.json");
  std::string all;
  for (const auto& w : v4.model.warnings) all += w + "\n";
  for (const char* field : {"compress_ratios", "hc_mult", "o_groups", "o_lora_rank"}) {
    INFO(field);
    REQUIRE(all.find(fmt::format("field '{}' is not understood", field)) != std::string::npos);
  }
  for (const char* file : {"gpt-oss-120b.json", "gemma-3-27b-it.json", "gemma-4-31b-it-nvfp4.json", "kimi-k2-instruct.json", "llama-3.1-8b.json",
                           "llama-3.2-3b.json", "llama-3.3-nemotron-super-49b-v1.json", "llama-4-maverick-17b-128e-instruct-trimmed.json",
                           "nemotron-3-nano-30b-a3b.json", "phi-4.json", "qwen3-235b-a22b.json", "qwen3-235b-a22b-fp8.json", "qwen3-32b.json",
                           "qwen3-vl-8b-instruct-trimmed.json", "qwen3.5-35b-a3b.json", "devstral-small-2-24b-instruct.json"}) {
    INFO(file);
    const Loaded l = load(file);
    REQUIRE(l.model.warnings.empty());
    REQUIRE(at(l, 8192).kv.bytes_per_sequence > 0);
  }
}
