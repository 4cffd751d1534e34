// Renderers: each turns one result structure into text, JSON or CSV. No formulas live here;
// every number comes from the estimator.
#pragma once
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "estimators/estimate.h"
#include "estimators/plan.h"
#include "estimators/plan_limits.h"
#include "model/version.h"

namespace attncost {

struct EstimateInputs {
  const ModelConfig& model;
  const Design& design;
  const Workload& workload;
  const GpuSpec& gpu;
};

// SPEC §4: "schema": "attncost.estimate/1" and the model/design/workload/hardware/kv_cache/
// prefill/decode/memory/quality blocks, plus per-operator detail.
nlohmann::json estimate_json(const EstimateInputs& in, const Estimate& e);
std::string estimate_text(const EstimateInputs& in, const Estimate& e);
std::string estimate_md(const EstimateInputs& in, const Estimate& e);
std::string estimate_csv_header();
std::string estimate_csv_row(const EstimateInputs& in, const Estimate& e);
// Appends one CSV row (the columns of estimate_csv_header) or one JSON-lines object with the same
// fields to `out`; the sweep's hot path, so no temporaries.
void append_estimate_csv_row(std::string& out, const EstimateInputs& in, const Estimate& e);
void append_estimate_jsonl(std::string& out, const EstimateInputs& in, const Estimate& e);

// SPEC §4 "attncost.plan/1": workloads, designs (baseline, proposed and the top-ranked, each an
// estimate of the longest workload with `per_workload` estimates), every candidate in compact
// form, the ranking and the recommendation.
nlohmann::json plan_json(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p);
std::string plan_text(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p);
std::string plan_csv(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p);
// `plan --max ctx|batch|sequences`: one line per design and workload, or the JSON `limits` array.
std::string limits_text(const ModelConfig& m, const std::vector<PlanLimit>& limits);
nlohmann::json limits_json(const std::vector<PlanLimit>& limits);

nlohmann::json presets_json();
std::string presets_text();
std::string presets_csv();

// Which kernel model produced an estimate's times, in one line.
std::string kernels_text(const Estimate& e, const GpuSpec& g);

// The feed-forward layout of a model: "3 layers dense MLP 18432, 58 layers MoE 256 experts top-8 ...".
std::string ffn_text(const ModelConfig& m);

// Human units: "1.25 GiB", "3.42 ms", "1.2 TFLOP", "6.74 B".
// One-line summaries of the memory rule, the engine's start-up capacity and the serving metrics
// (text and Markdown estimates, memos).
std::string budget_rule_text(const Estimate& e);
std::string engine_capacity_text(const EstimateInputs& in, const Estimate& e);
std::string serving_text(const EstimateInputs& in, const Estimate& e);
// A plan's seqs cell, "76 (ITL)": the largest batch meeting memory and every target, and the one that binds.
std::string seqs_cell(const Limit& l);
// `--kernel naive` where one layer's score matrix and the weights exceed the budget: why it cannot run.
std::string naive_cannot_run_text(const Estimate& e);

std::string human_bytes(double bytes);
std::string human_time(double seconds);
std::string human_count(double value);

// Figures with their held-out error band (band_format.cc): significant digits the band supports
// (3 at ≤ 3%, 2 at ≤ 30%, 1 above; a figure without a band keeps the fixed digits), the band as
// text ("±12%", or "no measurement on this GPU; ±70% assumed"), a time to those digits ("7.1 ms")
// and with its band ("7.1 ms (±12%)"), a rate's digits ("3.1 K") and the JSON range [lo, hi]
// and band object.
int band_digits(const Band& b);
std::string round_significant(double v, int digits);
std::string band_text(const Band& b);
std::string human_time(double seconds, const Band& b);
std::string banded_time(double seconds, const Band& b);
// "TTFT ±7% [kernels], ITL ±14% [kernels], throughput ±14% [kernels]: the 80th percentile …".
std::string bands_text(const Bands& b);
std::string human_rate(double value, const Band& b);
nlohmann::json band_range(double x, const Band& b);
nlohmann::json band_json(const Band& b);

// An integral value below 2^53 as a JSON integer (exact), anything else as a double.
nlohmann::json json_number(double v);

}  // namespace attncost
