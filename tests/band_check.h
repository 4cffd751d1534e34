// The error bands of model/presets/bands/bands.json recomputed from the held-out errors a
// published-measurement test has just computed, so that the bands cannot drift from their rows:
// every entry naming the test must have its n and its quantile (to 0.05 percentage point), and
// every group of held-out rows the test computed must have its entry.
#pragma once
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "estimators/uncertainty.h"

namespace attncost::published {

// Held-out |predicted/measured − 1| by "kind|family|arch" (family empty but for prefill_attention).
using HeldOut = std::map<std::string, std::vector<double>>;

inline std::string band_key(const std::string& kind, const std::string& family, const std::string& arch) { return kind + "|" + family + "|" + arch; }

// Returns a table of the recomputed bands (for the test's report).
inline std::string check_bands(const std::string& test, const HeldOut& held) {
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
