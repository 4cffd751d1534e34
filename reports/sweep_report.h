// Renderings of a sweep: the streamed rows (CSV, JSON lines, an aligned text table), the
// crossover lines, and the SVG chart of the curves.
#pragma once
#include <string>

#include "estimators/explain.h"
#include "estimators/sweep.h"
#include "reports/reports.h"

namespace attncost {

enum class SweepFormat : uint8_t { csv, jsonl, text };

std::string sweep_header(SweepFormat f);
// With `explained` (--explain), text rows are followed by their formulas and JSON lines carry an `explain` key.
void append_sweep_row(std::string& out, SweepFormat f, const EstimateInputs& in, const Estimate& e,
                      const std::vector<ExplainSection>* explained = nullptr);
std::string sweep_crossovers_text(const SweepGrid& g, const std::vector<SweepCrossover>& crossovers, SweepFormat f);
std::string sweep_chart_svg(const SweepGrid& g, const SweepCurves& curves);

}  // namespace attncost
