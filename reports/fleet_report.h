// `plan --rate R`: the fleet that serves R requests/s for each workload (estimators/fleet.h), as
// text lines, the JSON `fleet` array, or a memo section. Renders only.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "estimators/fleet.h"
#include "reports/doc.h"

namespace attncost {

std::string fleet_text(const ModelConfig& m, const std::vector<FleetResult>& fleets);
nlohmann::json fleet_json(const ModelConfig& m, const std::vector<FleetResult>& fleets);
void fleet_doc(Doc& doc, const ModelConfig& m, const std::vector<FleetResult>& fleets);

}  // namespace attncost
