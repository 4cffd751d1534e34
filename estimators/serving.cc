#include "estimators/serving.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "estimators/decode_sums.h"
#include "estimators/estimate.h"
#include "estimators/explain.h"
#include "estimators/loaded_weights.h"
#include "estimators/parallel.h"
#include "estimators/pattern_counts.h"
#include "estimators/step_cost.h"
#include "model/error.h"

namespace attncost {
namespace {

// Prompts of more chunks than this are sampled (whole chunks evenly, the last exactly).
constexpr uint64_t kMaxExplicitChunks = uint64_t{1} << 16;
constexpr uint64_t kSampledChunks = 4096;

std::string N(double v) { return ex_num(v); }

// The design a separate draft model runs with: the target's implementation choices, its TP
// degree when the draft's heads split over it (else one GPU).
Design draft_design(const Design& target, const ModelConfig& draft) {
  DesignChoice c;
  c.page_size = target.page_size;
  c.kernels = target.kernels;
  c.kernel = target.kernel;
  c.tp = target.tp;
  try {
    return make_design(draft, c);
  } catch (const InputError&) {
    c.tp = 1;
    return make_design(draft, c);
  }
}

struct PrefillSum {
  double time = 0;
  uint64_t chunks = 1;
  bool exact = true;
};

// A prompt of `ctx` tokens whose first `start` are already cached, prefilled for `batch`
// sequences at once in chunks of `chunk` tokens (0: one pass); each chunk attends to every
// earlier token and only the last one samples.
PrefillSum prefill(const StepContext& sc, uint64_t ctx, uint64_t start, uint64_t batch, uint64_t chunk) {
  PrefillSum p;
  thread_local PhaseCost pc;  // scratch reused across calls on this thread
  const uint64_t fresh = ctx - start;
  if (chunk == 0 || fresh <= chunk) {
    cost_pass(sc, ctx, batch, false, pc, nullptr, start);
    p.time = pc.time_s;
    return p;
  }
  p.chunks = (fresh + chunk - 1) / chunk;
  auto chunk_time = [&](uint64_t j) {
    const uint64_t a = start + j * chunk, b = std::min(ctx, a + chunk);
    cost_pass(sc, b, batch, false, pc, nullptr, a, 1, b == ctx);
    return pc.time_s;
  };
  if (p.chunks <= kMaxExplicitChunks) {
    for (uint64_t j = 0; j < p.chunks; ++j) p.time += chunk_time(j);
    return p;
  }
  // Whole chunks sampled evenly, the last (partial) one exactly.
  const uint64_t whole = p.chunks - 1;
  double mean = 0;
  for (uint64_t i = 0; i < kSampledChunks; ++i)
    mean += chunk_time(static_cast<uint64_t>(std::llround(static_cast<double>(i) * static_cast<double>(whole - 1) / (kSampledChunks - 1))));
  p.time = mean / kSampledChunks * static_cast<double>(whole) + chunk_time(whole);
  p.exact = false;
  return p;
}

}  // namespace

DraftMemory draft_memory(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu) {
  DraftMemory dm;
  if (!d.spec.on()) return dm;
  if (d.spec.draft) {
    const Design dd = draft_design(d, *d.spec.draft);
    Workload dw = w;
    dw.shared_prefix = 0;
    const Estimate de = estimate(*d.spec.draft, dd, dw, gpu);
    dm.weights_bytes = de.memory.weights_bytes;
    dm.kv_bytes_per_sequence = de.memory.kv_bytes_per_sequence;
    return dm;
  }
  // A one-layer head: the weights of one token mixer and one feed-forward block (it shares the
  // target's embeddings and LM head), and that layer's KV.
  const StepContext head = StepContext::draft_head(m, d, gpu);
  PhaseCost pc;
  cost_pass(head, w.ctx, 1, true, pc);
  for (const OpCost& op : pc.ops.used())
    if (op.kind != OpKind::lm_head) dm.weights_bytes += op.layers * op.weight_bytes;
  if (m.mtp_modules > 0) dm.weights_bytes = mtp_bytes_per_gpu(m, d);  // the checkpoint's MTP modules are the head (estimators/loaded_weights.h)
  for (int u = 0; u < head.use_count; ++u) {
    const Pattern& p = head.uses[static_cast<size_t>(u)].pattern;
    if (!p.is_softmax()) continue;
    const double page = static_cast<double>(d.page_size);
    const double tokens = static_cast<double>(cached_tokens(p, w.ctx + w.gen));
    dm.kv_bytes_per_sequence = (page > 0 ? std::ceil(tokens / page) * page : tokens) * cached_bytes_per_token(p, m, layer_shape(m, d, p, d.tp), d);
    break;
  }
  return dm;
}

Serving serving_metrics(const StepContext& sc, const Workload& w, const Estimate& e, Explainer* ex) {
  Serving s;
  const Design& d = *sc.design;
  const uint64_t chunk = d.engine.chunk_size;
  const uint64_t shared = w.shared_prefix;

  // Time to first token: one request's prompt after its cached shared prefix.
  // (The estimate's own prefill when that is the same pass: a batch of one, from scratch, whole.)
  const bool whole = shared == 0 && (chunk == 0 || w.ctx <= chunk);
  // The engine's own time: once per request before its first token, and in every step (each
  // prefill chunk is a step).
  s.overhead = engine_overhead(d.engine);
  // A prefill chunk is one sequence in its step; a decode step carries the whole batch.
  const double step_oh = s.overhead.step_s(1), request_oh = s.overhead.per_request_s;
  auto steps_oh = [&](uint64_t n) { return static_cast<double>(n) * step_oh; };
  const PrefillSum one = whole && w.batch == 1 ? PrefillSum{e.prefill.time_s, 1, true} : prefill(sc, w.ctx, shared, 1, chunk);
  s.ttft_s = one.time + request_oh + steps_oh(one.chunks), s.ttft_exact = one.exact, s.prefill_chunks = one.chunks;
  if (shared > 0) {
    const PrefillSum uncached = prefill(sc, w.ctx, 0, 1, chunk);
    s.ttft_uncached_s = uncached.time + request_oh + steps_oh(uncached.chunks);
  }
  // The whole batch's prompts: the estimate's prefill when they go in one pass from scratch.
  const PrefillSum all = whole ? PrefillSum{e.prefill.time_s, 1, true} : prefill(sc, w.ctx, shared, w.batch, chunk);
  s.batch_prefill_s = all.time + steps_oh(all.chunks);
  if (shared > 0) {  // the prefix once per batch
    const PrefillSum prefix = prefill(sc, shared, 0, 1, chunk);
    s.batch_prefill_s += prefix.time + steps_oh(prefix.chunks);
  }

  // Decode steps at contexts ctx + 1 … ctx + gen − 1 (the prefill yields the first token).
  s.decode_steps = w.gen > 0 ? w.gen - 1 : 0;
  const uint64_t lo = w.ctx + 1, hi = w.gen >= 2 ? w.ctx + w.gen - 1 : lo;
  const double count = static_cast<double>(hi - lo + 1);
  if (!d.spec.on()) {
    // The estimate's decode step has this batch and one query per sequence: its GEMMs are every step's.
    const StepSum st = sum_decode_steps(sc, w.batch, 1, lo, hi, &e.decode.ops);
    s.itl_mean_s = st.sum / count, s.itl_first_s = st.first, s.itl_last_s = st.last, s.itl_exact = st.exact;
  } else {
    // One step: K draft steps at contexts c … c+K−1, then the target verifies K + 1 positions;
    // it yields (1 − α^(K+1)) / (1 − α) tokens in expectation.
    s.tokens_per_step = d.spec.tokens_per_step();
    const StepSum v = sum_decode_steps(sc, w.batch, d.spec.k + 1, lo, hi);
    const Design dd = d.spec.draft ? draft_design(d, *d.spec.draft) : Design{};
    const StepContext draft = d.spec.draft ? StepContext(*d.spec.draft, dd, *sc.gpu) : StepContext::draft_head(*sc.model, d, *sc.gpu);
    StepSum dsum;
    double draft_first = 0, draft_last = 0;
    for (uint64_t j = 0; j < d.spec.k; ++j) {
      const StepSum dj = sum_decode_steps(draft, w.batch, 1, lo + j, hi + j);
      dsum.sum += dj.sum, dsum.exact = dsum.exact && dj.exact;
      draft_first += dj.first, draft_last += dj.last;
    }
    s.verify_step_s = v.first, s.draft_step_s = draft_first;
    s.itl_mean_s = (v.sum + dsum.sum) / count / s.tokens_per_step;
    s.itl_first_s = (v.first + draft_first) / s.tokens_per_step;
    s.itl_last_s = (v.last + draft_last) / s.tokens_per_step;
    s.itl_exact = v.exact && dsum.exact;
  }
  // Every decode step (a speculative one: drafts and verification together) pays the engine's step.
  const double decode_oh = s.overhead.step_s(static_cast<double>(w.batch)) / s.tokens_per_step;
  s.itl_mean_s += decode_oh, s.itl_first_s += decode_oh, s.itl_last_s += decode_oh;
  const double gen = static_cast<double>(w.gen), batch = static_cast<double>(w.batch), steps = static_cast<double>(s.decode_steps);
  s.e2e_latency_s = s.ttft_s + steps * s.itl_mean_s;
  s.cycle_s = s.batch_prefill_s + steps * s.itl_mean_s;
  s.requests_per_s = s.cycle_s > 0 ? batch / s.cycle_s * static_cast<double>(d.dp) : 0;
  s.output_tokens_per_s_per_gpu = s.cycle_s > 0 ? batch * gen / s.cycle_s / static_cast<double>(replica_gpus(d)) : 0;
  if (d.engine.usd_per_gpu_hour > 0 && s.output_tokens_per_s_per_gpu > 0)
    s.usd_per_million_output_tokens = d.engine.usd_per_gpu_hour / 3600 / s.output_tokens_per_s_per_gpu * 1e6;

  if (ex) {
    ex->section(fmt::format("serving: {} prompt tokens, {} generated, batch {}", w.ctx, w.gen, w.batch));
    const bool oh = s.overhead.any();
    const std::string ttft_oh = oh ? " + request overhead + chunks × step overhead" : "";
    if (s.prefill_chunks > 1)
      ex->line(fmt::format("time to first token ({} chunks of {} tokens)", s.prefill_chunks, chunk), "Σ_chunks prefill(chunk after every earlier token)" + ttft_oh,
               N(s.ttft_s), s.ttft_s, "s");
    else
      ex->line("time to first token", (shared > 0 ? "prefill(n after the cached shared prefix), batch 1" : "prefill(n), batch 1") + ttft_oh, N(s.ttft_s), s.ttft_s, "s");
    const std::string itl_oh = oh ? " + step overhead" + std::string(d.spec.on() ? " / E[tokens per step]" : "") : "";
    ex->line("mean inter-token latency", (d.spec.on() ? std::string("Σ_{c=n+1}^{n+gen−1} (verify(c) + Σ_j draft(c+j)) / (gen − 1) / E[tokens per step]")
                                                       : std::string("Σ_{c=n+1}^{n+gen−1} step(c) / (gen − 1)")) + itl_oh,
             N(s.itl_mean_s), s.itl_mean_s, "s");
    if (oh)
      ex->line(fmt::format("engine overhead ({} rule): per step of B sequences, per request", s.overhead.rule),
               "step + per-sequence × B in every step; once before the first token",
               fmt::format("{} + {} × {} s/step, {} s/request", N(s.overhead.per_step_s), N(s.overhead.per_seq_step_s), N(batch), N(request_oh)),
               s.overhead.step_s(batch), "s");
    ex->line("end-to-end latency", "TTFT + (gen − 1)·ITL", fmt::format("{} + {} × {}", N(s.ttft_s), N(steps), N(s.itl_mean_s)), s.e2e_latency_s, "s");
    ex->line("batch cycle", "prefill(B prompts) + (gen − 1)·ITL", fmt::format("{} + {} × {}", N(s.batch_prefill_s), N(steps), N(s.itl_mean_s)), s.cycle_s,
             "s");
    ex->line("output tokens/s per GPU", "B·gen / cycle / (TP·CP·PP)", fmt::format("{} × {} / {} / {}", N(batch), N(gen), N(s.cycle_s), N(static_cast<double>(replica_gpus(d)))),
             s.output_tokens_per_s_per_gpu, "tokens/s");
    if (s.usd_per_million_output_tokens > 0)
      ex->line("USD per million output tokens", "price per GPU-hour / 3600 / (tokens/s per GPU) × 10^6",
               fmt::format("{} / 3600 / {} × 1000000", N(d.engine.usd_per_gpu_hour), N(s.output_tokens_per_s_per_gpu)), s.usd_per_million_output_tokens,
               "USD");
  }
  return s;
}

}  // namespace attncost
