// Renderings of a probe run: a terminal table, SPEC §4's "attncost.probe/1" JSON, Markdown for a
// validation summary, and JUnit XML for CI systems.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "cuda_probe/run.h"

namespace attncost::probe {

std::string report_text(const Report& r);
nlohmann::json report_json(const Report& r);
std::string report_md(const Report& r);
std::string report_junit(const Report& r);
std::string calibration_text(const Calibration& c);

}  // namespace attncost::probe
