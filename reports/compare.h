// Renderings of `compare`: a table with each row's ratio to the first row.
#pragma once
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "estimators/compare.h"

namespace attncost {

std::string comparison_text(const ModelConfig& m, const GpuSpec& gpu, const Comparison& c);
std::string comparison_md(const ModelConfig& m, const GpuSpec& gpu, const Comparison& c);
std::string comparison_csv(const ModelConfig& m, const GpuSpec& gpu, const Comparison& c);
nlohmann::json comparison_json(const ModelConfig& m, const GpuSpec& gpu, const Comparison& c);

}  // namespace attncost
