#include "estimators/estimate.h"

#include <algorithm>
#include <cmath>

#include "estimators/pattern_counts.h"
#include "estimators/quality.h"
#include "estimators/roofline.h"

namespace attncost {
namespace {

void cost_phase(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu, bool is_decode,
                const Estimate& e, PhaseCost& out) {
  build_ops(m, d, w, gpu, is_decode, e.uses, e.use_count, out.ops);
  const double tp = static_cast<double>(d.tp);
  for (int i = 0; i < out.ops.count; ++i) {
    OpCost& op = out.ops.ops[static_cast<size_t>(i)];
    apply_roofline(op, gpu);
    const double n = op.layers;
    const bool attention = op.kind == OpKind::attention || op.kind == OpKind::linear_attn || op.kind == OpKind::ssm_scan;
    out.attention_pairs += n * op.pairs * tp;
    if (attention) {
      out.attention_flops += n * op.matmul_flops * tp;
      out.attention_other_flops += n * op.other_flops * tp;
    }
    out.flops += n * op.matmul_flops * tp;
    out.other_flops += n * op.other_flops * tp;
    out.weight_bytes += n * op.weight_bytes * tp;
    out.act_bytes += n * op.act_bytes * tp;
    out.kv_read_bytes += n * op.kv_read_bytes * tp;
    out.kv_write_bytes += n * op.kv_write_bytes * tp;
    out.comm_bytes += n * op.comm_bytes * tp;
    out.time_s += n * op.time_s;
    out.launch_s += n * op.launch_s;
    const double busy = op.time_s - op.launch_s;
    switch (op.bound) {
      case Bound::compute: out.compute_s += n * busy; break;
      case Bound::memory: out.memory_s += n * busy; break;
      case Bound::network: out.network_s += n * busy; break;
      case Bound::latency: out.memory_s += n * busy; break;
    }
  }
  out.hbm_bytes = out.weight_bytes + out.act_bytes + out.kv_read_bytes + out.kv_write_bytes;
  // The phase is bound by whichever resource its time goes to most.
  out.bound = Bound::memory;
  double most = out.memory_s;
  if (out.compute_s > most) { most = out.compute_s; out.bound = Bound::compute; }
  if (out.network_s > most) { most = out.network_s; out.bound = Bound::network; }
  if (out.launch_s > most) out.bound = Bound::latency;
  const double tokens = static_cast<double>(w.batch) * (is_decode ? 1.0 : static_cast<double>(w.ctx));
  out.tokens_per_s = out.time_s > 0 ? tokens / out.time_s : 0;
}

}  // namespace

double sequences_within(const Memory& mem, double budget_bytes) {
  const double free_bytes = budget_bytes - mem.weights_bytes;
  return free_bytes > 0 && mem.kv_bytes_per_sequence > 0 ? std::floor(free_bytes / mem.kv_bytes_per_sequence) : 0;
}

Estimate estimate(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu) {
  Estimate e;
  e.use_count = d.attn.uses(static_cast<uint64_t>(m.layers), e.uses);
  const Shape whole = shape_of(m, d, 1);
  const Shape gpu_shape = shape_of(m, d, d.tp);
  e.kv_heads_per_gpu = gpu_shape.kv_heads;
  e.kv_replication = gpu_shape.kv_replication;

  // Parameters (whole model) and weights held by one GPU.
  const double moe_layers = static_cast<double>(m.moe_layers());
  const double dense_layers = static_cast<double>(m.layers) - moe_layers;
  double mixer_whole = 0, mixer_gpu = 0;
  for (int u = 0; u < e.use_count; ++u) {
    const auto& use = e.uses[static_cast<size_t>(u)];
    mixer_whole += static_cast<double>(use.layers) * mixer_params(use.pattern, m, whole);
    mixer_gpu += static_cast<double>(use.layers) * mixer_params(use.pattern, m, gpu_shape);
  }
  const double norms = 2.0 * static_cast<double>(m.hidden) * static_cast<double>(m.layers) + static_cast<double>(m.hidden);
  e.params = mixer_whole + dense_layers * dense_mlp_params(m, whole) + moe_layers * moe_mlp_params(m, whole) +
             embedding_params(m, whole) + norms;
  const double params_gpu = mixer_gpu + dense_layers * dense_mlp_params(m, gpu_shape) +
                            moe_layers * moe_mlp_params(m, gpu_shape) + embedding_params(m, gpu_shape) + norms;

  cost_phase(m, d, w, gpu, false, e, e.prefill);
  cost_phase(m, d, w, gpu, true, e, e.decode);

  // KV cache at ctx, whole model; memory per GPU at the sequence's end, pages rounded up.
  const double kvb_whole = kv_bytes_per_token_layer(whole, d);
  const double kvb_gpu = kv_bytes_per_token_layer(gpu_shape, d);
  const uint64_t end = w.ctx + w.gen;
  const double page = static_cast<double>(d.page_size);
  double alloc_gpu = 0, waste_gpu = 0;
  for (int u = 0; u < e.use_count; ++u) {
    const auto& use = e.uses[static_cast<size_t>(u)];
    const double layers = static_cast<double>(use.layers);
    if (use.pattern.is_softmax()) {
      const double cached = static_cast<double>(cached_tokens(use.pattern, w.ctx));
      e.kv.bytes_per_token += layers * kvb_whole;
      e.kv.bytes_per_sequence += layers * cached * kvb_whole;
      e.kv.cached_tokens_max = std::max(e.kv.cached_tokens_max, cached);
      const double final_tokens = static_cast<double>(cached_tokens(use.pattern, end));
      const double allocated = page > 0 ? std::ceil(final_tokens / page) * page : final_tokens;
      alloc_gpu += layers * allocated * kvb_gpu;
      waste_gpu += layers * (allocated - final_tokens) * kvb_gpu;
    } else {
      const double state_whole = state_bytes_per_layer(use.pattern, m, whole, d);
      e.kv.bytes_per_sequence += layers * state_whole;
      e.kv.state_bytes_per_sequence += layers * state_whole;
      alloc_gpu += layers * state_bytes_per_layer(use.pattern, m, gpu_shape, d);
    }
  }
  const double batch = static_cast<double>(w.batch);
  e.kv.bytes_total = batch * e.kv.bytes_per_sequence;

  Memory& mem = e.memory;
  mem.weights_bytes = storage_bytes(params_gpu, 1, d.weight_dtype, 128);
  mem.kv_bytes_per_sequence = alloc_gpu;
  mem.kv_bytes = batch * alloc_gpu;
  mem.page_waste_bytes = batch * waste_gpu;
  mem.total_bytes = mem.weights_bytes + mem.kv_bytes;
  mem.capacity_bytes = gpu.hbm_bytes;
  mem.fits = mem.total_bytes <= mem.capacity_bytes;
  mem.max_concurrent_sequences = sequences_within(mem, mem.capacity_bytes);

  e.quality = quality_proxies(m, d, w, e);
  return e;
}

}  // namespace attncost
