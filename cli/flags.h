// Every command-line flag of every command, as the strings the user typed, and where each is
// registered. Turning them into the estimator's inputs is resolve.h's job; CLI11 only parses.
#pragma once
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "estimators/arrivals.h"
#include "model/design.h"
#include "model/engine.h"

namespace attncost::cli {

struct Flags {
  std::string model = "llama-2-7b";
  std::string gpu = "h100-sxm";
  // Model field overrides (strings so that "-5" or "x" get our message, not the parser's).
  std::string layers, heads, kv_heads, head_dim, hidden, ffn, vocab;
  bool text_only = false;  // leave a multimodal checkpoint's vision/audio encoders out of memory
  // Design.
  bool mha = false, mqa = false;
  std::string gqa, mla, attn, kv_dtype, weight_dtype, act_dtype, kv_group, page_size, tp, pp, cp, ep, dp, kernel, kernels;
  // Workload.
  // Defaults shown as text, taken from the structs that hold them (one place for each number).
  std::string ctx = std::to_string(Workload{}.ctx), batch = std::to_string(Workload{}.batch), gen = std::to_string(Workload{}.gen), phase = "both", slo_ms, ttft_slo_ms, shared_prefix, prefix_hit_rate, lengths;
  // Serving: engine memory rule, chunked prefill, speculative decoding, price.
  std::string engine = "plain", gpu_memory_utilization, max_num_batched_tokens, max_num_seqs, chunk_size, usd_per_gpu_hour, spec;
  std::string engine_version, step_overhead_us, request_overhead_ms, seq_overhead_us, request_serial_ms;  // the engine's per-step/request overhead (its release's rule, or given)
  // Plan and compare.
  std::vector<std::string> workloads;   // NAME:ctx=..,batch=..,gen=..,slo_ms=..
  std::vector<std::string> designs;     // LABEL:gqa=8,attn=...,kv_dtype=fp8 (compare)
  std::string budget_gb, reserve = fmt::format("{:g}", EngineConfig{}.reserve_fraction), require, max, candidates = "full", family;
  std::string rate, fleet_gpus, sizing = "load";         // plan --rate: requests/s to serve; GPU types (NAME[=USD_PER_HOUR],...)
  // Serving under load (simulate; plan --rate takes the SLO flags too).
  std::string trace, max_concurrency, burstiness = fmt::format("{:g}", ArrivalSpec{}.burstiness), requests = "1000", prompt_len = "1024", output_len = "256", seed = std::to_string(ArrivalSpec{}.seed);
  std::string slo_ttft_ms, slo_tpot_ms, slo_percentile = "99";
  std::string endpoint = "chat";        // the API the clients call (its chat template's time per request)
  bool benchmark_warmup = false;        // the first request was sent once before the run (its prompt is cached)
  // Estimate.
  bool explain = false;
  // Sweep.
  std::string chart;                    // SVG path
  std::string max_rows = "100000000";
  // Probe.
  std::string backend = "cuda", suite = "quick", repeats = "5", tolerance = "0.25", case_timeout = "60";
  std::string max_noise = "0.01", max_time = "2", replay;
  bool check = false, calibrate = false;
  // Output.
  std::string format = "text", output;

  std::string command_line;             // the whole command, as recorded in a probe run

  // Flags the user gave explicitly (by long name, e.g. "--ctx"), filled after parsing.
  std::set<std::string> given;
  bool has(const std::string& flag) const { return given.count(flag) > 0; }
};

void add_model_flags(CLI::App& app, Flags& f);
void add_design_flags(CLI::App& app, Flags& f);
void add_workload_flags(CLI::App& app, Flags& f);
void add_serving_flags(CLI::App& app, Flags& f);
void add_plan_flags(CLI::App& app, Flags& f);
void add_simulate_flags(CLI::App& app, Flags& f);
void add_slo_flags(CLI::App& app, Flags& f);
void add_probe_flags(CLI::App& app, Flags& f);
void add_output_flags(CLI::App& app, Flags& f, const std::string& formats);

// Records in f.given every option of `app` that appeared on the command line.
void record_given(const CLI::App& app, Flags& f);

}  // namespace attncost::cli
