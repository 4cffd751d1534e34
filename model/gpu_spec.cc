#include "model/gpu_spec.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"

namespace attncost {

double GpuSpec::matmul_flops(Dtype d) const {
  const double rate = peak_flops[static_cast<size_t>(d)];
  if (rate > 0) return rate;
  // Formats without tensor-core support (e.g. fp8 on A100, int4 anywhere) are dequantized and
  // multiplied at the 16-bit rate.
  return peak_flops[static_cast<size_t>(Dtype::fp16)];
}

GpuSpec gpu_from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) throw InputError(fmt::format("{}: expected a JSON object (a GPU profile)", what));
  GpuSpec g;
  auto number = [&](const char* key, bool required) -> double {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required) throw InputError(fmt::format("{}: missing field '{}'", what, key));
      return 0;
    }
    if (!it->is_number()) throw InputError(fmt::format("{}: field '{}' must be a number, got {}", what, key, it->dump()));
    const double v = it->get<double>();
    if (!(v >= 0) || v > 1e30) throw InputError(fmt::format("{}: field '{}' must be a non-negative number, got {}", what, key, it->dump()));
    return v;
  };
  if (!j.contains("name") || !j["name"].is_string()) throw InputError(fmt::format("{}: missing string field 'name'", what));
  g.name = j["name"].get<std::string>();
  g.source = j.contains("source") && j["source"].is_string() ? j["source"].get<std::string>() : what;
  g.hbm_bytes = number("hbm_bytes", true);
  g.hbm_bandwidth_Bps = number("hbm_bandwidth_Bps", true);
  g.vector_flops = number("vector_flops", true);
  g.launch_latency_s = number("launch_latency_s", false);
  g.interconnect_Bps = number("interconnect_Bps", false);
  g.l2_bytes = number("l2_bytes", false);
  g.sms = static_cast<int64_t>(number("sms", false));
  g.calibrated = j.contains("calibrated") && j["calibrated"].is_boolean() && j["calibrated"].get<bool>();
  auto peaks = j.find("peak_flops");
  if (peaks == j.end() || !peaks->is_object()) throw InputError(fmt::format("{}: missing object 'peak_flops'", what));
  for (auto& [key, value] : peaks->items()) {
    const Dtype d = parse_dtype(key, what + ": peak_flops");
    if (!value.is_number() || !(value.get<double>() >= 0))
      throw InputError(fmt::format("{}: peak_flops.{} must be a non-negative number", what, key));
    g.peak_flops[static_cast<size_t>(d)] = value.get<double>();
  }
  if (g.hbm_bytes <= 0 || g.hbm_bandwidth_Bps <= 0 || g.vector_flops <= 0 || g.peak_flops[static_cast<size_t>(Dtype::fp16)] <= 0)
    throw InputError(fmt::format("{}: hbm_bytes, hbm_bandwidth_Bps, vector_flops and peak_flops.fp16 must be positive", what));
  return g;
}

}  // namespace attncost
