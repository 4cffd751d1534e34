// `plan`: the model's own design (baseline), the user's proposed design and an enumerated space
// of alternatives (KV sharing × pattern × KV dtype), each estimated on every workload by
// `estimate`, checked against the memory budget and latency targets, scored for cost and
// structural quality risk, and ranked; one design is recommended for all workloads together.
// Pure: reports render the result.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "estimators/estimate.h"
#include "estimators/reverse.h"

namespace attncost {

enum class Role : uint8_t { baseline, proposed, alternative };
std::string_view role_name(Role r);

// The method family a design belongs to (`plan --family`): dense (every layer softmax over every
// earlier token), sparse (softmax layers only, some with a local or fixed-sparse mask), linear
// (no softmax layer: linear attention or state-space layers only) or hybrid (state layers and
// softmax layers together).
enum class DesignFamily : uint8_t { dense, sparse, linear, hybrid };
DesignFamily design_family(const Design& d);
std::string_view family_name(DesignFamily f);
// Parses sparse|linear|hybrid (what `--family` may ask for); throws InputError otherwise.
DesignFamily parse_family(const std::string& text);

struct PlanInputs {
  const ModelConfig& model;
  const GpuSpec& gpu;
  std::vector<Workload> workloads;   // at least one
  DesignChoice proposed;             // the user's design flags (also carries tp/kernel/page size and the engine, whose rule sets the memory budget)
  bool has_proposal = false;
  bool require_early_recall = false; // every band of 8 layers keeps a layer that attends every earlier token directly (Quality::early_recall)
  bool full_space = true;            // enumerate the whole candidate space (else a handful)
  bool has_family = false;           // --family: the question asks for a design of this family
  DesignFamily family = DesignFamily::sparse;
};

// Structural risk terms of one design at one workload (docs/cost-model.md §8). Each is a number
// computed from the quality proxies; the weights are the documented policy.
struct Risk {
  double kv_sharing = 0;   // fewer than one KV head per 8 query heads
  double reach = 0;        // context no path through the layers reaches
  double early_tokens = 0; // some band of 8 layers without a layer attending every earlier token directly
  double access = 0;       // share of (softmax layer, token) pairs not attended directly
  double state = 0;        // layers that compress history into a fixed state
  double quantization = 0; // KV precision below 8 bits (or 8-bit)
  double retraining = 0;   // changes a trained model only takes with (up)training
  double sinks = 0;        // window layers added to a model trained without them, evicting its first tokens
  double total() const { return kv_sharing + reach + early_tokens + access + state + quantization + retraining + sinks; }
};
// Weight of cost against risk: halving the cost (geometric mean of decode time, prefill time
// and memory per GPU vs the baseline) is worth 0.25 of risk.
inline constexpr double kCostWeight = 0.25;
// A candidate's score: risk + weight·log2(cost vs the baseline); lower is better. The memo's
// "what would flip it" re-scores with other weights through this one formula.
inline double plan_score(const Risk& r, double cost, double cost_weight = kCostWeight) { return r.total() + cost_weight * std::log2(cost); }

// `baseline` is the model's own design: changing its KV sharing or its pattern needs training.
// A function of the design, the baseline and the workload only (docs/cost-model.md §8).
Risk design_risk(const ModelConfig& m, const Design& d, const Design& baseline, const Workload& w, const Estimate& e);

struct Candidate {
  std::string label;               // design_label()
  Role role = Role::alternative;
  std::string change;              // what differs from the baseline, in words
  DesignChoice choice;
  Design design;
  std::vector<Estimate> per_workload;  // aligned with PlanInputs::workloads
  std::vector<double> max_sequences;   // per workload: concurrent sequences within the budget (memory alone)
  std::vector<Limit> max_batch;        // per workload: the largest batch meeting memory and every SLO, and what binds
  bool feasible = true;
  std::string infeasible_reason;   // the first constraint it breaks, with numbers
  double cost = 0;                 // geometric mean over workloads of ∛(decode×prefill×memory vs baseline)
  Risk risk;                       // the worst workload's terms
  std::vector<Risk> risk_per_workload;  // aligned with the workloads: the same design and workload give the same terms in every plan
  double score = 0;                // risk + 0.25·log2(cost); lower is better
  int rank = 0;                    // 1 = best feasible; 0 = infeasible
};

struct PlanResult {
  std::vector<Workload> workloads;
  double budget_bytes = 0;            // the baseline's weights + KV budget per GPU (the engine's rule)
  std::vector<Candidate> candidates;  // baseline first, proposed second (when given), then the space
  int recommended = -1;
  int runner_up = -1;
  bool baseline_meets_all = false;     // the model as it is meets every constraint: it is the recommendation
  bool require_early_recall = false;    // --require early-recall was given
  int feasible_count = 0;
  bool has_family = false;              // --family was given
  DesignFamily family = DesignFamily::sparse;
  int family_pick = -1;                 // the best-ranked feasible design of that family; -1: none meets every constraint
};

// Throws InputError when the budget is smaller than the weights or no candidate fits it.
PlanResult plan(const PlanInputs& in);

// Indices of candidates in rank order (feasible only).
std::vector<int> ranked(const PlanResult& p);

}  // namespace attncost
