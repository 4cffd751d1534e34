#include "estimators/plan_limits.h"

#include <algorithm>

#include <fmt/format.h>

#include "model/error.h"

namespace attncost {

LimitKind parse_limit_kind(const std::string& text) {
  if (text == "ctx") return LimitKind::ctx;
  if (text == "batch") return LimitKind::batch;
  if (text == "sequences") return LimitKind::sequences;
  throw InputError(fmt::format("--max '{}': expected ctx, batch or sequences", text));
}

std::string_view limit_kind_name(LimitKind k) {
  switch (k) {
    case LimitKind::ctx: return "ctx";
    case LimitKind::batch: return "batch";
    case LimitKind::sequences: return "sequences";
  }
  return "ctx";
}

std::vector<PlanLimit> plan_limits(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p, LimitKind kind) {
  // One answer per design the plan names (recommended, baseline, proposed, runner-up) and workload.
  std::vector<const Candidate*> subjects = {&p.candidates[static_cast<size_t>(p.recommended)]};
  for (const Candidate& c : p.candidates)
    if (c.role != Role::alternative && &c != subjects.front()) subjects.push_back(&c);
  if (p.runner_up >= 0 && std::find(subjects.begin(), subjects.end(), &p.candidates[static_cast<size_t>(p.runner_up)]) == subjects.end())
    subjects.push_back(&p.candidates[static_cast<size_t>(p.runner_up)]);
  std::vector<PlanLimit> out;
  for (const Candidate* c : subjects)
    for (size_t k = 0; k < p.workloads.size(); ++k) {
      const Workload& w = p.workloads[k];
      PlanLimit l;
      l.design = c->label;
      l.role = c->role;
      l.recommended = c == subjects.front();
      l.runner_up = p.runner_up >= 0 && c == &p.candidates[static_cast<size_t>(p.runner_up)];
      l.workload = w.name;
      l.kind = kind;
      l.at_batch = w.batch;
      l.at_ctx = w.ctx;
      l.limit = kind == LimitKind::ctx ? max_context(m, c->design, w, gpu) : max_batch(m, c->design, w, gpu);
      l.binding = l.limit.unbounded ? "none up to 2^40" : l.limit.binding;
      // The answer at the ends of the times' bands (once per answer; the design's bands do not depend on the workload).
      if ((w.slo_ms > 0 || w.ttft_slo_ms > 0) && !c->per_workload.empty()) {
        const Bands& b = c->per_workload[std::min(k, c->per_workload.size() - 1)].bands;
        auto at = [&](double sign) {
          Workload v = w;
          v.slo_ms *= 1 + sign * b.itl.rel, v.ttft_slo_ms *= 1 + sign * b.ttft.rel;
          return kind == LimitKind::ctx ? max_context(m, c->design, v, gpu) : max_batch(m, c->design, v, gpu);
        };
        l.has_range = true, l.low = at(-1), l.high = at(+1);
      }
      out.push_back(std::move(l));
    }
  return out;
}

}  // namespace attncost
