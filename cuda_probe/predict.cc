#include "cuda_probe/predict.h"

#include <fmt/format.h>

#include "estimators/estimate.h"
#include "estimators/flash_tiles.h"
#include "estimators/step_cost.h"
#include "estimators/roofline.h"

namespace attncost::probe {

GpuSpec spec_from_ceilings(const Device& device, const Ceilings& c, const GpuSpec* base) {
  GpuSpec g = base ? *base : GpuSpec{};
  g.name = device.name;
  g.source = fmt::format("measured by attncost probe ({} backend)", device.backend);
  g.hbm_bytes = device.memory_bytes > 0 ? device.memory_bytes : g.hbm_bytes;
  g.hbm_bandwidth_Bps = c.read_Bps;
  if (c.gemm_fp16_flops > 0) g.peak_flops[static_cast<size_t>(Dtype::fp16)] = c.gemm_fp16_flops;
  if (c.gemm_bf16_flops > 0) g.peak_flops[static_cast<size_t>(Dtype::bf16)] = c.gemm_bf16_flops;
  if (c.gemm_fp8_flops > 0) g.peak_flops[static_cast<size_t>(Dtype::fp8)] = c.gemm_fp8_flops;
  // fp32 matmuls (the linear-attention cases) run at the vector rate where nothing faster was measured.
  if (g.peak_flops[static_cast<size_t>(Dtype::fp32)] <= 0) g.peak_flops[static_cast<size_t>(Dtype::fp32)] = c.vector_flops;
  g.vector_flops = c.vector_flops;
  g.launch_latency_s = c.launch_s;
  g.sms = device.sms;
  g.l2_bytes = device.l2_bytes;
  return g;
}

Prediction predict(const Case& c, const GpuSpec& gpu) {
  // A one-layer model of exactly the case's shape; the kernel's own operator is read off the
  // estimator's operator list.
  ModelConfig m;
  m.name = c.name;
  m.layers = 1;
  m.heads = static_cast<int64_t>(c.shape.heads);
  m.kv_heads = static_cast<int64_t>(c.shape.kv_heads);
  m.head_dim = m.v_head_dim = static_cast<int64_t>(c.shape.head_dim);
  m.hidden = m.heads * m.head_dim;
  m.ffn = 1;
  m.vocab = 1;
  // Activations (Q, the output, the tensor-core rate): the probe's own kernels compute in fp16
  // whatever the KV dtype; another implementation's bf16 case (PyTorch's) computes in bf16.
  m.dtype = !c.impl.empty() && c.shape.kv_dtype == Dtype::bf16 ? Dtype::bf16 : Dtype::fp16;
  m.attn = c.shape.attn;
  DesignChoice choice;
  choice.kv_dtype = c.shape.kv_dtype;
  choice.kernel = c.kernel == Kernel::prefill_naive ? attncost::Kernel::naive : attncost::Kernel::flash;
  choice.page_size = c.kernel == Kernel::decode_paged ? static_cast<int64_t>(c.shape.page_size) : 0;
  // The traffic of the kernel that was timed: the probe's own tiles, or (0) the production default.
  choice.flash_tile_rows = c.impl.empty() ? kProbeFlashTileRows : 0;
  const Design d = make_design(m, choice);
  Workload w;
  w.ctx = c.shape.ctx;
  w.batch = c.shape.batch;
  const bool decode = c.kernel == Kernel::decode || c.kernel == Kernel::decode_paged || c.kernel == Kernel::linear_decode;
  // One layer's step through the one step-cost path (the plain roofline: the probe predicts
  // from the device's measured ceilings, not a kernel family's efficiency).
  const StepContext sc(m, d, gpu);
  StepLoad load(sc.use_count);
  if (decode) add_decode(sc, load, w.ctx, 1, static_cast<double>(w.batch));
  else add_prefill(sc, load, 0, w.ctx, static_cast<double>(w.batch));
  OpList ops;
  build_step_ops(sc, load, ops);
  Prediction p;
  for (int i = 0; i < ops.count; ++i) {
    OpCost op = ops.ops[static_cast<size_t>(i)];
    if (op.kind != OpKind::attention && op.kind != OpKind::linear_attn) continue;
    apply_roofline(op, gpu);
    p.time_s = op.time_s;
    p.bytes = op.hbm_bytes();
    p.flops = op.executed_matmul_flops + op.other_flops;
    p.matmul_flops = op.executed_matmul_flops;
    p.bound = op.bound;
    p.efficiency_class = std::string(efficiency_class_name(op.efficiency));
  }
  return p;
}

}  // namespace attncost::probe
