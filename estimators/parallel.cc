#include "estimators/parallel.h"

#include <algorithm>

#include "estimators/collectives.h"

namespace attncost {

double stage_fraction(const ModelConfig& m, const Design& d) {
  if (d.pp <= 1) return 1;
  const int64_t per_stage = (m.layers + d.pp - 1) / d.pp;
  return static_cast<double>(per_stage) / static_cast<double>(m.layers);
}

uint64_t micro_batches(const Design& d, uint64_t batch) { return std::min<uint64_t>(batch, static_cast<uint64_t>(d.pp)); }

double stage_send_bytes(const ModelConfig& m, const Design& d, double tokens) {
  if (d.pp <= 1) return 0;
  return tokens * static_cast<double>(m.hidden) * (dtype_bits(d.act_dtype) / 8.0) / static_cast<double>(d.tp);
}

// Stages sit tp·cp GPUs apart: the pipeline stays on NVLink while all of it fits one domain.
Link stage_link(const Design& d, const GpuSpec& gpu) { return link_for(gpu, replica_gpus(d)); }

double stage_send_s(const ModelConfig& m, const Design& d, const GpuSpec& gpu, double tokens) {
  if (d.pp <= 1) return 0;
  return collective_cost(Collective::send_recv, stage_send_bytes(m, d, tokens), 2, stage_link(d, gpu)).time_s;
}

double pipeline_s(const ModelConfig& m, const Design& d, double all_layers_s, double send_s, bool decode, uint64_t micro) {
  if (d.pp <= 1) return all_layers_s;
  const double pp = static_cast<double>(d.pp), stage = all_layers_s * stage_fraction(m, d);
  const double passes = decode ? pp : pp + static_cast<double>(micro) - 1;
  return passes * stage + (pp - 1) * send_s;
}

}  // namespace attncost
