#include "reports/simulate_report.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/reports.h"
#include "reports/svg_chart.h"

namespace attncost {
namespace {

std::string rate_text(double rate) { return rate > 0 ? fmt::format("{:g} req/s", rate) : std::string("all at once"); }
std::string run_label(const SimulateReport& r, double rate) { return r.trace.empty() ? rate_text(rate) : std::string("the trace's arrival times"); }

nlohmann::json dist_json(const Dist& d) { return {{"mean", d.mean}, {"p50", d.p50}, {"p90", d.p90}, {"p99", d.p99}}; }
// Where each statistic's measured value lies (the P99 of TTFT has a band of its own).
nlohmann::json dist_range_json(const Dist& d, const Band& b, const Band& p99) {
  return {{"mean", band_range(d.mean, b)}, {"p50", band_range(d.p50, b)}, {"p90", band_range(d.p90, b)}, {"p99", band_range(d.p99, p99)}};
}

// Each statistic to the digits its band supports, the band at the end of the line.
std::string dist_text(const char* name, const Dist& d, const Band& b, const Band& p99) {
  std::string band = b.rel > 0 ? "  " + band_text(b) : "";
  if (b.rel > 0 && p99.rel != b.rel) band += fmt::format(" (P99 {})", band_text(p99));
  return fmt::format("  {:<6} mean {:>9}  P50 {:>9}  P90 {:>9}  P99 {:>9}{}\n", name, human_time(d.mean, b), human_time(d.p50, b), human_time(d.p90, b),
                     human_time(d.p99, p99), band);
}

nlohmann::json run_json(const SimulateReport& r, const SimulateRun& run) {
  const SimSummary& s = run.summary;
  nlohmann::json j = {
      {"rate", !r.trace.empty() ? nlohmann::json("trace") : run.rate > 0 ? nlohmann::json(run.rate) : nlohmann::json("inf")},
      {"completed", s.completed},
      {"rejected", s.rejected},
      {"duration_s", s.duration_s},
      {"throughput",
       {{"requests_per_s", s.requests_per_s},
        {"output_tokens_per_s", s.output_tokens_per_s},
        {"output_tokens_per_s_per_gpu", s.output_tokens_per_s_per_gpu},
        {"total_tokens_per_s", s.total_tokens_per_s}}},
      {"ttft_s", dist_json(s.ttft_s)},
      {"tpot_s", dist_json(s.tpot_s)},
      {"itl_s", dist_json(s.itl_s)},
      {"e2e_s", dist_json(s.e2e_s)},
      {"queue_s", dist_json(s.queue_s)},
      {"preemptions", s.preemptions},
      {"steps", s.steps},
      {"prefix_cache_hits", s.prefix_hits},
      {"kv_pool", {{"utilization_mean", s.kv_util_mean}, {"utilization_max", s.kv_util_max}, {"bytes_per_gpu", json_number(run.result.kv_pool_bytes)}}},
      {"mean_requests_in_system", s.in_system_mean},
      {"mean_prompt_tokens", s.mean_prompt},
      {"mean_output_tokens", s.mean_output},
  };
  // The held-out error bands as ranges beside the figures (the band objects are the document's `band`).
  const Bands& b = r.bands;
  const Band e2e = Band::widest(b.ttft, b.itl);
  j["throughput_range"] = {{"requests_per_s", band_range(s.requests_per_s, b.throughput)},
                           {"output_tokens_per_s", band_range(s.output_tokens_per_s, b.throughput)},
                           {"output_tokens_per_s_per_gpu", band_range(s.output_tokens_per_s_per_gpu, b.throughput)},
                           {"total_tokens_per_s", band_range(s.total_tokens_per_s, b.throughput)}};
  j["ttft_range_s"] = dist_range_json(s.ttft_s, b.ttft, b.ttft_p99);
  j["tpot_range_s"] = dist_range_json(s.tpot_s, b.itl, b.itl);
  j["itl_range_s"] = dist_range_json(s.itl_s, b.itl, b.itl);
  j["e2e_range_s"] = dist_range_json(s.e2e_s, e2e, e2e);
  if (r.has_slo)
    j["goodput"] = {{"requests_per_s", s.goodput_rps}, {"fraction", s.slo_attained}, {"ttft_s_at_percentile", s.ttft_at_percentile_s},
                    {"tpot_s_at_percentile", s.tpot_at_percentile_s}};
  return j;
}

}  // namespace

std::string simulate_text(const SimulateReport& r) {
  std::string out = fmt::format("Serving {} on {} ({}; {} GPU{} per replica), {}, scheduler {}\n", r.model, r.gpu, r.design, r.gpus_per_replica,
                                r.gpus_per_replica == 1 ? "" : "s", r.engine, r.scheduler);
  if (!r.engine_rule.empty()) out += fmt::format("engine overhead: {}\n", r.engine_rule);
  if (!r.runs.empty()) {
    const SimResult& x = r.runs.front().result;
    out += fmt::format("KV pool {} per GPU, pages of {} tokens; up to {} sequences and {} tokens per step\n", human_bytes(x.kv_pool_bytes), x.page_size,
                       x.max_num_seqs, x.max_num_batched_tokens);
  }
  out += fmt::format("workload: {}\n", r.workload);
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const SimulateRun& run = r.runs[i];
    const SimSummary& s = run.summary;
    const Band& tb = r.bands.throughput;
    out += fmt::format("\nat {}: {} requests in {} — {} req/s, {} output tokens/s ({} per GPU){}", run_label(r, run.rate), s.completed,
                       human_time(s.duration_s, tb), round_significant(s.requests_per_s, std::min(3, band_digits(tb))), human_rate(s.output_tokens_per_s, tb),
                       human_rate(s.output_tokens_per_s_per_gpu, tb), tb.rel > 0 ? " (" + band_text(tb) + ")" : "");
    if (static_cast<int>(i) == r.knee && r.runs.size() > 1) out += "  ← knee";
    out += "\n";
    const Bands& b = r.bands;
    const Band e2e = Band::widest(b.ttft, b.itl);
    out += dist_text("TTFT", s.ttft_s, b.ttft, b.ttft_p99) + dist_text("TPOT", s.tpot_s, b.itl, b.itl) + dist_text("ITL", s.itl_s, b.itl, b.itl) +
           dist_text("E2E", s.e2e_s, e2e, e2e) + dist_text("queue", s.queue_s, b.ttft, b.ttft_p99);
    out += fmt::format("  KV pool {:.0f}% used on average, {:.0f}% at most; {} preemption{}", 100 * s.kv_util_mean, 100 * s.kv_util_max, s.preemptions,
                       s.preemptions == 1 ? "" : "s");
    if (s.prefix_hits > 0) out += fmt::format("; {} prefix-cache hits", s.prefix_hits);
    if (s.rejected > 0) out += fmt::format("; {} requests refused (they can never fit the KV pool)", s.rejected);
    out += "\n";
    if (r.has_slo)
      out += fmt::format("  goodput {:.3g} req/s ({:.1f}% of requests meet TTFT ≤ {} and TPOT ≤ {}); P{:g} TTFT {}, P{:g} TPOT {}\n", s.goodput_rps,
                         100 * s.slo_attained, r.slo.ttft_s > 0 ? human_time(r.slo.ttft_s) : "any", r.slo.tpot_s > 0 ? human_time(r.slo.tpot_s) : "any",
                         r.slo.percentile, human_time(s.ttft_at_percentile_s, r.bands.ttft_p99), r.slo.percentile, human_time(s.tpot_at_percentile_s, r.bands.itl));
  }
  if (r.runs.size() > 1) {
    out += "\n";
    if (r.knee >= 0)
      out += fmt::format("knee: {} — the highest offered rate the replica keeps up with (its queue does not grow over the run)\n",
                         rate_text(r.runs[static_cast<size_t>(r.knee)].rate));
    else
      out += "knee: the replica falls behind even at the lowest rate\n";
    if (r.has_slo)
      out += r.slo_rate >= 0 ? fmt::format("highest rate meeting the P{:g} SLOs: {}\n", r.slo.percentile, rate_text(r.runs[static_cast<size_t>(r.slo_rate)].rate))
                             : fmt::format("no rate meets the P{:g} SLOs\n", r.slo.percentile);
  }
  out += "bands: " + bands_text(r.bands) + "\n";
  out += "TTFT: time to first token; TPOT: time per output token after the first, (E2E − TTFT)/(output − 1); ITL: every gap between two outputs\n";
  return out;
}

nlohmann::json simulate_json(const SimulateReport& r) {
  nlohmann::json j = {{"schema", "attncost.simulate/1"},
                      {"model", r.model},
                      {"gpu", r.gpu},
                      {"design", r.design},
                      {"gpus_per_replica", r.gpus_per_replica},
                      {"engine", {{"name", r.engine}, {"scheduler", r.scheduler}, {"overhead_rule", r.engine_rule}}},
                      {"workload",
                       {{"description", r.workload},
                        {"requests", r.requests},
                        {"prompt_len", r.prompt_len},
                        {"output_len", r.output_len},
                        {"burstiness", r.burstiness},
                        {"max_concurrency", r.max_concurrency},
                        {"seed", r.seed},
                        {"trace", r.trace}}}};
  if (r.has_slo) j["slo"] = {{"ttft_s", r.slo.ttft_s}, {"tpot_s", r.slo.tpot_s}, {"percentile", r.slo.percentile}};
  if (!r.runs.empty()) {
    const SimResult& x = r.runs.front().result;
    j["engine"]["max_num_seqs"] = x.max_num_seqs, j["engine"]["max_num_batched_tokens"] = x.max_num_batched_tokens, j["engine"]["page_size"] = x.page_size;
  }
  nlohmann::json runs = nlohmann::json::array();
  for (const SimulateRun& run : r.runs) runs.push_back(run_json(r, run));
  if (r.runs.size() == 1) j.update(runs[0]);  // one rate: its figures at the top, as benchmark_serving prints them
  j["runs"] = runs;
  if (r.runs.size() > 1) {
    j["knee"] = r.knee >= 0 ? runs[static_cast<size_t>(r.knee)]["rate"] : nlohmann::json(nullptr);
    if (r.has_slo) j["max_rate_meeting_slo"] = r.slo_rate >= 0 ? runs[static_cast<size_t>(r.slo_rate)]["rate"] : nlohmann::json(nullptr);
  }
  const Bands& b = r.bands;
  j["band"] = {{"ttft", band_json(b.ttft)}, {"ttft_p99", band_json(b.ttft_p99)}, {"tpot", band_json(b.itl)}, {"e2e", band_json(Band::widest(b.ttft, b.itl))},
               {"throughput", band_json(b.throughput)}};
  if (!r.command.empty()) j["command"] = r.command;
  return j;
}

std::string simulate_csv(const SimulateReport& r) {
  std::string out = "rate,request,sent_s,scheduled_s,first_token_s,finish_s,prompt_tokens,output_tokens,ttft_s,tpot_s,e2e_s,queue_s,preemptions,rejected\n";
  for (const SimulateRun& run : r.runs)
    for (size_t i = 0; i < run.result.requests.size(); ++i) {
      const SimRequestResult& q = run.result.requests[i];
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", run.rate > 0 ? fmt::format("{}", run.rate) : "inf", i, q.sent_s, q.scheduled_s, q.first_token_s,
                         q.finish_s, q.prompt, q.output, q.ttft(), q.tpot(), q.e2e(), q.queue(), q.preemptions, q.rejected ? 1 : 0);
    }
  return out;
}

std::string simulate_chart_svg(const SimulateReport& r) {
  if (r.runs.size() == 1 || std::all_of(r.runs.begin(), r.runs.end(), [](const SimulateRun& x) { return x.rate <= 0; })) {
    // Latency CDFs of the (first) run.
    const SimulateRun& run = r.runs.front();
    LineChart c;
    c.title = fmt::format("Latency distributions at {} ({})", run_label(r, run.rate), r.model);
    c.x_label = "latency (s, log scale)";
    c.y_label = "fraction of requests at or below";
    auto cdf = [](std::vector<double> v, const char* name) {
      Series s;
      s.name = name;
      std::sort(v.begin(), v.end());
      const size_t n = v.size(), stride = std::max<size_t>(1, n / 400);
      for (size_t i = 0; i < n; i += stride)
        if (v[i] > 0) s.points.emplace_back(v[i], static_cast<double>(i + 1) / static_cast<double>(n));
      if (n > 0 && v.back() > 0) s.points.emplace_back(v.back(), 1.0);
      return s;
    };
    std::vector<double> ttft, tpot, e2e;
    for (const SimRequestResult& q : run.result.requests) {
      if (q.rejected) continue;
      ttft.push_back(q.ttft()), e2e.push_back(q.e2e());
      if (q.output > 1) tpot.push_back(q.tpot());
    }
    c.series = {cdf(ttft, "TTFT"), cdf(tpot, "TPOT"), cdf(e2e, "end to end")};
    c.format_x = [](double v) { return v >= 1 ? fmt::format("{:g} s", v) : fmt::format("{:g} ms", v * 1e3); };
    c.h_lines = {{0.5, "P50"}, {0.99, "P99"}};
    return render_line_chart(c);
  }
  // Latency against the offered load, and the throughput-per-GPU vs per-user Pareto curve.
  LineChart load;
  load.title = fmt::format("TTFT and TPOT against the offered load ({}, {})", r.model, r.gpu);
  load.x_label = "offered load (requests/s)";
  load.y_label = "latency (s, log scale)";
  load.log_y = true;
  Series p50_ttft{"P50 TTFT", {}, {}}, p99_ttft{"P99 TTFT", {}, {}}, p50_tpot{"P50 TPOT", {}, {}}, p99_tpot{"P99 TPOT", {}, {}};
  LineChart pareto;
  pareto.title = "Throughput per GPU vs throughput per user";
  pareto.x_label = "output tokens/s per user (1 / mean TPOT)";
  pareto.y_label = "output tokens/s per GPU";
  Series front{"simulated rates", {}, {}};
  for (const SimulateRun& run : r.runs) {
    if (run.rate <= 0) continue;
    const SimSummary& s = run.summary;
    auto add = [&](Series& series, double v) {
      if (v > 0) series.points.emplace_back(run.rate, v);
    };
    add(p50_ttft, s.ttft_s.p50), add(p99_ttft, s.ttft_s.p99), add(p50_tpot, s.tpot_s.p50), add(p99_tpot, s.tpot_s.p99);
    if (s.tpot_s.mean > 0) front.points.emplace_back(1 / s.tpot_s.mean, s.output_tokens_per_s_per_gpu);
  }
  load.series = {p50_ttft, p99_ttft, p50_tpot, p99_tpot};
  if (r.knee >= 0) load.x_markers.push_back({r.runs[static_cast<size_t>(r.knee)].rate, "knee"});
  if (r.has_slo && r.slo.ttft_s > 0) load.h_lines.push_back({r.slo.ttft_s, "TTFT SLO"});
  if (r.has_slo && r.slo.tpot_s > 0) load.h_lines.push_back({r.slo.tpot_s, "TPOT SLO"});
  load.format_y = [](double v) { return v >= 1 ? fmt::format("{:g} s", v) : fmt::format("{:g} ms", v * 1e3); };
  std::sort(front.points.begin(), front.points.end());
  pareto.series = {front};
  pareto.log_x = false;
  return stack_charts({render_line_chart(load), render_line_chart(pareto)});
}

}  // namespace attncost
