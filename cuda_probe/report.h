// Renderings of a probe run: a terminal table, SPEC §4's "attncost.probe/1" JSON, Markdown for a
// validation summary, and JUnit XML for CI systems.
#pragma once
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "cuda_probe/run.h"

namespace attncost::probe {

std::string report_text(const Report& r);
nlohmann::json report_json(const Report& r);
std::string report_md(const Report& r);
std::string report_junit(const Report& r);
std::string calibration_text(const Calibration& c);

// Reads a run written by report_json (`probe --format json`) back: device, ceilings, recorded
// efficiencies and every case's measurement. Predictions are not read: the caller re-predicts
// with the current estimator (prediction_spec + repredict). Throws InputError naming `what` and
// the field on anything malformed.
Report report_from_json(const nlohmann::json& j, const std::string& what);

}  // namespace attncost::probe
