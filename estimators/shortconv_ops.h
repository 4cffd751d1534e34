// LiquidAI LFM2's gated short convolution, the `shortconv` token mixer, in one place: its weights,
// the state a sequence keeps (vLLM's ShortConv caches the last L−1 inputs of the convolution), and
// the operator records of a prefill or decode step. The layer (vLLM model_executor/layers/mamba/
// short_conv.py; transformers modeling_lfm2.py Lfm2ShortConv):
//   B, C, x = in_proj(h)          one GEMM, hidden → 3·d
//   y = C ⊙ conv_L(B ⊙ x)         depthwise causal convolution of L taps over d channels
//   out = out_proj(y)             d → hidden
#pragma once
#include <span>

#include "estimators/layer_costs.h"

namespace attncost {

class Explainer;

// Channels on one GPU (in_proj is column-split, out_proj row-split over TP) and taps.
struct ShortConv {
  double channels = 0;  // d / TP
  double taps = 0;      // L
};
ShortConv shortconv_of(const Pattern& p, const ModelConfig& m, const Shape& s);

// Weights on one GPU: in_proj 3·d·h, the convolution L·d, out_proj d·h (d split over TP).
double shortconv_params(const Pattern& p, const ModelConfig& m, const Shape& s);
// State of one sequence in one layer on one GPU: the last L − 1 inputs of the convolution,
// (L − 1)·d values in the KV dtype (vLLM: short_conv_state_shape, short_conv_state_dtype).
double shortconv_state_bytes(const Pattern& p, const ModelConfig& m, const Shape& s, const Design& d);

// One phase's work for the convolution: its tokens on this GPU and the sequences that read and
// write their state (step_cost.h's PatternLoad).
struct ShortConvPhase {
  double tokens = 0;
  double state_reads = 0, state_writes = 0;
  bool decode = false;
};

// Appends the operators of `layers` short-convolution layers (pattern index `pattern`): the in/out
// projections over `gemm_tokens` (ssm_proj), then one gated convolution with its state per phase
// of the step that has work (ssm_scan).
void add_shortconv_ops(const ModelConfig& m, const Design& d, const Pattern& p, int pattern, double layers, double gemm_tokens,
                       std::span<const ShortConvPhase> phases, OpList& out, Explainer* ex);

}  // namespace attncost
