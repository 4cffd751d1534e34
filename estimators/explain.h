// `estimate --explain`: every quantity with the formula docs/cost-model.md writes for it and the
// same formula with the user's numbers substituted. The lines are emitted by the code that
// computes each quantity (build_ops, the KV and memory accounting) right where it computes it, so
// an explanation cannot drift from the number it explains; a test evaluates every substituted
// expression and checks it against the value.
#pragma once
#include <string>
#include <vector>

#include "estimators/estimate.h"

namespace attncost {

struct ExplainLine {
  std::string quantity;     // "KV bytes per token, one layer"
  std::string formula;      // symbolic: "kv_heads·(d_k + d_v)·bytes(kv_dtype)"
  std::string substituted;  // numbers only, + - × / ( ) min max ceil: "8 × (128 + 128) × 2"
  double value = 0;
  std::string unit;         // "B", "FLOP", "s", "pairs", "tokens", "params"
};

struct ExplainSection {
  std::string title;
  std::vector<ExplainLine> lines;
};

// Collects lines into sections; build_ops and the accounting write into it when given one.
class Explainer {
 public:
  void section(std::string title);
  void line(std::string quantity, std::string formula, std::string substituted, double value, std::string unit);
  std::vector<ExplainSection> sections;
};

// A number as the substituted expressions print it: integers exactly, others round-trip.
std::string ex_num(double v);

// ex_num under the one-letter name the explained formulas use (see model/short_names.h).
namespace short_names {
inline std::string N(double v) { return ex_num(v); }
}  // namespace short_names

std::vector<ExplainSection> explain(const ModelConfig& m, const Design& d, const Workload& w, const GpuSpec& gpu, const Estimate& e);

}  // namespace attncost
