// The probe's pipeline, independent of the backend: measure the ceilings, run every case, predict
// each with the estimator on those ceilings, compare, and (optionally) calibrate per-kernel-class
// efficiencies and the launch overhead by least squares. The one measurement loop every backend's
// timings go through lives here (nvbench's sequence: check, warm up, then samples until the
// noise is below a bound or a time limit is reached).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "cuda_probe/predict.h"
#include "cuda_probe/probe.h"

namespace attncost::probe {

struct MeasurePolicy {
  int min_samples = 5;             // --repeats: samples taken whatever the noise
  double max_noise = 0.01;         // --max-noise: stop once the relative standard deviation is below this
  double max_time_s = 2;           // --max-time: stop after this many seconds of samples
  int max_samples = 1000;
  double first_run_limit_s = 60;   // --case-timeout: a first (warm-up) run past this is not timed
};

// Times `p` as the policy says: one warm-up launch (over the first-run limit: the case is skipped
// with the reason), then samples until, after min_samples, the noise is at most max_noise, or
// max_time_s of samples or max_samples is reached. Fills the timing fields of `m`.
void measure_loop(Backend& backend, PreparedCase& p, bool flush, const MeasurePolicy& policy, Measurement& m);
// prepare (the correctness checks) + measure_loop.
Measurement measure_case(Backend& backend, const Case& c, const MeasurePolicy& policy);
// Every ceiling probe of the backend through measure_loop.
Ceilings measure_ceilings(Backend& backend, const MeasurePolicy& policy);
std::string time_limit_reason(double took_s, double limit_s);

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
  MeasurePolicy policy;
  double tolerance = 0.25;          // a case passes when max(ratio, 1/ratio) ≤ 1 + tolerance
  const GpuSpec* profile = nullptr; // calibrated efficiencies to predict with (from --gpu)
  // Called (from a watchdog thread) when the ceilings or a case have not returned after
  // hang_limit_s(): a kernel that never finishes. Unset: no watchdog.
  std::function<void(const std::string& step, double waited_s)> on_hang;
  // Generous on purpose: the checks and the first run at the case limit, every minimum sample as
  // slow, and the sampling budget.
  double hang_grace_s = 60;
  double hang_limit_s() const { return policy.first_run_limit_s * (policy.min_samples + 4) + policy.max_time_s + hang_grace_s; }
};

// Where a run came from, recorded in its JSON so that it can be replayed and traced.
struct RunInfo {
  std::string tool_version, commit, command_line, started_utc;
};

struct Report {
  std::string suite;
  RunInfo run;
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

// The GPU spec predictions use for a run on `device` with `ceilings`: the measured ceilings, and
// the efficiencies of `profile` when one is given (a calibrated profile from --gpu).
GpuSpec prediction_spec(const Device& device, const Ceilings& ceilings, const GpuSpec* profile);
// Re-predicts every case with `spec` (e.g. a calibrated profile) and re-applies `tolerance`.
void repredict(Report& r, const GpuSpec& spec, double tolerance);
void repredict(Report& r, const GpuSpec& spec);

struct Calibration {
  GpuSpec profile;                  // ceilings + fitted launch overhead + per-class efficiency
  double launch_s = 0;
  // Fitted on the even-indexed cases, evaluated on the odd-indexed ones (held out).
  double heldout_median_error = 0, heldout_worst_error = 0;
  int heldout_count = 0;
  int fitted_cases = 0;  // cases that ran, were right and were timed: 0 = nothing was fitted
};
// t_i ≈ launch + (roofline busy time_i) / efficiency_class(i), solved with Eigen for relative error.
Calibration calibrate(const Report& r);

}  // namespace attncost::probe
