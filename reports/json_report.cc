// JSON renderings of estimates and plans (SPEC §4). Field names are a stable contract: add,
// never rename.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "estimators/pattern_counts.h"
#include "reports/reports.h"
#include "estimators/plan_limits.h"

namespace attncost {
namespace {

using nlohmann::json;

json phase_json(const PhaseCost& p, bool decode, const Band& band) {
  json j = {
      {"attention_pairs", json_number(p.attention_pairs)},
      {"attention_flops", json_number(p.attention_flops)},
      {"attention_other_flops", json_number(p.attention_other_flops)},
      {"flops", json_number(p.flops)},
      {"other_flops", json_number(p.other_flops)},
      {"hbm_bytes", json_number(p.hbm_bytes)},
      {"hbm_bytes_by_kind", {{"weights", json_number(p.weight_bytes)}, {"activations", json_number(p.act_bytes)},
                             {"kv_read", json_number(p.kv_read_bytes)}, {"kv_write", json_number(p.kv_write_bytes)}}},
      {"interconnect_bytes", json_number(p.comm_bytes)},
      {"time_s", p.time_s},
      {"time_by_bound_s", {{"compute", p.compute_s}, {"memory", p.memory_s}, {"network", p.network_s}, {"launch", p.launch_s}}},
      {"bound", bound_name(p.bound)},
  };
  if (decode) j["tokens_per_s"] = p.tokens_per_s;
  else j["prompt_tokens_per_s"] = p.tokens_per_s;
  // The held-out error band of this phase's kernels (estimators/uncertainty.h): where the measured time lies.
  j["time_range_s"] = band_range(p.time_s, band);
  j[decode ? "tokens_per_s_range" : "prompt_tokens_per_s_range"] = band_range(p.tokens_per_s, band);
  j["band"] = band_json(band);
  json ops = json::array();
  for (int i = 0; i < p.ops.count; ++i) {
    const OpCost& op = p.ops.ops[static_cast<size_t>(i)];
    json o = {{"op", op_name(op.kind)},
              {"layers", json_number(op.layers)},
              {"per_layer_per_gpu", {{"matmul_flops", json_number(op.matmul_flops)},
                                     {"executed_matmul_flops", json_number(op.executed_matmul_flops)},
                                     {"other_flops", json_number(op.other_flops)},
                                     {"weight_bytes", json_number(op.weight_bytes)},
                                     {"act_bytes", json_number(op.act_bytes)},
                                     {"kv_read_bytes", json_number(op.kv_read_bytes)},
                                     {"kv_write_bytes", json_number(op.kv_write_bytes)},
                                     {"comm_bytes", json_number(op.comm_bytes)},
                                     {"time_s", op.time_s}}},
              {"time_s", op.time_s * op.layers},
              {"bound", bound_name(op.bound)}};
    if (op.pattern >= 0) o["pattern_index"] = op.pattern;
    if (op.comm_bytes > 0)
      o["link"] = {{"network", op.over_network}, {"one_way_Bps", op.link_Bps}, {"latency_s", op.comm_latency_s}, {"time_s", op.network_s}};
    ops.push_back(std::move(o));
  }
  j["ops"] = std::move(ops);
  if (p.stage_send_bytes > 0)
    j["stage_send"] = {{"bytes_per_boundary", json_number(p.stage_send_bytes)}, {"network", p.stage_send_over_network}, {"time_s", p.stage_send_s}};
  return j;
}

json model_json(const ModelConfig& m, const Estimate& e) {
  json ffn = json::array();
  for (const FfnStack::Use& u : m.ffn_layers.uses(static_cast<uint64_t>(m.layers))) {
    json f = {{"kind", ffn_kind_name(u.layer.kind)}, {"layers", u.layers}};
    if (u.layer.kind == FfnKind::dense) f["width"] = u.layer.width > 0 ? u.layer.width : m.ffn;
    ffn.push_back(std::move(f));
  }
  json j = {{"name", m.name}, {"layers", m.layers}, {"heads", m.heads}, {"kv_heads", m.kv_heads}, {"head_dim", m.head_dim},
            {"v_head_dim", m.v_head_dim}, {"hidden", m.hidden}, {"ffn", m.ffn}, {"vocab", m.vocab}, {"params", json_number(e.params)},
            {"dtype", dtype_name(m.dtype)}, {"attn", m.attn}, {"ffn_layers", ffn}, {"ffn_stack", m.ffn_layers.text()},
            {"learned_sinks", m.learned_sinks}, {"notes", m.notes}, {"warnings", m.warnings}, {"source", m.source}};
  // What the engines load beside the text model (estimators/loaded_weights.h).
  const LoadedWeights& lw = e.loaded;
  j["loaded_weights"] = {{"encoder_params", json_number(lw.encoder_params)}, {"mtp_params", json_number(lw.mtp_params)},
                         {"shared_block_params", json_number(lw.shared_block_params)}, {"checkpoint_params", json_number(lw.checkpoint_params(e.params))},
                         {"bytes_per_gpu", json_number(lw.bytes_per_gpu)}, {"mtp_bytes_per_gpu", json_number(lw.mtp_bytes_per_gpu)},
                         {"mtp_is_draft", lw.mtp_is_draft}, {"text_only", m.text_only}, {"counted", lw.lines}};
  if (m.experts > 0)
    j["moe"] = {{"experts", m.experts}, {"experts_per_token", m.experts_active}, {"expert_ffn", m.expert_ffn},
                {"shared_experts", m.shared_experts}, {"shared_expert_ffn", m.shared_expert_ffn > 0 ? m.shared_expert_ffn : m.expert_ffn}};
  if (m.weights.quantized()) {
    json bits = json::object();
    for (int c = 0; c < kWeightClasses; ++c)
      bits[std::string(weight_class_name(static_cast<WeightClass>(c)))] =
          m.weights.bits[static_cast<size_t>(c)] > 0 ? m.weights.bits[static_cast<size_t>(c)] : static_cast<double>(dtype_bits(m.dtype));
    j["weights_format"] = {{"method", m.weights.method}, {"bits_per_weight", bits}};
  }
  return j;
}

}  // namespace

json estimate_json(const EstimateInputs& in, const Estimate& e) {
  const ModelConfig& m = in.model;
  const Design& d = in.design;
  const Workload& w = in.workload;
  const GpuSpec& g = in.gpu;
  json peaks = json::object();
  for (int i = 0; i < kDtypeCount; ++i)
    if (g.peak_flops[static_cast<size_t>(i)] > 0) peaks[std::string(dtype_name(static_cast<Dtype>(i)))] = g.peak_flops[static_cast<size_t>(i)];
  json patterns = json::array();
  for (int u = 0; u < e.use_count; ++u) {
    const auto& use = e.uses[static_cast<size_t>(u)];
    patterns.push_back({{"pattern", pattern_text(use.pattern)},
                        {"layers", json_number(static_cast<double>(use.layers))},
                        {"cached_tokens", json_number(static_cast<double>(cached_tokens(use.pattern, w.ctx)))},
                        {"decode_pairs_per_head", json_number(static_cast<double>(decode_pairs(use.pattern, w.ctx)))},
                        {"prefill_pairs_per_head", json_number(to_double(prefill_pairs(use.pattern, w.ctx)))}});
  }
  json design = {{"kv_sharing", sharing_name(d.sharing)},
                 {"kv_heads", d.kv_heads},
                 {"attn", d.attn.text},
                 {"kv_dtype", dtype_name(d.kv_dtype)},
                 {"weight_dtype", dtype_name(d.weight_dtype)},
                 {"act_dtype", dtype_name(d.act_dtype)},
                 {"kv_group", d.kv_group},
                 {"kernel", kernel_name(d.kernel)},
                 {"page_size", d.page_size},
                 {"tp", d.tp},
                 {"pp", d.pp},
                 {"cp", d.cp},
                 {"ep", d.ep},
                 {"dp", d.dp},
                 {"gpus_per_replica", replica_gpus(d)},
                 {"kv_heads_per_gpu", json_number(e.kv_heads_per_gpu)},
                 {"kv_replication", json_number(e.kv_replication)},
                 {"label", design_label(d)},
                 {"layers_by_pattern", patterns}};
  if (d.sharing == KvSharing::mla) design["mla"] = {{"kv_lora_rank", d.mla_rank}, {"rope_dim", d.mla_rope}};
  if (d.tp > 1 && e.kv_replication > 1)
    design["note"] = fmt::format("--tp {} exceeds the {} KV heads: each KV head is replicated on {} GPUs", d.tp,
                                 d.sharing == KvSharing::mla ? 1 : d.kv_heads, e.kv_replication);
  const Quality& q = e.quality;
  const EngineMemory& em = e.memory.engine;
  json engine = {{"name", engine_name(em.kind)},
                 {"memory_fraction", em.memory_fraction},
                 {"total_bytes", json_number(em.total_bytes)},
                 {"budget_bytes", json_number(em.budget_bytes)},
                 {"kv_budget_bytes", json_number(em.kv_budget_bytes)},
                 {"activation_peak_bytes", json_number(em.activation_peak_bytes)},
                 {"non_torch_bytes", json_number(em.non_torch_bytes)},
                 {"max_num_batched_tokens", em.max_num_batched_tokens},
                 {"max_num_seqs", em.max_num_seqs},
                 {"page_size", em.page_size},
                 {"kv_bytes_per_token", json_number(e.memory.kv_bytes_per_token_gpu)},
                 {"kv_cache_tokens", json_number(e.memory.kv_cache_tokens)},
                 {"max_model_len", w.ctx + w.gen},
                 {"max_concurrency", json_number(e.memory.max_concurrency)}};
  // TensorRT-LLM's C++ runtime (releases before 1.0) only: other outputs keep their fields.
  if (em.runtime_buffers_bytes > 0) engine["runtime_buffers_bytes"] = json_number(em.runtime_buffers_bytes);
  // A pool under 10 GiB: the workspace terms the rule subtracts dominate (docs/cost-model.md §14).
  if (em.kind != EngineKind::plain) engine["small_pool_workspace_dominates"] = em.kv_budget_bytes < 10 * 1073741824.0;
  const Serving& sv = e.serving;
  json serving = {{"ttft_s", sv.ttft_s},
                  {"ttft_exact", sv.ttft_exact},
                  {"prefill_chunks", sv.prefill_chunks},
                  {"itl_mean_s", sv.itl_mean_s},
                  {"itl_first_s", sv.itl_first_s},
                  {"itl_last_s", sv.itl_last_s},
                  {"itl_exact", sv.itl_exact},
                  {"decode_steps", sv.decode_steps},
                  {"e2e_latency_s", sv.e2e_latency_s},
                  {"batch_prefill_s", sv.batch_prefill_s},
                  {"cycle_s", sv.cycle_s},
                  {"output_tokens_per_s_per_gpu", sv.output_tokens_per_s_per_gpu},
                  {"requests_per_s", sv.requests_per_s},
                  {"usd_per_million_output_tokens", sv.usd_per_million_output_tokens > 0 ? json(sv.usd_per_million_output_tokens) : json(nullptr)},
                  {"fits", e.memory.fits},  // throughput and price hold only when the batch fits
                  {"gpus", d.tp}};
  // Beside each time and rate, the range its held-out error band puts the measured value in.
  const Bands& b = e.bands;
  const Band e2e = Band::widest(b.ttft, b.itl);
  serving["ttft_range_s"] = band_range(sv.ttft_s, b.ttft);
  serving["itl_mean_range_s"] = band_range(sv.itl_mean_s, b.itl);
  serving["itl_first_range_s"] = band_range(sv.itl_first_s, b.itl);
  serving["itl_last_range_s"] = band_range(sv.itl_last_s, b.itl);
  serving["e2e_latency_range_s"] = band_range(sv.e2e_latency_s, e2e);
  serving["batch_prefill_range_s"] = band_range(sv.batch_prefill_s, b.ttft);
  serving["cycle_range_s"] = band_range(sv.cycle_s, e2e);
  serving["output_tokens_per_s_per_gpu_range"] = band_range(sv.output_tokens_per_s_per_gpu, b.throughput);
  serving["requests_per_s_range"] = band_range(sv.requests_per_s, b.throughput);
  // The price per token is the price over the throughput: its range is the throughput's, inverted.
  serving["usd_per_million_output_tokens_range"] = sv.usd_per_million_output_tokens > 0 ? json::array({sv.usd_per_million_output_tokens / b.throughput.hi(1),
                                                                                                       sv.usd_per_million_output_tokens / b.throughput.lo(1)})
                                                                                        : json(nullptr);
  serving["band"] = {{"ttft", band_json(b.ttft)}, {"itl", band_json(b.itl)}, {"e2e", band_json(e2e)}, {"throughput", band_json(b.throughput)}};
  if (d.engine.chunk_size > 0) serving["chunk_size"] = d.engine.chunk_size;
  if (sv.overhead.any() || d.engine.kind != EngineKind::plain)
    serving["engine_overhead"] = {{"rule", sv.overhead.rule}, {"per_step_s", sv.overhead.per_step_s}, {"per_request_s", sv.overhead.per_request_s}, {"per_seq_step_s", sv.overhead.per_seq_step_s}};
  if (w.shared_prefix > 0)
    serving["shared_prefix"] = {{"tokens", w.shared_prefix}, {"ttft_uncached_s", sv.ttft_uncached_s}, {"ttft_uncached_range_s", band_range(sv.ttft_uncached_s, b.ttft)},
                                {"kv_bytes_stored_once", json_number(e.memory.shared_kv_bytes)},
                                {"kv_bytes_saved", json_number(e.memory.shared_kv_bytes * (static_cast<double>(w.batch) - 1))}};
  if (d.spec.on())
    serving["speculative"] = {{"k", d.spec.k}, {"alpha", d.spec.alpha}, {"draft", d.spec.draft ? d.spec.draft_name : "one-layer head"},
                              {"tokens_per_step", sv.tokens_per_step}, {"verify_step_s", sv.verify_step_s}, {"draft_steps_s", sv.draft_step_s}};
  json slo = json::object();
  slo["slo_ms"] = w.slo_ms > 0 ? json(w.slo_ms) : json(nullptr);
  slo["ttft_slo_ms"] = w.ttft_slo_ms > 0 ? json(w.ttft_slo_ms) : json(nullptr);
  slo["itl_met"] = w.slo_ms > 0 ? json(sv.itl_mean_s * 1e3 <= w.slo_ms) : json(nullptr);
  slo["ttft_met"] = w.ttft_slo_ms > 0 ? json(sv.ttft_s * 1e3 <= w.ttft_slo_ms) : json(nullptr);
  serving["slo"] = slo;
  json out = {
      {"schema", "attncost.estimate/1"},
      {"tool", {{"name", "attncost"}, {"version", kVersion}}},
      {"model", model_json(m, e)},
      {"design", design},
      {"workload", {{"name", w.name}, {"ctx", w.ctx}, {"batch", w.batch}, {"gen", w.gen}, {"shared_prefix", w.shared_prefix},
                    {"slo_ms", w.slo_ms > 0 ? json(w.slo_ms) : json(nullptr)}, {"ttft_slo_ms", w.ttft_slo_ms > 0 ? json(w.ttft_slo_ms) : json(nullptr)}}},
      {"kernels", {{"family", e.kernels ? e.kernels->requested : g.calibrated ? "calibrated" : "peak"},
                   {"model", e.kernels ? e.kernels->family : ""}, {"arch", g.arch},
                   {"measured", e.kernels ? e.kernels->measured : g.calibrated}, {"provenance", kernels_text(e, g)}}},
      {"hardware", {{"name", g.name}, {"hbm_bytes", json_number(g.hbm_bytes)}, {"hbm_bandwidth_Bps", json_number(g.hbm_bandwidth_Bps)},
                    {"peak_flops", peaks}, {"vector_flops", json_number(g.vector_flops)},
                    {"launch_latency_s", g.launch_latency_s}, {"scale_up", {{"one_way_Bps", json_number(g.scale_up.one_way_Bps)}, {"latency_s", g.scale_up.latency_s}, {"domain", g.scale_up_domain}, {"name", g.scale_up.name}}}, {"scale_out", {{"one_way_Bps", json_number(g.scale_out.one_way_Bps)}, {"latency_s", g.scale_out.latency_s}, {"name", g.scale_out.name}}},
                    {"calibrated", g.calibrated}, {"source", g.source}}},
      {"kv_cache", {{"bytes_per_token", json_number(e.kv.bytes_per_token)},
                    {"bytes_per_sequence", json_number(e.kv.bytes_per_sequence)},
                    {"bytes_total", json_number(e.kv.bytes_total)},
                    {"state_bytes_per_sequence", json_number(e.kv.state_bytes_per_sequence)},
                    {"cached_tokens_max", json_number(e.kv.cached_tokens_max)}}},
      {"prefill", phase_json(e.prefill, false, e.bands.prefill)},
      {"decode", phase_json(e.decode, true, e.bands.decode)},
      {"memory", {{"weights_bytes", json_number(e.memory.weights_bytes)}, {"kv_bytes", json_number(e.memory.kv_bytes)},
                  {"total_bytes", json_number(e.memory.total_bytes)}, {"capacity_bytes", json_number(e.memory.capacity_bytes)},
                  {"fits", e.memory.fits}, {"max_concurrent_sequences", json_number(e.memory.max_concurrent_sequences)},
                  {"kv_bytes_per_sequence", json_number(e.memory.kv_bytes_per_sequence)},
                  {"page_waste_bytes", json_number(e.memory.page_waste_bytes)},
                  {"shared_kv_bytes", json_number(e.memory.shared_kv_bytes)},
                  {"budget_bytes", json_number(e.memory.budget_bytes)},
                  {"engine", engine},
                  {"per_gpu", true}, {"at_tokens", w.ctx + w.gen}}},
      {"serving", serving},
      {"quality", {{"direct_reach_tokens", json_number(q.direct_reach_tokens)},
                   {"receptive_field_tokens", json_number(q.receptive_field_tokens)},
                   {"attended_fraction", q.attended_fraction},
                   {"kv_head_ratio", q.kv_head_ratio},
                   {"kv_elements_ratio", q.kv_elements_ratio},
                   {"first_token_visible", q.first_token_visible},
                   {"state_vs_kv_ratio", q.state_vs_kv_ratio},
                   {"softmax_layers", json_number(q.softmax_layers)},
                   {"state_layers", json_number(q.state_layers)},
                   {"full_access_layers", json_number(q.full_access_layers)}}},
  };
  if (d.kernel == Kernel::naive) {  // the rule that decides whether a naive prefill runs at all
    out["memory"]["naive_scores_bytes"] = json_number(e.memory.naive_scores_bytes);
    out["memory"]["naive_prefill_runs"] = e.memory.naive_prefill_runs;
  }
  return out;
}

json limits_json(const std::vector<PlanLimit>& limits) {
  json out = json::array();
  for (const PlanLimit& l : limits) {
    json j = {{"design", l.design}, {"role", role_name(l.role)}, {"recommended", l.recommended}, {"runner_up", l.runner_up}, {"workload", l.workload},
              {"kind", limit_kind_name(l.kind)}, {"unbounded", l.limit.unbounded}, {"binding", l.binding}};
    const char* key = l.kind == LimitKind::ctx ? "max_ctx" : l.kind == LimitKind::batch ? "max_batch" : "max_sequences";
    j[key] = l.limit.value;
    // The answer at the ends of the latency bands: [times as slow as the band allows, as fast] (null: unbounded).
    if (l.has_range) {
      auto end = [](const Limit& x) { return x.unbounded ? json(nullptr) : json(x.value); };
      j[std::string(key) + "_range"] = json::array({end(l.low), end(l.high)});
    }
    if (l.kind == LimitKind::ctx) j["at_batch"] = l.at_batch;
    else j["at_ctx"] = l.at_ctx;
    out.push_back(std::move(j));
  }
  return out;
}

json plan_json(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p) {
  const size_t longest = [&] {
    size_t k = 0;
    for (size_t i = 1; i < p.workloads.size(); ++i)
      if (p.workloads[i].ctx + p.workloads[i].gen > p.workloads[k].ctx + p.workloads[k].gen) k = i;
    return k;
  }();
  auto risk_json = [](const Risk& r) {
    return json{{"total", r.total()}, {"kv_sharing", r.kv_sharing}, {"reach", r.reach}, {"early_tokens", r.early_tokens},
                {"access", r.access}, {"state", r.state}, {"quantization", r.quantization}, {"retraining", r.retraining}, {"sinks", r.sinks}};
  };
  auto summary = [&](const Candidate& c) {
    json j = {{"label", c.label}, {"role", role_name(c.role)}, {"recommended", &c == &p.candidates[static_cast<size_t>(p.recommended)]},
              {"family", family_name(design_family(c.design))}, {"change", c.change}, {"feasible", c.feasible},
              {"rank", c.rank}, {"score", c.score}, {"cost", c.cost}, {"risk", risk_json(c.risk)}};
    if (!c.feasible) j["infeasible_reason"] = c.infeasible_reason;
    json per = json::array();
    for (size_t k = 0; k < p.workloads.size(); ++k) {
      const Estimate& e = c.per_workload[k];
      per.push_back({{"workload", p.workloads[k].name}, {"memory_total_bytes", json_number(e.memory.total_bytes)},
                     {"kv_bytes", json_number(e.memory.kv_bytes)}, {"decode_time_s", e.decode.time_s}, {"decode_time_range_s", band_range(e.decode.time_s, e.bands.decode)},
                     {"prefill_time_s", e.prefill.time_s}, {"prefill_time_range_s", band_range(e.prefill.time_s, e.bands.prefill)},
                     {"max_sequences_within_budget", json_number(c.max_sequences[k])},
                     {"max_batch", c.max_batch[k].value}, {"max_batch_binding", c.max_batch[k].unbounded ? "none up to 2^40" : c.max_batch[k].binding},
                     {"ttft_s", e.serving.ttft_s}, {"ttft_range_s", band_range(e.serving.ttft_s, e.bands.ttft)},
                     {"itl_mean_s", e.serving.itl_mean_s}, {"itl_mean_range_s", band_range(e.serving.itl_mean_s, e.bands.itl)},
                     {"output_tokens_per_s_per_gpu", e.serving.output_tokens_per_s_per_gpu},
                     {"output_tokens_per_s_per_gpu_range", band_range(e.serving.output_tokens_per_s_per_gpu, e.bands.throughput)},
                     {"band", {{"ttft", band_json(e.bands.ttft)}, {"itl", band_json(e.bands.itl)}, {"throughput", band_json(e.bands.throughput)}}}});
    }
    j["per_workload"] = std::move(per);
    return j;
  };
  json designs = json::array();
  std::vector<int> shown;
  for (int i = 0; i < static_cast<int>(p.candidates.size()); ++i)
    if (p.candidates[static_cast<size_t>(i)].role != Role::alternative) shown.push_back(i);
  const auto order = ranked(p);
  for (size_t k = 0; k < order.size() && k < 10; ++k)
    if (std::find(shown.begin(), shown.end(), order[k]) == shown.end()) shown.push_back(order[k]);
  for (int i : shown) {
    const Candidate& c = p.candidates[static_cast<size_t>(i)];
    json d = estimate_json({m, c.design, p.workloads[longest], gpu}, c.per_workload[longest]);
    json per = json::array();
    for (size_t k = 0; k < p.workloads.size(); ++k)
      per.push_back(estimate_json({m, c.design, p.workloads[k], gpu}, c.per_workload[k]));
    d["per_workload"] = std::move(per);
    d["role"] = role_name(c.role);
    d["recommended"] = i == p.recommended;  // the role says where it came from; this says it is the answer
    d["plan"] = summary(c);
    designs.push_back(std::move(d));
  }
  json candidates = json::array(), ranking = json::array();
  for (const Candidate& c : p.candidates) candidates.push_back(summary(c));
  for (int i : order) {
    const Candidate& c = p.candidates[static_cast<size_t>(i)];
    ranking.push_back({{"rank", c.rank}, {"label", c.label}, {"score", c.score}, {"role", role_name(c.role)}});
  }
  json workloads = json::array();
  for (const Workload& w : p.workloads)
    workloads.push_back({{"name", w.name}, {"ctx", w.ctx}, {"batch", w.batch}, {"gen", w.gen}, {"slo_ms", w.slo_ms > 0 ? json(w.slo_ms) : json(nullptr)},
                         {"ttft_slo_ms", w.ttft_slo_ms > 0 ? json(w.ttft_slo_ms) : json(nullptr)}, {"shared_prefix", w.shared_prefix}});
  const Candidate& best = p.candidates[static_cast<size_t>(p.recommended)];
  json rec = {{"label", best.label}, {"change", best.change}, {"score", best.score}, {"risk", risk_json(best.risk)}, {"cost", best.cost}};
  if (p.runner_up >= 0) rec["runner_up"] = p.candidates[static_cast<size_t>(p.runner_up)].label;
  rec["keep_baseline"] = p.baseline_meets_all;  // the model as it is meets every constraint
  rec["risk_is_policy"] = "risk terms are stated weights from published evidence (docs/cost-model.md §8), not measurements";
  return {{"schema", "attncost.plan/1"},
          {"tool", {{"name", "attncost"}, {"version", kVersion}}},
          {"model", m.name},
          {"gpu", gpu.name},
          {"budget_bytes", json_number(p.budget_bytes)},
          {"workloads", workloads},
          {"score_definition", "score = risk + 0.25*log2(cost); cost = geometric mean over workloads of cbrt(decode_time * prefill_time * memory_per_gpu), each relative to the baseline; lower is better (docs/cost-model.md §8)"},
          {"candidate_count", p.candidates.size()},
          {"feasible_count", p.feasible_count},
          {"designs", designs},
          {"candidates", candidates},
          {"ranking", ranking},
          {"recommendation", rec}};
}

}  // namespace attncost
