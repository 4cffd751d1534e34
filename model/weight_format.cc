#include "model/weight_format.h"

#include <cmath>
#include <map>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"

namespace attncost {

std::string_view weight_class_name(WeightClass c) {
  switch (c) {
    case WeightClass::attention: return "attention";
    case WeightClass::mixer: return "mixer";
    case WeightClass::mlp: return "mlp";
    case WeightClass::expert: return "experts";
    case WeightClass::router: return "router";
    case WeightClass::embedding: return "embedding";
    case WeightClass::lm_head: return "lm_head";
  }
  return "attention";
}

namespace {

using nlohmann::json;

constexpr size_t idx(WeightClass c) { return static_cast<size_t>(c); }

double number_or(const json& j, const char* key, double fallback) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() && std::isfinite(it->get<double>()) ? it->get<double>() : fallback;
}

// "mlp.gate" ending the name, or followed by '*' or ".weight" (a router, not mlp.gate_proj).
// Scanned by hand, not with std::regex: linear in the name, whatever a hostile list holds.
bool names_router_gate(std::string_view name) {
  constexpr std::string_view kGate = "mlp.gate";
  for (size_t at = name.find(kGate); at != std::string_view::npos; at = name.find(kGate, at + 1)) {
    const std::string_view rest = name.substr(at + kGate.size());
    if (rest.empty() || rest.front() == '*' || rest.rfind(".weight", 0) == 0) return true;
  }
  return false;
}

// The first "layers.N." in `name`: N, or -1 when there is none; -2 when N has more digits than
// any layer count (a hostile name of thousands of digits).
int64_t layer_index_of(std::string_view name) {
  constexpr std::string_view kLayers = "layers.";
  for (size_t at = name.find(kLayers); at != std::string_view::npos; at = name.find(kLayers, at + 1)) {
    size_t end = at + kLayers.size();
    while (end < name.size() && name[end] >= '0' && name[end] <= '9') ++end;
    const size_t digits = end - at - kLayers.size();
    if (digits == 0 || end == name.size() || name[end] != '.') continue;
    if (digits > 9) return -2;
    int64_t v = 0;
    for (size_t i = at + kLayers.size(); i < end; ++i) v = v * 10 + (name[i] - '0');
    return v;
  }
  return -1;
}

// The class of weights a module name (or pattern) in an exclusion list refers to; -1 = none of
// ours (norms, vision towers, projectors).
int class_of(const std::string& name) {
  auto has = [&](const char* s) { return name.find(s) != std::string::npos; };
  if (has("vision") || has("multi_modal") || has("visual") || has("norm")) return -1;
  if (has("lm_head")) return static_cast<int>(WeightClass::lm_head);
  if (has("embed")) return static_cast<int>(WeightClass::embedding);
  if (has("router") || names_router_gate(name)) return static_cast<int>(WeightClass::router);
  if (has("expert")) return static_cast<int>(WeightClass::expert);
  if (has("mamba") || has("mixer") || has("linear_attn")) return static_cast<int>(WeightClass::mixer);
  if (has("attn") || has("attention") || has("q_proj") || has("k_proj") || has("v_proj") || has("o_proj")) return static_cast<int>(WeightClass::attention);
  if (has("mlp") || has("ffn") || has("gate_proj") || has("up_proj") || has("down_proj")) return static_cast<int>(WeightClass::mlp);
  return -1;
}

// A quantization group: none (0, or -1 = one per channel, as GPTQ writes it) or 1 to 2^20
// weights; anything else would print an infinite or meaningless size.
void check_group_size(double g, const std::string& what, const char* field) {
  if (g == 0 || g == -1 || (g >= 1 && g <= 1048576)) return;
  throw InputError(fmt::format("{}: {} = {:g} is out of range (1 to 1048576, or -1 for none)", what, field, g));
}

}  // namespace

WeightFormat weight_format_from_json(const json& q, Dtype model_dtype, int64_t layers, std::vector<std::string>& warnings,
                                     const std::string& what, Dtype* kv_dtype) {
  WeightFormat f;
  if (!q.is_object()) return f;
  const std::string method = q.contains("quant_method") && q["quant_method"].is_string() ? q["quant_method"].get<std::string>() : "";
  double bits = 0;  // of a quantized weight, scales included
  if (method == "fp8") {
    const auto block = q.find("weight_block_size");
    if (block != q.end() && block->is_array() && block->size() == 2 && (*block)[0].is_number() && (*block)[1].is_number() &&
        (*block)[0].get<double>() >= 1 && (*block)[1].get<double>() >= 1) {
      const double a = (*block)[0].get<double>(), b = (*block)[1].get<double>();
      bits = 8 + 32 / (a * b);  // one fp32 scale per block (DeepSeek-V3's weight_scale_inv)
      f.method = fmt::format("fp8 e4m3, one fp32 scale per {:g}×{:g} block", a, b);
      f.fp8_block_scaled = true;
    } else {
      bits = 8;  // per-tensor or per-channel scales: negligible
      f.method = "fp8 e4m3";
    }
  } else if (method == "mxfp4") {
    bits = 4 + 8.0 / 32;  // OCP MX: an E8M0 scale per 32 elements
    f.method = "mxfp4 (4 bits + one 8-bit scale per 32)";
  } else if (method == "awq" || method == "gptq") {
    const double b = number_or(q, "bits", number_or(q, "w_bit", 4));
    const double g = number_or(q, "group_size", number_or(q, "q_group_size", 128));
    if (!(b >= 1 && b <= 16)) throw InputError(fmt::format("{}: quantization_config.bits = {} is out of range", what, b));
    check_group_size(g, what, "quantization_config.group_size");
    const bool zeros = method == "gptq" || !q.contains("zero_point") || !q["zero_point"].is_boolean() || q["zero_point"].get<bool>();
    // Per group: an fp16 scale, and a b-bit zero point (GPTQ stores them even when symmetric).
    bits = g > 0 ? b + (16 + (zeros ? b : 0)) / g : b;
    f.method = fmt::format("{} int{:g}, group {:g}", method, b, g);
  } else if (method == "modelopt" || method == "compressed-tensors") {
    // config_groups[*].weights: num_bits, type (int|float), group_size.
    const auto groups = q.find("config_groups");
    const std::string algo = q.contains("quant_algo") && q["quant_algo"].is_string() ? q["quant_algo"].get<std::string>() : "";
    double b = 0, g = 0;
    bool is_float = false;
    if (groups != q.end() && groups->is_object()) {
      for (const auto& [name, group] : groups->items()) {
        (void)name;
        if (!group.is_object() || !group.contains("weights") || !group["weights"].is_object()) continue;
        const json& w = group["weights"];
        b = number_or(w, "num_bits", 0);
        g = number_or(w, "group_size", 0);
        is_float = w.contains("type") && w["type"] == "float";
      }
    }
    if (b != 0 && !(b >= 1 && b <= 16))
      throw InputError(fmt::format("{}: quantization_config.config_groups weights.num_bits = {:g} is out of range [1, 16]", what, b));
    check_group_size(g, what, "quantization_config.config_groups weights.group_size");
    if (b == 0 && algo == "NVFP4") b = 4, g = 16, is_float = true;
    if (b == 0 && algo == "FP8") b = 8, is_float = true;
    if (b == 0) {
      warnings.push_back(fmt::format("{}: quantization_config ({} {}) names no weight bit width; weights counted in {}", what, method, algo,
                                     dtype_name(model_dtype)));
      return f;
    }
    // fp4 (NVFP4) groups carry an fp8 scale; integer groups an fp16 scale.
    bits = g > 0 ? b + (is_float && b <= 4 ? 8 : 16) / g : b;
    f.method = fmt::format("{} {}{:g}{}", method, is_float ? "fp" : "int", b, g > 0 ? fmt::format(", group {:g}", g) : "");
    if (const auto kv = q.find("kv_cache_scheme"); kv != q.end() && kv->is_object() && number_or(*kv, "num_bits", 0) == 8 && kv_dtype)
      *kv_dtype = kv->contains("type") && (*kv)["type"] == "int" ? Dtype::int8 : Dtype::fp8;
  } else if (method == "bitsandbytes") {
    const bool four = q.contains("load_in_4bit") && q["load_in_4bit"].is_boolean() && q["load_in_4bit"].get<bool>();
    const bool doubled = q.contains("bnb_4bit_use_double_quant") && q["bnb_4bit_use_double_quant"].is_boolean() &&
                         q["bnb_4bit_use_double_quant"].get<bool>();
    bits = four ? (doubled ? 4 + 8.0 / 64 + 32.0 / (64 * 256) : 4 + 32.0 / 64) : 8;
    f.method = four ? "bitsandbytes 4-bit" : "bitsandbytes 8-bit";
  } else {
    warnings.push_back(fmt::format("{}: quantization_config.quant_method '{}' is not understood; weights counted in {}", what, method,
                                   dtype_name(model_dtype)));
    return f;
  }
  // Quantized by default: every linear layer of the blocks; routers, embeddings and the LM head
  // stay in the model's dtype (what fp8, MXFP4, AWQ, GPTQ and NVFP4 checkpoints do).
  std::array<double, kWeightClasses> share{};  // fraction of each class's layers left unquantized
  share[idx(WeightClass::router)] = share[idx(WeightClass::embedding)] = share[idx(WeightClass::lm_head)] = 1;
  std::map<int, std::set<int64_t>> partial;
  size_t beyond = 0;  // entries whose layer index has more digits than any model's layer count
  std::string first_beyond;
  for (const char* key : {"modules_to_not_convert", "ignore", "exclude_modules", "ignored_layers"}) {
    const auto list = q.find(key);
    if (list == q.end() || !list->is_array()) continue;
    for (const json& entry : *list) {
      if (!entry.is_string()) continue;
      const std::string name = entry.get<std::string>();
      const int c = class_of(name);
      if (c < 0) continue;
      const int64_t index = layer_index_of(name);
      if (index == -1) {
        share[static_cast<size_t>(c)] = 1;
      } else if (index == -2) {
        if (beyond++ == 0) first_beyond = fmt::format("{}: quantization_config.{} entry '{}'", what, key, name.size() > 60 ? name.substr(0, 57) + "…" : name);
      } else {
        partial[c].insert(index);
      }
    }
  }
  if (beyond > 0)
    warnings.push_back(fmt::format("{} names a layer index of more than 9 digits{}; ignored", first_beyond,
                                   beyond > 1 ? fmt::format(" (and {} more such entries)", beyond - 1) : ""));
  for (const auto& [c, indices] : partial)
    if (share[static_cast<size_t>(c)] < 1 && layers > 0)
      share[static_cast<size_t>(c)] = std::min(1.0, static_cast<double>(indices.size()) / static_cast<double>(layers));
  const double native = dtype_bits(model_dtype);
  for (int c = 0; c < kWeightClasses; ++c) f.bits[static_cast<size_t>(c)] = share[static_cast<size_t>(c)] * native + (1 - share[static_cast<size_t>(c)]) * bits;
  return f;
}

}  // namespace attncost
