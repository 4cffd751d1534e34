// Shared fixtures: a design/workload/GPU triple built the way the CLI builds them.
#pragma once
#include <cmath>

#include "estimators/estimate.h"
#include "model/presets.h"

namespace attncost::testing {

inline Estimate run(const std::string& model, const DesignChoice& c, uint64_t ctx, uint64_t batch = 1,
                    const std::string& gpu = "h100-sxm", uint64_t gen = 0) {
  const ModelConfig m = load_model(model);
  Workload w;
  w.ctx = ctx, w.batch = batch, w.gen = gen;
  return estimate(m, make_design(m, c), w, load_gpu(gpu));
}

inline DesignChoice attn(const std::string& spec) {
  DesignChoice c;
  c.attn = spec;
  return c;
}

inline DesignChoice gqa(int64_t g) {
  DesignChoice c;
  c.sharing = KvSharing::gqa;
  c.kv_heads = g;
  return c;
}

inline DesignChoice sharing(KvSharing s) {
  DesignChoice c;
  c.sharing = s;
  return c;
}

// Every reported number of an estimate, for invariants that compare two estimates whole.
inline std::vector<double> all_numbers(const Estimate& e) {
  std::vector<double> v = {e.params, e.kv.bytes_per_token, e.kv.bytes_per_sequence, e.kv.bytes_total,
                           e.memory.weights_bytes, e.memory.kv_bytes, e.memory.total_bytes,
                           e.memory.max_concurrent_sequences, e.quality.attended_fraction,
                           e.quality.direct_reach_tokens, e.quality.receptive_field_tokens};
  for (const PhaseCost* p : {&e.prefill, &e.decode})
    for (double x : {p->attention_pairs, p->attention_flops, p->attention_other_flops, p->flops, p->other_flops,
                     p->hbm_bytes, p->kv_read_bytes, p->kv_write_bytes, p->time_s, p->tokens_per_s})
      v.push_back(x);
  return v;
}

inline bool all_finite_nonnegative(const Estimate& e) {
  for (double x : all_numbers(e))
    if (!std::isfinite(x) || x < 0) return false;
  return true;
}

}  // namespace attncost::testing
