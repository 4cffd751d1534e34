#include "estimators/serving.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "estimators/estimate.h"
#include "estimators/explain.h"
#include "estimators/loaded_weights.h"
#include "estimators/parallel.h"
#include "estimators/pattern_counts.h"
#include "estimators/roofline.h"
#include "model/error.h"
#include "model/kernel_model.h"

namespace attncost {
namespace {

// Steps summed one by one when a pattern's keys change at every position; beyond, sampled.
constexpr uint64_t kMaxExplicitSteps = uint64_t{1} << 16;
constexpr uint64_t kSampledSteps = 4096;
constexpr size_t kMaxSegments = size_t{1} << 16;

std::string N(double v) { return ex_num(v); }

// One model's operator passes: decode steps at a context, or prefill passes after a prefix.
// `head_only` keeps one layer of the first token mixer and feed-forward block plus the LM head:
// a one-layer speculative head (EAGLE, MTP) on the target.
struct Runner {
  const ModelConfig* m = nullptr;
  Design d;
  const GpuSpec* gpu = nullptr;
  std::array<AttnStack::Use, kMaxDistinctPatterns> uses{};
  int use_count = 0;
  const KernelModel* kernels = nullptr;
  uint64_t batch = 1;
  uint64_t step_tokens = 1;
  bool head_only = false;

  void ops(uint64_t ctx, uint64_t prefix, uint64_t pass_batch, bool decode, OpList& out) const {
    Workload w;
    w.ctx = ctx, w.batch = pass_batch, w.prefix = prefix, w.step_tokens = step_tokens;
    build_ops(*m, d, w, *gpu, decode, uses, use_count, out);
    for (int i = 0; i < out.count; ++i) apply_roofline(out.ops[static_cast<size_t>(i)], *gpu, kernels);
  }
  // Instances of `op` one pass runs.
  double instances(const OpList& list, int i) const {
    const OpCost& op = list.ops[static_cast<size_t>(i)];
    if (!head_only) return op.layers;
    int first_mixer = -1, first_ffn = -1;
    for (int k = 0; k < list.count; ++k) {
      const OpKind kind = list.ops[static_cast<size_t>(k)].kind;
      if (first_mixer < 0 && list.ops[static_cast<size_t>(k)].pattern >= 0) first_mixer = list.ops[static_cast<size_t>(k)].pattern;
      if (first_ffn < 0 && (kind == OpKind::mlp || kind == OpKind::moe)) first_ffn = k;
    }
    if (op.pattern >= 0) return op.pattern == first_mixer ? 1 : 0;
    if (op.kind == OpKind::lm_head) return 1;
    if (op.kind == OpKind::allreduce) return 2;
    return i == first_ffn ? 1 : 0;
  }
  double time(const OpList& list) const {
    double t = 0;
    for (int i = 0; i < list.count; ++i) t += instances(list, i) * list.ops[static_cast<size_t>(i)].time_s;
    return t;
  }
  // Pipeline stages: a decode step runs one micro-batch of the batch through every layer
  // (`layers_time`), then pipeline_s turns it into the step (affine, so sums stay exact).
  uint64_t micro() const { return micro_batches(d, batch); }
  uint64_t micro_batch() const { return (batch + micro() - 1) / micro(); }
  double decode_send() const { return stage_send_s(*m, d, *gpu, static_cast<double>(micro_batch() * step_tokens)); }
  double step(double layers_time) const { return pipeline_s(*m, d, layers_time, decode_send(), true, micro()); }
  double decode_time(uint64_t c) const {
    OpList list;
    ops(c, 0, micro_batch(), true, list);
    return step(time(list));
  }
  double prefill_time(uint64_t end, uint64_t prefix, uint64_t pass_batch) const {
    const uint64_t mb = micro_batches(d, pass_batch), per = (pass_batch + mb - 1) / mb;
    OpList list;
    ops(end, prefix, per, false, list);
    const double send = stage_send_s(*m, d, *gpu, static_cast<double>(per) * static_cast<double>(end - prefix) / static_cast<double>(d.cp));
    return pipeline_s(*m, d, time(list), send, false, mb);
  }
};

Runner runner_for(const ModelConfig& m, const Design& d, const GpuSpec& gpu, uint64_t batch) {
  Runner r;
  r.m = &m, r.d = d, r.gpu = &gpu, r.batch = batch;
  r.use_count = d.attn.uses(static_cast<uint64_t>(m.layers), r.uses);
  r.kernels = kernels_for(d, gpu);
  return r;
}

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

// Adds the contexts in (lo, hi] where a decode-step quantity of pattern p starts a new affine
// piece (q queries per step at positions c−1 … c+q−2). False: the keys change at every context.
bool decode_breaks(const Pattern& p, uint64_t lo, uint64_t hi, uint64_t q, std::vector<uint64_t>& out) {
  auto add_kink = [&](uint64_t at) {
    for (uint64_t j = 0; j < q; ++j)
      if (at > j && at - j > lo && at - j <= hi) out.push_back(at - j);
  };
  switch (p.kind) {
    case PatternKind::window: add_kink(p.window); return true;
    case PatternKind::sinks: add_kink(p.sinks + p.window); return true;
    case PatternKind::topk: add_kink(p.topk); return true;
    case PatternKind::chunk: {
      // pairs(c − 1) = ((c − 1) mod C) + 1 restarts at c = kC + 1.
      const uint64_t first = lo / p.chunk, last = (hi + q) / p.chunk + 1;
      if ((last - first) * q > kMaxSegments) return false;
      for (uint64_t k = first; k <= last; ++k) add_kink(k * p.chunk + 1);
      return true;
    }
    case PatternKind::strided:
    case PatternKind::axial:
    case PatternKind::block: return false;
    case PatternKind::dense:
    case PatternKind::linear:
    case PatternKind::ssm:
    case PatternKind::deltanet:
    case PatternKind::mamba2:
    case PatternKind::shortconv:
    case PatternKind::lightning:
    case PatternKind::none: return true;  // affine everywhere
  }
  return true;
}

struct StepSum {
  double sum = 0, first = 0, last = 0;
  bool exact = true;
};

// Σ over decode contexts c = lo … hi of one step's time.
StepSum sum_decode(const Runner& r, uint64_t lo, uint64_t hi) {
  StepSum s;
  std::vector<uint64_t> starts = {lo};
  bool affine = true;
  for (int u = 0; u < r.use_count; ++u)
    if (r.uses[static_cast<size_t>(u)].layers > 0) affine = decode_breaks(r.uses[static_cast<size_t>(u)].pattern, lo, hi, r.step_tokens, starts) && affine;
  if (starts.size() > kMaxSegments) affine = false;
  const uint64_t count = hi - lo + 1;
  if (!affine) {
    s.first = r.decode_time(lo), s.last = r.decode_time(hi);
    if (count <= kMaxExplicitSteps) {
      for (uint64_t c = lo; c <= hi; ++c) s.sum += c == lo ? s.first : c == hi ? s.last : r.decode_time(c);
    } else {
      double mean = 0;
      for (uint64_t i = 0; i < kSampledSteps; ++i)
        mean += r.decode_time(lo + static_cast<uint64_t>(std::llround(static_cast<double>(i) * static_cast<double>(count - 1) / (kSampledSteps - 1))));
      s.sum = mean / kSampledSteps * static_cast<double>(count);
      s.exact = false;
    }
    return s;
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  OpList at_a, at_b;
  for (size_t k = 0; k < starts.size(); ++k) {
    const uint64_t a = starts[k], b = k + 1 < starts.size() ? starts[k + 1] - 1 : hi;
    r.ops(a, 0, r.micro_batch(), true, at_a);
    if (a == lo) s.first = r.time(at_a);
    if (b == a) {
      s.sum += r.time(at_a);
      if (b == hi) s.last = r.time(at_a);
      continue;
    }
    r.ops(b, 0, r.micro_batch(), true, at_b);
    if (b == hi) s.last = r.time(at_b);
    const double len = static_cast<double>(b - a);
    for (int i = 0; i < at_a.count; ++i) {
      const double n = r.instances(at_a, i);
      if (n == 0) continue;
      const OpCost& x = at_a.ops[static_cast<size_t>(i)];
      const OpCost& y = at_b.ops[static_cast<size_t>(i)];
      const AffineLine lines[3] = {{x.compute_s, (y.compute_s - x.compute_s) / len},
                                   {x.memory_s, (y.memory_s - x.memory_s) / len},
                                   {x.network_s, (y.network_s - x.network_s) / len}};
      if (x.comm_after)  // max(compute, memory) + network: the network's affine sum adds
        s.sum += n * (sum_max_affine(std::span(lines, 2), b - a) + (len + 1) * ((x.network_s + y.network_s) / 2 + x.launch_s));
      else
        s.sum += n * (sum_max_affine(lines, b - a) + (len + 1) * x.launch_s);
    }
  }
  // Every step through the pipeline: affine in the layers' time, so the sum transforms exactly.
  if (r.d.pp > 1) {
    s.sum = r.step(s.sum) + (static_cast<double>(count) - 1) * r.step(0);
    s.first = r.step(s.first), s.last = r.step(s.last);
  }
  return s;
}

struct PrefillSum {
  double time = 0;
  uint64_t chunks = 1;
  bool exact = true;
};

// A prompt of `ctx` tokens whose first `start` are already cached, prefilled for `batch`
// sequences at once in chunks of `chunk` tokens (0: one pass); each chunk attends to every
// earlier token.
PrefillSum prefill(const Runner& r, uint64_t ctx, uint64_t start, uint64_t batch, uint64_t chunk) {
  PrefillSum p;
  const uint64_t fresh = ctx - start;
  if (chunk == 0 || fresh <= chunk) {
    p.time = r.prefill_time(ctx, start, batch);
    return p;
  }
  p.chunks = (fresh + chunk - 1) / chunk;
  auto chunk_time = [&](uint64_t j) {
    const uint64_t a = start + j * chunk;
    return r.prefill_time(std::min(ctx, a + chunk), a, batch);
  };
  if (p.chunks <= kMaxExplicitSteps) {
    for (uint64_t j = 0; j < p.chunks; ++j) p.time += chunk_time(j);
    return p;
  }
  // Whole chunks sampled evenly, the last (partial) one exactly.
  const uint64_t whole = p.chunks - 1;
  double mean = 0;
  for (uint64_t i = 0; i < kSampledSteps; ++i)
    mean += chunk_time(static_cast<uint64_t>(std::llround(static_cast<double>(i) * static_cast<double>(whole - 1) / (kSampledSteps - 1))));
  p.time = mean / kSampledSteps * static_cast<double>(whole) + chunk_time(whole);
  p.exact = false;
  return p;
}

}  // namespace

double sum_max_affine(std::span<const AffineLine> lines, uint64_t len) {
  if (lines.empty()) return 0;
  const double L = static_cast<double>(len);
  // Integer cut points where the upper envelope may change line.
  std::vector<double> cuts = {0, L + 1};
  for (size_t i = 0; i < lines.size(); ++i)
    for (size_t k = i + 1; k < lines.size(); ++k) {
      const double db = lines[i].beta - lines[k].beta;
      if (db == 0) continue;
      const double t = (lines[k].alpha - lines[i].alpha) / db;
      if (t > 0 && t < L) cuts.push_back(std::floor(t) + 1);
    }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  double sum = 0;
  for (size_t c = 0; c + 1 < cuts.size(); ++c) {
    const double s = cuts[c], e = cuts[c + 1] - 1;  // integers s … e
    if (e < s) continue;
    const double mid = (s + e) / 2;
    const AffineLine* best = &lines[0];
    for (const AffineLine& l : lines)
      if (l.alpha + l.beta * mid > best->alpha + best->beta * mid) best = &l;
    sum += (e - s + 1) * (best->alpha + best->beta * mid);  // Σ_{t=s}^{e} (α + βt) = count·(α + β·mean t)
  }
  return sum;
}

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
  Runner r = runner_for(m, d, gpu, 1);
  r.head_only = true;
  OpList list;
  r.ops(w.ctx, 0, 1, true, list);
  for (int i = 0; i < list.count; ++i)
    if (list.ops[static_cast<size_t>(i)].kind != OpKind::lm_head) dm.weights_bytes += r.instances(list, i) * list.ops[static_cast<size_t>(i)].weight_bytes;
  if (m.mtp_modules > 0) dm.weights_bytes = mtp_bytes_per_gpu(m, d);  // the checkpoint's MTP modules are the head (estimators/loaded_weights.h)
  for (int u = 0; u < r.use_count; ++u) {
    const Pattern& p = r.uses[static_cast<size_t>(u)].pattern;
    if (!p.is_softmax()) continue;
    const double page = static_cast<double>(d.page_size);
    const double tokens = static_cast<double>(cached_tokens(p, w.ctx + w.gen));
    dm.kv_bytes_per_sequence = (page > 0 ? std::ceil(tokens / page) * page : tokens) * cached_bytes_per_token(p, m, layer_shape(m, d, p, d.tp), d);
    break;
  }
  return dm;
}

Serving serving_metrics(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu, const Estimate& e, Explainer* ex) {
  Serving s;
  const uint64_t chunk = d.engine.chunk_size;
  const uint64_t shared = w.shared_prefix;
  Runner target = runner_for(m, d, gpu, w.batch);

  // Time to first token: one request's prompt after its cached shared prefix.
  const PrefillSum one = prefill(target, w.ctx, shared, 1, chunk);
  s.ttft_s = one.time, s.ttft_exact = one.exact, s.prefill_chunks = one.chunks;
  if (shared > 0) s.ttft_uncached_s = prefill(target, w.ctx, 0, 1, chunk).time;
  // The whole batch's prompts: the estimate's prefill when they go in one pass from scratch.
  const bool whole = shared == 0 && (chunk == 0 || w.ctx <= chunk);
  const PrefillSum all = whole ? PrefillSum{e.prefill.time_s, 1, true} : prefill(target, w.ctx, shared, w.batch, chunk);
  s.batch_prefill_s = all.time + (shared > 0 ? prefill(target, shared, 0, 1, chunk).time : 0);  // the prefix once per batch

  // Decode steps at contexts ctx + 1 … ctx + gen − 1 (the prefill yields the first token).
  s.decode_steps = w.gen > 0 ? w.gen - 1 : 0;
  const uint64_t lo = w.ctx + 1, hi = w.gen >= 2 ? w.ctx + w.gen - 1 : lo;
  const double count = static_cast<double>(hi - lo + 1);
  if (!d.spec.on()) {
    const StepSum st = sum_decode(target, lo, hi);
    s.itl_mean_s = st.sum / count, s.itl_first_s = st.first, s.itl_last_s = st.last, s.itl_exact = st.exact;
  } else {
    // One step: K draft steps at contexts c … c+K−1, then the target verifies K + 1 positions;
    // it yields (1 − α^(K+1)) / (1 − α) tokens in expectation.
    s.tokens_per_step = d.spec.tokens_per_step();
    Runner verify = target;
    verify.step_tokens = d.spec.k + 1;
    Runner draft = target;
    Design dd;
    if (d.spec.draft) {
      dd = draft_design(d, *d.spec.draft);
      draft = runner_for(*d.spec.draft, dd, gpu, w.batch);
    } else {
      draft.head_only = true;
    }
    const StepSum v = sum_decode(verify, lo, hi);
    StepSum dsum;
    double draft_first = 0, draft_last = 0;
    for (uint64_t j = 0; j < d.spec.k; ++j) {
      const StepSum dj = sum_decode(draft, lo + j, hi + j);
      dsum.sum += dj.sum, dsum.exact = dsum.exact && dj.exact;
      draft_first += dj.first, draft_last += dj.last;
    }
    s.verify_step_s = v.first, s.draft_step_s = draft_first;
    s.itl_mean_s = (v.sum + dsum.sum) / count / s.tokens_per_step;
    s.itl_first_s = (v.first + draft_first) / s.tokens_per_step;
    s.itl_last_s = (v.last + draft_last) / s.tokens_per_step;
    s.itl_exact = v.exact && dsum.exact;
  }
  const double gen = static_cast<double>(w.gen), batch = static_cast<double>(w.batch), steps = static_cast<double>(s.decode_steps);
  s.e2e_latency_s = s.ttft_s + steps * s.itl_mean_s;
  s.cycle_s = s.batch_prefill_s + steps * s.itl_mean_s;
  s.requests_per_s = s.cycle_s > 0 ? batch / s.cycle_s * static_cast<double>(d.dp) : 0;
  s.output_tokens_per_s_per_gpu = s.cycle_s > 0 ? batch * gen / s.cycle_s / static_cast<double>(replica_gpus(d)) : 0;
  if (d.engine.usd_per_gpu_hour > 0 && s.output_tokens_per_s_per_gpu > 0)
    s.usd_per_million_output_tokens = d.engine.usd_per_gpu_hour / 3600 / s.output_tokens_per_s_per_gpu * 1e6;

  if (ex) {
    ex->section(fmt::format("serving: {} prompt tokens, {} generated, batch {}", w.ctx, w.gen, w.batch));
    if (s.prefill_chunks > 1)
      ex->line(fmt::format("time to first token ({} chunks of {} tokens)", s.prefill_chunks, chunk), "Σ_chunks prefill(chunk after every earlier token)",
               N(s.ttft_s), s.ttft_s, "s");
    else
      ex->line("time to first token", shared > 0 ? "prefill(n after the cached shared prefix), batch 1" : "prefill(n), batch 1", N(s.ttft_s), s.ttft_s, "s");
    ex->line("mean inter-token latency", d.spec.on() ? "Σ_{c=n+1}^{n+gen−1} (verify(c) + Σ_j draft(c+j)) / (gen − 1) / E[tokens per step]"
                                                      : "Σ_{c=n+1}^{n+gen−1} step(c) / (gen − 1)",
             N(s.itl_mean_s), s.itl_mean_s, "s");
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
