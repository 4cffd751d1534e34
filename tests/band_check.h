// The error bands of model/presets/bands/bands.json recomputed from the held-out errors a
// published-measurement test has just computed, so that the bands cannot drift from their rows:
// every entry naming the test must have its n and its quantile (to 0.05 percentage point), and
// every group of held-out rows the test computed must have its entry.
#pragma once
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "estimators/uncertainty.h"

namespace attncost::published {

// Held-out |predicted/measured − 1| by "kind|family|arch" (family empty but for prefill_attention).
using HeldOut = std::map<std::string, std::vector<double>>;

inline std::string band_key(const std::string& kind, const std::string& family, const std::string& arch) { return kind + "|" + family + "|" + arch; }

// ATTNCOST_UPDATE_BANDS=1: writes the recomputed bands of `test` (4 decimals, with n) into
// model/presets/bands/bands.json, and its default as the widest supported band, as
// ATTNCOST_UPDATE_GOLDEN does for the memos; review the diff and rebuild (the file is compiled in).
inline void update_bands(const std::string& test, const HeldOut& held) {
  const std::string path = std::string(ATTNCOST_SOURCE_DIR) + "/model/presets/bands/bands.json";
  nlohmann::ordered_json j;
  std::ifstream(path) >> j;
  double widest = 0;
  for (auto& e : j["bands"]) {
    if (e["test"] == test) {
      std::vector<double> rows;
      for (const auto& arch : e["archs"]) {
        const std::string key = band_key(e["kind"], e.value("family", std::string()), arch);
        if (held.count(key)) rows.insert(rows.end(), held.at(key).begin(), held.at(key).end());
      }
      e["band"] = std::round(band_of(rows, band_quantile()) * 1e4) / 1e4;
      e["n"] = rows.size();
    }
    if (e["n"].get<int>() >= j["min_rows"].get<int>()) widest = std::max(widest, e["band"].get<double>());
  }
  j["unmeasured"]["band"] = widest;
  std::ofstream(path) << j.dump(2, ' ', false) << "\n";
  WARN("updated " << path << " from " << test << ": review the diff and rebuild");
}

// Returns a table of the recomputed bands (for the test's report).
inline std::string check_bands(const std::string& test, const HeldOut& held) {
  if (std::getenv("ATTNCOST_UPDATE_BANDS")) {
    update_bands(test, held);
    return "(bands.json updated: rebuild and rerun to check)\n";
  }
  std::set<std::string> covered;
  std::string report = "| band | archs | n | recomputed | bands.json |\n|---|---|---:|---:|---:|\n";
  for (const BandEntry& e : band_entries()) {
    if (e.test != test) continue;
    std::vector<double> rows;
    for (const std::string& arch : e.archs) {
      const std::string key = band_key(e.kind, e.family, arch);
      covered.insert(key);
      if (held.count(key)) rows.insert(rows.end(), held.at(key).begin(), held.at(key).end());
    }
    const double band = band_of(rows, band_quantile());
    report += fmt::format("| {} {} | {} | {} | {:.4f} | {:.4f} |\n", e.kind, e.family, fmt::join(e.archs, ","), rows.size(), band, e.band);
    INFO("band " << e.kind << " " << e.family << " recomputed " << band << " over " << rows.size() << " held-out rows; bands.json says " << e.band << " over " << e.n);
    CHECK(static_cast<int>(rows.size()) == e.n);
    CHECK(std::fabs(band - e.band) <= 5e-4);
  }
  for (const auto& [key, rows] : held) {
    INFO("held-out rows " << key << " (" << rows.size() << ") have no entry in model/presets/bands/bands.json");
    CHECK(covered.count(key));
  }
  return report;
}

}  // namespace attncost::published
