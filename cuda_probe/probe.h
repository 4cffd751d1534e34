// The probe's vocabulary, shared by every backend: what a case is, what a device can do
// (ceilings), what a measurement is, and the seam a backend implements (CUDA on the attached
// GPU, or the CPU everywhere). Reports and the pass/fail gate only see these types, so they are
// tested without a GPU.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
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
std::string_view kernel_name(Kernel k);

struct Shape {
  uint64_t batch = 1, ctx = 1024, heads = 32, kv_heads = 8, head_dim = 128;
  std::string attn = "dense";  // dense | window:W | sinks:S+window:W (decode, prefill); linear for linear kernels
  Dtype kv_dtype = Dtype::fp16;
  uint64_t page_size = 16;     // decode_paged
};

struct Case {
  std::string name;  // stable id, e.g. "decode/gqa8/dense/fp16/ctx32768"
  Kernel kernel = Kernel::decode;
  Shape shape;
};

struct Device {
  std::string backend;          // "cuda" | "cpu"
  std::string name;
  int64_t sms = 0;              // CUDA SMs, or CPU cores used
  double memory_bytes = 0, l2_bytes = 0;
  double clock_hz = 0;
  std::string driver, runtime;  // versions
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

struct Measurement {
  bool ran = false;
  std::string skip_reason;      // why it did not run (too large, unsupported, CUDA error)
  bool checked = false;         // the output was compared with the reference
  bool correct = false;
  double max_rel_error = 0;     // against the double-precision CPU reference
  double measured_s = 0;        // median of the repeats
  double min_s = 0, max_s = 0;
  int repeats = 0;
  // One correctness check (a kernel version against the reference): the case is correct while
  // every check so far was within its tolerance; the worst error is kept.
  void record_check(double error, double tolerance) {
    correct = (checked ? correct : true) && error < tolerance;
    max_rel_error = checked && max_rel_error > error ? max_rel_error : error;
    checked = true;
  }
};

// Thrown by a backend's timing loop when the warm-up run exceeds time_limit_s.
struct TimeLimitExceeded : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Thrown by a backend when a case cannot run here (too large for the device, a device error);
// the message is the case's skip reason.
struct CaseSkipped : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // A case whose warm-up run takes longer is reported as skipped with the reason, not timed.
  // (A kernel that never returns cannot be preempted from inside the process; the pipeline's
  // watchdog, watchdog.h, names it and the probe command stops.)
  double time_limit_s = 60;
  virtual Device device() = 0;
  virtual Ceilings measure_ceilings() = 0;
  // Runs one case: checks it against the reference, then times it (warm-up, median of repeats,
  // inputs rotated or larger than the last-level cache). Never throws for a case-level failure:
  // over the time limit, a CaseSkipped or running out of host memory become the skip reason.
  Measurement run(const Case& c, int repeats);

 protected:
  virtual void measure(const Case& c, int repeats, Measurement& m) = 0;
};
std::string time_limit_reason(double took_s, double limit_s);

std::unique_ptr<Backend> make_cpu_backend();
// nullptr with `why` set when attncost was built without CUDA or no device is present.
std::unique_ptr<Backend> make_cuda_backend(std::string* why);

// The cases of a suite: "quick" (under a minute) or "full"; the CPU runs smaller shapes.
std::vector<Case> suite_cases(const std::string& suite, const std::string& backend);

}  // namespace attncost::probe
