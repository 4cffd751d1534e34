// What a model is: its shape, as read from a Hugging Face config.json or a built-in preset
// (presets are config.json files too, with an "attncost" block naming the source).
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "model/dtype.h"

namespace attncost {

struct ModelConfig {
  std::string name;
  std::string source;          // where the numbers come from (preset) or the file path
  std::string origin;          // the --model argument (and overrides) that reproduce this model
  int64_t layers = 0;
  int64_t heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;        // per-head query/key width d_k (MLA: nope + rope)
  int64_t v_head_dim = 0;      // per-head value width d_v
  int64_t hidden = 0;
  int64_t ffn = 0;             // dense MLP width
  int64_t vocab = 0;
  Dtype dtype = Dtype::fp16;
  bool gated_mlp = true;       // SwiGLU/GeGLU (3 matrices) vs GELU/ReLU (2)
  bool tied_embeddings = false;

  // Multi-head latent attention (DeepSeek-V2); kv_lora_rank = 0 means the model has none.
  int64_t kv_lora_rank = 0;
  int64_t q_lora_rank = 0;
  int64_t qk_rope_head_dim = 0;

  // Mixture of experts; experts = 0 means every MLP is dense.
  int64_t experts = 0;
  int64_t experts_active = 0;
  int64_t expert_ffn = 0;
  int64_t shared_experts = 0;
  int64_t first_dense_layers = 0;  // DeepSeek's first_k_dense_replace
  int64_t moe_period = 1;          // every moe_period-th layer is MoE (Jamba: 2) ...
  int64_t moe_offset = 0;          // ... starting at this layer

  // Mamba mixer shape, used by `ssm` layers.
  int64_t ssm_expand = 2;
  int64_t ssm_conv = 4;
  int64_t ssm_dt_rank = 0;         // 0 = ⌈hidden/16⌉

  std::string attn = "dense";      // the model's own attention pattern (--attn grammar)
  double published_params = 0;     // parameter count its authors state, where known

  int64_t dt_rank() const { return ssm_dt_rank > 0 ? ssm_dt_rank : (hidden + 15) / 16; }
  bool is_mla() const { return kv_lora_rank > 0; }
  // Number of layers whose MLP is a mixture of experts.
  int64_t moe_layers() const;
};

// Reads a Hugging Face config.json (or a preset). `what` names the input in errors.
// Throws InputError on a missing or invalid field.
ModelConfig model_from_json(const nlohmann::json& j, const std::string& what);

// Checks shapes (positive sizes, heads divisible by kv heads, ...). Throws InputError.
void validate_model(const ModelConfig& m);

}  // namespace attncost
