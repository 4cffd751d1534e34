// How far a predicted time may be from a measured one: each figure carries the held-out error
// band of the measurements that support it (issue #24 item 5). The bands are data
// (model/presets/bands/bands.json), one per (architecture, kernel kind) — prefill attention per
// kernel family, decode attention, GEMM, a whole decode step — and per serving metric under load,
// each with the test and rows it is the quantile of (docs/cost-model.md §18). A band b means:
// |predicted / measured − 1| ≤ b for the stated quantile of held-out rows, so the measured value
// lies in [x / (1 + b), x / (1 − b)]. Pure; looked up once per answer, never per step.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "model/engine.h"
#include "model/gpu_spec.h"
#include "model/kernel_model.h"

namespace attncost {

// One row of bands.json: the quantile of |predicted/measured − 1| over `n` held-out rows.
struct BandEntry {
  std::vector<std::string> archs;  // architectures whose rows it pools ("hopper")
  std::string kind;                // prefill_attention | decode_attention | gemm | decode_step | serving_ttft_p50 | serving_tpot_p50 | serving_ttft_p99 | serving_throughput
  std::string family;              // prefill_attention: the kernel family ("fa3"); else ""
  double band = 0;
  int n = 0;
  std::string test;                // the test (or script) that recomputes it from its CSV
  std::string rows;                // which held-out rows
};

// Every entry, and the table's quantile (0.8) and its default for figures no row supports.
const std::vector<BandEntry>& band_entries();
double band_quantile();
double unmeasured_band();
// Entries of fewer held-out rows are kept (and recomputed) but support no figure.
int band_min_rows();
// The nearest-rank quantile the table states: the ⌈q·n⌉-th smallest of `errors` (0 when empty).
double band_of(std::vector<double> errors, double q);

// The band one figure carries.
struct Band {
  double rel = 0;          // b (0: no band, e.g. a plain roofline at peak)
  bool measured = false;   // false: no held-out row supports this GPU or kernel family; rel is the stated default
  std::string_view basis;  // "kernels" | "kernels+serving" | "kernels+serving on other GPUs" | "serving" | "none" | "none (no kernel model)"
  double lo(double x) const { return x / (1 + rel); }
  double hi(double x) const { return x / (1 - rel); }
  // The band of a figure made of two (e2e = TTFT + steps × ITL): the wider, measured only if both are.
  static Band widest(const Band& a, const Band& b);
};

// What each kind of figure an answer prints is supported by.
struct Bands {
  Band prefill;     // the kernels of a prefill pass (attention and GEMMs): prefill.time_s
  Band decode;      // the kernels of a decode step: decode.time_s
  Band ttft;        // time to first token (with an engine: also its serving P50 TTFT band)
  Band ttft_p99;    // the P99 TTFT of a simulation
  Band itl;         // inter-token latency / TPOT (with an engine: its serving P50 TPOT band)
  Band throughput;  // tokens/s, requests/s and the price per token derived from them
};

// The bands of figures predicted for `gpu` with `kernels` (nullptr: the plain roofline, which
// no measurement supports) served by `engine` (plain: kernels only, no serving band).
Bands uncertainty_bands(const GpuSpec& gpu, const KernelModel* kernels, EngineKind engine);

}  // namespace attncost
