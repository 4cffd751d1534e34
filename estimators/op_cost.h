// One operator's declared cost: FLOPs and bytes, per layer instance, on one GPU. Estimators only
// declare these; roofline.h alone turns them into time (calculon's split).
#pragma once
#include <cstdint>
#include <string_view>

#include "model/dtype.h"
#include "model/gpu_spec.h"

namespace attncost {

enum class OpKind : uint8_t {
  attn_proj,     // Q/K/V/O projections (MLA: down/up projections too)
  attention,     // the softmax attention core: QKᵀ, mask, softmax, PV
  indexer,       // DeepSeek-V3.2's lightning indexer: scores every earlier key to select the top k
  linear_attn,   // kernelized linear attention or gated DeltaNet: feature maps, state update and readout
  ssm_proj,      // Mamba / Mamba-2 / DeltaNet input and output projections
  ssm_scan,      // Mamba convolution and selective scan
  mlp,           // dense MLP
  moe,           // mixture-of-experts MLP
  lm_head,       // logits of the sampled positions
  allreduce,     // tensor-parallel all-reduce of the hidden state
  all_to_all,    // expert-parallel dispatch and combine of the routed tokens
};
std::string_view op_name(OpKind k);

enum class Bound : uint8_t { compute, memory, network, latency };
std::string_view bound_name(Bound b);

struct OpCost {
  OpKind kind = OpKind::attn_proj;
  int pattern = -1;              // index into the design's distinct patterns, -1 if not a mixer
  double layers = 1;             // instances of this op in the model (per step)
  double kernels = 1;            // kernel launches per instance
  Dtype matmul_dtype = Dtype::fp16;
  EfficiencyClass efficiency = EfficiencyClass::gemm;  // which calibrated efficiency applies

  // Per instance, per GPU.
  double pairs = 0;              // query-key pairs scored, summed over heads and batch
  double matmul_flops = 0;       // algorithmic matrix-product FLOPs (the counted ones)
  double executed_matmul_flops = 0;  // what the kernel runs (naive: the full n×n square)
  double other_flops = 0;        // softmax, scaling, feature maps, scans
  double weight_bytes = 0;
  double act_bytes = 0;          // activations read and written (scores included for naive)
  double kv_read_bytes = 0;      // KV cache or recurrent state read
  double kv_write_bytes = 0;     // KV cache or recurrent state written
  double comm_bytes = 0;         // sent over the GPU interconnect
  double link_Bps = 0;           // one-way bandwidth of the link that traffic crosses (collectives.h)
  bool over_network = false;     // that link is the scale-out network, not the scale-up domain
  double comm_latency_s = 0;     // its latency steps (steps·α)
  bool comm_after = false;       // the transfer needs the op's result (CP decode's partial outputs): it adds to the time, no overlap

  // The shape a kernel model needs (model/kernel_model.h); 0 where it does not apply.
  double weight_params = 0;      // weights streamed: bits per weight = weight_bytes·8 / weight_params
  double head_dim = 0;           // attention: the query/key head width
  double keys_per_query = 0;     // attention prefill: keys each query attends, on average
  double work_units = 0;         // blocks of work spread over the SMs in waves: attention prefill query tiles × heads × batch;
                                 // GEMMs 128×128 output tiles
  bool decode = false;
  bool mla = false;              // attention over an MLA latent (decode: the MLA decode kernel's fractions apply)
  int weight_dequant_bits = 0;   // weight-only quantized GEMMs (int8, int4): dequantized on the fly; 0 = native

  // Filled by the roofline (per instance).
  double compute_s = 0, memory_s = 0, network_s = 0, launch_s = 0, time_s = 0;
  double compute_fraction = 1, bandwidth_fraction = 1;  // of the peaks, as the roofline applied them
  bool softmax_in_rate = false;  // a measured attention rate that includes the softmax: other FLOPs add no time
  Bound bound = Bound::memory;

  double hbm_bytes() const { return weight_bytes + act_bytes + kv_read_bytes + kv_write_bytes; }
};

}  // namespace attncost
