// CSV renderings: one header, one row per estimate; stable column names for scripts.
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "reports/reports.h"

namespace attncost {
namespace {

// Quotes a field when it holds a comma, a quote or a newline (RFC 4180).
std::string field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string estimate_csv_header() {
  return "model,kv_sharing,kv_heads,attn,kv_dtype,kernel,tp,gpu,ctx,batch,gen,"
         "kv_bytes_per_token,kv_bytes_per_sequence,kv_bytes_total,"
         "prefill_attention_pairs,prefill_attention_flops,prefill_flops,prefill_hbm_bytes,prefill_time_s,prefill_bound,"
         "decode_attention_pairs,decode_attention_flops,decode_flops,decode_hbm_bytes,decode_time_s,decode_bound,decode_tokens_per_s,"
         "weights_bytes,memory_total_bytes,fits,max_concurrent_sequences,"
         "direct_reach_tokens,attended_fraction,kv_head_ratio,"
         "engine,budget_bytes,kv_cache_tokens,max_concurrency,ttft_s,itl_mean_s,itl_first_s,itl_last_s,e2e_latency_s,"
         "output_tokens_per_s_per_gpu,requests_per_s,usd_per_million_output_tokens,memory_fraction,chunk_size,spec,shared_prefix\n";
}

namespace {

// Sweeps write millions of numbers: integral values (bytes, pairs, FLOPs) take fmt's integer path,
// the rest its shortest round-trip double path.
void num(std::string& out, double v) {
  if (v == std::floor(v) && std::fabs(v) < 9.2e18) {
    const fmt::format_int text(static_cast<int64_t>(v));
    out.append(text.data(), text.size());
  } else {
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
  out += ',';
}
void num(std::string& out, uint64_t v) {
  const fmt::format_int text(v);
  out.append(text.data(), text.size());
  out += ',';
}
void num(std::string& out, int64_t v) { num(out, static_cast<uint64_t>(v)); }
void text(std::string& out, std::string_view s) {
  out += s;
  out += ',';
}

}  // namespace

void append_estimate_csv_row(std::string& out, const EstimateInputs& in, const Estimate& e) {
  const auto& [m, d, w, g] = in;
  text(out, field(m.name));
  text(out, sharing_name(d.sharing));
  num(out, d.kv_heads);
  text(out, field(d.attn.text));
  text(out, dtype_name(d.kv_dtype));
  text(out, kernel_name(d.kernel));
  num(out, d.tp);
  text(out, field(g.name));
  num(out, w.ctx);
  num(out, w.batch);
  num(out, w.gen);
  for (double v : {e.kv.bytes_per_token, e.kv.bytes_per_sequence, e.kv.bytes_total, e.prefill.attention_pairs,
                   e.prefill.attention_flops, e.prefill.flops, e.prefill.hbm_bytes, e.prefill.time_s})
    num(out, v);
  text(out, bound_name(e.prefill.bound));
  for (double v : {e.decode.attention_pairs, e.decode.attention_flops, e.decode.flops, e.decode.hbm_bytes, e.decode.time_s}) num(out, v);
  text(out, bound_name(e.decode.bound));
  for (double v : {e.decode.tokens_per_s, e.memory.weights_bytes, e.memory.total_bytes}) num(out, v);
  num(out, uint64_t{e.memory.fits ? 1u : 0u});
  for (double v : {e.memory.max_concurrent_sequences, e.quality.direct_reach_tokens, e.quality.attended_fraction, e.quality.kv_head_ratio})
    num(out, v);
  text(out, engine_name(d.engine.kind));
  const Serving& s = e.serving;
  for (double v : {e.memory.budget_bytes, e.memory.kv_cache_tokens, e.memory.max_concurrency, s.ttft_s, s.itl_mean_s, s.itl_first_s, s.itl_last_s,
                   s.e2e_latency_s, s.output_tokens_per_s_per_gpu, s.requests_per_s})
    num(out, v);
  if (s.usd_per_million_output_tokens > 0) num(out, s.usd_per_million_output_tokens);
  else out += ',';
  num(out, e.memory.engine.memory_fraction);
  num(out, d.engine.chunk_size);
  text(out, field(spec_text(d.spec)));
  num(out, w.shared_prefix);
  out.back() = '\n';
}

std::string estimate_csv_row(const EstimateInputs& in, const Estimate& e) {
  std::string out;
  append_estimate_csv_row(out, in, e);
  return out;
}

// A JSON string literal; names rarely need escaping, so the common case stays allocation-light.
std::string json_quoted(const std::string& s) {
  for (char c : s)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return nlohmann::json(s).dump();
  return "\"" + s + "\"";
}

void append_estimate_jsonl(std::string& out, const EstimateInputs& in, const Estimate& e) {
  const auto& [m, d, w, g] = in;
  // Attention specs and enum names never need escaping (the grammar admits none); names might.
  fmt::format_to(std::back_inserter(out),
                 "{{\"model\":{},\"kv_sharing\":\"{}\",\"kv_heads\":{},\"attn\":\"{}\",\"kv_dtype\":\"{}\",\"kernel\":\"{}\","
                 "\"tp\":{},\"gpu\":{},\"ctx\":{},\"batch\":{},\"gen\":{},\"kv_bytes_per_token\":{},\"kv_bytes_per_sequence\":{},"
                 "\"kv_bytes_total\":{},\"prefill_attention_pairs\":{},\"prefill_attention_flops\":{},\"prefill_flops\":{},"
                 "\"prefill_hbm_bytes\":{},\"prefill_time_s\":{},\"prefill_bound\":\"{}\",\"decode_attention_pairs\":{},"
                 "\"decode_attention_flops\":{},\"decode_flops\":{},\"decode_hbm_bytes\":{},\"decode_time_s\":{},"
                 "\"decode_bound\":\"{}\",\"decode_tokens_per_s\":{},\"weights_bytes\":{},\"memory_total_bytes\":{},"
                 "\"fits\":{},\"max_concurrent_sequences\":{},\"direct_reach_tokens\":{},\"attended_fraction\":{},"
                 "\"kv_head_ratio\":{},\"engine\":\"{}\",\"budget_bytes\":{},\"kv_cache_tokens\":{},\"max_concurrency\":{},\"ttft_s\":{},"
                 "\"itl_mean_s\":{},\"itl_first_s\":{},\"itl_last_s\":{},\"e2e_latency_s\":{},\"output_tokens_per_s_per_gpu\":{},"
                 "\"requests_per_s\":{},\"usd_per_million_output_tokens\":{},\"memory_fraction\":{},\"chunk_size\":{},\"spec\":{},"
                 "\"shared_prefix\":{}}}\n",
                 json_quoted(m.name), sharing_name(d.sharing), d.kv_heads, d.attn.text, dtype_name(d.kv_dtype),
                 kernel_name(d.kernel), d.tp, json_quoted(g.name), w.ctx, w.batch, w.gen, e.kv.bytes_per_token,
                 e.kv.bytes_per_sequence, e.kv.bytes_total, e.prefill.attention_pairs, e.prefill.attention_flops,
                 e.prefill.flops, e.prefill.hbm_bytes, e.prefill.time_s, bound_name(e.prefill.bound),
                 e.decode.attention_pairs, e.decode.attention_flops, e.decode.flops, e.decode.hbm_bytes,
                 e.decode.time_s, bound_name(e.decode.bound), e.decode.tokens_per_s, e.memory.weights_bytes,
                 e.memory.total_bytes, e.memory.fits ? "true" : "false", e.memory.max_concurrent_sequences,
                 e.quality.direct_reach_tokens, e.quality.attended_fraction, e.quality.kv_head_ratio, engine_name(d.engine.kind),
                 e.memory.budget_bytes, e.memory.kv_cache_tokens, e.memory.max_concurrency, e.serving.ttft_s, e.serving.itl_mean_s,
                 e.serving.itl_first_s, e.serving.itl_last_s, e.serving.e2e_latency_s, e.serving.output_tokens_per_s_per_gpu,
                 e.serving.requests_per_s,
                 e.serving.usd_per_million_output_tokens > 0 ? fmt::format("{}", e.serving.usd_per_million_output_tokens) : std::string("null"),
                 e.memory.engine.memory_fraction, d.engine.chunk_size, json_quoted(spec_text(d.spec)), w.shared_prefix);
}

std::string plan_csv(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p) {
  std::string out = "rank,role,feasible,score,risk,workload," + estimate_csv_header();
  for (const Candidate& c : p.candidates)
    for (size_t k = 0; k < p.workloads.size(); ++k)
      out += fmt::format("{},{},{},{},{},{},", c.rank, role_name(c.role), c.feasible ? 1 : 0, c.score, c.risk.total(), field(p.workloads[k].name)) +
             estimate_csv_row({m, c.design, p.workloads[k], gpu}, c.per_workload[k]);
  return out;
}

}  // namespace attncost
