// Command-line flags shared by the subcommands and their translation into the estimator's
// inputs. Every check that names a flag lives here or in the loaders it calls.
#pragma once
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>
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
  // Plan and compare.
  std::vector<std::string> workloads;   // NAME:ctx=..,batch=..,gen=..,slo_ms=..
  std::vector<std::string> designs;     // LABEL:gqa=8,attn=...,kv_dtype=fp8 (compare)
  std::string budget_gb, reserve = "0.05", require, max, candidates = "full";
  std::string chart;                    // sweep: SVG path
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
// The --workload specs, or the single workload of --ctx/--batch/--gen/--slo-ms when none.
std::vector<Workload> resolve_workloads(const Flags& f);
// One `NAME:key=value,...` workload spec. Throws InputError pointing at the bad part.
Workload parse_workload(const std::string& spec);
// One `LABEL:key=value,...` design spec for compare (keys: mha, mqa, gqa, mla, attn, kv_dtype,
// weight_dtype, act_dtype, kv_group, tp, kernel, page_size).
std::pair<std::string, DesignChoice> parse_design_spec(const std::string& spec, const ModelConfig& m);
void add_plan_flags(CLI::App& app, Flags& f);

// A positive integer with an optional binary suffix (64k = 65536, 1m = 1048576). Throws
// InputError naming `flag`.
uint64_t parse_count(const std::string& text, const std::string& flag, bool zero_ok = false);
// A real number in [lo, hi] (lo excluded when lo_open). Throws InputError naming `flag` and `what`.
double parse_number(const std::string& text, const std::string& flag, double lo, double hi, bool lo_open, const char* what);

// Writes `text` to `path` through a temporary file and a rename, so a failure never leaves a
// truncated file; "" or "-" means stdout.
void write_output(const std::string& path, const std::string& text);

// Streams a large output (sweeps) to stdout or to a temporary file renamed into place by
// commit(); destroyed without commit(), it removes the temporary file.
class OutputStream {
 public:
  explicit OutputStream(const std::string& path);
  ~OutputStream();
  OutputStream(const OutputStream&) = delete;
  OutputStream& operator=(const OutputStream&) = delete;
  void write(const std::string& chunk);
  void commit();

 private:
  std::string path_, tmp_;
  std::FILE* file_ = nullptr;
  bool to_stdout_ = false;
};

}  // namespace attncost::cli
