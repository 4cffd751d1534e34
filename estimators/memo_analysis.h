// What a design memo says, decided here from a plan's result and rendered by reports/memo.cc:
// per workload what breaks and why (capacity or latency, with the numbers), what the numbers can
// and cannot explain, the minimal change next to the recommendation, one row per design family,
// the explicit sparse-vs-linear choice, mitigations and their cost, how close the choice is and
// what would flip it, and the assumptions. Pure: estimates only.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "estimators/plan.h"
#include "estimators/retraining.h"
#include "estimators/reverse.h"

namespace attncost {

struct WorkloadSituation {
  size_t index = 0;                // into PlanResult::workloads
  bool fits = false, itl_ok = true, ttft_ok = true;
  double kv_read_share = 0;        // of a decode step's HBM bytes
  uint64_t fitting_batch = 0;      // when the batch does not fit: the sequences that do (baseline)
  std::optional<Estimate> at_fitting_batch;  // the baseline at that batch
  Limit base_limit, rec_limit;     // the largest batch meeting memory and every SLO, and what binds
  bool beyond_trained_context = false;  // ctx + gen past the model's max_position_embeddings
};

struct FamilyRow {
  const Candidate* shown = nullptr;  // the family's best member (feasible first, then score)
  int members = 0;                   // KV-dtype variants of the same sharing and pattern
  std::string tag;                   // "baseline", "minimal change", "recommended", "runner-up", ""
};

struct Mitigation {
  std::string name, side_effects;    // side effects with their numbers: bytes, decode time, reach vs the prompts
  Design design;
  std::vector<Estimate> est;
  bool meets_all = true;             // memory and every SLO, every workload
  bool early_recall = true;          // the early-recall rule on every workload
};

struct Flip {
  std::string condition;             // "without --require early-recall"
  const Candidate* pick = nullptr;
};

struct BatchSensitivity {
  uint64_t batch = 0;
  Estimate base, rec;
};

// A design's memory and mean ITL against context at one workload's batch: what a memo charts.
struct CurvePoint {
  double ctx = 0, memory_bytes = 0, itl_s = 0, ttft_s = 0;
  bool fits = true;
};
struct DesignCurve {
  const Candidate* design = nullptr;
  std::vector<CurvePoint> points;
};

// The subject design under one engine's capacity rule (budget, allocation, per-step overhead).
struct EngineCapacity {
  EngineKind kind = EngineKind::plain;
  std::vector<Estimate> est;  // per workload
};

// Two workloads on one GPU: a long prefill of one stalls the decode of another with an ITL target.
// Chunked prefill bounds the stall to one chunk per step; disaggregation moves the prefill away.
struct Colocation {
  size_t decoding = 0, prefilling = 0;  // workload indices
  double prefill_s = 0;                 // the whole prompt's prefill (its TTFT on a free GPU)
  double itl_s = 0;                     // the decoding workload's mean ITL alone
  uint64_t chunk = 0;                   // the largest power-of-two chunk keeping ITL + one chunk within target (0: none down to 128)
  double chunk_s = 0;                   // mean time of one such chunk
  double ttft_chunked_s = 0;            // the prefilling workload's TTFT in those chunks, each after one decode step of the other
  uint64_t chunks = 0;
  double kv_transfer_bytes = 0;         // disaggregated: the KV of one prefilled sequence sent to the decode GPU
};

struct MemoAnalysis {
  const Candidate* base = nullptr;
  const Candidate* rec = nullptr;
  const Candidate* runner = nullptr;
  const Candidate* proposed = nullptr;
  const Candidate* minimal = nullptr;  // fewest changed dimensions that meets everything (nullptr: none, or the baseline itself)
  bool nothing_broken = false;         // the baseline meets every constraint
  size_t longest = 0;                  // the workload with the most tokens
  std::vector<WorkloadSituation> situations;
  std::vector<FamilyRow> families;
  const Candidate* best_sparse = nullptr;
  const Candidate* best_linear = nullptr;
  std::string sparse_vs_linear;        // "sparse", "linear" or "neither": which family this workload mix favours
  std::vector<Mitigation> mitigations;  // for `subject`
  // --family: the best design of that family meeting every constraint (family_pick), or, when
  // none does, its closest member (family_closest, with its infeasible_reason).
  std::string family;
  const Candidate* family_pick = nullptr;
  const Candidate* family_closest = nullptr;
  const Candidate* subject = nullptr;  // whose mitigations section 5 computes: the family pick when asked, else the recommendation
  uint64_t window = 0;                 // the subject's widest window (0: none)
  double window_layers = 0;            // its window layers
  double sink_bytes = 0;               // KV of 4 sink tokens in every window layer, one sequence
  double receptive_field = 0;          // L·w tokens: the farthest a relay through every layer reaches
  double runner_gap = 0;               // runner-up score − recommendation score
  std::string runner_flip;             // the smallest policy change that would make the runner-up win, in words
  std::vector<Flip> flips;
  std::vector<std::vector<BatchSensitivity>> batches;  // per workload: batch 1 and twice the batch
  std::vector<Colocation> colocations;  // every (decoding with an ITL target, other workload) pair whose whole prefill breaks the target
  std::vector<std::pair<const Candidate*, Retraining>> retraining;  // minimal change, asked family, recommendation: what each needs before serving
  std::vector<EngineCapacity> engines;  // the subject under plain, vLLM, SGLang and TensorRT-LLM rules; the plan's own first
  std::vector<Estimate> rec_at_peak;   // per workload: the recommendation under the plain datasheet roofline
  // The naive (materialized n×n) prefill of the longest workload: one layer's score matrix, and
  // the estimate when weights plus that matrix fit the budget.
  double naive_scores_bytes = 0;
  std::optional<Estimate> naive_prefill;
  std::vector<const Candidate*> charted;              // baseline, minimal change, recommendation, runner-up, best linear/state
  std::vector<std::vector<DesignCurve>> curves;      // per workload, per charted design
};

MemoAnalysis analyze_memo(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p);

// How many of KV sharing, pattern and KV dtype a design changes from the baseline.
int changed_dimensions(const Design& d, const Design& baseline);

}  // namespace attncost
