#include "model/model_config.h"

#include <cmath>
#include <initializer_list>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"

namespace attncost {
namespace {

using nlohmann::json;

// The first of `keys` present and not null, or nullptr.
const json* find(const json& j, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    auto it = j.find(k);
    if (it != j.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

int64_t get_int(const json& j, std::initializer_list<const char*> keys, int64_t fallback,
                const std::string& what, bool required = false) {
  const json* v = find(j, keys);
  if (!v) {
    if (required) throw InputError(fmt::format("{}: missing field '{}'", what, *keys.begin()));
    return fallback;
  }
  // Range first: converting an out-of-range double to an integer is undefined behaviour (found by
  // the config.json fuzzer with 1.2e123), and a huge unsigned value would wrap.
  constexpr double kLimit = 4611686018427387904.0;  // 2^62
  const auto out_of_range = [&] {
    return InputError(fmt::format("{}: field '{}' = {} is out of range", what, *keys.begin(), v->dump()));
  };
  if (v->is_number_unsigned()) {
    if (v->get<uint64_t>() > static_cast<uint64_t>(kLimit)) throw out_of_range();
    return static_cast<int64_t>(v->get<uint64_t>());
  }
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    const double x = v->get<double>();
    if (!(std::fabs(x) < kLimit)) throw out_of_range();
    if (x == std::floor(x)) return static_cast<int64_t>(x);
  }
  throw InputError(fmt::format("{}: field '{}' must be an integer, got {}", what, *keys.begin(), v->dump()));
}

bool get_bool(const json& j, const char* key, bool fallback, const std::string& what) {
  const json* v = find(j, {key});
  if (!v) return fallback;
  if (!v->is_boolean()) throw InputError(fmt::format("{}: field '{}' must be true or false, got {}", what, key, v->dump()));
  return v->get<bool>();
}

std::string get_string(const json& j, const char* key, const std::string& fallback, const std::string& what) {
  const json* v = find(j, {key});
  if (!v) return fallback;
  if (!v->is_string()) throw InputError(fmt::format("{}: field '{}' must be a string, got {}", what, key, v->dump()));
  return v->get<std::string>();
}

// Architectures whose MLP is plain two-matrix (GELU/ReLU) rather than gated.
bool plain_mlp_architecture(const std::string& model_type) {
  return model_type == "opt" || model_type == "falcon" || model_type == "gpt2" || model_type == "gpt3" ||
         model_type == "RefinedWeb" || model_type == "RefinedWebModel" || model_type == "gpt_neox" ||
         model_type == "bloom";
}

}  // namespace

int64_t ModelConfig::moe_layers() const {
  if (experts == 0) return 0;
  // Layers l in [first_dense_layers, layers) with l ≡ moe_offset (mod moe_period).
  int64_t count = 0;
  const int64_t first = first_dense_layers;
  if (first >= layers) return 0;
  // First l ≥ first with the right residue.
  int64_t l0 = first + ((moe_offset - first) % moe_period + moe_period) % moe_period;
  if (l0 < layers) count = (layers - 1 - l0) / moe_period + 1;
  return count;
}

ModelConfig model_from_json(const json& j, const std::string& what) {
  if (!j.is_object()) throw InputError(fmt::format("{}: expected a JSON object (a Hugging Face config.json)", what));
  ModelConfig m;
  const json empty = json::object();
  const json& meta = j.contains("attncost") && j["attncost"].is_object() ? j["attncost"] : empty;
  m.name = get_string(meta, "name", get_string(j, "_name_or_path", what, what), what);
  m.source = get_string(meta, "source", what, what);
  m.published_params = meta.contains("params") && meta["params"].is_number() ? meta["params"].get<double>() : 0.0;
  const std::string model_type = get_string(j, "model_type", "", what);

  m.layers = get_int(j, {"num_hidden_layers", "n_layer", "num_layers", "n_layers"}, 0, what, true);
  m.heads = get_int(j, {"num_attention_heads", "n_head", "n_heads"}, 0, what, true);
  m.hidden = get_int(j, {"hidden_size", "n_embd", "d_model"}, 0, what, true);
  const bool multi_query = get_bool(j, "multi_query", false, what);
  m.kv_heads = get_int(j, {"num_key_value_heads", "num_kv_heads", "n_head_kv"}, multi_query ? 1 : m.heads, what);
  m.vocab = get_int(j, {"vocab_size"}, 0, what, true);
  m.ffn = get_int(j, {"intermediate_size", "ffn_dim", "n_inner", "ffn_hidden_size"}, 4 * m.hidden, what);

  m.kv_lora_rank = get_int(j, {"kv_lora_rank"}, 0, what);
  m.q_lora_rank = get_int(j, {"q_lora_rank"}, 0, what);
  m.qk_rope_head_dim = get_int(j, {"qk_rope_head_dim"}, 0, what);
  if (m.is_mla()) {
    const int64_t nope = get_int(j, {"qk_nope_head_dim"}, 0, what, true);
    m.head_dim = nope + m.qk_rope_head_dim;
    m.v_head_dim = get_int(j, {"v_head_dim"}, nope, what);
  } else {
    m.head_dim = get_int(j, {"head_dim"}, m.heads > 0 ? m.hidden / m.heads : 0, what);
    m.v_head_dim = m.head_dim;
  }

  const std::string dtype_text = get_string(j, "torch_dtype", get_string(j, "dtype", "float16", what), what);
  m.dtype = parse_dtype(dtype_text, what + ": torch_dtype");
  m.tied_embeddings = get_bool(j, "tie_word_embeddings", plain_mlp_architecture(model_type) && model_type != "gpt3", what);
  m.gated_mlp = meta.contains("gated_mlp") ? meta["gated_mlp"].get<bool>() : !plain_mlp_architecture(model_type);

  // Mixture of experts, in the spellings of Mixtral, DeepSeek and Jamba.
  m.experts = get_int(j, {"num_local_experts", "n_routed_experts", "num_experts"}, 0, what);
  if (m.experts > 1) {
    m.experts_active = get_int(j, {"num_experts_per_tok"}, 2, what);
    m.expert_ffn = get_int(j, {"moe_intermediate_size"}, m.ffn, what);
    m.shared_experts = get_int(j, {"n_shared_experts"}, 0, what);
    m.first_dense_layers = get_int(j, {"first_k_dense_replace"}, 0, what);
    m.moe_period = get_int(j, {"expert_layer_period", "moe_layer_freq"}, 1, what);
    m.moe_offset = get_int(j, {"expert_layer_offset"}, 0, what);
  } else {
    m.experts = 0;
  }

  m.ssm_expand = get_int(j, {"mamba_expand"}, 2, what);
  m.ssm_conv = get_int(j, {"mamba_d_conv"}, 4, what);
  m.ssm_dt_rank = 0;
  if (const json* r = find(j, {"mamba_dt_rank"}); r && r->is_number_integer()) m.ssm_dt_rank = r->get<int64_t>();

  // The model's own attention: explicit in a preset, else derived from the config's fields.
  std::string attn = get_string(meta, "attn", "", what);
  if (attn.empty()) {
    const int64_t window = get_int(j, {"sliding_window"}, 0, what);
    const bool uses_window = get_bool(j, "use_sliding_window", true, what);
    const int64_t attn_period = get_int(j, {"attn_layer_period"}, 0, what);
    if (attn_period > 1) {  // Jamba: one attention layer per period at attn_layer_offset, Mamba elsewhere
      const int64_t offset = get_int(j, {"attn_layer_offset"}, 0, what);
      const int64_t state = get_int(j, {"mamba_d_state"}, 16, what);
      const std::string ssm = fmt::format("ssm:{}", state);
      attn = offset > 0 ? fmt::format("{}*{}/", ssm, offset) : "";
      attn += "dense";
      if (attn_period - offset - 1 > 0) attn += fmt::format("/{}*{}", ssm, attn_period - offset - 1);
    } else if (window > 0 && uses_window) {
      attn = model_type == "gemma2" ? fmt::format("window:{}/dense", window) : fmt::format("window:{}", window);
    } else {
      attn = "dense";
    }
  }
  m.attn = attn;
  validate_model(m);
  return m;
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
  non_negative(m.first_dense_layers, "first_k_dense_replace");
  non_negative(m.moe_offset, "expert_layer_offset");
  non_negative(m.ssm_dt_rank, "mamba_dt_rank");
  positive(m.ssm_expand, "mamba_expand");
  positive(m.ssm_conv, "mamba_d_conv");
  if (m.is_mla() && m.qk_rope_head_dim >= m.head_dim)
    throw InputError(fmt::format("model '{}': qk_rope_head_dim {} must be smaller than the key head dim {}", m.name, m.qk_rope_head_dim, m.head_dim));
  if (m.heads % m.kv_heads != 0)
    throw InputError(fmt::format("model '{}': {} heads are not divisible by {} kv heads", m.name, m.heads, m.kv_heads));
  if (m.experts > 0) {
    positive(m.experts_active, "experts per token");
    positive(m.expert_ffn, "expert ffn size");
    positive(m.moe_period, "moe layer period");
    if (m.experts_active > m.experts)
      throw InputError(fmt::format("model '{}': {} experts per token exceed {} experts", m.name, m.experts_active, m.experts));
  }
}

}  // namespace attncost
