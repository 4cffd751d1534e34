#include "cuda_probe/run.h"
#include "cuda_probe/watchdog.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <new>
#include <optional>

#include <fmt/format.h>

#include <Eigen/Dense>

namespace attncost::probe {

int Report::wrong() const {
  return static_cast<int>(std::count_if(cases.begin(), cases.end(), [](const CaseResult& c) { return c.m.checked && !c.m.correct; }));
}
int Report::off() const {
  return static_cast<int>(std::count_if(cases.begin(), cases.end(), [](const CaseResult& c) { return c.m.ran && c.m.correct && !c.within_tolerance; }));
}
int Report::skipped() const {
  return static_cast<int>(std::count_if(cases.begin(), cases.end(), [](const CaseResult& c) { return !c.m.ran && !(c.m.checked && !c.m.correct); }));
}

namespace {

void compare(CaseResult& r, const GpuSpec& spec, double tolerance) {
  r.p = predict(r.c, spec);
  if (!r.m.ran || r.m.measured_s <= 0) return;
  r.ratio = r.m.measured_s / r.p.time_s;
  r.achieved_Bps = r.p.bytes / r.m.measured_s;
  r.achieved_flops = r.p.flops / r.m.measured_s;
  r.within_tolerance = std::max(r.ratio, 1 / r.ratio) <= 1 + tolerance;
}

int class_index(const std::string& name) {
  for (int c = 0; c < kEfficiencyClasses; ++c)
    if (efficiency_class_name(static_cast<EfficiencyClass>(c)) == name) return c;
  return 0;
}

// The linear fit below minimizes squared relative error, which forgives over-prediction more
// than under-prediction (a ratio of 4 costs 0.56, a ratio of 1/4 costs 9), so a class whose cases
// spread by a factor S ends up with its slowest case off by nearly S, not √S. A few Gauss-Newton
// steps on log(predicted/measured) over the class coefficients make the fit symmetric: each class
// lands on the geometric centre of its cases. The launch term stays at the linear fit's value (a
// small fixed time the log fit would trade freely against noise). Row i of A holds busy_i/t_i in
// its class column (and 1/t_i in the launch column), so predicted_i/measured_i = A.row(i)·x.
void refine_in_log_space(const Eigen::MatrixXd& A, bool with_launch, Eigen::VectorXd& x) {
  const Eigen::Index n = A.rows();
  const Eigen::Index classes = with_launch ? A.cols() - 1 : A.cols();
  if (with_launch && x(classes) < 0) return;  // the caller refits without the launch term
  const Eigen::MatrixXd C = A.leftCols(classes);
  const Eigen::VectorXd fixed = with_launch ? Eigen::VectorXd(A.col(classes) * x(classes)) : Eigen::VectorXd::Zero(n);
  Eigen::VectorXd a = x.head(classes).cwiseMax(1e-6);
  for (int step = 0; step < 50; ++step) {
    const Eigen::VectorXd q = C * a + fixed;  // predicted/measured per case
    if ((q.array() <= 0).any()) return;
    const Eigen::VectorXd r = q.array().log();
    Eigen::MatrixXd J = C;
    for (Eigen::Index i = 0; i < n; ++i) J.row(i) /= q(i);  // d log q_i / d a
    const Eigen::VectorXd da = J.colPivHouseholderQr().solve(-r);
    double t = 1;  // damped: no coefficient falls to or below zero in one step
    for (Eigen::Index k = 0; k < classes; ++k)
      if (a(k) + t * da(k) <= 0) t = std::min(t, 0.5 * a(k) / -da(k));
    a += t * da;
    if (t * da.cwiseAbs().maxCoeff() < 1e-12 * std::max(1.0, a.cwiseAbs().maxCoeff())) break;
  }
  x.head(classes) = a;
}

// Least squares for t ≈ L + a_k·busy (a_k = 1/efficiency ≥ 1), weighted by 1/t so the fit
// minimizes relative error. Returns L and a_k per class (1 where a class has no case).
std::pair<double, std::array<double, kEfficiencyClasses>> fit(const std::vector<const CaseResult*>& cases, const GpuSpec& raw) {
  std::array<double, kEfficiencyClasses> a;
  a.fill(1.0);
  std::vector<int> classes;
  for (const CaseResult* c : cases) {
    const int k = class_index(c->p.efficiency_class);
    if (std::find(classes.begin(), classes.end(), k) == classes.end()) classes.push_back(k);
  }
  if (cases.empty()) return {raw.launch_latency_s, a};
  bool with_launch = true;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const Eigen::Index cols = static_cast<Eigen::Index>(classes.size()) + (with_launch ? 1 : 0);
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(cases.size()), cols);
    Eigen::VectorXd b(static_cast<Eigen::Index>(cases.size()));
    for (size_t i = 0; i < cases.size(); ++i) {
      const CaseResult& c = *cases[i];
      const double busy = std::max(1e-12, c.p.time_s - raw.launch_latency_s);
      const double w = 1 / c.m.measured_s;
      const auto k = std::find(classes.begin(), classes.end(), class_index(c.p.efficiency_class)) - classes.begin();
      A(static_cast<Eigen::Index>(i), k) = busy * w;
      if (with_launch) A(static_cast<Eigen::Index>(i), cols - 1) = w;
      b(static_cast<Eigen::Index>(i)) = 1;  // (t·w)
    }
    Eigen::VectorXd x = A.colPivHouseholderQr().solve(b);
    refine_in_log_space(A, with_launch, x);
    double launch = with_launch ? x(cols - 1) : 0;
    if (with_launch && launch < 0) {  // a negative overhead is meaningless: refit without it
      with_launch = false;
      continue;
    }
    for (size_t k = 0; k < classes.size(); ++k) a[static_cast<size_t>(classes[k])] = std::max(1.0, x(static_cast<Eigen::Index>(k)));
    return {launch, a};
  }
  return {0, a};
}

GpuSpec apply_fit(const GpuSpec& raw, double launch, const std::array<double, kEfficiencyClasses>& a) {
  GpuSpec g = raw;
  g.launch_latency_s = launch;
  for (int k = 0; k < kEfficiencyClasses; ++k) g.efficiency[static_cast<size_t>(k)] = 1 / a[static_cast<size_t>(k)];
  g.calibrated = true;
  return g;
}

}  // namespace

std::string_view stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::none: return "none";
    case StopReason::noise: return "noise";
    case StopReason::time: return "time";
    case StopReason::samples: return "samples";
  }
  return "none";
}

std::string time_limit_reason(double took_s, double limit_s) {
  return fmt::format("its first run took {:.1f} s, over the {:.0f} s case time limit (--case-timeout); not timed", took_s, limit_s);
}

void measure_loop(Backend& backend, PreparedCase& p, bool flush, const MeasurePolicy& policy, Measurement& m) {
  using Clock = std::chrono::steady_clock;
  const auto warm = Clock::now();
  const Sample first = backend.time_once(p, 0, flush);
  const double took = std::chrono::duration<double>(Clock::now() - warm).count();
  if (!first.error.empty()) {
    m.ran = false;
    m.skip_reason = first.error;
    return;
  }
  if (took > policy.first_run_limit_s) {
    m.ran = false;  // the correctness checks before it still stand
    m.skip_reason = time_limit_reason(took, policy.first_run_limit_s);
    return;
  }
  std::vector<double> samples;
  double sum = 0, sum_sq = 0, timed = 0;
  for (int r = 1;; ++r) {
    const Sample s = backend.time_once(p, r, flush);
    if (!s.error.empty()) {
      m.ran = false;
      m.skip_reason = s.error;
      return;
    }
    samples.push_back(s.seconds);
    sum += s.seconds, sum_sq += s.seconds * s.seconds, timed += s.seconds;
    const double n = static_cast<double>(samples.size()), mean = sum / n;
    const double variance = n > 1 ? std::max(0.0, (sum_sq - n * mean * mean) / (n - 1)) : 0;
    m.noise = mean > 0 ? std::sqrt(variance) / mean : 0;
    if (static_cast<int>(samples.size()) < policy.min_samples) continue;
    if (n > 1 && m.noise <= policy.max_noise) { m.stopped = StopReason::noise; break; }
    if (timed >= policy.max_time_s) { m.stopped = StopReason::time; break; }
    if (static_cast<int>(samples.size()) >= policy.max_samples) { m.stopped = StopReason::samples; break; }
  }
  m.mean_s = sum / static_cast<double>(samples.size());
  std::sort(samples.begin(), samples.end());
  m.measured_s = samples[samples.size() / 2];
  m.min_s = samples.front();
  m.max_s = samples.back();
  m.repeats = static_cast<int>(samples.size());
  m.ran = true;
}

Measurement measure_case(Backend& backend, const Case& c, const MeasurePolicy& policy) {
  Measurement m;
  std::unique_ptr<PreparedCase> p;
  try {
    p = backend.prepare(c, m);
  } catch (const std::bad_alloc&) {
    p.reset();
    m = Measurement{};
    m.skip_reason = "not enough host memory to prepare the inputs";
  }
  if (!p) {
    if (m.skip_reason.empty()) m.skip_reason = "the backend could not prepare the case";
    const std::string why = m.skip_reason;
    m = Measurement{};  // a check recorded before the failure does not count
    m.skip_reason = why;
    return m;
  }
  measure_loop(backend, *p, true, policy, m);
  return m;
}

Ceilings measure_ceilings(Backend& backend, const MeasurePolicy& policy) {
  Ceilings c;
  std::vector<CeilingProbe> probes = backend.ceiling_probes(c.notes);
  for (CeilingProbe& probe : probes) {
    Measurement m;
    measure_loop(backend, *probe.bench, probe.flush, policy, m);
    if (!m.ran) {
      c.notes.push_back(fmt::format("a ceiling benchmark failed: {}", m.skip_reason));
      continue;
    }
    const double rate = probe.work / m.measured_s;
    switch (probe.kind) {
      case CeilingProbe::Kind::read: c.read_Bps = rate; break;
      case CeilingProbe::Kind::copy: c.copy_Bps = rate; break;
      case CeilingProbe::Kind::gemm_fp16: c.gemm_fp16_flops = rate; break;
      case CeilingProbe::Kind::gemm_bf16: c.gemm_bf16_flops = rate; break;
      case CeilingProbe::Kind::gemm_fp8: c.gemm_fp8_flops = rate; break;
      case CeilingProbe::Kind::vector: c.vector_flops = rate; break;
      case CeilingProbe::Kind::launch: c.launch_s = m.measured_s / probe.work; break;
    }
  }
  return c;
}

Report run_probe(Backend& backend, const Options& opt, const std::function<void(const CaseResult&)>& on_case) {
  Report r;
  r.suite = opt.suite;
  r.tolerance = opt.tolerance;
  std::optional<Watchdog> watchdog;
  if (opt.on_hang) watchdog.emplace(opt.on_hang);
  auto watched = [&](const std::string& step, auto&& fn) {
    if (watchdog) watchdog->start(step, opt.hang_limit_s());
    fn();
    if (watchdog) watchdog->stop();
  };
  r.device = backend.device();
  watched("measuring the ceilings", [&] { r.ceilings = measure_ceilings(backend, opt.policy); });
  r.spec = prediction_spec(r.device, r.ceilings, opt.profile);
  for (const Case& c : suite_cases(opt.suite, r.device.backend)) {
    CaseResult result;
    result.c = c;
    watched("case " + c.name, [&] { result.m = measure_case(backend, c, opt.policy); });
    compare(result, r.spec, opt.tolerance);
    if (on_case) on_case(result);
    r.cases.push_back(std::move(result));
  }
  return r;
}

GpuSpec prediction_spec(const Device& device, const Ceilings& ceilings, const GpuSpec* profile) {
  GpuSpec spec = spec_from_ceilings(device, ceilings, nullptr);
  if (profile) {
    spec.efficiency = profile->efficiency;
    spec.calibrated = profile->calibrated;
  }
  return spec;
}

void repredict(Report& r, const GpuSpec& spec, double tolerance) {
  r.tolerance = tolerance;
  repredict(r, spec);
}

void repredict(Report& r, const GpuSpec& spec) {
  r.spec = spec;
  for (CaseResult& c : r.cases) compare(c, spec, r.tolerance);
}

Calibration calibrate(const Report& r) {
  // Fit against the uncalibrated roofline (efficiency 1) on the measured ceilings.
  GpuSpec raw = spec_from_ceilings(r.device, r.ceilings, nullptr);
  Report base = r;
  repredict(base, raw);
  std::vector<const CaseResult*> usable, train, test;
  for (const CaseResult& c : base.cases)
    if (c.m.ran && c.m.correct && c.m.measured_s > 0) usable.push_back(&c);
  for (size_t i = 0; i < usable.size(); ++i) (i % 2 == 0 ? train : test).push_back(usable[i]);
  Calibration cal;
  cal.fitted_cases = static_cast<int>(usable.size());
  {
    const auto [launch, a] = fit(train, raw);
    const GpuSpec half = apply_fit(raw, launch, a);
    std::vector<double> errors;
    for (const CaseResult* c : test) {
      const double predicted = predict(c->c, half).time_s;
      errors.push_back(std::fabs(c->m.measured_s / predicted - 1));
    }
    std::sort(errors.begin(), errors.end());
    cal.heldout_count = static_cast<int>(errors.size());
    if (!errors.empty()) cal.heldout_median_error = errors[errors.size() / 2], cal.heldout_worst_error = errors.back();
  }
  const auto [launch, a] = fit(usable, raw);
  cal.launch_s = launch;
  cal.profile = apply_fit(raw, launch, a);
  cal.profile.source = "attncost probe --calibrate on " + r.device.name;
  return cal;
}

}  // namespace attncost::probe
