#include "estimators/candidates.h"

#include <algorithm>

#include <fmt/format.h>

namespace attncost {
namespace {

struct Sharing {
  std::string words;
  DesignChoice choice;
};

std::vector<Sharing> sharings(const ModelConfig& m) {
  std::vector<Sharing> out;
  DesignChoice mha;
  mha.sharing = KvSharing::mha;
  out.push_back({"MHA", mha});
  for (int64_t g = m.heads / 2; g >= 2; --g) {
    if (m.heads % g != 0) continue;
    // Powers of two and the model's own count: the group counts trained models use.
    if ((g & (g - 1)) != 0 && g != m.kv_heads) continue;
    DesignChoice c;
    c.sharing = KvSharing::gqa;
    c.kv_heads = g;
    out.push_back({fmt::format("GQA with {} KV heads", g), c});
  }
  DesignChoice mqa;
  mqa.sharing = KvSharing::mqa;
  out.push_back({"MQA", mqa});
  DesignChoice mla;
  mla.sharing = KvSharing::mla;
  mla.mla_rank = m.is_mla() ? m.kv_lora_rank : 512;
  out.push_back({fmt::format("MLA with a {}-wide latent", *mla.mla_rank), mla});
  return out;
}

struct PatternOption {
  std::string spec, words;
};

// `longest_ctx`: the longest prompt of any workload. A window at least that long lets every
// prompt token and the decode step at ctx attend every earlier token: it is dense there, its costs
// the baseline's within the generated tail, and listing it would only add a pattern-change risk
// to a copy of dense (docs/cost-model.md §8).
std::vector<PatternOption> patterns(const ModelConfig& m, uint64_t longest_ctx) {
  std::vector<PatternOption> out = {{"dense", "dense attention"}};
  for (uint64_t w : {uint64_t{4096}, uint64_t{8192}, uint64_t{16384}}) {
    if (w >= longest_ctx) continue;
    out.push_back({fmt::format("window:{}", w), fmt::format("a {}-token sliding window", w)});
    out.push_back({fmt::format("sinks:4+window:{}", w), fmt::format("4 sink tokens + a {}-token window", w)});
    // Local/global stacks, each also with 4 sinks per window layer (the StreamingLLM mitigation).
    for (const char* sinks : {"", "sinks:4+"}) {
      const std::string with = *sinks ? " with 4 sinks" : "";
      if (m.layers >= 2)
        out.push_back({fmt::format("{}window:{}/dense", sinks, w), fmt::format("{}-token windows{} alternating with dense layers", w, with)});
      if (m.layers >= 4)
        out.push_back({fmt::format("{}window:{}*3/dense", sinks, w), fmt::format("3 {}-token window layers{} per dense layer", w, with)});
      if (m.layers >= 8)
        out.push_back({fmt::format("{}window:{}*7/dense", sinks, w), fmt::format("7 {}-token window layers{} per dense layer", w, with)});
    }
  }
  if (longest_ctx > 8192) {
    out.push_back({"strided:128+window:1024", "a 1024-token window plus every 128th earlier key"});
    out.push_back({"block:64:local=3:global=2:random=3", "BigBird block-sparse (64-token blocks, 3 local, 2 global, 3 random)"});
  }
  out.push_back({"linear", "linear attention"});
  if (m.layers >= 4) out.push_back({"linear*3/dense", "3 linear-attention layers per dense layer"});
  if (m.layers >= 8) out.push_back({"ssm*7/dense", "7 Mamba layers per attention layer (Jamba-style)"});
  if (m.layers >= 4) out.push_back({"ssm*3/dense", "3 Mamba layers per attention layer"});
  return out;
}

std::vector<Dtype> kv_dtypes(const ModelConfig& m) {
  std::vector<Dtype> out = {m.dtype};
  for (Dtype d : {Dtype::fp8, Dtype::int8, Dtype::int4})
    if (dtype_bits(d) < dtype_bits(m.dtype)) out.push_back(d);
  return out;
}

}  // namespace

std::vector<CandidateSpec> candidate_space(const ModelConfig& m, const std::vector<Workload>& workloads, bool full) {
  uint64_t longest = 0;
  for (const auto& w : workloads) longest = std::max(longest, w.ctx);
  std::vector<CandidateSpec> out;
  if (!full) {  // single changes from the baseline
    for (const auto& s : sharings(m)) out.push_back({s.words, s.choice});
    for (const auto& p : patterns(m, longest)) {
      DesignChoice c;
      c.attn = p.spec;
      out.push_back({p.words, c});
    }
    for (Dtype d : kv_dtypes(m)) {
      DesignChoice c;
      c.kv_dtype = d;
      out.push_back({fmt::format("{} KV cache", dtype_name(d)), c});
    }
    return out;
  }
  for (const auto& s : sharings(m)) {
    for (const auto& p : patterns(m, longest)) {
      for (Dtype d : kv_dtypes(m)) {
        DesignChoice c = s.choice;
        c.attn = p.spec;
        c.kv_dtype = d;
        out.push_back({fmt::format("{}, {}, {} KV", s.words, p.words, dtype_name(d)), c});
      }
    }
  }
  return out;
}

}  // namespace attncost
