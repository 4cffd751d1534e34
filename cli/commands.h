// The subcommands: each resolves its inputs from Flags, calls the core and renders. Returns the
// process exit code.
#pragma once
#include <initializer_list>

#include "cli/options.h"

namespace attncost::cli {

// Throws InputError unless `format` is one of `allowed`.
void check_format(const std::string& format, std::initializer_list<const char*> allowed);

int run_estimate(const Flags& f);
int run_plan(const Flags& f);
int run_compare(const Flags& f);
int run_sweep(const Flags& f);
int run_presets(const Flags& f);

struct ProbeFlags {
  std::string backend = "cuda", suite = "quick", repeats = "5", tolerance = "0.25", case_timeout = "60";
  bool check = false, calibrate = false, gpu_given = false;
};
int run_probe(const Flags& f, const ProbeFlags& p);

}  // namespace attncost::cli
