#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/reports.h"

namespace attncost {

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  int u = 0;
  while (std::fabs(bytes) >= 1024 && u < 8) bytes /= 1024, ++u;
  return u == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.2f} {}", bytes, units[u]);
}

std::string human_time(double s) {
  if (s >= 3600) return fmt::format("{:.2f} h", s / 3600);
  if (s >= 1) return fmt::format("{:.3f} s", s);
  if (s >= 1e-3) return fmt::format("{:.3f} ms", s * 1e3);
  return fmt::format("{:.2f} µs", s * 1e6);
}

std::string human_count(double v) {
  const char* units[] = {"", " K", " M", " G", " T", " P", " E", " Z", " Y"};
  int u = 0;
  while (std::fabs(v) >= 1000 && u < 8) v /= 1000, ++u;
  return u == 0 ? fmt::format("{:.0f}", v) : fmt::format("{:.2f}{}", v, units[u]);
}

nlohmann::json json_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9007199254740992.0) return static_cast<int64_t>(v);
  return v;
}

}  // namespace attncost
