// Internal to the config.json reader (model/hf_config.cc, hf_layers.cc, encoders.cc): the objects
// of one config and what its model_type says about the family. Not part of the model/ interface.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "model/attn_spec.h"
#include "model/ffn_stack.h"
#include "model/hf_fields.h"
#include "model/model_config.h"

namespace attncost {

// Families whose layout needs their own rules, from model_type.
struct Family {
  std::string model_type;
  bool gemma3 = false, gemma4 = false, llama4 = false, qwen_next = false, gpt_oss = false, mimo = false;
  bool lfm2 = false;            // LiquidAI LFM2/LFM2.5: gated short convolutions beside attention
  bool granite_hybrid = false;  // IBM Granite-4.0-H: Mamba-2 and attention layers, each with MoE + shared MLP
  bool falcon_h1 = false;       // TII Falcon-H1: attention and Mamba-2 side by side in every layer
  bool zamba2 = false;          // Zyphra Zamba2: Mamba-2 layers, some preceded by a shared attention block
  bool kimi_linear = false;     // Moonshot Kimi-Linear: Kimi Delta Attention (KDA) and MLA layers
  bool minimax_lightning = false;  // MiniMax-Text-01 / M1: lightning (linear) attention, softmax every 8th layer
  bool jamba = false;
};
Family family_of(const std::string& model_type);

// One config.json: the root object, the text model's object (text_config of multimodal
// checkpoints, else the root), the preset block, and a field reader over each.
struct ConfigReader {
  ConfigReader(const nlohmann::json& root, const std::string& what);
  const nlohmann::json& root;
  bool nested;                  // the text model is root["text_config"]
  const nlohmann::json& text;
  std::string what;
  Family family;
  const nlohmann::json* class_defaults;  // the family's transformers defaults (model/class_defaults.h), or nullptr
  Fields top, f, info;          // root, text model, "attncost" block
  static const nlohmann::json& empty();
};

// The model's token mixers (ModelConfig::attn, in the --attn grammar), and for the layouts that
// place them, its feed-forward blocks (m.ffn_layers): every per-layer layout of today's configs.
void read_token_mixers(ConfigReader& r, ModelConfig& m);

// The vision and audio encoders (and projectors) of a multimodal checkpoint: m.encoders.
void read_encoders(ConfigReader& r, ModelConfig& m);

Pattern parse_single(const std::string& spec);

}  // namespace attncost
