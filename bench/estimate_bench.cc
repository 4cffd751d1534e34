// Full estimates (prefill + decode + memory + quality, all layers) per second on one core, at
// short, long and extreme contexts: the cost must not grow with the context length. The *_gen
// families add generated tokens (the decode steps summed over a growing context, the serving
// metrics), at 512 tokens under vLLM and at 65,536 for the sparse patterns, whose per-step sums
// were once loops over the steps.
#include <benchmark/benchmark.h>

#include "bench/reference_loop.h"

#include "estimators/estimate.h"
#include "model/presets.h"

namespace {

using namespace attncost;

struct Fixture {
  ModelConfig model;
  Design design;
  GpuSpec gpu;
};

Fixture make(const char* model, const char* attn_spec) {
  Fixture f{load_model(model), {}, load_gpu("h100-sxm")};
  DesignChoice c;
  if (attn_spec) c.attn = attn_spec;
  f.design = make_design(f.model, c);
  return f;
}

void run(benchmark::State& state, const char* model, const char* attn_spec, uint64_t gen = 0, bool vllm = false) {
  Fixture f = make(model, attn_spec);
  if (vllm) {
    DesignChoice c;
    if (attn_spec) c.attn = attn_spec;
    EngineConfig e;
    e.kind = EngineKind::vllm;
    c.engine = e;
    f.design = make_design(f.model, c);
  }
  Workload w;
  w.ctx = static_cast<uint64_t>(state.range(0));
  w.batch = 8;
  w.gen = gen;
  for (auto _ : state) {
    Estimate e = estimate(f.model, f.design, w, f.gpu);
    benchmark::DoNotOptimize(e);
    // Vary ctx by one token so no result can be reused between iterations.
    w.ctx ^= 1;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["estimates_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void dense_llama(benchmark::State& s) { run(s, "llama-2-7b", nullptr); }
void gemma_stack(benchmark::State& s) { run(s, "gemma-2-9b", nullptr); }
void jamba_hybrid_moe(benchmark::State& s) { run(s, "jamba-v0.1", nullptr); }
void block_sparse(benchmark::State& s) { run(s, "llama-3.1-8b", "block:64:local=3:global=2:random=3"); }
void strided_axial_stack(benchmark::State& s) { run(s, "llama-3.1-70b", "strided:128+window:512/axial/dense/linear"); }
void mla_deepseek_v3(benchmark::State& s) { run(s, "deepseek-v3", nullptr); }
void serving_vllm_gen(benchmark::State& s) { run(s, "llama-3.1-8b", nullptr, 512, true); }
void block_sparse_gen(benchmark::State& s) { run(s, "llama-3.1-8b", "block:64:local=3:global=2:random=3", 65536); }
void strided_axial_gen(benchmark::State& s) { run(s, "llama-3.1-70b", "strided:128+window:512/axial/dense/linear", 65536); }

constexpr int64_t k4k = 4096, k1m = int64_t{1} << 20, k2p40 = int64_t{1} << 40;

}  // namespace

BENCHMARK(dense_llama)->Arg(k4k)->Arg(k1m)->Arg(k2p40);
BENCHMARK(gemma_stack)->Arg(k4k)->Arg(k1m)->Arg(k2p40);
BENCHMARK(jamba_hybrid_moe)->Arg(k4k)->Arg(k1m)->Arg(k2p40);
BENCHMARK(block_sparse)->Arg(k4k)->Arg(k1m)->Arg(k2p40);
BENCHMARK(strided_axial_stack)->Arg(k4k)->Arg(k1m)->Arg(k2p40);
BENCHMARK(mla_deepseek_v3)->Arg(k4k)->Arg(k1m)->Arg(k2p40);
BENCHMARK(serving_vllm_gen)->Arg(k4k);
BENCHMARK(block_sparse_gen)->Arg(k4k);
BENCHMARK(strided_axial_gen)->Arg(k4k);

BENCHMARK_MAIN();
