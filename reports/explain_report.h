// Renderings of `estimate --explain`: each quantity with its formula and the formula with the
// user's numbers, as text, Markdown or a JSON array.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "estimators/explain.h"

namespace attncost {

std::string explain_text(const std::vector<ExplainSection>& sections);
std::string explain_md(const std::vector<ExplainSection>& sections);
nlohmann::json explain_json(const std::vector<ExplainSection>& sections);

// `--explain` on plan, compare and sweep: the same renderings, one block per design and workload.
struct ExplainedEstimate {
  std::string design, role, workload;
  std::vector<ExplainSection> sections;
};
std::string explained_text(const std::vector<ExplainedEstimate>& blocks);
std::string explained_md(const std::vector<ExplainedEstimate>& blocks);
nlohmann::json explained_json(const std::vector<ExplainedEstimate>& blocks);

}  // namespace attncost
