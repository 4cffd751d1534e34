#include "model/engine.h"

#include <cmath>

#include <fmt/format.h>

#include "model/error.h"

namespace attncost {

std::string_view engine_name(EngineKind k) {
  switch (k) {
    case EngineKind::plain: return "plain";
    case EngineKind::vllm: return "vllm";
    case EngineKind::sglang: return "sglang";
    case EngineKind::trtllm: return "trtllm";
  }
  return "plain";
}

EngineKind parse_engine_kind(const std::string& text) {
  for (EngineKind k : {EngineKind::plain, EngineKind::vllm, EngineKind::sglang, EngineKind::trtllm})
    if (text == engine_name(k)) return k;
  throw InputError(fmt::format("--engine '{}': expected plain, vllm, sglang or trtllm", text));
}

void validate_engine(const EngineConfig& e) {
  if (!(e.memory_fraction >= 0) || e.memory_fraction > 1)
    throw InputError(fmt::format("--gpu-memory-utilization {}: must be a fraction in (0, 1]", e.memory_fraction));
  if (!(e.reserve_fraction >= 0) || e.reserve_fraction >= 1) throw InputError(fmt::format("--reserve {}: must be a fraction in [0, 1)", e.reserve_fraction));
  if (!(e.budget_bytes >= 0) || e.budget_bytes > 1e18) throw InputError("--budget-gb: must be a positive size");
  const uint64_t limit = uint64_t{1} << 40;
  if (e.max_num_batched_tokens > limit) throw InputError(fmt::format("--max-num-batched-tokens {}: beyond 2^40", e.max_num_batched_tokens));
  if (e.max_num_seqs > limit) throw InputError(fmt::format("--max-num-seqs {}: beyond 2^40", e.max_num_seqs));
  if (e.chunk_size > limit) throw InputError(fmt::format("--chunk-size {}: beyond 2^40", e.chunk_size));
  if (!(e.usd_per_gpu_hour >= 0) || e.usd_per_gpu_hour > 1e9) throw InputError(fmt::format("--usd-per-gpu-hour {}: must be a non-negative price", e.usd_per_gpu_hour));
}

std::string spec_text(const SpecDecode& s) {
  if (!s.on()) return "";
  return s.draft_name.empty() ? fmt::format("{}:{}", s.k, s.alpha) : fmt::format("{}:{}:{}", s.k, s.alpha, s.draft_name);
}

double SpecDecode::tokens_per_step() const {
  if (k == 0) return 1;
  if (alpha >= 1) return static_cast<double>(k + 1);
  return (1 - std::pow(alpha, static_cast<double>(k + 1))) / (1 - alpha);
}

}  // namespace attncost
