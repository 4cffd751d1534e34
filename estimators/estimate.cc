#include "estimators/estimate.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "estimators/explain.h"
#include "estimators/parallel.h"
#include "estimators/pattern_counts.h"
#include "estimators/quality.h"
#include "estimators/roofline.h"
#include "model/kernel_model.h"

namespace attncost {
namespace {

using namespace short_names;

// KV bytes per cached token in one layer (kv_bytes_per_token_layer), written out.
void explain_kv_bytes(Explainer* ex, const Shape& s, const Design& d, const std::string& quantity, double value) {
  const double b = dtype_bits(d.kv_dtype) / 8.0;
  if (s.mla) {
    ex->line(quantity, "(kv_lora_rank + rope_dim)·bytes(kv)", fmt::format("({} + {}) × {}", N(s.mla_rank), N(s.mla_rope), N(b)), value, "B");
  } else if (dtype_has_group_scale(d.kv_dtype)) {
    const double g = static_cast<double>(d.kv_group);
    ex->line(quantity, "H_kv·(d_k·b + ⌈d_k/g⌉·2 + d_v·b + ⌈d_v/g⌉·2)",
             fmt::format("{0} × ({1} × {3} + ceil({1} / {4}) × 2 + {2} × {3} + ceil({2} / {4}) × 2)", N(s.kv_heads), N(s.d_k), N(s.d_v), N(b), N(g)),
             value, "B");
  } else if (d.kv_dtype == Dtype::fp4) {
    ex->line(quantity, "H_kv·(d_k·0.5 + ⌈d_k/16⌉ + d_v·0.5 + ⌈d_v/16⌉) (NVFP4: an fp8 scale per 16)",
             fmt::format("{0} × ({1} × 0.5 + ceil({1} / 16) + {2} × 0.5 + ceil({2} / 16))", N(s.kv_heads), N(s.d_k), N(s.d_v)), value, "B");
  } else {
    ex->line(quantity, "H_kv·(d_k + d_v)·bytes(kv)", fmt::format("{} × ({} + {}) × {}", N(s.kv_heads), N(s.d_k), N(s.d_v), N(b)), value, "B");
  }
}

// The engine's memory budget, written out.
void explain_budget(Explainer* ex, const EngineMemory& em, double weights) {
  const double tf = em.memory_fraction;
  switch (em.kind) {
    case EngineKind::plain:
      ex->line("memory budget per GPU (weights + KV)", "HBM × (1 − reserve) (or --budget-gb)", fmt::format("{} × {}", N(em.total_bytes), N(tf)),
               em.budget_bytes, "B");
      break;
    case EngineKind::vllm:
      ex->line("vLLM activation peak (profiling run)", "T·(3h + widest layer)·bytes(act) + max_num_seqs·vocab·4",
               fmt::format("T = {}, max_num_seqs = {}", em.max_num_batched_tokens, em.max_num_seqs), em.activation_peak_bytes, "B");
      ex->line("vLLM memory budget per GPU (weights + KV)", "total × gpu_memory_utilization − activation peak − non-torch",
               fmt::format("{} × {} - {} - {}", N(em.total_bytes), N(tf), N(em.activation_peak_bytes), N(em.non_torch_bytes)), em.budget_bytes, "B");
      break;
    case EngineKind::sglang:
      ex->line("SGLang memory budget per GPU (weights + KV)", "mem_fraction_static × (total − CUDA context and TP set-up) − workspaces",
               fmt::format("{} × ({} - {}) - {}", N(tf), N(em.total_bytes), N(em.before_load_bytes), N(em.non_torch_bytes - em.before_load_bytes)),
               em.budget_bytes, "B");
      break;
    case EngineKind::trtllm:
      ex->line("TensorRT-LLM memory budget per GPU (weights + KV)", "weights + free_gpu_memory_fraction × (total − weights − activations − non-torch)",
               fmt::format("{0} + {1} × ({2} - {0} - {3} - {4})", N(weights), N(tf), N(em.total_bytes), N(em.activation_peak_bytes), N(em.non_torch_bytes)),
               em.budget_bytes, "B");
      break;
  }
}

// One phase of the estimate: the whole batch's prefill, or one decode step at ctx.
void cost_phase(const StepContext& sc, const Workload& w, bool is_decode, PhaseCost& out, Explainer* ex) {
  if (ex) ex->section(is_decode ? fmt::format("decode step at context {} (batch {}): each operator per layer, on one GPU", w.ctx, w.batch)
                                : fmt::format("prefill of {} tokens (batch {}): each operator per layer, on one GPU", w.ctx, w.batch));
  cost_pass(sc, w.ctx, w.batch, is_decode, out, ex);
}

// Parameters by weight class, with the heads split over `tp` GPUs (1: the whole model).
struct Params {
  std::array<double, kWeightClasses> by_class{};
  double norms = 0;
  double total() const {
    double t = norms;
    for (double v : by_class) t += v;
    return t;
  }
};

// The per-use mixer parameters and per-FFN-block dense MLP parameters of the layers under `d`
// with heads split over `tp` (the StepContext holds the same for its GPU: StepContext::mixer_params,
// mlp_params), summed by weight class with the embeddings and norms.
Params params_of(const ModelConfig& m, const std::array<AttnStack::Use, kMaxDistinctPatterns>& uses, int use_count,
                 const std::array<double, kMaxDistinctPatterns>& mixer, const FfnStack::Uses& ffn, const InlineVector<double, 4>& mlp, const Shape& s,
                 int64_t ep) {
  Params p;
  for (int u = 0; u < use_count; ++u) {
    const auto& use = uses[static_cast<size_t>(u)];
    p.by_class[static_cast<size_t>(mixer_class(use.pattern))] += static_cast<double>(use.layers) * mixer[static_cast<size_t>(u)];
  }
  for (size_t i = 0; i < ffn.size(); ++i) {
    const FfnStack::Use& f = ffn[i];
    const double layers = static_cast<double>(f.layers);
    if (f.layer.kind == FfnKind::dense) p.by_class[static_cast<size_t>(WeightClass::mlp)] += layers * mlp[i];
    if (f.layer.kind == FfnKind::moe) {
      p.by_class[static_cast<size_t>(WeightClass::expert)] += layers * moe_expert_params(m, s, ep);
      p.by_class[static_cast<size_t>(WeightClass::router)] += layers * moe_router_params(m, s);
    }
  }
  const double matrix = static_cast<double>(m.vocab) * s.hidden / s.tp;
  p.by_class[static_cast<size_t>(WeightClass::embedding)] = matrix;
  if (!m.tied_embeddings) p.by_class[static_cast<size_t>(WeightClass::lm_head)] = matrix;
  p.norms = 2.0 * static_cast<double>(m.hidden) * static_cast<double>(m.layers) + static_cast<double>(m.hidden);
  return p;
}

// The same with the per-use shapes computed here, for the design's shape `s` (shape_of(m, d, tp))
// and its feed-forward blocks `ffn` (the model's ffn_layers.uses).
Params params_with(const ModelConfig& m, const Design& d, const std::array<AttnStack::Use, kMaxDistinctPatterns>& uses, int use_count, const Shape& s,
                   const FfnStack::Uses& ffn) {
  std::array<double, kMaxDistinctPatterns> mixer{};
  const int64_t tp = static_cast<int64_t>(s.tp);
  for (int u = 0; u < use_count; ++u) {
    const auto& use = uses[static_cast<size_t>(u)];
    mixer[static_cast<size_t>(u)] = mixer_params(use.pattern, m, layer_shape(m, d, use.pattern, tp));
  }
  InlineVector<double, 4> mlp;
  for (const FfnStack::Use& f : ffn) mlp.push_back(f.layer.kind == FfnKind::dense ? dense_mlp_params(m, s, f.layer.width) : 0);
  return params_of(m, uses, use_count, mixer, ffn, mlp, s, 1);
}
// The same with every shape computed here, the heads split over `tp` GPUs (1: the whole model).
Params params_with(const ModelConfig& m, const Design& d, const std::array<AttnStack::Use, kMaxDistinctPatterns>& uses, int use_count, int64_t tp) {
  return params_with(m, d, uses, use_count, shape_of(m, d, tp), m.ffn_layers.uses(static_cast<uint64_t>(m.layers)));
}

double weight_bytes_of(const Params& p, const ModelConfig& m, const Design& d) {
  double bytes = storage_bytes(p.norms, 1, d.weight_dtype, kWeightScaleGroup);
  for (int c = 0; c < kWeightClasses; ++c) bytes += weight_bytes(p.by_class[static_cast<size_t>(c)], static_cast<WeightClass>(c), m, d);
  if (d.pp <= 1) return bytes;
  // Pipeline stages: the busiest holds ⌈L/PP⌉ layers plus the embedding (first stage) or the LM
  // head (last stage; a tied head needs its own copy of the embedding there).
  const double emb = weight_bytes(p.by_class[static_cast<size_t>(WeightClass::embedding)], WeightClass::embedding, m, d);
  const double head = m.tied_embeddings ? emb : weight_bytes(p.by_class[static_cast<size_t>(WeightClass::lm_head)], WeightClass::lm_head, m, d);
  const double layers = bytes - emb - (m.tied_embeddings ? 0 : head);
  return layers * stage_fraction(m, d) + std::max(emb, head);
}

}  // namespace

double model_params(const ModelConfig& m, const Design& d) {
  std::array<AttnStack::Use, kMaxDistinctPatterns> uses{};
  const int use_count = d.attn.uses(static_cast<uint64_t>(m.layers), uses);
  return params_with(m, d, uses, use_count, 1).total();
}

double sequences_within(const Memory& mem, double budget_bytes) {
  if (!mem.naive_prefill_runs) return 0;  // not even one prompt can be prefilled
  const double free_bytes = budget_bytes - mem.weights_bytes - mem.shared_kv_bytes;
  return free_bytes > 0 && mem.kv_bytes_per_sequence > 0 ? std::floor(free_bytes / mem.kv_bytes_per_sequence) : 0;
}

Estimator::Estimator(const ModelConfig& m, const Design& d, const GpuSpec& gpu)
    : m_(m), d_(d), gpu_(gpu), sc_(m, d, gpu), whole_(shape_of(m, d, 1)), gpu_shape_(sc_.base) {
  // Parameters (whole model) and weights held by one GPU (its shapes and parameters are the step
  // context's).
  params_ = params_with(m, d, sc_.uses, sc_.use_count, whole_, sc_.ffn).total();
  const Params params_gpu = params_of(m, sc_.uses, sc_.use_count, sc_.mixer_params, sc_.ffn, sc_.mlp_params, sc_.base, d.ep);
  params_gpu_ = params_gpu.total();
  weights_bytes_ = weight_bytes_of(params_gpu, m, d);
  bands_ = uncertainty_bands(gpu, sc_.kernels, d.engine.kind);  // once per design, not per workload
  loaded_ = loaded_weights(m, d);  // encoders, MTP modules, shared blocks: estimators/loaded_weights.h
  params_ += loaded_.shared_block_params;
  weights_bytes_ += loaded_.bytes_per_gpu;
  engine_ = engine_memory(m, d, gpu, weights_bytes_);
  for (int u = 0; u < sc_.use_count; ++u) {
    const size_t i = static_cast<size_t>(u);
    const Pattern& p = sc_.uses[i].pattern;
    if (p.is_softmax()) {
      kvb_whole_[i] = cached_bytes_per_token(p, m, layer_shape(m, d, p, 1), d);
      kvb_gpu_[i] = cached_bytes_per_token(p, m, layer_shape(m, d, p, d.tp), d);
    } else if (p.is_recurrent()) {
      state_whole_[i] = state_bytes_per_layer(p, m, whole_, d);
      state_gpu_[i] = state_bytes_per_layer(p, m, gpu_shape_, d);
    }
  }
}

Estimate estimate(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu, Explainer* ex) { return Estimator(m, d, gpu)(w, ex); }

void Estimator::fill_memory(const Workload& w, Estimate& e, Explainer* ex) const {
  const ModelConfig& m = m_;
  const Design& d = d_;
  const GpuSpec& gpu = gpu_;
  Memory& mem = e.memory;
  mem.weights_bytes = weights_bytes_;
  mem.engine = engine_;
  e.loaded = loaded_;

  // KV cache at ctx, whole model; memory per GPU at the sequence's end, pages rounded up.
  if (ex) ex->section(fmt::format("KV cache at context {} (whole model) and memory per GPU at {} tokens", w.ctx, w.ctx + w.gen));
  std::string per_token_text, per_seq_text, alloc_text;
  const uint64_t end = w.ctx + w.gen;
  const double page = static_cast<double>(d.page_size);
  double alloc_gpu = 0, waste_gpu = 0, shared_gpu = 0, request_gpu = 0;
  for (int u = 0; u < e.use_count; ++u) {
    const auto& use = e.uses[static_cast<size_t>(u)];
    const double layers = static_cast<double>(use.layers);
    if (use.pattern.is_softmax()) {
      const double kvb_whole = kvb_whole_[static_cast<size_t>(u)], kvb_gpu = kvb_gpu_[static_cast<size_t>(u)];
      if (ex) {
        const Shape lw = layer_shape(m, d, use.pattern, 1), lg = layer_shape(m, d, use.pattern, d.tp);
        explain_kv_bytes(ex, lw, d, fmt::format("[{}] KV bytes per cached token, one layer", pattern_text(use.pattern)), kv_bytes_per_token_layer(lw, d));
        if (use.pattern.kind == PatternKind::topk)
          ex->line(fmt::format("[{}] indexer key bytes per cached token, one layer", pattern_text(use.pattern)), "d_I·1 (fp8) + 4 (fp32 scale)",
                   fmt::format("{} × 1 + 4", N(static_cast<double>(m.indexer_head_dim))), indexer_bytes_per_token(m), "B");
        if (d.tp > 1)
          explain_kv_bytes(ex, lg, d, fmt::format("[{}] KV bytes per cached token, one layer, one GPU", pattern_text(use.pattern)),
                           kv_bytes_per_token_layer(lg, d));
      }
      const double cached = static_cast<double>(cached_tokens(use.pattern, w.ctx));
      e.kv.bytes_per_token += layers * kvb_whole;
      e.kv.bytes_per_sequence += layers * cached * kvb_whole;
      e.kv.cached_tokens_max = std::max(e.kv.cached_tokens_max, cached);
      const double final_tokens = static_cast<double>(cached_tokens(use.pattern, end));
      const double allocated = allocated_tokens(use.pattern, end, d, mem.engine);
      // Prefix caching shares whole pages of the common prefix between sequences.
      const double shared_tokens = std::min(allocated, static_cast<double>(shared_cached_tokens(use.pattern, end, w.shared_prefix)));
      const double shared = page > 0 ? std::floor(shared_tokens / page) * page : shared_tokens;
      request_gpu += layers * allocated * kvb_gpu;
      alloc_gpu += layers * (allocated - shared) * kvb_gpu;
      shared_gpu += layers * shared * kvb_gpu;
      waste_gpu += layers * std::max(0.0, allocated - final_tokens) * kvb_gpu;
      mem.kv_bytes_per_token_gpu += layers * kvb_gpu;
      if (ex) {
        per_token_text += fmt::format("{}{} × {}", per_token_text.empty() ? "" : " + ", N(layers), N(kvb_whole));
        per_seq_text += fmt::format("{}{} × {} × {}", per_seq_text.empty() ? "" : " + ", N(layers), N(cached), N(kvb_whole));
        alloc_text += fmt::format("{}{} × {} × {}", alloc_text.empty() ? "" : " + ", N(layers), N(allocated), N(kvb_gpu));
        ex->line(fmt::format("[{}] tokens allocated per sequence at {} tokens", pattern_text(use.pattern), end),
                 page > 0 ? "⌈cached(n + gen) / page⌉·page" : "cached(n + gen)",
                 page > 0 ? fmt::format("ceil({} / {}) × {}", N(final_tokens), N(page), N(page)) : N(final_tokens), allocated, "tokens");
      }
    } else if (use.pattern.is_recurrent()) {
      const double state_whole = state_whole_[static_cast<size_t>(u)], state_gpu = state_gpu_[static_cast<size_t>(u)];
      e.kv.bytes_per_sequence += layers * state_whole;
      e.kv.state_bytes_per_sequence += layers * state_whole;
      alloc_gpu += layers * state_gpu;
      request_gpu += layers * state_gpu;
      if (ex) {
        per_seq_text += fmt::format("{}{} × {}", per_seq_text.empty() ? "" : " + ", N(layers), N(state_whole));
        alloc_text += fmt::format("{}{} × {}", alloc_text.empty() ? "" : " + ", N(layers), N(state_gpu));
        const char* formula = use.pattern.kind == PatternKind::linear     ? "H_state·(F·d_v + F)·bytes(kv)"
                              : use.pattern.kind == PatternKind::ssm      ? "(d_inner·N + d_inner·(conv − 1))·bytes(kv)"
                              : use.pattern.kind == PatternKind::mamba2   ? "heads·head_dim·N·bytes(state) + (conv − 1)·(d_inner + 2·G·N)·bytes(kv)"
                              : use.pattern.kind == PatternKind::shortconv ? "(L − 1)·d·bytes(kv)"
                              : use.pattern.kind == PatternKind::lightning ? "H_q·d·d·bytes(state)"
                                                                          : "H_v·d_k·d_v·bytes(state) + (conv − 1)·(2·H_k·d_k + H_v·d_v)·bytes(kv)";
        ex->line(fmt::format("[{}] recurrent state per sequence, one layer", pattern_text(use.pattern)), formula, N(state_whole), state_whole, "B");
      }
    }
  }
  if (ex) {
    if (!per_token_text.empty()) ex->line("KV bytes per token, all layers", "Σ_softmax layers kv_bytes", per_token_text, e.kv.bytes_per_token, "B");
    ex->line("KV bytes per sequence at ctx", "Σ_layers cached(n)·kv_bytes + Σ_state layers state", per_seq_text, e.kv.bytes_per_sequence, "B");
    ex->line("KV allocated per sequence on one GPU", "Σ_layers allocated tokens·kv_bytes(GPU) + states", alloc_text, alloc_gpu, "B");
  }
  const double batch = static_cast<double>(w.batch);
  e.kv.bytes_total = batch * e.kv.bytes_per_sequence;

  // Pipeline stages hold their layers' KV (the busiest stage: ⌈L/PP⌉ of L layers); context
  // parallelism splits every sequence's tokens over CP GPUs.
  if (d.pp > 1 || d.cp > 1) {
    const double share = stage_fraction(m, d) / static_cast<double>(d.cp);
    alloc_gpu *= share, waste_gpu *= share, shared_gpu *= share, request_gpu *= share, mem.kv_bytes_per_token_gpu *= share;
    if (ex) ex->line("KV share of one GPU", "⌈L/PP⌉/L / CP", fmt::format("{} / {}", N(stage_fraction(m, d)), N(static_cast<double>(d.cp))), share, "");
  }
  if (d.spec.on()) {  // the drafter's weights and KV live beside the target's
    const DraftMemory dm = draft_memory(m, d, w, gpu);
    mem.weights_bytes += dm.weights_bytes;
    alloc_gpu += dm.kv_bytes_per_sequence;
    request_gpu += dm.kv_bytes_per_sequence;
    mem.engine = engine_memory(m, d, gpu, mem.weights_bytes);
  }
  mem.kv_bytes_per_sequence = alloc_gpu;
  mem.shared_kv_bytes = shared_gpu;
  mem.kv_bytes = batch * alloc_gpu + shared_gpu;
  mem.page_waste_bytes = batch * waste_gpu;
  mem.total_bytes = mem.weights_bytes + mem.kv_bytes;
  mem.capacity_bytes = gpu.hbm_bytes;
  mem.budget_bytes = mem.engine.budget_bytes;
  if (d.kernel == Kernel::naive) {
    mem.naive_scores_bytes = naive_score_matrix_bytes(gpu_shape_, d, w.ctx);
    mem.naive_prefill_runs = naive_prefill_runs(mem.naive_scores_bytes, mem.weights_bytes, mem.budget_bytes);
  }
  mem.fits = mem.total_bytes <= mem.budget_bytes && mem.naive_prefill_runs;
  mem.max_concurrent_sequences = sequences_within(mem, mem.budget_bytes);
  // What the engine prints at start-up: its KV pool in tokens (whole pages of every softmax
  // layer) and how many requests of ctx + gen tokens it holds.
  const double kv_budget = mem.engine.kv_budget_bytes;
  if (mem.kv_bytes_per_token_gpu > 0) {
    const double per_page = mem.kv_bytes_per_token_gpu * std::max(1.0, page);
    mem.kv_cache_tokens = std::floor(kv_budget / per_page) * std::max(1.0, page);
  }
  mem.max_concurrency = request_gpu > 0 ? kv_budget / request_gpu : 0;
  if (ex) {
    ex->line("parameters on one GPU", "Σ mixers + MLPs + embeddings (split over TP) + norms", N(params_gpu_), params_gpu_, "params");
    ex->line("weight bytes per GPU", "Σ_classes params·bits(class)/8 (+ one fp16 scale per 128 for int8/int4)",
             fmt::format("{} × {}", N(params_gpu_), N(mem.weights_bytes / params_gpu_)), mem.weights_bytes, "B");
    ex->line("KV bytes per GPU", "B·allocated per sequence", fmt::format("{} × {}", N(batch), N(alloc_gpu)), mem.kv_bytes, "B");
    ex->line("memory per GPU", "weights + KV", fmt::format("{} + {}", N(mem.weights_bytes), N(mem.kv_bytes)), mem.total_bytes, "B");
    explain_budget(ex, mem.engine, mem.weights_bytes);
    if (alloc_gpu > 0)
      ex->line("concurrent sequences that fit", "max(0, ⌊(budget − weights − shared prefix) / allocated per sequence⌋)",
               fmt::format("max(0, floor(({} - {} - {}) / {}))", N(mem.budget_bytes), N(mem.weights_bytes), N(shared_gpu), N(alloc_gpu)),
               mem.max_concurrent_sequences, "sequences");
  }
}

Estimate Estimator::operator()(const Workload& w, Explainer* ex) const {
  const ModelConfig& m = m_;
  const Design& d = d_;
  const StepContext& sc = sc_;
  const Shape& whole = whole_;
  const Shape& gpu_shape = gpu_shape_;
  Estimate e;
  e.kernels = sc.kernels;
  e.bands = bands_;
  e.use_count = sc.use_count;
  std::copy_n(sc.uses.begin(), sc.use_count, e.uses.begin());
  e.kv_heads_per_gpu = gpu_shape.kv_heads;
  e.kv_replication = gpu_shape.kv_replication;
  e.params = params_;

  cost_phase(sc, w, false, e.prefill, ex);
  cost_phase(sc, w, true, e.decode, ex);
  fill_memory(w, e, ex);
  e.quality = quality_proxies(m, d, w, e, whole);
  e.serving = serving_metrics(sc, w, e, ex);
  return e;
}

}  // namespace attncost
