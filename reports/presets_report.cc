// `attncost presets`: the built-in models and GPUs with the parameters the estimates use.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "estimators/estimate.h"
#include "estimators/loaded_weights.h"
#include "model/presets.h"
#include "reports/reports.h"

namespace attncost {
namespace {

// As an estimate counts them: the layer stack, and Zamba2's shared blocks as stored (their weights
// are held once, not once per use as the layer stack would count them).
double params_of(const ModelConfig& m) {
  const Design d = make_design(m);
  return model_params(m, d) + loaded_weights(m, d).shared_block_params;
}

// Quotes a CSV field holding a comma, a quote or a newline (RFC 4180).
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

nlohmann::json presets_json() {
  nlohmann::json models = nlohmann::json::array(), gpus = nlohmann::json::array();
  for (const auto& name : model_preset_names()) {
    const ModelConfig m = load_model(name);
    models.push_back({{"name", name}, {"layers", m.layers}, {"heads", m.heads}, {"kv_heads", m.kv_heads},
                      {"head_dim", m.head_dim}, {"v_head_dim", m.v_head_dim}, {"hidden", m.hidden}, {"ffn", m.ffn},
                      {"vocab", m.vocab}, {"dtype", dtype_name(m.dtype)}, {"attn", m.attn},
                      {"kv_lora_rank", m.kv_lora_rank}, {"experts", m.experts}, {"experts_active", m.experts_active},
                      {"params", json_number(params_of(m))}, {"published_params", json_number(m.published_params)},
                      {"source", m.source}});
  }
  for (const auto& name : gpu_preset_names()) {
    const GpuSpec g = load_gpu(name);
    nlohmann::json peaks = nlohmann::json::object();
    for (int i = 0; i < kDtypeCount; ++i)
      if (g.peak_flops[static_cast<size_t>(i)] > 0) peaks[std::string(dtype_name(static_cast<Dtype>(i)))] = g.peak_flops[static_cast<size_t>(i)];
    gpus.push_back({{"name", name}, {"display_name", g.name}, {"hbm_bytes", json_number(g.hbm_bytes)},
                    {"hbm_bandwidth_Bps", json_number(g.hbm_bandwidth_Bps)}, {"peak_flops", peaks},
                    {"vector_flops", json_number(g.vector_flops)}, {"launch_latency_s", g.launch_latency_s},
                    {"scale_up", {{"one_way_Bps", json_number(g.scale_up.one_way_Bps)}, {"latency_s", g.scale_up.latency_s}, {"domain", g.scale_up_domain}, {"name", g.scale_up.name}}}, {"scale_out", {{"one_way_Bps", json_number(g.scale_out.one_way_Bps)}, {"latency_s", g.scale_out.latency_s}, {"name", g.scale_out.name}}}, {"source", g.source}});
  }
  return {{"schema", "attncost.presets/1"}, {"models", models}, {"gpus", gpus}};
}

std::string presets_text() {
  std::string out = "models\n";
  out += fmt::format("  {:<20} {:>6} {:>6} {:>4} {:>5} {:>6} {:>6} {:>7} {:>5} {:>9}  {}\n", "name", "layers", "heads", "kv",
                     "d_k", "hidden", "ffn", "vocab", "dtype", "params", "attention");
  for (const auto& name : model_preset_names()) {
    const ModelConfig m = load_model(name);
    std::string attn = attn_summary(parse_attn(m.attn, "model attention"));
    if (m.is_mla()) attn = fmt::format("MLA {}+{} · {}", m.kv_lora_rank, m.qk_rope_head_dim, m.attn);
    if (m.experts > 0) attn += fmt::format(" · MoE {}×top-{}", m.experts, m.experts_active);
    out += fmt::format("  {:<20} {:>6} {:>6} {:>4} {:>5} {:>6} {:>6} {:>7} {:>5} {:>9}  {}\n", name, m.layers, m.heads, m.kv_heads,
                       m.head_dim, m.hidden, m.ffn, m.vocab, dtype_name(m.dtype), human_count(params_of(m)), attn);
  }
  out += "\ngpus\n";
  out += fmt::format("  {:<10} {:<30} {:>10} {:>11} {:>12} {:>12}\n", "name", "device", "HBM", "bandwidth", "fp16 dense",
                     "fp8 dense");
  for (const auto& name : gpu_preset_names()) {
    const GpuSpec g = load_gpu(name);
    const double fp8 = g.peak_flops[static_cast<size_t>(Dtype::fp8)];
    out += fmt::format("  {:<10} {:<30} {:>10} {:>9.2f} TB/s {:>7.1f} TFLOP/s {:>7}\n", name, g.name, human_bytes(g.hbm_bytes),
                       g.hbm_bandwidth_Bps / 1e12, g.peak_flops[static_cast<size_t>(Dtype::fp16)] / 1e12,
                       fp8 > 0 ? fmt::format("{:.1f}", fp8 / 1e12) : "-");
  }
  out += "\nSources: `attncost presets --format json` lists each preset's source.\n";
  return out;
}

std::string presets_csv() {
  std::string out = "kind,name,layers,heads,kv_heads,head_dim,hidden,ffn,vocab,dtype,attn,params,published_params,hbm_bytes,hbm_bandwidth_Bps,"
                    "fp16_flops,fp8_flops,source\n";
  for (const auto& name : model_preset_names()) {
    const ModelConfig m = load_model(name);
    out += fmt::format("model,{},{},{},{},{},{},{},{},{},{},{:.0f},{:.0f},,,,,{}\n", name, m.layers, m.heads, m.kv_heads, m.head_dim, m.hidden,
                       m.ffn, m.vocab, dtype_name(m.dtype), csv_field(m.attn), params_of(m), m.published_params, csv_field(m.source));
  }
  for (const auto& name : gpu_preset_names()) {
    const GpuSpec g = load_gpu(name);
    out += fmt::format("gpu,{},,,,,,,,,,,,{:.0f},{:.0f},{:.0f},{:.0f},{}\n", name, g.hbm_bytes, g.hbm_bandwidth_Bps,
                       g.peak_flops[static_cast<size_t>(Dtype::fp16)], g.peak_flops[static_cast<size_t>(Dtype::fp8)], csv_field(g.source));
  }
  return out;
}

}  // namespace attncost
