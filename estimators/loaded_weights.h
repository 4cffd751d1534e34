// Weights the engines load beside the text model's layer stack, on one GPU, and what the output
// says about them: the vision/audio encoders and projectors of a multimodal checkpoint (split over
// TP like the text model, vLLM's default mm_encoder_tp_mode "weights"; left out by --text-only),
// the multi-token-prediction modules (loaded as the speculative draft: vLLM and SGLang load them
// only when --spec uses them), and Zamba2's shared blocks, stored once but run by several layers.
#pragma once
#include <string>
#include <vector>

#include "model/design.h"
#include "model/model_config.h"

namespace attncost {

struct LoadedWeights {
  double encoder_params = 0;        // whole checkpoint: encoders and projectors
  double mtp_params = 0;            // whole checkpoint: every MTP module
  double shared_block_params = 0;   // Zamba2: the shared blocks as stored minus what the layer stack counts per use
  double bytes_per_gpu = 0;         // added to one GPU's weights: encoders (unless --text-only), the shared-block correction
  double mtp_bytes_per_gpu = 0;     // the MTP modules on one GPU: the draft's weights when --spec has no draft model
  bool mtp_is_draft = false;        // --spec without a draft model on a model with MTP modules
  std::vector<std::string> lines;   // what was counted and what was left out, one line each
  double checkpoint_params(double text_params) const { return text_params + shared_block_params + encoder_params + mtp_params; }
};

LoadedWeights loaded_weights(const ModelConfig& m, const Design& d);

// Parameters of every MTP module of `m` with its heads split over `tp` GPUs: per module, the
// projection of [embedding; hidden] (2h·h, replicated), its norms, and `mtp_layers` decoder layers
// with the model's full attention and its feed-forward block (MoE when the model has experts); the
// embedding and LM head are shared with the target.
double mtp_params(const ModelConfig& m, const Design& d, int64_t tp);
// Their bytes on one GPU.
double mtp_bytes_per_gpu(const ModelConfig& m, const Design& d);

}  // namespace attncost
