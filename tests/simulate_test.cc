// The serving simulator (estimators/simulate.h) against what must hold whatever the engine: an
// idle server gives the unloaded TTFT and ITL of `estimate`; Little's law on the simulated trace;
// the M/D/1 queue's mean wait for a one-at-a-time server with fixed service times; the same seed
// gives the same run; every request is served once, its tokens all generated, also when the KV
// pool forces preemptions.
#include <catch2/catch.hpp>

#include <cmath>

#include "estimators/engine_memory.h"
#include "estimators/engine_overhead.h"
#include "estimators/estimate.h"
#include "estimators/sim_metrics.h"
#include "estimators/simulate.h"
#include "model/presets.h"

using namespace attncost;

namespace {

Design engine_design(const ModelConfig& m, EngineKind kind, double fraction = 0) {
  DesignChoice c;
  EngineConfig e;
  e.kind = kind;
  e.memory_fraction = fraction;
  c.engine = e;
  return make_design(m, c);
}

std::vector<SimRequest> fixed(uint64_t n, double rate, uint64_t prompt, uint64_t output, uint64_t seed = 1) {
  ArrivalSpec a;
  a.requests = n, a.rate = rate, a.prompt = {prompt, prompt}, a.output = {output, output}, a.seed = seed;
  return generate_requests(a);
}

}  // namespace

TEST_CASE("arrivals: Poisson at the rate asked, reproducible, lengths in range", "[simulate]") {
  ArrivalSpec a;
  a.requests = 20000, a.rate = 4, a.prompt = {100, 300}, a.output = {10, 10}, a.seed = 7;
  const auto r = generate_requests(a);
  REQUIRE(r.front().arrival_s == 0);
  REQUIRE(r.back().arrival_s / static_cast<double>(r.size() - 1) == Approx(0.25).epsilon(0.03));
  double mean_prompt = 0;
  for (const SimRequest& q : r) {
    REQUIRE(q.prompt >= 100);
    REQUIRE(q.prompt <= 300);
    mean_prompt += static_cast<double>(q.prompt);
  }
  REQUIRE(mean_prompt / 20000 == Approx(200).epsilon(0.01));
  const auto again = generate_requests(a);
  REQUIRE(again.back().arrival_s == r.back().arrival_s);
  // Burstiness 0.25: the same mean interval, a larger spread (gamma shape 0.25: CV 2).
  a.burstiness = 0.25;
  const auto bursty = generate_requests(a);
  double sq = 0;
  for (size_t i = 1; i < bursty.size(); ++i) sq += std::pow(bursty[i].arrival_s - bursty[i - 1].arrival_s - 0.25, 2);
  REQUIRE(std::sqrt(sq / 19999) / 0.25 == Approx(2).epsilon(0.1));
}

TEST_CASE("an idle server: P50 TTFT is the unloaded TTFT, TPOT the unloaded mean ITL", "[simulate]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  for (EngineKind kind : {EngineKind::vllm, EngineKind::sglang, EngineKind::trtllm}) {
    const Design d = engine_design(m, kind);
    SimConfig c;
    c.scheduler = kind == EngineKind::vllm ? SchedulerKind::vllm : kind == EngineKind::sglang ? SchedulerKind::sglang : SchedulerKind::trtllm;
    // The engine's overhead, as `attncost simulate` sets it: the estimate includes the same.
    const EngineOverhead overhead = engine_overhead(d.engine);
    REQUIRE(overhead.per_step_s > 0);
    c.step_overhead_s = overhead.per_step_s, c.seq_overhead_s = overhead.per_seq_step_s;
    // SGLang's and TensorRT-LLM's overlap schedulers: an idle server forms the batch at once.
    c.overlap_schedule = overhead.overlap_schedule;
    REQUIRE(overhead.overlap_schedule == (kind != EngineKind::vllm));
    const auto reqs = fixed(9, 0.001, 1000, 64);  // 1000 s apart: each finds the server idle
    const SimSummary s = summarize(simulate(m, d, gpu, c, reqs), {}, 1);
    Workload w;
    w.ctx = 1000, w.gen = 64;
    const Estimate e = estimate(m, d, w, gpu);
    REQUIRE(s.completed == 9);
    REQUIRE(s.ttft_s.p50 == Approx(e.serving.ttft_s - overhead.per_request_s).epsilon(1e-9));
    REQUIRE(s.tpot_s.p50 == Approx(e.serving.itl_mean_s).epsilon(1e-9));
    REQUIRE(s.queue_s.p99 == 0);
    // With the per-request overhead too, the TTFT is the estimate's. (The simulator adds it to the
    // first token only, so its TPOT then shrinks by overhead / (output − 1).)
    c.request_overhead_s = overhead.per_request_s;
    REQUIRE(summarize(simulate(m, d, gpu, c, reqs), {}, 1).ttft_s.p50 == Approx(e.serving.ttft_s).epsilon(1e-9));
  }
}

TEST_CASE("requests sent together queue at the API server for its serial part of the request overhead", "[simulate]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const Design d = engine_design(m, EngineKind::vllm);
  SimConfig c;
  c.request_overhead_s = 0.040, c.request_serial_s = 0.005;
  const auto reqs = fixed(10, 0, 64, 4);  // all at t = 0
  const SimResult r = simulate(m, d, gpu, c, reqs);
  // Request i leaves the API server after i + 1 serial slots, then waits out the rest of the
  // overhead: it reaches the scheduler at 0.005·(i + 1) + 0.035 and cannot be scheduled before.
  for (size_t i = 0; i < reqs.size(); ++i) REQUIRE(r.requests[i].scheduled_s >= 0.005 * static_cast<double>(i + 1) + 0.035 - 1e-12);
  REQUIRE(r.requests[9].scheduled_s < 0.090 + 0.05);  // and not much later (steps of a few ms)
  // Sent apart, nobody queues: the overhead is the plain 40 ms delay.
  const SimResult apart = simulate(m, d, gpu, c, fixed(5, 0.01, 64, 4));
  for (const SimRequestResult& q : apart.requests) REQUIRE(q.scheduled_s - q.sent_s == Approx(0.040).margin(1e-9));
}

TEST_CASE("Little's law holds on the simulated trace", "[simulate]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const Design d = engine_design(m, EngineKind::vllm);
  SimConfig c;
  ArrivalSpec a;
  a.requests = 3000, a.rate = 20, a.prompt = {200, 2000}, a.output = {20, 400}, a.seed = 3;
  // Also with an overlap scheduler, whose requests wait in the system before the engine takes them.
  const bool overlap = GENERATE(false, true);
  c.scheduler = overlap ? SchedulerKind::sglang : SchedulerKind::vllm;
  c.overlap_schedule = overlap;
  const SimResult r = simulate(m, overlap ? engine_design(m, EngineKind::sglang) : d, gpu, c, generate_requests(a));
  const SimSummary s = summarize(r, {}, 1);
  // L (time-average requests in the system, from the simulator's own accounting) = λ·W.
  REQUIRE(s.in_system_mean == Approx(s.requests_per_s * s.e2e_s.mean).epsilon(1e-6));
  REQUIRE(s.in_system_mean > 1);
}

TEST_CASE("an overlap scheduler: a request arriving during a step waits for the batch already formed", "[simulate]") {
  // SGLang's event_loop_overlap / TensorRT-LLM's overlap scheduler form batch k+1 when batch k
  // starts: a request that arrives while k runs can join k+2 at the earliest, one step later than
  // with a scheduler that forms each batch when the last one ends.
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const Design d = engine_design(m, EngineKind::sglang);
  SimConfig c;
  c.scheduler = SchedulerKind::sglang;
  // One request decoding 4000 tokens from t = 0; a second one arrives at 1.0037 s, mid-step.
  std::vector<SimRequest> reqs = fixed(2, 0, 64, 4000);
  reqs[1].arrival_s = 1.0037, reqs[1].output = 4;
  const SimResult alone = simulate(m, d, gpu, c, std::span<const SimRequest>(reqs.data(), 1));
  const double step = (alone.requests[0].e2e() - alone.requests[0].ttft()) / 3999;  // one decode step of one sequence
  const SimResult plain = simulate(m, d, gpu, c, reqs);
  c.overlap_schedule = true;
  const SimResult overlap = simulate(m, d, gpu, c, reqs);
  REQUIRE(plain.requests[1].scheduled_s > 1.0037);
  REQUIRE(plain.requests[1].scheduled_s - 1.0037 < step);  // the next step boundary
  REQUIRE(overlap.requests[1].scheduled_s - plain.requests[1].scheduled_s == Approx(step).epsilon(0.02));  // one step more
  REQUIRE(overlap.requests[1].ttft() - plain.requests[1].ttft() == Approx(step).epsilon(0.02));
  // The first request's own decode is not delayed by the lookahead: only admission is.
  REQUIRE(overlap.requests[0].ttft() == plain.requests[0].ttft());
}

TEST_CASE("a one-at-a-time server with fixed service times matches the M/D/1 mean wait", "[simulate]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const Design d = engine_design(m, EngineKind::vllm);
  Workload w;
  w.ctx = 512, w.gen = 32;
  const Estimate e = estimate(m, d, w, gpu);
  const double service = e.serving.ttft_s - e.serving.overhead.per_request_s + 31 * e.serving.itl_mean_s;
  for (double rho : {0.3, 0.7}) {
    SimConfig c;
    c.scheduler = SchedulerKind::static_batch;
    c.max_num_seqs = 1;
    // The server is busy for the steps (their overhead included); the per-request overhead
    // delays each request's arrival at the scheduler, not the server: the queue beyond it is M/D/1's.
    const EngineOverhead overhead = engine_overhead(d.engine);
    c.step_overhead_s = overhead.per_step_s, c.request_overhead_s = overhead.per_request_s;
    const SimSummary s = summarize(simulate(m, d, gpu, c, fixed(40000, rho / service, 512, 32, 11)), {}, 1);
    // Pollaczek–Khinchine for deterministic service: Wq = ρ·S / (2(1 − ρ)).
    INFO("rho " << rho);
    REQUIRE(s.queue_s.mean - c.request_overhead_s == Approx(rho * service / (2 * (1 - rho))).epsilon(0.05));
    REQUIRE(s.e2e_s.p50 >= service * (1 - 1e-9));
  }
}

TEST_CASE("the same seed gives the same run", "[simulate]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  DesignChoice ch;
  SpecDecode spec;
  spec.k = 3, spec.alpha = 0.7;
  ch.spec = spec;
  EngineConfig e;
  e.kind = EngineKind::vllm;
  ch.engine = e;
  const Design d = make_design(m, ch);
  SimConfig c;
  c.seed = 42;
  ArrivalSpec a;
  a.requests = 300, a.rate = 8, a.prompt = {100, 900}, a.output = {10, 200}, a.seed = 42;
  const auto reqs = generate_requests(a);
  const SimResult x = simulate(m, d, gpu, c, reqs), y = simulate(m, d, gpu, c, reqs);
  REQUIRE(x.steps == y.steps);
  for (size_t i = 0; i < x.requests.size(); ++i) {
    REQUIRE(x.requests[i].first_token_s == y.requests[i].first_token_s);
    REQUIRE(x.requests[i].finish_s == y.requests[i].finish_s);
  }
  c.seed = 43;  // another acceptance draw: another run (some request finishes at another time)
  const SimResult z = simulate(m, d, gpu, c, reqs);
  bool differs = false;
  for (size_t i = 0; i < x.requests.size(); ++i) differs = differs || z.requests[i].finish_s != x.requests[i].finish_s;
  REQUIRE(differs);
}

TEST_CASE("every request is served once with all its tokens, also under preemption", "[simulate]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  // A small pool (30% of memory, minus the weights) and long outputs force preemptions.
  for (SchedulerKind k : {SchedulerKind::vllm, SchedulerKind::sglang, SchedulerKind::trtllm, SchedulerKind::static_batch}) {
    const Design d = engine_design(m, k == SchedulerKind::sglang ? EngineKind::sglang : k == SchedulerKind::trtllm ? EngineKind::trtllm : EngineKind::vllm, 0.3);
    SimConfig c;
    c.scheduler = k;
    ArrivalSpec a;
    a.requests = 400, a.rate = 0, a.prompt = {1000, 6000}, a.output = {500, 3000}, a.seed = 5;
    const auto reqs = generate_requests(a);
    const SimResult r = simulate(m, d, gpu, c, reqs);
    INFO(scheduler_name(k));
    REQUIRE(r.requests.size() == reqs.size());
    REQUIRE(r.rejected == 0);
    for (size_t i = 0; i < reqs.size(); ++i) {
      REQUIRE(r.requests[i].output == reqs[i].output);
      REQUIRE(r.requests[i].finish_s >= r.requests[i].first_token_s);
      REQUIRE(r.requests[i].first_token_s > r.requests[i].sent_s);
    }
    REQUIRE(r.kv_util_max <= 1 + 1e-12);
    if (k == SchedulerKind::vllm || k == SchedulerKind::sglang) REQUIRE(r.preemptions > 0);
    if (k == SchedulerKind::trtllm || k == SchedulerKind::static_batch) REQUIRE(r.preemptions == 0);
  }
}

TEST_CASE("a closed loop keeps at most max_concurrency requests in flight", "[simulate]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const Design d = engine_design(m, EngineKind::vllm);
  SimConfig c;
  c.max_concurrency = 4;
  const SimResult r = simulate(m, d, gpu, c, fixed(200, 0, 500, 100));
  // At any send, at most 3 others are in flight.
  for (const SimRequestResult& q : r.requests) {
    int others = 0;
    for (const SimRequestResult& o : r.requests)
      if (&o != &q && o.sent_s <= q.sent_s && o.finish_s > q.sent_s) ++others;
    REQUIRE(others <= 3);
  }
  REQUIRE(summarize(r, {}, 1).in_system_mean <= 4 + 1e-9);
}

TEST_CASE("percentiles are numpy's linear interpolation; weighted ITL gaps count as repeated samples", "[simulate]") {
  // numpy.percentile([1, 2, 4, 8, 16], q): rank (n − 1)·q/100 between the two closest values.
  // q = 30: rank 1.2 → 2 + 0.2·(4 − 2) = 2.4; q = 90: rank 3.6 → 8 + 0.6·8 = 12.8; q = 0 and 100: the ends.
  const std::pair<double, double> cases[] = {{30, 2.4}, {90, 12.8}, {50, 4}, {0, 1}, {100, 16}};
  for (const auto& [p, want] : cases) {
    std::vector<double> v = {16, 4, 1, 8, 2};  // sorted in place
    INFO("p" << p);
    REQUIRE(percentile(v, p) == Approx(want).epsilon(1e-12));
  }
  // ITL gaps of 10 ms ×3 and 30 ms ×1 are the list [10, 10, 10, 30] ms: mean 15 ms, P50 rank 1.5
  // → 10 ms, P90 rank 2.7 → 10 + 0.7·20 = 24 ms, P99 rank 2.97 → 29.4 ms.
  SimResult r;
  r.itl = {{0.030, 1}, {0.010, 3}};
  r.duration_s = 1;
  const SimSummary s = summarize(r, {}, 1);
  REQUIRE(s.itl_s.mean == Approx(0.015).epsilon(1e-12));
  REQUIRE(s.itl_s.p50 == Approx(0.010).epsilon(1e-12));
  REQUIRE(s.itl_s.p90 == Approx(0.024).epsilon(1e-12));
  REQUIRE(s.itl_s.p99 == Approx(0.0294).epsilon(1e-12));
}

TEST_CASE("vLLM: a token budget equal to the running decodes decodes every running request in every step", "[simulate]") {
  // schedule(): each running request takes its decode token while the step's budget lasts, down
  // to the last token. Two requests of a 1-token prompt and 4 outputs under a budget of 2 tokens:
  // one step prefills both (each samples its first token), three decode both — 4 steps, and the
  // two finish together. Stopping one token early would starve the second until the first ends.
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const Design d = engine_design(m, EngineKind::vllm);
  SimConfig c;
  c.scheduler = SchedulerKind::vllm;
  c.max_num_seqs = 2, c.max_num_batched_tokens = 2;
  const std::vector<SimRequest> reqs = {{0, 1, 4, 0}, {0, 1, 4, 0}};
  const SimResult r = simulate(m, d, gpu, c, reqs);
  REQUIRE(r.steps == 4);
  REQUIRE(r.requests.size() == 2);
  REQUIRE(r.requests[0].finish_s == r.requests[1].finish_s);
  REQUIRE(r.requests[0].first_token_s == r.requests[1].first_token_s);
}

TEST_CASE("a simulation left at max_num_seqs 0 runs at the engine's default, with every request in one batch", "[simulate]") {
  // SimConfig's 0 is "the engine's default" (vLLM: 1024 running requests on an H100, 256 on smaller
  // GPUs; TensorRT-LLM: max_batch_size 2048): 8 requests sent together all start in the first step.
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  for (EngineKind kind : {EngineKind::vllm, EngineKind::trtllm}) {
    const Design d = engine_design(m, kind);
    SimConfig c;
    c.scheduler = kind == EngineKind::vllm ? SchedulerKind::vllm : SchedulerKind::trtllm;
    const SimResult r = simulate(m, d, gpu, c, std::vector<SimRequest>(8, SimRequest{0, 100, 4, 0}));
    REQUIRE(r.max_num_seqs == default_max_num_seqs(d.engine, gpu));
    REQUIRE(r.max_num_seqs >= 1024);
    for (const SimRequestResult& q : r.requests) REQUIRE(q.scheduled_s == r.requests[0].scheduled_s);
  }
}

TEST_CASE("SGLang: a decode step above the largest captured CUDA graph pays the eager launches per layer", "[simulate]") {
  // cuda_graph_runner.can_run() is false for a decode batch above cuda_graph_max_bs, and the
  // model then runs eagerly: eager_layer_s more per decoder layer on that step. 8 requests sent
  // together, 16-token prompts, 4 outputs: one prefill step, then 3 decode steps of 8.
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const Design d = engine_design(m, EngineKind::sglang);
  SimConfig c;
  c.scheduler = SchedulerKind::sglang;
  c.eager_layer_s = 1e-4;
  const std::vector<SimRequest> reqs(8, SimRequest{0, 16, 4, 0});
  c.cuda_graph_max_bs = 8;  // the batch of 8 replays a graph
  const SimResult graph = simulate(m, d, gpu, c, reqs);
  c.cuda_graph_max_bs = 7;  // one sequence too many: eager
  const SimResult eager = simulate(m, d, gpu, c, reqs);
  c.cuda_graph_max_bs = 0;  // no limit modelled
  const SimResult none = simulate(m, d, gpu, c, reqs);
  REQUIRE(graph.steps == 4);
  REQUIRE(graph.requests[0].finish_s == none.requests[0].finish_s);
  // The prefill step is not a decode step: the first token is not delayed.
  REQUIRE(eager.requests[0].first_token_s == graph.requests[0].first_token_s);
  REQUIRE(eager.requests[0].finish_s - graph.requests[0].finish_s == Approx(3 * 1e-4 * static_cast<double>(m.layers)).epsilon(1e-9));
  // The rules: SGLang 0.4 captured up to 160 sequences (server_args), 0.5 up to 256 on an H100 at
  // TP 1; the eager cost from PR #40346 (0.10 ms per layer). vLLM's rule models no limit.
  EngineConfig e;
  e.kind = EngineKind::sglang, e.version = "0.4";
  CHECK(engine_overhead(e).cuda_graph_max_bs == 160);
  CHECK(engine_overhead(e).eager_layer_s == Approx(1e-4));
  e.version = "0.5.5";
  CHECK(engine_overhead(e).cuda_graph_max_bs == 256);
  CHECK(sim_config_for(engine_design(m, EngineKind::sglang), SchedulerKind::sglang, gpu).cuda_graph_max_bs == 256);
  // From 0.5.4 the simulator takes server_args' tiers by GPU memory and TP (PR #10975): 512 at
  // TP 4 on an H100, 32 on a 40 GB A100 at TP 1; 0.5.3 keeps the release rule's 256 everywhere.
  DesignChoice tp4;
  EngineConfig sglang;
  sglang.kind = EngineKind::sglang;
  tp4.engine = sglang, tp4.tp = 4;
  CHECK(sim_config_for(make_design(m, tp4), SchedulerKind::sglang, gpu).cuda_graph_max_bs == 512);
  const GpuSpec a100 = load_gpu("a100-40gb");
  CHECK(sim_config_for(engine_design(m, EngineKind::sglang), SchedulerKind::sglang, a100).cuda_graph_max_bs == 32);
  sglang.version = "0.5.3";
  tp4.engine = sglang, tp4.tp = 1;
  CHECK(sim_config_for(make_design(m, tp4), SchedulerKind::sglang, a100).cuda_graph_max_bs == 256);
  e.kind = EngineKind::vllm, e.version = "";
  CHECK(engine_overhead(e).cuda_graph_max_bs == 0);
}
