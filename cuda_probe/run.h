// The probe's pipeline, independent of the backend: measure the ceilings, run every case, predict
// each with the estimator on those ceilings, compare, and (optionally) calibrate per-kernel-class
// efficiencies and the launch overhead by least squares.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "cuda_probe/predict.h"
#include "cuda_probe/probe.h"

namespace attncost::probe {

struct CaseResult {
  Case c;
  Measurement m;
  Prediction p;
  double ratio = 0;                 // measured / predicted
  double achieved_Bps = 0, achieved_flops = 0;
  bool within_tolerance = false;
};

struct Options {
  std::string suite = "quick";
  int repeats = 5;
  double tolerance = 0.25;          // a case passes when max(ratio, 1/ratio) ≤ 1 + tolerance
  const GpuSpec* profile = nullptr; // calibrated efficiencies to predict with (from --gpu)
  double case_timeout_s = 60;       // a case whose first run takes longer is skipped, not timed
  // Called (from a watchdog thread) when the ceilings or a case have not returned after
  // hang_limit_s(): a kernel that never finishes. Unset: no watchdog.
  std::function<void(const std::string& step, double waited_s)> on_hang;
  // Generous on purpose: a first run at the case limit, the checks, and every repeat as slow.
  double hang_grace_s = 60;
  double hang_limit_s() const { return case_timeout_s * (repeats + 3) + hang_grace_s; }
};

struct Report {
  std::string suite;
  Device device;
  Ceilings ceilings;
  GpuSpec spec;                     // what predictions used
  double tolerance = 0;
  std::vector<CaseResult> cases;
  int wrong() const;
  int off() const;                  // ran, correct, but outside the tolerance
  int skipped() const;
};

Report run_probe(Backend& backend, const Options& opt, const std::function<void(const CaseResult&)>& on_case = {});

// Re-predicts every case with `spec` (e.g. a calibrated profile) and re-applies the tolerance.
void repredict(Report& r, const GpuSpec& spec);

struct Calibration {
  GpuSpec profile;                  // ceilings + fitted launch overhead + per-class efficiency
  double launch_s = 0;
  // Fitted on the even-indexed cases, evaluated on the odd-indexed ones (held out).
  double heldout_median_error = 0, heldout_worst_error = 0;
  int heldout_count = 0;
};
// t_i ≈ launch + (roofline busy time_i) / efficiency_class(i), solved with Eigen for relative error.
Calibration calibrate(const Report& r);

}  // namespace attncost::probe
