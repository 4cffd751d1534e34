#include "estimators/roofline.h"

namespace attncost {

std::string_view op_name(OpKind k) {
  switch (k) {
    case OpKind::attn_proj: return "attn_proj";
    case OpKind::attention: return "attention";
    case OpKind::indexer: return "indexer";
    case OpKind::linear_attn: return "linear_attn";
    case OpKind::ssm_proj: return "ssm_proj";
    case OpKind::ssm_scan: return "ssm_scan";
    case OpKind::mlp: return "mlp";
    case OpKind::moe: return "moe";
    case OpKind::lm_head: return "lm_head";
    case OpKind::allreduce: return "allreduce";
  }
  return "op";
}

std::string_view bound_name(Bound b) {
  switch (b) {
    case Bound::compute: return "compute";
    case Bound::memory: return "memory";
    case Bound::network: return "network";
    case Bound::latency: return "latency";
  }
  return "memory";
}

void apply_roofline(OpCost& op, const GpuSpec& gpu) {
  // A calibrated profile says what fraction of the roofline this class of kernel reaches.
  const double eff = gpu.efficiency[static_cast<size_t>(op.efficiency)];
  op.compute_s = (op.executed_matmul_flops / gpu.matmul_flops(op.matmul_dtype) + op.other_flops / gpu.vector_flops) / eff;
  op.memory_s = op.hbm_bytes() / gpu.hbm_bandwidth_Bps / eff;
  op.network_s = op.comm_bytes > 0 && gpu.interconnect_Bps > 0 ? op.comm_bytes / gpu.interconnect_Bps / eff : 0;
  op.launch_s = op.kernels * gpu.launch_latency_s;
  double busy = op.memory_s;
  op.bound = Bound::memory;
  if (op.compute_s > busy) { busy = op.compute_s; op.bound = Bound::compute; }
  if (op.network_s > busy) { busy = op.network_s; op.bound = Bound::network; }
  if (op.launch_s > busy) op.bound = Bound::latency;
  op.time_s = busy + op.launch_s;
}

}  // namespace attncost
