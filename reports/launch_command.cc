#include "reports/launch_command.h"

#include <filesystem>
#include <regex>
#include <string_view>

#include <fmt/format.h>

namespace attncost {
namespace {

// Single-quoted for a POSIX shell unless it is plainly safe.
std::string shell_quote(const std::string& s) {
  const bool plain = !s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./:=@,+") == std::string::npos;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool fp8_kv(const Design& d) { return d.kv_dtype == Dtype::fp8; }

std::string vllm(const std::string& model, const Design& d, const FleetOption& o, uint64_t max_len, const char* role) {
  std::string s = fmt::format("vllm serve {} --tensor-parallel-size {}", shell_quote(model), d.tp);
  if (d.pp > 1) s += fmt::format(" --pipeline-parallel-size {}", d.pp);
  if (d.cp > 1) s += fmt::format(" --decode-context-parallel-size {}", d.cp);
  if (d.ep > 1) s += " --enable-expert-parallel";
  // A prefill worker keeps the engine's own max_num_seqs: the batch was sized for decode.
  if (!role || std::string_view(role) != "prefill") s += fmt::format(" --max-num-seqs {}", o.load.max_num_seqs > 0 ? o.load.max_num_seqs : o.batch);
  if (o.load.max_num_batched_tokens > 0) s += fmt::format(" --max-num-batched-tokens {}", o.load.max_num_batched_tokens);
  if (d.engine.memory_fraction > 0) s += fmt::format(" --gpu-memory-utilization {:g}", d.engine.memory_fraction);
  if (fp8_kv(d)) s += " --kv-cache-dtype fp8";
  s += fmt::format(" --max-model-len {}", max_len);
  if (role) s += R"( --kv-transfer-config '{"kv_connector":"NixlConnector","kv_role":"kv_both"}')";
  return s;
}

std::string sglang(const std::string& model, const Design& d, const FleetOption& o, uint64_t max_len, const char* role) {
  std::string s = fmt::format("python -m sglang.launch_server --model-path {} --tp-size {}", shell_quote(model), d.tp);
  if (d.pp > 1) s += fmt::format(" --pp-size {}", d.pp);
  if (d.ep > 1) s += fmt::format(" --ep-size {}", d.ep);
  s += fmt::format(" --max-running-requests {}", o.load.max_num_seqs > 0 ? o.load.max_num_seqs : o.batch);
  if (o.load.max_num_batched_tokens > 0) s += fmt::format(" --chunked-prefill-size {}", o.load.max_num_batched_tokens);
  if (d.engine.memory_fraction > 0) s += fmt::format(" --mem-fraction-static {:g}", d.engine.memory_fraction);
  if (fp8_kv(d)) s += " --kv-cache-dtype fp8_e4m3";
  s += fmt::format(" --context-length {}", max_len);
  if (role) s += fmt::format(" --disaggregation-mode {}", role);
  return s;
}

// trtllm-serve runs context and generation servers alike, joined by `trtllm-serve disaggregated
// -c CONFIG`: the role changes no flag.
std::string trtllm(const std::string& model, const Design& d, const FleetOption& o, uint64_t max_len, const char* /*role*/) {
  std::string s = fmt::format("trtllm-serve {} --tp_size {}", shell_quote(model), d.tp);
  if (d.pp > 1) s += fmt::format(" --pp_size {}", d.pp);
  if (d.ep > 1) s += fmt::format(" --ep_size {}", d.ep);
  s += fmt::format(" --max_batch_size {}", o.load.max_num_seqs > 0 ? o.load.max_num_seqs : o.batch);
  if (o.load.max_num_batched_tokens > 0) s += fmt::format(" --max_num_tokens {}", o.load.max_num_batched_tokens);
  if (d.engine.memory_fraction > 0) s += fmt::format(" --kv_cache_free_gpu_memory_fraction {:g}", d.engine.memory_fraction);
  s += fmt::format(" --max_seq_len {}", max_len);
  return s;
}

}  // namespace

std::string launch_model_id(const ModelConfig& m) {
  static const std::regex hf_id(R"(config\.json of ([A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+))");
  std::smatch match;
  if (std::regex_search(m.source, match, hf_id)) return match[1].str();
  std::error_code ec;
  const std::filesystem::path p(m.source);
  if (!m.source.empty() && std::filesystem::is_regular_file(p, ec)) return p.has_parent_path() ? p.parent_path().string() : std::string(".");
  return m.name;
}

std::vector<LaunchCommand> launch_commands(const ModelConfig& m, const FleetOption& o, uint64_t max_model_len) {
  const std::string model = launch_model_id(m);
  const Design& d = o.design;
  using Render = std::string (*)(const std::string&, const Design&, const FleetOption&, uint64_t, const char*);
  Render render = vllm;  // the plain memory rule is served as vLLM serves it
  if (d.engine.kind == EngineKind::sglang) render = sglang;
  if (d.engine.kind == EngineKind::trtllm) render = trtllm;
  if (!o.disaggregated) return {{"replica", render(model, d, o, max_model_len, nullptr)}};
  return {{"prefill worker", render(model, d, o, max_model_len, "prefill")}, {"decode worker", render(model, d, o, max_model_len, "decode")}};
}

}  // namespace attncost
