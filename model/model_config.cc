#include "model/model_config.h"

#include <cmath>
#include <initializer_list>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"

namespace attncost {

int64_t ModelConfig::moe_layers() const {
  if (experts == 0) return 0;
  int64_t count = 0;
  for (const FfnStack::Use& u : ffn_layers.uses(static_cast<uint64_t>(layers)))
    if (u.layer.kind == FfnKind::moe) count += static_cast<int64_t>(u.layers);
  return count;
}

void validate_model(const ModelConfig& m) {
  // Every size is an integer in [lowest, 2^40]: positive for shapes, non-negative for optional parts.
  auto in_range = [&](int64_t v, const char* field, int64_t lowest) {
    if (v < lowest)
      throw InputError(fmt::format("model '{}': {} must {}, got {}", m.name, field, lowest > 0 ? "be positive" : "not be negative", v));
    if (v > (int64_t{1} << 40)) throw InputError(fmt::format("model '{}': {} = {} is beyond 2^40", m.name, field, v));
  };
  auto positive = [&](int64_t v, const char* field) { in_range(v, field, 1); };
  auto non_negative = [&](int64_t v, const char* field) { in_range(v, field, 0); };
  positive(m.layers, "layers");
  positive(m.hidden, "hidden size");
  positive(m.heads, "heads");
  positive(m.kv_heads, "kv heads");
  positive(m.head_dim, "head dim");
  positive(m.v_head_dim, "value head dim");
  positive(m.ffn, "ffn size");
  positive(m.vocab, "vocab size");
  non_negative(m.kv_lora_rank, "kv_lora_rank");
  non_negative(m.q_lora_rank, "q_lora_rank");
  non_negative(m.qk_rope_head_dim, "qk_rope_head_dim");
  non_negative(m.experts, "number of experts");
  non_negative(m.shared_experts, "shared experts");
  non_negative(m.ssm_dt_rank, "mamba_dt_rank");
  positive(m.ssm_expand, "mamba_expand");
  positive(m.ssm_conv, "mamba_d_conv");
  non_negative(m.shared_expert_ffn, "shared expert width");
  non_negative(m.mamba2_heads, "mamba_num_heads");
  positive(m.mamba2_head_dim, "mamba_head_dim");
  positive(m.mamba2_groups, "n_groups");
  positive(m.mamba2_state, "ssm_state_size");
  non_negative(m.deltanet_key_heads, "linear_num_key_heads");
  non_negative(m.deltanet_value_heads, "linear_num_value_heads");
  non_negative(m.deltanet_key_dim, "linear_key_head_dim");
  non_negative(m.deltanet_value_dim, "linear_value_head_dim");
  positive(m.deltanet_conv, "linear_conv_kernel_dim");
  positive(m.shortconv_kernel, "conv_L_cache");
  non_negative(m.shortconv_dim, "conv_dim");
  non_negative(m.mtp_modules, "MTP modules");
  non_negative(m.shared_blocks, "num_mem_blocks");
  positive(m.indexer_heads, "index_n_heads");
  positive(m.indexer_head_dim, "index_head_dim");
  for (const FfnStack::Use& u : m.ffn_layers.uses(static_cast<uint64_t>(m.layers))) {
    if (u.layer.kind == FfnKind::moe && m.experts == 0)
      throw InputError(fmt::format("model '{}': {} layers have an MoE block but the model names no experts", m.name, u.layers));
    non_negative(u.layer.width, "MLP width of a layer");
  }
  if (m.is_mla() && m.qk_rope_head_dim >= m.head_dim)
    throw InputError(fmt::format("model '{}': qk_rope_head_dim {} must be smaller than the key head dim {}", m.name, m.qk_rope_head_dim, m.head_dim));
  if (m.heads % m.kv_heads != 0)
    throw InputError(fmt::format("model '{}': {} heads are not divisible by {} kv heads", m.name, m.heads, m.kv_heads));
  if (m.experts > 0) {
    positive(m.experts_active, "experts per token");
    positive(m.expert_ffn, "expert ffn size");
    if (m.experts_active > m.experts)
      throw InputError(fmt::format("model '{}': {} experts per token exceed {} experts", m.name, m.experts_active, m.experts));
  }
}

}  // namespace attncost
