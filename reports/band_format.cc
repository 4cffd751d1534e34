// Predicted figures with their held-out error band (estimators/uncertainty.h): text prints a time
// to the digits its band supports and the band beside it ("7.1 ms (±12%)"); JSON puts the range
// the measured value lies in beside the figure ("ttft_range_s": [lo, hi]) and says what supports it.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/reports.h"

namespace attncost {

int band_digits(const Band& b) {
  if (b.rel <= 0) return 4;  // no band (a bound): the digits attncost printed before bands
  return b.rel <= 0.03 ? 3 : b.rel <= 0.30 ? 2 : 1;
}

std::string round_significant(double v, int digits) {
  if (v == 0 || !std::isfinite(v)) return fmt::format("{:.0f}", v);
  const int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(v))));
  const double scale = std::pow(10.0, digits - 1 - magnitude);
  const double r = std::round(v * scale) / scale;
  // Rounding can carry into the next decade (9.96 → 10.0 at 2 digits: "10", not "10.0").
  const int m2 = static_cast<int>(std::floor(std::log10(std::fabs(r))));
  return fmt::format("{:.{}f}", r, std::max(0, digits - 1 - m2));
}

std::string band_text(const Band& b) {
  if (b.rel <= 0) return "";
  const double pct = std::max(1.0, std::round(100 * b.rel));
  if (!b.measured)
    return fmt::format("no measurement {}; ±{:.0f}% assumed", b.basis == "none" ? "on this GPU" : "of these kernels", pct);
  return fmt::format("±{:.0f}%", pct);
}

std::string human_time(double s, const Band& b) {
  if (b.rel <= 0) return human_time(s);
  const int d = band_digits(b);
  if (s >= 3600) return round_significant(s / 3600, d) + " h";
  if (s >= 1) return round_significant(s, d) + " s";
  if (s >= 1e-3) return round_significant(s * 1e3, d) + " ms";
  return round_significant(s * 1e6, d) + " µs";
}

std::string banded_time(double s, const Band& b) { return b.rel > 0 ? human_time(s, b) + " (" + band_text(b) + ")" : human_time(s); }

std::string human_rate(double v, const Band& b) {
  if (b.rel <= 0) return human_count(v);
  const char* units[] = {"", " K", " M", " G", " T", " P", " E", " Z", " Y"};
  int u = 0;
  while (std::fabs(v) >= 1000 && u < 8) v /= 1000, ++u;
  return round_significant(v, band_digits(b)) + units[u];
}

std::string bands_text(const Bands& b) {
  auto one = [](const char* name, const Band& x) { return fmt::format("{} {}{}", name, band_text(x), x.measured ? fmt::format(" [{}]", x.basis) : ""); };
  return fmt::format("{}, {}, {}: the {:.0f}th percentile of held-out |predicted/measured − 1| (docs/cost-model.md §18)", one("TTFT", b.ttft), one("ITL", b.itl),
                     one("throughput", b.throughput), 100 * band_quantile());
}

nlohmann::json band_range(double x, const Band& b) { return nlohmann::json::array({b.lo(x), b.hi(x)}); }

nlohmann::json band_json(const Band& b) {
  return {{"relative", b.rel}, {"quantile", band_quantile()}, {"measured", b.measured}, {"basis", std::string(b.basis)}};
}

}  // namespace attncost
