// The serving simulator's speed: 100,000 requests (1k-token prompts, 200-token outputs) of
// Llama-3.1-8B on an H100 under vLLM's scheduler, at a load near the knee (all engine steps
// costed by the step-cost path), and one step cost as the simulator calls it. Target: the
// 100,000 requests in ≤ 2 s on one core.
#include <benchmark/benchmark.h>

#include "bench/reference_loop.h"

#include "estimators/sim_metrics.h"
#include "estimators/simulate.h"
#include "estimators/step_cost.h"
#include "model/presets.h"

namespace {

using namespace attncost;

Design vllm_design(const ModelConfig& m) {
  DesignChoice c;
  EngineConfig e;
  e.kind = EngineKind::vllm;
  c.engine = e;
  return make_design(m, c);
}

void simulate_100k_requests(benchmark::State& state) {
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const Design d = vllm_design(m);
  ArrivalSpec a;
  a.requests = 100000, a.rate = static_cast<double>(state.range(0)), a.prompt = {1024, 1024}, a.output = {200, 200}, a.seed = 1;
  const auto requests = generate_requests(a);
  SimConfig c;
  for (auto _ : state) {
    const SimResult r = simulate(m, d, gpu, c, requests);
    const SimSummary s = summarize(r, {}, 1);
    benchmark::DoNotOptimize(s);
    state.counters["steps"] = static_cast<double>(r.steps);
  }
  state.counters["requests_per_s_simulated"] = benchmark::Counter(static_cast<double>(a.requests) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// One mixed engine step of 256 decodes and a 2048-token prefill chunk, costed.
void step_cost_mixed(benchmark::State& state) {
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const Design d = vllm_design(m);
  const StepContext sc(m, d, gpu);
  StepLoad load(sc.use_count);
  PhaseCost pc;
  uint64_t c = 1024;
  for (auto _ : state) {
    load.clear(sc.use_count);
    for (int i = 0; i < 256; ++i) add_decode(sc, load, c + static_cast<uint64_t>(i), 1, 1);
    add_prefill(sc, load, 2048, 4096, 1, false);
    StepPass pass;
    pass.tokens = load.sampled;
    cost_step(sc, load, pass, pc);
    benchmark::DoNotOptimize(pc.time_s);
    c = c % 100000 + 1;
  }
}

}  // namespace

BENCHMARK(simulate_100k_requests)->Arg(30)->Unit(benchmark::kMillisecond);
BENCHMARK(step_cost_mixed);
BENCHMARK_MAIN();
