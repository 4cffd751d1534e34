// What a model is: its shape, as read from a Hugging Face config.json or a built-in preset
// (presets are config.json files too, with an "attncost" block naming the source). The layers
// are described as a stack of token mixers (`attn`, in the --attn grammar) and a stack of
// feed-forward blocks (`ffn_layers`), so that today's per-layer layouts — sliding/full
// alternations, chunked local attention, Mamba and DeltaNet hybrids, MoE placement rules — are
// represented exactly.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "model/dtype.h"
#include "model/ffn_stack.h"
#include "model/weight_format.h"

namespace attncost {

// A vision or audio encoder of a multimodal checkpoint, with the projector into the text model:
// weights the engines load beside the text model (model/encoders.cc counts them per family).
struct Encoder {
  std::string kind;            // "vision" or "audio"
  std::string name;            // "SigLIP2, 27 layers of width 1152"
  double params = 0;           // the encoder's parameters, projector included
  double projector_params = 0;
};

struct ModelConfig {
  std::string name;
  std::string source;          // where the numbers come from (preset) or the file path
  std::string origin;          // the --model argument (and overrides) that reproduce this model
  int64_t layers = 0;
  int64_t heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;        // per-head query/key width d_k (MLA: nope + rope)
  int64_t v_head_dim = 0;      // per-head value width d_v
  int64_t hidden = 0;
  int64_t ffn = 0;             // dense MLP width
  int64_t vocab = 0;
  int64_t max_position = 0;    // max_position_embeddings: the context it was trained (or extended) for; 0 = unknown
  Dtype dtype = Dtype::fp16;
  bool gated_mlp = true;       // SwiGLU/GeGLU (3 matrices) vs GELU/ReLU/ReLU² (2)
  bool tied_embeddings = false;
  bool attn_output_gate = false;  // Qwen3-Next/3.5: the query projection is doubled for a sigmoid output gate
  bool learned_sinks = false;     // gpt-oss, MiMo: a learned sink logit per head in the softmax (no cached tokens)

  // Multi-head latent attention (DeepSeek-V2/V3, Kimi-K2); kv_lora_rank = 0 means the model has none.
  int64_t kv_lora_rank = 0;
  int64_t q_lora_rank = 0;
  int64_t qk_rope_head_dim = 0;

  // Mixture of experts; experts = 0 means no MoE layer.
  int64_t experts = 0;
  int64_t experts_active = 0;
  int64_t expert_ffn = 0;
  int64_t shared_experts = 0;
  int64_t shared_expert_ffn = 0;   // width of one shared expert; 0 = expert_ffn
  FfnStack ffn_layers;             // which layers have a dense MLP, an MoE block, or none

  // Mamba-1 mixer (`ssm` layers) and the convolution of Mamba-2.
  int64_t ssm_expand = 2;
  int64_t ssm_conv = 4;
  int64_t ssm_dt_rank = 0;         // 0 = ⌈hidden/16⌉
  // Mamba-2 mixer (`mamba2` layers): heads × head dim channels, groups of B/C, state size N.
  int64_t mamba2_heads = 0;        // 0 = ssm_expand · hidden / mamba2_head_dim
  int64_t mamba2_head_dim = 64;
  int64_t mamba2_groups = 1;
  int64_t mamba2_state = 128;
  // Gated DeltaNet (`deltanet` layers, Qwen3-Next/3.5); 0 = the attention's value heads / KV heads / head dim.
  int64_t deltanet_key_heads = 0, deltanet_value_heads = 0, deltanet_key_dim = 0, deltanet_value_dim = 0;
  int64_t deltanet_conv = 4;
  bool deltanet_kda = false;       // Kimi Delta Attention (Kimi-Linear): DeltaNet's state, its own projections (low-rank gates)
  std::optional<Dtype> state_dtype;  // recurrent states (mamba_ssm_dtype); unset: the KV dtype
  // Gated short convolution (`shortconv` layers, LiquidAI LFM2): B, C, x = in_proj(h); y = C ⊙ conv(B ⊙ x)
  // over `shortconv_kernel` taps (conv_L_cache); out_proj(y). Width 0 = the hidden size.
  int64_t shortconv_kernel = 3;    // a `shortconv` layer without :L
  int64_t shortconv_dim = 0;
  // DeepSeek-V3.2's lightning indexer (`topk` layers).
  int64_t indexer_heads = 64, indexer_head_dim = 128;

  // Multi-token-prediction modules (DeepSeek/GLM/MiMo num_nextn_predict_layers, MiniMax num_mtp_modules, Qwen3-Next
  // mtp_num_hidden_layers): each a projection of [embedding; hidden] and `mtp_layers` decoder layers. Engines load
  // them as the draft of speculative decoding.
  int64_t mtp_modules = 0;
  int64_t mtp_layers = 1;
  std::vector<Encoder> encoders;   // vision/audio encoders of a multimodal checkpoint
  bool text_only = false;          // --text-only: the encoders are left out of memory (a text-only deployment)
  // Zamba2: the attention + MLP block that `shared_block_uses` layers run is stored `shared_blocks` times, not once
  // per use (0: no shared blocks); the layer stack counts it per use and loaded_weights takes the surplus back.
  int64_t shared_blocks = 0;
  int64_t shared_block_uses = 0;
  double shared_block_params = 0;        // one stored block, as the checkpoint holds it
  double shared_block_extra_params = 0;  // per-use weights of the shared blocks' users (Zamba2's linear and LoRA adapters)

  WeightFormat weights;                 // from quantization_config; not quantized by default
  std::optional<Dtype> kv_dtype;        // a KV format the checkpoint prescribes (ModelOpt kv_cache_scheme)

  std::string attn = "dense";      // the model's own token mixers (--attn grammar)
  double published_params = 0;     // parameter count its authors state, where known
  // Pre-training as its authors report it (preset `attncost` block), where known: what retraining
  // estimates scale (docs/cost-model.md §8). 0 / "": not reported.
  double pretraining_tokens = 0;
  double pretraining_gpu_hours = 0;
  std::string pretraining_hardware;
  std::vector<std::string> notes;     // what the reader knowingly leaves out or reads by a convention of its own
  std::vector<std::string> warnings;  // fields that change a cost and are not understood

  int64_t dt_rank() const { return ssm_dt_rank > 0 ? ssm_dt_rank : (hidden + 15) / 16; }
  bool is_mla() const { return kv_lora_rank > 0; }
  // Whether `tokens` of context lie beyond the length the model was trained (or extended) for.
  bool beyond_trained_length(uint64_t tokens) const { return max_position > 0 && tokens > static_cast<uint64_t>(max_position); }
  // Number of layers whose feed-forward block is a mixture of experts.
  int64_t moe_layers() const;
};

// Reads a Hugging Face config.json (or a preset): the text model of multimodal checkpoints
// (text_config), every per-layer layout of today's families, MoE placement, quantization.
// `what` names the input in errors. Throws InputError on a missing or invalid field; fields that
// change a cost and are not understood become warnings.
ModelConfig model_from_json(const nlohmann::json& j, const std::string& what);

// Checks shapes (positive sizes, heads divisible by kv heads, ...). Throws InputError.
void validate_model(const ModelConfig& m);

}  // namespace attncost
