#include "reports/fleet_report.h"

#include <fmt/format.h>

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
  for (size_t i = 0; i < r.options.size() && idx.size() < kShown; ++i)
    if (r.options[i].feasible) idx.push_back(i);
  for (size_t i = 0; i < r.options.size(); ++i)
    if (!r.options[i].feasible) {
      idx.push_back(i);
      break;
    }
  return idx;
}

std::string headline(const FleetResult& r) {
  std::string out = fmt::format("Fleet for {:g} requests/s of workload '{}' ({}; {} configurations, ranked by {})", r.rate, r.workload, r.design, r.considered,
                                r.priced ? "USD per hour" : "GPU count");
  if (r.overhead.per_step_s > 0 || r.overhead.per_request_s > 0) out += "\n  " + engine_overhead_text(r.overhead);
  return out;
}

}  // namespace

std::string fleet_text(const std::vector<FleetResult>& fleets) {
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
      out += fmt::format("       TTFT {}, mean ITL {}, serves {:.3g} req/s, {}", human_time(o.ttft_s), human_time(o.itl_s), o.capacity_rps, cost_text(r, o));
      if (o.disaggregated) out += fmt::format(", KV transfer {} in {}", human_bytes(o.kv_transfer_bytes), human_time(o.kv_transfer_s));
      out += o.why_not.empty() ? fmt::format(" — {}\n", o.reason) : fmt::format(" — {}\n", o.why_not);
    }
    if (r.best_aggregated >= 0 && r.best_disaggregated >= 0) {
      const FleetOption& a = r.options[static_cast<size_t>(r.best_aggregated)];
      const FleetOption& d = r.options[static_cast<size_t>(r.best_disaggregated)];
      out += fmt::format("  aggregated vs disaggregated at their best: {} vs {}; TTFT {} vs {}; mean ITL {} vs {}\n", cost_text(r, a), cost_text(r, d),
                         human_time(a.ttft_s), human_time(d.ttft_s), human_time(a.itl_s), human_time(d.itl_s));
    }
    out += "  sized to capacity at this rate: TTFT excludes queueing, so leave headroom (docs/cost-model.md §15)\n";
  }
  return out;
}

nlohmann::json fleet_json(const std::vector<FleetResult>& fleets) {
  nlohmann::json arr = nlohmann::json::array();
  for (const FleetResult& r : fleets) {
    nlohmann::json j{{"workload", r.workload}, {"design", r.design},     {"rate_rps", r.rate},
                     {"ranked_by", r.priced ? "usd_per_hour" : "gpus"}, {"considered", r.considered}};
    if (r.overhead.per_step_s > 0 || r.overhead.per_request_s > 0)
      j["engine_overhead"] = {{"rule", r.overhead.rule}, {"per_step_s", r.overhead.per_step_s}, {"per_request_s", r.overhead.per_request_s}};
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
                       {"itl_mean_s", o.itl_s},
                       {"capacity_rps", o.capacity_rps},
                       {"kv_transfer_bytes", json_number(o.kv_transfer_bytes)},
                       {"kv_transfer_s", o.kv_transfer_s},
                       {"reason", o.reason},
                       {"why_not", o.why_not}};
      x["usd_per_hour"] = r.priced ? nlohmann::json(o.usd_per_hour) : nlohmann::json(nullptr);
      opts.push_back(std::move(x));
    }
    j["options"] = std::move(opts);
    arr.push_back(std::move(j));
  }
  return arr;
}

void fleet_doc(Doc& doc, const std::vector<FleetResult>& fleets) {
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
                      human_time(o.ttft_s), human_time(o.itl_s), fmt::format("{:.3g}", o.capacity_rps), o.why_not.empty() ? o.reason : o.why_not});
    }
    doc.table({"GPU", "split", "mode", "batch", "GPUs", "USD/h", "TTFT", "mean ITL", "req/s", "note"},
              {false, false, false, true, true, true, true, true, true, false}, std::move(rows));
  }
  doc.paragraph(
      "Aggregated replicas interleave each new prompt's prefill with the running batch's decode steps, so their token interval carries the "
      "prefills' share; disaggregated pools (DistServe, Splitwise) run prefill one prompt at a time and ship each request's KV cache to a decode "
      "replica over the scale-out network. Request queueing is not modelled: the fleet is sized to its capacity at the given rate "
      "(docs/cost-model.md §15).");
}

}  // namespace attncost
