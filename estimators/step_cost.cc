// A step's load from its sequences, and the step's time: build_step_ops' operators through the
// one roofline, summed over layers, then through the pipeline. See step_cost.h.
#include "estimators/step_cost.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "estimators/engine_gemm.h"
#include "estimators/engine_overhead.h"
#include "estimators/explain.h"
#include "estimators/linear_chunk.h"
#include "estimators/parallel.h"
#include "estimators/pattern_counts.h"
#include "estimators/roofline.h"
#include "model/gemm_library.h"
#include "model/short_names.h"

namespace attncost {
namespace {

using namespace short_names;

// The roofline of one operator, written out (roofline.cc computes it).
void explain_roofline(Explainer* ex, const OpCost& op, const GpuSpec& gpu) {
  const std::string name(op_name(op.kind));
  if (!op.softmax_in_rate)
    ex->line(name + ": compute time", "(executed matmul FLOPs / peak(dtype) + other FLOPs / vector rate) / compute fraction",
             fmt::format("({} / {} + {} / {}) / {}", N(op.executed_matmul_flops), N(gpu.matmul_flops(op.matmul_dtype)), N(op.other_flops), N(gpu.vector_flops),
                         N(op.compute_fraction)),
             op.compute_s, "s");
  else
    ex->line(name + ": compute time", "executed matmul FLOPs / peak(dtype) / compute fraction (the kernel's measured rate includes its softmax)",
             fmt::format("{} / {} / {}", N(op.executed_matmul_flops), N(gpu.matmul_flops(op.matmul_dtype)), N(op.compute_fraction)), op.compute_s, "s");
  ex->line(name + ": memory time", "HBM bytes / bandwidth / bandwidth fraction",
           fmt::format("{} / {} / {}", N(op.hbm_bytes()), N(gpu.hbm_bandwidth_Bps), N(op.bandwidth_fraction)), op.memory_s, "s");
  if (op.network_s > 0)
    ex->line(name + ": network time", "bytes sent / one-way link bandwidth / efficiency + steps·latency",
             fmt::format("{} / {} / {} + {}", N(op.comm_bytes), N(op.link_Bps), N(op.comm_bytes / op.link_Bps / (op.network_s - op.comm_latency_s)),
                         N(op.comm_latency_s)),
             op.network_s, "s");
  const std::string bound = name + ": time (" + std::string(bound_name(op.bound)) + "-bound)";
  if (op.comm_after)
    ex->line(bound, "max(compute, memory) + network (after it) + kernels·launch + fixed",
             fmt::format("max({}, {}) + {} + {} × {} + {}", N(op.compute_s), N(op.memory_s), N(op.network_s), N(op.kernels), N(gpu.launch_latency_s),
                         N(op.launch_s - op.kernels * gpu.launch_latency_s)),
             op.time_s, "s");
  else
    ex->line(bound, "max(compute, memory, network) + kernels·launch + fixed",
             fmt::format("max({}, {}, {}) + {} × {} + {}", N(op.compute_s), N(op.memory_s), N(op.network_s), N(op.kernels), N(gpu.launch_latency_s),
                         N(op.launch_s - op.kernels * gpu.launch_latency_s)),
             op.time_s, "s");
}

// kernels_for with the fp8 GEMM library and the MLA decode kernel (model/gemm_library.h), each
// --kernels' choice where given (gemm=…, mla=…), else the engine's rule. The GEMM library applies only
// where GEMMs run in fp8 (fp8 activations: the GEMMs' dtype); block-scaled when the checkpoint's fp8
// weights carry block scales and are used in fp8 (as stored, or --weight-dtype fp8: the checkpoint's
// own format). The MLA decode kernel only where the design's attention is MLA. The kernel model's
// provenance then names each rule.
const KernelModel* kernels_with_gemm_rule(const Design& d, const GpuSpec& gpu, const ModelConfig& m) {
  const KernelModel* base = kernels_for(d, gpu);
  if (!base) return base;
  GemmLibrary library = GemmLibrary::automatic;
  std::string rule;
  if (d.act_dtype == Dtype::fp8 && d.gemm_library) {
    library = *d.gemm_library;
    rule = fmt::format("--kernels gemm={}", gemm_library_name(library));
  } else if (d.act_dtype == Dtype::fp8 && d.engine.kind != EngineKind::plain) {
    const bool fp8_weights = d.weights_as_checkpoint || d.weight_dtype == Dtype::fp8;
    const bool block_scaled = fp8_weights && m.weights.fp8_block_scaled;
    library = gemm_library_for(d.engine.kind, block_scaled);
    rule = fmt::format("{} rule for {} fp8", engine_name(d.engine.kind), block_scaled ? "block-scaled" : "per-tensor");
    // A release whose rule names its own per-tensor library (TensorRT-LLM's TensorRT engines).
    if (const std::string_view release_library = engine_gemm_library_fp8(d.engine); !block_scaled && !release_library.empty()) {
      library = parse_gemm_library(release_library);
      rule = fmt::format("{} {} rule for per-tensor fp8", engine_name(d.engine.kind), engine_release(d.engine));
    }
  }
  std::string mla, mla_rule;
  if (d.sharing == KvSharing::mla && d.kernel != Kernel::naive) {
    if (!d.mla_kernel.empty()) mla = d.mla_kernel, mla_rule = fmt::format("--kernels mla={}", d.mla_kernel);
    else if (!(mla = mla_kernel_for(d.engine.kind, gpu.arch)).empty()) mla_rule = fmt::format("{} default on {}", engine_name(d.engine.kind), gpu.arch);
  }
  return kernel_model(gpu.arch, d.kernel == Kernel::naive ? KernelFamily::naive : d.kernels, library, rule, mla, mla_rule);
}

void fill_context(StepContext& sc, const ModelConfig& m, const Design& d, const GpuSpec& gpu) {
  sc.kernels = kernels_with_gemm_rule(d, gpu, m);
  sc.base = shape_of(m, d, d.tp);
  sc.dequant_bits = dequant_bits(m, d, gpu);
  sc.tile_rows = flash_tile_rows(d);
  const double ab = dtype_bits(d.act_dtype) / 8.0;
  for (int u = 0; u < sc.use_count; ++u) {
    const size_t i = static_cast<size_t>(u);
    const Pattern& p = sc.uses[i].pattern;
    const Shape s = layer_shape(m, d, p, d.tp);
    sc.shapes[i] = s;
    sc.head_kv_bytes[i] = (s.d_k + (s.k_eq_v ? 0 : s.d_v)) * ab;
    sc.mixer_params[i] = mixer_params(p, m, s);
    sc.mixer_weight_bytes[i] = weight_bytes(sc.mixer_params[i], mixer_class(p), m, d);
    sc.kv_bytes[i] = p.is_softmax() ? kv_bytes_per_token_layer(s, d) : 0;
    sc.state_bytes[i] = p.is_recurrent() ? state_bytes_per_layer(p, m, s, d) : 0;
  }
  sc.mlp_params.clear(), sc.mlp_weight_bytes.clear();
  for (const FfnStack::Use& f : sc.ffn) {
    const double params = f.layer.kind == FfnKind::dense ? dense_mlp_params(m, sc.base, f.layer.width) : 0;
    sc.mlp_params.push_back(params);
    sc.mlp_weight_bytes.push_back(params > 0 ? weight_bytes(params, WeightClass::mlp, m, d) : 0);
  }
  sc.lm_head_weight_bytes = weight_bytes(sc.base.hidden * static_cast<double>(m.vocab) / sc.base.tp,
                                         m.tied_embeddings ? WeightClass::embedding : WeightClass::lm_head, m, d);
  if (d.tp > 1) sc.tp_link = link_for(gpu, d.tp);
  if (d.cp > 1) sc.cp_link = link_for(gpu, d.tp * d.cp);
  if (d.ep > 1) sc.ep_link = link_for(gpu, d.ep);
}

}  // namespace

const KernelModel* kernels_for(const Design& d, const GpuSpec& gpu) {
  if (gpu.calibrated) return nullptr;
  return kernel_model(gpu.arch, d.kernel == Kernel::naive ? KernelFamily::naive : d.kernels);
}

StepContext::StepContext(const ModelConfig& m, const Design& d, const GpuSpec& g) : model(&m), design(&d), gpu(&g) {
  use_count = d.attn.uses(static_cast<uint64_t>(m.layers), uses);
  ffn = m.ffn_layers.uses(static_cast<uint64_t>(m.layers));
  // Megatron-style TP: an all-reduce after each token mixer and each MLP; with EP the MoE
  // layers' outputs come back through the all-to-all's combine instead.
  allreduce_layers = 2 * D(m.layers);
  if (d.ep > 1)
    for (const FfnStack::Use& f : ffn)
      if (f.layer.kind == FfnKind::moe) allreduce_layers -= static_cast<double>(f.layers);
  fill_context(*this, m, d, g);
}

StepContext StepContext::draft_head(const ModelConfig& m, const Design& d, const GpuSpec& g) {
  StepContext sc(m, d, g);
  int first = 0;
  while (first < sc.use_count && (sc.uses[static_cast<size_t>(first)].layers == 0 || sc.uses[static_cast<size_t>(first)].pattern.kind == PatternKind::none)) ++first;
  if (first < sc.use_count) {
    sc.uses[0] = sc.uses[static_cast<size_t>(first)];
    sc.uses[0].layers = 1;
    sc.use_count = 1;
  } else {
    sc.use_count = 0;
  }
  FfnStack::Uses ffn;
  for (const FfnStack::Use& f : sc.ffn)
    if (f.layer.kind != FfnKind::none && f.layers > 0) {
      ffn.push_back({f.layer, 1});
      break;
    }
  sc.ffn = std::move(ffn);
  sc.allreduce_layers = 2;
  fill_context(sc, m, d, g);
  return sc;
}

void StepLoad::clear(int patterns) {
  prefill_tokens = decode_tokens = prefill_seqs = decode_seqs = sampled = 0;
  const size_t n = static_cast<size_t>(std::clamp(patterns, 0, kMaxDistinctPatterns));
  std::fill_n(prefill.begin(), n, PatternLoad{});
  std::fill_n(decode.begin(), n, PatternLoad{});
}

void add_prefill(const StepContext& sc, StepLoad& load, uint64_t start, uint64_t end, double count, bool samples) {
  if (end <= start || count <= 0) return;
  const Design& d = *sc.design;
  const bool naive = d.kernel == Kernel::naive;
  const double n_new = static_cast<double>(end - start), n = static_cast<double>(end);
  load.prefill_tokens += count * n_new;
  load.prefill_seqs += count;
  if (samples) load.sampled += count;
  for (int u = 0; u < sc.use_count; ++u) {
    const Pattern& p = sc.uses[static_cast<size_t>(u)].pattern;
    PatternLoad& L = load.prefill[static_cast<size_t>(u)];
    const PatternTraits t = pattern_traits(p.kind);
    if (t.mixer == MixerClass::none) continue;
    L.seqs += count;
    L.queries += count * n_new;
    if (t.mixer == MixerClass::recurrent) {
      if (start > 0) L.state_reads += count;  // resuming after a cached prefix: the prefix's state
      // Chunked scans (Mamba-2, DeltaNet, linear and lightning attention) keep one state per
      // chunk; Mamba-1's selective scan and a short convolution write the final one.
      L.state_writes += count * (p.kind == PatternKind::ssm || p.kind == PatternKind::shortconv ? 1.0 : std::ceil(n_new / kLinearPrefillChunk));
      continue;
    }
    L.pairs += count * to_double(prefill_pairs(p, end) - prefill_pairs(p, start));
    L.kv_written += count * std::min(n_new, static_cast<double>(cached_tokens(p, end)));
    if (naive) {
      L.context += count * n;
      L.scored += count * n_new * n;
    } else {
      // K/V tiles re-loaded for every query tile that needs them; after a cached prefix the tiles
      // of the new rows load what the same tiles of a whole prefill would (exact when the prefix
      // is a whole number of tiles). Every key is attended at least by its own query.
      const double tile_reads = to_double(flash_key_reads(p, end, sc.tile_rows) - flash_key_reads(p, start, sc.tile_rows));
      const double reuse = flash_l2_reuse(n_new, sc.head_kv_bytes[static_cast<size_t>(u)], sc.tile_rows, *sc.gpu);
      L.keys_read += count * std::max(n_new, tile_reads / reuse);
    }
    if (p.kind == PatternKind::topk) {  // the indexer scores every earlier key
      const Pattern dense{};
      L.index_pairs += count * to_double(prefill_pairs(dense, end) - prefill_pairs(dense, start));
      const double reads = to_double(flash_key_reads(dense, end, sc.tile_rows) - flash_key_reads(dense, start, sc.tile_rows));
      L.index_keys += count * std::max(n_new, reads / flash_l2_reuse(n_new, indexer_bytes_per_token(*sc.model), sc.tile_rows, *sc.gpu));
    }
  }
}

void add_decode(const StepContext& sc, StepLoad& load, uint64_t c, uint64_t q, double count) {
  if (count <= 0) return;
  q = std::max<uint64_t>(1, q);
  const double qd = static_cast<double>(q);
  load.decode_tokens += count * qd;
  load.decode_seqs += count;
  load.sampled += count * qd;
  for (int u = 0; u < sc.use_count; ++u) {
    const Pattern& p = sc.uses[static_cast<size_t>(u)].pattern;
    PatternLoad& L = load.decode[static_cast<size_t>(u)];
    const PatternTraits t = pattern_traits(p.kind);
    if (t.mixer == MixerClass::none) continue;
    L.seqs += count;
    L.queries += count * qd;
    if (t.mixer == MixerClass::recurrent) {
      L.state_reads += count;
      L.state_writes += count;
      continue;
    }
    // q queries at positions c−1 … c+q−2; the keys the furthest one needs are read once.
    double keys = 0;
    for (uint64_t j = 0; j < q; ++j) keys += static_cast<double>(decode_pairs(p, c + j));
    L.pairs += count * keys;
    L.keys_read += count * static_cast<double>(decode_pairs(p, c + q - 1));
    L.kv_written += count * qd;
    L.scored += count * qd * static_cast<double>(c + q - 1);
    if (p.kind == PatternKind::topk) {
      const double cd = static_cast<double>(c);
      L.index_pairs += count * (qd * cd + qd * (qd - 1) / 2);
      L.index_keys += count * (cd + qd - 1);
    }
  }
}

void cost_step(const StepContext& sc, const StepLoad& load, const StepPass& pass, PhaseCost& out, Explainer* ex) {
  const ModelConfig& m = *sc.model;
  const Design& d = *sc.design;
  const GpuSpec& gpu = *sc.gpu;
  build_step_ops(sc, load, out.ops, ex);
  // Totals: every GPU of a stage (TP × CP), every micro-batch.
  const double gpus = static_cast<double>(d.tp * d.cp) * static_cast<double>(pass.micro);
  static_cast<PhaseTotals&>(out) = PhaseTotals{};  // the sums only: the list keeps its records
  std::string sum_text;
  for (OpCost& op : out.ops.used()) {
    apply_roofline(op, gpu, sc.kernels);
    if (ex) {
      explain_roofline(ex, op, gpu);
      sum_text += fmt::format("{}{} × {}", sum_text.empty() ? "" : " + ", N(op.layers), N(op.time_s));
    }
    // Summed right after its roofline, field by field (a second loop over the records, summing
    // into registers, ran slower: its paired loads of fields just stored one by one stall).
    const double n = op.layers;
    out.attention_pairs += n * op.pairs * gpus;
    if (op.kind == OpKind::attention || op.kind == OpKind::linear_attn || op.kind == OpKind::ssm_scan) {
      out.attention_flops += n * op.matmul_flops * gpus;
      out.attention_other_flops += n * op.other_flops * gpus;
    }
    out.flops += n * op.matmul_flops * gpus;
    out.other_flops += n * op.other_flops * gpus;
    out.weight_bytes += n * op.weight_bytes * gpus;
    out.act_bytes += n * op.act_bytes * gpus;
    out.kv_read_bytes += n * op.kv_read_bytes * gpus;
    out.kv_write_bytes += n * op.kv_write_bytes * gpus;
    out.comm_bytes += n * op.comm_bytes * gpus;
    out.time_s += n * op.time_s;
    out.launch_s += n * op.launch_s;
    const double busy = n * (op.time_s - op.launch_s);
    switch (op.bound) {
      case Bound::compute: out.compute_s += busy; break;
      case Bound::network: out.network_s += busy; break;
      case Bound::memory:
      case Bound::latency: out.memory_s += busy; break;
    }
  }
  out.hbm_bytes = out.weight_bytes + out.act_bytes + out.kv_read_bytes + out.kv_write_bytes;
  if (ex)
    ex->line(d.pp > 1 ? "all layers on one micro-batch" : pass.decode ? "decode step time" : "prefill time", "Σ_ops layers·time(op)", sum_text, out.time_s, "s");
  if (d.pp > 1) {
    // Through the pipeline: the busiest stage's share of the layers, passes per token (decode) or
    // to fill and drain (prefill), and the sends between stages.
    const double all_layers = out.time_s;
    const double tokens = load.prefill_tokens / static_cast<double>(d.cp) + load.decode_tokens;
    const double send = stage_send_s(m, d, gpu, tokens);
    out.stage_send_bytes = stage_send_bytes(m, d, tokens);
    out.stage_send_s = static_cast<double>(d.pp - 1) * send;
    const Link link = stage_link(d, gpu);
    out.stage_send_over_network = !link.scale_up, out.stage_link_Bps = link.one_way_Bps;
    out.time_s = pipeline_s(m, d, all_layers, send, pass.decode, pass.micro);
    const double scale = all_layers > 0 ? (out.time_s - static_cast<double>(d.pp - 1) * send) / all_layers : 0;
    out.compute_s *= scale, out.memory_s *= scale, out.launch_s *= scale;
    out.network_s = out.network_s * scale + static_cast<double>(d.pp - 1) * send;
    if (ex)
      ex->line(pass.decode ? "decode step through the pipeline" : "prefill through the pipeline",
               pass.decode ? "PP·⌈L/PP⌉/L·T(all layers, one micro-batch) + (PP − 1)·send"
                           : "(PP + micro-batches − 1)·⌈L/PP⌉/L·T(all layers, one micro-batch) + (PP − 1)·send",
               fmt::format("{} × {} × {} + ({} - 1) × {}", N(pass.decode ? D(d.pp) : D(d.pp) + static_cast<double>(pass.micro) - 1), N(stage_fraction(m, d)),
                           N(all_layers), N(D(d.pp)), N(send)),
               out.time_s, "s");
  }
  // The step is bound by whichever resource its time goes to most.
  out.bound = Bound::memory;
  double most = out.memory_s;
  if (out.compute_s > most) most = out.compute_s, out.bound = Bound::compute;
  if (out.network_s > most) most = out.network_s, out.bound = Bound::network;
  if (out.launch_s > most) out.bound = Bound::latency;
  out.tokens_per_s = out.time_s > 0 ? pass.tokens / out.time_s : 0;
  if (ex)
    ex->line(pass.decode ? "decode tokens/s" : "prompt tokens/s", pass.decode ? "B / step time" : "B·n / prefill time", fmt::format("{} / {}", N(pass.tokens), N(out.time_s)),
             out.tokens_per_s, "tokens/s");
}

void cost_pass(const StepContext& sc, uint64_t ctx, uint64_t batch, bool decode, PhaseCost& out, Explainer* ex, uint64_t prefix, uint64_t q, bool samples) {
  // With pipeline stages the batch goes through in micro-batches; each GPU runs its share of them.
  const uint64_t micro = micro_batches(*sc.design, batch);
  const double per = static_cast<double>((batch + micro - 1) / micro);
  StepLoad load(sc.use_count);
  if (decode) add_decode(sc, load, ctx, q, per);
  else add_prefill(sc, load, std::min(prefix, ctx), ctx, per, samples);
  StepPass pass;
  pass.micro = micro, pass.decode = decode;
  pass.tokens = static_cast<double>(batch) * (decode ? 1.0 : static_cast<double>(ctx));
  cost_step(sc, load, pass, out, ex);
}

}  // namespace attncost
