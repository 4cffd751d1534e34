// Serving metrics against brute force: the mean inter-token latency is the mean of every decode
// step of the generation (each one an estimate at its own context), chunked prefill splits the
// same pairs a whole prefill scores, the shared prefix is stored once, speculative decoding
// yields Leviathan et al.'s expected tokens, and `--max batch` with a latency target returns the
// largest batch a linear scan finds.
#include <catch2/catch.hpp>

#include <random>

#include "estimators/context_ops.h"
#include "estimators/decode_sums.h"
#include "estimators/estimate.h"
#include "estimators/layer_costs.h"
#include "estimators/reverse.h"
#include "estimators/pattern_counts.h"
#include "estimators/roofline.h"
#include "estimators/step_cost.h"
#include "model/presets.h"

using namespace attncost;

namespace {

Design design(const ModelConfig& m, const char* attn = nullptr, uint64_t spec_k = 0, double alpha = 0, int64_t tp = 1) {
  DesignChoice c;
  if (attn) c.attn = attn;
  if (spec_k) {
    SpecDecode s;
    s.k = spec_k, s.alpha = alpha;
    c.spec = s;
  }
  c.tp = tp;
  return make_design(m, c);
}

Workload workload(uint64_t ctx, uint64_t batch, uint64_t gen) {
  Workload w;
  w.ctx = ctx, w.batch = batch, w.gen = gen;
  return w;
}

// Σ over the decode contexts ctx + 1 … ctx + gen − 1 of the estimate's own decode step.
double brute_itl(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu) {
  double sum = 0;
  for (uint64_t c = w.ctx + 1; c <= w.ctx + w.gen - 1; ++c) sum += estimate(m, d, workload(c, w.batch, 0), gpu).decode.time_s;
  return sum / static_cast<double>(w.gen - 1);
}

}  // namespace

TEST_CASE("sum_max_affine equals the sum of the maximum at every integer", "[serving]") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-5, 5);
  for (int trial = 0; trial < 500; ++trial) {
    const uint64_t len = rng() % 300;
    std::vector<AffineLine> lines(1 + rng() % 3);
    for (AffineLine& l : lines) l = {u(rng), u(rng) / 10};
    double brute = 0;
    for (uint64_t t = 0; t <= len; ++t) {
      double best = -1e300;
      for (const AffineLine& l : lines) best = std::max(best, l.alpha + l.beta * static_cast<double>(t));
      brute += best;
    }
    REQUIRE(sum_max_affine(lines, len) == Approx(brute).epsilon(1e-9).margin(1e-9));
  }
}

TEST_CASE("mean ITL is the exact mean of every decode step of the generation", "[serving]") {
  const GpuSpec h100 = load_gpu("h100-sxm");
  const ModelConfig llama = load_model("llama-3.1-8b");
  struct Case {
    const char* attn;
    uint64_t ctx, batch, gen;
  };
  // Windows and sinks that fill up inside the generation, chunk boundaries crossed, a hybrid
  // stack, strided (summed step by step), and batches where the attention's bound changes.
  const Case cases[] = {{"dense", 1000, 1, 300},         {"dense", 4000, 256, 200},       {"window:1100", 1000, 8, 300},
                        {"sinks:4+window:1000", 900, 4, 400}, {"chunk:128", 1000, 2, 500},    {"window:512*3/dense", 400, 64, 300},
                        {"strided:64+window:256", 700, 3, 150}};
  for (const Case& c : cases) {
    INFO(c.attn << " ctx " << c.ctx << " batch " << c.batch);
    const Design d = design(llama, c.attn);
    const Workload w = workload(c.ctx, c.batch, c.gen);
    const Estimate e = estimate(llama, d, w, h100);
    REQUIRE(e.serving.itl_exact);
    REQUIRE(e.serving.itl_mean_s == Approx(brute_itl(llama, d, w, h100)).epsilon(1e-9));
    REQUIRE(e.serving.itl_first_s == Approx(estimate(llama, d, workload(c.ctx + 1, c.batch, 0), h100).decode.time_s).epsilon(1e-12));
    REQUIRE(e.serving.itl_last_s == Approx(estimate(llama, d, workload(c.ctx + c.gen - 1, c.batch, 0), h100).decode.time_s).epsilon(1e-12));
  }
  // DeepSeek-V3.2's top-k selection starts at 2048 keys; its indexer keeps growing.
  const ModelConfig ds = load_model("deepseek-v3.2");
  const Design dd = design(ds, nullptr, 0, 0, 8);
  const Workload w = workload(1900, 16, 300);
  REQUIRE(estimate(ds, dd, w, load_gpu("h200")).serving.itl_mean_s == Approx(brute_itl(ds, dd, w, load_gpu("h200"))).epsilon(1e-9));
  // Split over GPUs: pipeline passes, and context parallelism's gather after each attention
  // (added to the step, not overlapped), on NVLink and across the network (CP 16).
  const int64_t splits[][3] = {{2, 2, 1}, {1, 1, 4}, {2, 2, 2}, {1, 1, 16}};
  for (const auto& s : splits) {
    INFO("tp " << s[0] << " pp " << s[1] << " cp " << s[2]);
    DesignChoice c;
    c.tp = s[0], c.pp = s[1], c.cp = s[2];
    const Design dp = make_design(llama, c);
    const Workload wp = workload(3000, 8, 200);
    REQUIRE(estimate(llama, dp, wp, h100).serving.itl_mean_s == Approx(brute_itl(llama, dp, wp, h100)).epsilon(1e-9));
  }
}

TEST_CASE("a varying pattern's decode sum equals its steps one by one, at every query count and bound", "[serving]") {
  // Strided, axial and block layers change their key count at every position, so their decode
  // sums go through the affine terms and the box that proves one term dominates a run
  // (decode_sums.cc). The brute force is the same function over one-step runs (a run of one step
  // is that step's operators, no closed form). Several query tokens per step (speculative
  // verification), the naive kernel (its score bytes grow with the positions scored) and the
  // H20 (little compute per byte: the attention turns compute-bound within the run at q ≥ 8)
  // reach every term of the box. The naive kernel on the H20 (compute-bound within the run from
  // q = 3) once differed by up to 0.5%: its affine terms were read off a step with pairs but
  // nothing scored, which counted the pairs' FLOPs as executed (step_ops.cc, build_step_ops).
  const ModelConfig m = load_model("llama-3.1-8b");
  struct Setup {
    const char* gpu;
    Kernel kernel;
  };
  const Setup setups[] = {{"h100-sxm", Kernel::flash}, {"h100-sxm", Kernel::naive}, {"h20", Kernel::flash}, {"h20", Kernel::naive}};
  const uint64_t lo = 700, hi = 1500;
  for (const Setup& su : setups)
    for (const char* attn : {"strided:64+window:256", "axial", "block:64:local=2:global=1:random=0"})
      for (uint64_t q : {1, 3, 8, 16})
        for (uint64_t batch : {1, 24}) {
          INFO(su.gpu << " " << attn << (su.kernel == Kernel::naive ? " naive" : " flash") << " q " << q << " batch " << batch);
          const GpuSpec gpu = load_gpu(su.gpu);
          DesignChoice c;
          c.attn = attn, c.kernel = su.kernel;
          const Design d = make_design(m, c);
          const StepContext sc(m, d, gpu);
          double brute = 0;
          for (uint64_t t = lo; t <= hi; ++t) brute += sum_decode_steps(sc, batch, q, t, t).sum;
          const StepSum s = sum_decode_steps(sc, batch, q, lo, hi);
          REQUIRE(s.exact);
          REQUIRE(s.sum == Approx(brute).epsilon(1e-9));
          REQUIRE(s.first == sum_decode_steps(sc, batch, q, lo, lo).sum);
          REQUIRE(s.last == sum_decode_steps(sc, batch, q, hi, hi).sum);
        }
}

TEST_CASE("a varying pattern's decode sum equals its steps across the attention's compute/memory crossing", "[serving]") {
  // The closed form of a run holds only where one term (compute, memory) dominates every step of
  // it, which decode_sums.cc proves on a box around the run's counts: pairs P, keys read K and
  // positions scored S = q·(c + q − 1) per sequence, up to the run's last step c = b. The naive
  // kernel on the H20 turns compute-bound as the context grows (its S term grows faster in
  // compute than in memory). Runs of 2q + 1 steps ending at and just past the first
  // compute-bound context: their last steps are compute-bound, the others memory-bound, so no
  // term dominates and the sum is taken step by step; a box short of the last steps' S would
  // prove memory dominant and miss the compute the last steps add.
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h20");
  for (const char* attn : {"strided:64+window:256", "axial"})
    for (uint64_t q : {3, 8, 16})
      for (uint64_t batch : {1, 24}) {
        INFO(attn << " q " << q << " batch " << batch);
        DesignChoice c;
        c.attn = attn, c.kernel = Kernel::naive;
        const Design d = make_design(m, c);
        const StepContext sc(m, d, gpu);
        auto compute_bound = [&](uint64_t ctx) {
          StepLoad load(sc.use_count);
          add_decode(sc, load, ctx, q, static_cast<double>(batch));
          OpList ops;
          build_step_ops(sc, load, ops);
          for (OpCost& op : ops.used())
            if (op.kind == OpKind::attention) {
              apply_roofline(op, gpu, sc.kernels);
              return op.compute_s > op.memory_s;
            }
          return false;
        };
        uint64_t x = 0;  // the first compute-bound context
        for (uint64_t t = 2 * q; t < 20000 && x == 0; ++t)
          if (compute_bound(t) && !compute_bound(t - 1)) x = t;
        if (x == 0) continue;  // still memory-bound at 20,000 tokens: no crossing to test
        for (uint64_t hi = x; hi <= x + q; ++hi) {
          const uint64_t lo = hi - 2 * q;
          double brute = 0;
          for (uint64_t t = lo; t <= hi; ++t) brute += sum_decode_steps(sc, batch, q, t, t).sum;
          REQUIRE(sum_decode_steps(sc, batch, q, lo, hi).sum == Approx(brute).epsilon(1e-10));
        }
      }
}

TEST_CASE("a decode step re-costed from another context's operators is the step built afresh, bit for bit", "[serving]") {
  // decode_sums.cc and serving.cc re-cost only the context's operators (decode attention, the
  // indexer) of a step built at another context (context_ops.h): every operator, every field the
  // roofline and the sums read, must equal a fresh build's exactly, or estimates would drift.
  const GpuSpec h100 = load_gpu("h100-sxm");
  struct Case {
    const char* model;
    const char* attn;
    Kernel kernel;
    int64_t tp, pp, cp;
  };
  const Case cases[] = {{"llama-3.1-8b", nullptr, Kernel::flash, 1, 1, 1},
                        {"llama-3.1-8b", "window:512/dense", Kernel::flash, 2, 1, 1},
                        {"llama-3.1-8b", "strided:64+window:256/axial", Kernel::naive, 1, 1, 1},
                        {"llama-3.1-8b", nullptr, Kernel::flash, 2, 2, 2},
                        {"deepseek-v3.2", nullptr, Kernel::flash, 8, 1, 1},
                        {"jamba-v0.1", nullptr, Kernel::flash, 2, 1, 1},
                        {"qwen3-next-80b-a3b", nullptr, Kernel::flash, 4, 1, 1}};
  for (const Case& k : cases)
    for (uint64_t q : {1, 4})
      for (double per : {1.0, 24.0}) {
        INFO(k.model << " " << (k.attn ? k.attn : "") << " tp " << k.tp << " pp " << k.pp << " cp " << k.cp << " q " << q << " per " << per);
        const ModelConfig m = load_model(k.model);
        DesignChoice c;
        if (k.attn) c.attn = k.attn;
        c.kernel = k.kernel, c.tp = k.tp, c.pp = k.pp, c.cp = k.cp;
        const Design d = make_design(m, c);
        const StepContext sc(m, d, h100);
        auto fresh = [&](uint64_t ctx, OpList& ops) {
          StepLoad load(sc.use_count);
          add_decode(sc, load, ctx, q, per);
          build_step_ops(sc, load, ops);
          for (OpCost& op : ops.used()) apply_roofline(op, h100, sc.kernels);
        };
        OpList known, want;
        fresh(1000, known);
        for (uint64_t ctx : {1000, 1001, 70000}) {
          fresh(ctx, want);
          OpList got = known;
          StepLoad load(sc.use_count);
          add_decode(sc, load, ctx, q, per);
          rebuild_context_ops(sc, load, got);
          REQUIRE(got.count == want.count);
          for (int i = 0; i < got.count; ++i) {
            const OpCost& a = got.ops[static_cast<size_t>(i)];
            const OpCost& b = want.ops[static_cast<size_t>(i)];
            INFO("ctx " << ctx << " op " << op_name(b.kind));
            CHECK(a.kind == b.kind);
            CHECK(a.layers == b.layers);
            CHECK(a.pairs == b.pairs);
            CHECK(a.matmul_flops == b.matmul_flops);
            CHECK(a.executed_matmul_flops == b.executed_matmul_flops);
            CHECK(a.other_flops == b.other_flops);
            CHECK(a.hbm_bytes() == b.hbm_bytes());
            CHECK(a.kv_read_bytes == b.kv_read_bytes);
            CHECK(a.comm_bytes == b.comm_bytes);
            CHECK(a.compute_s == b.compute_s);
            CHECK(a.memory_s == b.memory_s);
            CHECK(a.network_s == b.network_s);
            CHECK(a.launch_s == b.launch_s);
            CHECK(a.time_s == b.time_s);
            CHECK(a.bound == b.bound);
          }
        }
      }
}

TEST_CASE("the end-to-end latency and throughput follow from TTFT and ITL", "[serving]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  DesignChoice c;
  EngineConfig e;
  e.usd_per_gpu_hour = 2.5;
  c.engine = e;
  c.tp = 2;
  const Design d = make_design(m, c);
  const Workload w = workload(8192, 64, 512);
  const Estimate est = estimate(m, d, w, gpu);
  const Serving& s = est.serving;
  REQUIRE(s.decode_steps == 511);
  REQUIRE(s.ttft_s == Approx(estimate(m, d, workload(8192, 1, 0), gpu).prefill.time_s).epsilon(1e-12));
  REQUIRE(s.e2e_latency_s == Approx(s.ttft_s + 511 * s.itl_mean_s).epsilon(1e-12));
  REQUIRE(s.cycle_s == Approx(est.prefill.time_s + 511 * s.itl_mean_s).epsilon(1e-12));
  REQUIRE(s.output_tokens_per_s_per_gpu == Approx(64.0 * 512 / s.cycle_s / 2).epsilon(1e-12));
  REQUIRE(s.requests_per_s == Approx(64.0 / s.cycle_s).epsilon(1e-12));
  REQUIRE(s.usd_per_million_output_tokens == Approx(2.5 / 3600 / s.output_tokens_per_s_per_gpu * 1e6).epsilon(1e-12));
  // No price given: none is invented.
  REQUIRE(estimate(m, make_design(m), w, gpu).serving.usd_per_million_output_tokens == 0);
}

TEST_CASE("chunked prefill scores the same pairs in pieces and costs at least the whole pass", "[serving]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  for (const char* attn : {"dense", "window:1000", "sinks:4+window:1000", "chunk:2048"}) {
    INFO(attn);
    const Design d = design(m, attn);
    const StepContext sc(m, d, gpu);
    // Σ over chunks of the pairs of a prefill after the chunks before it = the whole prefill's.
    OpList whole, part;
    StepLoad load(sc.use_count);
    add_prefill(sc, load, 0, 10000, 1);
    build_step_ops(sc, load, whole);
    double pairs = 0;
    for (uint64_t a = 0; a < 10000; a += 512) {
      load.clear(sc.use_count);
      add_prefill(sc, load, a, std::min<uint64_t>(10000, a + 512), 1);
      build_step_ops(sc, load, part);
      for (int i = 0; i < part.count; ++i) pairs += part.ops[static_cast<size_t>(i)].pairs;
    }
    double whole_pairs = 0;
    for (int i = 0; i < whole.count; ++i) whole_pairs += whole.ops[static_cast<size_t>(i)].pairs;
    REQUIRE(pairs == whole_pairs);

    DesignChoice c;
    c.attn = attn;
    EngineConfig e;
    e.chunk_size = 512;
    c.engine = e;
    const Estimate chunked = estimate(m, make_design(m, c), workload(10000, 1, 0), gpu);
    REQUIRE(chunked.serving.prefill_chunks == 20);
    REQUIRE(chunked.serving.ttft_s >= estimate(m, d, workload(10000, 1, 0), gpu).serving.ttft_s);
  }
  // A chunk as long as the prompt is the whole prefill.
  DesignChoice c;
  EngineConfig e;
  e.chunk_size = 10000;
  c.engine = e;
  REQUIRE(estimate(m, make_design(m, c), workload(10000, 1, 0), gpu).serving.ttft_s ==
          estimate(m, make_design(m), workload(10000, 1, 0), gpu).serving.ttft_s);
}

TEST_CASE("a shared prefix is stored once and prefilled once", "[serving]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const Design d = make_design(m);
  Workload w = workload(4096, 32, 256);
  const Estimate plain = estimate(m, d, w, gpu);
  w.shared_prefix = 2000;
  const Estimate shared = estimate(m, d, w, gpu);
  // Whole 16-token pages of the prefix are shared: ⌊2000 / 16⌋ · 16 = 2000 tokens of 128 KiB.
  const double per_token = 32.0 * 8 * 256 * 2;
  REQUIRE(shared.memory.shared_kv_bytes == 2000 * per_token);
  REQUIRE(shared.memory.kv_bytes_per_sequence == plain.memory.kv_bytes_per_sequence - 2000 * per_token);
  REQUIRE(shared.memory.kv_bytes == 32 * shared.memory.kv_bytes_per_sequence + 2000 * per_token);
  REQUIRE(shared.memory.max_concurrent_sequences > plain.memory.max_concurrent_sequences);
  REQUIRE(shared.serving.ttft_s < plain.serving.ttft_s);
  REQUIRE(shared.serving.ttft_uncached_s == Approx(plain.serving.ttft_s).epsilon(1e-12));
  // The batch's prefill: every prompt after the cached prefix, and the prefix itself once, from
  // its first token (the plain engine adds no overhead). For one sequence the first part is the
  // TTFT's pass; the prefix's is a 2000-token prompt's prefill.
  Workload one = w;
  one.batch = 1;
  const Serving& s1 = estimate(m, d, one, gpu).serving;
  REQUIRE(s1.batch_prefill_s == Approx(s1.ttft_s + estimate(m, d, workload(2000, 1, 0), gpu).prefill.time_s).epsilon(1e-12));
  // A window that has moved past the prefix keeps none of it: nothing to share.
  REQUIRE(shared_cached_tokens(Pattern{PatternKind::window, 512}, 4352, 2000) == 0);
  REQUIRE(shared_cached_tokens(Pattern{PatternKind::window, 3000}, 4352, 2000) == 648);
  // A chunked layer keeps the prefix tokens of the current chunk: at 1000 tokens in chunks of 512,
  // positions 512 … 999 (488 of them); a 1-token sequence keeps its one token.
  Pattern chunk;
  chunk.kind = PatternKind::chunk, chunk.chunk = 512;
  REQUIRE(shared_cached_tokens(chunk, 1000, 2000) == 488);
  REQUIRE(shared_cached_tokens(chunk, 1, 2000) == 1);
  REQUIRE(shared_cached_tokens(chunk, 0, 2000) == 0);
}

TEST_CASE("speculative decoding: expected tokens per step and the verify step", "[serving]") {
  SpecDecode s;
  s.k = 4, s.alpha = 0.8;
  REQUIRE(s.tokens_per_step() == Approx((1 - std::pow(0.8, 5)) / 0.2).epsilon(1e-15));  // 3.3616
  s.alpha = 1;
  REQUIRE(s.tokens_per_step() == 5);
  s.alpha = 0;
  REQUIRE(s.tokens_per_step() == 1);

  const ModelConfig m = load_model("llama-3.1-8b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const Workload w = workload(4096, 8, 200);
  const Estimate plain = estimate(m, make_design(m), w, gpu);
  // Acceptance 0: every step pays the drafts and the verify for one token: slower.
  REQUIRE(estimate(m, design(m, nullptr, 4, 0.0), w, gpu).serving.itl_mean_s > plain.serving.itl_mean_s);
  // A high acceptance at batch 8 (memory-bound) is faster: the verify reads the weights once for
  // five positions.
  const Estimate fast = estimate(m, design(m, nullptr, 4, 0.9), w, gpu);
  REQUIRE(fast.serving.itl_mean_s < plain.serving.itl_mean_s);
  REQUIRE(fast.serving.tokens_per_step == Approx((1 - std::pow(0.9, 5)) / 0.1));
  // The verify step is the target's decode step over K + 1 positions: brute force over contexts.
  const Design d = design(m, nullptr, 4, 0.9);
  double sum = 0;
  for (uint64_t c = w.ctx + 1; c < w.ctx + w.gen; ++c) {
    const StepContext sc(m, d, gpu);
    StepLoad load(sc.use_count);
    add_decode(sc, load, c, 5, static_cast<double>(w.batch));
    OpList ops;
    build_step_ops(sc, load, ops);
    for (int i = 0; i < ops.count; ++i) {
      OpCost& op = ops.ops[static_cast<size_t>(i)];
      apply_roofline(op, gpu, kernels_for(d, gpu));
      sum += op.layers * op.time_s;
    }
  }
  REQUIRE(fast.serving.verify_step_s > 0);
  REQUIRE(fast.serving.itl_mean_s * fast.serving.tokens_per_step > sum / 199);  // verify + drafts
  // The head's KV (one layer) and weights join the memory.
  REQUIRE(fast.memory.kv_bytes_per_sequence > plain.memory.kv_bytes_per_sequence);
  REQUIRE(fast.memory.weights_bytes > plain.memory.weights_bytes);
}

TEST_CASE("the largest batch under a latency target is what a scan finds", "[serving]") {
  const ModelConfig m = load_model("llama-2-7b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const Design d = make_design(m);
  for (double slo : {10.0, 14.0, 25.0}) {
    Workload w = workload(4096, 1, 0);
    w.slo_ms = slo;
    const Limit l = max_batch(m, d, w, gpu);
    INFO("slo " << slo << " → " << l.value << " (" << l.binding << ")");
    // The scan: every batch up to one past the answer.
    uint64_t best = 0;
    for (uint64_t b = 1; b <= l.value + 1; ++b) {
      Workload x = w;
      x.batch = b;
      const Estimate e = estimate(m, d, x, gpu);
      if (e.memory.fits && e.serving.itl_mean_s * 1e3 <= slo) best = b;
      else break;
    }
    REQUIRE(l.value == best);
    REQUIRE((l.binding == "slo_ms" || l.binding == "memory"));
  }
  // Without a target, the memory edge; a 0.1 ms target admits nothing and says why.
  Workload w = workload(4096, 1, 0);
  REQUIRE(max_batch(m, d, w, gpu).binding == "memory");
  w.slo_ms = 0.1;
  const Limit none = max_batch(m, d, w, gpu);
  REQUIRE(none.value == 0);
  REQUIRE(none.binding == "slo_ms");
  // Max context with a time-to-first-token target stops where the prefill crosses it.
  Workload t = workload(1024, 1, 0);
  t.ttft_slo_ms = 200;
  const Limit ctx = max_context(m, d, t, gpu);
  REQUIRE(ctx.binding == "ttft_slo_ms");
  t.ctx = ctx.value;
  REQUIRE(estimate(m, d, t, gpu).serving.ttft_s * 1e3 <= 200);
  t.ctx = ctx.value + 1;
  REQUIRE(estimate(m, d, t, gpu).serving.ttft_s * 1e3 > 200);
}

TEST_CASE("memory is counted at the end of the generation", "[serving]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  const Estimate e = estimate(m, make_design(m), workload(4000, 1, 1000), load_gpu("h100-sxm"));
  // ⌈5000 / 16⌉ · 16 = 5008 tokens of 32 × 8 × 256 × 2 B.
  REQUIRE(e.memory.kv_bytes_per_sequence == 5008.0 * 32 * 8 * 256 * 2);
}
