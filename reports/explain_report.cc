#include "reports/explain_report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/reports.h"

namespace attncost {
namespace {

// The value in the unit a reader expects: bytes and times in human units, counts in full.
std::string shown(const ExplainLine& l) {
  if (l.unit == "B") return fmt::format("{} ({})", human_bytes(l.value), ex_num(l.value) + " B");
  if (l.unit == "s") return human_time(l.value);
  return fmt::format("{} {}", ex_num(l.value), l.unit);
}

}  // namespace

std::string explain_text(const std::vector<ExplainSection>& sections) {
  std::string out = "explain (formulas: docs/cost-model.md)\n";
  for (const ExplainSection& s : sections) {
    out += fmt::format("\n{}\n", s.title);
    for (const ExplainLine& l : s.lines)
      out += fmt::format("  {}\n      = {}\n      = {}\n      = {}\n", l.quantity, l.formula, l.substituted, shown(l));
  }
  return out;
}

std::string explain_md(const std::vector<ExplainSection>& sections) {
  std::string out = "## How each number is computed\n\nFormulas as in `docs/cost-model.md`, with this estimate's numbers.\n";
  for (const ExplainSection& s : sections) {
    out += fmt::format("\n### {}\n\n| quantity | formula | with the numbers | value |\n|---|---|---|---:|\n", s.title);
    for (const ExplainLine& l : s.lines)
      out += fmt::format("| {} | `{}` | `{}` | {} |\n", l.quantity, l.formula, l.substituted, shown(l));
  }
  return out;
}

nlohmann::json explain_json(const std::vector<ExplainSection>& sections) {
  nlohmann::json out = nlohmann::json::array();
  for (const ExplainSection& s : sections) {
    nlohmann::json lines = nlohmann::json::array();
    for (const ExplainLine& l : s.lines)
      lines.push_back({{"quantity", l.quantity}, {"formula", l.formula}, {"substituted", l.substituted}, {"value", l.value}, {"unit", l.unit}});
    out.push_back({{"section", s.title}, {"lines", std::move(lines)}});
  }
  return out;
}

namespace {
std::string block_title(const ExplainedEstimate& b) {
  return fmt::format("{}{} at {}", b.design, b.role.empty() ? "" : " (" + b.role + ")", b.workload);
}
}  // namespace

std::string explained_text(const std::vector<ExplainedEstimate>& blocks) {
  std::string out;
  for (const ExplainedEstimate& b : blocks) out += fmt::format("\n=== {} ===\n{}", block_title(b), explain_text(b.sections));
  return out;
}

std::string explained_md(const std::vector<ExplainedEstimate>& blocks) {
  std::string out;
  for (const ExplainedEstimate& b : blocks) out += fmt::format("\n# Explained: {}\n\n{}", block_title(b), explain_md(b.sections));
  return out;
}

nlohmann::json explained_json(const std::vector<ExplainedEstimate>& blocks) {
  nlohmann::json out = nlohmann::json::array();
  for (const ExplainedEstimate& b : blocks)
    out.push_back({{"design", b.design}, {"role", b.role}, {"workload", b.workload}, {"sections", explain_json(b.sections)}});
  return out;
}

}  // namespace attncost
