// The token mixers of a config.json's layers (ModelConfig::attn, in the --attn grammar): every
// per-layer layout of today's families, one function each — per-layer type lists (layer_types,
// Nemotron-H's pattern string, MiMo's list, DeciLM's block configs, Kimi-Linear's index lists,
// MiniMax's attention types), period rules (Jamba, Qwen3-Next, Llama-4, Gemma-3, Qwen2 windows),
// and the families that run two mixers in one layer (Falcon-H1, Zamba2).
#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"
#include "model/json_input.h"
#include "model/hf_reader.h"

namespace attncost {

using nlohmann::json;

namespace {

// The attention patterns a config's layer types name: full layers (Gemma-4's global shape,
// DeepSeek-V3.2's top-k), sliding layers (MiMo's own heads) and chunked ones (Llama-4).
struct MixerShapes {
  Pattern full, sliding, chunked;
  int64_t window = 0, chunk = 0;
  bool uses_window = true;
};

MixerShapes mixer_shapes(ConfigReader& r, ModelConfig& m) {
  Fields& f = r.f;
  MixerShapes s;
  const int64_t index_topk = f.integer({"index_topk"}, 0);
  s.window = f.integer({"sliding_window"}, 0);
  s.uses_window = f.boolean("use_sliding_window", true);
  s.chunk = f.integer({"attention_chunk_size"}, 0);
  if (index_topk > 0) s.full = parse_single(fmt::format("topk:{}", index_topk));
  if (r.family.gemma4) {
    const int64_t global_head = f.integer({"global_head_dim"}, 0), global_kv = f.integer({"num_global_key_value_heads"}, 0);
    if (global_head > 0 && global_head != m.head_dim) s.full.head_dim = static_cast<uint64_t>(global_head);
    if (global_kv > 0 && global_kv != m.kv_heads) s.full.kv_heads = static_cast<uint64_t>(global_kv);
    s.full.k_eq_v = f.boolean("attention_k_eq_v", false);
    if (f.integer({"num_kv_shared_layers"}, 0) > 0)
      m.warnings.push_back(fmt::format("{}: num_kv_shared_layers (layers reusing another layer's KV cache) is not understood; each layer is counted with its own cache", f.what()));
    if (f.integer({"hidden_size_per_layer_input"}, 0) > 0)
      m.warnings.push_back(fmt::format("{}: hidden_size_per_layer_input (per-layer embeddings) is not understood; their weights are not counted", f.what()));
    if (f.boolean("use_double_wide_mlp", false))
      m.warnings.push_back(fmt::format("{}: use_double_wide_mlp is not understood; the MLP is counted at intermediate_size", f.what()));
  }
  s.sliding.kind = PatternKind::window;
  s.sliding.window = static_cast<uint64_t>(std::max<int64_t>(s.window, 1));
  if (r.family.mimo) {
    const int64_t swa_kv = f.integer({"swa_num_key_value_heads"}, m.kv_heads), swa_head = f.integer({"swa_head_dim"}, m.head_dim);
    const int64_t swa_v = f.integer({"swa_v_head_dim"}, m.v_head_dim);
    (void)f.integer({"swa_num_attention_heads"}, m.heads);
    if (swa_kv != m.kv_heads) s.sliding.kv_heads = static_cast<uint64_t>(swa_kv);
    if (swa_head != m.head_dim) s.sliding.head_dim = static_cast<uint64_t>(swa_head);
    if (swa_v != m.v_head_dim) s.sliding.v_head_dim = static_cast<uint64_t>(swa_v);
  }
  s.chunked.kind = PatternKind::chunk;
  s.chunked.chunk = static_cast<uint64_t>(std::max<int64_t>(s.chunk, 1));
  return s;
}

// One entry of a layer_types list (transformers' spellings, LFM2's "conv", Granite's "mamba").
Pattern type_pattern(ConfigReader& r, const MixerShapes& s, const ModelConfig& m, const std::string& type) {
  if (type == "full_attention" || type == "attention" || type == "global_attention") return s.full;
  if (type == "sliding_attention" || type == "sliding_window_attention" || type == "local_attention") return s.sliding;
  if (type == "chunked_attention") return s.chunked;
  if (type == "conv")  // LFM2's short convolution; its length is named when it is not the default
    return parse_single(static_cast<uint64_t>(m.shortconv_kernel) == kDefaultShortconvTaps ? "shortconv" : fmt::format("shortconv:{}", m.shortconv_kernel));
  if (type == "linear_attention") {
    if (r.family.minimax_lightning) return parse_single("lightning");
    return parse_single(r.family.qwen_next || m.deltanet_value_heads > 0 ? "deltanet" : "linear");
  }
  // Granite-4.0-H's "mamba" layers are Mamba-2; Jamba-style "mamba" layers are Mamba-1.
  if (type == "mamba2" || (type == "mamba" && r.family.granite_hybrid)) return parse_single("mamba2");
  if (type == "mamba") return parse_single("ssm");
  throw InputError(fmt::format("{}: layer_types holds '{}', which attncost does not know", r.f.what(), type));
}

// layer_types (or Granite's older layers_block_type): one entry per layer.
bool from_layer_types(ConfigReader& r, ModelConfig& m, const MixerShapes& s, std::vector<Pattern>& per_layer) {
  const json* types = r.f.list("layer_types");
  if (!types && r.family.granite_hybrid) types = r.f.list("layers_block_type");
  if (!types) return false;
  check_layer_list(types->size(), m.layers, "layer_types", r.what);
  for (const json& t : *types) per_layer.push_back(type_pattern(r, s, m, t.is_string() ? t.get<std::string>() : json_brief(t)));
  if (s.window <= 0)
    for (const Pattern& p : per_layer)
      if (p.kind == PatternKind::window) throw InputError(fmt::format("{}: layer_types has sliding layers but no sliding_window", r.f.what()));
  return true;
}

// Nemotron-H: M Mamba-2, * attention, - MLP, E MoE; each character one block.
bool from_hybrid_override_pattern(ConfigReader& r, ModelConfig& m, const MixerShapes& s, std::vector<Pattern>& per_layer) {
  const json* hybrid = r.f.find({"hybrid_override_pattern"});
  if (!hybrid || !hybrid->is_string()) return false;
  const std::string pattern = hybrid->get<std::string>();
  check_layer_list(pattern.size(), m.layers, "hybrid_override_pattern", r.what);
  std::vector<FfnLayer> ffn;
  for (size_t l = 0; l < pattern.size(); ++l) {
    const char c = pattern[l];
    if (c == 'M') per_layer.push_back(parse_single("mamba2")), ffn.push_back({FfnKind::none, 0});
    else if (c == '*') per_layer.push_back(s.full), ffn.push_back({FfnKind::none, 0});
    else if (c == '-') per_layer.push_back(parse_single("none")), ffn.push_back({FfnKind::dense, 0});
    else if (c == 'E') per_layer.push_back(parse_single("none")), ffn.push_back({FfnKind::moe, 0});
    else throw InputError(fmt::format("{}: hybrid_override_pattern character {} ('{}') is not one of M, *, -, E", r.what, l + 1, c));
  }
  m.ffn_layers = ffn_stack_from_layers(ffn);
  return true;
}

// MiMo-V2: 0 full, 1 sliding.
bool from_hybrid_layer_pattern(ConfigReader& r, ModelConfig& m, const MixerShapes& s, std::vector<Pattern>& per_layer) {
  const json* pattern = r.f.list("hybrid_layer_pattern");
  if (!pattern) return false;
  check_layer_list(pattern->size(), m.layers, "hybrid_layer_pattern", r.what);
  for (const json& e : *pattern) per_layer.push_back(r.f.as_integer(e, "hybrid_layer_pattern") == 0 ? s.full : s.sliding);
  return true;
}

// DeciLM (Llama-Nemotron): each layer's attention may be removed or have its own KV heads, and its
// MLP removed or resized.
bool from_block_configs(ConfigReader& r, ModelConfig& m, std::vector<Pattern>& per_layer) {
  const json* blocks = r.f.list("block_configs");
  if (!blocks) return false;
  check_layer_list(blocks->size(), m.layers, "block_configs", r.what);
  const json& empty = ConfigReader::empty();
  auto flag = [](const json& o, const char* key) { return o.contains(key) && o[key] == true; };
  std::vector<FfnLayer> ffn;
  for (const json& b : *blocks) {
    const json& a = b.contains("attention") && b["attention"].is_object() ? b["attention"] : empty;
    const json& mlp = b.contains("ffn") && b["ffn"].is_object() ? b["ffn"] : empty;
    Pattern p;
    if (flag(a, "no_op") || flag(a, "replace_with_linear")) {
      p.kind = PatternKind::none;
    } else if (a.contains("n_heads_in_group") && a["n_heads_in_group"].is_number_integer() && a["n_heads_in_group"].get<int64_t>() > 0) {
      const int64_t g = a["n_heads_in_group"].get<int64_t>();
      if (m.heads % g != 0) throw InputError(fmt::format("{}: block_configs n_heads_in_group {} does not divide {} heads", r.what, g, m.heads));
      p.kv_heads = static_cast<uint64_t>(m.heads / g);
    }
    per_layer.push_back(p);
    if (flag(mlp, "no_op") || flag(mlp, "replace_with_linear")) {
      ffn.push_back({FfnKind::none, 0});
    } else if (mlp.contains("ffn_mult") && mlp["ffn_mult"].is_number() && mlp["ffn_mult"].get<double>() > 0 && mlp["ffn_mult"].get<double>() < 1e3) {
      // DeciLM's _ffn_mult_to_intermediate_size: int(2 · mult · hidden / 3), truncated first, then
      // rounded up to a multiple of 256 (_find_multiple; vLLM vllm/model_executor/models/nemotron_nas.py,
      // as in the checkpoints' modeling_decilm.py): 5376.4 → 5376, not 5632.
      const double width = std::floor(2.0 * mlp["ffn_mult"].get<double>() * static_cast<double>(m.hidden) / 3.0);
      ffn.push_back({FfnKind::dense, static_cast<int64_t>(std::ceil(width / 256) * 256)});
    } else {
      ffn.push_back({FfnKind::dense, 0});
    }
  }
  m.ffn_layers = ffn_stack_from_layers(ffn);
  return true;
}

// Kimi-Linear: 1-based index lists of the KDA layers and the MLA (full attention) layers.
bool from_kimi_linear(ConfigReader& r, ModelConfig& m, const MixerShapes& s, std::vector<Pattern>& per_layer) {
  const json* cfg = r.family.kimi_linear ? r.f.object("linear_attn_config") : nullptr;
  if (!cfg) return false;
  Fields k(*cfg, r.f.what() + ": linear_attn_config");
  const json* kda = k.list("kda_layers");
  const json* full = k.list("full_attn_layers");
  if (!kda || !full) throw InputError(fmt::format("{}: needs both kda_layers and full_attn_layers", k.what()));
  if (m.layers > static_cast<int64_t>(kMaxLayerList)) check_layer_list(static_cast<size_t>(m.layers), m.layers, "num_hidden_layers", r.what);
  std::vector<int> kind(static_cast<size_t>(m.layers), 0);  // 1 KDA, 2 full
  for (const auto& [list, value, key] : {std::tuple{kda, 1, "kda_layers"}, std::tuple{full, 2, "full_attn_layers"}})
    for (const json& e : *list) {
      const int64_t l = k.as_integer(e, key);
      if (l < 1 || l > m.layers || kind[static_cast<size_t>(l - 1)] != 0)
        throw InputError(fmt::format("{}: {} names layer {}, outside 1..{} or already placed", k.what(), key, l, m.layers));
      kind[static_cast<size_t>(l - 1)] = value;
    }
  for (size_t l = 0; l < kind.size(); ++l) {
    if (kind[l] == 0) throw InputError(fmt::format("{}: layer {} is in neither kda_layers nor full_attn_layers", k.what(), l + 1));
    per_layer.push_back(kind[l] == 1 ? parse_single("deltanet") : s.full);
  }
  return true;
}

// MiniMax-Text-01/M1 (and M2's all-softmax list): attn_type_list, 0 lightning attention, 1 softmax.
bool from_attn_type_list(ConfigReader& r, ModelConfig& m, const MixerShapes& s, std::vector<Pattern>& per_layer) {
  const json* types = r.f.list("attn_type_list");
  if (!types) types = r.f.list("decoder_attention_types");
  if (!types) return false;
  check_layer_list(types->size(), m.layers, "attn_type_list", r.what);
  for (const json& e : *types) {
    const int64_t t = r.f.as_integer(e, "attn_type_list");
    if (t != 0 && t != 1) throw InputError(fmt::format("{}: attn_type_list holds {} (0 lightning, 1 softmax)", r.f.what(), t));
    per_layer.push_back(t == 0 ? parse_single("lightning") : s.full);
  }
  return true;
}

// Falcon-H1: every layer runs attention and Mamba-2 side by side on the same input and adds their
// outputs, then its MLP. Each layer becomes two mixer slots (the attention, then the Mamba-2 with
// the MLP), so that the KV cache and the state are both exact; the slots double the layer count.
void falcon_h1_slots(ConfigReader& r, ModelConfig& m, const MixerShapes& s) {
  const int64_t layers = m.layers;
  m.layers = 2 * layers;
  m.attn = fmt::format("{}/mamba2", pattern_text(s.full));
  m.ffn_layers = ffn_stack_from_layers({FfnLayer{FfnKind::none, 0}, FfnLayer{FfnKind::dense, 0}});
  m.notes.push_back(fmt::format("Falcon-H1 runs attention and Mamba-2 side by side in each of its {} layers: counted as {} mixer slots "
                                "(attention, then Mamba-2 with the MLP); the slots count 2·hidden of norms each",
                                layers, m.layers));
  // Every published config has attn_layer_indices null (attention in every layer) and
  // mamba_use_mlp true; other values would change the layout, which is not modelled.
  if (const json* idx = r.f.find({"attn_layer_indices"}); idx && !idx->is_null())
    m.warnings.push_back(fmt::format("{}: attn_layer_indices {} is not understood; attention is counted in every layer", r.f.what(), json_brief(*idx)));
  if (!r.f.boolean("mamba_use_mlp", true))
    m.warnings.push_back(fmt::format("{}: mamba_use_mlp false is not understood; every layer is counted with its MLP", r.f.what()));
}

// Zamba2: Mamba-2 layers; a "hybrid" layer first runs one of num_mem_blocks shared transformer
// blocks (attention over [hidden; embedding] and an MLP) with its own linear and LoRA adapters.
// Each use of a shared block caches its own K/V. Slots: [attention + MLP], [Mamba-2] per hybrid
// layer, [Mamba-2] per Mamba layer; the shared weights are counted once per stored block.
void zamba2_slots(ConfigReader& r, ModelConfig& m, const MixerShapes& s) {
  Fields& f = r.f;
  // The layout: layers_block_type, and hybrid_layer_ids, which transformers writes beside it (both
  // given: they must agree; one given: it decides), else Zamba2Config's default.
  std::vector<std::string> types, from_ids;
  if (const json* ids = f.list("hybrid_layer_ids")) {
    from_ids.assign(static_cast<size_t>(m.layers), "mamba");
    for (const json& e : *ids) {
      const int64_t i = f.as_integer(e, "hybrid_layer_ids");
      if (i < 0 || i >= m.layers) throw InputError(fmt::format("{}: hybrid_layer_ids holds {} for {} layers", f.what(), i, m.layers));
      from_ids[static_cast<size_t>(i)] = "hybrid";
    }
  }
  if (const json* list = f.list("layers_block_type")) {
    check_layer_list(list->size(), m.layers, "layers_block_type", r.what);
    for (const json& t : *list) types.push_back(t.is_string() ? t.get<std::string>() : json_brief(t));
    if (!from_ids.empty() && from_ids != types)
      throw InputError(fmt::format("{}: hybrid_layer_ids and layers_block_type place the shared blocks differently", f.what()));
  } else if (!from_ids.empty()) {
    types = from_ids;
  } else {  // Zamba2Config's default: 54 layers, a hybrid one every sixth
    types = {"mamba"};
    for (int i = 0; i < 7; ++i) types.insert(types.end(), {"mamba", "mamba", "mamba", "mamba", "mamba", "hybrid"});
    types.insert(types.end(), {"mamba", "mamba", "mamba", "mamba", "hybrid", "mamba", "mamba", "mamba", "hybrid", "mamba", "mamba"});
    check_layer_list(types.size(), m.layers, "layers_block_type (Zamba2Config's default)", r.what);
  }
  // Zamba2Attention caches num_key_value_heads; num_query_groups repeats it in Zyphra's configs.
  if (const int64_t groups = f.integer({"num_query_groups"}, m.kv_heads); groups != m.kv_heads)
    m.warnings.push_back(fmt::format("{}: num_query_groups {} differs from num_key_value_heads {}; the KV cache is counted with num_key_value_heads",
                                     f.what(), groups, m.kv_heads));
  std::vector<Pattern> slots;
  std::vector<FfnLayer> ffn;
  int64_t uses = 0;
  for (const std::string& t : types) {
    if (t == "hybrid") slots.push_back(s.full), ffn.push_back({FfnKind::dense, 0}), ++uses;
    else if (t != "mamba") throw InputError(fmt::format("{}: layers_block_type holds '{}' (expected mamba or hybrid)", f.what(), t));
    slots.push_back(parse_single("mamba2")), ffn.push_back({FfnKind::none, 0});
  }
  const double h = static_cast<double>(m.hidden), q = static_cast<double>(m.heads * m.head_dim), kv = static_cast<double>(m.kv_heads * m.head_dim);
  const double in = static_cast<double>(f.integer({"attention_hidden_size"}, 2 * m.hidden));  // [hidden; embedding]
  const double ffn_width = static_cast<double>(m.ffn), rank = static_cast<double>(f.integer({"adapter_rank"}, 128));
  m.shared_blocks = f.integer({"num_mem_blocks"}, 1);
  m.shared_block_uses = uses;
  // One stored block (vLLM zamba2.py): q/k/v from attention_hidden_size (2·hidden), o back to hidden, the gated MLP, its two norms.
  m.shared_block_params = in * (q + 2 * kv) + q * h + 3 * h * ffn_width + 3 * h;
  // Per use: the block's output linear, and the LoRA adapters when the config has them.
  m.shared_block_extra_params = static_cast<double>(uses) * (h * h + (f.boolean("use_shared_attention_adapter", false) ? 3 * (in * rank + rank * in) : 0) +
                                                             (f.boolean("use_shared_mlp_adapter", false) ? h * rank + rank * 2 * ffn_width : 0));
  const int64_t layers = m.layers;
  m.layers = static_cast<int64_t>(slots.size());
  m.attn = compact_stack_text(slots);
  m.ffn_layers = ffn_stack_from_layers(ffn);
  m.notes.push_back(fmt::format("Zamba2's {} layers are counted as {} mixer slots: {} uses of {} shared attention block(s), each caching its own K/V, "
                                "and {} Mamba-2 mixers",
                                layers, m.layers, uses, m.shared_blocks, layers));
}

// Layouts given by a rule instead of a list. Returns the spec, or "" when no rule applies.
std::string from_rules(ConfigReader& r, ModelConfig& m, const MixerShapes& s) {
  Fields& f = r.f;
  const std::string full = pattern_text(s.full);
  if (const int64_t period = f.integer({"attn_layer_period"}, 0); period > 1) {
    // Jamba: one attention layer per period at attn_layer_offset, Mamba-1 elsewhere.
    const int64_t offset = f.integer({"attn_layer_offset"}, 0);
    const std::string ssm = fmt::format("ssm:{}", f.integer({"mamba_d_state"}, 16));
    if (offset < 0 || offset >= period || period > static_cast<int64_t>(kMaxLayerList))
      throw InputError(fmt::format("{}: attn_layer_offset {} is not within attn_layer_period {}", r.what, offset, period));
    std::string attn = offset > 0 ? fmt::format("{}*{}/", ssm, offset) : "";
    attn += "dense";
    if (period - offset - 1 > 0) attn += fmt::format("/{}*{}", ssm, period - offset - 1);
    return attn;
  }
  if (const int64_t interval = f.integer({"full_attention_interval"}, 0); interval > 0 && r.family.qwen_next)  // gated DeltaNet, full every interval-th
    return interval > 1 ? fmt::format("deltanet*{}/{}", interval - 1, full) : full;
  if (r.family.minimax_lightning)  // MiniMaxConfig's default: full attention on even layers, lightning on odd ones
    return fmt::format("{}/lightning", full);
  if (r.family.llama4 && s.chunk > 0) {
    // Llama-4: chunked local attention on the RoPE layers, global attention on the NoPE ones
    // (no_rope_layers: 1 = RoPE; default: every 4th layer NoPE).
    const int64_t every = f.integer({"no_rope_layer_interval"}, 4);
    return every > 1 ? fmt::format("chunk:{}*{}/{}", s.chunk, every - 1, full) : full;
  }
  if (s.window > 0 && s.uses_window && (r.family.gemma3 || f.given("sliding_window_pattern"))) {
    // Gemma-3: every Nth layer global, the others sliding.
    const int64_t every = f.integer({"sliding_window_pattern"}, 6);
    return every > 1 ? fmt::format("window:{}*{}/{}", s.window, every - 1, full) : full;
  }
  if (s.window > 0 && s.uses_window) {
    std::string attn = r.family.model_type == "gemma2" ? fmt::format("window:{}/{}", s.window, full) : fmt::format("window:{}", s.window);
    if (r.family.model_type == "qwen2" || r.family.model_type == "qwen3") {
      const int64_t first_window = f.integer({"max_window_layers"}, 0);
      if (first_window > 0 && first_window < m.layers)  // Qwen2: layers from max_window_layers on slide
        attn = fmt::format("{}*{}/window:{}*{}", full, first_window, s.window, m.layers - first_window);
    }
    return attn;
  }
  return full;
}

}  // namespace

void read_token_mixers(ConfigReader& r, ModelConfig& m) {
  Fields& f = r.f;
  const MixerShapes s = mixer_shapes(r, m);
  m.attn = r.info.text({"attn"}, "");  // explicit in a preset
  if (m.attn.empty()) {
    std::vector<Pattern> per_layer;  // filled when the config lists the layers one by one
    if (r.family.falcon_h1) falcon_h1_slots(r, m, s);
    else if (r.family.zamba2) zamba2_slots(r, m, s);
    else if (!from_kimi_linear(r, m, s, per_layer) && !from_layer_types(r, m, s, per_layer) && !from_attn_type_list(r, m, s, per_layer) &&
             !from_hybrid_override_pattern(r, m, s, per_layer) && !from_hybrid_layer_pattern(r, m, s, per_layer) && !from_block_configs(r, m, per_layer)) {
      // Llama-4's per-layer RoPE list places its chunked layers one by one.
      const json* rope = r.family.llama4 && s.chunk > 0 ? f.list("no_rope_layers") : nullptr;
      if (rope && !rope->empty()) {
        check_layer_list(rope->size(), m.layers, "no_rope_layers", r.what);
        for (const json& e : *rope) per_layer.push_back(f.as_integer(e, "no_rope_layers") != 0 ? s.chunked : s.full);
      } else {
        m.attn = from_rules(r, m, s);
      }
    }
    if (!per_layer.empty()) m.attn = compact_stack_text(per_layer);
  }
  // Read for consistency with the lists above where both are given; they change nothing else.
  (void)f.integer({"no_rope_layer_interval"}, 0);
  (void)f.integer({"full_attention_interval"}, 0);
  (void)f.list("no_rope_layers");
  (void)f.list("attn_type_list");
}

}  // namespace attncost
