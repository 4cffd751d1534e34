#include "cli/resolve.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "cli/key_value.h"
#include "estimators/engine_overhead.h"
#include "estimators/step_cost.h"
#include "model/error.h"
#include "model/presets.h"

namespace attncost::cli {

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
  // Fields that change a cost and were not understood: said once, on stderr, and the run goes on.
  for (const std::string& warning : m.warnings) std::fprintf(stderr, "attncost: warning: %s\n", warning.c_str());
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
  if (f.text_only) m.text_only = true, m.origin += " --text-only";
  // A new head count keeps MHA models MHA unless --kv-heads says otherwise.
  if (f.kv_heads.empty() && m.heads != heads_before && kv_before == heads_before) m.kv_heads = m.heads;
  if (changed) {
    if (m.heads % m.kv_heads != 0)
      throw InputError(fmt::format("--heads {} / --kv-heads {}: the query heads are not divisible by the KV heads", m.heads, m.kv_heads));
    validate_model(m);
  }
  return m;
}

GpuSpec resolve_gpu(const Flags& f) {
  GpuSpec g = load_gpu(f.gpu);
  for (const std::string& warning : g.warnings) std::fprintf(stderr, "attncost: warning: %s\n", warning.c_str());
  return g;
}

EngineConfig resolve_engine(const Flags& f) {
  EngineConfig e;
  e.kind = parse_engine_kind(f.engine);
  const bool plain = e.kind == EngineKind::plain;
  if (!plain && (f.has("--reserve") || !f.budget_gb.empty()))
    throw InputError(fmt::format("{}: applies to --engine plain; --engine {} sizes memory by its own rule (use --gpu-memory-utilization)",
                                 f.budget_gb.empty() ? "--reserve" : "--budget-gb", f.engine));
  if (plain && !f.gpu_memory_utilization.empty())
    throw InputError("--gpu-memory-utilization: applies to --engine vllm, sglang or trtllm (the plain engine keeps --reserve of HBM)");
  if (plain && !f.max_num_batched_tokens.empty())
    throw InputError("--max-num-batched-tokens: applies to --engine vllm, sglang or trtllm (the plain engine has no per-step token budget; "
                     "--chunk-size chunks its prefill)");
  e.reserve_fraction = parse_number(f.reserve, "--reserve", 0, 0.999999, false, "a fraction in [0, 1)");
  if (!f.budget_gb.empty()) e.budget_bytes = parse_number(f.budget_gb, "--budget-gb", 0, 1e9, true, "a positive number of GiB") * 1073741824.0;
  if (!f.gpu_memory_utilization.empty())
    e.memory_fraction = parse_number(f.gpu_memory_utilization, "--gpu-memory-utilization", 0, 1, true, "a fraction in (0, 1]");
  if (!f.max_num_batched_tokens.empty()) e.max_num_batched_tokens = parse_count(f.max_num_batched_tokens, "--max-num-batched-tokens");
  if (!f.max_num_seqs.empty()) e.max_num_seqs = parse_count(f.max_num_seqs, "--max-num-seqs");
  if (!f.chunk_size.empty()) e.chunk_size = parse_count(f.chunk_size, "--chunk-size");
  if (!f.usd_per_gpu_hour.empty())
    e.usd_per_gpu_hour = parse_number(f.usd_per_gpu_hour, "--usd-per-gpu-hour", 0, 1e6, true, "a positive price in USD");
  e.version = f.engine_version;
  if (!f.step_overhead_us.empty()) e.step_overhead_s = parse_number(f.step_overhead_us, "--step-overhead-us", 0, 1e7, false, "microseconds (≥ 0)") / 1e6;  // divided (1e-6 is inexact): the double nearest the value
  if (!f.seq_overhead_us.empty()) e.seq_overhead_s = parse_number(f.seq_overhead_us, "--seq-overhead-us", 0, 1e7, false, "microseconds (≥ 0)") / 1e6;  // divided (1e-6 is inexact): the double nearest the value
  if (!f.request_serial_ms.empty())
    e.request_serial_s = parse_number(f.request_serial_ms, "--request-serial-ms", 0, 1e7, false, "milliseconds (≥ 0)") / 1e3;
  if (!f.request_overhead_ms.empty())
    e.request_overhead_s = parse_number(f.request_overhead_ms, "--request-overhead-ms", 0, 1e7, false, "milliseconds (≥ 0)") / 1e3;
  (void)engine_overhead(e);  // an unknown --engine-version is a usage error here, listing the known releases
  return e;
}

std::vector<GpuSpec> resolve_fleet_gpus(const Flags& f, std::vector<double>& prices) {
  std::vector<GpuSpec> gpus;
  prices.clear();
  if (f.fleet_gpus.empty()) {
    gpus.push_back(resolve_gpu(f));
    if (!f.usd_per_gpu_hour.empty()) prices.push_back(parse_number(f.usd_per_gpu_hour, "--usd-per-gpu-hour", 0, 1e6, true, "a positive price in USD"));
    return gpus;
  }
  size_t priced = 0, start = 0;
  while (start <= f.fleet_gpus.size()) {
    const size_t comma = std::min(f.fleet_gpus.find(',', start), f.fleet_gpus.size());
    const std::string item = f.fleet_gpus.substr(start, comma - start);
    start = comma + 1;
    const size_t eq = item.find('=');
    const std::string name = item.substr(0, eq);
    if (name.empty()) throw InputError(fmt::format("--fleet-gpus '{}': an empty GPU name (expected NAME[=USD_PER_GPU_HOUR],...)", f.fleet_gpus));
    for (const GpuSpec& g : gpus)
      if (g.name == load_gpu(name).name) throw InputError(fmt::format("--fleet-gpus '{}': {} is listed twice", f.fleet_gpus, name));
    gpus.push_back(load_gpu(name));
    if (eq != std::string::npos) {
      prices.push_back(parse_number(item.substr(eq + 1), "--fleet-gpus (price of " + name + ")", 0, 1e6, true, "a positive price in USD per GPU-hour"));
      ++priced;
    }
  }
  if (priced != 0 && priced != gpus.size())
    throw InputError(fmt::format("--fleet-gpus '{}': give every GPU type its price or none (NAME=USD_PER_GPU_HOUR)", f.fleet_gpus));
  if (priced == 0 && !f.usd_per_gpu_hour.empty()) {
    if (gpus.size() > 1)
      throw InputError("--usd-per-gpu-hour: one price for several GPU types would rank them by count alone; price each in --fleet-gpus NAME=USD,...");
    prices.push_back(parse_number(f.usd_per_gpu_hour, "--usd-per-gpu-hour", 0, 1e6, true, "a positive price in USD"));
  }
  return gpus;
}

SpecDecode parse_spec(const std::string& text) {
  SpecDecode s;
  const auto first = text.find(':');
  if (first == std::string::npos)
    throw InputError(fmt::format("--spec '{}': expected K:ALPHA[:DRAFT_MODEL] (e.g. 4:0.7 or 4:0.7:llama-3.2-1b)", text));
  const auto second = text.find(':', first + 1);
  s.k = parse_count(text.substr(0, first), "--spec (K, drafted tokens)");
  if (s.k > 64) throw InputError(fmt::format("--spec '{}': K = {} drafted tokens is beyond 64", text, s.k));
  s.alpha = parse_number(text.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1), "--spec (ALPHA)", 0, 1, false,
                         "an acceptance rate in [0, 1]");
  if (second != std::string::npos) {
    s.draft_name = text.substr(second + 1);
    if (s.draft_name.empty()) throw InputError(fmt::format("--spec '{}': the draft model after the second ':' is empty", text));
    try {
      s.draft = std::make_shared<const ModelConfig>(load_model(s.draft_name));
    } catch (const InputError& e) {
      throw InputError(fmt::format("--spec (draft model): {}", e.what()));
    }
  }
  return s;
}

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
  if (!f.pp.empty()) c.pp = static_cast<int64_t>(parse_count(f.pp, "--pp"));
  if (!f.cp.empty()) c.cp = static_cast<int64_t>(parse_count(f.cp, "--cp"));
  if (!f.ep.empty()) c.ep = static_cast<int64_t>(parse_count(f.ep, "--ep"));
  if (!f.dp.empty()) c.dp = static_cast<int64_t>(parse_count(f.dp, "--dp"));
  if (!f.kernel.empty()) {
    if (f.kernel == "flash") c.kernel = Kernel::flash;
    else if (f.kernel == "naive") c.kernel = Kernel::naive;
    else throw InputError(fmt::format("--kernel '{}': expected flash or naive", f.kernel));
  }
  if (!f.kernels.empty()) {  // an implementation choice, not a design proposal
    const KernelsFlag k = parse_kernels_flag(f.kernels);
    c.kernels = k.family;
    if (k.gemm && *k.gemm != GemmLibrary::automatic) c.gemm_library = k.gemm;  // gemm=auto: the engine's rule
    if (k.mla) c.mla_kernel = k.mla;
  }
  // Two flags that pick the attention kernel must agree: one silently winning is a dropped flag.
  if (c.kernel && c.kernels && *c.kernels != KernelFamily::automatic && (*c.kernels == KernelFamily::naive) != (*c.kernel == Kernel::naive))
    throw InputError(fmt::format("--kernel {} contradicts --kernels {} (naive is eager attention, the others fused); give one", f.kernel, f.kernels));
  c.engine = resolve_engine(f);  // how it is served: not a design proposal either
  if (!f.spec.empty()) c.spec = parse_spec(f.spec);
  const Design d = make_design(m, c);  // validate now so the error names the flag before any work
  if (c.kv_group && !dtype_has_group_scale(d.kv_dtype))
    throw InputError(fmt::format("--kv-group {}: applies to a KV dtype stored with group scales (int8, int4); {} KV has none{}", f.kv_group,
                                 dtype_name(d.kv_dtype), d.kv_dtype == Dtype::fp4 ? " to set (NVFP4's group is 16)" : ""));
  if (given) *given = any;
  return c;
}

void check_design_runs(const Design& d, const GpuSpec& gpu, uint64_t shortest_ctx) {
  (void)kernels_for(d, gpu);  // a kernel family the GPU cannot run is a usage error
  if (!d.mla_kernel.empty()) {  // a kernel the model cannot use or the GPU has no measurement of: a dropped flag otherwise
    if (d.sharing != KvSharing::mla) throw InputError(fmt::format("--kernels mla={}: the model has no MLA attention", d.mla_kernel));
    if (d.kernel == Kernel::naive) throw InputError(fmt::format("--kernels mla={}: naive (eager) attention runs no MLA decode kernel", d.mla_kernel));
    if (!gpu.calibrated) check_mla_kernel(gpu.arch, d.mla_kernel);
  }
  const bool collectives = d.tp > 1 || d.pp > 1 || d.cp > 1 || d.ep > 1;
  if (collectives && gpu.scale_up.one_way_Bps <= 0 && gpu.scale_out.one_way_Bps <= 0)
    throw InputError(fmt::format("--tp {} --pp {} --cp {} --ep {}: the GPU profile '{}' describes no link (scale_up or scale_out one_way_Bps), so every "
                                 "collective would be free; add the links to the profile (a calibrated profile has none: copy them from the preset)",
                                 d.tp, d.pp, d.cp, d.ep, gpu.name));
  if (static_cast<uint64_t>(d.cp) > shortest_ctx)
    throw InputError(fmt::format("--cp {}: more context-parallel GPUs than the {} tokens of the context", d.cp, shortest_ctx));
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
  if (!f.ttft_slo_ms.empty()) w.ttft_slo_ms = parse_number(f.ttft_slo_ms, "--ttft-slo-ms", 0, 1e9, true, "a positive number of milliseconds");
  if (!f.shared_prefix.empty()) w.shared_prefix = parse_count(f.shared_prefix, "--shared-prefix", true);
  validate_workload(w);
  return w;
}

Workload parse_workload(const std::string& spec) {
  const KeyValueSpec kv = parse_key_values(spec, "--workload");
  Workload w;
  w.name = kv.name.empty() ? "workload" : kv.name;
  bool has_ctx = false;
  std::string prefix_key;  // prefix and shared_prefix name one key
  for (const auto& [key, value] : kv.items) {
    const std::string flag = fmt::format("--workload '{}': {}", spec, key);
    if (key == "prefix" || key == "shared_prefix" || key == "shared-prefix") {
      if (!prefix_key.empty()) throw InputError(fmt::format("--workload '{}': key '{}' is given twice (as {} and {})", spec, key, prefix_key, key));
      prefix_key = key;
    }
    if (key == "ctx") w.ctx = parse_count(value, flag), has_ctx = true;
    else if (key == "batch") w.batch = parse_count(value, flag);
    else if (key == "gen") w.gen = parse_count(value, flag, true);
    else if (key == "slo_ms" || key == "slo-ms") w.slo_ms = parse_number(value, flag, 0, 1e9, true, "a positive number of milliseconds");
    else if (key == "ttft_slo_ms" || key == "ttft-slo-ms") w.ttft_slo_ms = parse_number(value, flag, 0, 1e9, true, "a positive number of milliseconds");
    else if (key == "prefix" || key == "shared_prefix" || key == "shared-prefix") w.shared_prefix = parse_count(value, flag, true);
    else throw InputError(fmt::format("--workload '{}': unknown key '{}' (expected ctx, batch, gen, slo_ms, ttft_slo_ms, prefix)", spec, key));
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
  for (const char* flag : {"--ctx", "--batch", "--gen", "--slo-ms", "--ttft-slo-ms", "--shared-prefix"})
    if (f.has(flag))
      throw InputError(fmt::format("{} cannot be combined with --workload: give it inside each workload (e.g. --workload chat:ctx=8k,batch=32,gen=512,slo_ms=30)", flag));
  // Each workload is a full analysis (a plan of every candidate): a cap keeps a runaway list from
  // running for minutes without a word.
  constexpr size_t kMaxWorkloads = 1000;
  if (f.workloads.size() > kMaxWorkloads)
    throw InputError(fmt::format("--workload: {} workloads, more than {} in one command; split them", f.workloads.size(), kMaxWorkloads));
  std::vector<Workload> out;
  for (const auto& spec : f.workloads) {
    out.push_back(parse_workload(spec));
    for (size_t k = 0; k + 1 < out.size(); ++k)
      if (out[k].name == out.back().name) throw InputError(fmt::format("--workload '{}': the name '{}' is used twice", spec, out.back().name));
  }
  return out;
}

std::pair<std::string, DesignChoice> parse_design_spec(const std::string& spec, const ModelConfig& m, const Flags& common) {
  const KeyValueSpec kv = parse_key_values(spec, "--design", {"mha", "mqa"});
  // Every design and serving flag of the command applies to each design; a key that a flag also
  // sets is refused (which would win is not obvious), as --ctx is with --workload.
  Flags f = common;
  const bool common_sharing = common.mha || common.mqa || !common.gqa.empty() || !common.mla.empty();
  for (const auto& [key, value] : kv.items) {
    const bool sharing = key == "mha" || key == "mqa" || key == "gqa" || key == "mla";
    std::string dashed = key;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    if ((sharing && common_sharing) || (!sharing && common.has("--" + dashed)))
      throw InputError(fmt::format("--design '{}': '{}' is also given as {} for every design; give it in one place", spec, key,
                                   sharing ? "--mha, --mqa, --gqa or --mla" : "--" + dashed));
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
    if ((key == "mha" || key == "mqa") && !value.empty())
      throw InputError(fmt::format("--design '{}': '{}' takes no value", spec, key));
  }
  if (int(f.mha) + int(f.mqa) + int(!f.gqa.empty()) + int(!f.mla.empty()) > 1)
    throw InputError(fmt::format("--design '{}': give at most one of mha, mqa, gqa, mla", spec));
  const DesignChoice c = resolve_choice(f, m, nullptr);
  return {kv.name.empty() ? design_label(make_design(m, c)) : kv.name, c};
}

void check_format(const std::string& format, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (format == a) return;
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  throw InputError(fmt::format("--format '{}': expected one of {}", format, list));
}

SloSpec resolve_slo(const Flags& f, bool* given) {
  SloSpec slo;
  bool any = false;
  if (!f.slo_ttft_ms.empty()) slo.ttft_s = parse_number(f.slo_ttft_ms, "--slo-ttft-ms", 0, 1e12, true, "milliseconds") / 1e3, any = true;
  if (!f.slo_tpot_ms.empty()) slo.tpot_s = parse_number(f.slo_tpot_ms, "--slo-tpot-ms", 0, 1e12, true, "milliseconds") / 1e3, any = true;
  slo.percentile = parse_number(f.slo_percentile, "--slo-percentile", 0, 100, true, "a percentile in (0, 100]");
  if (given) *given = any;
  return slo;
}

}  // namespace attncost::cli
