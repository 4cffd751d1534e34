// simulate: resolve the model, design and engine, build the requests (generated or a trace),
// simulate each offered rate, render.
#include <algorithm>
#include <cstdint>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/resolve.h"
#include "estimators/engine_overhead.h"
#include "estimators/estimate.h"
#include "estimators/sim_metrics.h"
#include "estimators/simulate.h"
#include "estimators/trace.h"
#include "model/error.h"
#include "model/json_input.h"
#include "reports/reports.h"
#include "reports/simulate_report.h"

namespace attncost::cli {
namespace {

// N, or uniform:LO:HI.
LengthDist parse_length(const std::string& text, const std::string& flag) {
  if (text.rfind("uniform:", 0) == 0) {
    const std::string rest = text.substr(8);
    const size_t colon = rest.find(':');
    if (colon == std::string::npos) throw InputError(fmt::format("{} '{}': expected uniform:LO:HI", flag, text));
    LengthDist d{parse_count(rest.substr(0, colon), flag), parse_count(rest.substr(colon + 1), flag)};
    if (d.hi < d.lo) throw InputError(fmt::format("{} '{}': HI must be at least LO", flag, text));
    return d;
  }
  const uint64_t n = parse_count(text, flag);
  return {n, n};
}

// The offered rates: numbers > 0 or `inf` (0 here), ascending as given.
std::vector<double> parse_rates(const std::string& text) {
  std::vector<double> rates;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string one = text.substr(start, comma - start);
    rates.push_back(one == "inf" ? 0.0 : parse_number(one, "--rate", 0, 1e9, true, "requests per second (a positive number) or inf"));
    start = comma + 1;
  }
  for (size_t i = 1; i < rates.size(); ++i)
    if ((rates[i] > 0 && rates[i - 1] > 0 && rates[i] <= rates[i - 1]) || (rates[i] > 0 && rates[i - 1] == 0))
      throw InputError(fmt::format("--rate '{}': list the rates in increasing order (inf last)", text));
  return rates;
}

SchedulerKind scheduler_of(const std::string& engine) {
  if (engine == "vllm") return SchedulerKind::vllm;
  if (engine == "sglang") return SchedulerKind::sglang;
  if (engine == "trtllm") return SchedulerKind::trtllm;
  if (engine == "static") return SchedulerKind::static_batch;
  throw InputError(fmt::format("--engine '{}': simulate runs vllm | sglang | trtllm | static", engine));
}

std::string length_text(const LengthDist& d) { return d.lo == d.hi ? fmt::format("{}", d.lo) : fmt::format("uniform {}–{}", d.lo, d.hi); }

}  // namespace

int run_simulate(const Flags& flags) {
  check_format(flags.format, {"text", "json", "csv"});
  Outputs out(flags);
  // The engine: vLLM unless given; `static` runs a batch to completion with the plain memory rule.
  Flags f = flags;
  if (!f.has("--engine")) f.engine = "vllm";
  const SchedulerKind scheduler = scheduler_of(f.engine);
  if (scheduler == SchedulerKind::static_batch) f.engine = "plain";
  const ModelConfig m = resolve_model(f);
  const GpuSpec gpu = resolve_gpu(f);
  const Design d = make_design(m, resolve_choice(f, m, nullptr));
  check_design_runs(d, gpu, UINT64_MAX);  // prompt lengths vary per request: --cp is not held to one context here

  SimConfig c = sim_config_for(d, scheduler, gpu);
  if (!f.shared_prefix.empty()) c.shared_prefix = parse_count(f.shared_prefix, "--shared-prefix", true);
  if (!f.prefix_hit_rate.empty()) c.prefix_hit_rate = parse_number(f.prefix_hit_rate, "--prefix-hit-rate", 0, 1, false, "a fraction from 0 to 1");
  if (!f.max_concurrency.empty()) c.max_concurrency = parse_count(f.max_concurrency, "--max-concurrency");
  c.seed = parse_count(f.seed, "--seed", true);
  const Endpoint endpoint = parse_endpoint(f.endpoint);
  use_endpoint(c, d.engine, endpoint);
  c.warm_first = f.benchmark_warmup;
  const EngineOverhead overhead = engine_overhead(d.engine);

  SimulateReport r;
  r.model = m.name, r.gpu = gpu.name, r.design = design_label(d), r.engine = flags.has("--engine") ? flags.engine : "vllm";
  r.scheduler = std::string(scheduler_name(scheduler));
  // "vLLM V1 0.21 rule, 2 ms/step, 60 ms/request" (the text prints it after "engine overhead: ").
  if (overhead.any()) r.engine_rule = engine_overhead_text(overhead).substr(std::string_view("engine overhead: ").size());
  if (c.request_overhead_s < overhead.per_request_s)
    r.engine_rule += fmt::format("; completions endpoint: {:.3g} ms/request (no chat template)", c.request_overhead_s * 1e3);
  r.gpus_per_replica = replica_gpus(d);
  r.seed = c.seed, r.max_concurrency = c.max_concurrency;
  r.burstiness = parse_number(f.burstiness, "--burstiness", 0, 1e3, true, "a positive gamma shape");
  r.slo = resolve_slo(f, &r.has_slo);
  // Each figure's held-out error band: the GPU, kernels and engine's, once for the answer (never per step).
  r.bands = uncertainty_bands(gpu, kernels_for(d, gpu), d.engine.kind);
  r.command = f.command_line;

  // The requests: a trace's, or generated at each rate.
  std::vector<SimRequest> trace;
  std::vector<double> rates;
  ArrivalSpec spec;
  if (!f.trace.empty()) {
    if (f.has("--rate") || f.has("--requests") || f.has("--prompt-len") || f.has("--output-len") || f.has("--burstiness") || f.has("--lengths"))
      throw InputError("--trace: the trace gives the arrivals and lengths; drop --rate, --requests, --prompt-len, --output-len, --lengths and --burstiness");
    trace = parse_trace(read_user_file(f.trace, "--trace"), "--trace '" + f.trace + "'");
    rates = {0};
    r.trace = f.trace, r.requests = trace.size();
    r.workload = fmt::format("{} requests from {} over {:.1f} s", trace.size(), f.trace, trace.back().arrival_s);
  } else {
    if (!f.has("--rate")) throw InputError("simulate: give --rate R (requests/s, a list, or inf) or --trace FILE");
    rates = parse_rates(f.rate);
    if (!f.lengths.empty()) {
      if (f.has("--prompt-len") || f.has("--output-len")) throw InputError("--lengths: the file gives the prompt and output lengths; drop --prompt-len and --output-len");
      spec.lengths = parse_lengths(read_user_file(f.lengths, "--lengths"), "--lengths '" + f.lengths + "'");
    }
    spec.requests = !spec.lengths.empty() && !f.has("--requests") ? spec.lengths.size() : parse_count(f.requests, "--requests");
    if (spec.requests > 10'000'000) throw InputError("--requests: at most 10,000,000 per run");
    spec.prompt = parse_length(f.prompt_len, "--prompt-len");
    spec.output = parse_length(f.output_len, "--output-len");
    spec.burstiness = r.burstiness, spec.seed = c.seed;
    r.requests = spec.requests, r.prompt_len = f.prompt_len, r.output_len = f.output_len;
    if (!spec.lengths.empty()) r.prompt_len = r.output_len = "from " + f.lengths;
    const std::string lengths = spec.lengths.empty() ? fmt::format("prompt {} tokens, output {} tokens", length_text(spec.prompt), length_text(spec.output))
                                                     : fmt::format("lengths of {} requests from {} in order", spec.lengths.size(), f.lengths);
    r.workload = fmt::format("{} requests, {}, {} arrivals{}", spec.requests, lengths,
                             r.burstiness == 1 ? "Poisson" : fmt::format("gamma (burstiness {:g})", r.burstiness),
                             c.max_concurrency > 0 ? fmt::format(", at most {} in flight", c.max_concurrency) : "");
  }
  for (double rate : rates) {
    SimulateRun run;
    run.rate = rate;
    if (trace.empty()) {
      spec.rate = rate;
      const std::vector<SimRequest> reqs = generate_requests(spec);
      run.result = simulate(m, d, gpu, c, reqs);
    } else {
      run.result = simulate(m, d, gpu, c, trace);
    }
    run.summary = summarize(run.result, r.slo, r.gpus_per_replica);
    // Nothing served: every request is longer than the KV pool can ever hold (the engine refuses
    // such a server or request); zeros in a latency table would read as a measurement.
    if (run.summary.completed == 0 && run.summary.rejected > 0) {
      uint64_t longest = 0;
      for (const SimRequestResult& q : run.result.requests) longest = std::max(longest, q.prompt + q.output);
      throw InputError(fmt::format("simulate: no request fits the KV pool ({} per GPU): a request of {} tokens can never be held; "
                                   "raise --tp/--pp, --gpu-memory-utilization or --kv-dtype, or shorten --prompt-len/--output-len",
                                   human_bytes(run.result.kv_pool_bytes), longest));
    }
    r.runs.push_back(std::move(run));
  }
  std::vector<double> rate_list;
  std::vector<SimSummary> summaries;
  for (const SimulateRun& run : r.runs) rate_list.push_back(run.rate), summaries.push_back(run.summary);
  r.knee = load_knee(rate_list, summaries);
  if (r.has_slo) r.slo_rate = max_rate_meeting_slo(rate_list, summaries, r.slo);

  std::string text;
  if (f.format == "json") text = simulate_json(r).dump(2) + "\n";
  else if (f.format == "csv") text = simulate_csv(r);
  else text = simulate_text(r);
  if (!f.chart.empty()) out.set(f.chart, simulate_chart_svg(r));
  out.set(f.output, text);
  out.commit();
  return kExitOk;
}

}  // namespace attncost::cli
