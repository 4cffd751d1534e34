// Figures published by others that the estimator must reproduce; each names its source.
#include <catch2/catch.hpp>

#include "model/presets.h"
#include "tests/test_helpers.h"

using namespace attncost;
using namespace attncost::testing;

TEST_CASE("OPT-13B needs 800 KB of KV cache per token (Kwon et al. 2023, vLLM, §3)", "[published]") {
  // 2 (K and V) × 5120 hidden × 40 layers × 2 bytes = 819,200 B = 800 KiB.
  REQUIRE(run("opt-13b", DesignChoice{}, 1).kv.bytes_per_token == 819200);
}

TEST_CASE("Llama-2-70B needs 320 KiB per token and 10 GiB per 32k-token sequence (GQA-8, fp16)", "[published]") {
  const Estimate e = run("llama-2-70b", DesignChoice{}, 32768);
  REQUIRE(e.kv.bytes_per_token == 320 * 1024);
  REQUIRE(e.kv.bytes_per_sequence == 10.0 * 1024 * 1024 * 1024);
}

TEST_CASE("Mistral-7B's rolling buffer holds 8× fewer tokens at 32k (Jiang et al. 2023, §2)", "[published]") {
  const Estimate mistral = run("mistral-7b", DesignChoice{}, 32768);
  const Estimate dense = run("mistral-7b", attn("dense"), 32768);
  REQUIRE(mistral.kv.cached_tokens_max == 4096);
  REQUIRE(dense.kv.bytes_per_sequence / mistral.kv.bytes_per_sequence == 8);
}

TEST_CASE("DeepSeek-V2 caches (512 + 64) elements per token per layer (DeepSeek-V2 report, §2.1.2)", "[published]") {
  const ModelConfig m = load_model("deepseek-v2");
  const Estimate e = run("deepseek-v2", DesignChoice{}, 1);
  REQUIRE(e.kv.bytes_per_token == (512 + 64) * 2.0 * static_cast<double>(m.layers));
  // The report's comparison: MLA's cache equals GQA with 2.25 groups at head dim 128 ...
  REQUIRE(e.quality.kv_elements_ratio == Approx(576.0 / (128 * (192 + 128))).epsilon(1e-12));
}

TEST_CASE("Gemma-2 alternates 4096-token local layers with global ones (Gemma 2 report, §2)", "[published]") {
  const Estimate e = run("gemma-2-9b", DesignChoice{}, 8192);
  REQUIRE(e.use_count == 2);
  REQUIRE(e.uses[0].layers == 21);
  REQUIRE(e.uses[1].layers == 21);
  REQUIRE(e.kv.cached_tokens_max == 8192);
}

TEST_CASE("Jamba-v0.1 has one attention layer per eight (Lieber et al. 2024, §2)", "[published]") {
  const Estimate e = run("jamba-v0.1", DesignChoice{}, 262144);
  REQUIRE(e.quality.softmax_layers == 4);
  REQUIRE(e.quality.state_layers == 28);
  // 4 attention layers × 8 KV heads × 256 × 2 bytes = 16 KiB per token: the paper's 256K-token
  // cache of 4 GB is this model's 4 GiB.
  REQUIRE(e.kv.bytes_per_token == 4.0 * 8 * 256 * 2);
  REQUIRE(e.kv.bytes_per_sequence - e.kv.state_bytes_per_sequence == 4.0 * 1024 * 1024 * 1024);
}

TEST_CASE("parameter counts match what each model's authors publish (within 3%)", "[published]") {
  for (const auto& name : model_preset_names()) {
    const ModelConfig m = load_model(name);
    if (m.published_params <= 0) continue;
    // Published counts cover the text model and any vision/audio encoder, not the MTP modules
    // (DeepSeek-V3's 671B, GLM-4.5's 355B).
    const Estimate e = run(name, DesignChoice{}, 1);
    const double params = e.params + e.loaded.encoder_params;
    INFO(name << ": " << params << " vs published " << m.published_params);
    REQUIRE(params == Approx(m.published_params).epsilon(0.03));
  }
}

TEST_CASE("parameter counts equal the checkpoints' tensor totals exactly", "[published]") {
  // The total of every tensor in the released safetensors (Hugging Face's "Model size", from the
  // files' metadata): embeddings, every layer's projections and both RMSNorm vectors, the final
  // norm, the untied LM head. One element off anywhere (a norm, a bias, a tied head) shows.
  const std::pair<const char*, double> checkpoints[] = {
      {"llama-2-7b", 6738415616.0},    // meta-llama/Llama-2-7b-hf
      {"llama-2-13b", 13015864320.0},  // meta-llama/Llama-2-13b-hf
      {"llama-3.1-8b", 8030261248.0},  // meta-llama/Llama-3.1-8B
      {"mistral-7b", 7241732096.0},    // mistralai/Mistral-7B-v0.1
  };
  for (const auto& [name, total] : checkpoints) {
    INFO(name);
    REQUIRE(run(name, DesignChoice{}, 1).params == total);
  }
}

TEST_CASE("decode at long context on H100 is bound by KV reads, at the HBM roofline (--kernels peak)", "[published]") {
  // Llama-2-7B (32 layers of 32 × 128 heads, MLP 11008, vocabulary 32000, fp16) at 64k context.
  DesignChoice roofline;
  roofline.kernels = KernelFamily::peak;
  const Estimate e = run("llama-2-7b", roofline, 65536);
  // KV read: 65,536 tokens × 32 layers × 32 heads × (128 + 128) × 2 B = 32 GiB exactly.
  REQUIRE(e.decode.kv_read_bytes == 65536.0 * 32 * 32 * 256 * 2);
  REQUIRE(e.decode.kv_read_bytes == 32.0 * 1024 * 1024 * 1024);
  // Weights read once per step: per layer 4 × 4096² (Q, K, V, O) + 3 × 4096 × 11008 (gated MLP),
  // plus the LM head 4096 × 32000 (the input embedding is a lookup, not a read of the matrix).
  REQUIRE(e.decode.weight_bytes == (32.0 * (4.0 * 4096 * 4096 + 3.0 * 4096 * 11008) + 4096.0 * 32000) * 2);
  REQUIRE(e.decode.bound == Bound::memory);
  // Every operator is memory-bound, so the step is its bytes at 3.35 TB/s plus one launch per kernel.
  const double kernels = 32 * (2 + 1 + 2) + 1;  // projections (2), attention (1), MLP (2) per layer; the LM head
  REQUIRE(e.decode.time_s == Approx(e.decode.hbm_bytes / 3.35e12 + kernels * 2.5e-6).epsilon(1e-9));
}
