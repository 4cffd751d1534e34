// `attncost probe`: pick a backend (or replay a recorded run), run the suite, report, and (with
// --check) gate. Exit codes: 0 pass, 1 a case is wrong or off its prediction, 2 bad input, 3 no
// GPU for the CUDA backend.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/resolve.h"
#include "cuda_probe/cuda_loader.h"
#include "cuda_probe/report.h"
#include "model/error.h"
#include "model/gpu_spec.h"
#include "model/json_input.h"
#include "model/presets.h"
#include "model/version.h"

namespace attncost::cli {
namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

std::string render(const probe::Report& report, const std::string& format) {
  if (format == "json") return probe::report_json(report).dump(2) + "\n";
  if (format == "md") return probe::report_md(report);
  if (format == "junit") return probe::report_junit(report);
  return probe::report_text(report);
}

int ran_cases(const probe::Report& r) {
  int n = 0;
  for (const probe::CaseResult& c : r.cases) n += c.m.ran;
  return n;
}
int skipped_cases(const probe::Report& r) { return static_cast<int>(r.cases.size()) - ran_cases(r); }

}  // namespace

int run_probe(const Flags& f) {
  check_format(f.format, {"text", "json", "md", "junit"});
  if (f.backend != "cuda" && f.backend != "cpu") throw InputError(fmt::format("--backend '{}': expected cuda or cpu", f.backend));
  probe::Options opt;
  opt.suite = f.suite;
  (void)probe::suite_cases(opt.suite, f.backend);  // validates --suite before any work
  opt.policy.min_samples = static_cast<int>(parse_count(f.repeats, "--repeats"));
  if (opt.policy.min_samples > 1000) throw InputError(fmt::format("--repeats {}: at most 1000", opt.policy.min_samples));
  opt.policy.max_noise = parse_number(f.max_noise, "--max-noise", 0, 1, true, "a fraction in (0, 1] (0.01 = 1%)");
  opt.policy.max_time_s = parse_number(f.max_time, "--max-time", 0, 86400, true, "a positive number of seconds");
  opt.tolerance = parse_number(f.tolerance, "--tolerance", 0, 1000, true, "a positive number (0.2 = 20%)");
  opt.policy.first_run_limit_s = parse_number(f.case_timeout, "--case-timeout", 0, 86400, true, "a positive number of seconds");
  // --calibrate: -o takes the profile, stdout the report (in --format); one stream each.
  if (f.calibrate && (f.output.empty() || f.output == "-"))
    throw InputError("--calibrate: give -o FILE for the fitted profile (stdout carries the report)");
  Outputs out(f);
  GpuSpec profile;
  const bool profile_given = f.has("--gpu");
  if (profile_given) {
    profile = load_gpu(f.gpu);
    opt.profile = &profile;
  }

  probe::Report report;
  if (!f.replay.empty()) {
    report = probe::report_from_json(read_user_json(f.replay, "--replay"), fmt::format("--replay '{}'", f.replay));
    const double tolerance = f.has("--tolerance") ? opt.tolerance : report.tolerance;
    GpuSpec recorded = report.spec;  // the efficiencies the run predicted with
    probe::repredict(report, probe::prediction_spec(report.device, report.ceilings, profile_given ? &profile : &recorded), tolerance);
  } else {
    // A kernel that never returns: say which step and stop, rather than hang a CI job.
    opt.on_hang = [](const std::string& step, double waited_s) {
      std::fprintf(stderr, "attncost: probe stopped: %s has not returned after %.0f s (a kernel that never finishes?)\n", step.c_str(), waited_s);
      std::fflush(stdout);
      std::_Exit(kExitFailed);
    };
    std::unique_ptr<probe::Backend> backend;
    if (f.backend == "cpu") {
      backend = probe::make_cpu_backend();
    } else {
      std::string why;
      backend = probe::load_cuda_backend(&why);
      if (!backend) {
        std::fprintf(stderr, "attncost: no GPU: %s (use --backend cpu to run the same pipeline on the CPU)\n", why.c_str());
        return kExitNoGpu;
      }
    }
    const bool live = ::isatty(2);
    const double total = static_cast<double>(probe::suite_cases(opt.suite, f.backend).size());
    double done = 0;
    Progress progress("probe", "cases", total);
    report = probe::run_probe(*backend, opt, [&](const probe::CaseResult& c) {
      if (live) std::fprintf(stderr, "\r\033[K  %-52s %s\n", c.c.name.c_str(), !c.m.ran ? "skipped" : c.m.correct ? "ok" : "WRONG");
      progress.update(++done);
    });
    report.run = {kVersion, kCommit, f.command_line, utc_now()};
  }

  if (f.calibrate) {
    const probe::Calibration cal = probe::calibrate(report);
    // A profile marked calibrated must hold something fitted, and one attncost itself reads back.
    if (cal.fitted_cases == 0)
      throw RuntimeError(fmt::format("--calibrate: no case ran, was right and was timed ({} cases, {} skipped); nothing to fit, no profile written",
                                     report.cases.size(), skipped_cases(report)));
    const nlohmann::json profile_json = gpu_to_json(cal.profile);
    try {
      (void)gpu_from_json(profile_json, "the fitted profile");
    } catch (const InputError& e) {
      throw RuntimeError(fmt::format("--calibrate: {}; no profile written (a broken measurement?)", e.what()));
    }
    probe::repredict(report, cal.profile);
    out.set(f.output, profile_json.dump(2) + "\n");
    out.commit();
    std::string text = render(report, f.format);
    if (f.format == "text") text += probe::calibration_text(cal);
    if (std::fputs(text.c_str(), stdout) < 0 || std::fflush(stdout) != 0) throw RuntimeError("writing to stdout failed");
  } else {
    out.set(f.output, render(report, f.format));
    out.commit();
  }
  // A gate that ran nothing has checked nothing: it fails.
  if (f.check && ran_cases(report) == 0) {
    std::fprintf(stderr, "attncost: probe check failed: no case ran (%zu cases, %d skipped)\n", report.cases.size(), skipped_cases(report));
    return kExitFailed;
  }
  if (f.check && (report.wrong() > 0 || report.off() > 0)) {
    std::fprintf(stderr, "attncost: probe check failed: %d wrong, %d off the prediction by more than %.0f%%\n", report.wrong(), report.off(),
                 report.tolerance * 100);
    return kExitFailed;
  }
  if (report.wrong() > 0) return kExitFailed;  // a wrong kernel fails even without --check
  return kExitOk;
}

}  // namespace attncost::cli
