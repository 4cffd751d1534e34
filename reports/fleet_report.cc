#include "reports/fleet_report.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/launch_command.h"
#include "reports/reports.h"

namespace attncost {
namespace {

// Options shown after the best: the runner-ups that fit, then one that does not, so the reader
// sees what the search rejected and why.
constexpr size_t kShown = 5;

std::string split_text(const Design& d) {
  std::string s = fmt::format("TP {}", d.tp);
  if (d.pp > 1) s += fmt::format(" · PP {}", d.pp);
  if (d.cp > 1) s += fmt::format(" · CP {}", d.cp);
  if (d.ep > 1) s += fmt::format(" · EP {}", d.ep);
  return s;
}

std::string deployment_text(const FleetResult& r, const FleetOption& o) {
  const std::string& gpu = r.gpu_names[o.gpu];
  if (o.disaggregated)
    return fmt::format("{} × {}: {} prefill + {} decode replicas of {} (disaggregated, P:D {}:{}), batch {}", o.gpus, gpu, o.prefill_replicas, o.replicas,
                       split_text(o.design), o.prefill_replicas, o.replicas, o.batch);
  return fmt::format("{} × {}: {} replica{} of {} (aggregated), batch {}", o.gpus, gpu, o.replicas, o.replicas == 1 ? "" : "s", split_text(o.design), o.batch);
}

std::string cost_text(const FleetResult& r, const FleetOption& o) { return r.priced ? fmt::format("USD {:.2f}/h", o.usd_per_hour) : fmt::format("{} GPUs", o.gpus); }

std::vector<size_t> shown(const FleetResult& r) {
  std::vector<size_t> idx;
  // Under load, the runner-ups are those simulated: the rest were never in the running.
  for (size_t i = 0; i < r.options.size() && idx.size() < kShown; ++i)
    if (r.options[i].feasible && (!r.under_load || r.options[i].load.simulated)) idx.push_back(i);
  // One that does not meet the targets, with why — never one that was merely left unsimulated.
  for (size_t i = 0; i < r.options.size(); ++i)
    if (!r.options[i].feasible && (!r.under_load || r.options[i].load.simulated || r.options[i].reason.rfind("not simulated", 0) != 0)) {
      idx.push_back(i);
      break;
    }
  return idx;
}

std::string headline(const FleetResult& r) {
  std::string out = fmt::format("Fleet for {:g} requests/s of workload '{}' ({}; {} configurations, ranked by {})", r.rate, r.workload, r.design, r.considered,
                                r.priced ? "USD per hour" : "GPU count");
  if (r.overhead.any()) out += "\n  " + engine_overhead_text(r.overhead);
  return out;
}

std::string percentile_name(const FleetResult& r) { return fmt::format("P{:g}", r.slo.percentile); }

// "P99 TTFT 1.2 s, P99 TPOT 41 ms (P50 0.3 s / 35 ms)" at the offered rate.
std::string load_text(const FleetResult& r, const FleetOption& o) {
  const LoadPoint& p = o.load.at_rate;
  const Bands& b = o.bands;
  const Band& tb = r.slo.percentile >= 99 ? b.ttft_p99 : b.ttft;
  return fmt::format("{} TTFT {}, {} TPOT {} (P50 {} / {})", percentile_name(r), banded_time(p.ttft_at_percentile_s, tb), percentile_name(r),
                     banded_time(p.tpot_at_percentile_s, b.itl), human_time(p.ttft_s.p50, b.ttft), human_time(p.tpot_s.p50, b.itl));
}

std::string targets_text(const FleetResult& r) {
  std::vector<std::string> t;
  if (r.slo.ttft_s > 0) t.push_back(fmt::format("TTFT ≤ {}", human_time(r.slo.ttft_s)));
  if (r.slo.tpot_s > 0) t.push_back(fmt::format("TPOT ≤ {}", human_time(r.slo.tpot_s)));
  if (t.empty()) return "no latency target: sized so the queue does not grow";
  std::string s = percentile_name(r);
  for (size_t i = 0; i < t.size(); ++i) s += (i ? ", " : " ") + t[i];
  return s;
}

std::string knee_text(const FleetResult& r, const FleetOption& o) {
  if (o.load.knee_rps < 0) return "its queue grows even at a quarter of the rate";
  const bool beyond = !o.load.curve.empty() && o.load.curve.back().stable;
  return fmt::format("knee {}{:.3g} req/s ({:.2g}× the offered rate)", beyond ? "above " : "", o.load.knee_rps, o.load.knee_rps / r.rate);
}

}  // namespace

std::string fleet_text(const ModelConfig& m, const std::vector<FleetResult>& fleets) {
  std::string out;
  for (const FleetResult& r : fleets) {
    out += headline(r) + "\n";
    if (r.options.empty() || !r.options[0].feasible) out += "  no configuration meets the targets\n";
    for (size_t i : shown(r)) {
      const FleetOption& o = r.options[i];
      if (!o.feasible) {
        out += fmt::format("  not  {} with {}, {}: {}\n", r.gpu_names[o.gpu], split_text(o.design), o.disaggregated ? "disaggregated" : "aggregated", o.reason);
        continue;
      }
      out += fmt::format("  {} {}\n", i == 0 ? "best" : "then", deployment_text(r, o));
      out += fmt::format("       TTFT {}, mean ITL {}, serves {} req/s{}, {}", banded_time(o.ttft_s, o.bands.ttft), banded_time(o.itl_s, o.bands.itl),
                         round_significant(o.capacity_rps, std::min(3, band_digits(o.bands.throughput))),
                         o.bands.throughput.rel > 0 ? " (" + band_text(o.bands.throughput) + ")" : "", cost_text(r, o));
      if (o.disaggregated) out += fmt::format(", KV transfer {} in {}", human_bytes(o.kv_transfer_bytes), human_time(o.kv_transfer_s));
      out += o.why_not.empty() ? fmt::format(" — {}\n", o.reason) : fmt::format(" — {}\n", o.why_not);
      if (o.load.simulated) out += fmt::format("       under load: {}\n", load_text(r, o));
    }
    if (r.under_load && !r.options.empty() && r.options[0].feasible) {
      const FleetOption& best = r.options[0];
      out += fmt::format("  best fleet's load curve: {}\n", knee_text(r, best));
      for (const LaunchCommand& c : launch_commands(m, best, r.max_model_len)) out += fmt::format("  launch ({}): {}\n", c.role, c.command);
    }
    if (r.best_aggregated >= 0 && r.best_disaggregated >= 0) {
      const FleetOption& a = r.options[static_cast<size_t>(r.best_aggregated)];
      const FleetOption& d = r.options[static_cast<size_t>(r.best_disaggregated)];
      if (r.under_load)
        out += fmt::format("  aggregated vs disaggregated at their best: {} vs {}; {} TTFT {} vs {}; {} TPOT {} vs {}\n", cost_text(r, a), cost_text(r, d),
                           percentile_name(r), human_time(a.load.at_rate.ttft_at_percentile_s, a.bands.ttft_p99),
                           human_time(d.load.at_rate.ttft_at_percentile_s, d.bands.ttft_p99), percentile_name(r),
                           human_time(a.load.at_rate.tpot_at_percentile_s, a.bands.itl), human_time(d.load.at_rate.tpot_at_percentile_s, d.bands.itl));
      else
        out += fmt::format("  aggregated vs disaggregated at their best: {} vs {}; TTFT {} vs {}; mean ITL {} vs {}\n", cost_text(r, a), cost_text(r, d),
                           human_time(a.ttft_s, a.bands.ttft), human_time(d.ttft_s, d.bands.ttft), human_time(a.itl_s, a.bands.itl),
                           human_time(d.itl_s, d.bands.itl));
    }
    if (r.under_load)
      out += fmt::format("  sized under load: {}; {} of {} configurations simulated, {} requests per replica, Poisson arrivals (docs/cost-model.md §17.4)\n",
                         targets_text(r), r.simulated, r.considered, r.options.empty() ? 0 : r.options[0].load.requests);
    else
      out += "  sized to capacity at this rate: TTFT excludes queueing, so leave headroom (docs/cost-model.md §15)\n";
  }
  return out;
}

nlohmann::json load_point_json(const LoadPoint& p) {
  auto dist = [](const Dist& d) { return nlohmann::json{{"mean", d.mean}, {"p50", d.p50}, {"p90", d.p90}, {"p99", d.p99}}; };
  return {{"offered_rps", p.offered_rps},           {"served_rps", p.served_rps},
          {"stable", p.stable},                     {"ttft_s", dist(p.ttft_s)},
          {"tpot_s", dist(p.tpot_s)},               {"queue_s", dist(p.queue_s)},
          {"ttft_at_percentile_s", p.ttft_at_percentile_s}, {"tpot_at_percentile_s", p.tpot_at_percentile_s}};
}

nlohmann::json fleet_json(const ModelConfig& m, const std::vector<FleetResult>& fleets) {
  nlohmann::json arr = nlohmann::json::array();
  for (const FleetResult& r : fleets) {
    nlohmann::json j{{"workload", r.workload}, {"design", r.design},     {"rate_rps", r.rate},
                     {"ranked_by", r.priced ? "usd_per_hour" : "gpus"}, {"considered", r.considered}};
    if (r.overhead.any())
      j["engine_overhead"] = {{"rule", r.overhead.rule}, {"per_step_s", r.overhead.per_step_s}, {"per_request_s", r.overhead.per_request_s}, {"per_seq_step_s", r.overhead.per_seq_step_s}};
    j["best_aggregated"] = r.best_aggregated >= 0 ? nlohmann::json(r.best_aggregated) : nlohmann::json(nullptr);
    j["best_disaggregated"] = r.best_disaggregated >= 0 ? nlohmann::json(r.best_disaggregated) : nlohmann::json(nullptr);
    nlohmann::json opts = nlohmann::json::array();
    for (const FleetOption& o : r.options) {
      nlohmann::json x{{"gpu", r.gpu_origins[o.gpu]},
                       {"gpu_name", r.gpu_names[o.gpu]},
                       {"tp", o.design.tp},
                       {"pp", o.design.pp},
                       {"cp", o.design.cp},
                       {"ep", o.design.ep},
                       {"mode", o.disaggregated ? "disaggregated" : "aggregated"},
                       {"batch", o.batch},
                       {"replicas", o.replicas},
                       {"prefill_replicas", o.prefill_replicas},
                       {"gpus", o.gpus},
                       {"feasible", o.feasible},
                       {"ttft_s", o.ttft_s},
                       {"ttft_range_s", band_range(o.ttft_s, o.bands.ttft)},
                       {"itl_mean_s", o.itl_s},
                       {"itl_mean_range_s", band_range(o.itl_s, o.bands.itl)},
                       {"capacity_rps", o.capacity_rps},
                       {"capacity_rps_range", band_range(o.capacity_rps, o.bands.throughput)},
                       {"band", {{"ttft", band_json(o.bands.ttft)}, {"ttft_p99", band_json(o.bands.ttft_p99)}, {"itl", band_json(o.bands.itl)},
                                 {"throughput", band_json(o.bands.throughput)}}},
                       {"kv_transfer_bytes", json_number(o.kv_transfer_bytes)},
                       {"kv_transfer_s", o.kv_transfer_s},
                       {"reason", o.reason},
                       {"why_not", o.why_not}};
      x["usd_per_hour"] = r.priced ? nlohmann::json(o.usd_per_hour) : nlohmann::json(nullptr);
      if (o.load.simulated)
        x["under_load"] = {{"percentile", o.load.percentile},       {"requests_per_replica", o.load.requests},
                           {"max_num_seqs", o.load.max_num_seqs},   {"max_num_batched_tokens", o.load.max_num_batched_tokens},
                           {"capacity_replicas", o.load.capacity_replicas}, {"at_rate", load_point_json(o.load.at_rate)}};
      if (o.load.simulated) {  // at the percentile: P99 TTFT has its own band; other percentiles take the P50 one
        const Band& tb = o.load.percentile >= 99 ? o.bands.ttft_p99 : o.bands.ttft;
        x["under_load"]["at_rate"]["ttft_at_percentile_range_s"] = band_range(o.load.at_rate.ttft_at_percentile_s, tb);
        x["under_load"]["at_rate"]["tpot_at_percentile_range_s"] = band_range(o.load.at_rate.tpot_at_percentile_s, o.bands.itl);
      }
      opts.push_back(std::move(x));
    }
    j["options"] = std::move(opts);
    j["sizing"] = r.under_load ? "load" : "capacity";
    if (r.under_load) {
      j["slo"] = {{"percentile", r.slo.percentile},
                  {"ttft_s", r.slo.ttft_s > 0 ? nlohmann::json(r.slo.ttft_s) : nlohmann::json(nullptr)},
                  {"tpot_s", r.slo.tpot_s > 0 ? nlohmann::json(r.slo.tpot_s) : nlohmann::json(nullptr)}};
      j["simulated"] = r.simulated;
    }
    if (!r.options.empty() && r.options[0].feasible) {
      const FleetOption& best = r.options[0];
      nlohmann::json launch = nlohmann::json::array();
      for (const LaunchCommand& c : launch_commands(m, best, r.max_model_len)) launch.push_back({{"role", c.role}, {"command", c.command}});
      nlohmann::json b{{"index", 0}, {"launch", std::move(launch)}};
      if (best.load.simulated) {
        b["knee_rps"] = best.load.knee_rps >= 0 ? nlohmann::json(best.load.knee_rps) : nlohmann::json(nullptr);
        nlohmann::json curve = nlohmann::json::array();
        for (const LoadPoint& p : best.load.curve) curve.push_back(load_point_json(p));
        b["curve"] = std::move(curve);
      }
      j["best"] = std::move(b);
    } else {
      j["best"] = nullptr;
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

void fleet_doc(Doc& doc, const ModelConfig& m, const std::vector<FleetResult>& fleets) {
  doc.heading(1, "Fleet");
  for (const FleetResult& r : fleets) {
    doc.heading(2, headline(r));
    if (r.options.empty() || !r.options[0].feasible) doc.paragraph("**No configuration meets the targets.**");
    else doc.paragraph(fmt::format("**{}** — {}.", deployment_text(r, r.options[0]), r.options[0].reason));
    std::vector<std::vector<std::string>> rows;
    for (size_t i : shown(r)) {
      const FleetOption& o = r.options[i];
      if (!o.feasible) {
        rows.push_back({r.gpu_names[o.gpu], split_text(o.design), o.disaggregated ? "disagg" : "agg", "—", "—", "—", "—", "—", "—", o.reason});
        continue;
      }
      rows.push_back({r.gpu_names[o.gpu], split_text(o.design), o.disaggregated ? fmt::format("disagg {}:{}", o.prefill_replicas, o.replicas)
                                                                                 : fmt::format("agg ×{}", o.replicas),
                      fmt::format("{}", o.batch), fmt::format("{}", o.gpus), r.priced ? fmt::format("{:.2f}", o.usd_per_hour) : "—",
                      banded_time(o.ttft_s, o.bands.ttft), banded_time(o.itl_s, o.bands.itl),
                      round_significant(o.capacity_rps, std::min(3, band_digits(o.bands.throughput))), o.why_not.empty() ? o.reason : o.why_not});
    }
    doc.table({"GPU", "split", "mode", "batch", "GPUs", "USD/h", "TTFT", "mean ITL", "req/s", "note"},
              {false, false, false, true, true, true, true, true, true, false}, std::move(rows));
    if (!r.under_load || r.options.empty() || !r.options[0].feasible) continue;
    const FleetOption& best = r.options[0];
    doc.paragraph(fmt::format("Sized under load ({}): at {:g} req/s the best fleet gives {}; {}. Its load curve:", targets_text(r), r.rate, load_text(r, best),
                              knee_text(r, best)));
    std::vector<std::vector<std::string>> curve;
    const Bands& b = best.bands;  // each time to its band's digits (the table's caption gives the bands)
    const Band& tb = r.slo.percentile >= 99 ? b.ttft_p99 : b.ttft;
    for (const LoadPoint& p : best.load.curve)
      curve.push_back({fmt::format("{:.3g}", p.offered_rps), fmt::format("{:.3g}", p.served_rps), human_time(p.ttft_s.p50, b.ttft),
                       human_time(p.ttft_at_percentile_s, tb), human_time(p.tpot_s.p50, b.itl), human_time(p.tpot_at_percentile_s, b.itl),
                       p.stable ? "yes" : "no (queue grows)"});
    const std::string pn = percentile_name(r);
    doc.table({"offered req/s", "served req/s", "P50 TTFT", pn + " TTFT", "P50 TPOT", pn + " TPOT", "keeps up"}, {true, true, true, true, true, true, false},
              std::move(curve));
    std::string cmds;
    for (const LaunchCommand& c : launch_commands(m, best, r.max_model_len)) cmds += fmt::format("# {}\n{}\n", c.role, c.command);
    doc.code(cmds);
  }
  doc.paragraph(
      "Aggregated replicas interleave each new prompt's prefill with the running batch's decode steps, so their token interval carries the "
      "prefills' share; disaggregated pools (DistServe, Splitwise) run prefill one prompt at a time and ship each request's KV cache to a decode "
      "replica over the scale-out network. Sized under load, each configuration's replicas are simulated at their share of the rate "
      "(Poisson arrivals, the engine's scheduler) and the fewest that meet the latency targets at the percentile are kept "
      "(docs/cost-model.md §17.4); sized to capacity, request queueing is not modelled (§15).");
}

}  // namespace attncost
