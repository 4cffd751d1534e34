#include "estimators/roofline.h"

#include <algorithm>

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
    case OpKind::all_to_all: return "all_to_all";
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

namespace {

// The fractions of the compute and memory peaks a kernel of this family reaches for `op`.
void kernel_fractions(const OpCost& op, const GpuSpec& gpu, const KernelModel& k, double& compute, double& memory, double& fixed_s) {
  fixed_s = 0;
  // fp4 GEMMs take the fp8 fraction of their own (doubled) peak: no fp4 GEMM measurement is in
  // the fitted tables yet (docs/cost-model.md §3). Without fp4 units they run as 16-bit GEMMs.
  const bool fp4_native = op.matmul_dtype == Dtype::fp4 && gpu.peak_flops[static_cast<size_t>(Dtype::fp4)] > 0;
  const bool low_precision = op.matmul_dtype == Dtype::fp8 || fp4_native;
  const double gemm_compute = low_precision ? k.gemm_compute_fp8 : k.gemm_compute_16bit;
  switch (op.kind) {
    case OpKind::attn_proj:
    case OpKind::ssm_proj:
    case OpKind::mlp:
    case OpKind::moe:
    case OpKind::lm_head:
      compute = gemm_compute * wave_efficiency(op.work_units, static_cast<double>(gpu.sms));
      memory = k.gemm_bandwidth_for(op.weight_dequant_bits, low_precision);
      return;
    case OpKind::attention:
      if (k.naive) {  // eager attention: cuBLAS GEMMs and a softmax through memory
        compute = gemm_compute, memory = k.gemm_bandwidth;
      } else if (op.decode) {
        compute = k.decode_compute, memory = k.decode_bandwidth, fixed_s = k.decode_fixed_s;
        if (op.mla && k.mla_decode_compute > 0) compute = k.mla_decode_compute, memory = k.mla_decode_bandwidth, fixed_s = k.mla_decode_fixed_s;
      } else {
        compute = k.prefill_fraction(op.head_dim, op.keys_per_query, true) * wave_efficiency(op.work_units, static_cast<double>(gpu.sms));
        if (op.matmul_dtype == Dtype::fp8) compute *= k.prefill.fp8_fraction;  // fp8 attention reaches less of its (doubled) peak
        memory = k.gemm_bandwidth;
      }
      return;
    case OpKind::indexer:
      compute = op.decode ? k.decode_compute : k.gemm_compute_fp8;
      memory = op.decode ? k.decode_bandwidth : k.gemm_bandwidth;
      return;
    case OpKind::linear_attn:
    case OpKind::ssm_scan:
      compute = k.other_compute, memory = k.other_bandwidth;
      return;
    case OpKind::allreduce:
    case OpKind::all_to_all:
      compute = memory = 1;
      return;
  }
}

}  // namespace

void apply_roofline(OpCost& op, const GpuSpec& gpu, const KernelModel* kernels) {
  double compute_fraction = 1, memory_fraction = 1, fixed_s = 0;
  bool matmul_only = false;  // measured attention rates count matmul FLOPs only: softmax is inside them
  if (gpu.calibrated || !kernels) {
    // A calibrated profile says what fraction of the roofline this class of kernel reaches.
    compute_fraction = memory_fraction = gpu.efficiency[static_cast<size_t>(op.efficiency)];
  } else {
    kernel_fractions(op, gpu, *kernels, compute_fraction, memory_fraction, fixed_s);
    matmul_only = op.kind == OpKind::attention && !kernels->naive;
  }
  const double matmul_s = op.executed_matmul_flops / gpu.matmul_flops(op.matmul_dtype);
  const double other_s = matmul_only ? 0 : op.other_flops / gpu.vector_flops;
  op.compute_fraction = compute_fraction, op.bandwidth_fraction = memory_fraction, op.softmax_in_rate = matmul_only;
  op.compute_s = (matmul_s + other_s) / compute_fraction;
  op.memory_s = op.hbm_bytes() / gpu.hbm_bandwidth_Bps / memory_fraction;
  const double net_eff = gpu.calibrated || !kernels ? gpu.efficiency[static_cast<size_t>(op.efficiency)] : 1.0;
  op.network_s = op.comm_bytes > 0 && op.link_Bps > 0 ? op.comm_bytes / op.link_Bps / net_eff + op.comm_latency_s : 0;
  op.launch_s = op.kernels * gpu.launch_latency_s + fixed_s;
  double busy = op.memory_s;
  op.bound = Bound::memory;
  if (op.compute_s > busy) { busy = op.compute_s; op.bound = Bound::compute; }
  if (op.network_s > busy) { busy = op.network_s; op.bound = Bound::network; }
  if (op.launch_s > busy) op.bound = Bound::latency;
  op.time_s = busy + op.launch_s;
  if (op.comm_after) op.time_s = std::max(op.compute_s, op.memory_s) + op.network_s + op.launch_s;
}

}  // namespace attncost
