// The families read by rules of their own, on configs written here with the field names (and the
// omissions) of their transformers configuration classes — Granite-4.0-H, Falcon-H1, Zamba2,
// MiniMax-Text-01, SmolLM3, GPT-NeoX — and the class-defaults table itself. Real configs of the
// families that have them are in real_configs_test.cc and real_configs_2026_test.cc.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "estimators/estimate.h"
#include "model/class_defaults.h"
#include "model/presets.h"

using namespace attncost;
using nlohmann::json;

namespace {

Estimate estimate_of(const ModelConfig& m, uint64_t ctx) {
  Workload w;
  w.ctx = ctx;
  return estimate(m, make_design(m), w, load_gpu("h200"));
}

// A Mamba-2 mixer's state in bf16: heads × head dim × N, and the last 3 conv inputs of x, B, C.
double mamba2_state(double heads, double head_dim, double n, double groups) {
  return heads * head_dim * n * 2 + 3 * (heads * head_dim + 2 * groups * n) * 2;
}

}  // namespace

TEST_CASE("the class-defaults table: one entry per model_type, each naming its transformers source", "[defaults]") {
  std::set<std::string> seen;
  REQUIRE(class_defaults_table().size() >= 10);
  for (const ClassDefaults& c : class_defaults_table()) {
    INFO(c.class_name);
    REQUIRE(c.source.find("transformers") != std::string::npos);
    REQUIRE(c.source.find("configuration_") != std::string::npos);
    for (const std::string& t : c.model_types) REQUIRE(seen.insert(t).second);
  }
  REQUIRE(class_defaults("smollm3")->defaults["tie_word_embeddings"] == true);
  REQUIRE(class_defaults("llama") == nullptr);
}

TEST_CASE("a field the config leaves out takes its class's default", "[defaults]") {
  json smol = {{"model_type", "smollm3"}, {"num_hidden_layers", 36}, {"hidden_size", 2048}, {"intermediate_size", 11008}, {"torch_dtype", "bfloat16"}};
  const ModelConfig s = model_from_json(smol, "smollm3");
  REQUIRE(s.warnings.empty());
  // SmolLM3Config: tie_word_embeddings=True, 16 heads over 4 KV heads, vocabulary 128256.
  REQUIRE(s.tied_embeddings);
  REQUIRE((s.heads == 16 && s.kv_heads == 4 && s.vocab == 128256));
  const Estimate e = estimate_of(s, 4096);
  // One 128256 × 2048 matrix, not two: the untied reading was 8.5% more parameters and 0.49 GiB.
  REQUIRE(e.params == 36 * (2048.0 * 2048 * 2 + 2048.0 * 512 * 2) + 36 * 3.0 * 2048 * 11008 + 128256.0 * 2048 + (2.0 * 2048 * 36 + 2048));
  REQUIRE(e.params == Approx(3.08e9).epsilon(0.002));  // SmolLM3 blog: 3.08B
  // The config says otherwise: it wins.
  smol["tie_word_embeddings"] = false;
  REQUIRE_FALSE(model_from_json(smol, "smollm3").tied_embeddings);
  // GPT-NeoX keeps embed_in and embed_out apart (GPTNeoXConfig: tie_word_embeddings=False).
  const json neox = {{"model_type", "gpt_neox"}, {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"hidden_size", 256}, {"vocab_size", 1000}};
  REQUIRE_FALSE(model_from_json(neox, "neox").tied_embeddings);
  // A Llama config without a dtype runs in bf16 under vLLM, and the reader says so.
  const json llama = {{"model_type", "llama"}, {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"hidden_size", 256}, {"vocab_size", 1000}};
  const ModelConfig l = model_from_json(llama, "llama");
  REQUIRE(l.dtype == Dtype::bf16);
  REQUIRE(l.notes.at(0).find("names no dtype") != std::string::npos);
  REQUIRE_FALSE(l.tied_embeddings);
}

TEST_CASE("Granite-4.0-H: Mamba-2 layers named 'mamba', experts and a shared MLP in every layer", "[families]") {
  // GraniteMoeHybridConfig's fields; mamba_d_head "auto" = mamba_expand · hidden / mamba_n_heads = 64.
  const json g = {{"model_type", "granitemoehybrid"}, {"num_hidden_layers", 4}, {"hidden_size", 512}, {"num_attention_heads", 8},
                  {"num_key_value_heads", 2}, {"vocab_size", 1000}, {"intermediate_size", 256}, {"shared_intermediate_size", 1024},
                  {"num_local_experts", 4}, {"num_experts_per_tok", 2}, {"layer_types", {"mamba", "mamba", "attention", "mamba"}},
                  {"mamba_n_heads", 16}, {"mamba_d_head", "auto"}, {"mamba_d_state", 128}, {"torch_dtype", "bfloat16"}};
  const ModelConfig m = model_from_json(g, "granite");
  REQUIRE(m.warnings.empty());
  REQUIRE(m.attn == "mamba2*2/dense/mamba2");
  REQUIRE((m.mamba2_heads == 16 && m.mamba2_head_dim == 64 && m.mamba2_groups == 1 && m.ssm_conv == 4));
  const Estimate e = estimate_of(m, 8192);
  REQUIRE(e.kv.bytes_per_token == 2.0 * (64 + 64) * 2);
  REQUIRE(e.kv.state_bytes_per_sequence == 3 * mamba2_state(16, 64, 128, 1));
  // Every layer: 4 experts of 256 and the shared MLP of 1024 (as a shared expert), a router.
  REQUIRE(m.moe_layers() == 4);
  REQUIRE((m.expert_ffn == 256 && m.shared_experts == 1 && m.shared_expert_ffn == 1024));
  // Without experts, the shared MLP is every layer's MLP (Granite-4.0-H-Micro).
  json dense = g;
  dense["num_local_experts"] = 0;
  const ModelConfig d = model_from_json(dense, "granite dense");
  REQUIRE((d.experts == 0 && d.ffn == 1024));
}

TEST_CASE("DeciLM: an ffn_mult's MLP width is int(2·mult·hidden/3) rounded up to a multiple of 256", "[families]") {
  // vLLM vllm/model_executor/models/nemotron_nas.py (as the checkpoints' modeling_decilm.py):
  // _ffn_mult_to_intermediate_size(m, h) = _find_multiple(int(2 * m * h / 3), 256). Hidden 8192:
  //   1.0     → 5461.33 → int 5461 → 5632 (Llama-3.3-Nemotron-Super-49B's own multiplier)
  //   0.98515 → 5380.23 → int 5380 → 5632 (a few units past 21·256 = 5376: the next multiple)
  //   0.98446 → 5376.38 → int 5376 → 5376 (already a multiple once truncated)
  //   5.25    → 28672 exactly → 28672
  json blocks = json::array();
  for (double mult : {1.0, 0.98515, 0.98446, 5.25})
    blocks.push_back({{"attention", {{"n_heads_in_group", 8}}}, {"ffn", {{"ffn_mult", mult}}}});
  const json d = {{"model_type", "nemotron-nas"}, {"architectures", {"DeciLMForCausalLM"}}, {"hidden_size", 8192}, {"num_attention_heads", 64},
                  {"num_hidden_layers", 4}, {"vocab_size", 128256}, {"block_configs", blocks}, {"torch_dtype", "bfloat16"}};
  const ModelConfig m = model_from_json(d, "decilm");
  std::map<int64_t, uint64_t> layers_of_width;
  for (const auto& u : m.ffn_layers.uses(4)) layers_of_width[u.layer.width] += u.layers;
  REQUIRE(layers_of_width == std::map<int64_t, uint64_t>{{5376, 1}, {5632, 2}, {28672, 1}});
}

TEST_CASE("Falcon-H1: attention and Mamba-2 side by side in every layer", "[families]") {
  const json f = {{"model_type", "falcon_h1"}, {"num_hidden_layers", 2}, {"hidden_size", 256}, {"num_attention_heads", 4},
                  {"num_key_value_heads", 2}, {"head_dim", 64}, {"intermediate_size", 512}, {"vocab_size", 1000}, {"mamba_d_ssm", 512},
                  {"mamba_n_heads", 8}, {"mamba_d_head", "auto"}, {"mamba_d_state", 16}, {"torch_dtype", "bfloat16"}};
  const ModelConfig m = model_from_json(f, "falcon-h1");
  REQUIRE(m.warnings.empty());
  REQUIRE(m.layers == 4);  // two mixer slots per layer
  REQUIRE(m.attn == "dense/mamba2");
  REQUIRE(m.ffn_layers.text() == "none/dense");
  REQUIRE(m.mamba2_head_dim == 64);  // mamba_d_ssm 512 / 8 heads
  const Estimate e = estimate_of(m, 4096);
  REQUIRE(e.kv.bytes_per_token == 2 * (2.0 * 128 * 2));
  REQUIRE(e.kv.state_bytes_per_sequence == 2 * mamba2_state(8, 64, 16, 1));
  REQUIRE(e.kv.bytes_per_sequence == 4096.0 * 1024 + 2 * mamba2_state(8, 64, 16, 1));
}

TEST_CASE("Zamba2: shared attention blocks cache K/V per use and are stored once", "[families]") {
  const json z = {{"model_type", "zamba2"}, {"num_hidden_layers", 6}, {"hidden_size", 256}, {"num_attention_heads", 4}, {"intermediate_size", 512},
                  {"vocab_size", 1000}, {"layers_block_type", {"mamba", "hybrid", "mamba", "mamba", "hybrid", "mamba"}}, {"n_mamba_heads", 8},
                  {"mamba_d_state", 16}, {"num_mem_blocks", 2}, {"use_shared_attention_adapter", true}, {"adapter_rank", 8},
                  {"torch_dtype", "bfloat16"}};
  const ModelConfig m = model_from_json(z, "zamba2");
  REQUIRE(m.warnings.empty());
  // Head dim 2·256/4 = 128 (attention over [hidden; embedding]); KV heads = heads by default.
  REQUIRE((m.head_dim == 128 && m.kv_heads == 4));
  REQUIRE(m.layers == 8);  // 6 Mamba-2 mixers + 2 uses of a shared block
  const Estimate e = estimate_of(m, 1000);
  REQUIRE(e.kv.bytes_per_token == 2 * (4.0 * 256 * 2));
  // Mamba-2: 8 heads of 2·256/8 = 64, N 16, one group.
  REQUIRE(e.kv.state_bytes_per_sequence == 6 * mamba2_state(8, 64, 16, 1));
  // Parameters: the 6 Mamba-2 mixers (in_proj, out_proj, conv, A/D/dt, norm), 2 stored blocks
  // (q/k/v from 512 to 512 each, o 512 → 256, gated MLP 3·256·512, norms 512 + 256), per use the
  // block's linear 256² and q/k/v LoRA adapters 3·(512·8 + 8·512), a tied embedding, and the norms
  // the layer stack counts (2·256 per slot + 256).
  const double mamba = 256.0 * (2 * 512 + 2 * 16 + 8) + 512.0 * 256 + 4.0 * (512 + 32) + 3 * 8 + 512;
  const double block = 512.0 * (512 + 2 * 512) + 512.0 * 256 + 3.0 * 256 * 512 + 3 * 256;
  const double per_use = 256.0 * 256 + 3 * (512.0 * 8 + 8.0 * 512);
  REQUIRE(e.params == 6 * mamba + 2 * block + 2 * per_use + 1000.0 * 256 + (2.0 * 256 * 8 + 256));
  REQUIRE(e.loaded.lines.at(0).find("2 stored blocks") != std::string::npos);
}

TEST_CASE("MiniMax-Text-01: lightning attention on seven layers in eight", "[families]") {
  json t = {{"model_type", "minimax_text_01"}, {"num_hidden_layers", 8}, {"hidden_size", 512}, {"num_attention_heads", 8},
            {"num_key_value_heads", 2}, {"head_dim", 64}, {"vocab_size", 1000}, {"intermediate_size", 256}, {"num_local_experts", 4},
            {"num_experts_per_tok", 2}, {"attn_type_list", {0, 0, 0, 0, 0, 0, 0, 1}}, {"torch_dtype", "bfloat16"}};
  const ModelConfig m = model_from_json(t, "minimax");
  REQUIRE(m.warnings.empty());
  REQUIRE(m.attn == "lightning*7/dense");
  const Estimate e = estimate_of(m, 10000);
  REQUIRE(e.kv.bytes_per_token == 2.0 * 128 * 2);
  // One 64 × 64 state per query head, no normalizer (vLLM linear_attention_state_shape), bf16.
  REQUIRE(e.kv.state_bytes_per_sequence == 7 * 8.0 * 64 * 64 * 2);
  // Lightning layer: q, k, v and the output gate from 512 to 8·64, out_proj, the norm.
  const double lightning = 4 * 512.0 * 512 + 512.0 * 512 + 512, softmax = 512.0 * 512 * 2 + 512.0 * 128 * 2;
  REQUIRE(e.params == 7 * lightning + softmax + 8 * (4.0 * 3 * 512 * 256 + 512.0 * 4) + 2 * 1000.0 * 512 + (2.0 * 512 * 8 + 512));
  // MiniMaxConfig's default layout without a list: softmax and lightning alternate.
  t.erase("attn_type_list");
  t["model_type"] = "minimax";
  REQUIRE(model_from_json(t, "minimax").attn == "dense/lightning");
}

TEST_CASE("Jamba 1.5: the Mini and Large presets read with their published totals", "[families]") {
  const ModelConfig mini = load_model("jamba-1.5-mini"), large = load_model("jamba-1.5-large");
  REQUIRE(mini.attn == "ssm:16*4/dense/ssm:16*3");
  REQUIRE(large.layers == 72);
  const Estimate e = estimate_of(large, 262144);
  // 9 attention layers × 8 KV heads × 256 × 2 B; 63 Mamba layers of 16384 channels × (N 16 + 3 conv inputs) × 2 B.
  REQUIRE(e.kv.bytes_per_token == 9.0 * 8 * 256 * 2);
  REQUIRE(e.kv.state_bytes_per_sequence == 63 * 16384.0 * (16 + 3) * 2);
  REQUIRE(e.params == Approx(398e9).epsilon(0.005));  // Jamba-1.5 paper: 398B total
}

// ---- the hybrid presets (model/presets/models/, sources in their attncost blocks) --------------

TEST_CASE("Granite-4.0-H-Small: 36 Mamba-2 layers, 4 attention layers, 72 experts and a shared MLP in each", "[families][presets]") {
  const ModelConfig m = load_model("granite-4.0-h-small");
  REQUIRE(m.warnings.empty());
  REQUIRE(m.attn == "mamba2*5/dense/mamba2*4");  // the cycle of ten: attention at 5, 15, 25, 35
  REQUIRE((m.mamba2_heads == 128 && m.mamba2_head_dim == 64 && m.mamba2_state == 128 && m.mamba2_groups == 1));
  const Estimate e = estimate_of(m, 131072);
  // 4 attention layers × 8 KV heads × (128 + 128) × 2 B.
  REQUIRE(e.kv.bytes_per_token == 4.0 * 8 * 256 * 2);
  REQUIRE(e.kv.state_bytes_per_sequence == 36 * mamba2_state(128, 64, 128, 1));
  REQUIRE(e.kv.bytes_per_sequence == 131072.0 * 4 * 8 * 256 * 2 + 36 * mamba2_state(128, 64, 128, 1));
  // Mamba-2 (8192 channels): in_proj to z, x, B, C, dt; out_proj; conv taps over x, B, C; A, D, dt
  // bias; the gated norm. Attention: q, o 4096²; k, v 4096·1024. Every layer: 72 experts of 768, the
  // router, the shared MLP of 1536. One tied 100352 × 4096 matrix; two norms per layer and a final one.
  const double mamba = 4096.0 * (2 * 8192 + 2 * 128 + 128) + 8192.0 * 4096 + 4.0 * (8192 + 256) + 3 * 128 + 8192;
  const double attention = 2 * 4096.0 * 4096 + 2 * 4096.0 * 1024;
  const double moe = 72 * 3.0 * 4096 * 768 + 4096.0 * 72 + 3.0 * 4096 * 1536;
  const double params = 36 * mamba + 4 * attention + 40 * moe + 100352.0 * 4096 + (2.0 * 4096 * 40 + 4096);
  REQUIRE(e.params == params);
  REQUIRE(e.params == Approx(32.2e9).epsilon(0.001));  // IBM: 32B; 32.2B as listed (the tied count; untied: 32.6B)
  REQUIRE(e.memory.weights_bytes == 2 * params);       // bf16
}

TEST_CASE("Granite-4.0-H-Tiny: 7B total with 64 experts top-6 of 512", "[families][presets]") {
  const ModelConfig m = load_model("granite-4.0-h-tiny");
  REQUIRE(m.warnings.empty());
  const Estimate e = estimate_of(m, 8192);
  REQUIRE(e.kv.bytes_per_token == 4.0 * 4 * 256 * 2);
  REQUIRE(e.kv.state_bytes_per_sequence == 36 * mamba2_state(48, 64, 128, 1));
  const double mamba = 1536.0 * (2 * 3072 + 2 * 128 + 48) + 3072.0 * 1536 + 4.0 * (3072 + 256) + 3 * 48 + 3072;
  const double attention = 2 * 1536.0 * 1536 + 2 * 1536.0 * 512;
  const double moe = 64 * 3.0 * 1536 * 512 + 1536.0 * 64 + 3.0 * 1536 * 1024;
  REQUIRE(e.params == 36 * mamba + 4 * attention + 40 * moe + 100352.0 * 1536 + (2.0 * 1536 * 40 + 1536));
  REQUIRE(e.params == Approx(7e9).epsilon(0.01));  // IBM: 7B total
}

TEST_CASE("Falcon-H1-7B: 44 layers of attention beside Mamba-2, d_state 256", "[families][presets]") {
  const ModelConfig m = load_model("falcon-h1-7b");
  REQUIRE(m.warnings.empty());
  REQUIRE(m.layers == 88);
  const Estimate e = estimate_of(m, 262144);
  // Every layer caches K/V (2 heads of 128) and holds a Mamba-2 state (24 heads of 128, N 256).
  REQUIRE(e.kv.bytes_per_token == 44.0 * 2 * 256 * 2);
  REQUIRE(e.kv.state_bytes_per_sequence == 44 * mamba2_state(24, 128, 256, 1));
  // At 256K tokens the 44 layers' K/V (11 GiB) outweigh the states (67 MiB) 168-fold.
  REQUIRE(e.kv.state_bytes_per_sequence == 44 * (24.0 * 128 * 256 * 2 + 3 * (3072 + 512) * 2));
  REQUIRE((e.kv.bytes_per_sequence - e.kv.state_bytes_per_sequence) / e.kv.state_bytes_per_sequence == Approx(168.36).epsilon(0.001));
  const double attention = 2 * 3072.0 * 1536 + 2 * 3072.0 * 256;
  const double mamba = 3072.0 * (2 * 3072 + 2 * 256 + 24) + 3072.0 * 3072 + 4.0 * (3072 + 512) + 3 * 24 + 3072;
  REQUIRE(e.params == 44 * (attention + mamba + 3.0 * 3072 * 12288) + 2 * 130048.0 * 3072 + (2.0 * 3072 * 88 + 3072));
}

TEST_CASE("Zamba2-2.7B: two shared blocks serve nine layers; the real config's fields all read", "[families][presets]") {
  const ModelConfig m = load_model("zamba2-2.7b");
  REQUIRE(m.warnings.empty());
  REQUIRE((m.head_dim == 160 && m.mamba2_heads == 80 && m.mamba2_head_dim == 64));
  const Estimate e = estimate_of(m, 4096);
  // Nine uses, each with its own K/V: 32 KV heads × (160 + 160) × 2 B.
  REQUIRE(e.kv.bytes_per_token == 9.0 * 32 * 320 * 2);
  REQUIRE(e.kv.state_bytes_per_sequence == 54 * mamba2_state(80, 64, 64, 1));
  // 54 Mamba-2 mixers of 5120 channels; 2 stored blocks (q/k/v from 5120 to 5120, o 5120 → 2560,
  // gated MLP 3·2560·10240, norms); per use the linear 2560² and the MLP adapter 2560·128 + 128·20480;
  // one tied 32000 × 2560 matrix; the norms the layer stack counts (2·2560 per slot + 2560).
  const double mamba = 2560.0 * (2 * 5120 + 2 * 64 + 80) + 5120.0 * 2560 + 4.0 * (5120 + 128) + 3 * 80 + 5120;
  const double block = 5120.0 * 3 * 5120 + 5120.0 * 2560 + 3.0 * 2560 * 10240 + 3 * 2560;
  const double per_use = 2560.0 * 2560 + (2560.0 * 128 + 128.0 * 20480);
  const double params = 54 * mamba + 2 * block + 9 * per_use + 32000.0 * 2560 + (2.0 * 2560 * 63 + 2560);
  REQUIRE(e.params == params);
  REQUIRE(e.params == Approx(2.662e9).epsilon(0.001));  // 2.66B; the technical report rounds it to 2.7B
  // An --attn stack of its own replaces the layers the blocks served: counted as given, nothing
  // subtracted (subtracting 63 dense layers from two stored blocks made the count negative).
  DesignChoice own;
  own.attn = "dense";
  Workload w;
  w.ctx = 1;
  const Design d = make_design(m, own);
  const Estimate dense = estimate(m, d, w, load_gpu("h200"));
  REQUIRE(dense.loaded.shared_block_params == 0);
  REQUIRE(dense.params == model_params(m, d));
  REQUIRE(dense.loaded.lines.at(0).find("not applied") != std::string::npos);
}

TEST_CASE("the hybrid families' published field lists read without a warning", "[families]") {
  // Keys of the configs on the models' Hugging Face pages that the readers did not know, each a
  // warning before (Zamba2-2.7B-Instruct-v2, Falcon-H1 and Granite-4.0-H configs): their meaning
  // is now read or checked.
  json z = json::parse(R"({"model_type": "zamba2", "hidden_size": 256, "num_hidden_layers": 6, "num_attention_heads": 4, "num_key_value_heads": 4,
      "num_query_groups": 4, "attention_hidden_size": 512, "attention_head_dim": 128, "kv_channels": 64, "ffn_hidden_size": 512,
      "intermediate_size": 512, "hybrid_layer_ids": [1, 4], "layers_block_type": ["mamba", "hybrid", "mamba", "mamba", "hybrid", "mamba"],
      "mamba_headdim": 64, "n_mamba_heads": 8, "mamba_ngroups": 1, "mamba_d_state": 16, "use_mem_eff_path": false, "vocab_size": 1000,
      "torch_dtype": "bfloat16"})");
  const ModelConfig zm = model_from_json(z, "zamba2");
  REQUIRE(zm.warnings.empty());
  REQUIRE((zm.head_dim == 128 && zm.mamba2_head_dim == 64 && zm.layers == 8));
  // kv_channels (hidden / heads) is not the head dim: without attention_head_dim, 512 / 4 = 128.
  z.erase("attention_head_dim");
  REQUIRE(model_from_json(z, "zamba2").head_dim == 128);
  // hybrid_layer_ids alone places the blocks; disagreeing with layers_block_type is refused.
  json ids_only = z;
  ids_only.erase("layers_block_type");
  REQUIRE(model_from_json(ids_only, "zamba2").attn == zm.attn);
  z["hybrid_layer_ids"] = {1, 3};
  REQUIRE_THROWS_WITH(model_from_json(z, "zamba2"), Catch::Contains("place the shared blocks differently"));
  z["hybrid_layer_ids"] = {1, 4};
  z["attention_head_dim"] = 96;
  REQUIRE_THROWS_WITH(model_from_json(z, "zamba2"), Catch::Contains("do not make attention_hidden_size 512"));
  z.erase("attention_head_dim");
  z["num_query_groups"] = 2;
  REQUIRE(model_from_json(z, "zamba2").warnings.at(0).find("num_query_groups 2") != std::string::npos);

  json f = json::parse(R"({"model_type": "falcon_h1", "hidden_size": 256, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
      "head_dim": 64, "intermediate_size": 512, "vocab_size": 1000, "mamba_d_ssm": 512, "mamba_n_heads": 8, "mamba_d_head": 64,
      "mamba_use_mlp": true, "attn_layer_indices": null, "mlp_expansion_factor": 8, "expansion_factor": 1.5, "add_bos_token": false,
      "torch_dtype": "bfloat16"})");
  REQUIRE(model_from_json(f, "falcon-h1").warnings.empty());
  f["attn_layer_indices"] = {0};
  f["mamba_use_mlp"] = false;
  const ModelConfig fm = model_from_json(f, "falcon-h1");
  REQUIRE(fm.warnings.size() == 2);
  REQUIRE(fm.warnings[0].find("attn_layer_indices") != std::string::npos);

  const json g = {{"model_type", "granitemoehybrid"}, {"num_hidden_layers", 2}, {"hidden_size", 256}, {"num_attention_heads", 4},
                  {"num_key_value_heads", 2}, {"vocab_size", 1000}, {"intermediate_size", 512}, {"shared_intermediate_size", 512},
                  {"num_local_experts", 0}, {"layer_types", {"mamba", "attention"}}, {"mamba_n_heads", 8}, {"init_method", "mup"},
                  {"normalization_function", "rmsnorm"}, {"torch_dtype", "bfloat16"}};
  REQUIRE(model_from_json(g, "granite").warnings.empty());
}

TEST_CASE("MiniMax-Text-01: 70 lightning layers and 10 softmax ones, 456B as published", "[families][presets]") {
  const ModelConfig m = load_model("minimax-text-01");
  REQUIRE(m.warnings.empty());
  REQUIRE(m.attn == "lightning*7/dense");
  const Estimate e = estimate_of(m, 1000000);
  // 10 softmax layers × 8 KV heads × (128 + 128) × 2 B: 40 KiB per token, a million tokens in 38 GiB.
  REQUIRE(e.kv.bytes_per_token == 10.0 * 8 * 256 * 2);
  // 70 lightning layers, one 128 × 128 bf16 state per head.
  REQUIRE(e.kv.state_bytes_per_sequence == 70.0 * 64 * 128 * 128 * 2);
  const double lightning = 4 * 6144.0 * 8192 + 8192.0 * 6144 + 8192, softmax = 2 * 6144.0 * 8192 + 2 * 6144.0 * 1024;
  const double moe = 32 * 3.0 * 6144 * 9216 + 6144.0 * 32;
  const double params = 70 * lightning + 10 * softmax + 80 * moe + 2 * 200064.0 * 6144 + (2.0 * 6144 * 80 + 6144);
  REQUIRE(e.params == params);
  // The model card's 456B: 456.09B with 8 KV heads (the count the preset assumes); 64 (MHA) would
  // make it 456.97B.
  REQUIRE(e.params == Approx(456e9).epsilon(0.001));
  REQUIRE(params + 10 * 2 * 6144.0 * (8192 - 1024) == Approx(456.97e9).epsilon(0.0001));
}

TEST_CASE("a MoE config that names no top-k routes each token to 2 experts (MixtralConfig's default)", "[families]") {
  // transformers' MixtralConfig: num_experts_per_tok = 2 unless given.
  json t = {{"model_type", "mixtral"}, {"num_hidden_layers", 2}, {"hidden_size", 256}, {"num_attention_heads", 4},
            {"num_key_value_heads", 2}, {"vocab_size", 1000}, {"intermediate_size", 512}, {"num_local_experts", 8}, {"torch_dtype", "bfloat16"}};
  REQUIRE(model_from_json(t, "mixtral").experts_active == 2);
  t["num_experts_per_tok"] = 3;
  REQUIRE(model_from_json(t, "mixtral").experts_active == 3);
}
