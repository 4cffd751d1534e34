// Loading Hugging Face config.json files: field spellings across families, the model's own
// attention derived from its fields, and errors naming the field.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "model/error.h"
#include "model/model_config.h"

using namespace attncost;
using nlohmann::json;

namespace {
ModelConfig load(const json& j) { return model_from_json(j, "config.json"); }
std::string error_of(const json& j) {
  try {
    load(j);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
json llama() {
  return {{"model_type", "llama"}, {"num_hidden_layers", 32}, {"num_attention_heads", 32}, {"hidden_size", 4096},
          {"intermediate_size", 11008}, {"vocab_size", 32000}, {"torch_dtype", "float16"}};
}
}  // namespace

TEST_CASE("a Llama config defaults to MHA, head dim hidden/heads, dense attention", "[config]") {
  const ModelConfig m = load(llama());
  REQUIRE(m.kv_heads == 32);
  REQUIRE(m.head_dim == 128);
  REQUIRE(m.attn == "dense");
  REQUIRE(m.dtype == Dtype::fp16);
  REQUIRE(m.gated_mlp);
}

TEST_CASE("sliding_window, head_dim and Gemma-2's alternation become the default pattern", "[config]") {
  json j = llama();
  j["sliding_window"] = 4096;
  REQUIRE(load(j).attn == "window:4096");
  j["use_sliding_window"] = false;  // Qwen2: the window is configured but off
  REQUIRE(load(j).attn == "dense");
  j = llama();
  j["model_type"] = "gemma2", j["sliding_window"] = 4096, j["head_dim"] = 256;
  const ModelConfig g = load(j);
  REQUIRE(g.attn == "window:4096/dense");
  REQUIRE(g.head_dim == 256);
}

TEST_CASE("MLA fields give DeepSeek's latent cache and per-head widths", "[config]") {
  json j = llama();
  j["kv_lora_rank"] = 512, j["qk_rope_head_dim"] = 64, j["qk_nope_head_dim"] = 128, j["v_head_dim"] = 128;
  const ModelConfig m = load(j);
  REQUIRE(m.is_mla());
  REQUIRE(m.head_dim == 192);
  REQUIRE(m.v_head_dim == 128);
}

TEST_CASE("Falcon and GPT-2 spellings load", "[config]") {
  const json falcon = {{"model_type", "falcon"}, {"num_hidden_layers", 32}, {"num_attention_heads", 71},
                       {"hidden_size", 4544}, {"vocab_size", 65024}, {"multi_query", true}, {"torch_dtype", "bfloat16"}};
  const ModelConfig f = load(falcon);
  REQUIRE(f.kv_heads == 1);
  REQUIRE(f.ffn == 4 * 4544);
  REQUIRE_FALSE(f.gated_mlp);
  const json gpt2 = {{"model_type", "gpt2"}, {"n_layer", 12}, {"n_head", 12}, {"n_embd", 768}, {"vocab_size", 50257}};
  REQUIRE(load(gpt2).layers == 12);
}

TEST_CASE("Jamba's attention period becomes an SSM stack", "[config]") {
  json j = llama();
  j["attn_layer_period"] = 8, j["attn_layer_offset"] = 4, j["mamba_d_state"] = 16;
  REQUIRE(load(j).attn == "ssm:16*4/dense/ssm:16*3");
}

TEST_CASE("bad configs name the field", "[config]") {
  json j = llama();
  j.erase("num_hidden_layers");
  REQUIRE(error_of(j) == "config.json: missing field 'num_hidden_layers'");
  j = llama();
  j["num_attention_heads"] = "32";
  REQUIRE(error_of(j) == "config.json: field 'num_attention_heads' must be an integer, got \"32\"");
  j = llama();
  j["num_key_value_heads"] = 5;
  REQUIRE(error_of(j).find("32 heads are not divisible by 5 kv heads") != std::string::npos);
  j = llama();
  j["hidden_size"] = 0;
  REQUIRE(error_of(j).find("hidden size must be positive, got 0") != std::string::npos);
  j = llama();
  j["torch_dtype"] = "float64";
  REQUIRE(error_of(j).find("unknown dtype 'float64'") != std::string::npos);
  REQUIRE(error_of(json::array()).find("expected a JSON object") != std::string::npos);
  j = llama();
  j["mamba_expand"] = -3;  // found by tests/fuzz/fuzz_model_config: negative parameter counts
  REQUIRE(error_of(j).find("mamba_expand must be positive, got -3") != std::string::npos);
  j = llama();
  j["intermediate_size"] = 1.2e123;  // found by the fuzzer: undefined float → integer conversion
  REQUIRE(error_of(j).find("field 'intermediate_size' = 1.2e+123 is out of range") != std::string::npos);
  j = llama();
  j["vocab_size"] = 18446744073709551615u;
  REQUIRE(error_of(j).find("field 'vocab_size' = 18446744073709551615 is out of range") != std::string::npos);
  j = llama();
  j["hidden_size"] = 4096.0;  // an integral float is an integer
  REQUIRE(error_of(j).empty());
  j = llama();
  j["kv_lora_rank"] = -1;
  REQUIRE(error_of(j).find("kv_lora_rank must not be negative") != std::string::npos);
  j = llama();
  j["num_local_experts"] = 4, j["expert_layer_offset"] = -2;
  REQUIRE(error_of(j).find("expert_layer_offset must not be negative") != std::string::npos);
}
