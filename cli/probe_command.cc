// `attncost probe`: pick a backend, run the suite, report, and (with --check) gate. Exit codes:
// 0 pass, 1 a case is wrong or off its prediction, 2 bad input, 3 no GPU for the CUDA backend.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cuda_probe/report.h"
#include "model/error.h"
#include "model/presets.h"

namespace attncost::cli {

int run_probe(const Flags& f, const ProbeFlags& p) {
  check_format(f.format, {"text", "json", "md", "junit"});
  if (p.backend != "cuda" && p.backend != "cpu") throw InputError(fmt::format("--backend '{}': expected cuda or cpu", p.backend));
  probe::Options opt;
  opt.suite = p.suite;
  (void)probe::suite_cases(opt.suite, p.backend);  // validates --suite before any work
  opt.repeats = static_cast<int>(parse_count(p.repeats, "--repeats"));
  if (opt.repeats > 1000) throw InputError(fmt::format("--repeats {}: at most 1000", opt.repeats));
  opt.tolerance = parse_number(p.tolerance, "--tolerance", 0, 1000, true, "a positive number (0.2 = 20%)");
  opt.case_timeout_s = parse_number(p.case_timeout, "--case-timeout", 0, 86400, true, "a positive number of seconds");
  // A kernel that never returns: say which step and stop, rather than hang a CI job.
  opt.on_hang = [](const std::string& step, double waited_s) {
    std::fprintf(stderr, "attncost: probe stopped: %s has not returned after %.0f s (a kernel that never finishes?)\n", step.c_str(), waited_s);
    std::fflush(stdout);
    std::_Exit(1);
  };
  GpuSpec profile;
  if (p.gpu_given) {
    profile = load_gpu(f.gpu);
    opt.profile = &profile;
  }
  std::unique_ptr<probe::Backend> backend;
  if (p.backend == "cpu") {
    backend = probe::make_cpu_backend();
  } else {
    std::string why;
    backend = probe::make_cuda_backend(&why);
    if (!backend) {
      std::fprintf(stderr, "attncost: no GPU: %s (use --backend cpu to run the same pipeline on the CPU)\n", why.c_str());
      return 3;
    }
  }
  const bool live = ::isatty(2);
  probe::Report report = probe::run_probe(*backend, opt, [&](const probe::CaseResult& c) {
    if (live) std::fprintf(stderr, "  %-52s %s\n", c.c.name.c_str(), !c.m.ran ? "skipped" : c.m.correct ? "ok" : "WRONG");
  });
  std::string text;
  if (p.calibrate) {
    const probe::Calibration cal = probe::calibrate(report);
    probe::repredict(report, cal.profile);
    write_output(f.output, gpu_to_json(cal.profile).dump(2) + "\n");  // -o takes the profile
    text = probe::report_text(report) + probe::calibration_text(cal);
    std::fputs(text.c_str(), stdout);
  } else {
    if (f.format == "json") text = probe::report_json(report).dump(2) + "\n";
    else if (f.format == "md") text = probe::report_md(report);
    else if (f.format == "junit") text = probe::report_junit(report);
    else text = probe::report_text(report);
    write_output(f.output, text);
  }
  if (p.check && (report.wrong() > 0 || report.off() > 0)) {
    std::fprintf(stderr, "attncost: probe check failed: %d wrong, %d off the prediction by more than %.0f%%\n", report.wrong(), report.off(),
                 opt.tolerance * 100);
    return 1;
  }
  if (report.wrong() > 0) return 1;  // a wrong kernel fails even without --check
  return 0;
}

}  // namespace attncost::cli
