// `plan --max ctx|batch|sequences`: for the recommended, proposed, baseline and runner-up designs, on every
// workload, the largest context or batch that the plan's constraints allow, and which constraint
// stopped it. Pure; reports render it.
#pragma once
#include <string>
#include <vector>

#include "estimators/plan.h"
#include "estimators/reverse.h"

namespace attncost {

enum class LimitKind : uint8_t { ctx, batch, sequences };
// Parses ctx|batch|sequences; throws InputError naming --max otherwise.
LimitKind parse_limit_kind(const std::string& text);
std::string_view limit_kind_name(LimitKind k);

struct PlanLimit {
  std::string design;      // label
  Role role = Role::alternative;
  bool recommended = false;
  bool runner_up = false;
  std::string workload;
  LimitKind kind = LimitKind::ctx;
  uint64_t at_batch = 0;   // ctx limits: the workload's batch; batch limits: its ctx
  uint64_t at_ctx = 0;
  Limit limit;
  std::string binding;     // the constraint that stops it ("memory")
  // With latency targets: the answer if the times were at the ends of their held-out bands
  // (uncertainty.h) — targets tightened to slo·(1 − b) (times as slow as the band allows) and
  // loosened to slo·(1 + b). Memory has no band: a memory-bound answer keeps its value.
  bool has_range = false;
  Limit low, high;
};

std::vector<PlanLimit> plan_limits(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p, LimitKind kind);

}  // namespace attncost
