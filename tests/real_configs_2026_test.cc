// The second set of real config.json files (tests/data/configs/, sources in SOURCES.md): the
// families of 2025–26 — short-convolution hybrids (LFM2), KDA + MLA (Kimi), MiniMax, GLM, Step,
// MiMo, OLMo-3, EXAONE-4, Mixtral, Qwen2.5/Qwen3-MoE, and multimodal checkpoints whose vision or
// audio encoders the engines load. As in real_configs_test.cc, every number is derived by hand from
// the fields of the file: KV bytes per token, state bytes per sequence, parameters, weight bytes.
// Conventions that differ from a checkpoint's tensor total are stated where they apply: q/k/v
// biases and per-head q/k norms are left out, and so are the extra norms some families add
// (Gemma-3's four per layer); MTP modules share the target's embedding and LM head.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "config_fixtures.h"

using namespace attncost;
using attncost::testing::at;
using attncost::testing::Loaded;
using attncost::testing::load;

namespace {

std::string all_warnings(const ModelConfig& m) {
  std::string s;
  for (const auto& w : m.warnings) s += w + "\n";
  return s;
}

// One SigLIP/SigLIP2 encoder layer of width h and MLP width i: biased q/k/v/o, biased MLP, two LayerNorms.
double siglip_layer(double h, double i) { return 4 * (h * h + h) + (h * i + i) + (i * h + h) + 4 * h; }

}  // namespace

TEST_CASE("LFM2.5-VL-1.6B: 10 short convolutions and 6 attention layers, a SigLIP2 encoder", "[configs][lfm2]") {
  const Loaded l = load("lfm2.5-vl-1.6b.json");
  REQUIRE(l.model.warnings.empty());
  REQUIRE(l.model.attn == "shortconv*2/dense/shortconv*2/dense/shortconv*2/dense/shortconv/dense/shortconv/dense/shortconv/dense/shortconv");
  REQUIRE(l.model.tied_embeddings);  // no tie_word_embeddings in text_config: Lfm2Config's default
  // block_ff_dim 12288 → int(2·12288/3) = 8192 → × 1.0 → rounded up to a multiple of 256: 8192.
  REQUIRE(l.model.ffn == 8192);
  const Estimate e = at(l, 32768);
  // Attention: 8 KV heads × (64 + 64) × 2 B = 2048 B per token per layer, 6 layers.
  REQUIRE(e.kv.bytes_per_token == 6.0 * 2048);
  // Convolution state: (conv_L_cache 3 − 1) × 2048 channels × 2 B = 8192 B per layer, 10 layers.
  REQUIRE(e.kv.state_bytes_per_sequence == 10.0 * 2 * 2048 * 2);
  REQUIRE(e.kv.bytes_per_sequence == 6.0 * 32768 * 2048 + 10.0 * 8192);
  REQUIRE(at(l, 128000).kv.bytes_per_sequence == 6.0 * 128000 * 2048 + 10.0 * 8192);
  // Text: attention 6 × (2048·2048·2 + 2048·512·2); short convolutions 10 × (4·2048² + 3·2048)
  // (in_proj to B, C, x; out_proj; 3 taps); MLP 16 × 3·2048·8192; one tied 65536·2048 matrix; norms.
  const double text = 6 * (2048.0 * 2048 * 2 + 2048.0 * 512 * 2) + 10 * (4 * 2048.0 * 2048 + 3 * 2048.0) + 16 * 3.0 * 2048 * 8192 + 65536.0 * 2048 +
                      (2.0 * 2048 * 16 + 2048);
  REQUIRE(e.params == text);
  // LFM2-1.2B's model card: 1,170,340,608 parameters = this + 6 layers × q/k norms of 64 (left out).
  REQUIRE(e.params + 6 * 2 * 64 == 1170340608.0);
  // Vision: SigLIP2 so400m (27 layers of 1152, MLP 4304), a Linear patch embedding (3·16·16 → 1152),
  // 256 positions, post-layernorm; projector without layernorm (projector_use_layernorm false):
  // 4·1152 → 2048 → 2048 with biases.
  const double vision = 27 * siglip_layer(1152, 4304) + (3.0 * 16 * 16 * 1152 + 1152) + 256.0 * 1152 + 2 * 1152;
  const double projector = 4608.0 * 2048 + 2048 + 2048.0 * 2048 + 2048;
  REQUIRE(e.loaded.encoder_params == vision + projector);
  REQUIRE(e.memory.weights_bytes == 2 * (text + vision + projector));  // bf16
}

TEST_CASE("LFM2-VL-450M: the LFM2-350M text model, and --text-only leaves the encoder out", "[configs][lfm2]") {
  Loaded l = load("lfm2-vl-450m.json");
  REQUIRE(l.model.warnings.empty());
  // block_ff_dim 6656 → int(4437.3) = 4437 → rounded up to 256: 4608.
  REQUIRE(l.model.ffn == 4608);
  const Estimate e = at(l, 4096);
  REQUIRE(e.kv.bytes_per_token == 6.0 * 8 * 128 * 2);
  REQUIRE(e.kv.state_bytes_per_sequence == 10.0 * 2 * 1024 * 2);
  const double text = 6 * (1024.0 * 1024 * 2 + 1024.0 * 512 * 2) + 10 * (4 * 1024.0 * 1024 + 3 * 1024.0) + 16 * 3.0 * 1024 * 4608 + 65536.0 * 1024 +
                      (2.0 * 1024 * 16 + 1024);
  REQUIRE(e.params == text);
  REQUIRE(e.params + 6 * 2 * 64 == 354483968.0);  // LFM2-350M's model card, q/k norms included
  // SigLIP2 base (12 layers of 768, MLP 3072); the projector's layernorm (Lfm2VlConfig's default)
  // over 4·768 = 3072, then 3072 → 2560 → 1024 with biases.
  const double vision = 12 * siglip_layer(768, 3072) + (3.0 * 16 * 16 * 768 + 768) + 256.0 * 768 + 2 * 768;
  const double projector = 2 * 3072.0 + 3072.0 * 2560 + 2560 + 2560.0 * 1024 + 1024;
  REQUIRE(e.loaded.encoder_params == vision + projector);
  REQUIRE(e.memory.weights_bytes == 2 * (text + vision + projector));
  l.model.text_only = true;
  const Estimate t = at(l, 4096);
  REQUIRE(t.memory.weights_bytes == 2 * text);
  REQUIRE(t.loaded.lines.at(0).find("left out (--text-only)") != std::string::npos);
}

TEST_CASE("Qwen2.5-VL-7B and Qwen2.5-7B: the ViT and merger match the checkpoint's total", "[configs][encoders]") {
  const Loaded vl = load("qwen2.5-vl-7b-instruct.json"), lm = load("qwen2.5-7b-instruct.json");
  REQUIRE(vl.model.warnings.empty());
  REQUIRE(lm.model.warnings.empty());
  REQUIRE(lm.model.attn == "dense");  // sliding_window 131072 with use_sliding_window false
  const Estimate e = at(vl, 32768);
  // 4 KV heads × 256 × 2 B per token per layer, 28 layers.
  REQUIRE(e.kv.bytes_per_token == 28.0 * 4 * 256 * 2);
  REQUIRE(at(lm, 32768).kv.bytes_per_sequence == e.kv.bytes_per_sequence);
  const double text = 28 * (3584.0 * 3584 * 2 + 3584.0 * 512 * 2) + 28 * 3.0 * 3584 * 18944 + 2.0 * 152064 * 3584 + (2.0 * 3584 * 28 + 3584);
  REQUIRE(e.params == text);
  REQUIRE(at(lm, 1).params == text);
  // Qwen2.5-7B's model card: 7.61B; with the q/k/v biases (28 × (3584 + 512 + 512)), 7,615,616,512.
  REQUIRE(text + 28 * 4608.0 == 7615616512.0);
  // ViT: Conv3d patches 3·2·14·14·1280 (no bias); 32 blocks of RMSNorms (2·1280), qkv 1280·3840 +
  // 3840, proj 1280² + 1280, gated MLP 2·(1280·3420 + 3420) + 3420·1280 + 1280; merger: RMSNorm 1280,
  // 5120·5120 + 5120, 5120·3584 + 3584.
  const double block = 2 * 1280.0 + (1280.0 * 3840 + 3840) + (1280.0 * 1280 + 1280) + 2 * (1280.0 * 3420 + 3420) + (3420.0 * 1280 + 1280);
  const double vit = 3.0 * 2 * 14 * 14 * 1280 + 32 * block + 1280 + (5120.0 * 5120 + 5120) + (5120.0 * 3584 + 3584);
  REQUIRE(e.loaded.encoder_params == vit);
  // The checkpoint's total on its Hugging Face page (8.29B; 8,292,166,656 in the safetensors): ours
  // plus the q/k/v biases, exactly.
  REQUIRE(e.loaded.checkpoint_params(e.params) + 28 * 4608.0 == 8292166656.0);
  REQUIRE(e.loaded.checkpoint_params(e.params) == Approx(8292166656.0).epsilon(0.001));
}

TEST_CASE("Voxtral-Mini-3B: a Whisper-style audio encoder beside a Llama text model", "[configs][encoders]") {
  const Loaded l = load("voxtral-mini-3b-2507.json");
  REQUIRE(l.model.warnings.empty());
  REQUIRE_FALSE(l.model.tied_embeddings);  // LlamaConfig's default
  const Estimate e = at(l, 32768);
  REQUIRE(e.kv.bytes_per_token == 30.0 * 8 * 256 * 2);
  const double text = 30 * (3072.0 * 4096 * 2 + 3072.0 * 1024 * 2) + 30 * 3.0 * 3072 * 8192 + 2.0 * 131072 * 3072 + (2.0 * 3072 * 30 + 3072);
  REQUIRE(e.params == text);
  // Encoder: conv1 128·1280·3 + 1280, conv2 1280·1280·3 + 1280, 1500 positions; 32 layers of
  // q (biased), k (no bias), v, o (biased), two LayerNorms, fc1/fc2 (biased); a final LayerNorm.
  // Projector: 5120 → 3072 → 3072, no biases.
  const double layer = 4 * 1280.0 * 1280 + 3 * 1280 + 2 * 1280 + (1280.0 * 5120 + 5120) + (5120.0 * 1280 + 1280) + 2 * 1280;
  const double audio = (128.0 * 1280 * 3 + 1280) + (1280.0 * 1280 * 3 + 1280) + 1500.0 * 1280 + 32 * layer + 2 * 1280;
  const double projector = 5120.0 * 3072 + 3072.0 * 3072;
  REQUIRE(e.loaded.encoder_params == audio + projector);
  // The checkpoint's total (Hugging Face page: 4.68B; 4,676,271,104 in the safetensors), exactly.
  REQUIRE(e.loaded.checkpoint_params(e.params) == 4676271104.0);
  REQUIRE(e.memory.weights_bytes == 2 * 4676271104.0);
}

TEST_CASE("OLMo-3.1-32B and EXAONE-4.0-32B: 4096-token windows on three layers in four", "[configs]") {
  for (const char* file : {"olmo-3.1-32b-instruct.json", "exaone-4.0-32b.json"}) {
    INFO(file);
    const Loaded l = load(file);
    REQUIRE(l.model.warnings.empty());
    REQUIRE(l.model.attn == "window:4096*3/dense");
    // 8 KV heads × (128 + 128) × 2 B = 4096 B per token per layer; 48 window and 16 full layers.
    const Estimate e = at(l, 32768);
    REQUIRE(e.kv.bytes_per_token == 64.0 * 4096);
    REQUIRE(e.kv.bytes_per_sequence == 48.0 * 4096 * 4096 + 16.0 * 32768 * 4096);
    REQUIRE(at(l, 2000).kv.bytes_per_sequence == 64.0 * 2000 * 4096);
  }
  const double attention = 64 * (5120.0 * 5120 * 2 + 5120.0 * 1024 * 2), norms = 2.0 * 5120 * 64 + 5120;
  REQUIRE(at(load("olmo-3.1-32b-instruct.json"), 1).params == attention + 64 * 3.0 * 5120 * 27648 + 2.0 * 100278 * 5120 + norms);
  REQUIRE(at(load("exaone-4.0-32b.json"), 1).params == attention + 64 * 3.0 * 5120 * 27392 + 2.0 * 102400 * 5120 + norms);
}

TEST_CASE("Devstral-2-123B: Mistral-Large-2's shape in per-tensor fp8, the LM head kept in bf16", "[configs]") {
  const Loaded l = load("devstral-2-123b-instruct.json");
  REQUIRE(l.model.warnings.empty());
  const Estimate e = at(l, 65536);
  REQUIRE(e.kv.bytes_per_token == 88.0 * 8 * 256 * 2);
  const double attention = 88 * (12288.0 * 12288 * 2 + 12288.0 * 1024 * 2), mlp = 88 * 3.0 * 12288 * 28672;
  const double embedding = 131072.0 * 12288, head = 131072.0 * 12288, norms = 2.0 * 12288 * 88 + 12288;
  REQUIRE(e.params == attention + mlp + embedding + head + norms);
  // fp8 (1 B, one per-tensor scale, not counted) for attention and MLP; lm_head not converted.
  REQUIRE(e.memory.weights_bytes == (attention + mlp) * 1 + (embedding + head + norms) * 2);
}

TEST_CASE("MiniMax-M2.5 and M2.1: fp8 experts, 3 MTP modules, and a config without a dtype", "[configs][mtp]") {
  const Loaded l = load("minimax-m2.5.json"), m21 = load("minimax-m2.1.json");
  REQUIRE(l.model.warnings.empty());
  REQUIRE(m21.model.warnings.empty());
  REQUIRE(m21.model.attn == "dense");  // attn_type_list: 62 ones, every layer softmax
  // No torch_dtype: vLLM runs it in bf16 (vllm/config/model.py _find_dtype → _resolve_auto_dtype).
  REQUIRE(l.model.dtype == Dtype::bf16);
  REQUIRE(l.model.mtp_modules == 3);
  const Estimate e = at(l, 65536);
  REQUIRE(e.kv.bytes_per_token == 62.0 * 8 * 256 * 2);
  const double attention = 62 * (3072.0 * 6144 * 2 + 3072.0 * 1024 * 2), experts = 62 * 256.0 * 3 * 3072 * 1536;
  const double routers = 62 * 3072.0 * 256, embeddings = 2.0 * 200064 * 3072, norms = 2.0 * 3072 * 62 + 3072;
  REQUIRE(e.params == attention + experts + routers + embeddings + norms);
  REQUIRE(at(m21, 1).params == e.params);
  // Model card: 230B total (rounded to 1B; ours 228.7B plus MTP).
  REQUIRE(e.params == Approx(229e9).epsilon(0.005));
  // Each MTP module: one layer of the model's attention and experts, eh_proj 2·3072·3072, norms.
  const double module = (3072.0 * 6144 * 2 + 3072.0 * 1024 * 2) + 256.0 * 3 * 3072 * 1536 + 3072.0 * 256 + 2.0 * 3072 * 3072 + 5 * 3072.0;
  REQUIRE(e.loaded.mtp_params == 3 * module);
  // fp8 in 128×128 blocks (1 B + an fp32 scale per 16384) for attention and experts; router, LM
  // head and embedding bf16. The MTP modules are not loaded without --spec.
  REQUIRE(e.memory.weights_bytes == Approx((attention + experts) * (8 + 32.0 / 16384) / 8 + (routers + embeddings + norms) * 2).epsilon(1e-12));
}

TEST_CASE("MiniMax-M3: dense first layers of their own width; its block-sparse attention is named as not understood", "[configs]") {
  const Loaded l = load("minimax-m3.json");
  REQUIRE(all_warnings(l.model).find("field 'sparse_attention_config' is not understood") != std::string::npos);
  REQUIRE(l.model.ffn == 12288);  // dense_intermediate_size; intermediate_size 3072 is the experts'
  const Estimate e = at(l, 8192);
  REQUIRE(e.kv.bytes_per_token == 60.0 * 4 * 256 * 2);
  const double attention = 60 * (6144.0 * 8192 * 2 + 6144.0 * 512 * 2), dense = 3 * 3.0 * 6144 * 12288;
  const double experts = 57 * (128.0 * 3 * 6144 * 3072 + 3.0 * 6144 * 3072), routers = 57 * 6144.0 * 128;
  REQUIRE(e.params == attention + dense + experts + routers + 2.0 * 200064 * 6144 + (2.0 * 6144 * 60 + 6144));
}

TEST_CASE("GLM-5: MLA with DeepSeek's sparse attention and indexer, 744B", "[configs][mtp]") {
  const Loaded l = load("glm-5.json");
  REQUIRE(l.model.warnings.empty());
  REQUIRE(l.model.attn == "topk:2048");
  const Estimate e = at(l, 100000);
  // The latent ((512 + 64) × 2 B) and the indexer key (128 fp8 + a 4-byte scale) per token per layer.
  REQUIRE(e.kv.bytes_per_token == 78.0 * (1152 + 132));
  REQUIRE(e.kv.bytes_per_sequence == 78.0 * 100000 * 1284);
  // Per layer: q 6144·2048 + 2048·64·256, kv-down 6144·576, kv-up 512·64·(192 + 256), o 64·256·6144,
  // the indexer 2048·32·128 + 6144·128 + 6144·32.
  const double attention = 78 * (6144.0 * 2048 + 2048.0 * 64 * 256 + 6144.0 * 576 + 512.0 * 64 * 448 + 64.0 * 256 * 6144 + 2048.0 * 32 * 128 +
                                 6144.0 * 128 + 6144.0 * 32);
  const double dense = 3 * 3.0 * 6144 * 12288, experts = 75 * (256.0 * 3 * 6144 * 2048 + 3.0 * 6144 * 2048), routers = 75 * 6144.0 * 256;
  REQUIRE(e.params == attention + dense + experts + routers + 2.0 * 154880 * 6144 + (2.0 * 6144 * 78 + 6144));
  REQUIRE(e.params == Approx(744e9).epsilon(0.001));  // model card: 744B total
  REQUIRE(l.model.mtp_modules == 1);
}

TEST_CASE("GLM-4.7 and GLM-4.7-Flash: GQA and MLA, one MTP layer each", "[configs][mtp]") {
  const Loaded l = load("glm-4.7.json"), flash = load("glm-4.7-flash.json");
  REQUIRE(l.model.warnings.empty());
  REQUIRE(flash.model.warnings.empty());
  const Estimate e = at(l, 32768);
  REQUIRE(e.kv.bytes_per_token == 92.0 * 8 * 256 * 2);
  const double layer_attention = 5120.0 * 96 * 128 * 2 + 5120.0 * 8 * 128 * 2, layer_experts = 160.0 * 3 * 5120 * 1536 + 3.0 * 5120 * 1536;
  const double text = 92 * layer_attention + 3 * 3.0 * 5120 * 12288 + 89 * (layer_experts + 5120.0 * 160) + 2.0 * 151552 * 5120 + (2.0 * 5120 * 92 + 5120);
  REQUIRE(e.params == text);
  // The MTP layer: attention and MoE of a model layer, eh_proj 2·5120·5120, norms.
  REQUIRE(e.loaded.mtp_params == layer_attention + layer_experts + 5120.0 * 160 + 2.0 * 5120 * 5120 + 5 * 5120);
  // GLM-4.5 report: 355B total (its MTP layer's own copies of the embedding and head, 2·151552·5120,
  // are not counted: MTP shares the target's).
  REQUIRE(e.loaded.checkpoint_params(e.params) == Approx(355e9).epsilon(0.01));
  // Flash: MLA, (512 + 64) × 2 B per token per layer, 47 layers.
  const Estimate f = at(flash, 32768);
  REQUIRE(f.kv.bytes_per_token == 47.0 * 1152);
  REQUIRE(f.kv.bytes_per_sequence == 47.0 * 32768 * 1152);
}

TEST_CASE("Mixtral-8x22B, Qwen3-30B-A3B and Qwen3-Coder-480B-A35B: the MoE families", "[configs]") {
  const Loaded mixtral = load("mixtral-8x22b-v0.1.json"), a3b = load("qwen3-30b-a3b.json"), coder = load("qwen3-coder-480b-a35b-instruct.json");
  for (const Loaded* l : {&mixtral, &a3b, &coder}) REQUIRE(l->model.warnings.empty());
  const Estimate m = at(mixtral, 65536);
  REQUIRE(m.kv.bytes_per_token == 56.0 * 8 * 256 * 2);
  REQUIRE(m.params == 56 * (6144.0 * 6144 * 2 + 6144.0 * 1024 * 2) + 56 * 8.0 * 3 * 6144 * 16384 + 56 * 6144.0 * 8 + 2.0 * 32000 * 6144 + (2.0 * 6144 * 56 + 6144));
  REQUIRE(m.params == Approx(141e9).epsilon(0.004));  // Mistral: 141B total, rounded to 1B
  const Estimate q = at(a3b, 40960);
  REQUIRE(q.kv.bytes_per_token == 48.0 * 4 * 256 * 2);
  const double q_params = 48 * (2048.0 * 4096 * 2 + 2048.0 * 512 * 2) + 48 * 128.0 * 3 * 2048 * 768 + 48 * 2048.0 * 128 + 2.0 * 151936 * 2048 + (2.0 * 2048 * 48 + 2048);
  REQUIRE(q.params == q_params);
  // The checkpoint adds 48 layers × q/k norms of 128: 30,532,122,624; the model card's 30.5B.
  REQUIRE(q_params + 48 * 256 == 30532122624.0);
  const Estimate c = at(coder, 65536);
  REQUIRE(c.kv.bytes_per_token == 62.0 * 8 * 256 * 2);
  const double c_params = 62 * (6144.0 * 12288 * 2 + 6144.0 * 1024 * 2) + 62 * 160.0 * 3 * 6144 * 2560 + 62 * 6144.0 * 160 + 2.0 * 151936 * 6144 + (2.0 * 6144 * 62 + 6144);
  REQUIRE(c.params == c_params);
  REQUIRE(c.params == Approx(480e9).epsilon(0.001));  // model card: 480B total
}

TEST_CASE("MiMo-7B and Step-3.7-Flash: MTP layers beside dense and windowed stacks", "[configs][mtp]") {
  const Loaded mimo = load("mimo-7b-base.json"), step = load("step-3.7-flash.json");
  REQUIRE(mimo.model.warnings.empty());
  REQUIRE(step.model.warnings.empty());
  const Estimate m = at(mimo, 32768);
  REQUIRE(m.kv.bytes_per_token == 36.0 * 8 * 256 * 2);
  const double attention = 4096.0 * 32 * 128 * 2 + 4096.0 * 8 * 256, mlp = 3.0 * 4096 * 11008;
  REQUIRE(m.params == 36 * (attention + mlp) + 2.0 * 151680 * 4096 + (2.0 * 4096 * 36 + 4096));
  REQUIRE(m.loaded.mtp_params == attention + mlp + 2.0 * 4096 * 4096 + 5 * 4096);
  REQUIRE(m.loaded.checkpoint_params(m.params) == Approx(7.83e9).epsilon(0.001));  // Hugging Face page: 7.83B, MTP included
  // Step-3.7-Flash: full attention on every 4th layer from 0, 512-token windows elsewhere.
  REQUIRE(step.model.attn == "dense/window:512*3");
  REQUIRE(step.model.mtp_modules == 3);
  const Estimate s = at(step, 32768);
  REQUIRE(s.kv.bytes_per_token == 45.0 * 8 * 256 * 2);
  REQUIRE(s.kv.bytes_per_sequence == 12.0 * 32768 * 4096 + 33.0 * 512 * 4096);
}

TEST_CASE("Kimi-K2.5 and Kimi-K3: a vision encoder, and KDA + MLA with fp32 recurrent states", "[configs][encoders]") {
  const Loaded k25 = load("kimi-k2.5.json");
  REQUIRE(k25.model.warnings.empty());
  const Estimate e = at(k25, 32768);
  REQUIRE(e.kv.bytes_per_token == 61.0 * 1152);
  // MoonViT (model_type kimi_k25's vision_config has no model_type of its own) is counted by the
  // generic ViT formula, named approximate: 27 SigLIP-style layers of 1152 (vt_num_hidden_layers,
  // vt_hidden_size; MLP vt_intermediate_size 4304), a biased 3·14·14 → 1152 patch embedding, and a
  // one-matrix projector 1152 → 7168 (text_hidden_size).
  REQUIRE(e.loaded.encoder_params == 27 * siglip_layer(1152, 4304) + (3.0 * 14 * 14 * 1152 + 1152) + 1152.0 * 7168);
  REQUIRE(e.loaded.lines.at(0).find("approximate") != std::string::npos);
  // Kimi-K3: 24 MLA layers and 69 KDA layers of 96 heads × 128 (linear_attn_config).
  const Loaded k3 = load("kimi-k3.json");
  for (const char* field : {"attn_res_block_size", "routed_expert_hidden_size", "mla_use_output_gate"}) {
    INFO(field);
    REQUIRE(all_warnings(k3.model).find(fmt::format("field '{}' is not understood", field)) != std::string::npos);
  }
  const Estimate k = at(k3, 32768);
  REQUIRE(k.quality.state_layers == 69);
  REQUIRE(k.kv.bytes_per_token == 24.0 * 1152);
  // KDA state per layer: 96 heads × 128 × 128 in fp32 (vLLM's kda_state_dtype), and the q, k, v
  // convolutions' last 3 inputs, 3 × 3 × 12288 × 2 B.
  const double state = 96.0 * 128 * 128 * 4 + 3.0 * 3 * 12288 * 2;
  REQUIRE(k.kv.state_bytes_per_sequence == 69 * state);
  REQUIRE(k.kv.bytes_per_sequence == 24.0 * 32768 * 1152 + 69 * state);
}

TEST_CASE("Nemotron-3-Super: fp32 Mamba-2 states; its latent MoE is named as not understood", "[configs]") {
  const Loaded l = load("nemotron-3-super-120b-a12b-fp8.json");
  REQUIRE(all_warnings(l.model).find("field 'moe_latent_size' is not understood") != std::string::npos);
  const Estimate e = at(l, 32768);
  REQUIRE(e.kv.bytes_per_token == 8.0 * 2 * 256 * 2);
  // 40 Mamba-2 layers: 128 heads × 64 × N 128 in fp32 (mamba_ssm_cache_dtype), conv 3 × (8192 + 2·8·128) × 2 B.
  REQUIRE(e.kv.state_bytes_per_sequence == 40 * (128.0 * 64 * 128 * 4 + 3.0 * (8192 + 2 * 8 * 128) * 2));
  REQUIRE(l.model.mtp_modules == 1);
}

TEST_CASE("every config of the second set reads", "[configs]") {
  for (const char* file : {"lfm2.5-vl-1.6b.json", "lfm2-vl-450m.json", "olmo-3.1-32b-instruct.json", "exaone-4.0-32b.json", "devstral-2-123b-instruct.json",
                           "voxtral-mini-3b-2507.json", "qwen2.5-vl-7b-instruct.json", "qwen2.5-7b-instruct.json", "minimax-m2.5.json", "minimax-m2.1.json",
                           "minimax-m3.json", "glm-5.json", "glm-4.7.json", "glm-4.7-flash.json", "mixtral-8x22b-v0.1.json", "mimo-7b-base.json",
                           "step-3.7-flash.json", "kimi-k2.5.json", "kimi-k3.json", "nemotron-3-super-120b-a12b-fp8.json",
                           "qwen3-coder-480b-a35b-instruct.json", "qwen3-30b-a3b.json"}) {
    INFO(file);
    const Loaded l = load(file);
    const Estimate e = at(l, 8192);
    REQUIRE(e.kv.bytes_per_sequence > 0);
    REQUIRE(e.memory.weights_bytes > 0);
  }
}

TEST_CASE("Qwen3-VL-8B: the ViT, its merger and the three deep-stack mergers by hand", "[configs]") {
  // transformers' Qwen3VLVisionModel for the checkpoint's vision_config: a biased Conv3d patch
  // embedding (3 × 2 × 16 × 16 → 1152), 2304 learned positions, 27 blocks (biased qkv and proj,
  // biased fc1/fc2 of 4304, two LayerNorms: a SigLIP layer), the merger (LayerNorm over 1152, then
  // 4·1152 → 4608 → 4096 with biases) and one merger per deepstack_visual_indexes entry (8, 16,
  // 24) with its LayerNorm over the merged 4608.
  const Loaded l = load("qwen3-vl-8b-instruct-trimmed.json");
  REQUIRE(l.model.warnings.empty());
  const double merger_mlp = 4608.0 * 4608 + 4608 + 4608.0 * 4096 + 4096;
  const double projector = 2 * 1152 + merger_mlp + 3 * (2 * 4608 + merger_mlp);
  const double vision = (3.0 * 2 * 16 * 16 * 1152 + 1152) + 2304.0 * 1152 + 27 * siglip_layer(1152, 4304);
  REQUIRE(at(l, 8192).loaded.encoder_params == vision + projector);
}
