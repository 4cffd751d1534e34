// The subcommands: each resolves its inputs from Flags, calls the core and renders. Returns the
// process exit code (cli/exit_codes.h).
#pragma once
#include <nlohmann/json.hpp>

#include "cli/flags.h"
#include "estimators/sweep.h"
#include "model/gpu_spec.h"
#include "model/model_config.h"

namespace attncost::cli {

// The exit codes, one table for every command (README "Exit codes").
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,     // the probe's check failed (a case wrong or off its prediction), or a write failed midway
  kExitBadInput = 2,   // bad input: flags, files, an output path that cannot be written (checked before work)
  kExitNoGpu = 3,      // probe --backend cuda without a usable GPU or CUDA backend
  kExitInternal = 70,  // a bug in attncost (EX_SOFTWARE); please report it
};

int run_estimate(const Flags& f);
// estimate --format json's document for these flags, without the format and output checks (the
// Python API's fast path, python/attncost/_core.cc, calls it; run_estimate renders the same).
nlohmann::json estimate_document(const Flags& f);
// The same with the model and GPU given as resolve_model(f) and resolve_gpu(f) made them (the
// Python API keeps a built-in preset's between calls).
nlohmann::json estimate_document(const Flags& f, const ModelConfig& m, const GpuSpec& gpu);
int run_plan(const Flags& f);
int run_compare(const Flags& f);
int run_sweep(const Flags& f);
// sweep's grid from its flags, every value checked and the grid's size within `max_rows` (run_sweep
// and the Python API's columnar sweep, python/attncost/_core.cc).
SweepGrid resolve_sweep_grid(const Flags& f, double max_rows);
int run_presets(const Flags& f);
int run_probe(const Flags& f);
int run_simulate(const Flags& f);

}  // namespace attncost::cli
