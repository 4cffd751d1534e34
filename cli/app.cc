// The attncost command line as a function: parse, run one subcommand, turn errors into one line
// and an exit code (2 = bad input, 1 = runtime failure, 3 = no GPU for the probe). main() and the
// CLI fuzzer both call it.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "model/error.h"
#include "model/presets.h"
#include "reports/reports.h"

#include "cli/app.h"

int attncost::attncost_main(int argc, char** argv) {
  cli::Flags flags;
  CLI::App app{"attncost: KV-cache and attention cost analyzer for transformer LLMs", "attncost"};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);

  auto* plan = app.add_subcommand("plan", "baseline vs proposed design vs ranked alternatives, with a recommendation");
  auto* estimate = app.add_subcommand("estimate", "the full cost breakdown of one design");
  auto* compare = app.add_subcommand("compare", "designs and workloads side by side, with ratios to the first");
  auto* sweep = app.add_subcommand("sweep", "a grid over comma-separated axes (ctx, batch, gen, gqa, attn, kv-dtype, gpu, model, tp, kernel, page-size) to CSV/JSON lines");
  auto* presets = app.add_subcommand("presets", "list built-in models and GPUs");
  auto* probe = app.add_subcommand("probe", "time real attention kernels (CUDA, or --backend cpu) against the predictions; --check gates CI");
  cli::ProbeFlags probe_flags;
  for (auto* sub : {plan, estimate, compare}) {
    cli::add_model_flags(*sub, flags);
    cli::add_design_flags(*sub, flags);
    cli::add_workload_flags(*sub, flags);
    cli::add_output_flags(*sub, flags, "text|json|csv|md");
  }
  cli::add_plan_flags(*plan, flags);
  compare->add_option("--workload", flags.workloads, "a named workload NAME:ctx=N,batch=B,gen=T (repeatable)");
  compare->add_option("--design", flags.designs, "a design LABEL:gqa=8,attn=window:4096,kv_dtype=fp8 (repeatable)");
  cli::add_model_flags(*sweep, flags);
  cli::add_design_flags(*sweep, flags);
  cli::add_workload_flags(*sweep, flags);
  flags.format = "text";
  cli::add_output_flags(*sweep, flags, "csv|json (JSON lines)|text; default csv");
  sweep->add_option("--chart", flags.chart, "also write an SVG chart of decode step time vs context (or batch)");
  sweep->parse_complete_callback([&flags, sweep] {
    if (sweep->get_option("--format")->count() == 0) flags.format = "csv";
  });
  cli::add_output_flags(*presets, flags, "text|json");
  probe->add_option("--backend", probe_flags.backend, "cuda (the attached GPU) | cpu (one core, runs anywhere)")->capture_default_str();
  probe->add_option("--suite", probe_flags.suite, "quick (under a minute) | full")->capture_default_str();
  probe->add_option("--repeats", probe_flags.repeats, "timed repeats per case (median reported)")->capture_default_str();
  probe->add_flag("--check", probe_flags.check, "exit 1 when a case is wrong or off its prediction by more than --tolerance");
  probe->add_option("--tolerance", probe_flags.tolerance, "allowed max(measured/predicted, predicted/measured) - 1")->capture_default_str();
  probe->add_option("--case-timeout", probe_flags.case_timeout, "seconds a case's first run may take before it is skipped, not timed")
      ->capture_default_str();
  probe->add_flag("--calibrate", probe_flags.calibrate, "fit launch overhead and per-kernel-class efficiency; -o writes the GPU profile");
  probe->add_option("--gpu", flags.gpu, "a calibrated profile (from --calibrate) whose efficiencies the predictions use");
  cli::add_output_flags(*probe, flags, "text|json|md|junit");

  // No attncost argument is valid empty, and CLI11 2.1 loops forever on an empty argument followed
  // by an option (found by tests/fuzz/fuzz_cli): reject it before parsing.
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '\0') {
      std::cerr << "attncost: error: argument " << i << " is empty (see attncost --help)\n";
      return 2;
    }
  }
  // A mistyped command gets "did you mean", as ninja does, rather than CLI11's generic message.
  if (argc > 1 && argv[1][0] != '-') {
    const std::vector<std::string> commands = {"plan", "estimate", "compare", "sweep", "presets", "probe"};
    if (std::find(commands.begin(), commands.end(), argv[1]) == commands.end()) {
      std::cerr << "attncost: error: unknown command '" << argv[1] << "'; did you mean "
                << closest_names(argv[1], commands, 1).front() << "? (commands: plan, estimate, compare, sweep, presets, probe)\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what.find('\n') != std::string::npos) what = what.substr(0, what.find('\n'));
    std::cerr << "attncost: error: " << what << " (see attncost --help)\n";
    return 2;
  }
  try {
    if (*plan) return cli::run_plan(flags);
    if (*estimate) return cli::run_estimate(flags);
    if (*compare) return cli::run_compare(flags);
    if (*sweep) return cli::run_sweep(flags);
    if (*presets) return cli::run_presets(flags);
    if (*probe) {
      probe_flags.gpu_given = probe->get_option("--gpu")->count() > 0;
      return cli::run_probe(flags, probe_flags);
    }
  } catch (const InputError& e) {
    std::cerr << "attncost: error: " << e.what() << "\n";
    return 2;
  } catch (const RuntimeError& e) {
    std::cerr << "attncost: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "attncost: internal error: " << e.what() << "\n";
    return 1;
  }
  return 2;
}
