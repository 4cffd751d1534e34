// The probe's vocabulary, shared by every backend: what a case is, what a device can do
// (ceilings), what a measurement is, and the seam a backend implements (CUDA on the attached
// GPU, or the CPU everywhere). Reports and the pass/fail gate only see these types, so they are
// tested without a GPU, and a recorded run (its JSON) replays through them.
//
// The CUDA backend lives in a separately loaded module (cuda_loader.h), so everything that crosses
// this seam is a virtual call or a plain value: backends report failures as values (a skip reason,
// an error string), never as exceptions that would have to cross the module boundary.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/dtype.h"

namespace attncost::probe {

enum class Kernel : uint8_t {
  decode,          // one query token per sequence against a contiguous KV cache (flash-decoding)
  decode_paged,    // the same over a paged cache (block table)
  prefill_flash,   // tiled, fused, online-softmax causal prefill
  prefill_naive,   // materialized QKᵀ, softmax, PV
  linear_decode,   // linear attention: state update + readout for one token
  linear_prefill,  // linear attention: chunked prefill
};
inline constexpr int kKernelCount = 6;
std::string_view kernel_name(Kernel k);

struct Shape {
  uint64_t batch = 1, ctx = 1024, heads = 32, kv_heads = 8, head_dim = 128;
  std::string attn = "dense";  // dense | window:W | sinks:S+window:W (decode, prefill); linear for linear kernels
  Dtype kv_dtype = Dtype::fp16;
  uint64_t page_size = 16;     // decode_paged
};

struct Case {
  std::string name;  // stable id, e.g. "decode/gqa4/dense/fp16/b4/ctx32768 (GQA by group size)"
  Kernel kernel = Kernel::decode;
  Shape shape;
  // Whose kernel was timed: empty for attncost's own, else the implementation a recorded run names
  // (tools/torch_sdpa.py writes "torch-sdpa-flash", "torch-sdpa-efficient", "torch-flex"). Such a
  // case is predicted as the estimator predicts production kernels (FlashAttention-2 tiles, not
  // the probe's), and the performance targets, which are about our kernels, skip it.
  std::string impl;
};

struct Device {
  std::string backend;          // "cuda" | "cpu"
  std::string name;
  int64_t sms = 0;              // CUDA SMs, or CPU cores used
  double memory_bytes = 0, l2_bytes = 0;
  double clock_hz = 0;          // SM clock (CUDA) as the device reports it
  std::string driver, runtime;  // versions
  std::string compute_capability;  // "9.0"; empty on the CPU
  double memory_clock_hz = 0;
  int64_t memory_bus_bits = 0;
  // Peak bandwidth from the device's own properties (2 × memory clock × bus width), shown beside
  // the measured one as nvbench does; 0 where the device does not say.
  double theoretical_bandwidth_Bps() const { return memory_clock_hz > 0 ? 2.0 * memory_clock_hz * static_cast<double>(memory_bus_bits) / 8 : 0; }
};

// Measured limits of the device; they replace the datasheet figures in predictions.
struct Ceilings {
  double read_Bps = 0;          // streaming read of a buffer several times the last-level cache
  double copy_Bps = 0;          // device-to-device copy (bytes read + written per second)
  double gemm_fp16_flops = 0, gemm_bf16_flops = 0, gemm_fp8_flops = 0;  // 0 = not measured/supported
  double vector_flops = 0;      // fp32 non-tensor rate
  double launch_s = 0;          // an empty kernel's launch-to-completion time
  std::vector<std::string> notes;  // why a ceiling was not measured
};

// Why the measurement loop stopped taking samples.
enum class StopReason : uint8_t { none, noise, time, samples };
std::string_view stop_reason_name(StopReason r);

struct Measurement {
  bool ran = false;
  std::string skip_reason;      // why it did not run (too large, unsupported, CUDA error)
  bool checked = false;         // the output was compared with the reference
  bool correct = false;
  double max_rel_error = 0;     // against the double-precision CPU reference
  double measured_s = 0;        // median of the samples
  double min_s = 0, max_s = 0;
  double mean_s = 0;
  double noise = 0;             // relative standard deviation of the samples
  int repeats = 0;              // samples taken
  StopReason stopped = StopReason::none;
  // One correctness check (a kernel version against the reference): the case is correct while
  // every check so far was within its tolerance; the worst error is kept.
  void record_check(double error, double tolerance) {
    correct = (checked ? correct : true) && error < tolerance;
    max_rel_error = checked && max_rel_error > error ? max_rel_error : error;
    checked = true;
  }
};

// A case made ready to time: its inputs are in place and every kernel version has been checked.
// launch(r) runs the timed version once (r numbers the launch, so a backend can rotate inputs).
class PreparedCase {
 public:
  virtual ~PreparedCase() = default;
  virtual void launch(int r) = 0;
};

// One timed launch: seconds by the device's own clock, or an error (a failed CUDA call).
struct Sample {
  double seconds = 0;
  std::string error;
};

// A micro-benchmark behind one ceiling: `work` units (bytes or FLOPs) per launch.
struct CeilingProbe {
  enum class Kind : uint8_t { read, copy, gemm_fp16, gemm_bf16, gemm_fp8, vector, launch } kind = Kind::read;
  std::unique_ptr<PreparedCase> bench;
  double work = 0;              // bytes (read, copy), FLOPs (gemm, vector), launches (launch)
  bool flush = true;            // flush caches before each sample
};

// ABI version of this seam, checked when the CUDA module is loaded (a stale module is refused).
inline constexpr int kBackendAbi = 2;

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Device device() = 0;
  // The micro-benchmarks behind the ceilings, and notes on ceilings this device cannot measure.
  virtual std::vector<CeilingProbe> ceiling_probes(std::vector<std::string>& notes) = 0;
  // Places a case's inputs and checks every kernel version against the reference (recorded in
  // `m`). nullptr, with m.skip_reason set, when the case cannot run here (too large, a device
  // error); what was checked before such a failure is dropped.
  virtual std::unique_ptr<PreparedCase> prepare(const Case& c, Measurement& m) = 0;
  // One launch of `p`, timed by the device (CUDA events; a steady clock on the CPU), with the
  // caches flushed first when `flush`.
  virtual Sample time_once(PreparedCase& p, int r, bool flush) = 0;
};

std::unique_ptr<Backend> make_cpu_backend();

// The cases of a suite: "quick" (under a minute) or "full"; the CPU runs smaller shapes.
std::vector<Case> suite_cases(const std::string& suite, const std::string& backend);

}  // namespace attncost::probe
