#include "reports/estimate_fields.h"

#include <array>

namespace attncost {
namespace {

using W = FieldWriter;
using In = EstimateInputs;
using E = Estimate;

// One line per field: its column name and how to read it.
constexpr std::array kFields = {
    EstimateField{"model", [](W& w, const In& in, const E&) { w.text(in.model.name); }},
    EstimateField{"kv_sharing", [](W& w, const In& in, const E&) { w.text(sharing_name(in.design.sharing)); }},
    EstimateField{"kv_heads", [](W& w, const In& in, const E&) { w.integer(static_cast<uint64_t>(in.design.kv_heads)); }},
    EstimateField{"attn", [](W& w, const In& in, const E&) { w.text(in.design.attn.text); }},
    EstimateField{"kv_dtype", [](W& w, const In& in, const E&) { w.text(dtype_name(in.design.kv_dtype)); }},
    EstimateField{"kernel", [](W& w, const In& in, const E&) { w.text(kernel_name(in.design.kernel)); }},
    EstimateField{"tp", [](W& w, const In& in, const E&) { w.integer(static_cast<uint64_t>(in.design.tp)); }},
    EstimateField{"gpu", [](W& w, const In& in, const E&) { w.text(in.gpu.name); }},
    EstimateField{"ctx", [](W& w, const In& in, const E&) { w.integer(in.workload.ctx); }},
    EstimateField{"batch", [](W& w, const In& in, const E&) { w.integer(in.workload.batch); }},
    EstimateField{"gen", [](W& w, const In& in, const E&) { w.integer(in.workload.gen); }},
    EstimateField{"kv_bytes_per_token", [](W& w, const In&, const E& e) { w.number(e.kv.bytes_per_token); }},
    EstimateField{"kv_bytes_per_sequence", [](W& w, const In&, const E& e) { w.number(e.kv.bytes_per_sequence); }},
    EstimateField{"kv_bytes_total", [](W& w, const In&, const E& e) { w.number(e.kv.bytes_total); }},
    EstimateField{"prefill_attention_pairs", [](W& w, const In&, const E& e) { w.number(e.prefill.attention_pairs); }},
    EstimateField{"prefill_attention_flops", [](W& w, const In&, const E& e) { w.number(e.prefill.attention_flops); }},
    EstimateField{"prefill_flops", [](W& w, const In&, const E& e) { w.number(e.prefill.flops); }},
    EstimateField{"prefill_hbm_bytes", [](W& w, const In&, const E& e) { w.number(e.prefill.hbm_bytes); }},
    EstimateField{"prefill_time_s", [](W& w, const In&, const E& e) { w.number(e.prefill.time_s); }},
    EstimateField{"prefill_bound", [](W& w, const In&, const E& e) { w.text(bound_name(e.prefill.bound)); }},
    EstimateField{"decode_attention_pairs", [](W& w, const In&, const E& e) { w.number(e.decode.attention_pairs); }},
    EstimateField{"decode_attention_flops", [](W& w, const In&, const E& e) { w.number(e.decode.attention_flops); }},
    EstimateField{"decode_flops", [](W& w, const In&, const E& e) { w.number(e.decode.flops); }},
    EstimateField{"decode_hbm_bytes", [](W& w, const In&, const E& e) { w.number(e.decode.hbm_bytes); }},
    EstimateField{"decode_time_s", [](W& w, const In&, const E& e) { w.number(e.decode.time_s); }},
    EstimateField{"decode_bound", [](W& w, const In&, const E& e) { w.text(bound_name(e.decode.bound)); }},
    EstimateField{"decode_tokens_per_s", [](W& w, const In&, const E& e) { w.number(e.decode.tokens_per_s); }},
    EstimateField{"weights_bytes", [](W& w, const In&, const E& e) { w.number(e.memory.weights_bytes); }},
    EstimateField{"memory_total_bytes", [](W& w, const In&, const E& e) { w.number(e.memory.total_bytes); }},
    EstimateField{"fits", [](W& w, const In&, const E& e) { w.boolean(e.memory.fits); }},
    EstimateField{"max_concurrent_sequences", [](W& w, const In&, const E& e) { w.number(e.memory.max_concurrent_sequences); }},
    EstimateField{"direct_reach_tokens", [](W& w, const In&, const E& e) { w.number(e.quality.direct_reach_tokens); }},
    EstimateField{"attended_fraction", [](W& w, const In&, const E& e) { w.number(e.quality.attended_fraction); }},
    EstimateField{"kv_head_ratio", [](W& w, const In&, const E& e) { w.number(e.quality.kv_head_ratio); }},
    EstimateField{"engine", [](W& w, const In& in, const E&) { w.text(engine_name(in.design.engine.kind)); }},
    EstimateField{"budget_bytes", [](W& w, const In&, const E& e) { w.number(e.memory.budget_bytes); }},
    EstimateField{"kv_cache_tokens", [](W& w, const In&, const E& e) { w.number(e.memory.kv_cache_tokens); }},
    EstimateField{"max_concurrency", [](W& w, const In&, const E& e) { w.number(e.memory.max_concurrency); }},
    EstimateField{"ttft_s", [](W& w, const In&, const E& e) { w.number(e.serving.ttft_s); }},
    EstimateField{"itl_mean_s", [](W& w, const In&, const E& e) { w.number(e.serving.itl_mean_s); }},
    EstimateField{"itl_first_s", [](W& w, const In&, const E& e) { w.number(e.serving.itl_first_s); }},
    EstimateField{"itl_last_s", [](W& w, const In&, const E& e) { w.number(e.serving.itl_last_s); }},
    EstimateField{"e2e_latency_s", [](W& w, const In&, const E& e) { w.number(e.serving.e2e_latency_s); }},
    EstimateField{"output_tokens_per_s_per_gpu", [](W& w, const In&, const E& e) { w.number(e.serving.output_tokens_per_s_per_gpu); }},
    EstimateField{"requests_per_s", [](W& w, const In&, const E& e) { w.number(e.serving.requests_per_s); }},
    EstimateField{"usd_per_million_output_tokens",
                  [](W& w, const In&, const E& e) {
                    if (e.serving.usd_per_million_output_tokens > 0) w.number(e.serving.usd_per_million_output_tokens);
                    else w.none();  // no price given: none is invented
                  }},
    EstimateField{"memory_fraction", [](W& w, const In&, const E& e) { w.number(e.memory.engine.memory_fraction); }},
    EstimateField{"chunk_size", [](W& w, const In& in, const E&) { w.integer(in.design.engine.chunk_size); }},
    EstimateField{"spec", [](W& w, const In& in, const E&) { w.text(spec_text(in.design.spec)); }},
    EstimateField{"shared_prefix", [](W& w, const In& in, const E&) { w.integer(in.workload.shared_prefix); }},
};

}  // namespace

std::span<const EstimateField> estimate_fields() { return kFields; }

}  // namespace attncost
