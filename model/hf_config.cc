// Reading a Hugging Face config.json (or a preset, which is one too) into a ModelConfig: one pass
// over the fields of every family attncost knows, section by section (identity, shape, heads,
// precision, experts, recurrent mixers, token-mixer layout, quantization, what engines load beside
// the text model), tracking which keys it read so that an unknown key becomes a warning.
#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/attn_spec.h"
#include "model/class_defaults.h"
#include "model/error.h"
#include "model/json_input.h"
#include "model/hf_reader.h"
#include "model/model_config.h"

namespace attncost {

using nlohmann::json;

Family family_of(const std::string& t) {
  Family f;
  f.model_type = t;
  f.gemma3 = t == "gemma3_text" || t == "gemma3";
  f.gemma4 = t == "gemma4_text" || t == "gemma4";
  f.llama4 = t == "llama4_text" || t == "llama4";
  f.qwen_next = t == "qwen3_next" || t.rfind("qwen3_5", 0) == 0;
  f.gpt_oss = t == "gpt_oss";
  f.mimo = t == "mimo_v2_flash";
  f.lfm2 = t == "lfm2";
  f.granite_hybrid = t == "granitemoehybrid";
  f.falcon_h1 = t == "falcon_h1";
  f.zamba2 = t == "zamba2";
  f.kimi_linear = t == "kimi_linear";
  f.minimax_lightning = t == "minimax" || t == "minimax_text_01" || t == "minimax_m1";
  f.jamba = t == "jamba";
  return f;
}

namespace {

// Multimodal checkpoints (Llama-4, Gemma-3/4, Qwen-VL, Mistral-3, LFM2-VL, Kimi-K2.5) nest the text model.
bool has_text_config(const json& root) { return root.is_object() && root.contains("text_config") && root["text_config"].is_object(); }

std::string text_model_type(const json& root) {
  const json& text = has_text_config(root) ? root["text_config"] : root;
  for (const json* j : {&text, &root})
    if (j->contains("model_type") && (*j)["model_type"].is_string()) return (*j)["model_type"].get<std::string>();
  return "";
}

const json* defaults_for(const std::string& model_type) {
  const ClassDefaults* c = class_defaults(model_type);
  return c ? &c->defaults : nullptr;
}

// Architectures whose MLP is plain two-matrix (GELU/ReLU) rather than gated.
bool plain_mlp_architecture(const std::string& model_type) {
  return model_type == "opt" || model_type == "falcon" || model_type == "gpt2" || model_type == "gpt3" || model_type == "RefinedWeb" ||
         model_type == "RefinedWebModel" || model_type == "gpt_neox" || model_type == "bloom" || model_type == "starcoder2";
}

// ---- identity: the name, where the numbers come from, the parameter count its authors state ----
void read_identity(ConfigReader& r, ModelConfig& m) {
  m.name = r.info.text({"name"}, r.top.text({"_name_or_path"}, r.what));
  m.source = r.info.text({"source"}, r.what);
  if (const json* p = r.info.find({"params"}); p && p->is_number()) m.published_params = p->get<double>();
  if (const json* p = r.info.find({"pretraining_tokens"}); p && p->is_number()) m.pretraining_tokens = p->get<double>();
  if (const json* p = r.info.find({"pretraining_gpu_hours"}); p && p->is_number()) m.pretraining_gpu_hours = p->get<double>();
  m.pretraining_hardware = r.info.text({"pretraining_hardware"}, "");
  (void)r.f.text({"model_type"}, "");
  if (r.nested) (void)r.top.text({"model_type"}, "");
}

// ---- shape: layers, heads, widths, vocabulary, trained positions -------------------------------
// LFM2's MLP width as its block computes it (vLLM lfm2.py Lfm2MLP, transformers modeling_lfm2.py):
// 2/3 of block_ff_dim, times block_ffn_dim_multiplier, rounded up to block_multiple_of.
int64_t lfm2_mlp_width(ConfigReader& r, int64_t ff_dim) {
  if (!r.f.boolean("block_auto_adjust_ff_dim", true)) return ff_dim;
  int64_t width = 2 * ff_dim / 3;
  const double multiplier = r.f.number("block_ffn_dim_multiplier", 1.0);
  if (multiplier <= 0 || multiplier > 1e3) throw InputError(fmt::format("{}: block_ffn_dim_multiplier {} is not in (0, 1000]", r.f.what(), multiplier));
  width = static_cast<int64_t>(multiplier * static_cast<double>(width));
  const int64_t multiple = r.f.integer({"block_multiple_of"}, 256);
  if (multiple < 1) throw InputError(fmt::format("{}: block_multiple_of must be positive, got {}", r.f.what(), multiple));
  return multiple * ((width + multiple - 1) / multiple);
}

void read_shape(ConfigReader& r, ModelConfig& m) {
  Fields& f = r.f;
  m.layers = f.integer({"num_hidden_layers", "n_layer", "num_layers", "n_layers"}, 0, true);
  m.heads = f.integer({"num_attention_heads", "n_head", "n_heads", "num_heads"}, 0, true);
  m.hidden = f.integer({"hidden_size", "n_embd", "d_model"}, 0, true);
  const bool multi_query = f.boolean("multi_query", false);
  m.kv_heads = f.integer({"num_key_value_heads", "num_kv_heads", "n_head_kv"}, multi_query ? 1 : m.heads);
  // The vocabulary: the text model's, else the checkpoint's (its class default included).
  m.vocab = f.integer({"vocab_size"}, 0);
  if (r.nested && (m.vocab == 0 || r.top.given("vocab_size"))) {  // Voxtral repeats it at the top
    const int64_t top_vocab = r.top.integer({"vocab_size"}, 0);
    if (m.vocab == 0) m.vocab = top_vocab;
  }
  if (m.vocab == 0) throw InputError(fmt::format("{}: missing field 'vocab_size'", r.what));
  // The dense MLP width (MiniMax-M3 names it apart from its experts'); LFM2 spells it block_ff_dim.
  m.ffn = f.integer({"dense_intermediate_size", "block_ff_dim", "intermediate_size", "ffn_dim", "n_inner", "ffn_hidden_size"}, 4 * m.hidden);
  if (r.family.lfm2) {
    m.ffn = lfm2_mlp_width(r, m.ffn);
    m.gated_mlp = f.boolean("block_use_swiglu", true);
    (void)f.integer({"block_dim"}, m.hidden);
  }
  // The positions it was trained for (after any RoPE scaling the config declares): memos compare
  // the workloads' contexts with it.
  m.max_position = f.integer({"max_position_embeddings", "n_positions", "max_seq_len", "seq_length"}, 0);
  if (m.max_position == 0 && r.nested) m.max_position = r.top.integer({"max_position_embeddings"}, 0);
}

// ---- heads: key/value widths, MLA's latent ---------------------------------------------------
void read_head_dims(ConfigReader& r, ModelConfig& m) {
  Fields& f = r.f;
  m.kv_lora_rank = f.integer({"kv_lora_rank"}, 0);
  m.q_lora_rank = f.integer({"q_lora_rank"}, 0);
  m.qk_rope_head_dim = f.integer({"qk_rope_head_dim"}, 0);
  if (m.is_mla()) {
    const int64_t nope = f.integer({"qk_nope_head_dim"}, 0, true);
    m.head_dim = nope + m.qk_rope_head_dim;
    m.v_head_dim = f.integer({"v_head_dim"}, nope);
    (void)f.integer({"head_dim"}, 0);  // GLM-5 repeats the RoPE width here; the MLA fields above define the heads
    if (const int64_t qk = f.integer({"qk_head_dim"}, m.head_dim); qk != m.head_dim)  // GLM-5 states the sum
      throw InputError(fmt::format("{}: qk_head_dim {} is not qk_nope_head_dim + qk_rope_head_dim = {}", f.what(), qk, m.head_dim));
    return;
  }
  if (r.family.zamba2) {
    // Zamba2's shared attention works on [hidden; embedding]: attention_hidden_size = 2·hidden wide,
    // split over the heads (Zamba2Config.attention_head_dim). Its kv_channels is hidden / heads, a
    // width the attention does not use: read as the head dim it would halve the KV cache.
    const int64_t width = f.integer({"attention_hidden_size"}, 2 * m.hidden);
    m.head_dim = f.integer({"head_dim", "attention_head_dim"}, m.heads > 0 ? width / m.heads : 0);
    (void)f.integer({"kv_channels"}, 0);
    if (m.heads * m.head_dim != width)
      throw InputError(fmt::format("{}: {} heads of {} do not make attention_hidden_size {}", f.what(), m.heads, m.head_dim, width));
  } else {
    m.head_dim = f.integer({"head_dim", "attention_head_dim", "kv_channels"}, m.heads > 0 ? m.hidden / m.heads : 0);
  }
  m.v_head_dim = f.integer({"v_head_dim"}, m.head_dim);
}

// ---- precision and tying: dtype, tied embeddings, MLP and attention variants ------------------
// A config without a dtype runs in vLLM's preferred dtype: _find_dtype falls back to the text and
// vision configs, then float32, which _resolve_auto_dtype turns into the platform's first supported
// dtype — bfloat16 on every GPU of compute capability 8.0 or newer (vllm/config/model.py).
constexpr const char* kDefaultDtype = "bfloat16";

void read_precision(ConfigReader& r, ModelConfig& m) {
  Fields& f = r.f;
  std::string dtype_text = f.text({"torch_dtype", "dtype"}, "");
  if (dtype_text.empty()) dtype_text = r.top.text({"torch_dtype", "dtype"}, "");
  if (dtype_text.empty() && r.root.contains("vision_config") && r.root["vision_config"].is_object()) {
    const json& v = r.root["vision_config"];
    for (const char* k : {"torch_dtype", "dtype"})
      if (v.contains(k) && v[k].is_string()) dtype_text = v[k].get<std::string>();
  }
  if (dtype_text.empty()) {
    dtype_text = kDefaultDtype;
    m.notes.push_back("the config names no dtype: read as bf16, the dtype vLLM runs such a config in on compute capability 8.0+");
  }
  m.dtype = parse_dtype(dtype_text, r.what + ": torch_dtype");
  // Tied embeddings: the text model's field (LFM2's original spelling: tie_embedding), else the
  // checkpoint's, else the transformers class default, else untied.
  const bool class_tied = r.class_defaults && r.class_defaults->value("tie_word_embeddings", false);
  const bool top_tied = r.nested ? r.top.boolean("tie_word_embeddings", class_tied) : class_tied;
  if (f.given("tie_embedding")) m.tied_embeddings = f.boolean("tie_embedding", false);
  else if (f.given("tie_word_embeddings")) m.tied_embeddings = f.boolean("tie_word_embeddings", false);
  else m.tied_embeddings = r.nested && r.top.given("tie_word_embeddings") ? top_tied : class_tied;
  (void)f.find({"tie_word_embeddings", "tie_embedding"});
  const std::string mlp_act = f.text({"mlp_hidden_act"}, "");
  const json& meta = r.info.raw();
  if (meta.contains("gated_mlp") && meta["gated_mlp"].is_boolean()) m.gated_mlp = meta["gated_mlp"].get<bool>();
  else if (!r.family.lfm2) m.gated_mlp = !plain_mlp_architecture(r.family.model_type) && mlp_act != "relu2";
  m.attn_output_gate = f.boolean("attn_output_gate", f.boolean("attention_output_gate", r.family.model_type == "qwen3_next"));
  m.learned_sinks = r.family.gpt_oss || f.boolean("add_swa_attention_sink_bias", false) || f.boolean("add_full_attention_sink_bias", false);
}

// ---- experts: how many, how wide, shared ones ------------------------------------------------
void read_moe_sizes(ConfigReader& r, ModelConfig& m) {
  Fields& f = r.f;
  m.experts = f.integer({"num_local_experts", "n_routed_experts", "num_experts"}, 0);
  const int64_t shared_width = f.integer({"moe_shared_expert_intermediate_size", "shared_expert_intermediate_size", "shared_intermediate_size",
                                          "share_expert_dim"}, 0);
  if (m.experts <= 1) {
    m.experts = 0;
    (void)f.find({"num_experts_per_tok", "moe_intermediate_size", "expert_intermediate_size", "n_shared_experts", "experts_per_token", "top_k_experts",
                  "num_experts_per_token", "num_shared_experts"});
    // Granite-4.0-H without experts: every layer's MLP is the shared one.
    if (r.family.granite_hybrid && shared_width > 0) m.ffn = shared_width;
    (void)f.boolean("enable_moe_block", false);
    return;
  }
  m.experts_active = f.integer({"num_experts_per_tok", "experts_per_token", "top_k_experts", "moe_topk", "num_experts_per_token"}, 2);
  m.expert_ffn = f.integer({"moe_intermediate_size", "expert_intermediate_size"}, m.ffn);
  if (r.family.granite_hybrid) m.expert_ffn = m.ffn;  // Granite's intermediate_size is the expert's
  m.shared_experts = f.integer({"n_shared_experts", "num_shared_experts"}, 0);
  if (shared_width > 0) {
    m.shared_expert_ffn = shared_width;
    if (m.shared_experts == 0) m.shared_experts = 1;  // Qwen's and Granite's one shared expert
  }
  if (r.family.llama4) {  // Llama-4: intermediate_size is the expert's, intermediate_size_mlp the dense layers'; one shared expert
    m.expert_ffn = m.ffn;
    m.ffn = f.integer({"intermediate_size_mlp"}, m.ffn);
    m.shared_experts = 1;
  }
  if (r.family.gemma4 && f.boolean("enable_moe_block", false)) {  // Gemma-4 MoE: a dense MLP beside the experts, like a shared expert
    m.shared_experts = 1;
    m.shared_expert_ffn = m.ffn;
  }
  (void)f.boolean("enable_moe_block", false);
}

// ---- expert placement: which layers have experts ---------------------------------------------
void read_moe_placement(ConfigReader& r, ModelConfig& m) {
  Fields& f = r.f;
  if (r.family.llama4) (void)f.find({"intermediate_size_mlp"});
  if (m.experts == 0) {
    (void)f.find({"first_k_dense_replace", "moe_layer_freq", "expert_layer_period", "expert_layer_offset", "decoder_sparse_step", "mlp_only_layers"});
    return;
  }
  const int64_t first_dense = f.integer({"first_k_dense_replace"}, 0);
  const char* period_key = "moe_layer_freq";
  int64_t period = 1, offset = f.integer({"expert_layer_offset"}, 0);
  if (const json* freq = f.find({"moe_layer_freq"}); freq && freq->is_number()) period = f.as_integer(*freq, "moe_layer_freq");
  if (f.has("expert_layer_period")) period = f.integer({"expert_layer_period"}, 1), period_key = "expert_layer_period";
  if (f.has("decoder_sparse_step")) period = f.integer({"decoder_sparse_step"}, 1), offset = period - 1, period_key = "decoder_sparse_step";  // Qwen: (l+1) % step == 0
  if (r.family.llama4) period = f.integer({"interleave_moe_layer_step"}, 1), offset = period - 1, period_key = "interleave_moe_layer_step";
  auto bad = [&](const char* key, int64_t v, const char* why) { return InputError(fmt::format("model '{}': {} {}, got {}", m.name, key, why, v)); };
  if (first_dense < 0) throw bad("first_k_dense_replace", first_dense, "must not be negative");
  if (period < 1 || period > static_cast<int64_t>(kMaxLayerList)) throw bad(period_key, period, "must be in [1, 16384]");
  if (offset < 0) throw bad("expert_layer_offset", offset, "must not be negative");
  m.ffn_layers = ffn_stack_from_rule(static_cast<uint64_t>(first_dense), static_cast<uint64_t>(period), static_cast<uint64_t>(offset));
  const json* freq = f.find({"moe_layer_freq"});
  const json* freq_list = freq && freq->is_array() ? freq : nullptr;
  const json* mlp_only = f.list("mlp_only_layers");
  if (!freq_list && !(mlp_only && !mlp_only->empty())) return;
  // Per-layer lists (MiMo's and MiniMax-M3's moe_layer_freq; Qwen's mlp_only_layers).
  if (freq_list) check_layer_list(freq_list->size(), m.layers, "moe_layer_freq", r.what);
  else if (m.layers > static_cast<int64_t>(kMaxLayerList)) check_layer_list(static_cast<size_t>(m.layers), m.layers, "mlp_only_layers", r.what);
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

// ---- recurrent mixers: Mamba-1/2, gated DeltaNet and KDA, short convolutions, the indexer ------
void read_mamba(ConfigReader& r, ModelConfig& m) {
  Fields& f = r.f;
  m.ssm_expand = f.integer({"mamba_expand", "expand"}, 2);
  m.ssm_conv = f.integer({"mamba_d_conv", "conv_kernel"}, 4);
  m.ssm_dt_rank = 0;
  if (const json* d = f.find({"mamba_dt_rank"}); d && d->is_number_integer()) m.ssm_dt_rank = d->get<int64_t>();
  m.mamba2_heads = f.integer({"mamba_num_heads", "mamba_n_heads", "n_mamba_heads"}, 0);
  m.mamba2_groups = f.integer({"n_groups", "mamba_n_groups", "mamba_ngroups"}, 1);
  m.mamba2_state = f.integer({"ssm_state_size", "mamba_d_state", "state_size"}, 128);
  // The Mamba-2 channels: Falcon-H1's mamba_d_ssm, else expand·hidden; a head dim of "auto"
  // (Granite, Falcon-H1) or none (Zamba2) divides them over the heads.
  const int64_t inner = f.integer({"mamba_d_ssm"}, m.ssm_expand * m.hidden);
  const json* head = f.find({"mamba_head_dim", "mamba_d_head", "mamba_headdim"});  // Zamba2: mamba_headdim
  if (head && head->is_string() && head->get<std::string>() == "auto") head = nullptr;
  const bool derived = (r.family.granite_hybrid || r.family.falcon_h1 || r.family.zamba2) && m.mamba2_heads > 0;
  m.mamba2_head_dim = head ? f.as_integer(*head, "mamba_d_head") : derived ? inner / m.mamba2_heads : 64;
  if (derived && m.mamba2_head_dim * m.mamba2_heads != inner)
    throw InputError(fmt::format("{}: {} Mamba heads of {} do not make the {} Mamba channels", f.what(), m.mamba2_heads, m.mamba2_head_dim, inner));
  const std::string state_dtype = f.text({"mamba_ssm_dtype", "mamba_ssm_cache_dtype"}, "");
  if (!state_dtype.empty()) m.state_dtype = parse_dtype(state_dtype, r.what + ": mamba_ssm_dtype");
}

void read_linear_mixers(ConfigReader& r, ModelConfig& m) {
  Fields& f = r.f;
  m.deltanet_key_heads = f.integer({"linear_num_key_heads"}, 0);
  m.deltanet_value_heads = f.integer({"linear_num_value_heads"}, 0);
  m.deltanet_key_dim = f.integer({"linear_key_head_dim"}, 0);
  m.deltanet_value_dim = f.integer({"linear_value_head_dim"}, 0);
  m.deltanet_conv = f.integer({"linear_conv_kernel_dim"}, 4);
  if (const json* kda = f.object("linear_attn_config"); kda && r.family.kimi_linear) {
    // Kimi Delta Attention: one set of heads for q, k and v; its recurrent state is fp32 in vLLM
    // whatever the model dtype (MambaStateDtypeCalculator.kda_state_dtype).
    Fields k(*kda, f.what() + ": linear_attn_config");
    m.deltanet_key_heads = m.deltanet_value_heads = k.integer({"num_heads"}, 0, true);
    m.deltanet_key_dim = m.deltanet_value_dim = k.integer({"head_dim"}, 0, true);
    m.deltanet_conv = k.integer({"short_conv_kernel_size"}, 4);
    m.deltanet_kda = true;
    m.state_dtype = Dtype::fp32;
    (void)k.list("kda_layers"), (void)k.list("full_attn_layers");
    (void)k.number("gate_lower_bound", 0);
    for (const std::string& key : k.unread()) m.warnings.push_back(fmt::format("{}: field '{}' is not understood", k.what(), key));
  }
  // LFM2's short convolutions: conv_L_cache taps over conv_dim channels (the hidden size).
  m.shortconv_kernel = f.integer({"conv_L_cache"}, 3);
  const int64_t conv_dim = f.integer({"conv_dim"}, m.hidden);
  m.shortconv_dim = conv_dim == m.hidden ? 0 : conv_dim;
  if (const int64_t out = f.integer({"conv_dim_out"}, conv_dim); out != conv_dim)
    throw InputError(fmt::format("{}: conv_dim_out {} differs from conv_dim {}, which the short convolution does not support", f.what(), out, conv_dim));
  m.indexer_heads = f.integer({"index_n_heads"}, 64);
  m.indexer_head_dim = f.integer({"index_head_dim"}, 128);
}

// ---- weights as stored: quantization_config, in the text model or at the top ----------------
void read_quantization(ConfigReader& r, ModelConfig& m) {
  const json* quant = r.f.find({"quantization_config", "quantization"});
  if (!quant) quant = r.top.find({"quantization_config", "quantization"});
  // A quantization_config that is not an object (a string, a list) would be read as "not
  // quantized": weights counted at 2 bytes where they are stored in 4 bits. Refused.
  for (const Fields* fields : {&r.f, &r.top})
    if (const json* q = fields->peek("quantization_config"); q && !q->is_null() && !q->is_object())
      throw InputError(fmt::format("{}: field 'quantization_config' must be an object, got {}", r.what, json_brief(*q)));
  if (!quant || !quant->is_object()) return;
  Dtype kv = m.dtype;
  m.weights = weight_format_from_json(*quant, m.dtype, m.layers, m.warnings, r.what, &kv);
  if (kv != m.dtype) m.kv_dtype = kv;
}

// ---- what engines load beside the text model: MTP modules (encoders: encoders.cc) -----------
void read_mtp(ConfigReader& r, ModelConfig& m) {
  Fields& f = r.f;
  const int64_t nextn = f.integer({"num_nextn_predict_layers"}, 0);      // DeepSeek, GLM, MiMo, Step, Nemotron: one layer per module
  const int64_t qwen_layers = f.integer({"mtp_num_hidden_layers"}, 0);   // Qwen3-Next/3.5: one module of n layers
  const bool minimax = f.boolean("use_mtp", false);                      // MiniMax-M2: num_mtp_modules of mtp_transformer_layers
  const int64_t minimax_modules = f.integer({"num_mtp_modules"}, 0), minimax_layers = f.integer({"mtp_transformer_layers"}, 1);
  (void)f.text({"mtp_hybrid_override_pattern"}, "");  // Nemotron-3: "*E", one attention and one MoE block: one layer
  (void)f.boolean("mtp_use_dedicated_embeddings", false);
  if (minimax && minimax_modules > 0) m.mtp_modules = minimax_modules, m.mtp_layers = minimax_layers;
  else if (nextn > 0) m.mtp_modules = nextn, m.mtp_layers = 1;
  else if (qwen_layers > 0) m.mtp_modules = 1, m.mtp_layers = qwen_layers;
  if (m.mtp_modules < 0 || m.mtp_modules > 64 || m.mtp_layers < 1 || m.mtp_layers > 64)
    throw InputError(fmt::format("{}: {} MTP modules of {} layers (at most 64 of 64)", f.what(), m.mtp_modules, m.mtp_layers));
}

// ---- what is left: notes, and a warning per key neither read nor known to be cost-neutral ----
void report_unread(ConfigReader& r, ModelConfig& m) {
  if (m.learned_sinks) m.notes.push_back("the softmax has a learned sink logit per head (no cached tokens, no KV cost)");
  for (const std::string& key : r.f.unread())
    m.warnings.push_back(fmt::format("{}: field '{}' is not understood; if it changes the model's shape, the costs do not reflect it", r.f.what(), key));
  if (r.nested)
    for (const std::string& key : r.top.unread())
      m.warnings.push_back(fmt::format("{}: field '{}' is not understood; if it changes the model's shape, the costs do not reflect it", r.what, key));
}

}  // namespace

const json& ConfigReader::empty() {
  static const json e = json::object();
  return e;
}

ConfigReader::ConfigReader(const json& root_, const std::string& what_)
    : root(root_),
      nested(has_text_config(root_)),
      text(nested ? root_["text_config"] : root_),
      what(what_),
      family(family_of(text_model_type(root_))),
      class_defaults(defaults_for(family.model_type)),
      top(root_, what_, nested ? defaults_for(root_.value("model_type", std::string())) : class_defaults),
      f(text, nested ? what_ + ": text_config" : what_, class_defaults),
      info(root_.contains("attncost") && root_["attncost"].is_object() ? root_["attncost"] : empty(), what_ + ": attncost") {}

Pattern parse_single(const std::string& spec) { return parse_attn(spec, "model attention").entries[0].pattern; }

ModelConfig model_from_json(const json& root, const std::string& what) {
  if (!root.is_object()) throw InputError(fmt::format("{}: expected a JSON object (a Hugging Face config.json)", what));
  ConfigReader r(root, what);
  ModelConfig m;
  read_identity(r, m);
  read_shape(r, m);
  read_head_dims(r, m);
  read_precision(r, m);
  read_moe_sizes(r, m);
  read_moe_placement(r, m);
  read_mamba(r, m);
  read_linear_mixers(r, m);
  read_token_mixers(r, m);
  read_quantization(r, m);
  read_mtp(r, m);
  read_encoders(r, m);
  report_unread(r, m);
  validate_model(m);
  return m;
}

}  // namespace attncost
