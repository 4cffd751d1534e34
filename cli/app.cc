// The attncost command line as a function: parse, run one subcommand, turn errors into one line
// and an exit code (cli/commands.h). main() and the CLI fuzzer both call it. The commands are one
// table: name, help, flags, and the function that runs them.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/app.h"
#include "cli/commands.h"
#include "model/error.h"
#include "model/presets.h"
#include "model/version.h"
#include "reports/shell_quote.h"

namespace attncost {
namespace {

struct Command {
  const char* name;
  const char* help;
  void (*add_flags)(CLI::App&, cli::Flags&);
  int (*run)(const cli::Flags&);
};

void analysis_flags(CLI::App& app, cli::Flags& f) {
  cli::add_model_flags(app, f);
  cli::add_design_flags(app, f);
  cli::add_workload_flags(app, f);
  cli::add_serving_flags(app, f);
}

const Command kCommands[] = {
    {"plan", "baseline vs proposed design vs ranked alternatives, with a recommendation",
     [](CLI::App& app, cli::Flags& f) {
       analysis_flags(app, f);
       cli::add_plan_flags(app, f);
       app.add_flag("--explain", f.explain, "the formulas with your numbers substituted, for the baseline and the recommended design at every workload");
       cli::add_output_flags(app, f, "text|json|csv|md|html (a self-contained memo)");
     },
     cli::run_plan},
    {"estimate", "the full cost breakdown of one design",
     [](CLI::App& app, cli::Flags& f) {
       analysis_flags(app, f);
       app.add_flag("--explain", f.explain, "show each quantity's formula from docs/cost-model.md with your numbers substituted");
       cli::add_output_flags(app, f, "text|json|csv|md");
     },
     cli::run_estimate},
    {"compare", "designs and workloads side by side, with ratios to the first",
     [](CLI::App& app, cli::Flags& f) {
       analysis_flags(app, f);
       app.add_option("--workload", f.workloads, "a named workload NAME:ctx=N,batch=B,gen=T (repeatable)");
       app.add_option("--design", f.designs, "a design LABEL:gqa=8,attn=window:4096,kv_dtype=fp8 (repeatable)");
       app.add_flag("--explain", f.explain, "the formulas with your numbers substituted, for every design at every workload");
       cli::add_output_flags(app, f, "text|json|csv|md");
     },
     cli::run_compare},
    {"sweep", "a grid over comma-separated axes (ctx, batch, gen, gqa, attn, kv-dtype, gpu, model, tp, kernel, page-size) to CSV/JSON lines",
     [](CLI::App& app, cli::Flags& f) {
       analysis_flags(app, f);
       app.add_option("--chart", f.chart, "also write an SVG chart of decode step time vs context (or batch)");
       app.add_option("--max-rows", f.max_rows, "refuse grids with more rows than this")->capture_default_str();
       app.add_flag("--explain", f.explain, "the formulas with your numbers substituted, for every row (text, or an `explain` key per JSON line)");
       cli::add_output_flags(app, f, "csv|json (JSON lines)|text; default csv");
     },
     cli::run_sweep},
    {"simulate", "serving under load: P50/P99 TTFT, TPOT, ITL and throughput at a request rate, as benchmark_serving measures them",
     [](CLI::App& app, cli::Flags& f) {
       cli::add_model_flags(app, f);
       cli::add_design_flags(app, f);
       cli::add_serving_flags(app, f);
       cli::add_simulate_flags(app, f);
       cli::add_output_flags(app, f, "text|json|csv (one row per request)");
     },
     cli::run_simulate},
    {"presets", "list built-in models and GPUs",
     [](CLI::App& app, cli::Flags& f) { cli::add_output_flags(app, f, "text|json|csv"); },
     cli::run_presets},
    {"probe", "time real attention kernels (CUDA, or --backend cpu) against the predictions; --check gates CI",
     [](CLI::App& app, cli::Flags& f) {
       cli::add_probe_flags(app, f);
       cli::add_output_flags(app, f, "text|json|md|junit");
     },
     cli::run_probe},
};

std::string command_list() {
  std::string out;
  for (const Command& c : kCommands) out += (out.empty() ? "" : ", ") + std::string(c.name);
  return out;
}

}  // namespace

int attncost_main(int argc, char** argv) {
  cli::Flags flags;
  CLI::App app{"attncost: KV-cache and attention cost analyzer for transformer LLMs", "attncost"};
  app.set_version_flag("--version", std::string(kVersion) + " (" + kCommit + ")");
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, const Command*>> subs;
  for (const Command& c : kCommands) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    c.add_flags(*sub, flags);
    subs.emplace_back(sub, &c);
  }

  // No attncost argument is valid empty, and CLI11 2.1 loops forever on an empty argument followed
  // by an option (found by tests/fuzz/fuzz_cli): reject it before parsing.
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '\0') {
      std::cerr << "attncost: error: argument " << i << " is empty (see attncost --help)\n";
      return cli::kExitBadInput;
    }
  }
  // A mistyped command gets "did you mean", as ninja does, rather than CLI11's generic message.
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const Command& c : kCommands) names.emplace_back(c.name);
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      std::cerr << "attncost: error: unknown command '" << argv[1] << "'; did you mean " << closest_names(argv[1], names, 1).front()
                << "? (commands: " << command_list() << ")\n";
      return cli::kExitBadInput;
    }
  }
  // --help and --version print to stdout: a stdout that cannot take them (a full disk) is a failure.
  auto printed = [](int code) {
    std::cout.flush();
    if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout)) {
      std::cerr << "attncost: error: writing to stdout failed\n";
      return static_cast<int>(cli::kExitFailed);
    }
    return code;
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return printed(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    return printed(app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    return printed(app.exit(e));
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what.find('\n') != std::string::npos) what = what.substr(0, what.find('\n'));
    std::cerr << "attncost: error: " << what << " (see attncost --help)\n";
    return cli::kExitBadInput;
  }
  try {
    for (const auto& [sub, command] : subs) {
      if (!*sub) continue;
      cli::record_given(*sub, flags);
      for (int i = 0; i < argc; ++i) flags.command_line += (i ? " " : "") + (i ? shell_quoted(argv[i]) : std::string("attncost"));
      return command->run(flags);
    }
  } catch (const InputError& e) {
    std::cerr << "attncost: error: " << e.what() << "\n";
    return cli::kExitBadInput;
  } catch (const RuntimeError& e) {
    std::cerr << "attncost: error: " << e.what() << "\n";
    return cli::kExitFailed;
  } catch (const std::bad_alloc&) {
    std::cerr << "attncost: error: out of memory\n";
    return cli::kExitFailed;
  } catch (const std::exception& e) {
    std::cerr << "attncost: internal error: " << e.what() << " (please report it)\n";
    return cli::kExitInternal;
  }
  return cli::kExitBadInput;
}

}  // namespace attncost
