// Words and charts for a MemoAnalysis. Every number is read off an Estimate the plan or the
// analysis computed with `estimate`; nothing here computes a cost.
#include "reports/memo.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "estimators/memo_analysis.h"
#include "estimators/pattern_counts.h"
#include "model/kernel_model.h"
#include "model/version.h"
#include "reports/reports.h"
#include "reports/shell_quote.h"
#include "reports/svg_chart.h"

namespace attncost {
namespace {

constexpr double kGiB = 1073741824.0;
std::string gb(double b) { return fmt::format("{:.2f} GiB", b / kGiB); }
// The bands of the memo's figures (one GPU, kernel family and engine for every design it
// names; estimators/uncertainty.h), set by render_memo: times print to the digits they support.
thread_local Bands memo_bands;
// Decode-side times (ITL, decode steps) to the digits the ITL band supports; without a band, to 0.01 ms.
std::string ms(double s) { return memo_bands.itl.rel > 0 ? human_time(s, memo_bands.itl) : fmt::format("{:.2f} ms", s * 1e3); }
// Prefill-side times to the digits the TTFT band supports; without one, three significant digits
// ("2.73 s", "159 ms"): a prediction is not good to the microsecond.
std::string secs(double t) {
  if (memo_bands.ttft.rel > 0) return human_time(t, memo_bands.ttft);
  if (t >= 1) return fmt::format("{:.3g} s", t);
  if (t >= 1e-3) return fmt::format("{:.3g} ms", t * 1e3);
  return fmt::format("{:.3g} µs", t * 1e6);
}
std::string pct(double f) { return fmt::format("{:.0f}%", f * 100); }
std::string count(double n) { return fmt::format("{:.0f}", n); }

// "3.2× less" / "2.4× more" / "the same": a ratio never printed as "0.4× less".
std::string change_words(double before, double after) {
  if (before <= 0 || after <= 0) return before == after ? "the same" : "";
  const double r = after / before;
  if (std::fabs(r - 1) < 0.005) return "the same";
  return r < 1 ? fmt::format("{:.1f}× less", 1 / r) : fmt::format("{:.1f}× more", r);
}
std::string faster_words(double before, double after) {
  if (before <= 0 || after <= 0) return "";
  const double r = after / before;
  if (std::fabs(r - 1) < 0.005) return "the same";
  return r < 1 ? fmt::format("{:.1f}× faster", 1 / r) : fmt::format("{:.1f}× slower", r);
}

std::string role_tag(const MemoAnalysis& a, const Candidate* c) {
  if (c == a.rec) return "recommended";
  if (c == a.family_pick) return "asked family";
  if (c == a.minimal) return "minimal change";
  if (c == a.runner) return "runner-up";
  if (c == a.base) return "baseline";
  if (c == a.best_linear) return "best linear/state";
  if (c == a.best_sparse) return "best sparse";
  return std::string(role_name(c->role));
}

bool has_kind(const Design& d, PatternKind k) {
  for (const StackEntry& e : d.attn.entries)
    if (e.pattern.kind == k) return true;
  return false;
}

std::string fmt_tokens_axis(double v) {
  if (v >= 1048576) return fmt::format("{:g}M", v / 1048576);
  if (v >= 1024) return fmt::format("{:g}k", v / 1024);
  return fmt::format("{:g}", v);
}
std::string fmt_gib_axis(double v) { return fmt::format("{:g} GiB", v / kGiB); }
std::string fmt_ms_axis(double v) { return fmt::format("{:g} ms", v * 1e3); }
std::string fmt_s_axis(double v) { return fmt::format("{:g} s", v); }

std::string targets(const Workload& w) {
  std::string t;
  if (w.slo_ms > 0) t += fmt::format("ITL ≤ {:g} ms", w.slo_ms);
  if (w.ttft_slo_ms > 0) t += fmt::format("{}TTFT ≤ {:g} ms", t.empty() ? "" : ", ", w.ttft_slo_ms);
  return t.empty() ? "—" : t;
}

std::string limit_words(const Limit& l) {
  if (l.unbounded) return "any (no constraint binds up to 2^40)";
  if (l.value == 0) return fmt::format("none ({})", l.binding);
  return fmt::format("{} ({})", l.value, l.binding == "memory" ? "memory" : l.binding == "slo_ms" ? "ITL target" : "TTFT target");
}

std::string risk_terms(const Risk& r) {
  std::vector<std::string> parts;
  for (auto [name, v] : {std::pair<const char*, double>{"kv_sharing", r.kv_sharing}, {"reach", r.reach}, {"early_tokens", r.early_tokens},
                         {"access", r.access}, {"state", r.state}, {"quantization", r.quantization}, {"retraining", r.retraining}, {"sinks", r.sinks}})
    if (v > 0) parts.push_back(fmt::format("`{}` {:.2f}", name, v));
  if (parts.empty()) return "no term";
  std::string out;
  for (const auto& s : parts) out += (out.empty() ? "" : " + ") + s;
  return out;
}

// The risk terms that differ between workloads, each with its value per workload: the risk is
// the worst workload's, and a reader sees which workload set it and why.
std::string risk_by_workload(const Candidate& c, const std::vector<Workload>& ws) {
  if (ws.size() < 2) return "";
  std::vector<std::string> parts;
  const Risk& r0 = c.risk_per_workload.front();
  auto field = [](const Risk& r, int i) {
    const double v[] = {r.kv_sharing, r.reach, r.early_tokens, r.access, r.state, r.quantization, r.retraining, r.sinks};
    return v[i];
  };
  static const char* const names[] = {"kv_sharing", "reach", "early_tokens", "access", "state", "quantization", "retraining", "sinks"};
  for (int i = 0; i < 8; ++i) {
    bool differs = false;
    for (const Risk& r : c.risk_per_workload) differs = differs || std::fabs(field(r, i) - field(r0, i)) >= 0.005;
    if (!differs) continue;
    std::string t = fmt::format("`{}`", names[i]);
    for (size_t k = 0; k < ws.size(); ++k) t += fmt::format("{} {} {:.2f}", k == 0 ? "" : ",", ws[k].name, field(c.risk_per_workload[k], i));
    parts.push_back(t);
  }
  if (parts.empty()) return "";
  std::string out = "Risk terms that differ between workloads (the worst workload's count): ";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "; " : "") + parts[i];
  return out + ". The same design on the same workload scores the same in every memo.";
}

// Throughput holds only for a batch that runs.
std::string tokens_per_s(const Estimate& e) { return e.memory.fits ? count(e.serving.output_tokens_per_s_per_gpu) : "none (the batch does not fit)"; }

// The memo's view of one design on one workload: the numbers a reader compares.
std::string serving_cells(const Estimate& e, const Workload& w) {
  std::string s = fmt::format("{}{}, ITL {}, TTFT {}", gb(e.memory.total_bytes), e.memory.fits ? "" : " (does not fit)", ms(e.serving.itl_mean_s),
                              secs(e.serving.ttft_s));
  if (w.gen > 0 && e.memory.fits) s += fmt::format(", {} tok/s/GPU", count(e.serving.output_tokens_per_s_per_gpu));
  return s;
}

}  // namespace

std::string workload_flags(const Workload& w) {
  std::string s = fmt::format("--ctx {} --batch {}", w.ctx, w.batch);
  if (w.gen > 0) s += fmt::format(" --gen {}", w.gen);
  if (w.slo_ms > 0) s += fmt::format(" --slo-ms {:g}", w.slo_ms);
  if (w.ttft_slo_ms > 0) s += fmt::format(" --ttft-slo-ms {:g}", w.ttft_slo_ms);
  if (w.shared_prefix > 0) s += fmt::format(" --shared-prefix {}", w.shared_prefix);
  return s;
}

std::string design_flags(const ModelConfig& m, const Design& d) {
  std::string s;
  switch (d.sharing) {
    case KvSharing::mha: s = "--mha"; break;
    case KvSharing::gqa: s = fmt::format("--gqa {}", d.kv_heads); break;
    case KvSharing::mqa: s = "--mqa"; break;
    case KvSharing::mla: s = fmt::format("--mla {}:{}", d.mla_rank, d.mla_rope); break;
  }
  s += fmt::format(" --attn '{}' --kv-dtype {}", d.attn.text, dtype_name(d.kv_dtype));
  if (!d.weights_as_checkpoint) s += fmt::format(" --weight-dtype {}", dtype_name(d.weight_dtype));
  if (d.act_dtype != m.dtype) s += fmt::format(" --act-dtype {}", dtype_name(d.act_dtype));
  if (d.kv_group != m.head_dim) s += fmt::format(" --kv-group {}", d.kv_group);
  if (d.tp != 1) s += fmt::format(" --tp {}", d.tp);
  if (d.pp != 1) s += fmt::format(" --pp {}", d.pp);
  if (d.cp != 1) s += fmt::format(" --cp {}", d.cp);
  if (d.ep != 1) s += fmt::format(" --ep {}", d.ep);
  if (d.dp != 1) s += fmt::format(" --dp {}", d.dp);
  if (d.kernel != Kernel::flash) s += " --kernel naive";
  if (d.kernels != KernelFamily::automatic && d.kernels != KernelFamily::naive) s += fmt::format(" --kernels {}", kernel_family_name(d.kernels));
  if (d.page_size != 16) s += fmt::format(" --page-size {}", d.page_size);
  const EngineConfig& e = d.engine;
  if (e.kind != EngineKind::plain) s += fmt::format(" --engine {}", engine_name(e.kind));
  if (e.kind == EngineKind::plain && e.budget_bytes > 0) s += fmt::format(" --budget-gb {:g}", e.budget_bytes / kGiB);
  if (e.kind == EngineKind::plain && e.budget_bytes <= 0 && e.reserve_fraction != 0.05) s += fmt::format(" --reserve {:g}", e.reserve_fraction);
  if (e.memory_fraction > 0) s += fmt::format(" --gpu-memory-utilization {:g}", e.memory_fraction);
  if (e.max_num_batched_tokens > 0) s += fmt::format(" --max-num-batched-tokens {}", e.max_num_batched_tokens);
  if (e.max_num_seqs > 0) s += fmt::format(" --max-num-seqs {}", e.max_num_seqs);
  if (e.chunk_size > 0) s += fmt::format(" --chunk-size {}", e.chunk_size);
  if (e.usd_per_gpu_hour > 0) s += fmt::format(" --usd-per-gpu-hour {:g}", e.usd_per_gpu_hour);
  if (!e.version.empty()) s += fmt::format(" --engine-version {}", e.version);
  if (e.step_overhead_s >= 0) s += fmt::format(" --step-overhead-us {}", e.step_overhead_s * 1e6);
  if (e.seq_overhead_s >= 0) s += fmt::format(" --seq-overhead-us {}", e.seq_overhead_s * 1e6);
  if (e.request_overhead_s >= 0) s += fmt::format(" --request-overhead-ms {}", e.request_overhead_s * 1e3);
  if (e.request_serial_s >= 0) s += fmt::format(" --request-serial-ms {}", e.request_serial_s * 1e3);
  if (d.spec.on()) s += fmt::format(" --spec {}", spec_text(d.spec));
  return s;
}

std::vector<std::string> memo_chart_names(const std::vector<Workload>& workloads, const std::string& stem) {
  std::vector<std::string> out;
  for (const Workload& w : workloads) {
    out.push_back(fmt::format("{}-memory-{}.svg", stem, w.name));
    out.push_back(fmt::format("{}-itl-{}.svg", stem, w.name));
    out.push_back(fmt::format("{}-ttft-{}.svg", stem, w.name));
  }
  out.push_back(stem + "-fit.svg");
  return out;
}

namespace {

// Writes one memo, section by section: each section a member function over the same inputs and
// analysis (the names the sections use are members, so a section reads as it did inline).
class MemoWriter {
 public:
  MemoWriter(const ModelConfig& m_, const GpuSpec& gpu_, const PlanResult& p_, const std::string& chart_stem_, const std::string& command_)
      : m(m_), gpu(gpu_), p(p_), chart_stem(chart_stem_), command(command_), a(analyze_memo(m_, gpu_, p_)), base(*a.base), rec(*a.rec),
        longest(p_.workloads[a.longest]), bl(base.per_workload[a.longest]),
        // Paths as the shell reads them back: a space or ';' in a path must not break or inject.
        gpu_name(gpu_.origin.empty() ? "h100-sxm" : gpu_.origin), gpu_flag(shell_quoted(gpu_name)), model_flag(shell_quoted(m_.origin.empty() ? m_.name : m_.origin)),
        priced(rec.design.engine.usd_per_gpu_hour > 0) {}

  Memo write() {
    memo_bands = bl.bands;
    opening();
    situation();
    what_numbers_explain();
    why();
    options();
    recommendation();
    family_answer();
    sparse_or_linear();
    mqa_vs_gqa();
    mitigations();
    how_sure();
    monitoring();
    charts();
    appendix();
    return std::move(memo);
  }

 private:
  std::string cmd(const Design& d, const Workload& w) const {
    return fmt::format("attncost estimate --model {} --gpu {} {} {}", model_flag, gpu_flag, design_flags(m, d), workload_flags(w));
  }

  // The title, provenance, terms and bands, and the answer first.
  void opening() {
    doc.title = fmt::format("Attention design memo: {} on {}", m.name, gpu.name);

    // Provenance and the assumptions in one line.
    doc.paragraph(fmt::format(
        "_Written by attncost {}. Every figure is computed by `attncost estimate`; the appendix lists the commands that reproduce them. "
        "Memory is per GPU against {} ({} for weights + KV); times are predictions of {}, not measurements. Section 6 lists what is "
        "assumed and how the answer moves with it._",
        kVersion, budget_rule_text(bl), gb(p.budget_bytes), kernels_text(bl, gpu)));

    doc.paragraph("_Terms: **TTFT** (time to first token) = the prefill of one request's prompt on a free GPU, until its first output token; "
                  "**ITL** (inter-token latency) = the time between two generated tokens of one sequence, here its mean over the generation at the "
                  "workload's batch; **TPOT** (time per output token after the first) = that mean ITL. Every figure is at the workload's batch unless "
                  "a batch is named._");
    doc.paragraph("_Bands: " + bands_text(bl.bands) + "; times are printed to the digits their band supports._");
    // The answer first.
    if (a.nothing_broken) {
      doc.paragraph(fmt::format("**Recommendation: keep {}.** The model as it is meets every constraint of every workload; nothing needs to change.",
                                base.label));
    } else {
      doc.paragraph(fmt::format("**Recommendation: {}** — {}.", rec.label, rec.change));
      if (a.minimal && a.minimal != &rec)
        doc.paragraph(fmt::format("**Minimal change: {}** — {}; it changes {} of KV sharing, pattern and KV dtype and already meets every "
                                  "constraint. What the recommendation buys beyond it is in section 4.",
                                  a.minimal->label, a.minimal->change, changed_dimensions(a.minimal->design, base.design)));
      else if (a.minimal == &rec)
        doc.paragraph("It is also the minimal change: no design that changes fewer of KV sharing, pattern and KV dtype meets every constraint.");
    }
    if (!a.family.empty()) {
      if (a.family_pick == &rec)
        doc.paragraph(fmt::format("**Asked for a {} design:** the recommendation is one — the best {} design and the best design overall coincide.",
                                  a.family, a.family));
      else if (a.family_pick)
        doc.paragraph(fmt::format("**Asked for a {0} design: {1}** — {2}; the best {0} design meeting every constraint (rank {3} of {4}, score {5:.3f} "
                                  "against {6:.3f} for the unconstrained best). Section 4 sets it beside the minimal change and the unconstrained best; "
                                  "section 5 computes its mitigations.",
                                  a.family, a.family_pick->label, a.family_pick->change, a.family_pick->rank, p.feasible_count, a.family_pick->score,
                                  rec.score));
      else
        doc.paragraph(fmt::format("**Asked for a {} design: none meets every constraint.** {}", a.family,
                                  a.family_closest ? fmt::format("The closest, {}, fails: {}.", a.family_closest->label, a.family_closest->infeasible_reason)
                                                   : "The candidate space holds none."));
    }
    {
      std::vector<std::string> items;
      for (size_t k = 0; k < p.workloads.size(); ++k) {
        const Workload& w = p.workloads[k];
        const Estimate& b = base.per_workload[k];
        const Estimate& r = rec.per_workload[k];
        if (a.nothing_broken)
          items.push_back(fmt::format("**{}** (ctx {}, batch {}): {} of the {} budget, mean ITL {}, TTFT {}; {:.0f} such sequences fit.", w.name, w.ctx,
                                      w.batch, gb(b.memory.total_bytes), gb(b.memory.budget_bytes), ms(b.serving.itl_mean_s), secs(b.serving.ttft_s),
                                      base.max_sequences[k]));
        else
          items.push_back(fmt::format("**{}** (ctx {}, batch {}): memory {} → {} of a {} budget; mean ITL {} → {}; TTFT {} → {}; sequences within "
                                      "the budget {:.0f} → {:.0f}.",
                                      w.name, w.ctx, w.batch, gb(b.memory.total_bytes), gb(r.memory.total_bytes), gb(r.memory.budget_bytes),
                                      ms(b.serving.itl_mean_s), ms(r.serving.itl_mean_s), secs(b.serving.ttft_s), secs(r.serving.ttft_s),
                                      base.max_sequences[k], rec.max_sequences[k]));
      }
      doc.bullets(items);
    }
  }

  // 1. The situation of the baseline on each workload.
  void situation() {
    // 1. Situation.
    doc.heading(1, "1. The situation");
    doc.paragraph(fmt::format("**Model** {}: {} layers, {} query heads, {} KV heads of width {}, hidden {}, MLP {}, vocabulary {}, {} parameters in {}; "
                              "its own attention `{}` ({}){}.",
                              m.name, m.layers, m.heads, m.kv_heads, m.head_dim, m.hidden, m.ffn, m.vocab, human_count(bl.params), dtype_name(m.dtype),
                              m.attn, sharing_name(base.design.sharing),
                              m.max_position > 0 ? fmt::format("; trained for {} positions (max_position_embeddings)", m.max_position) : ""));
    doc.paragraph(fmt::format("**GPU** {}: {} of HBM at {:.2f} TB/s, {:.0f} TFLOP/s dense {} ({}). **Memory budget** for weights + KV cache per GPU: "
                              "{} ({}).",
                              gpu.name, gb(gpu.hbm_bytes), gpu.hbm_bandwidth_Bps / 1e12, gpu.matmul_flops(base.design.act_dtype) / 1e12,
                              dtype_name(base.design.act_dtype), gpu.source, gb(p.budget_bytes), budget_rule_text(bl)));
    {
      std::vector<std::string> header = {"workload", "context", "batch", "generated", "targets", "baseline memory", "fits", "TTFT", "mean ITL",
                                         "tok/s per GPU"};
      if (priced) header.push_back("USD per M tokens");
      for (const char* h : {"KV share of decode bytes", "sequences within budget", "largest batch meeting every target"}) header.push_back(h);
      std::vector<bool> numeric(header.size(), true);
      numeric[0] = numeric[4] = numeric[6] = false;
      std::vector<std::vector<std::string>> rows;
      for (const WorkloadSituation& s : a.situations) {
        const Workload& w = p.workloads[s.index];
        const Estimate& b = base.per_workload[s.index];
        std::vector<std::string> row = {w.name, count(static_cast<double>(w.ctx)), count(static_cast<double>(w.batch)), count(static_cast<double>(w.gen)),
                                        targets(w), fmt::format("{} (weights {} + KV {})", gb(b.memory.total_bytes), gb(b.memory.weights_bytes), gb(b.memory.kv_bytes)),
                                        s.fits ? "yes" : "**no**", secs(b.serving.ttft_s), ms(b.serving.itl_mean_s),
                                        !s.fits ? "— (does not fit)" : w.gen > 0 ? count(b.serving.output_tokens_per_s_per_gpu) : "—"};
        if (priced)
          row.push_back(s.fits && b.serving.usd_per_million_output_tokens > 0 ? fmt::format("{:.3f}", b.serving.usd_per_million_output_tokens) : "—");
        row.push_back(pct(s.kv_read_share));
        row.push_back(count(base.max_sequences[s.index]));
        row.push_back(limit_words(s.base_limit));
        rows.push_back(std::move(row));
      }
      doc.table(header, numeric, rows);
    }
    doc.paragraph(a.nothing_broken ? "**What breaks:** nothing." : "**What breaks:**");
    {
      std::vector<std::string> items;
      for (const WorkloadSituation& s : a.situations) {
        const Workload& w = p.workloads[s.index];
        const Estimate& b = base.per_workload[s.index];
        if (!s.fits) {
          std::string t = fmt::format("**{}**: the KV cache alone is {} for {} sequence(s) of {} tokens; with {} of weights the baseline needs {} "
                                      "against a {} budget — it does not fit. {}.",
                                      w.name, gb(b.memory.kv_bytes), w.batch, w.ctx + w.gen, gb(b.memory.weights_bytes), gb(b.memory.total_bytes),
                                      gb(b.memory.budget_bytes), s.fitting_batch == 0 ? "Not even one sequence fits" : fmt::format("{} sequence(s) do", s.fitting_batch));
          if (s.at_fitting_batch && w.slo_ms > 0) {
            const double itl = s.at_fitting_batch->serving.itl_mean_s;
            t += itl * 1e3 <= w.slo_ms
                     ? fmt::format(" At those {} its mean ITL is {}, within the {:g} ms target: the problem is capacity, not latency.", s.fitting_batch,
                                   ms(itl), w.slo_ms)
                     : fmt::format(" Even at those {} its mean ITL is {}, over the {:g} ms target: both capacity and latency.", s.fitting_batch,
                                   ms(itl), w.slo_ms);
          }
          items.push_back(t);
        } else if (!s.itl_ok) {
          items.push_back(fmt::format("**{}**: it fits, but its mean ITL of {} misses the {:g} ms target: latency, not capacity.", w.name,
                                      ms(b.serving.itl_mean_s), w.slo_ms));
        }
        if (!s.ttft_ok)
          items.push_back(fmt::format("**{}**: the time to first token, {}, misses the {:g} ms target.", w.name, secs(b.serving.ttft_s), w.ttft_slo_ms));
        if (s.kv_read_share > 0.5)
          items.push_back(fmt::format("**{}**: a decode step moves {} of which {} ({}) are KV-cache reads: decode is bound by KV bandwidth, so the "
                                      "step grows with the context ({} at the first generated token, {} at the last).",
                                      w.name, gb(b.decode.hbm_bytes), gb(b.decode.kv_read_bytes), pct(s.kv_read_share), ms(b.serving.itl_first_s),
                                      ms(b.serving.itl_last_s)));
      }
      if (a.nothing_broken) items.insert(items.begin(), "Every workload fits and meets its targets; the options below only buy headroom.");
      doc.bullets(items);
    }
  }

  // What the numbers can and cannot explain.
  void what_numbers_explain() {
    // What the numbers can and cannot explain.
    {
      std::vector<std::string> items = {
          "They explain memory and time: where the bytes and the milliseconds go, and what each design changes. They cannot explain answer "
          "quality; a smaller cache buys capacity and speed, not better answers."};
      std::string beyond;
      for (const WorkloadSituation& s : a.situations)
        if (s.beyond_trained_context) {
          const Workload& w = p.workloads[s.index];
          beyond += fmt::format("{}**{}** runs {} tokens ({:.1f}× beyond)", beyond.empty() ? "" : "; ", w.name, w.ctx + w.gen,
                                static_cast<double>(w.ctx + w.gen) / static_cast<double>(m.max_position));
        }
      if (!beyond.empty())
        items.push_back(fmt::format("The model was trained for {} positions and {}: positions it never saw in training. Quality lost there is expected "
                                    "whatever the attention design; check a long-context variant of the model or a RoPE extension (position "
                                    "interpolation, Chen et al. 2023; YaRN, Peng et al. 2023) before changing attention.",
                                    m.max_position, beyond));
      if (p.require_early_recall || longest.ctx >= 16384)
        items.push_back("Even within their trained length, dense models use evidence at the start and end of a long input best and in the middle "
                        "worst (\"Lost in the Middle\", Liu et al. 2023, TACL 2024). A regression that links an early detail to a late section "
                        "under dense attention is not caused by the KV cache; measure retrieval by depth (section 7) before attributing it to "
                        "the attention design.");
      doc.paragraph("**What these numbers can and cannot explain.**");
      doc.bullets(items);
    }
  }

  // 2. Why: where the bytes and the time go.
  void why() {
    // 2. Why.
    const Shape s = shape_of(m, base.design, 1);
    doc.heading(1, "2. Why: where the memory and the time go");
    doc.paragraph(fmt::format(
        "In each of the {} layers, every token's hidden state x (width {}) is projected to a query q = x·W_Q ({} heads × {}), a key k = x·W_K and "
        "a value v = x·W_V ({} KV heads × {}). Query i scores every key j it may see: s_ij = q_i·k_j / √{} (the scaling keeps the logits' variance "
        "independent of the head width). The causal mask sets s_ij = −∞ for j > i — and, for a sparse pattern, for every pair outside the "
        "pattern — _before_ the softmax, so masked keys get exactly zero weight; the softmax then normalizes each row, p_ij = exp(s_ij) / Σ_j' "
        "exp(s_ij'), and the head's output is o_i = Σ_j p_ij v_j, the heads concatenated and projected by W_O.",
        m.layers, m.hidden, m.heads, s.d_k, base.design.kv_heads, s.d_k, s.d_k));
    doc.paragraph(fmt::format(
        "**Why the cache grows.** A generated token's query needs the keys and values of every earlier token it attends, and recomputing them "
        "would cost a full prefill per step, so they are kept: {} KV heads × ({} + {}) values × {:g} bytes = {} per token per layer, {} per token "
        "over the {} layers. The cache grows linearly with the context: at {} tokens one sequence holds {}, and a decode step must read all of "
        "it ({} of the {} a step moves at **{}**), which is why the step grows with the context while the weights' share stays fixed.",
        base.design.kv_heads, s.d_k, s.d_v, dtype_bits(base.design.kv_dtype) / 8.0, human_bytes(kv_bytes_per_token_layer(s, base.design)),
        human_bytes(bl.kv.bytes_per_token), m.layers, longest.ctx, gb(bl.kv.bytes_per_sequence), gb(bl.decode.kv_read_bytes), gb(bl.decode.hbm_bytes),
        longest.name));
    {
      const double scores = a.naive_scores_bytes;
      std::string t = fmt::format(
          "**The n×n scores of a naive prefill.** An eager implementation materializes S = QKᵀ and P = softmax(S) for the whole prompt: {}² × {} "
          "heads × {:g} bytes = {} per layer and sequence at {} tokens, written and read twice (S, then P). ",
          longest.ctx, m.heads, dtype_bits(base.design.act_dtype) / 8.0, gb(scores), longest.ctx);
      if (!a.naive_prefill)
        t += fmt::format("That does not fit this GPU at all — one layer's S alone is {:.1f}× the {} budget — so a naive prefill of **{}** cannot run "
                         "here; ",
                         scores / bl.memory.budget_bytes, gb(bl.memory.budget_bytes), longest.name);
      else
        t += fmt::format("With `--kernel naive` the prefill of **{}** (whole batch) moves {} and takes {}; ", longest.name, human_bytes(a.naive_prefill->prefill.hbm_bytes),
                         secs(a.naive_prefill->prefill.time_s));
      t += fmt::format("a tiled, fused (flash) kernel keeps S and P on chip: the prefill of the whole batch of {} prompts moves {} in {} (TTFT of one "
                       "request on a free GPU: {}).",
                       longest.batch, human_bytes(bl.prefill.hbm_bytes), secs(bl.prefill.time_s), secs(bl.serving.ttft_s));
      doc.paragraph(t);
    }
  }

  // 3. Options, one row per family.
  void options() {
    // 3. Options, one row per family.
    doc.heading(1, "3. The options");
    doc.paragraph(fmt::format(
        "{} candidate designs were estimated (KV sharing × attention pattern × KV dtype); {} meet every constraint. The table shows one row per "
        "family (KV sharing × pattern) with its best KV dtype and the number of dtype variants estimated, plus the baseline, the minimal change, "
        "the recommendation and the runner-up. Score = risk + 0.25·log2(cost), lower is better (section 4 says what the risk is and is not).",
        p.candidates.size(), p.feasible_count));
    {
      std::vector<std::string> header = {"rank", "design", "role", "dtypes"};
      for (const Workload& w : p.workloads)
        for (const char* what : {"memory", "mean ITL", "max batch"}) header.push_back(fmt::format("{} {}", what, w.name));
      for (const char* h : {"TTFT", "direct-access layers", "early recall", "risk", "score", "note"}) header.push_back(h);
      header[header.size() - 6] = fmt::format("TTFT {}", longest.name);
      std::vector<bool> numeric(header.size(), true);
      numeric[1] = numeric[2] = numeric[header.size() - 4] = numeric[header.size() - 1] = false;
      std::vector<std::vector<std::string>> rows;
      for (const FamilyRow& f : a.families) {
        const Candidate& c = *f.shown;
        std::vector<std::string> row = {c.rank > 0 ? count(c.rank) : "—", c.label, f.tag.empty() ? std::string(role_name(c.role)) : f.tag,
                                        count(f.members)};
        for (size_t k = 0; k < p.workloads.size(); ++k) {
          const Estimate& e = c.per_workload[k];
          row.push_back(gb(e.memory.total_bytes) + (e.memory.fits ? "" : " ✗"));
          row.push_back(ms(e.serving.itl_mean_s));
          row.push_back(seqs_cell(c.max_batch[k]));
        }
        const Quality& q = c.per_workload[a.longest].quality;
        row.push_back(secs(c.per_workload[a.longest].serving.ttft_s));
        row.push_back(fmt::format("{:.0f} of {}", q.full_access_layers, m.layers));
        row.push_back(q.early_recall ? "yes" : q.softmax_layers == 0 ? "no (state only)" : fmt::format("no ({:.0f}-layer gap)", q.longest_gap_layers));
        row.push_back(fmt::format("{:.2f}", c.risk.total()));
        row.push_back(fmt::format("{:.3f}", c.score));
        row.push_back(c.feasible ? c.change : "infeasible: " + c.infeasible_reason);
        rows.push_back(std::move(row));
      }
      doc.table(header, numeric, rows);
    }
    doc.paragraph("✗: does not fit the budget. Max batch: the largest batch of the workload's shape meeting memory and every target, with the "
                  "one that binds (mem, ITL or TTFT). Direct-access layers: layers whose last query attends every earlier token itself. Early recall: every "
                  "band of 8 consecutive layers holds such a layer (docs/cost-model.md §7); attention sinks keep token 0 visible but do not "
                  "count, and a fixed state summarizes every token but attends none.");
    if (!chart_stem.empty()) {
      memo.charts.reserve(3 * p.workloads.size() + 1);
    }
  }

  // 4. The recommendation and what it buys.
  void recommendation() {
    // 4. Recommendation.
    doc.heading(1, "4. Recommendation");
    if (a.nothing_broken) {
      doc.paragraph(fmt::format("**Keep {}.** It meets every constraint; every alternative changes a trained model (retraining) or its numerics for "
                                "headroom nobody asked for.",
                                base.label));
      if (a.runner) {
        std::vector<std::string> items;
        for (size_t k = 0; k < p.workloads.size(); ++k) {
          const Estimate& b = base.per_workload[k];
          const Estimate& r = a.runner->per_workload[k];
          items.push_back(fmt::format("{}: KV cache {} → {} per GPU ({}), mean ITL {} → {} ({}), sequences within the budget {:.0f} → {:.0f}.",
                                      p.workloads[k].name, gb(b.memory.kv_bytes), gb(r.memory.kv_bytes), change_words(b.memory.kv_bytes, r.memory.kv_bytes),
                                      ms(b.serving.itl_mean_s), ms(r.serving.itl_mean_s), faster_words(b.serving.itl_mean_s, r.serving.itl_mean_s),
                                      base.max_sequences[k], a.runner->max_sequences[k]));
        }
        doc.paragraph(fmt::format("If headroom becomes necessary, the best-scoring change is **{}** ({}; risk {:.2f}: {}):", a.runner->label, a.runner->change,
                                  a.runner->risk.total(), risk_terms(a.runner->risk)));
        doc.bullets(items);
      }
    } else {
      doc.paragraph(fmt::format("**{}** ({}), for all workloads together: score {:.3f} = risk {:.3f} ({}) + 0.25·log2(cost {:.3f}).", rec.label, rec.change,
                                rec.score, rec.risk.total(), risk_terms(rec.risk), rec.cost));
      if (const std::string diff = risk_by_workload(rec, p.workloads); !diff.empty()) doc.paragraph(diff);
      std::vector<std::string> items;
      for (size_t k = 0; k < p.workloads.size(); ++k) {
        const Estimate& b = base.per_workload[k];
        const Estimate& r = rec.per_workload[k];
        items.push_back(fmt::format("{}: KV cache {} → {} per GPU ({}), mean ITL {} → {} ({}, {}-bound), TTFT {} → {}, concurrent sequences within the "
                                    "budget {:.0f} → {:.0f}{}.",
                                    p.workloads[k].name, gb(b.memory.kv_bytes), gb(r.memory.kv_bytes), change_words(b.memory.kv_bytes, r.memory.kv_bytes),
                                    ms(b.serving.itl_mean_s), ms(r.serving.itl_mean_s), faster_words(b.serving.itl_mean_s, r.serving.itl_mean_s),
                                    bound_name(r.decode.bound), secs(b.serving.ttft_s), secs(r.serving.ttft_s), base.max_sequences[k],
                                    rec.max_sequences[k],
                                    p.workloads[k].gen > 0 ? fmt::format(", {} → {} output tokens/s per GPU", tokens_per_s(b), tokens_per_s(r)) : ""));
      }
      doc.bullets(items);
      if (a.minimal && a.minimal != &rec) {
        std::vector<std::string> beyond;
        for (size_t k = 0; k < p.workloads.size(); ++k) {
          const Estimate& mn = a.minimal->per_workload[k];
          const Estimate& r = rec.per_workload[k];
          beyond.push_back(fmt::format("{}: memory {} vs {} ({}), mean ITL {} vs {} ({}), TTFT {} vs {} ({}), sequences within the budget {:.0f} vs {:.0f}.",
                                       p.workloads[k].name, gb(mn.memory.total_bytes), gb(r.memory.total_bytes),
                                       change_words(mn.memory.total_bytes, r.memory.total_bytes), ms(mn.serving.itl_mean_s), ms(r.serving.itl_mean_s),
                                       faster_words(mn.serving.itl_mean_s, r.serving.itl_mean_s), secs(mn.serving.ttft_s), secs(r.serving.ttft_s),
                                       faster_words(mn.serving.ttft_s, r.serving.ttft_s), a.minimal->max_sequences[k], rec.max_sequences[k]));
        }
        doc.paragraph(fmt::format("**Against the minimal change.** {} ({}) meets every constraint with {} change(s) and risk {:.2f} ({}). The recommendation "
                                  "(risk {:.2f}) buys, minimal change vs recommendation:",
                                  a.minimal->label, a.minimal->change, changed_dimensions(a.minimal->design, base.design), a.minimal->risk.total(),
                                  risk_terms(a.minimal->risk), rec.risk.total()));
        doc.bullets(beyond);
        doc.paragraph("Take the minimal change when retraining or new numerics are the scarce resource; take the recommendation when the headroom "
                      "above is worth its added structural risk.");
      }
    }
    if (!a.retraining.empty()) {
      std::vector<std::string> items;
      for (const auto& [c, r] : a.retraining) {
        if (r.fraction <= 0) {
          items.push_back(fmt::format("{} ({}): none — a KV precision change applies to the trained model as it is.", c->label, role_tag(a, c)));
          continue;
        }
        std::string amount = m.pretraining_tokens > 0
                                 ? fmt::format("{} tokens ≈ {} {} GPU-hours", human_count(r.tokens), count(r.gpu_hours), m.pretraining_hardware)
                                 : fmt::format("{:g}% of the pre-training compute (this model's pre-training is not in its preset)", 100 * r.fraction);
        items.push_back(fmt::format("{} ({}): {} — {}.", c->label, role_tag(a, c), amount, r.basis));
      }
      doc.paragraph(fmt::format("**Retraining before serving**{}:", m.pretraining_tokens > 0
                                                                     ? fmt::format(" ({} pre-trained on {} tokens in {} {} GPU-hours, as its authors report)",
                                                                                   m.name, human_count(m.pretraining_tokens), count(m.pretraining_gpu_hours),
                                                                                   m.pretraining_hardware)
                                                                     : ""));
      doc.bullets(items);
    }
  }

  // The asked family beside the minimal change and the unconstrained best.
  void family_answer() {
    // The family answer beside the minimal change and the unconstrained best.
    if (a.family_pick && a.family_pick != &rec) {
      std::vector<const Candidate*> cols = {a.minimal, a.family_pick, &rec};
      std::vector<std::string> header = {"", "design", "changes", "retraining"};
      for (const Workload& w : p.workloads)
        for (const char* what : {"memory", "mean ITL", "TTFT", "max batch"}) header.push_back(fmt::format("{} {}", what, w.name));
      for (const char* h : {"early recall", "risk", "score"}) header.push_back(h);
      std::vector<bool> numeric(header.size(), true);
      numeric[0] = numeric[1] = numeric[3] = numeric[header.size() - 3] = false;
      std::vector<std::vector<std::string>> rows;
      for (const Candidate* c : cols) {
        if (!c) continue;
        const char* tag = c == a.minimal ? "minimal change" : c == &rec ? "unconstrained best" : "asked family";
        std::vector<std::string> row = {tag, c->label, count(changed_dimensions(c->design, base.design)), c->risk.retraining > 0 ? "yes" : "no"};
        bool recall = true;
        for (size_t k = 0; k < p.workloads.size(); ++k) {
          const Estimate& e = c->per_workload[k];
          row.push_back(gb(e.memory.total_bytes));
          row.push_back(ms(e.serving.itl_mean_s));
          row.push_back(secs(e.serving.ttft_s));
          row.push_back(seqs_cell(c->max_batch[k]));
          recall = recall && e.quality.early_recall;
        }
        row.push_back(recall ? "yes" : "no");
        row.push_back(fmt::format("{:.2f}", c->risk.total()));
        row.push_back(fmt::format("{:.3f}", c->score));
        rows.push_back(std::move(row));
      }
      doc.paragraph(fmt::format("**The {} answer.** {} ({}) against the minimal change and the unconstrained best, every figure an `attncost estimate` "
                                "(appendix); risk {:.2f} = {}:",
                                a.family, a.family_pick->label, a.family_pick->change, a.family_pick->risk.total(), risk_terms(a.family_pick->risk)));
      doc.table(header, numeric, rows);
      if (const std::string diff = risk_by_workload(*a.family_pick, p.workloads); !diff.empty()) doc.paragraph(diff);
    }
  }

  // Sparse or linear, answered explicitly.
  void sparse_or_linear() {
    // Sparse or linear: answered explicitly.
    {
      std::string t =
          "**Sparse or linear attention?** They change different parts of the attention-weight computation. A sparse pattern keeps the softmax "
          "exact but removes pairs: masked scores are set to −∞ before the softmax, so each row normalizes over fewer keys, cost and cache "
          "shrink with the pattern, and a dependency longer than the pattern's reach must be relayed through intermediate tokens across "
          "layers — early tokens vanish unless sinks, global tokens or dense layers keep them. Linear attention removes the softmax: exp(q·k) "
          "becomes a kernel φ(q)·φ(k), so the products can be reordered as φ(Q)(φ(K)ᵀV) — prefill becomes linear in n and decode carries a "
          "fixed F × d_v state per head instead of a growing cache; but weights are no longer normalized over explicit pairs, all history is "
          "summed into that state, and recalling one early detail is exactly what such states do worst (Arora et al. 2023, Zoology; Jelassi "
          "et al. 2024); Mamba's selective state makes the state input-dependent but keeps its size. ";
      const Estimate* es = a.best_sparse ? &a.best_sparse->per_workload[a.longest] : nullptr;
      const Estimate* el = a.best_linear ? &a.best_linear->per_workload[a.longest] : nullptr;
      if (a.sparse_vs_linear == "sparse")
        t += fmt::format("**Here: sparse.** The best sparse design, {}, {} at **{}** with {} of KV, and {} early recall ({:.0f} of {} layers attend every "
                         "token directly); the best linear/state design, {}, {} (risk {:.2f} vs {:.2f}).",
                         a.best_sparse->label, a.best_sparse->feasible ? "meets every constraint" : "does not meet every constraint", longest.name,
                         gb(es->memory.kv_bytes), es->quality.early_recall ? "keeps" : "loses", es->quality.full_access_layers, m.layers,
                         a.best_linear ? a.best_linear->label : "none",
                         a.best_linear ? (a.best_linear->feasible ? "meets them too but scores worse" : "fails: " + a.best_linear->infeasible_reason) : "",
                         a.best_sparse->risk.total(), a.best_linear ? a.best_linear->risk.total() : 0.0);
      else if (a.sparse_vs_linear == "linear")
        t += fmt::format("**Here: linear/state.** The best linear/state design, {}, meets every constraint with a constant {} state per sequence "
                         "and {} of KV at **{}**; the best sparse design, {}, {} (risk {:.2f} vs {:.2f}).",
                         a.best_linear->label, human_bytes(el->kv.state_bytes_per_sequence), gb(el->memory.kv_bytes), longest.name,
                         a.best_sparse ? a.best_sparse->label : "none",
                         a.best_sparse ? (a.best_sparse->feasible ? "meets them too but scores worse" : "fails: " + a.best_sparse->infeasible_reason) : "",
                         a.best_linear->risk.total(), a.best_sparse ? a.best_sparse->risk.total() : 0.0);
      else
        t += "**Here: neither** meets every constraint; see the options table for what each breaks.";
      if (!has_kind(rec.design, PatternKind::window) && !has_kind(rec.design, PatternKind::sinks) && rec.design.attn.text == "dense")
        t += fmt::format(" The recommendation nevertheless keeps dense attention: {}", rec.design.kv_dtype != base.design.kv_dtype || rec.design.kv_heads != base.design.kv_heads
                                                                                        ? "KV sharing and precision alone meet the constraints, without cutting any pair or compressing history."
                                                                                        : "it meets the constraints without cutting any pair or compressing history.");
      doc.paragraph(t);
      if (a.best_sparse && a.best_sparse != &rec && a.best_sparse != a.family_pick)
        if (const std::string diff = risk_by_workload(*a.best_sparse, p.workloads); !diff.empty())
          doc.paragraph(fmt::format("For the best sparse design, {}: {}", a.best_sparse->label, diff));
    }
  }

  // MQA vs GQA with the recommended pattern and dtype.
  void mqa_vs_gqa() {
    // MQA vs GQA with the recommended pattern and dtype.
    {
      std::string t =
          "**MQA vs GQA.** Sharing one K/V head among a group of query heads divides the cache and the decode KV reads by the group size while "
          "every query head still attends with its own query, so attention FLOPs do not change. MQA (one KV head) saves the most but forces all "
          "heads to read the same keys and values; GQA with about one KV head per eight query heads recovers close-to-MHA quality at near-MQA "
          "speed and can be uptrained from an MHA checkpoint with ~5% of the pre-training compute (Ainslie et al. 2023, Table 1: T5-XXL average "
          "47.2 MHA, 47.1 GQA-8, 46.6 MQA).";
      const Design& rd = rec.design;
      if (rd.sharing != KvSharing::mla) {
        const Candidate* same_mqa = nullptr;
        for (const Candidate& c : p.candidates)
          if (c.design.sharing == KvSharing::mqa && c.design.attn.text == rd.attn.text && c.design.kv_dtype == rd.kv_dtype) same_mqa = &c;
        if (same_mqa && same_mqa != &rec) {
          const Estimate& x = rec.per_workload[a.longest];
          const Estimate& y = same_mqa->per_workload[a.longest];
          t += fmt::format(" At **{}**, the recommendation ({}) needs {} of KV and a {} mean ITL; {} needs {} and {} — MQA's extra saving is {} and {}, "
                           "for risk {:.2f} instead of {:.2f}.",
                           longest.name, rec.label, gb(x.memory.kv_bytes), ms(x.serving.itl_mean_s), same_mqa->label, gb(y.memory.kv_bytes),
                           ms(y.serving.itl_mean_s), gb(x.memory.kv_bytes - y.memory.kv_bytes), ms(x.serving.itl_mean_s - y.serving.itl_mean_s),
                           same_mqa->risk.total(), rec.risk.total());
        }
      }
      doc.paragraph(t);
    }
    if (!a.colocations.empty()) {
      std::vector<std::string> items;
      for (const Colocation& c : a.colocations) {
        const Workload& dw = p.workloads[c.decoding];
        const Workload& pw = p.workloads[c.prefilling];
        std::string t = fmt::format("**{}** decoding next to **{}** prefills: one whole {}-token prompt takes {}, so a decode step of {} that waits for it "
                                    "takes {} + {} — far over its {:g} ms ITL target. ",
                                    dw.name, pw.name, pw.ctx, secs(c.prefill_s), dw.name, ms(c.itl_s), secs(c.prefill_s), dw.slo_ms);
        if (c.chunk > 0)
          t += fmt::format("Chunked prefill (`--chunk-size {}`, the largest power of two that keeps the target) interleaves one chunk of {} per step: "
                           "{}'s ITL ≈ {} + {} = {}, within target; {}'s TTFT becomes about {} ({} chunks, each after one decode step; {} alone). ",
                           c.chunk, secs(c.chunk_s), dw.name, ms(c.itl_s), ms(c.chunk_s), ms(c.itl_s + c.chunk_s), pw.name,
                           secs(c.ttft_chunked_s), c.chunks, secs(c.prefill_s));
        else
          t += "No chunk down to 128 tokens keeps the target: chunked prefill alone does not suffice. ";
        t += fmt::format("Or disaggregate: prefill {} on separate GPUs and send each sequence's KV ({}) to the decode GPUs — the decode GPUs then "
                         "never stall, for the prefill GPUs' cost and the transfer.",
                         pw.name, human_bytes(c.kv_transfer_bytes));
        items.push_back(t);
      }
      doc.paragraph(fmt::format("**Serving the workloads together.** Each workload above is sized as if it had the GPU alone; on shared GPUs, {}:",
                                a.subject == &rec ? "the recommendation" : a.subject->label));
      doc.bullets(items);
    }
    doc.paragraph(
        "**The risk score is a stated policy, not a measurement.** Each term is a weight chosen from published evidence, printed so a reviewer can "
        "disagree with one and see what changes (docs/cost-model.md §8): `kv_sharing` (fewer than one KV head per 8 query heads; GQA paper), "
        "`reach` (context no path through the layers reaches, 0.4 at most), `access` (0.1 × the share of (layer, prompt token) pairs no "
        "softmax layer attends directly: windowing 24 of 32 layers to 4096 tokens costs 0.04 at an 8k prompt and 0.07 at 128k; small because "
        "Gemma-2 alternates local and global layers 1:1 with a 4096-token window and Gemma-3 uses 5 local per global layer with a 1024-token "
        "window with minimal perplexity change), "
        "`early_tokens` (0.3 unless every band of 8 consecutive layers holds a layer that attends every earlier token directly — sinks do not "
        "count), `sinks` (StreamingLLM, Xiao et al. 2023: windowed attention collapses once the first tokens leave the window, and keeping 4 "
        "sink tokens restores the softmax, not retrieval), `state` (fixed-size states recall worse), `quantization` (KIVI, KVQuant: small, "
        "measurable loss at 4 bits) and `retraining` (changing the sharing or the pattern of a trained model needs uptraining). Every term "
        "depends on the design and the workload only, so a design scores the same on the same workload in every memo; `--require "
        "early-recall` removes designs that break the early-recall rule, it does not reweigh the others.");
  }

  // 5. Mitigations.
  void mitigations() {
    // 5. Mitigations.
    doc.heading(1, "5. Keeping long-range quality");
    {
      const Candidate& sub = *a.subject;
      const Quality& rq = sub.per_workload[a.longest].quality;
      const std::string who = &sub == &rec ? "The recommendation" : fmt::format("The {} answer, {},", a.family, sub.label);
      std::string intro;
      if (has_kind(sub.design, PatternKind::sinks))
        intro = fmt::format("{} already keeps 4 attention sinks in its {:.0f} window layers ({:.1f} KiB of KV per sequence): the StreamingLLM mitigation "
                            "is adopted — it keeps the softmax stable once the first tokens leave the window, and it does not make an early detail "
                            "retrievable. ",
                            who, a.window_layers, a.sink_bytes / 1024);
      intro += fmt::format("At **{}** it attends every token directly in {:.0f} of {} layers; early recall (a layer attending every earlier token in every "
                           "band of 8) is {}.",
                           longest.name, rq.full_access_layers, m.layers,
                           rq.early_recall ? "met" : fmt::format("not met ({:.0f} consecutive layers attend no early token directly)", rq.longest_gap_layers));
      if (a.window > 0) {
        std::string reach;
        for (const Workload& w : p.workloads)
          reach += fmt::format("{}{} ({:.0f}% of its {}-token prompt)", reach.empty() ? "" : ", ", w.name,
                               100 * std::min(1.0, static_cast<double>(a.window) / static_cast<double>(w.ctx)), w.ctx);
        intro += fmt::format(" Its {}-token window reaches {}; the receptive field through the stack, L·w = {} × {} = {} tokens, {} the {}-token prompt of "
                             "**{}** — a relay across layers, not a direct read.",
                             a.window, reach, m.layers, a.window, count(a.receptive_field),
                             a.receptive_field >= static_cast<double>(longest.ctx) ? "covers" : "does not cover", longest.ctx, longest.name);
      }
      intro += a.mitigations.empty() ? " No further mitigation applies."
                                     : fmt::format(" Further mitigations, each estimated on every workload (Δ vs {}):", &sub == &rec ? "the recommendation" : sub.label);
      doc.paragraph(intro);
      if (!a.mitigations.empty()) {
        std::vector<std::string> header = {"mitigation", "design"};
        for (const Workload& w : p.workloads) header.push_back(fmt::format("memory {} (Δ)", w.name)), header.push_back(fmt::format("mean ITL {} (Δ)", w.name));
        for (const char* h : {"direct-access layers", "early recall", "meets every constraint"}) header.push_back(h);
        std::vector<bool> numeric(header.size(), true);
        numeric[0] = numeric[1] = numeric[header.size() - 2] = numeric[header.size() - 1] = false;
        std::vector<std::vector<std::string>> rows;
        std::vector<std::string> sides;
        for (const Mitigation& v : a.mitigations) {
          std::vector<std::string> row = {v.name, design_label(v.design)};
          for (size_t k = 0; k < p.workloads.size(); ++k) {
            const Estimate& e = v.est[k];
            const Estimate& r = sub.per_workload[k];
            row.push_back(fmt::format("{} ({:+.2f} GiB)", gb(e.memory.total_bytes), (e.memory.total_bytes - r.memory.total_bytes) / kGiB));
            const double itl_change = e.serving.itl_mean_s - r.serving.itl_mean_s;
            row.push_back(fmt::format("{} ({}{})", ms(e.serving.itl_mean_s), itl_change < 0 ? "−" : "+", ms(std::fabs(itl_change))));
          }
          row.push_back(fmt::format("{:.0f} of {}", v.est[a.longest].quality.full_access_layers, m.layers));
          row.push_back(v.early_recall ? "yes" : "no");
          row.push_back(v.meets_all ? "yes" : "**no**");
          rows.push_back(std::move(row));
          sides.push_back(fmt::format("**{}**: {}.", v.name, v.side_effects));
        }
        doc.table(header, numeric, rows);
        doc.paragraph("Side effects, computed:");
        doc.bullets(sides);
      }
    }
  }

  // 6. How sure: bands, assumptions and sensitivity.
  void how_sure() {
    // 6. How sure.
    doc.heading(1, "6. How sure: sensitivity and assumptions");
    {
      std::vector<std::string> items;
      if (a.runner && !a.nothing_broken)
        items.push_back(fmt::format("The runner-up, {}, scores {:.3f} against {:.3f} (a gap of {:.3f}); {}.", a.runner->label, a.runner->score, rec.score,
                                    a.runner_gap, a.runner_flip.empty() ? "no single risk term flips the order" : a.runner_flip));
      for (const Flip& f : a.flips)
        items.push_back(fmt::format("{}, the pick would be **{}** ({}).", f.condition, f.pick->label, f.pick->change));
      for (size_t k = 0; k < p.workloads.size(); ++k) {
        const Workload& w = p.workloads[k];
        for (const BatchSensitivity& b : a.batches[k])
          items.push_back(fmt::format("**{}** at batch {} instead of {}: baseline {}; {} {}.", w.name, b.batch, w.batch, serving_cells(b.base, w),
                                      a.nothing_broken ? "(the same design)" : "recommendation", a.nothing_broken ? "" : serving_cells(b.rec, w)));
        const Estimate& r = rec.per_workload[k];
        const Estimate& pk = a.rec_at_peak[k];
        items.push_back(fmt::format("**{}** kernel efficiency: the mean ITL is {} with the kernel model; {} at 100% of the datasheet peaks (`--kernels "
                                    "peak`), {} if kernels reach 70% of what the model assumes.",
                                    w.name, ms(r.serving.itl_mean_s), ms(pk.serving.itl_mean_s), ms(r.serving.itl_mean_s / 0.7)));
      }
      doc.paragraph("**Sensitivity.**");
      doc.bullets(items);
      {
        const Candidate& sub = *a.subject;
        doc.paragraph(fmt::format(
            "**Capacity depends on the engine.** This memo sizes memory by the {} rule ({}; `--engine` changes it). {} under each engine's rule, "
            "at each workload's batch — sequences within the budget and mean ITL with the engine's own per-step overhead{}:",
            engine_name(a.engines.front().kind), budget_rule_text(sub.per_workload.front()), sub.label,
            has_kind(sub.design, PatternKind::sinks) ? " (vLLM allocates sink + window layers at full length, so this design holds fewer sequences there)" : ""));
        std::vector<std::string> header = {"engine", "budget per GPU"};
        for (const Workload& w : p.workloads) header.push_back(fmt::format("sequences {}", w.name)), header.push_back(fmt::format("mean ITL {}", w.name));
        std::vector<bool> numeric(header.size(), true);
        numeric[0] = false;
        std::vector<std::vector<std::string>> rows;
        for (const EngineCapacity& ec : a.engines) {
          std::vector<std::string> row = {std::string(engine_name(ec.kind)) + (&ec == &a.engines.front() ? " (this memo)" : ""),
                                          gb(ec.est.front().memory.budget_bytes)};
          for (const Estimate& e : ec.est) row.push_back(count(e.memory.max_concurrent_sequences)), row.push_back(ms(e.serving.itl_mean_s));
          rows.push_back(std::move(row));
        }
        doc.table(header, numeric, rows);
      }
      const EngineMemory& em = bl.memory.engine;
      std::vector<std::string> assumptions = {
          fmt::format("Memory budget: {} = {} per GPU for weights + KV{}.", budget_rule_text(bl), gb(p.budget_bytes),
                      em.kind == EngineKind::plain ? "; activations, workspaces, CUDA graphs and the CUDA context live in the reserve and are not counted one by one"
                                                   : fmt::format("; the engine's activation peak ({}) and workspaces ({}) are subtracted", gb(em.activation_peak_bytes),
                                                                 gb(em.non_torch_bytes))),
          fmt::format("KV pages of {} tokens (paged attention); a shared prompt prefix is stored once only when the workload declares one.", rec.design.page_size),
          fmt::format("Times: {}; per operator max(compute, memory) plus launches; no queueing, TTFT is that of a request that finds the GPU free.",
                      kernels_text(bl, gpu)),
          "The batch of each workload is the user's; section 1 gives the largest batch each target allows.",
          "Quality is represented by structural proxies and the stated risk policy above, never by a predicted accuracy."};
      doc.paragraph("**Assumptions.**");
      doc.bullets(assumptions);
    }
  }

  // 7. Monitoring and validation.
  void monitoring() {
    // 7. Monitoring and validation.
    doc.heading(1, "7. What to monitor, and how to check these numbers");
    {
      std::vector<std::string> items = {fmt::format("Retrieval at every depth of the longest context ({} tokens): needle-in-a-haystack and multi-hop questions that "
                                                    "link an early detail to a late section, against the baseline at depths 0–100%.",
                                                    longest.ctx)};
      const Design& rd = rec.design;
      if (has_kind(rd, PatternKind::window) || has_kind(rd, PatternKind::sinks))
        items.push_back("Perplexity as a function of position beyond the window, and answers whose evidence lies in the first tokens.");
      if (rd.sharing != base.design.sharing || rd.kv_heads != base.design.kv_heads)
        items.push_back("Standard benchmark deltas after uptraining to the new KV sharing (the GQA paper gives the recipe and the expected gap).");
      if (rd.kv_dtype != base.design.kv_dtype)
        items.push_back(fmt::format("Logit and perplexity drift of the {} KV cache against {} at the longest context.", dtype_name(rd.kv_dtype),
                                    dtype_name(base.design.kv_dtype)));
      items.push_back("In production: the engine's reported KV capacity and preemptions against section 1's numbers, TTFT and ITL percentiles per workload.");
      doc.bullets(items);
      doc.paragraph("On the target GPU the probe times real kernels against these predictions, calibrates a profile, and the same plan re-runs on "
                    "measured ceilings:");
      std::string again = command.empty() ? fmt::format("attncost plan --model {}", model_flag) : command;
      // The re-run reads the calibrated profile instead of the preset, and prints to the terminal.
      for (const char* drop : {" --format md", " --format html", " --format json", " --format csv"}) {
        const size_t at = again.find(drop);
        if (at != std::string::npos) again.erase(at, std::string(drop).size());
      }
      erase_option(again, " -o ");
      erase_option(again, " --gpu ");
      doc.code(fmt::format("attncost probe --suite quick --check --tolerance 0.25\nattncost probe --calibrate -o {0}\n{1} --gpu {0}",
                           shell_quoted(gpu_name + "-profile.json"), again));
    }
  }

  // The charts.
  void charts() {
    // Charts.
    if (!chart_stem.empty()) {
      doc.heading(1, "Charts");
      const std::vector<const Candidate*>& shown = a.charted;
      const auto names = memo_chart_names(p.workloads, chart_stem);
      for (size_t k = 0; k < p.workloads.size(); ++k) {
        const Workload& w = p.workloads[k];
        LineChart mem, itl, ttft;
        mem.title = fmt::format("Memory per GPU vs context — {} (batch {}, +{} generated)", w.name, w.batch, w.gen);
        mem.y_label = "memory per GPU, weights + KV (GiB)", mem.format_y = fmt_gib_axis, mem.y_unit = kGiB;
        itl.title = fmt::format("Mean inter-token latency vs context — {} (batch {})", w.name, w.batch);
        itl.y_label = "mean ITL (ms)", itl.format_y = fmt_ms_axis, itl.y_unit = 1e-3;
        ttft.title = fmt::format("Time to first token vs context — {} (one request on a free GPU)", w.name);
        ttft.y_label = "TTFT (s)", ttft.format_y = fmt_s_axis, ttft.y_unit = 1;
        for (LineChart* c : {&mem, &itl, &ttft}) c->x_label = "context (tokens)", c->format_x = fmt_tokens_axis, c->log_x = false, c->x_unit = 1024;
        mem.h_lines.push_back({base.per_workload[k].memory.budget_bytes, fmt::format("budget {}", gb(base.per_workload[k].memory.budget_bytes))});
        if (w.slo_ms > 0) itl.h_lines.push_back({w.slo_ms / 1e3, fmt::format("ITL target {:g} ms", w.slo_ms)});
        if (w.ttft_slo_ms > 0) ttft.h_lines.push_back({w.ttft_slo_ms / 1e3, fmt::format("TTFT target {:g} ms", w.ttft_slo_ms)});
        for (LineChart* c : {&mem, &itl, &ttft})
          c->x_markers.push_back({static_cast<double>(w.ctx), fmt::format("{} ctx {}", w.name, fmt_tokens_axis(static_cast<double>(w.ctx)))});
        // Every design its own series (colour, dash and marker); one that lies within 1% of an
        // earlier one says so in the legend instead of vanishing into it.
        std::vector<Series> ms_, is_, ts_;
        for (const DesignCurve& dc : a.curves[k]) {
          Series sm{fmt::format("{} ({})", dc.design->label, role_tag(a, dc.design)), {}, {}}, si = sm, st = sm;
          for (const CurvePoint& pt : dc.points) {
            sm.points.emplace_back(pt.ctx, pt.memory_bytes), sm.feasible.push_back(pt.fits);
            si.points.emplace_back(pt.ctx, pt.itl_s), si.feasible.push_back(pt.fits);
            st.points.emplace_back(pt.ctx, pt.ttft_s), st.feasible.push_back(pt.fits);
          }
          auto close = [](const Series& x, const Series& y) {
            for (size_t i = 0; i < x.points.size(); ++i)
              if (std::fabs(x.points[i].second - y.points[i].second) > 0.01 * std::max(std::fabs(x.points[i].second), 1e-300)) return false;
            return true;
          };
          for (auto [list, series] : {std::pair{&ms_, &sm}, std::pair{&is_, &si}, std::pair{&ts_, &st}}) {
            for (const Series& earlier : *list)
              if (close(earlier, *series)) {
                series->name += " — within 1% of " + earlier.name.substr(0, earlier.name.find(" ("));
                break;
              }
            list->push_back(*series);
          }
        }
        mem.series = ms_, itl.series = is_, ttft.series = ts_;
        mem.note = itl.note = ttft.note = "Each point is an `attncost estimate` at that context with the workload's batch and generated tokens.";
        memo.charts.push_back({names[3 * k], render_line_chart(mem)});
        memo.charts.push_back({names[3 * k + 1], render_line_chart(itl)});
        memo.charts.push_back({names[3 * k + 2], render_line_chart(ttft)});
        doc.image(names[3 * k], fmt::format("Memory per GPU vs context, {}", w.name), memo.charts[memo.charts.size() - 3].svg);
        doc.image(names[3 * k + 1], fmt::format("Mean inter-token latency vs context, {}", w.name), memo.charts[memo.charts.size() - 2].svg);
        doc.image(names[3 * k + 2], fmt::format("Time to first token vs context, {}", w.name), memo.charts.back().svg);
      }
      BarChart fit;
      fit.title = "Memory per GPU at each workload", fit.x_label = "memory per GPU (GiB)", fit.limit = p.budget_bytes;
      fit.limit_label = fmt::format("budget {}", gb(p.budget_bytes)), fit.format_x = fmt_gib_axis, fit.tick_unit = kGiB;
      for (size_t k = 0; k < p.workloads.size(); ++k) {
        bool first = true;
        for (const Candidate* c : shown) {
          const Memory& e = c->per_workload[k].memory;
          fit.bars.push_back({fmt::format("{} ({})", c->label, role_tag(a, c)), {{"weights", e.weights_bytes}, {"KV cache", e.kv_bytes}},
                              fmt::format("{} — {}", gb(e.total_bytes), e.fits ? "fits" : "does not fit"), c == a.rec});
          fit.group_breaks.push_back(first ? fmt::format("{} (ctx {}, batch {})", p.workloads[k].name, p.workloads[k].ctx, p.workloads[k].batch) : "");
          first = false;
        }
      }
      memo.charts.push_back({names.back(), render_bar_chart(fit)});
      doc.image(names.back(), "Memory per GPU at each workload against the budget", memo.charts.back().svg);
    }
  }

  // Appendix: inputs, reproduction commands and formulas.
  void appendix() {
    // Appendix.
    doc.heading(1, "Appendix: inputs and formulas");
    if (!command.empty()) {
      std::string shown = command;  // the output path as its file name: the memo does not depend on where it was written
      const size_t o = shown.find(" -o ");
      if (o != std::string::npos) {
        const size_t start = o + 4, end = shown.find(' ', start);
        const std::string path = shown.substr(start, end == std::string::npos ? std::string::npos : end - start);
        const size_t slash = path.rfind('/');
        if (slash != std::string::npos) shown.replace(start, path.size(), path.substr(slash + 1));
      }
      doc.paragraph(fmt::format("This memo: `{}`.", shown));
    }
    doc.paragraph("Each design's numbers are reproduced by:");
    {
      std::string lines;
      std::vector<const Candidate*> listed;
      for (const Candidate* c : {a.base, a.proposed, a.minimal, a.rec, a.runner, a.family_pick})
        if (c && std::find(listed.begin(), listed.end(), c) == listed.end()) {
          listed.push_back(c);
          for (const Workload& w : p.workloads) lines += fmt::format("{}   # {}, {}\n", cmd(c->design, w), role_tag(a, c), w.name);
        }
      doc.code(lines);
    }
    {
      const Design& rd = rec.design;
      const Shape rs = shape_of(m, rd, 1);
      const Estimate& re = rec.per_workload[a.longest];
      std::vector<std::string> items = {
          fmt::format("KV bytes per token per softmax layer = {} = {} B; Σ over layers = {} per token; per sequence = Σ_layers cached(n) × bytes + states = {}.",
                      rd.sharing == KvSharing::mla ? fmt::format("(r + rope)·b = ({} + {})·{:g}", rd.mla_rank, rd.mla_rope, dtype_bits(rd.kv_dtype) / 8.0)
                                                   : fmt::format("G·(d_k + d_v)·b(kv) = {}·({:g} + {:g})·{:g}", rd.kv_heads, rs.d_k, rs.d_v, dtype_bits(rd.kv_dtype) / 8.0),
                      kv_bytes_per_token_layer(rs, rd), human_bytes(re.kv.bytes_per_token), human_bytes(re.kv.bytes_per_sequence))};
      for (int u = 0; u < re.use_count; ++u) {
        const auto& use = re.uses[static_cast<size_t>(u)];
        items.push_back(fmt::format("`{}` × {} layers: cached tokens {}, prefill pairs per head Σ_i pairs(i) = {}, decode pairs per head pairs(n−1) = {}.",
                                    pattern_text(use.pattern), use.layers, cached_tokens(use.pattern, longest.ctx),
                                    human_count(to_double(prefill_pairs(use.pattern, longest.ctx))), decode_pairs(use.pattern, longest.ctx)));
      }
      items.push_back(fmt::format("Attention FLOPs = 2·pairs·(d_k + d_v) summed over heads, layers and batch: prefill {}, decode step {}.",
                                  human_count(re.prefill.attention_flops), human_count(re.decode.attention_flops)));
      items.push_back(fmt::format("Decode step at ctx bytes = weights {} + KV read {} + KV write {} + activations {} = {}; time Σ_ops max(compute, memory) + "
                                  "launches = {}; mean ITL over the {} generated tokens {} (exact sum over every step, docs/cost-model.md §13).",
                                  human_bytes(re.decode.weight_bytes), human_bytes(re.decode.kv_read_bytes), human_bytes(re.decode.kv_write_bytes),
                                  human_bytes(re.decode.act_bytes), human_bytes(re.decode.hbm_bytes), ms(re.decode.time_s), longest.gen,
                                  ms(re.serving.itl_mean_s)));
      items.push_back(fmt::format("Memory per GPU = weights {} + B × allocated KV per sequence {} (pages of {} tokens) = {} vs a budget of {} ({}).",
                                  gb(re.memory.weights_bytes), human_bytes(re.memory.kv_bytes_per_sequence), rd.page_size, gb(re.memory.total_bytes),
                                  gb(re.memory.budget_bytes), budget_rule_text(re)));
      doc.bullets(items);
    }
    doc.paragraph("Every formula, its assumptions and its source: `docs/cost-model.md`.");
  }

  const ModelConfig& m;
  const GpuSpec& gpu;
  const PlanResult& p;
  const std::string& chart_stem;
  const std::string& command;
  const MemoAnalysis a;
  const Candidate& base;
  const Candidate& rec;
  const Workload& longest;
  const Estimate& bl;
  const std::string gpu_name, gpu_flag, model_flag;
  const bool priced;
  Memo memo;
  Doc& doc = memo.doc;
};

}  // namespace

Memo render_memo(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p, const std::string& chart_stem, const std::string& command) {
  return MemoWriter(m, gpu, p, chart_stem, command).write();
}

nlohmann::json memo_analysis_json(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p) {
  using nlohmann::json;
  const MemoAnalysis a = analyze_memo(m, gpu, p);
  auto risk = [](const Risk& r) {
    return json{{"total", r.total()}, {"kv_sharing", r.kv_sharing}, {"reach", r.reach}, {"early_tokens", r.early_tokens}, {"access", r.access},
                {"state", r.state},   {"quantization", r.quantization}, {"retraining", r.retraining}, {"sinks", r.sinks}};
  };
  auto retraining = [&](const Candidate* c) -> json {
    for (const auto& [x, r] : a.retraining)
      if (x == c) return {{"fraction_of_pretraining", r.fraction}, {"tokens", r.tokens > 0 ? json(r.tokens) : json(nullptr)},
                          {"gpu_hours", r.gpu_hours > 0 ? json(r.gpu_hours) : json(nullptr)}, {"hardware", m.pretraining_hardware}, {"basis", r.basis}};
    return nullptr;
  };
  auto design = [&](const Candidate* c) -> json {
    if (!c) return nullptr;
    json per = json::array();
    for (size_t k = 0; k < p.workloads.size(); ++k) {
      const Estimate& e = c->per_workload[k];
      per.push_back({{"workload", p.workloads[k].name}, {"memory_total_bytes", e.memory.total_bytes}, {"fits", e.memory.fits},
                     {"itl_mean_s", e.serving.itl_mean_s}, {"ttft_s", e.serving.ttft_s}, {"max_batch", c->max_batch[k].value},
                     {"max_batch_binding", c->max_batch[k].unbounded ? "none up to 2^40" : c->max_batch[k].binding},
                     {"early_recall", e.quality.early_recall}, {"risk", risk(c->risk_per_workload[k])}});
    }
    return {{"label", c->label}, {"change", c->change}, {"family", family_name(design_family(c->design))}, {"rank", c->rank}, {"score", c->score},
            {"risk", risk(c->risk)}, {"cost", c->cost}, {"changed_dimensions", changed_dimensions(c->design, a.base->design)},
            {"retraining", retraining(c)}, {"per_workload", per}};
  };
  json out;
  out["recommended"] = design(a.rec);
  out["keep_baseline"] = a.nothing_broken;
  out["minimal_change"] = design(a.minimal);
  if (!a.family.empty())
    out["family"] = {{"asked", a.family}, {"pick", design(a.family_pick)},
                     {"closest", a.family_closest ? json{{"label", a.family_closest->label}, {"why_not", a.family_closest->infeasible_reason}} : json(nullptr)}};
  json mit = json::array();
  for (const Mitigation& v : a.mitigations) {
    json per = json::array();
    for (size_t k = 0; k < p.workloads.size(); ++k)
      per.push_back({{"workload", p.workloads[k].name}, {"memory_total_bytes", v.est[k].memory.total_bytes}, {"itl_mean_s", v.est[k].serving.itl_mean_s}});
    mit.push_back({{"name", v.name}, {"design", design_label(v.design)}, {"side_effects", v.side_effects}, {"meets_every_constraint", v.meets_all},
                   {"early_recall", v.early_recall}, {"per_workload", per}});
  }
  out["mitigations"] = {{"for", a.subject->label}, {"sink_bytes_per_sequence", a.sink_bytes}, {"window", a.window},
                        {"receptive_field_tokens", a.receptive_field}, {"options", mit}};
  json flips = json::array();
  for (const Flip& f : a.flips) flips.push_back({{"condition", f.condition}, {"pick", f.pick->label}});
  json batches = json::array();
  for (size_t k = 0; k < p.workloads.size(); ++k)
    for (const BatchSensitivity& b : a.batches[k])
      batches.push_back({{"workload", p.workloads[k].name}, {"batch", b.batch},
                         {"baseline", {{"memory_total_bytes", b.base.memory.total_bytes}, {"fits", b.base.memory.fits}, {"itl_mean_s", b.base.serving.itl_mean_s}}},
                         {"recommended", {{"memory_total_bytes", b.rec.memory.total_bytes}, {"fits", b.rec.memory.fits}, {"itl_mean_s", b.rec.serving.itl_mean_s}}}});
  json engines = json::array();
  for (const EngineCapacity& ec : a.engines) {
    json per = json::array();
    for (size_t k = 0; k < p.workloads.size(); ++k)
      per.push_back({{"workload", p.workloads[k].name}, {"budget_bytes", ec.est[k].memory.budget_bytes},
                     {"max_sequences", ec.est[k].memory.max_concurrent_sequences}, {"itl_mean_s", ec.est[k].serving.itl_mean_s}});
    engines.push_back({{"engine", engine_name(ec.kind)}, {"this_plan", &ec == &a.engines.front()}, {"per_workload", per}});
  }
  out["sensitivity"] = {{"runner_up", a.runner ? json(a.runner->label) : json(nullptr)}, {"runner_gap", a.runner_gap}, {"runner_flip", a.runner_flip},
                        {"flips", flips}, {"batches", batches}, {"engines", engines}};
  json colo = json::array();
  for (const Colocation& c : a.colocations)
    colo.push_back({{"decoding", p.workloads[c.decoding].name}, {"prefilling", p.workloads[c.prefilling].name}, {"prefill_s", c.prefill_s},
                    {"itl_s", c.itl_s}, {"chunk_size", c.chunk > 0 ? json(c.chunk) : json(nullptr)}, {"chunk_s", c.chunk_s},
                    {"ttft_chunked_s", c.ttft_chunked_s}, {"kv_transfer_bytes", c.kv_transfer_bytes}});
  out["colocation"] = colo;
  out["early_recall_rule"] = fmt::format("every band of {} consecutive layers holds a layer that attends every earlier token directly; sinks do not count",
                                         kEarlyRecallBand);
  return out;
}

}  // namespace attncost
