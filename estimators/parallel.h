// Pipeline parallelism applied to a pass whose operators build_ops costed: the busiest stage's
// share of the layers, micro-batches in flight, and the activations sent between stages. TP, CP
// and EP act inside build_ops (head and column splits, the sequence split with its K/V ring, the
// experts' all-to-all); DP only multiplies replicas. docs/cost-model.md §15.
#pragma once
#include <cstdint>

#include "estimators/collectives.h"
#include "model/design.h"
#include "model/gpu_spec.h"
#include "model/model_config.h"

namespace attncost {

// The busiest stage's fraction of the layers: ⌈L / pp⌉ / L (1 without PP).
double stage_fraction(const ModelConfig& m, const Design& d);
// Micro-batches a batch of `batch` sequences is cut into: min(batch, pp).
uint64_t micro_batches(const Design& d, uint64_t batch);
// One stage boundary's send of `tokens` hidden states: each TP rank sends its 1/TP slice (0 without PP).
double stage_send_bytes(const ModelConfig& m, const Design& d, double tokens);
// The link the stages' sends cross: the scale-out network once the replica spans more than one domain.
Link stage_link(const Design& d, const GpuSpec& gpu);
// Its time on that link.
double stage_send_s(const ModelConfig& m, const Design& d, const GpuSpec& gpu, double tokens);
// The pass through the pipeline, given `all_layers_s`, every layer's time on one micro-batch:
// a decode step goes through every stage once per token (pp · stage time); a prefill of `micro`
// micro-batches fills and drains the pipeline (GPipe: (pp + micro − 1) · stage time); each adds
// pp − 1 sends between stages.
double pipeline_s(const ModelConfig& m, const Design& d, double all_layers_s, double send_s, bool decode, uint64_t micro);

}  // namespace attncost
