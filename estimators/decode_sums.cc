#include "estimators/decode_sums.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "estimators/context_ops.h"
#include "estimators/parallel.h"
#include "estimators/pattern_counts.h"
#include "estimators/roofline.h"

namespace attncost {
namespace {

// Breakpoint runs beyond this count (a short chunk over a very long generation) treat the
// pattern as varying at every position instead.
constexpr size_t kMaxSegments = size_t{1} << 16;
// Runs no bound settles are summed step by step from this length down.
constexpr uint64_t kLeafSteps = 64;
// Steps summed one by one in all, at most; beyond, unsettled runs are sampled.
constexpr uint64_t kMaxExplicitSteps = uint64_t{1} << 22;
constexpr uint64_t kSampledSteps = 4096;

// One micro-batch's decode step at context c: its operators with the roofline applied.
struct Decoder {
  const StepContext& sc;
  uint64_t q;
  double per;  // sequences per micro-batch
  uint64_t micro;
  double send;  // one stage boundary's send
  // A step of this batch and q already costed at some context, or nullptr: its GEMMs, scans and
  // collectives are every step's, so only the context's operators are re-costed (context_ops.h).
  const OpList* known = nullptr;

  void ops_at(uint64_t c, OpList& out) const {
    StepLoad load(sc.use_count);
    add_decode(sc, load, c, q, per);
    ops_of(load, out);
  }
  void ops_of(const StepLoad& load, OpList& out) const {
    if (known) {
      out = *known;
      rebuild_context_ops(sc, load, out);
      return;
    }
    build_step_ops(sc, load, out);
    for (OpCost& op : out.used()) apply_roofline(op, *sc.gpu, sc.kernels);
  }
  static double layers_time(const OpList& ops) {
    double t = 0;
    for (const OpCost& op : ops.used()) t += op.layers * op.time_s;
    return t;
  }
  // Every step through the pipeline: affine in the layers' time, so sums transform exactly.
  double step(double layers_s) const { return pipeline_s(*sc.model, *sc.design, layers_s, send, true, micro); }
};

// Adds the contexts in (lo, hi] where a decode-step quantity of pattern p starts a new affine
// piece (q queries per step at positions c−1 … c+q−2). False: its keys change at every context.
bool decode_breaks(const Pattern& p, uint64_t lo, uint64_t hi, uint64_t q, std::vector<uint64_t>& out) {
  auto add_kink = [&](uint64_t at) {
    for (uint64_t j = 0; j < q; ++j)
      if (at > j && at - j > lo && at - j <= hi) out.push_back(at - j);
  };
  switch (p.kind) {
    case PatternKind::window: add_kink(p.window); return true;
    case PatternKind::sinks: add_kink(p.sinks + p.window); return true;
    case PatternKind::topk: add_kink(p.topk); return true;
    case PatternKind::chunk: {
      // pairs(c − 1) = ((c − 1) mod C) + 1 restarts at c = kC + 1.
      const uint64_t first = lo / p.chunk, last = (hi + q) / p.chunk + 1;
      if ((last - first) * q > kMaxSegments) return false;
      for (uint64_t k = first; k <= last; ++k) add_kink(k * p.chunk + 1);
      return true;
    }
    case PatternKind::strided:
    case PatternKind::axial:
    case PatternKind::block: return false;
    case PatternKind::dense:
    case PatternKind::linear:
    case PatternKind::ssm:
    case PatternKind::deltanet:
    case PatternKind::mamba2:
    case PatternKind::shortconv:
    case PatternKind::lightning:
    case PatternKind::none: return true;  // affine everywhere
  }
  return true;
}

// An attention operator of a varying pattern, as affine functions of the step's key counts:
// term = x0 + xp·P + xk·K + xs·S for compute (c) and memory (m); network and launch are constant.
struct VaryingOp {
  int pattern = 0;
  double layers = 1;
  double c0 = 0, cp = 0, ck = 0, cs = 0;
  double m0 = 0, mp = 0, mk = 0, ms = 0;
  double net = 0, launch = 0;
  bool after = false;  // the network term follows the max (CP decode's all-gather)
};

// The counts of one micro-batch's step at context c.
struct Counts {
  double P = 0, K = 0, S = 0;
};
Counts counts_at(const Pattern& p, const Decoder& dc, uint64_t c) {
  Counts x;
  double keys = 0;
  for (uint64_t j = 0; j < dc.q; ++j) keys += static_cast<double>(decode_pairs(p, c + j));
  x.P = dc.per * keys;
  x.K = dc.per * static_cast<double>(decode_pairs(p, c + dc.q - 1));
  x.S = dc.per * static_cast<double>(dc.q) * static_cast<double>(c + dc.q - 1);
  return x;
}

double compute_of(const VaryingOp& v, const Counts& x) { return v.c0 + v.cp * x.P + v.ck * x.K + v.cs * x.S; }
double memory_of(const VaryingOp& v, const Counts& x) { return v.m0 + v.mp * x.P + v.mk * x.K + v.ms * x.S; }
double time_of(const VaryingOp& v, const Counts& x) {
  const double c = compute_of(v, x), m = memory_of(v, x);
  return v.after ? std::max(c, m) + v.net + v.launch : std::max({c, m, v.net}) + v.launch;
}

// Reads the affine terms of the attention operator of pattern `u` off four builds of the step
// at context `a`: with the pattern's P, K and S zeroed, and with each set to one.
VaryingOp varying_terms(const Decoder& dc, int u, uint64_t a, OpList& scratch) {
  StepLoad base(dc.sc.use_count);
  add_decode(dc.sc, base, a, dc.q, dc.per);
  PatternLoad& L = base.decode[static_cast<size_t>(u)];
  L.pairs = L.keys_read = L.scored = 0;
  VaryingOp v;
  v.pattern = u;
  auto read = [&](const StepLoad& load, double& compute, double& memory) {
    dc.ops_of(load, scratch);
    for (const OpCost& op : scratch.used())
      if (op.kind == OpKind::attention && op.pattern == u) {
        compute = op.compute_s, memory = op.memory_s;
        v.layers = op.layers, v.net = op.network_s, v.launch = op.launch_s, v.after = op.comm_after;
        return;
      }
  };
  read(base, v.c0, v.m0);
  double c = 0, m = 0;
  StepLoad unit = base;
  unit.decode[static_cast<size_t>(u)].pairs = 1;
  read(unit, c, m);
  v.cp = c - v.c0, v.mp = m - v.m0;
  unit = base;
  unit.decode[static_cast<size_t>(u)].keys_read = 1;
  read(unit, c, m);
  v.ck = c - v.c0, v.mk = m - v.m0;
  unit = base;
  unit.decode[static_cast<size_t>(u)].scored = 1;
  read(unit, c, m);
  v.cs = c - v.c0, v.ms = m - v.m0;
  return v;
}

// Sums a varying operator's time over contexts [a, b].
struct VaryingSum {
  const Decoder& dc;
  const Pattern& p;
  const VaryingOp& v;
  uint64_t explicit_left = kMaxExplicitSteps;
  bool exact = true;

  double sum(uint64_t a, uint64_t b) {
    const double count = static_cast<double>(b - a + 1);
    const double q = static_cast<double>(dc.q);
    const PairsBounds x = decode_pairs_bounds(p, a, b + dc.q - 1);
    // The box the counts of every step of the run lie in.
    const double P[2] = {dc.per * q * static_cast<double>(x.min), dc.per * q * static_cast<double>(x.max)};
    const double K[2] = {dc.per * static_cast<double>(x.min), dc.per * static_cast<double>(x.max)};
    const double S[2] = {dc.per * q * static_cast<double>(a + dc.q - 1), dc.per * q * static_cast<double>(b + dc.q - 1)};
    // Which term dominates at every corner (the terms are affine, so then everywhere in the box).
    bool compute_wins = true, memory_wins = true, net_wins = true;
    for (int i = 0; i < 8; ++i) {
      const Counts k{P[i & 1], K[(i >> 1) & 1], S[(i >> 2) & 1]};
      const double c = compute_of(v, k), m = memory_of(v, k), n = v.after ? 0 : v.net;
      compute_wins = compute_wins && c >= m && c >= n;
      memory_wins = memory_wins && m >= c && m >= n;
      net_wins = net_wins && n >= c && n >= m;
    }
    if (compute_wins || memory_wins || net_wins) {
      // Closed forms of the counts' sums over the run.
      double sum_p = 0;
      for (uint64_t j = 0; j < dc.q; ++j) sum_p += to_double(sum_decode_pairs(p, a + j, b + j));
      const double SP = dc.per * sum_p;
      const double SK = dc.per * to_double(sum_decode_pairs(p, a + dc.q - 1, b + dc.q - 1));
      const double SS = dc.per * q * (count * (q - 1) + (static_cast<double>(a) + static_cast<double>(b)) / 2 * count);
      double terms;
      if (compute_wins) terms = v.c0 * count + v.cp * SP + v.ck * SK + v.cs * SS;
      else if (memory_wins) terms = v.m0 * count + v.mp * SP + v.mk * SK + v.ms * SS;
      else terms = v.net * count;
      return terms + count * (v.launch + (v.after ? v.net : 0));
    }
    const uint64_t len = b - a + 1;
    if (len <= kLeafSteps) {  // step by step, from the same affine terms
      explicit_left -= std::min(explicit_left, len);
      double s = 0;
      for (uint64_t c = a; c <= b; ++c) s += time_of(v, counts_at(p, dc, c));
      return s;
    }
    if (explicit_left == 0) {  // the budget is spent: sample the run evenly
      exact = false;
      double mean = 0;
      for (uint64_t i = 0; i < kSampledSteps; ++i)
        mean += time_of(v, counts_at(p, dc, a + static_cast<uint64_t>(std::llround(static_cast<double>(i) * static_cast<double>(b - a) / (kSampledSteps - 1)))));
      return mean / kSampledSteps * count;
    }
    const uint64_t mid = a + (b - a) / 2;
    return sum(a, mid) + sum(mid + 1, b);
  }
};

}  // namespace

double sum_max_affine(std::span<const AffineLine> lines, uint64_t len) {
  if (lines.empty()) return 0;
  const double L = static_cast<double>(len);
  // Integer cut points where the upper envelope may change line (at most 3 lines: 3 crossings).
  double cuts[8] = {0, L + 1};
  size_t n_cuts = 2;
  for (size_t i = 0; i < lines.size(); ++i)
    for (size_t k = i + 1; k < lines.size(); ++k) {
      const double db = lines[i].beta - lines[k].beta;
      if (db == 0) continue;
      const double t = (lines[k].alpha - lines[i].alpha) / db;
      if (t > 0 && t < L && n_cuts < 8) cuts[n_cuts++] = std::floor(t) + 1;
    }
  for (size_t i = 1; i < n_cuts; ++i)  // insertion sort of at most 8
    for (size_t k = i; k > 0 && cuts[k - 1] > cuts[k]; --k) std::swap(cuts[k - 1], cuts[k]);
  n_cuts = static_cast<size_t>(std::unique(cuts, cuts + n_cuts) - cuts);
  double sum = 0;
  for (size_t c = 0; c + 1 < n_cuts; ++c) {
    const double s = cuts[c], e = cuts[c + 1] - 1;  // integers s … e
    if (e < s) continue;
    const double mid = (s + e) / 2;
    const AffineLine* best = &lines[0];
    for (const AffineLine& l : lines)
      if (l.alpha + l.beta * mid > best->alpha + best->beta * mid) best = &l;
    sum += (e - s + 1) * (best->alpha + best->beta * mid);  // Σ_{t=s}^{e} (α + βt) = count·(α + β·mean t)
  }
  return sum;
}

StepSum sum_decode_steps(const StepContext& sc, uint64_t batch, uint64_t q, uint64_t lo, uint64_t hi, const OpList* known) {
  StepSum s;
  const Design& d = *sc.design;
  q = std::max<uint64_t>(1, q);
  const uint64_t micro = micro_batches(d, batch);
  const double per = static_cast<double>((batch + micro - 1) / micro);
  Decoder dc{sc, q, per, micro, stage_send_s(*sc.model, d, *sc.gpu, per * static_cast<double>(q)), known};

  // Runs between the breakpoints of the piecewise-affine patterns; the others vary per step.
  // Scratch reused across calls on this thread: a sum costs no allocation once it has grown.
  thread_local std::vector<uint64_t> starts;
  thread_local OpList at_a, at_b, scratch, first;
  starts.assign(1, lo);
  std::array<bool, kMaxDistinctPatterns> varies{};
  for (int u = 0; u < sc.use_count; ++u)
    if (sc.uses[static_cast<size_t>(u)].layers > 0) varies[static_cast<size_t>(u)] = !decode_breaks(sc.uses[static_cast<size_t>(u)].pattern, lo, hi, q, starts);
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());

  for (size_t k = 0; k < starts.size(); ++k) {
    const uint64_t a = starts[k], b = k + 1 < starts.size() ? starts[k + 1] - 1 : hi;
    dc.ops_at(a, at_a);
    if (!dc.known && (b > a || k + 1 < starts.size())) {  // more steps to cost: keep this one's operators
      first = at_a;
      dc.known = &first;
    }
    if (a == lo) s.first = Decoder::layers_time(at_a);
    if (b == a) {
      s.sum += Decoder::layers_time(at_a);
      if (b == hi) s.last = Decoder::layers_time(at_a);
      continue;
    }
    dc.ops_at(b, at_b);
    if (b == hi) s.last = Decoder::layers_time(at_b);
    const double len = static_cast<double>(b - a);
    for (int i = 0; i < at_a.count; ++i) {
      const OpCost& x = at_a.ops[static_cast<size_t>(i)];
      if (x.kind == OpKind::attention && x.pattern >= 0 && varies[static_cast<size_t>(x.pattern)]) {
        const VaryingOp v = varying_terms(dc, x.pattern, a, scratch);
        VaryingSum vs{dc, sc.uses[static_cast<size_t>(x.pattern)].pattern, v};
        s.sum += v.layers * vs.sum(a, b);
        s.exact = s.exact && vs.exact;
        continue;
      }
      const OpCost& y = at_b.ops[static_cast<size_t>(i)];
      const AffineLine lines[3] = {{x.compute_s, (y.compute_s - x.compute_s) / len},
                                   {x.memory_s, (y.memory_s - x.memory_s) / len},
                                   {x.network_s, (y.network_s - x.network_s) / len}};
      if (x.comm_after)  // max(compute, memory) + network: the network's affine sum adds
        s.sum += x.layers * (sum_max_affine(std::span(lines, 2), b - a) + (len + 1) * ((x.network_s + y.network_s) / 2 + x.launch_s));
      else
        s.sum += x.layers * (sum_max_affine(lines, b - a) + (len + 1) * x.launch_s);
    }
  }
  if (d.pp > 1) {
    const double count = static_cast<double>(hi - lo + 1);
    s.sum = dc.step(s.sum) + (count - 1) * dc.step(0);
    s.first = dc.step(s.first), s.last = dc.step(s.last);
  }
  return s;
}

}  // namespace attncost
