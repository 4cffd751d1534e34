#include "model/design.h"

#include <fmt/format.h>

#include "model/error.h"

namespace attncost {
namespace {

KvSharing sharing_of(int64_t heads, int64_t kv_heads) {
  if (kv_heads == heads) return KvSharing::mha;
  if (kv_heads == 1) return KvSharing::mqa;
  return KvSharing::gqa;
}

}  // namespace

std::string_view sharing_name(KvSharing s) {
  switch (s) {
    case KvSharing::mha: return "mha";
    case KvSharing::gqa: return "gqa";
    case KvSharing::mqa: return "mqa";
    case KvSharing::mla: return "mla";
  }
  return "mha";
}

std::string_view kernel_name(Kernel k) { return k == Kernel::flash ? "flash" : "naive"; }

Design make_design(const ModelConfig& m, const DesignChoice& c) {
  Design d;
  if (m.is_mla()) {
    d.sharing = KvSharing::mla;
    d.kv_heads = 1;
    d.mla_rank = m.kv_lora_rank;
    d.mla_rope = m.qk_rope_head_dim;
  } else {
    d.sharing = sharing_of(m.heads, m.kv_heads);
    d.kv_heads = m.kv_heads;
  }
  if (c.sharing) {
    d.sharing = *c.sharing;
    switch (d.sharing) {
      case KvSharing::mha: d.kv_heads = m.heads; break;
      case KvSharing::mqa: d.kv_heads = 1; break;
      case KvSharing::gqa: {
        const int64_t g = c.kv_heads.value_or(m.kv_heads);
        if (g <= 0) throw InputError(fmt::format("--gqa {}: the number of KV heads must be positive", g));
        if (g > m.heads || m.heads % g != 0)
          throw InputError(fmt::format("--gqa {}: {} query heads of '{}' are not divisible by {} KV heads", g, m.heads, m.name, g));
        d.kv_heads = g;
        d.sharing = g == 1 ? KvSharing::mqa : KvSharing::gqa;  // GQA-H stays "gqa"; it costs what MHA does
        break;
      }
      case KvSharing::mla: {
        d.kv_heads = 1;
        d.mla_rank = c.mla_rank.value_or(m.is_mla() ? m.kv_lora_rank : 512);
        d.mla_rope = c.mla_rope.value_or(m.is_mla() ? m.qk_rope_head_dim : std::min<int64_t>(64, m.head_dim / 2));
        if (d.mla_rank <= 0) throw InputError(fmt::format("--mla {}: the latent rank must be positive", d.mla_rank));
        if (d.mla_rope < 0 || d.mla_rope >= m.head_dim)
          throw InputError(fmt::format("--mla {}:{}: the RoPE width must be in [0, head dim {})", d.mla_rank, d.mla_rope, m.head_dim));
        if (d.mla_rank > (int64_t{1} << 40)) throw InputError(fmt::format("--mla {}: the latent rank is beyond 2^40", d.mla_rank));
        break;
      }
    }
  }
  d.attn = parse_attn(c.attn.value_or(m.attn), c.attn ? "--attn" : "model attention");
  if (d.attn.cycle_length > static_cast<uint64_t>(m.layers))
    throw InputError(fmt::format("--attn '{}': the layer cycle has {} layers but '{}' has only {}", d.attn.text,
                                 d.attn.cycle_length, m.name, m.layers));
  d.weight_dtype = c.weight_dtype.value_or(m.dtype);
  d.weights_as_checkpoint = !c.weight_dtype.has_value();
  d.act_dtype = c.act_dtype.value_or(m.dtype);
  d.kv_dtype = c.kv_dtype.value_or(m.kv_dtype.value_or(d.act_dtype));
  d.kv_group = c.kv_group.value_or(m.head_dim);
  if (d.kv_group <= 0) throw InputError(fmt::format("--kv-group {}: must be positive", d.kv_group));
  d.kernel = c.kernel.value_or(Kernel::flash);
  d.kernels = c.kernels.value_or(KernelFamily::automatic);
  d.gemm_library = c.gemm_library;
  if (c.mla_kernel && *c.mla_kernel != "auto") d.mla_kernel = *c.mla_kernel;
  if (d.kernels == KernelFamily::naive) d.kernel = Kernel::naive;  // eager attention materializes the scores
  d.page_size = c.page_size.value_or(16);
  if (d.page_size < 0 || d.page_size > (int64_t{1} << 40)) throw InputError(fmt::format("--page-size {}: must be in [0, 2^40]", d.page_size));
  d.flash_tile_rows = c.flash_tile_rows.value_or(0);
  if (d.flash_tile_rows < 0) throw InputError(fmt::format("flash tile rows {}: must not be negative", d.flash_tile_rows));
  d.tp = c.tp.value_or(1);
  if (d.tp <= 0) throw InputError(fmt::format("--tp {}: must be positive", d.tp));
  d.pp = c.pp.value_or(1), d.cp = c.cp.value_or(1), d.ep = c.ep.value_or(1), d.dp = c.dp.value_or(1);
  for (const auto& [flag, v] : {std::pair<const char*, int64_t>{"--pp", d.pp}, {"--cp", d.cp}, {"--ep", d.ep}, {"--dp", d.dp}})
    if (v < 1 || v > 65536) throw InputError(fmt::format("{} {}: must be between 1 and 65536", flag, v));
  if (d.tp > 65536) throw InputError(fmt::format("--tp {}: must be between 1 and 65536", d.tp));
  // The product is the GPUs of one deployment; computed in double, it cannot overflow.
  if (const double gpus = static_cast<double>(d.tp) * static_cast<double>(d.pp) * static_cast<double>(d.cp) * static_cast<double>(d.dp); gpus > 1048576)
    throw InputError(fmt::format("--tp {} × --pp {} × --cp {} × --dp {} = {:.0f} GPUs: more than 2^20 in one deployment", d.tp, d.pp, d.cp, d.dp, gpus));
  if (d.pp > m.layers) throw InputError(fmt::format("--pp {}: more pipeline stages than the {} layers of '{}'", d.pp, m.layers, m.name));
  if (d.ep > 1) {
    if (m.experts <= 1) throw InputError(fmt::format("--ep {}: '{}' has no experts to spread (expert parallelism is for MoE models)", d.ep, m.name));
    if (m.experts % d.ep != 0) throw InputError(fmt::format("--ep {}: the {} experts of '{}' do not split evenly over {} GPUs", d.ep, m.experts, m.name, d.ep));
    if ((d.tp * d.cp) % d.ep != 0)
      throw InputError(fmt::format("--ep {}: expert-parallel GPUs are taken from the TP × CP group ({} GPUs); {} does not divide it", d.ep, d.tp * d.cp, d.ep));
  }
  d.engine = c.engine.value_or(EngineConfig{});
  validate_engine(d.engine);
  d.spec = c.spec.value_or(SpecDecode{});
  if (d.spec.on() && (!(d.spec.alpha >= 0) || d.spec.alpha > 1 || d.spec.k > 64))
    throw InputError(fmt::format("--spec {}:{}: K must be in [1, 64] and the acceptance rate in [0, 1]", d.spec.k, d.spec.alpha));
  if (m.heads % d.tp != 0)
    throw InputError(fmt::format("--tp {}: {} query heads of '{}' do not split evenly over {} GPUs", d.tp, m.heads, m.name, d.tp));
  auto splits = [&](int64_t heads) { return d.tp <= heads ? heads % d.tp == 0 : d.tp % heads == 0; };
  if (d.sharing != KvSharing::mla && !splits(d.kv_heads))
    throw InputError(fmt::format("--tp {}: {} KV heads neither split evenly over {} GPUs nor replicate evenly", d.tp, d.kv_heads, d.tp));
  // Layer types with a shape of their own, and mixers whose heads TP splits.
  for (const StackEntry& e : d.attn.entries) {
    const Pattern& p = e.pattern;
    if (p.has_shape_override() && d.sharing == KvSharing::mla)
      throw InputError(fmt::format("{} '{}': shape options (kv=, head=, vhead=, k_eq_v) do not apply to an MLA design", c.attn ? "--attn" : "model attention",
                                   d.attn.text));
    if (p.kv_heads) {
      const auto kv = static_cast<int64_t>(p.kv_heads);
      if (kv > m.heads || m.heads % kv != 0)
        throw InputError(fmt::format("--attn '{}': kv={}: {} query heads are not divisible by {} KV heads", d.attn.text, kv, m.heads, kv));
      if (!splits(kv)) throw InputError(fmt::format("--tp {}: kv={} of '{}' neither splits evenly over {} GPUs nor replicates evenly", d.tp, kv, d.attn.text, d.tp));
    }
    if (p.head_dim > (uint64_t{1} << 20) || p.v_head_dim > (uint64_t{1} << 20))
      throw InputError(fmt::format("--attn '{}': a head dim beyond 2^20", d.attn.text));
    if (p.kind == PatternKind::deltanet) {
      const int64_t kh = m.deltanet_key_heads > 0 ? m.deltanet_key_heads : m.kv_heads;
      const int64_t vh = m.deltanet_value_heads > 0 ? m.deltanet_value_heads : m.heads;
      if (kh % d.tp != 0 || vh % d.tp != 0)
        throw InputError(fmt::format("--tp {}: the DeltaNet layers' {} key and {} value heads do not split evenly over {} GPUs", d.tp, kh, vh, d.tp));
    }
    if (p.kind == PatternKind::mamba2 && m.mamba2_heads > 0 && m.mamba2_heads % d.tp != 0)
      throw InputError(fmt::format("--tp {}: the Mamba-2 layers' {} heads do not split evenly over {} GPUs", d.tp, m.mamba2_heads, d.tp));
  }
  return d;
}

std::string design_label(const Design& d) {
  std::string sharing;
  switch (d.sharing) {
    case KvSharing::mha: sharing = "MHA"; break;
    case KvSharing::mqa: sharing = "MQA"; break;
    case KvSharing::gqa: sharing = fmt::format("GQA-{}", d.kv_heads); break;
    case KvSharing::mla: sharing = fmt::format("MLA-{}", d.mla_rank); break;
  }
  return fmt::format("{} · {} · {} KV", sharing, attn_summary(d.attn), dtype_name(d.kv_dtype));
}

std::string attn_summary(const AttnStack& a) {
  // A per-layer list without a short cycle (Nemotron-H's 118 blocks) reads as its layer counts.
  constexpr size_t kReadable = 48;
  if (a.text.size() <= kReadable) return a.text;
  std::array<AttnStack::Use, kMaxDistinctPatterns> uses{};
  const int n = a.uses(a.cycle_length, uses);
  std::string out;
  for (int u = 0; u < n; ++u)
    out += fmt::format("{}{}×{}", out.empty() ? "" : " + ", uses[static_cast<size_t>(u)].layers, pattern_text(uses[static_cast<size_t>(u)].pattern));
  return fmt::format("[{}; {} layers per cycle]", out, a.cycle_length);
}

void validate_workload(const Workload& w) {
  const uint64_t limit = uint64_t{1} << 40;
  auto check = [&](uint64_t v, const char* flag, bool zero_ok) {
    if ((v == 0 && !zero_ok) || v > limit)
      throw InputError(fmt::format("{} {}: must be {} and at most 2^40 (1099511627776)", flag, v, zero_ok ? "≥ 0" : "≥ 1"));
  };
  check(w.ctx, "--ctx", false);
  check(w.batch, "--batch", false);
  check(w.gen, "--gen", true);
  if (w.ctx + w.gen > limit) throw InputError(fmt::format("--ctx {} + --gen {}: the sequence exceeds 2^40 tokens", w.ctx, w.gen));
  if (!(w.slo_ms >= 0) || w.slo_ms > 1e12) throw InputError(fmt::format("slo_ms {}: must be a non-negative number", w.slo_ms));
  if (!(w.ttft_slo_ms >= 0) || w.ttft_slo_ms > 1e12) throw InputError(fmt::format("ttft_slo_ms {}: must be a non-negative number", w.ttft_slo_ms));
  if (w.shared_prefix >= w.ctx && w.shared_prefix > 0)
    throw InputError(fmt::format("--shared-prefix {}: must be shorter than the prompt (--ctx {})", w.shared_prefix, w.ctx));
}

}  // namespace attncost
