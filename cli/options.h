// Command-line flags shared by the subcommands and their translation into the estimator's
// inputs. Every check that names a flag lives here or in the loaders it calls.
#pragma once
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "model/design.h"
#include "model/gpu_spec.h"
#include "model/model_config.h"

namespace attncost::cli {

struct Flags {
  std::string model = "llama-2-7b";
  std::string gpu = "h100-sxm";
  // Model field overrides (strings so that "-5" or "x" get our message, not the parser's).
  std::string layers, heads, kv_heads, head_dim, hidden, ffn, vocab;
  // Design.
  bool mha = false, mqa = false;
  std::string gqa, mla, attn, kv_dtype, weight_dtype, act_dtype, kv_group, page_size, tp, kernel;
  // Workload.
  std::string ctx = "4096", batch = "1", gen = "0", phase = "both", slo_ms;
  // Output.
  std::string format = "text", output;
};

// Registers the flags on a subcommand; `workload` adds --ctx/--batch/--gen/--phase.
void add_model_flags(CLI::App& app, Flags& f);
void add_design_flags(CLI::App& app, Flags& f);
void add_workload_flags(CLI::App& app, Flags& f);
void add_output_flags(CLI::App& app, Flags& f, const std::string& formats);

ModelConfig resolve_model(const Flags& f);
GpuSpec resolve_gpu(const Flags& f);
// The design flags as a choice; `given` says whether any design flag was set.
DesignChoice resolve_choice(const Flags& f, const ModelConfig& m, bool* given);
Workload resolve_workload(const Flags& f);

// A positive integer with an optional binary suffix (64k = 65536, 1m = 1048576). Throws
// InputError naming `flag`.
uint64_t parse_count(const std::string& text, const std::string& flag, bool zero_ok = false);

// Writes `text` to `path` through a temporary file and a rename, so a failure never leaves a
// truncated file; "" or "-" means stdout.
void write_output(const std::string& path, const std::string& text);

}  // namespace attncost::cli
