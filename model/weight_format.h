// How a checkpoint stores its weights, read from a Hugging Face `quantization_config`: the bits
// per weight, scales included, of each class of weights (attention projections, other token
// mixers, dense MLPs, experts, routers, embeddings, LM head). Weight bytes — the memory a model
// takes and what a decode step reads — follow from it (DeepSeek-V3 in fp8 blocks is ~690 GB, not
// 1.34 TB; gpt-oss-20b's MXFP4 experts make it ~14 GB, not 42).
#pragma once
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "model/dtype.h"

namespace attncost {

enum class WeightClass : uint8_t { attention, mixer, mlp, expert, router, embedding, lm_head };
inline constexpr int kWeightClasses = 7;
std::string_view weight_class_name(WeightClass c);

struct WeightFormat {
  std::string method;                          // "fp8 (128×128 blocks)", "mxfp4", ...; empty: not quantized
  std::array<double, kWeightClasses> bits{};  // per class, scales included; 0 = the model's dtype
  bool fp8_block_scaled = false;               // fp8 with a scale per weight block (DeepSeek-V3's weight_block_size)
  bool quantized() const { return !method.empty(); }
};

// `q` is a quantization_config; `layers` the model's layer count (for per-layer exclusion lists).
// Unknown methods and fields that change a cost are reported in `warnings`, one line each.
// `kv_dtype` is set when the checkpoint prescribes its KV-cache format (ModelOpt kv_cache_scheme).
WeightFormat weight_format_from_json(const nlohmann::json& q, Dtype model_dtype, int64_t layers, std::vector<std::string>& warnings,
                                     const std::string& what, Dtype* kv_dtype);

}  // namespace attncost
