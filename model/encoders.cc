// The vision and audio encoders of multimodal checkpoints, counted as the checkpoints store them
// (biases and norms included) so that text model + encoders + projectors matches the checkpoint's
// total: SigLIP/SigLIP2 (Gemma-3, LFM2-VL), the Qwen2.5-VL and Qwen3-VL ViTs, Pixtral (Mistral-3),
// the Whisper-style encoder of Voxtral, each with its family's projector. Other encoders are
// counted by a generic ViT formula, and their name says so.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"
#include "model/hf_reader.h"
#include "model/short_names.h"

namespace attncost {

using nlohmann::json;

namespace {

using namespace short_names;

// The widths of a ViT-like encoder, in the spellings of the families above and Kimi's MoonViT.
struct Tower {
  double hidden = 0, intermediate = 0, layers = 0, patch = 14, channels = 3;
};
Tower tower_of(Fields& v) {
  Tower t;
  t.hidden = D(v.integer({"hidden_size", "vt_hidden_size", "embed_dim", "width", "d_model"}, 0));
  t.intermediate = D(v.integer({"intermediate_size", "vt_intermediate_size", "encoder_ffn_dim"}, static_cast<int64_t>(4 * t.hidden)));
  t.layers = D(v.integer({"num_hidden_layers", "depth", "vt_num_hidden_layers", "num_layers", "encoder_layers"}, 0));
  t.patch = D(v.integer({"patch_size"}, 14));
  t.channels = D(v.integer({"num_channels", "in_channels", "in_chans"}, 3));
  return t;
}

// One pre-norm transformer layer with biased q/k/v/o, a biased two-matrix MLP and two LayerNorms
// (SigLIP, Qwen3-VL's ViT): 4h² + 4h + 2hi + i + h + 4h.
double vit_layer(const Tower& t) { return 4 * t.hidden * t.hidden + 2 * t.hidden * t.intermediate + 9 * t.hidden + t.intermediate; }

// SigLIP (Gemma-3: a Conv2d patch embedding, (image/patch)² positions) and SigLIP2 (LFM2-VL: a
// Linear patch embedding, num_patches positions); post-layernorm; the MAP head when it has one.
double siglip(Fields& v, const Tower& t, bool siglip2) {
  const double h = t.hidden, patch_in = t.channels * t.patch * t.patch;
  double positions = D(v.integer({"num_patches"}, 256));
  if (!siglip2) {
    const double side = D(v.integer({"image_size"}, 224)) / t.patch;
    positions = side * side;
  }
  double p = t.layers * vit_layer(t) + patch_in * h + h + positions * h + 2 * h;
  if (v.boolean("vision_use_head", !siglip2)) p += h + 4 * h * h + 4 * h + 2 * h + 2 * h * t.intermediate + t.intermediate + h;  // probe, attention, norm, MLP
  return p;
}

// Qwen2.5-VL's ViT: Conv3d patches (no bias), RMSNorms, biased qkv/proj, a gated biased MLP, and
// the merger (RMSNorm, then two biased linears over merge² patches).
double qwen25_vit(Fields& v, const Tower& t, double* projector) {
  const double h = t.hidden, i = t.intermediate, merge = D(v.integer({"spatial_merge_size"}, 2));
  const double temporal = D(v.integer({"temporal_patch_size"}, 2)), out = D(v.integer({"out_hidden_size"}, 0, true));
  const double block = 4 * h * h + 3 * h * i + 7 * h + 2 * i;
  const double merged = h * merge * merge;
  *projector = h + merged * merged + merged + merged * out + out;
  return t.channels * temporal * t.patch * t.patch * h + t.layers * block + *projector;
}

// Qwen3-VL's ViT: biased Conv3d patches, learned positions, SigLIP-style layers, the merger and one
// deep-stack merger (its norm after the merge) per listed layer.
double qwen3_vit(Fields& v, const Tower& t, double* projector) {
  const double h = t.hidden, merge = D(v.integer({"spatial_merge_size"}, 2)), temporal = D(v.integer({"temporal_patch_size"}, 2));
  const double out = D(v.integer({"out_hidden_size"}, 0, true)), positions = D(v.integer({"num_position_embeddings"}, 2304));
  const double merged = h * merge * merge, mlp = merged * merged + merged + merged * out + out;
  const json* deep = v.list("deepstack_visual_indexes");
  const double deep_count = deep ? D(static_cast<int64_t>(deep->size())) : 0;
  *projector = 2 * h + mlp + deep_count * (2 * merged + mlp);
  return t.channels * temporal * t.patch * t.patch * h + h + positions * h + t.layers * vit_layer(t) + *projector;
}

// Pixtral (Mistral-3): bias-free Conv2d patches, RMSNorms, bias-free attention and gated MLP; the
// Mistral-3 projector: RMSNorm, the patch merger (merge² → 1), two linears into the text model.
double pixtral(ConfigReader& r, const Tower& t, double text_hidden, double* projector) {
  const double h = t.hidden, i = t.intermediate, merge = D(r.top.integer({"spatial_merge_size"}, 2));
  const double bias = r.top.boolean("multimodal_projector_bias", false) ? 2 * text_hidden : 0;
  *projector = h + h * merge * merge * h + h * text_hidden + text_hidden * text_hidden + bias;
  return t.channels * t.patch * t.patch * h + h + t.layers * (4 * h * h + 3 * h * i + 2 * h) + *projector;
}

// Voxtral's audio encoder (Whisper's): two biased convolutions over the mel bins, 1500 stored
// positions, biased q/v/o (k without bias), LayerNorms; the projector takes 4 frames at a time.
double whisper_audio(Fields& a, const Tower& t, double text_hidden, double* projector) {
  const double h = t.hidden, i = t.intermediate, mels = D(a.integer({"num_mel_bins"}, 128)), positions = D(a.integer({"max_source_positions"}, 1500));
  *projector = i * text_hidden + text_hidden * text_hidden;  // linear_1 (4 frames = intermediate_size wide), linear_2, no biases
  return mels * h * 3 + h + h * h * 3 + h + positions * h + t.layers * (4 * h * h + 2 * h * i + 8 * h + i) + 2 * h + *projector;
}

// Any other ViT: SigLIP-style layers and a patch embedding, a one-matrix projector into the text
// model; approximate, and named so.
double generic_vit(const Tower& t, double text_hidden, double* projector) {
  *projector = t.hidden * text_hidden;
  return t.layers * vit_layer(t) + t.channels * t.patch * t.patch * t.hidden + t.hidden + *projector;
}

Encoder vision_encoder(ConfigReader& r, const json& cfg, double text_hidden) {
  Fields v(cfg, r.what + ": vision_config");
  const Tower t = tower_of(v);
  const std::string type = v.text({"model_type"}, "");
  const std::string root_type = r.top.text({"model_type"}, "");
  Encoder e;
  e.kind = "vision";
  if (type == "siglip_vision_model" || type == "siglip2_vision_model") {
    const bool siglip2 = type == "siglip2_vision_model";
    e.params = siglip(v, t, siglip2);
    if (r.family.gemma3) {  // Gemma3MultiModalProjector: one matrix into the text model and an RMSNorm
      e.projector_params = t.hidden * text_hidden + t.hidden;
    } else {  // Lfm2VlMultiModalProjector: pixel unshuffle by downsample_factor, LayerNorm, two linears
      const double factor = D(r.top.integer({"downsample_factor"}, 2)), width = D(r.top.integer({"projector_hidden_size"}, 2560));
      const double in = t.hidden * factor * factor, bias = r.top.boolean("projector_bias", true) ? width + text_hidden : 0;
      e.projector_params = (r.top.boolean("projector_use_layernorm", true) ? 2 * in : 0) + in * width + width * text_hidden + bias;
      (void)r.top.integer({"vision_feature_layer"}, -1);
    }
    e.params += e.projector_params;
    e.name = fmt::format("{} ({} layers of width {}) and projector", siglip2 ? "SigLIP2" : "SigLIP", t.layers, t.hidden);
  } else if (root_type == "qwen2_5_vl") {
    e.params = qwen25_vit(v, t, &e.projector_params);
    e.name = fmt::format("Qwen2.5-VL ViT ({} layers of width {}) and merger", t.layers, t.hidden);
  } else if (type == "qwen3_vl" || type == "qwen3_vl_moe" || type == "qwen3_5" || type == "qwen3_5_moe") {
    e.params = qwen3_vit(v, t, &e.projector_params);
    e.name = fmt::format("Qwen3-VL ViT ({} layers of width {}), merger and deep-stack mergers", t.layers, t.hidden);
  } else if (type == "pixtral") {
    e.params = pixtral(r, t, text_hidden, &e.projector_params);
    e.name = fmt::format("Pixtral ({} layers of width {}) and Mistral-3 projector", t.layers, t.hidden);
  } else {
    e.params = generic_vit(t, text_hidden, &e.projector_params);
    e.name = fmt::format("{} ({} layers of width {}; approximate: a generic ViT and a one-matrix projector)", type.empty() ? "vision encoder" : type,
                         t.layers, t.hidden);
  }
  (void)r.top.integer({"spatial_merge_size"}, 0), (void)r.top.boolean("multimodal_projector_bias", false);
  (void)r.top.text({"projector_hidden_act"}, ""), (void)r.top.boolean("projector_use_layernorm", true);
  if (t.hidden <= 0 || t.layers <= 0) throw InputError(fmt::format("{}: a vision encoder needs a positive width and layer count", v.what()));
  return e;
}

Encoder audio_encoder(ConfigReader& r, const json& cfg, double text_hidden) {
  Fields a(cfg, r.what + ": audio_config");
  const Tower t = tower_of(a);
  const std::string type = a.text({"model_type"}, "");
  Encoder e;
  e.kind = "audio";
  if (type == "voxtral_encoder" || type == "whisper") {
    e.params = whisper_audio(a, t, text_hidden, &e.projector_params);
    e.name = fmt::format("Whisper-style audio encoder ({} layers of width {}) and projector", t.layers, t.hidden);
  } else {
    e.params = generic_vit(t, text_hidden, &e.projector_params);
    e.name = fmt::format("{} ({} layers of width {}; approximate: a generic transformer encoder and a one-matrix projector)",
                         type.empty() ? "audio encoder" : type, t.layers, t.hidden);
  }
  (void)r.top.integer({"hidden_size"}, 0);  // Voxtral repeats the text model's width at the top
  if (t.hidden <= 0 || t.layers <= 0) throw InputError(fmt::format("{}: an audio encoder needs a positive width and layer count", a.what()));
  return e;
}

}  // namespace

void read_encoders(ConfigReader& r, ModelConfig& m) {
  const double text_hidden = D(m.hidden);
  if (r.root.contains("vision_config") && r.root["vision_config"].is_object()) m.encoders.push_back(vision_encoder(r, r.root["vision_config"], text_hidden));
  if (r.root.contains("audio_config") && r.root["audio_config"].is_object()) m.encoders.push_back(audio_encoder(r, r.root["audio_config"], text_hidden));
}

}  // namespace attncost
