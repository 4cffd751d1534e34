// The one-line summaries of memory rule, engine capacity and serving metrics that the text and
// Markdown reports and the memo share.
#include <algorithm>

#include <fmt/format.h>

#include "reports/reports.h"

namespace attncost {

std::string budget_rule_text(const Estimate& e) {
  const EngineMemory& em = e.memory.engine;
  switch (em.kind) {
    case EngineKind::plain:
      return em.memory_fraction < 1 ? fmt::format("HBM less a {:.0f}% reserve", (1 - em.memory_fraction) * 100) : "the --budget-gb given";
    case EngineKind::vllm: return fmt::format("vLLM: {:.2f} × {} − activations − workspaces", em.memory_fraction, human_bytes(em.total_bytes));
    case EngineKind::sglang:
      return fmt::format("SGLang: {:.2f} × ({} − {} held before loading) − workspaces", em.memory_fraction, human_bytes(em.total_bytes),
                         human_bytes(em.before_load_bytes));
    case EngineKind::trtllm: return fmt::format("TensorRT-LLM: weights + {:.2f} × free memory", em.memory_fraction);
  }
  return "";
}

std::string engine_capacity_text(const EstimateInputs& in, const Estimate& e) {
  const EngineMemory& em = e.memory.engine;
  std::string out = fmt::format("{}: KV pool {} per GPU", engine_name(em.kind), human_bytes(em.kv_budget_bytes));
  if (em.activation_peak_bytes > 0) out += fmt::format(" (after an activation peak of {} at {} tokens", human_bytes(em.activation_peak_bytes), em.max_num_batched_tokens);
  if (em.activation_peak_bytes > 0 && em.runtime_buffers_bytes > 0)
    out += fmt::format(" and {} of workspaces, {} of them the C++ runtime's buffers for {} sequences)", human_bytes(em.non_torch_bytes),
                       human_bytes(em.runtime_buffers_bytes), em.max_num_seqs);
  else if (em.activation_peak_bytes > 0) out += fmt::format(" and {} of workspaces)", human_bytes(em.non_torch_bytes));
  else if (em.non_torch_bytes > 0) out += fmt::format(" (after {} of CUDA context and workspaces)", human_bytes(em.non_torch_bytes));
  if (e.memory.kv_bytes_per_token_gpu > 0) out += fmt::format(" = {:.0f} tokens", e.memory.kv_cache_tokens);
  // Checked against logs within 3% for pools of 10 GiB or more; below, the activation peak and
  // workspaces the rule subtracts are of the pool's size and errors reach ±9% (docs/cost-model.md §14).
  if (em.kind != EngineKind::plain && em.kv_budget_bytes < 10 * 1073741824.0)
    out += fmt::format(" [a pool under 10 GiB: the engine's workspace terms ({}) dominate, KV tokens uncertain]", human_bytes(em.activation_peak_bytes + em.non_torch_bytes));
  out += fmt::format("; maximum concurrency {:.2f}x for {} tokens per request", e.memory.max_concurrency, in.workload.ctx + in.workload.gen);
  if (in.workload.shared_prefix > 0)
    out += fmt::format("; shared prefix of {} tokens stored once ({})", in.workload.shared_prefix, human_bytes(e.memory.shared_kv_bytes));
  return out;
}

std::string naive_cannot_run_text(const Estimate& e) {
  return fmt::format("a naive prefill cannot run here: one layer's materialized score matrix is {} per sequence, and with the weights ({}) it exceeds "
                     "the {} budget; use the flash kernel",
                     human_bytes(e.memory.naive_scores_bytes), human_bytes(e.memory.weights_bytes), human_bytes(e.memory.budget_bytes));
}

std::string serving_text(const EstimateInputs& in, const Estimate& e) {
  const Serving& s = e.serving;
  const Workload& w = in.workload;
  // Each time to the digits its held-out band supports, the band beside it (estimators/uncertainty.h).
  const Bands& b = e.bands;
  const Band e2e = Band::widest(b.ttft, b.itl);
  // A naive prefill that cannot run has no first token: its would-be time is not printed as one.
  std::string out = !e.memory.naive_prefill_runs
                        ? std::string("TTFT none (the naive prefill cannot run; see memory)")
                        : fmt::format("TTFT {}{}", banded_time(s.ttft_s, b.ttft), s.prefill_chunks > 1 ? fmt::format(" ({} chunks of {})", s.prefill_chunks, in.design.engine.chunk_size) : "");
  if (w.shared_prefix > 0) out += fmt::format(" ({} without the prefix cache)", human_time(s.ttft_uncached_s, b.ttft));
  if (w.gen >= 2)
    out += fmt::format(", mean ITL {} over {} steps (first {}, last {})", banded_time(s.itl_mean_s, b.itl), s.decode_steps, human_time(s.itl_first_s, b.itl),
                       human_time(s.itl_last_s, b.itl));
  else
    out += fmt::format(", ITL {} (one decode step; give --gen for the mean over a generation)", banded_time(s.itl_mean_s, b.itl));
  if (!s.itl_exact) out += " [ITL sampled]";
  if (in.design.spec.on()) out += fmt::format(", {:.2f} tokens per speculative step", s.tokens_per_step);
  if (e.memory.naive_prefill_runs) out += fmt::format(", end to end {}", banded_time(s.e2e_latency_s, e2e));
  // Throughput and price hold only for a batch that runs: a batch that does not fit gets neither.
  if (!e.memory.fits)
    out += fmt::format(", no throughput or price: the batch of {} does not fit (at most {:.0f} concurrent sequences)", w.batch, e.memory.max_concurrent_sequences);
  else if (w.gen > 0)
    out += fmt::format(", {} output tokens/s per GPU, {} requests/s{}", human_rate(s.output_tokens_per_s_per_gpu, b.throughput),
                       round_significant(s.requests_per_s, std::min(3, band_digits(b.throughput))),
                       b.throughput.rel > 0 ? " (" + band_text(b.throughput) + ")" : "");
  if (e.memory.fits && s.usd_per_million_output_tokens > 0)
    out += fmt::format(", ${} per million output tokens", round_significant(s.usd_per_million_output_tokens, std::min(3, band_digits(b.throughput))));
  if (w.slo_ms > 0) out += fmt::format("; ITL target {} ms {}", w.slo_ms, s.itl_mean_s * 1e3 <= w.slo_ms ? "met" : "MISSED");
  if (w.ttft_slo_ms > 0) out += fmt::format("; TTFT target {} ms {}", w.ttft_slo_ms, s.ttft_s * 1e3 <= w.ttft_slo_ms ? "met" : "MISSED");
  if (s.overhead.any() || in.design.engine.kind != EngineKind::plain) out += "; " + engine_overhead_text(s.overhead);
  return out;
}

}  // namespace attncost
