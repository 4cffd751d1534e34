// What a GPU can do: capacity, bandwidth and peak rates, from a datasheet preset or from a
// profile that `attncost probe --calibrate` measured.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "model/dtype.h"

namespace attncost {

// Kernel classes whose achieved fraction of the roofline a probe calibration measures.
enum class EfficiencyClass : uint8_t { gemm, attention_decode, attention_prefill, attention_naive, linear_attention, scan, network };
inline constexpr int kEfficiencyClasses = 7;
std::string_view efficiency_class_name(EfficiencyClass c);

// One level of the fabric between GPUs: its one-way bandwidth per GPU (each direction of NVLink
// or a NIC; datasheets quote both directions together) and the latency of one step of a collective.
struct LinkSpec {
  double one_way_Bps = 0;
  double latency_s = 0;
  std::string name;
};

struct GpuSpec {
  std::string name;
  std::string source;
  std::string origin;            // the --gpu argument that reproduces this GPU
  std::vector<std::string> warnings;  // keys of a profile file that attncost does not read (a misspelling?)
  std::string arch;              // hopper | ampere | ada | blackwell | cdna3: which kernel model applies (empty: none)
  double hbm_bytes = 0;
  // What the CUDA driver reports as the device's total memory (torch.cuda.mem_get_info()[1]):
  // the base of engine memory rules (vLLM's gpu_memory_utilization). 0 = hbm_bytes.
  double visible_bytes = 0;
  double total_visible_bytes() const { return visible_bytes > 0 ? visible_bytes : hbm_bytes; }
  double hbm_bandwidth_Bps = 0;
  // Dense (no structured sparsity) tensor-core rate per dtype, FLOP/s; 0 = not supported, and
  // matmuls in that dtype run at the fp16 rate after dequantization.
  std::array<double, kDtypeCount> peak_flops{};
  double vector_flops = 0;       // non-tensor fp32 rate: softmax, scaling, scans
  double launch_latency_s = 0;   // per kernel
  LinkSpec scale_up;             // NVLink / Infinity Fabric / PCIe inside a node
  int64_t scale_up_domain = 1;   // GPUs that scale-up link joins (8 for HGX, 72 for NVL72)
  LinkSpec scale_out;            // the network beyond the domain (InfiniBand / Ethernet per GPU)
  std::string topology_source;
  double l2_bytes = 0;
  int64_t sms = 0;
  bool calibrated = false;       // numbers measured by the probe rather than the datasheet
  // Fraction of the roofline each kernel class achieves, in (0, 1]; 1 unless calibrated.
  std::array<double, kEfficiencyClasses> efficiency{1, 1, 1, 1, 1, 1, 1};

  // Rate a matmul whose inputs are `d` runs at on this GPU.
  double matmul_flops(Dtype d) const;
};

GpuSpec gpu_from_json(const nlohmann::json& j, const std::string& what);
// The physical range of one measured GPU quantity (the ranges gpu_from_json applies), for readers
// of other files that carry them (recorded probe runs): InputError naming `field` outside it.
enum class GpuQuantity { bandwidth, peak_flops, vector_flops, launch_latency, efficiency };
void check_gpu_quantity(GpuQuantity q, double v, const std::string& what, const std::string& field);
// The profile format gpu_from_json reads (what `probe --calibrate -o` writes).
nlohmann::json gpu_to_json(const GpuSpec& g);

}  // namespace attncost
