#include "cli/options.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <iostream>

#include <fmt/format.h>

#include "model/error.h"
#include "model/presets.h"

namespace attncost::cli {

void add_model_flags(CLI::App& app, Flags& f) {
  app.add_option("--model", f.model, "model preset name or Hugging Face config.json path")->capture_default_str();
  app.add_option("--gpu", f.gpu, "GPU preset name or profile JSON (from probe --calibrate)")->capture_default_str();
  app.add_option("--layers", f.layers, "override num_hidden_layers");
  app.add_option("--heads", f.heads, "override num_attention_heads");
  app.add_option("--kv-heads", f.kv_heads, "override the model's num_key_value_heads");
  app.add_option("--head-dim", f.head_dim, "override head_dim");
  app.add_option("--hidden", f.hidden, "override hidden_size");
  app.add_option("--ffn", f.ffn, "override intermediate_size");
  app.add_option("--vocab", f.vocab, "override vocab_size");
}

void add_design_flags(CLI::App& app, Flags& f) {
  auto* sharing = app.add_option_group("kv sharing", "KV sharing of the design under study (default: the model's own)");
  sharing->add_flag("--mha", f.mha, "multi-head attention: one KV head per query head");
  sharing->add_option("--gqa", f.gqa, "grouped-query attention with G KV heads (G divides the query heads)");
  sharing->add_flag("--mqa", f.mqa, "multi-query attention (= --gqa 1)");
  sharing->add_option("--mla", f.mla, "multi-head latent attention: RANK[:ROPE_DIM] (DeepSeek-V2: 512:64)");
  sharing->require_option(0, 1);
  app.add_option("--attn", f.attn, "attention pattern: dense, window:W, sinks:S+window:W, strided:S+window:W, axial[:M], "
                                   "block:B[:local=L][:global=G][:random=R], linear[:F], ssm[:N], stacks P[*K]/P[*K]");
  app.add_option("--kv-dtype", f.kv_dtype, "KV cache dtype: fp32|fp16|bf16|fp8|int8|int4 (default: activation dtype)");
  app.add_option("--kv-group", f.kv_group, "elements per fp16 scale for int8/int4 KV (default: head dim)");
  app.add_option("--weight-dtype", f.weight_dtype, "weight dtype (default: the model's torch_dtype)");
  app.add_option("--act-dtype", f.act_dtype, "activation dtype (default: the model's torch_dtype)");
  app.add_option("--kernel", f.kernel, "attention kernel: flash (tiled, fused) | naive (materialized n×n scores)");
  app.add_option("--page-size", f.page_size, "tokens per KV page (default 16); 0 = contiguous preallocation");
  app.add_option("--tp", f.tp, "tensor-parallel GPUs (default 1)");
}

void add_workload_flags(CLI::App& app, Flags& f) {
  app.add_option("--ctx", f.ctx, "tokens in context (prompt length for prefill); suffix k/m = ×1024/×1048576")->capture_default_str();
  app.add_option("--batch", f.batch, "concurrent sequences")->capture_default_str();
  app.add_option("--gen", f.gen, "tokens generated after the prompt")->capture_default_str();
  app.add_option("--phase", f.phase, "prefill|decode|both (what the text report shows)")->capture_default_str();
  app.add_option("--slo-ms", f.slo_ms, "per-token (decode step) latency target in milliseconds");
}

void add_output_flags(CLI::App& app, Flags& f, const std::string& formats) {
  app.add_option("--format", f.format, "output format: " + formats)->capture_default_str();
  app.add_option("-o,--output", f.output, "write to FILE instead of stdout");
}

uint64_t parse_count(const std::string& text, const std::string& flag, bool zero_ok) {
  const auto bad = [&](const char* why) {
    return InputError(fmt::format("{} '{}': {}", flag, text, why));
  };
  if (text.empty()) throw bad("expected a positive integer");
  size_t i = 0;
  uint64_t v = 0;
  const uint64_t limit = uint64_t{1} << 40;
  if (text[0] == '-') throw bad("must be positive");
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    v = v * 10 + static_cast<uint64_t>(text[i] - '0');
    if (v > limit) throw bad("exceeds 2^40 (1099511627776)");
    ++i;
  }
  if (i == 0) throw bad("expected a positive integer");
  if (i < text.size()) {
    const char s = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    const uint64_t mult = s == 'k' ? 1024 : s == 'm' ? 1024 * 1024 : s == 'g' ? 1024 * 1024 * 1024 : 0;
    if (mult == 0 || i + 1 != text.size()) throw bad("expected a positive integer (optionally with k, m or g)");
    if (v > limit / mult) throw bad("exceeds 2^40 (1099511627776)");
    v *= mult;
  }
  if (v == 0 && !zero_ok) throw bad("must be at least 1");
  return v;
}

double parse_number(const std::string& text, const std::string& flag, double lo, double hi, bool lo_open, const char* what) {
  size_t used = 0;
  double v = NAN;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const bool in_range = lo_open ? v > lo && v <= hi : v >= lo && v <= hi;
  if (used == 0 || used != text.size() || !in_range) throw InputError(fmt::format("{} '{}': expected {}", flag, text, what));
  return v;
}

namespace {

int64_t parse_field(const std::string& text, const std::string& flag) { return static_cast<int64_t>(parse_count(text, flag)); }

}  // namespace

ModelConfig resolve_model(const Flags& f) {
  ModelConfig m = load_model(f.model);
  bool changed = false;
  auto apply = [&](const std::string& text, const char* flag, int64_t& field) {
    if (text.empty()) return;
    field = parse_field(text, flag);
    m.origin += fmt::format(" {} {}", flag, field);
    changed = true;
  };
  const int64_t heads_before = m.heads, kv_before = m.kv_heads;
  apply(f.layers, "--layers", m.layers);
  apply(f.heads, "--heads", m.heads);
  apply(f.kv_heads, "--kv-heads", m.kv_heads);
  apply(f.hidden, "--hidden", m.hidden);
  apply(f.ffn, "--ffn", m.ffn);
  apply(f.vocab, "--vocab", m.vocab);
  if (!f.head_dim.empty()) {
    m.head_dim = m.v_head_dim = parse_field(f.head_dim, "--head-dim");
    m.origin += fmt::format(" --head-dim {}", m.head_dim);
    changed = true;
  }
  // A new head count keeps MHA models MHA unless --kv-heads says otherwise.
  if (f.kv_heads.empty() && m.heads != heads_before && kv_before == heads_before) m.kv_heads = m.heads;
  if (changed) {
    if (m.heads % m.kv_heads != 0)
      throw InputError(fmt::format("--heads {} / --kv-heads {}: the query heads are not divisible by the KV heads", m.heads, m.kv_heads));
    validate_model(m);
  }
  return m;
}

GpuSpec resolve_gpu(const Flags& f) { return load_gpu(f.gpu); }

DesignChoice resolve_choice(const Flags& f, const ModelConfig& m, bool* given) {
  DesignChoice c;
  bool any = false;
  if (f.mha) c.sharing = KvSharing::mha, any = true;
  if (f.mqa) c.sharing = KvSharing::mqa, any = true;
  if (!f.gqa.empty()) {
    c.sharing = KvSharing::gqa;
    c.kv_heads = static_cast<int64_t>(parse_count(f.gqa, "--gqa"));
    any = true;
  }
  if (!f.mla.empty()) {
    c.sharing = KvSharing::mla;
    const auto colon = f.mla.find(':');
    c.mla_rank = static_cast<int64_t>(parse_count(f.mla.substr(0, colon), "--mla"));
    if (colon != std::string::npos) c.mla_rope = static_cast<int64_t>(parse_count(f.mla.substr(colon + 1), "--mla (RoPE width)", true));
    any = true;
  }
  if (!f.attn.empty()) c.attn = f.attn, any = true;
  if (!f.kv_dtype.empty()) c.kv_dtype = parse_dtype(f.kv_dtype, "--kv-dtype"), any = true;
  if (!f.weight_dtype.empty()) c.weight_dtype = parse_dtype(f.weight_dtype, "--weight-dtype"), any = true;
  if (!f.act_dtype.empty()) c.act_dtype = parse_dtype(f.act_dtype, "--act-dtype"), any = true;
  if (!f.kv_group.empty()) c.kv_group = static_cast<int64_t>(parse_count(f.kv_group, "--kv-group"));
  if (!f.page_size.empty()) c.page_size = static_cast<int64_t>(parse_count(f.page_size, "--page-size", true));
  if (!f.tp.empty()) c.tp = static_cast<int64_t>(parse_count(f.tp, "--tp"));
  if (!f.kernel.empty()) {
    if (f.kernel == "flash") c.kernel = Kernel::flash;
    else if (f.kernel == "naive") c.kernel = Kernel::naive;
    else throw InputError(fmt::format("--kernel '{}': expected flash or naive", f.kernel));
  }
  (void)make_design(m, c);  // validate now so the error names the flag before any work
  if (given) *given = any;
  return c;
}

Workload resolve_workload(const Flags& f) {
  Workload w;
  w.ctx = parse_count(f.ctx, "--ctx");
  w.batch = parse_count(f.batch, "--batch");
  w.gen = parse_count(f.gen, "--gen", true);
  if (f.phase == "prefill") w.phase = Phase::prefill;
  else if (f.phase == "decode") w.phase = Phase::decode;
  else if (f.phase == "both") w.phase = Phase::both;
  else throw InputError(fmt::format("--phase '{}': expected prefill, decode or both", f.phase));
  if (!f.slo_ms.empty()) w.slo_ms = parse_number(f.slo_ms, "--slo-ms", 0, 1e9, true, "a positive number of milliseconds");
  validate_workload(w);
  return w;
}

void add_plan_flags(CLI::App& app, Flags& f) {
  app.add_option("--workload", f.workloads, "a named workload NAME:ctx=N,batch=B,gen=T,slo_ms=X (repeatable)");
  app.add_option("--budget-gb", f.budget_gb, "memory budget per GPU for weights + KV, GiB (default: HBM minus --reserve)");
  app.add_option("--reserve", f.reserve, "fraction of HBM kept for activations and workspace when no --budget-gb")->capture_default_str();
  app.add_option("--require", f.require, "early-recall: the first tokens must stay directly attendable");
  app.add_option("--max", f.max, "reverse question: ctx | batch | sequences that fit the budget, for the recommended, proposed and baseline designs");
  app.add_option("--candidates", f.candidates, "full (KV sharing × pattern × KV dtype) | basic (single changes)")->capture_default_str();
}

Workload parse_workload(const std::string& spec) {
  Workload w;
  const auto colon = spec.find(':');
  const bool named = colon != std::string::npos && spec.find('=') > colon;
  w.name = named ? spec.substr(0, colon) : "workload";
  if (w.name.empty()) throw InputError(fmt::format("--workload '{}': the name before ':' is empty", spec));
  bool has_ctx = false;
  std::string rest = named ? spec.substr(colon + 1) : spec;
  size_t start = 0;
  while (start <= rest.size()) {
    const size_t end = std::min(rest.find(',', start), rest.size());
    const std::string item = rest.substr(start, end - start);
    const auto eq = item.find('=');
    if (eq == std::string::npos) throw InputError(fmt::format("--workload '{}': expected key=value, got '{}'", spec, item));
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    const std::string flag = fmt::format("--workload '{}': {}", spec, key);
    if (key == "ctx") w.ctx = parse_count(value, flag), has_ctx = true;
    else if (key == "batch") w.batch = parse_count(value, flag);
    else if (key == "gen") w.gen = parse_count(value, flag, true);
    else if (key == "slo_ms" || key == "slo-ms") w.slo_ms = parse_number(value, flag, 0, 1e9, true, "a positive number of milliseconds"); else {
      throw InputError(fmt::format("--workload '{}': unknown key '{}' (expected ctx, batch, gen, slo_ms)", spec, key));
    }
    start = end + 1;
  }
  if (!has_ctx) throw InputError(fmt::format("--workload '{}': ctx= is required", spec));
  validate_workload(w);
  return w;
}

std::vector<Workload> resolve_workloads(const Flags& f) {
  if (f.workloads.empty()) {
    Workload w = resolve_workload(f);
    w.name = "default";
    return {w};
  }
  std::vector<Workload> out;
  for (const auto& spec : f.workloads) {
    out.push_back(parse_workload(spec));
    for (size_t k = 0; k + 1 < out.size(); ++k)
      if (out[k].name == out.back().name) throw InputError(fmt::format("--workload '{}': the name '{}' is used twice", spec, out.back().name));
  }
  return out;
}

std::pair<std::string, DesignChoice> parse_design_spec(const std::string& spec, const ModelConfig& m) {
  const auto colon = spec.find(':');
  const auto eq = spec.find('=');
  const bool named = colon != std::string::npos && (eq == std::string::npos || colon < eq) &&
                     spec.substr(0, colon).find(',') == std::string::npos && spec.substr(0, colon) != "attn";
  std::string label = named ? spec.substr(0, colon) : spec;
  const std::string rest = named ? spec.substr(colon + 1) : spec;
  Flags f;
  size_t start = 0;
  while (start < rest.size()) {
    const size_t end = std::min(rest.find(',', start), rest.size());
    const std::string item = rest.substr(start, end - start);
    const auto e = item.find('=');
    const std::string key = item.substr(0, e), value = e == std::string::npos ? "" : item.substr(e + 1);
    if (key == "mha") f.mha = true;
    else if (key == "mqa") f.mqa = true;
    else if (key == "gqa") f.gqa = value;
    else if (key == "mla") f.mla = value;
    else if (key == "attn") f.attn = value;
    else if (key == "kv_dtype" || key == "kv-dtype") f.kv_dtype = value;
    else if (key == "weight_dtype" || key == "weight-dtype") f.weight_dtype = value;
    else if (key == "act_dtype" || key == "act-dtype") f.act_dtype = value;
    else if (key == "kv_group" || key == "kv-group") f.kv_group = value;
    else if (key == "tp") f.tp = value;
    else if (key == "kernel") f.kernel = value;
    else if (key == "page_size" || key == "page-size") f.page_size = value;
    else throw InputError(fmt::format("--design '{}': unknown key '{}' (expected mha, mqa, gqa=G, mla=R[:ROPE], attn=SPEC, kv_dtype=, "
                                      "weight_dtype=, act_dtype=, kv_group=, tp=, kernel=, page_size=)", spec, key));
    if (e == std::string::npos && key != "mha" && key != "mqa") throw InputError(fmt::format("--design '{}': '{}' needs a value", spec, key));
    start = end + 1;
  }
  if (int(f.mha) + int(f.mqa) + int(!f.gqa.empty()) + int(!f.mla.empty()) > 1)
    throw InputError(fmt::format("--design '{}': give at most one of mha, mqa, gqa, mla", spec));
  DesignChoice c = resolve_choice(f, m, nullptr);
  if (!named) label = design_label(make_design(m, c));
  return {label, c};
}

void write_output(const std::string& path, const std::string& text) {
  OutputStream out(path);
  out.write(text);
  out.commit();
}

OutputStream::OutputStream(const std::string& path) : path_(path) {
  if (path.empty() || path == "-") {
    to_stdout_ = true;
    return;
  }
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InputError(fmt::format("-o '{}': directory '{}' does not exist", path, dir.string()));
  tmp_ = (dir / fmt::format(".{}.tmp{}", target.filename().string(), static_cast<long>(::getpid()))).string();
  file_ = std::fopen(tmp_.c_str(), "wb");
  if (!file_) throw RuntimeError(fmt::format("-o '{}': cannot write the file", path));
}

OutputStream::~OutputStream() {
  if (file_) {
    std::fclose(file_);
    std::remove(tmp_.c_str());
  }
}

void OutputStream::write(const std::string& chunk) {
  std::FILE* out = to_stdout_ ? stdout : file_;
  if (std::fwrite(chunk.data(), 1, chunk.size(), out) != chunk.size())
    throw RuntimeError(fmt::format("-o '{}': write failed", to_stdout_ ? "-" : path_));
}

void OutputStream::commit() {
  if (to_stdout_) {
    std::fflush(stdout);
    return;
  }
  const bool ok = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok || std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    std::remove(tmp_.c_str());
    throw RuntimeError(fmt::format("-o '{}': cannot write the file", path_));
  }
}

}  // namespace attncost::cli
