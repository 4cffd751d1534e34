// `attncost simulate` rendered: a text summary per offered rate (and the knee), the JSON document
// ("schema": "attncost.simulate/1", fields named as vLLM's benchmark_serving names them), one CSV
// row per request, and the charts (latency CDFs for one rate; P50/P99 TTFT and TPOT against the
// offered load and the throughput-per-GPU vs throughput-per-user Pareto curve for several).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "estimators/sim_metrics.h"
#include "estimators/simulate.h"
#include "estimators/uncertainty.h"

namespace attncost {

struct SimulateRun {
  double rate = 0;  // offered requests/s; 0 = all at once (or a trace's own times)
  SimResult result;
  SimSummary summary;
};

struct SimulateReport {
  std::string model, gpu, design, engine, engine_rule, scheduler;
  int64_t gpus_per_replica = 1;
  std::string workload;  // "2000 requests, prompt 1024, output 200 tokens, Poisson arrivals"
  uint64_t requests = 0, seed = 0, max_concurrency = 0;
  double burstiness = 1;
  std::string prompt_len, output_len, trace;  // as given
  SloSpec slo;
  bool has_slo = false;
  std::vector<SimulateRun> runs;
  int knee = -1, slo_rate = -1;  // indices into runs
  std::string command;           // the command line, for the JSON record
  Bands bands;                   // the held-out error bands of the replica's figures (estimators/uncertainty.h)
};

std::string simulate_text(const SimulateReport& r);
nlohmann::json simulate_json(const SimulateReport& r);
std::string simulate_csv(const SimulateReport& r);
std::string simulate_chart_svg(const SimulateReport& r);

}  // namespace attncost
