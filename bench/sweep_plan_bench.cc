// Sweep throughput (estimate + one CSV row, the sweep's inner loop) and the time of a full-space
// plan: the bars are 500,000 rows/s per core and a plan under 100 ms.
#include <benchmark/benchmark.h>

#include "bench/reference_loop.h"

#include "estimators/plan.h"
#include "model/presets.h"
#include "reports/reports.h"

namespace {

using namespace attncost;

void sweep_csv_rows(benchmark::State& state) {
  const ModelConfig m = load_model("llama-2-7b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  DesignChoice c;
  c.sharing = KvSharing::gqa;
  c.kv_heads = 8;
  c.attn = "window:4096/dense";
  const Design d = make_design(m, c);
  // As `sweep` runs a line (estimators/sweep.cc): the design's constants once, then one estimate
  // and one CSV row per point.
  const Estimator estimator(m, d, gpu);
  Workload w;
  std::string buffer;
  buffer.reserve(1 << 20);
  uint64_t ctx = 1024;
  for (auto _ : state) {
    w.ctx = ctx;
    ctx = ctx % (uint64_t{1} << 30) + 1024;
    const Estimate e = estimator(w);
    append_estimate_csv_row(buffer, {m, d, w, gpu}, e);
    if (buffer.size() > (1 << 20) - 1024) buffer.clear();
  }
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void csv_row_only(benchmark::State& state) {
  const ModelConfig m = load_model("llama-2-7b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const Design d = make_design(m);
  Workload w;
  w.ctx = 65536;
  const Estimate e = estimate(m, d, w, gpu);
  std::string buffer;
  buffer.reserve(1 << 20);
  for (auto _ : state) {
    append_estimate_csv_row(buffer, {m, d, w, gpu}, e);
    if (buffer.size() > (1 << 20) - 1024) buffer.clear();
  }
}

void plan_full_space(benchmark::State& state) {
  const ModelConfig m = load_model("llama-2-7b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  Workload chat, doc;
  chat.name = "chat", chat.ctx = 8192, chat.batch = 32, chat.slo_ms = 30;
  doc.name = "doc", doc.ctx = 131072, doc.batch = 1;
  for (auto _ : state) {
    PlanInputs in{m, gpu, {chat, doc}, {}, false};
    PlanResult p = plan(in);
    benchmark::DoNotOptimize(p);
    state.counters["candidates"] = static_cast<double>(p.candidates.size());
  }
}

}  // namespace

BENCHMARK(sweep_csv_rows);
BENCHMARK(csv_row_only);
BENCHMARK(plan_full_space)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
