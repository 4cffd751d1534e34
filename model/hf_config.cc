// Reading a Hugging Face config.json (or a preset, which is one too) into a ModelConfig. One pass
// over the fields of every family attncost knows, tracking which keys it read: a key that is
// neither read nor known to leave every cost unchanged becomes a one-line warning, so that
// silence means "understood".
#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/attn_spec.h"
#include "model/error.h"
#include "model/model_config.h"

namespace attncost {
namespace {

using nlohmann::json;

// Keys that change no cost attncost computes (token ids, initialisation, dropout, norms' epsilon,
// position-encoding parameters, activation names of gated MLPs, router losses, ...).
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
  };
  return keys;
}

// Architectures whose MLP is plain two-matrix (GELU/ReLU) rather than gated.
bool plain_mlp_architecture(const std::string& model_type) {
  return model_type == "opt" || model_type == "falcon" || model_type == "gpt2" || model_type == "gpt3" || model_type == "RefinedWeb" ||
         model_type == "RefinedWebModel" || model_type == "gpt_neox" || model_type == "bloom" || model_type == "starcoder2";
}

// Reads fields of one JSON object and remembers which it read.
class Fields {
 public:
  Fields(const json& j, std::string what) : j_(j), what_(std::move(what)) {}

  // The first of `keys` present and not null; every alias present counts as read.
  const json* find(std::initializer_list<const char*> keys) {
    const json* found = nullptr;
    for (const char* k : keys) {
      auto it = j_.find(k);
      if (it != j_.end()) read_.insert(k);
      if (!found && it != j_.end() && !it->is_null()) found = &*it;
    }
    return found;
  }
  bool has(const char* key) { return find({key}) != nullptr; }

  int64_t integer(std::initializer_list<const char*> keys, int64_t fallback, bool required = false) {
    const json* v = find(keys);
    if (!v) {
      if (required) throw InputError(fmt::format("{}: missing field '{}'", what_, *keys.begin()));
      return fallback;
    }
    return as_integer(*v, *keys.begin());
  }

  int64_t as_integer(const json& v, const std::string& key) const {
    // Range first: converting an out-of-range double to an integer is undefined behaviour (found by
    // the config.json fuzzer with 1.2e123), and a huge unsigned value would wrap.
    constexpr double kLimit = 4611686018427387904.0;  // 2^62
    const auto out_of_range = [&] { return InputError(fmt::format("{}: field '{}' = {} is out of range", what_, key, v.dump())); };
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
    throw InputError(fmt::format("{}: field '{}' must be an integer, got {}", what_, key, v.dump()));
  }

  bool boolean(const char* key, bool fallback) {
    const json* v = find({key});
    if (!v) return fallback;
    if (!v->is_boolean()) throw InputError(fmt::format("{}: field '{}' must be true or false, got {}", what_, key, v->dump()));
    return v->get<bool>();
  }

  std::string text(std::initializer_list<const char*> keys, const std::string& fallback) {
    const json* v = find(keys);
    if (!v) return fallback;
    if (!v->is_string()) throw InputError(fmt::format("{}: field '{}' must be a string, got {}", what_, *keys.begin(), v->dump()));
    return v->get<std::string>();
  }

  const json* list(const char* key) {
    const json* v = find({key});
    if (v && !v->is_array()) throw InputError(fmt::format("{}: field '{}' must be a list, got {}", what_, key, v->dump()));
    return v;
  }

  // Keys that neither were read nor are known to leave costs unchanged.
  std::vector<std::string> unread() const {
    std::vector<std::string> out;
    for (const auto& [key, value] : j_.items()) {
      (void)value;
      if (read_.count(key) == 0 && cost_neutral_keys().count(key) == 0) out.push_back(key);
    }
    return out;
  }

  const std::string& what() const { return what_; }

 private:
  const json& j_;
  std::string what_;
  std::set<std::string> read_;
};

// A per-layer list must have one entry per layer; a list longer than this is refused before any
// O(layers) work (configs have a few hundred layers at most).
constexpr size_t kMaxLayerList = 16384;

void check_layer_list(size_t size, int64_t layers, const char* key, const std::string& what) {
  if (size > kMaxLayerList) throw InputError(fmt::format("{}: field '{}' has {} entries (at most {})", what, key, size, kMaxLayerList));
  if (static_cast<int64_t>(size) != layers)
    throw InputError(fmt::format("{}: field '{}' has {} entries for {} layers", what, key, size, layers));
}

Pattern parse_single(const std::string& spec) { return parse_attn(spec, "model attention").entries[0].pattern; }

}  // namespace

ModelConfig model_from_json(const json& root, const std::string& what) {
  if (!root.is_object()) throw InputError(fmt::format("{}: expected a JSON object (a Hugging Face config.json)", what));
  ModelConfig m;
  // Multimodal checkpoints (Llama-4, Gemma-3/4, Qwen-VL, Mistral-3) nest the text model.
  const bool nested = root.contains("text_config") && root["text_config"].is_object();
  const json& text = nested ? root["text_config"] : root;
  Fields top(root, what), f(text, nested ? what + ": text_config" : what);

  const json empty = json::object();
  const json& meta = root.contains("attncost") && root["attncost"].is_object() ? root["attncost"] : empty;
  Fields info(meta, what + ": attncost");
  m.name = info.text({"name"}, top.text({"_name_or_path"}, what));
  m.source = info.text({"source"}, what);
  if (const json* p = info.find({"params"}); p && p->is_number()) m.published_params = p->get<double>();
  const std::string model_type = f.text({"model_type"}, top.text({"model_type"}, ""));
  if (nested) (void)top.text({"model_type"}, "");
  const bool gemma3 = model_type == "gemma3_text" || model_type == "gemma3";
  const bool gemma4 = model_type == "gemma4_text" || model_type == "gemma4";
  const bool llama4 = model_type == "llama4_text" || model_type == "llama4";
  const bool qwen_next = model_type == "qwen3_next" || model_type.rfind("qwen3_5", 0) == 0;
  const bool gpt_oss = model_type == "gpt_oss";
  const bool mimo = model_type == "mimo_v2_flash";

  // Defaults of the transformers config classes where a checkpoint omits a field (Gemma-3-4B's
  // text_config names neither its heads nor its vocabulary).
  const int64_t default_heads = gemma3 ? 8 : 0, default_kv = gemma3 ? 4 : 0, default_head_dim = gemma3 ? 256 : 0;
  const int64_t default_vocab = gemma3 ? 262208 : 0;

  m.layers = f.integer({"num_hidden_layers", "n_layer", "num_layers", "n_layers"}, 0, true);
  m.heads = f.integer({"num_attention_heads", "n_head", "n_heads"}, default_heads, default_heads == 0);
  m.hidden = f.integer({"hidden_size", "n_embd", "d_model"}, 0, true);
  const bool multi_query = f.boolean("multi_query", false);
  m.kv_heads = f.integer({"num_key_value_heads", "num_kv_heads", "n_head_kv"}, multi_query ? 1 : default_kv ? default_kv : m.heads);
  // The vocabulary: the text model's, else the checkpoint's, else the family default.
  m.vocab = f.integer({"vocab_size"}, 0);
  if (m.vocab == 0 && nested) m.vocab = top.integer({"vocab_size"}, 0);
  if (m.vocab == 0) m.vocab = default_vocab;
  if (m.vocab == 0) throw InputError(fmt::format("{}: missing field 'vocab_size'", what));
  m.ffn = f.integer({"intermediate_size", "ffn_dim", "n_inner", "ffn_hidden_size"}, 4 * m.hidden);
  // The positions it was trained for (after any RoPE scaling the config declares): memos compare
  // the workloads' contexts with it.
  m.max_position = f.integer({"max_position_embeddings", "n_positions", "max_seq_len", "seq_length"}, 0);
  if (m.max_position == 0 && nested) m.max_position = top.integer({"max_position_embeddings"}, 0);

  m.kv_lora_rank = f.integer({"kv_lora_rank"}, 0);
  m.q_lora_rank = f.integer({"q_lora_rank"}, 0);
  m.qk_rope_head_dim = f.integer({"qk_rope_head_dim"}, 0);
  if (m.is_mla()) {
    const int64_t nope = f.integer({"qk_nope_head_dim"}, 0, true);
    m.head_dim = nope + m.qk_rope_head_dim;
    m.v_head_dim = f.integer({"v_head_dim"}, nope);
  } else {
    m.head_dim = f.integer({"head_dim", "attention_head_dim", "kv_channels"}, default_head_dim ? default_head_dim : m.heads > 0 ? m.hidden / m.heads : 0);
    m.v_head_dim = f.integer({"v_head_dim"}, m.head_dim);
  }

  std::string dtype_text = f.text({"torch_dtype", "dtype"}, "");
  // gpt-oss's config names no dtype; its non-expert weights are bf16 (model card).
  if (dtype_text.empty()) dtype_text = top.text({"torch_dtype", "dtype"}, gpt_oss ? "bfloat16" : "float16");
  m.dtype = parse_dtype(dtype_text, what + ": torch_dtype");
  // Gemma ties its embeddings unless the config says otherwise (Gemma*Config's default).
  const bool tied_default = (plain_mlp_architecture(model_type) && model_type != "gpt3") || gemma3 || gemma4 || model_type == "gemma2" ||
                            model_type == "gemma";
  const bool tied_top = top.boolean("tie_word_embeddings", tied_default);
  m.tied_embeddings = f.boolean("tie_word_embeddings", nested ? tied_top : tied_default);
  const std::string mlp_act = f.text({"mlp_hidden_act"}, "");
  m.gated_mlp = meta.contains("gated_mlp") && meta["gated_mlp"].is_boolean() ? meta["gated_mlp"].get<bool>()
                                                                               : !plain_mlp_architecture(model_type) && mlp_act != "relu2";
  m.attn_output_gate = f.boolean("attn_output_gate", model_type == "qwen3_next");
  m.learned_sinks = gpt_oss || f.boolean("add_swa_attention_sink_bias", false) || f.boolean("add_full_attention_sink_bias", false);

  // Mixture of experts, in the spellings of Mixtral, DeepSeek, Qwen, Llama-4, Jamba, gpt-oss, Gemma-4.
  m.experts = f.integer({"num_local_experts", "n_routed_experts", "num_experts"}, 0);
  if (m.experts > 1) {
    m.experts_active = f.integer({"num_experts_per_tok", "experts_per_token", "top_k_experts", "moe_topk"}, 2);
    m.expert_ffn = f.integer({"moe_intermediate_size", "expert_intermediate_size"}, m.ffn);
    m.shared_experts = f.integer({"n_shared_experts"}, 0);
    const int64_t shared_width = f.integer({"moe_shared_expert_intermediate_size", "shared_expert_intermediate_size"}, 0);
    if (shared_width > 0) {
      m.shared_expert_ffn = shared_width;
      if (m.shared_experts == 0) m.shared_experts = 1;  // Qwen's one shared expert, gated
    }
    if (llama4) {  // Llama-4: intermediate_size is the expert's, intermediate_size_mlp the dense layers'; one shared expert
      m.expert_ffn = m.ffn;
      m.ffn = f.integer({"intermediate_size_mlp"}, m.ffn);
      m.shared_experts = 1;
    }
    if (gemma4 && f.boolean("enable_moe_block", false)) {  // Gemma-4 MoE: a dense MLP beside the experts, like a shared expert
      m.shared_experts = 1;
      m.shared_expert_ffn = m.ffn;
    }
  } else {
    m.experts = 0;
    (void)f.find({"num_experts_per_tok", "moe_intermediate_size", "expert_intermediate_size", "n_shared_experts", "experts_per_token", "top_k_experts",
                  "moe_shared_expert_intermediate_size", "shared_expert_intermediate_size"});
  }
  (void)f.boolean("enable_moe_block", false);
  if (llama4) (void)f.find({"intermediate_size_mlp"});

  // MoE placement: which layers have experts.
  if (m.experts > 0) {
    const int64_t first_dense = f.integer({"first_k_dense_replace"}, 0);
    const char* period_key = "moe_layer_freq";
    int64_t period = 1, offset = f.integer({"expert_layer_offset"}, 0);
    if (const json* freq = f.find({"moe_layer_freq"}); freq && freq->is_number()) period = f.as_integer(*freq, "moe_layer_freq");
    if (f.has("expert_layer_period")) period = f.integer({"expert_layer_period"}, 1), period_key = "expert_layer_period";
    if (f.has("decoder_sparse_step")) period = f.integer({"decoder_sparse_step"}, 1), offset = period - 1, period_key = "decoder_sparse_step";  // Qwen: (l+1) % step == 0
    if (llama4) period = f.integer({"interleave_moe_layer_step"}, 1), offset = period - 1, period_key = "interleave_moe_layer_step";
    auto bad = [&](const char* key, int64_t v, const char* why) { return InputError(fmt::format("model '{}': {} {}, got {}", m.name, key, why, v)); };
    if (first_dense < 0) throw bad("first_k_dense_replace", first_dense, "must not be negative");
    if (period < 1 || period > static_cast<int64_t>(kMaxLayerList)) throw bad(period_key, period, "must be in [1, 16384]");
    if (offset < 0) throw bad("expert_layer_offset", offset, "must not be negative");
    m.ffn_layers = ffn_stack_from_rule(static_cast<uint64_t>(first_dense), static_cast<uint64_t>(period), static_cast<uint64_t>(offset));
    const json* freq = f.find({"moe_layer_freq"});
    const json* freq_list = freq && freq->is_array() ? freq : nullptr;
    const json* mlp_only = f.list("mlp_only_layers");
    if (freq_list || (mlp_only && !mlp_only->empty())) {  // per-layer lists (MiMo's moe_layer_freq; Qwen's mlp_only_layers)
      if (freq_list) check_layer_list(freq_list->size(), m.layers, "moe_layer_freq", what);
      else if (m.layers > static_cast<int64_t>(kMaxLayerList)) check_layer_list(static_cast<size_t>(m.layers), m.layers, "mlp_only_layers", what);
      std::set<int64_t> dense_only;
      if (mlp_only)
        for (const json& e : *mlp_only) dense_only.insert(f.as_integer(e, "mlp_only_layers"));
      std::vector<FfnLayer> per_layer;
      for (int64_t l = 0; l < m.layers; ++l) {
        const bool moe = freq_list ? f.as_integer((*freq_list)[static_cast<size_t>(l)], "moe_layer_freq") != 0
                                   : l >= first_dense && l >= offset % period && (l - offset % period) % period == 0 && dense_only.count(l) == 0;
        per_layer.push_back(moe ? FfnLayer{FfnKind::moe, 0} : FfnLayer{FfnKind::dense, 0});
      }
      m.ffn_layers = ffn_stack_from_layers(per_layer);
    }
  } else {
    (void)f.find({"first_k_dense_replace", "moe_layer_freq", "expert_layer_period", "expert_layer_offset", "decoder_sparse_step", "mlp_only_layers"});
  }

  // Mamba-1 (Jamba), Mamba-2 (Nemotron-H) and gated DeltaNet (Qwen3-Next/3.5) mixers.
  m.ssm_expand = f.integer({"mamba_expand", "expand"}, 2);
  m.ssm_conv = f.integer({"mamba_d_conv", "conv_kernel"}, 4);
  m.ssm_dt_rank = 0;
  if (const json* r = f.find({"mamba_dt_rank"}); r && r->is_number_integer()) m.ssm_dt_rank = r->get<int64_t>();
  m.mamba2_head_dim = f.integer({"mamba_head_dim"}, 64);
  m.mamba2_heads = f.integer({"mamba_num_heads"}, 0);
  m.mamba2_groups = f.integer({"n_groups", "mamba_n_groups"}, 1);
  m.mamba2_state = f.integer({"ssm_state_size", "mamba_d_state", "state_size"}, 128);
  m.deltanet_key_heads = f.integer({"linear_num_key_heads"}, 0);
  m.deltanet_value_heads = f.integer({"linear_num_value_heads"}, 0);
  m.deltanet_key_dim = f.integer({"linear_key_head_dim"}, 0);
  m.deltanet_value_dim = f.integer({"linear_value_head_dim"}, 0);
  m.deltanet_conv = f.integer({"linear_conv_kernel_dim"}, 4);
  const std::string state_dtype = f.text({"mamba_ssm_dtype", "mamba_ssm_cache_dtype"}, "");
  if (!state_dtype.empty()) m.state_dtype = parse_dtype(state_dtype, what + ": mamba_ssm_dtype");
  m.indexer_heads = f.integer({"index_n_heads"}, 64);
  m.indexer_head_dim = f.integer({"index_head_dim"}, 128);
  const int64_t index_topk = f.integer({"index_topk"}, 0);

  // The layers' token mixers: explicit in a preset, else derived from the config's fields.
  std::string attn = info.text({"attn"}, "");
  const int64_t window = f.integer({"sliding_window"}, 0);
  const bool uses_window = f.boolean("use_sliding_window", true);
  const int64_t chunk = f.integer({"attention_chunk_size"}, 0);
  // Shapes of full layers (Gemma-4) and sliding layers (MiMo) where they differ.
  Pattern full = index_topk > 0 ? parse_single(fmt::format("topk:{}", index_topk)) : Pattern{};
  if (gemma4) {
    const int64_t global_head = f.integer({"global_head_dim"}, 0), global_kv = f.integer({"num_global_key_value_heads"}, 0);
    if (global_head > 0 && global_head != m.head_dim) full.head_dim = static_cast<uint64_t>(global_head);
    if (global_kv > 0 && global_kv != m.kv_heads) full.kv_heads = static_cast<uint64_t>(global_kv);
    full.k_eq_v = f.boolean("attention_k_eq_v", false);
    if (f.integer({"num_kv_shared_layers"}, 0) > 0)
      m.warnings.push_back(fmt::format("{}: num_kv_shared_layers (layers reusing another layer's KV cache) is not understood; each layer is counted with its own cache", f.what()));
    if (f.integer({"hidden_size_per_layer_input"}, 0) > 0)
      m.warnings.push_back(fmt::format("{}: hidden_size_per_layer_input (per-layer embeddings) is not understood; their weights are not counted", f.what()));
    if (f.boolean("use_double_wide_mlp", false))
      m.warnings.push_back(fmt::format("{}: use_double_wide_mlp is not understood; the MLP is counted at intermediate_size", f.what()));
  }
  Pattern sliding;
  sliding.kind = PatternKind::window;
  sliding.window = static_cast<uint64_t>(std::max<int64_t>(window, 1));
  if (mimo) {
    const int64_t swa_kv = f.integer({"swa_num_key_value_heads"}, m.kv_heads), swa_head = f.integer({"swa_head_dim"}, m.head_dim);
    const int64_t swa_v = f.integer({"swa_v_head_dim"}, m.v_head_dim);
    (void)f.integer({"swa_num_attention_heads"}, m.heads);
    if (swa_kv != m.kv_heads) sliding.kv_heads = static_cast<uint64_t>(swa_kv);
    if (swa_head != m.head_dim) sliding.head_dim = static_cast<uint64_t>(swa_head);
    if (swa_v != m.v_head_dim) sliding.v_head_dim = static_cast<uint64_t>(swa_v);
  }
  Pattern chunked;
  chunked.kind = PatternKind::chunk;
  chunked.chunk = static_cast<uint64_t>(std::max<int64_t>(chunk, 1));

  std::vector<Pattern> per_layer;  // filled when the config lists the layers one by one
  if (attn.empty()) {
    if (const json* types = f.list("layer_types")) {
      check_layer_list(types->size(), m.layers, "layer_types", what);
      for (const json& t : *types) {
        const std::string type = t.is_string() ? t.get<std::string>() : t.dump();
        if (type == "full_attention" || type == "attention" || type == "global_attention") per_layer.push_back(full);
        else if (type == "sliding_attention" || type == "sliding_window_attention" || type == "local_attention") per_layer.push_back(sliding);
        else if (type == "chunked_attention") per_layer.push_back(chunked);
        else if (type == "linear_attention") per_layer.push_back(parse_single(qwen_next || m.deltanet_value_heads > 0 ? "deltanet" : "linear"));
        else if (type == "mamba" || type == "mamba2") per_layer.push_back(parse_single(type == "mamba" ? "ssm" : "mamba2"));
        else throw InputError(fmt::format("{}: layer_types holds '{}', which attncost does not know", f.what(), type));
      }
      if (window <= 0)
        for (const Pattern& p : per_layer)
          if (p.kind == PatternKind::window) throw InputError(fmt::format("{}: layer_types has sliding layers but no sliding_window", f.what()));
    } else if (const json* hybrid = f.find({"hybrid_override_pattern"}); hybrid && hybrid->is_string()) {
      // Nemotron-H: M Mamba-2, * attention, - MLP, E MoE; each character one block.
      const std::string pattern = hybrid->get<std::string>();
      check_layer_list(pattern.size(), m.layers, "hybrid_override_pattern", what);
      std::vector<FfnLayer> ffn;
      for (size_t l = 0; l < pattern.size(); ++l) {
        const char c = pattern[l];
        if (c == 'M') per_layer.push_back(parse_single("mamba2")), ffn.push_back({FfnKind::none, 0});
        else if (c == '*') per_layer.push_back(full), ffn.push_back({FfnKind::none, 0});
        else if (c == '-') per_layer.push_back(parse_single("none")), ffn.push_back({FfnKind::dense, 0});
        else if (c == 'E') per_layer.push_back(parse_single("none")), ffn.push_back({FfnKind::moe, 0});
        else throw InputError(fmt::format("{}: hybrid_override_pattern character {} ('{}') is not one of M, *, -, E", what, l + 1, c));
      }
      m.ffn_layers = ffn_stack_from_layers(ffn);
    } else if (const json* mimo_pattern = f.list("hybrid_layer_pattern")) {
      check_layer_list(mimo_pattern->size(), m.layers, "hybrid_layer_pattern", what);  // MiMo: 0 full, 1 sliding
      for (const json& e : *mimo_pattern) per_layer.push_back(f.as_integer(e, "hybrid_layer_pattern") == 0 ? full : sliding);
    } else if (const json* blocks = f.list("block_configs")) {
      // DeciLM (Llama-Nemotron): each layer's attention may be removed or have its own KV heads,
      // and its MLP removed or resized.
      check_layer_list(blocks->size(), m.layers, "block_configs", what);
      std::vector<FfnLayer> ffn;
      for (const json& b : *blocks) {
        const json& a = b.contains("attention") && b["attention"].is_object() ? b["attention"] : empty;
        const json& mlp = b.contains("ffn") && b["ffn"].is_object() ? b["ffn"] : empty;
        Pattern p;
        if ((a.contains("no_op") && a["no_op"] == true) || (a.contains("replace_with_linear") && a["replace_with_linear"] == true)) {
          p.kind = PatternKind::none;
        } else if (a.contains("n_heads_in_group") && a["n_heads_in_group"].is_number_integer() && a["n_heads_in_group"].get<int64_t>() > 0) {
          const int64_t g = a["n_heads_in_group"].get<int64_t>();
          if (m.heads % g != 0) throw InputError(fmt::format("{}: block_configs n_heads_in_group {} does not divide {} heads", what, g, m.heads));
          p.kv_heads = static_cast<uint64_t>(m.heads / g);
        }
        per_layer.push_back(p);
        if ((mlp.contains("no_op") && mlp["no_op"] == true) || (mlp.contains("replace_with_linear") && mlp["replace_with_linear"] == true)) {
          ffn.push_back({FfnKind::none, 0});
        } else if (mlp.contains("ffn_mult") && mlp["ffn_mult"].is_number() && mlp["ffn_mult"].get<double>() > 0 && mlp["ffn_mult"].get<double>() < 1e3) {
          // DeciLM's _ffn_mult_to_intermediate_size: 2/3 · mult · hidden, rounded up to a multiple of 256.
          const double width = 2.0 * mlp["ffn_mult"].get<double>() * static_cast<double>(m.hidden) / 3.0;
          ffn.push_back({FfnKind::dense, static_cast<int64_t>(std::ceil(width / 256) * 256)});
        } else {
          ffn.push_back({FfnKind::dense, 0});
        }
      }
      // The top-level head count of DeciLM is per-layer; the kv heads of the model default to the
      // most common (or the heads when none is given).
      m.ffn_layers = ffn_stack_from_layers(ffn);
    } else if (const int64_t period = f.integer({"attn_layer_period"}, 0); period > 1) {
      // Jamba: one attention layer per period at attn_layer_offset, Mamba elsewhere.
      const int64_t offset = f.integer({"attn_layer_offset"}, 0);
      const int64_t state = f.integer({"mamba_d_state"}, 16);
      const std::string ssm = fmt::format("ssm:{}", state);
      if (offset < 0 || offset >= period || period > static_cast<int64_t>(kMaxLayerList))
        throw InputError(fmt::format("{}: attn_layer_offset {} is not within attn_layer_period {}", what, offset, period));
      attn = offset > 0 ? fmt::format("{}*{}/", ssm, offset) : "";
      attn += "dense";
      if (period - offset - 1 > 0) attn += fmt::format("/{}*{}", ssm, period - offset - 1);
    } else if (const int64_t interval = f.integer({"full_attention_interval"}, 0); interval > 0 && qwen_next) {
      // Qwen3-Next: every interval-th layer full attention, gated DeltaNet elsewhere.
      attn = interval > 1 ? fmt::format("deltanet*{}/{}", interval - 1, pattern_text(full)) : pattern_text(full);
    } else if (llama4 && chunk > 0) {
      // Llama-4: chunked local attention on the RoPE layers, global attention on the NoPE ones
      // (no_rope_layers: 1 = RoPE; default: every 4th layer NoPE).
      if (const json* rope = f.list("no_rope_layers"); rope && !rope->empty()) {
        check_layer_list(rope->size(), m.layers, "no_rope_layers", what);
        for (const json& e : *rope) per_layer.push_back(f.as_integer(e, "no_rope_layers") != 0 ? chunked : full);
      } else {
        const int64_t every = f.integer({"no_rope_layer_interval"}, 4);
        attn = every > 1 ? fmt::format("chunk:{}*{}/{}", chunk, every - 1, pattern_text(full)) : pattern_text(full);
      }
    } else if (window > 0 && uses_window && (gemma3 || f.has("sliding_window_pattern"))) {
      // Gemma-3: every Nth layer global, the others sliding.
      const int64_t every = f.integer({"sliding_window_pattern"}, 6);
      attn = every > 1 ? fmt::format("window:{}*{}/{}", window, every - 1, pattern_text(full)) : pattern_text(full);
    } else if (window > 0 && uses_window) {
      attn = model_type == "gemma2" ? fmt::format("window:{}/{}", window, pattern_text(full)) : fmt::format("window:{}", window);
      if (model_type == "qwen2" || model_type == "qwen3") {
        const int64_t first_window = f.integer({"max_window_layers"}, 0);
        if (first_window > 0 && first_window < m.layers)  // Qwen2: layers from max_window_layers on slide
          attn = fmt::format("{}*{}/window:{}*{}", pattern_text(full), first_window, window, m.layers - first_window);
      }
    } else {
      attn = pattern_text(full);
    }
    if (!per_layer.empty()) attn = compact_stack_text(per_layer);
  }
  (void)f.integer({"no_rope_layer_interval"}, 0);
  (void)f.integer({"full_attention_interval"}, 0);  // consistent with layer_types where both are given
  (void)f.list("no_rope_layers");
  m.attn = attn;

  // Weights as stored (quantization_config, in the text model or at the top).
  const json* quant = f.find({"quantization_config", "quantization"});
  if (!quant) quant = top.find({"quantization_config", "quantization"});
  if (quant && quant->is_object()) {
    Dtype kv = m.dtype;
    m.weights = weight_format_from_json(*quant, m.dtype, m.layers, m.warnings, what, &kv);
    if (kv != m.dtype) m.kv_dtype = kv;
  }

  // What the reader knowingly leaves out, said once.
  if (nested && (root.contains("vision_config") || root.contains("audio_config")))
    m.notes.push_back("the vision/audio encoder of this multimodal checkpoint is not counted (text model only)");
  if (f.integer({"num_nextn_predict_layers", "mtp_num_hidden_layers"}, 0) > 0)
    m.notes.push_back("its multi-token-prediction (MTP) layers are not counted (loaded only for speculative decoding)");
  if (m.learned_sinks) m.notes.push_back("the softmax has a learned sink logit per head (no cached tokens, no KV cost)");

  for (const std::string& key : f.unread())
    m.warnings.push_back(fmt::format("{}: field '{}' is not understood; if it changes the model's shape, the costs do not reflect it", f.what(), key));
  if (nested)
    for (const std::string& key : top.unread())
      m.warnings.push_back(fmt::format("{}: field '{}' is not understood; if it changes the model's shape, the costs do not reflect it", what, key));

  validate_model(m);
  return m;
}

}  // namespace attncost
