// Reading the fields of one JSON object of a config.json, remembering which keys were read.
#include "model/hf_fields.h"

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"
#include "model/json_input.h"

namespace attncost {

using nlohmann::json;

const std::set<std::string>& cost_neutral_keys() {
  static const std::set<std::string> keys = {
      "architectures", "auto_map", "bos_token_id", "eos_token_id", "pad_token_id", "sep_token_id", "decoder_start_token_id",
      "initializer_range", "initializer_factor", "rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon", "norm_eps", "layernorm_epsilon",
      "attention_dropout", "hidden_dropout", "dropout", "embd_pdrop", "resid_pdrop", "attn_pdrop", "activation_dropout", "hidden_dropout_prob",
      "attention_probs_dropout_prob", "classifier_dropout", "rope_theta", "rope_scaling", "rope_parameters", "rope_local_base_freq",
      "rope_interleave", "partial_rotary_factor", "rotary_pct", "rotary_emb_base", "max_position_embeddings", "original_max_position_embeddings",
      "transformers_version", "use_cache", "hidden_act", "hidden_activation", "activation_function", "attention_bias", "mlp_bias", "use_bias",
      "use_conv_bias", "bias", "output_router_logits", "router_aux_loss_coef", "router_z_loss_coef", "norm_topk_prob", "scoring_func",
      "topk_method", "n_group", "topk_group", "routed_scaling_factor", "router_jitter_noise", "aux_loss_alpha", "seq_aux",
      "attn_logit_softcapping", "final_logit_softcapping", "query_pre_attn_scalar", "use_qk_norm", "qk_layernorm", "attn_temperature_tuning",
      "floor_scale", "attn_scale", "cache_implementation", "time_step_limit", "time_step_min", "time_step_max", "time_step_floor",
      "time_step_rank", "time_step_init_scheme", "time_step_scale", "mamba_hidden_act", "mamba_proj_bias", "mamba_conv_bias",
      "mamba_dt_proj_bias", "mamba_inner_layernorms", "rescale_prenorm_residual", "residual_in_fp32", "use_mamba_kernels", "num_logits_to_keep",
      "chunk_size", "swiglu_limit", "initial_context_length", "ep_size", "num_nextn_predict_layers", "mtp_num_hidden_layers",
      "mtp_use_dedicated_embeddings", "torchscript", "return_dict", "output_hidden_states", "output_attentions", "tokenizer_class",
      "mm_tokens_per_image", "boi_token_index", "eoi_token_index", "image_token_index", "image_token_id", "video_token_id", "audio_token_id",
      "vision_start_token_id", "vision_end_token_id", "vision_token_id", "boi_token_id", "eoi_token_id", "spatial_merge_size",
      "multimodal_projector_bias", "projector_hidden_act", "vision_feature_layer", "vision_feature_select_strategy",
      "use_bidirectional_attention", "attention_value_scale", "swa_rope_theta", "attn_type_list", "pretraining_tp", "is_llama_config",
      "quantization", "_name_or_path", "name_or_path", "model_name", "use_return_dict", "tie_encoder_decoder", "is_encoder_decoder",
      "logits_scaling", "embedding_multiplier", "residual_multiplier", "attention_multiplier", "emb_pdrop", "use_sliding_window",
      "max_window_layers", "sliding_window_size", "mrope_section", "mrope_interleaved", "layer_scaling", "no_rope_layer_interval",
      "attention_chunk_size", "interleave_moe_layer_step", "hidden_size_per_layer_input", "num_kv_shared_layers", "use_double_wide_mlp",
      "vocab_size_per_layer_input", "enable_moe_block", "add_full_attention_sink_bias", "add_swa_attention_sink_bias", "kv_lora_rank",
      "text_config", "vision_config", "audio_config", "model_type", "torch_dtype", "dtype", "attncost", "multi_query", "new_decoder_architecture",
      "parallel_attn", "alibi", "router_dtype", "moe_router_dtype", "moe_aux_loss_coeff", "moe_z_loss_coeff", "image_size", "patch_size",
      "vision_use_head", "num_channels", "rope_type", "yarn_factor", "sliding_window_pattern", "layer_types", "boa_token_id",
      "eoa_token_id", "boa_token_index", "eoa_token_index", "vision_soft_tokens_per_image", "audio_soft_tokens_per_image",
      "image_token_index", "video_token_index", "audio_token_index",
      // Generation defaults and bookkeeping that transformers < 4.40 serialised into nested configs.
      "add_cross_attention", "bad_words_ids", "begin_suppress_tokens", "chunk_size_feed_forward", "cross_attention_hidden_size",
      "diversity_penalty", "do_sample", "early_stopping", "encoder_no_repeat_ngram_size", "exponential_decay_length_penalty",
      "finetuning_task", "forced_bos_token_id", "forced_eos_token_id", "id2label", "label2id", "is_decoder", "length_penalty",
      "max_length", "min_length", "no_repeat_ngram_size", "num_beam_groups", "num_beams", "num_return_sequences", "output_scores",
      "prefix", "problem_type", "pruned_heads", "remove_invalid_values", "repetition_penalty", "return_dict_in_generate",
      "suppress_tokens", "task_specific_params", "temperature", "tf_legacy_loss", "top_k", "top_p", "typical_p", "use_bfloat16",
      "ignore_index", "model_max_length",
      // Initialisation, norms and multipliers of newer families (LFM2, MiniMax, GLM, Step, Kimi, Falcon-H1, Zamba2, Granite).
      "block_mlp_init_scale", "block_norm_eps", "block_out_init_scale", "block_use_xavier_init", "conv_use_xavier_init", "use_pos_enc",
      "conv_bias", "rotary_dim", "qk_norm_type", "use_routing_bias", "scoring_func", "indexer_rope_interleave", "qkv_bias", "use_mrope",
      "use_moe_router_bias", "moe_router_scaling_factor", "moe_renormalize", "moe_router_activation_func", "num_expert_group",
      "use_grouped_topk", "mla_use_nope", "swiglu_alpha", "use_gemma_norm", "moe_shared_expert_overlap", "activation_situ_beta",
      "activation_situ_linear_beta", "lm_head_multiplier", "mlp_multipliers", "key_multiplier", "attention_out_multiplier",
      "attention_in_multiplier", "ssm_multipliers", "ssm_in_multiplier", "ssm_out_multiplier", "projectors_bias", "mamba_norm_before_gate",
      "mamba_rms_norm", "mamba_chunk_size", "mamba_conv_bias", "position_embedding_type", "use_mem_rope", "use_long_context",
      "add_bias_linear", "layernorm_full_attention_alpha", "layernorm_full_attention_beta", "layernorm_linear_attention_alpha",
      "layernorm_linear_attention_beta", "layernorm_mlp_alpha", "layernorm_mlp_beta", "full_attn_alpha_factor", "full_attn_beta_factor",
      "linear_attn_alpha_factor", "linear_attn_beta_factor", "mlp_alpha_factor", "mlp_beta_factor", "postnorm", "block_size",
      "shared_moe_mode", "use_qk_norm_in_gdn", "media_placeholder_token_id", "image_placeholder", "video_placeholder",
      "use_unified_vision_chunk", "do_image_splitting", "encoder_patch_size", "max_image_tokens", "max_num_patches",
      "max_pixels_tolerance", "max_tiles", "min_image_tokens", "min_tiles", "projector_bias", "tile_size", "use_image_special_tokens",
      "use_thumbnail", "num_mem_blocks_rope", "time_step_floor",
      // Training and kernel switches of the hybrid families' published configs: Zamba2's
      // use_mem_eff_path (a fused Mamba path), Granite-4.0-H's init_method and
      // normalization_function (rmsnorm in every release), Falcon-H1's add_bos_token (the
      // tokenizer's) and its expansion_factor / mlp_expansion_factor (muP bookkeeping: the MLP is
      // intermediate_size wide, e.g. 2048 beside mlp_expansion_factor 8 at hidden 1024).
      "use_mem_eff_path", "init_method", "normalization_function", "add_bos_token", "expansion_factor", "mlp_expansion_factor",
  };
  return keys;
}

Fields::Fields(const json& j, std::string what, const json* defaults) : j_(j), what_(std::move(what)), defaults_(defaults) {}

namespace {

// Names of one quantity in the configs of different families (GPT-2's n_layer is Llama's
// num_hidden_layers). Other lists given to find() are fallbacks (dense_intermediate_size, else
// intermediate_size), which may differ.
bool same_quantity(const char* a, const char* b) {
  static const std::vector<std::set<std::string>> groups = {
      {"num_hidden_layers", "n_layer", "num_layers", "n_layers"},
      {"num_attention_heads", "n_head", "n_heads", "num_heads"},
      {"hidden_size", "n_embd", "d_model"},
      {"max_position_embeddings", "n_positions", "max_seq_len", "seq_length"},
  };
  for (const auto& g : groups)
    if (g.count(a) && g.count(b)) return true;
  return false;
}

}  // namespace

const json* Fields::peek(const char* key) const {
  const auto it = j_.find(key);
  return it == j_.end() ? nullptr : &*it;
}

const json* Fields::find(std::initializer_list<const char*> keys) {
  const json* found = nullptr;
  const char* found_key = nullptr;
  for (const char* k : keys) {
    auto it = j_.find(k);
    if (it != j_.end()) read_.insert(k);
    if (it == j_.end() || it->is_null()) continue;
    if (!found) {
      found = &*it, found_key = k;
    } else if (*it != *found && same_quantity(found_key, k)) {
      // Two names of one quantity (num_hidden_layers and n_layer) that disagree: which one the
      // model has is not ours to guess.
      throw InputError(fmt::format("{}: fields '{}' ({}) and '{}' ({}) name the same quantity and disagree", what_, found_key, json_brief(*found), k,
                                   json_brief(*it)));
    }
  }
  if (found || !defaults_) return found;
  for (const char* k : keys)
    if (auto it = defaults_->find(k); it != defaults_->end() && !it->is_null()) return &*it;
  return nullptr;
}

int64_t Fields::integer(std::initializer_list<const char*> keys, int64_t fallback, bool required) {
  const json* v = find(keys);
  if (!v) {
    if (required) throw InputError(fmt::format("{}: missing field '{}'", what_, *keys.begin()));
    return fallback;
  }
  const std::string key = key_of(v, keys);
  const int64_t n = as_integer(*v, key);
  // Expert counts, windows, periods and intervals are never negative; read as one, a negative
  // value would silently become a size. (Indices such as vision_feature_layer = -1 count from the
  // end, and other fields have checks of their own that name them.)
  if (n < 0)
    for (const char* word : {"expert", "window", "interval", "period"})
      if (key.find(word) != std::string::npos) throw InputError(fmt::format("{}: {} must not be negative, got {}", what_, key, n));
  return n;
}

std::string Fields::key_of(const json* v, std::initializer_list<const char*> keys) const {
  for (const char* k : keys)
    if (auto it = j_.find(k); it != j_.end() && &*it == v) return k;
  return *keys.begin();
}

int64_t Fields::as_integer(const json& v, const std::string& key) const {
  // Range first: converting an out-of-range double to an integer is undefined behaviour (found by
  // the config.json fuzzer with 1.2e123), and a huge unsigned value would wrap.
  constexpr double kLimit = 4611686018427387904.0;  // 2^62
  const auto out_of_range = [&] { return InputError(fmt::format("{}: field '{}' = {} is out of range", what_, key, json_brief(v))); };
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(kLimit)) throw out_of_range();
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double x = v.get<double>();
    if (!(std::fabs(x) < kLimit)) throw out_of_range();
    if (x == std::floor(x)) return static_cast<int64_t>(x);
  }
  throw InputError(fmt::format("{}: field '{}' must be an integer, got {}", what_, key, json_brief(v)));
}

double Fields::number(const char* key, double fallback) {
  const json* v = find({key});
  if (!v) return fallback;
  if (!v->is_number() || !std::isfinite(v->get<double>()))
    throw InputError(fmt::format("{}: field '{}' must be a finite number, got {}", what_, key, json_brief(*v)));
  return v->get<double>();
}

bool Fields::boolean(const char* key, bool fallback) {
  const json* v = find({key});
  if (!v) return fallback;
  if (!v->is_boolean()) throw InputError(fmt::format("{}: field '{}' must be true or false, got {}", what_, key, json_brief(*v)));
  return v->get<bool>();
}

std::string Fields::text(std::initializer_list<const char*> keys, const std::string& fallback) {
  const json* v = find(keys);
  if (!v) return fallback;
  if (!v->is_string()) throw InputError(fmt::format("{}: field '{}' must be a string, got {}", what_, key_of(v, keys), json_brief(*v)));
  return v->get<std::string>();
}

const json* Fields::list(const char* key) {
  const json* v = find({key});
  if (v && !v->is_array()) throw InputError(fmt::format("{}: field '{}' must be a list, got {}", what_, key, json_brief(*v)));
  return v;
}

const json* Fields::object(const char* key) {
  const json* v = find({key});
  if (v && !v->is_object()) throw InputError(fmt::format("{}: field '{}' must be an object, got {}", what_, key, json_brief(*v)));
  return v;
}

std::vector<std::string> Fields::unread() const {
  std::vector<std::string> out;
  for (const auto& [key, value] : j_.items()) {
    (void)value;
    if (read_.count(key) == 0 && cost_neutral_keys().count(key) == 0) out.push_back(key);
  }
  return out;
}

void check_layer_list(size_t size, int64_t layers, const char* key, const std::string& what) {
  if (size > kMaxLayerList) throw InputError(fmt::format("{}: field '{}' has {} entries (at most {})", what, key, size, kMaxLayerList));
  if (static_cast<int64_t>(size) != layers)
    throw InputError(fmt::format("{}: field '{}' has {} entries for {} layers", what, key, size, layers));
}

}  // namespace attncost
