// How fast real kernels run compared with the datasheet roofline: per GPU architecture and kernel
// family, a small model of the fraction of peak each class of kernel reaches, with the shape
// dependence the published measurements show (short sequences and small head dims in flash
// prefill, wave quantization over the SMs, memory-bound small-M GEMMs, weight dequantization).
// The parameters are data (model/presets/kernels/<arch>.json), each with its source, fit by
// scripts/fit_kernel_model.py to tests/data/published/ with a third of the rows held out.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attncost {

// --kernels: the attention implementation whose measured efficiency the times assume.
// auto = the GPU's default (FA3 on Hopper, FA2 on Ampere/Ada); naive = eager attention;
// peak = the roofline at 100% of the datasheet (attncost's times before kernel models).
enum class KernelFamily : uint8_t { automatic, fa2, fa3, cudnn, flashinfer, naive, peak };
std::string_view kernel_family_name(KernelFamily f);
// Throws InputError naming --kernels on an unknown name.
KernelFamily parse_kernel_family(std::string_view text);

struct PrefillCurve {
  std::array<double, 3> peak_fraction{};  // head dim 64, 128, 256 (0: not measured)
  double causal_fraction = 1;
  double half_saturation_keys = 0;         // keys per query at which the fraction is half its peak
  int64_t tile_rows = 128;
  double fp8_fraction = 1;                 // fp8 (e4m3) Q/K/V: fraction of the fp8 peak ÷ the 16-bit curve's fraction of the 16-bit peak
};

struct KernelModel {
  std::string arch;         // "hopper"
  std::string family;       // the prefill family used ("fa3"), after aliases
  bool naive = false;       // family == "naive": eager attention through cuBLAS GEMMs and a softmax in memory
  std::string requested;    // what was asked for ("flashinfer")
  bool measured = true;     // false: parameters assumed from another architecture
  std::string provenance;   // one line: where the numbers come from
  PrefillCurve prefill;
  double decode_bandwidth = 1, decode_compute = 1, decode_fixed_s = 0;
  // The MLA decode kernel's own fractions where one is chosen (--kernels mla=…, or the engine's
  // default backend: model/gemm_library.h); 0 = the decode fractions above.
  double mla_decode_compute = 0, mla_decode_bandwidth = 0, mla_decode_fixed_s = 0;
  double gemm_compute_16bit = 1, gemm_compute_fp8 = 1, gemm_bandwidth = 1, dequant_int8 = 1, dequant_int4 = 1;
  double gemm_bandwidth_fp8 = 1;  // fp8 GEMMs' weight reads (another library than the 16-bit ones: DeepGEMM/CUTLASS vs cuBLAS)
  double other_compute = 1, other_bandwidth = 1;

  // Fraction of the matmul peak a flash prefill reaches: peak(head dim) × (causal fraction) ×
  // x / (x + half), x the keys per query: a fixed cost per query tile (its prologue and
  // epilogue) equivalent to `half` keys of work, so time stays monotone in the context.
  double prefill_fraction(double head_dim, double keys_per_query, bool causal) const;
  // Bandwidth fraction of a GEMM streaming weights that are dequantized on the fly from
  // `dequant_bits` (8 or 4; 0 = weights in the GEMM's own format).
  double gemm_bandwidth_for(int dequant_bits, bool fp8 = false) const;
};

// The model of `family` on `arch`, or nullptr for `peak` (no kernel model: the plain roofline).
// Throws InputError when the family does not run on the architecture (FA3 on Ampere).
const KernelModel* kernel_model(std::string_view arch, KernelFamily family);

// Wave quantization: `units` equal blocks of work on `sms` SMs take ⌈units/sms⌉ waves; the
// fraction of the last wave's SMs that work lowers the average occupancy.
double wave_efficiency(double units, double sms);

std::vector<std::string> kernel_arch_names();

}  // namespace attncost
