#include "model/gpu_spec.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"
#include "model/json_input.h"
#include "model/kernel_model.h"

namespace attncost {

std::string_view efficiency_class_name(EfficiencyClass c) {
  switch (c) {
    case EfficiencyClass::gemm: return "gemm";
    case EfficiencyClass::attention_decode: return "attention_decode";
    case EfficiencyClass::attention_prefill: return "attention_prefill";
    case EfficiencyClass::attention_naive: return "attention_naive";
    case EfficiencyClass::linear_attention: return "linear_attention";
    case EfficiencyClass::scan: return "scan";
    case EfficiencyClass::network: return "network";
  }
  return "gemm";
}

double GpuSpec::matmul_flops(Dtype d) const {
  const double rate = peak_flops[static_cast<size_t>(d)];
  if (rate > 0) return rate;
  // Formats without tensor-core support (e.g. fp8 on A100, int4 anywhere) are dequantized and
  // multiplied at the 16-bit rate.
  return peak_flops[static_cast<size_t>(Dtype::fp16)];
}

namespace {

// Generous ranges around every real device, from a laptop CPU (which the probe's CPU backend
// calibrates) to beyond any accelerator announced: a value outside is a typo or a unit mistake,
// and would turn times into inf or 0.
struct Range {
  const char* field;
  double lo, hi;
  const char* unit;
};
constexpr Range kHbmBytes{"hbm_bytes", 268435456.0, 17592186044416.0, "B (256 MiB to 16 TiB)"};
constexpr Range kBandwidth{"hbm_bandwidth_Bps", 1e8, 1e15, "B/s (100 MB/s to 1 PB/s)"};
constexpr Range kPeak{"peak_flops", 1e9, 1e18, "FLOP/s (1 GFLOP/s to 1 EFLOP/s)"};
constexpr Range kVector{"vector_flops", 1e8, 1e17, "FLOP/s (100 MFLOP/s to 100 PFLOP/s)"};
constexpr Range kLaunch{"launch_latency_s", 0, 1e-2, "s (0 to 10 ms)"};
constexpr Range kLink{"one_way_Bps", 1e8, 1e14, "B/s (100 MB/s to 100 TB/s, or 0 for none)"};
constexpr Range kLinkLatency{"latency_s", 0, 1e-2, "s (0 to 10 ms)"};
constexpr Range kL2{"l2_bytes", 0, 1e10, "B (0 to 10 GB)"};
// A kernel class at 1/10,000 of its roofline is a broken kernel or a unit mistake; below that the
// times would run to hundreds of digits (issue #27).
constexpr Range kEfficiency{"efficiency", 1e-4, 1, "(a fraction of the roofline, 0.0001 to 1)"};

void in_range(double v, const Range& r, const std::string& what, const std::string& field) {
  if (v < r.lo || v > r.hi)
    throw InputError(fmt::format("{}: field '{}' = {:g} is outside the physical range [{:g}, {:g}] {}", what, field, v, r.lo, r.hi, r.unit));
}

void check_physical(const GpuSpec& g, const std::string& what) {
  in_range(g.hbm_bytes, kHbmBytes, what, kHbmBytes.field);
  if (g.visible_bytes > 0 && (g.visible_bytes > g.hbm_bytes * 1.001 || g.visible_bytes < g.hbm_bytes * 0.8))
    throw InputError(fmt::format("{}: field 'cuda_visible_bytes' = {:g} must be within 80-100% of hbm_bytes ({:g})", what, g.visible_bytes, g.hbm_bytes));
  in_range(g.hbm_bandwidth_Bps, kBandwidth, what, kBandwidth.field);
  in_range(g.vector_flops, kVector, what, kVector.field);
  in_range(g.launch_latency_s, kLaunch, what, kLaunch.field);
  for (const auto& [name, link] : {std::pair<const char*, const LinkSpec*>{"scale_up", &g.scale_up}, {"scale_out", &g.scale_out}}) {
    if (link->one_way_Bps > 0) in_range(link->one_way_Bps, kLink, what, std::string(name) + ".one_way_Bps");
    in_range(link->latency_s, kLinkLatency, what, std::string(name) + ".latency_s");
  }
  if (g.scale_up_domain < 1 || g.scale_up_domain > 1000000)
    throw InputError(fmt::format("{}: field 'scale_up.domain' = {} must be between 1 and 10^6 GPUs", what, g.scale_up_domain));
  in_range(g.l2_bytes, kL2, what, kL2.field);
  for (int i = 0; i < kDtypeCount; ++i) {
    const double rate = g.peak_flops[static_cast<size_t>(i)];
    if (rate > 0) in_range(rate, kPeak, what, fmt::format("peak_flops.{}", dtype_name(static_cast<Dtype>(i))));
  }
}

}  // namespace

GpuSpec gpu_from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) throw InputError(fmt::format("{}: expected a JSON object (a GPU profile)", what));
  GpuSpec g;
  auto number = [&](const char* key, bool required) -> double {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required) throw InputError(fmt::format("{}: missing field '{}'", what, key));
      return 0;
    }
    if (!it->is_number()) throw InputError(fmt::format("{}: field '{}' must be a number, got {}", what, key, json_brief(*it)));
    const double v = it->get<double>();
    if (!(v >= 0) || v > 1e30) throw InputError(fmt::format("{}: field '{}' must be a non-negative number, got {}", what, key, json_brief(*it)));
    return v;
  };
  if (auto schema = j.find("schema"); schema != j.end() && (!schema->is_string() || schema->get<std::string>() != "attncost.gpu/1"))
    throw InputError(fmt::format("{}: profile schema {} is not attncost.gpu/1 (written by another version; re-run probe --calibrate)", what,
                                 json_brief(*schema)));
  if (!j.contains("name") || !j["name"].is_string()) throw InputError(fmt::format("{}: missing string field 'name'", what));
  g.name = j["name"].get<std::string>();
  g.source = j.contains("source") && j["source"].is_string() ? j["source"].get<std::string>() : what;
  if (auto arch = j.find("arch"); arch != j.end()) {
    if (!arch->is_string()) throw InputError(fmt::format("{}: field 'arch' must be a string", what));
    g.arch = arch->get<std::string>();
    const auto known = kernel_arch_names();
    if (!g.arch.empty() && std::find(known.begin(), known.end(), g.arch) == known.end())
      throw InputError(fmt::format("{}: field 'arch' = '{}' is not a known architecture (hopper, ampere, ada, blackwell, cdna3)", what, g.arch));
  }
  g.hbm_bytes = number("hbm_bytes", true);
  g.visible_bytes = number("cuda_visible_bytes", false);
  g.hbm_bandwidth_Bps = number("hbm_bandwidth_Bps", true);
  g.vector_flops = number("vector_flops", true);
  g.launch_latency_s = number("launch_latency_s", false);
  // The fabric: scale_up {one_way_Bps, latency_s, domain, name} and scale_out {one_way_Bps,
  // latency_s, name}. Profiles from before carry interconnect_Bps, both directions of the
  // scale-up link (the datasheet's figure): half of it goes each way.
  auto link = [&](const char* key, LinkSpec& out, int64_t* domain) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return;
    if (!it->is_object()) throw InputError(fmt::format("{}: field '{}' must be an object {{one_way_Bps, latency_s, ...}}", what, key));
    for (auto& [field, value] : it->items()) {
      if (field == "name") {
        if (!value.is_string()) throw InputError(fmt::format("{}: field '{}.name' must be a string", what, key));
        out.name = value.get<std::string>();
        continue;
      }
      if (field != "one_way_Bps" && field != "latency_s" && !(domain && field == "domain"))
        throw InputError(fmt::format("{}: unknown field '{}.{}'", what, key, field));
      if (!value.is_number() || !(value.get<double>() >= 0) || value.get<double>() > 1e30)
        throw InputError(fmt::format("{}: field '{}.{}' must be a non-negative number, got {}", what, key, field, json_brief(value)));
      const double v = value.get<double>();
      if (field == "one_way_Bps") out.one_way_Bps = v;
      else if (field == "latency_s") out.latency_s = v;
      else if (v > 1e6) throw InputError(fmt::format("{}: field '{}.domain' = {} is out of range", what, key, json_brief(value)));
      else if (v != std::floor(v)) throw InputError(fmt::format("{}: field '{}.domain' = {} must be a whole number of GPUs", what, key, json_brief(value)));
      else *domain = static_cast<int64_t>(v);
    }
  };
  link("scale_up", g.scale_up, &g.scale_up_domain);
  link("scale_out", g.scale_out, nullptr);
  if (const double legacy = number("interconnect_Bps", false); legacy > 0 && g.scale_up.one_way_Bps == 0) {
    g.scale_up = {legacy / 2, 1e-6, "interconnect_Bps / 2 (a profile field quoting both directions)"};
    g.scale_up_domain = 8;
  }
  if (auto src = j.find("topology_source"); src != j.end() && src->is_string()) g.topology_source = src->get<std::string>();
  g.l2_bytes = number("l2_bytes", false);
  const double sms = number("sms", false);
  if (sms > 1e6) throw InputError(fmt::format("{}: field 'sms' = {} is out of range", what, sms));  // before the integer cast
  if (sms != std::floor(sms)) throw InputError(fmt::format("{}: field 'sms' = {} must be a whole number", what, sms));
  g.sms = static_cast<int64_t>(sms);
  // A key we do not read is a misspelling or a field of another tool: said, as configs do.
  static const std::set<std::string> known = {"schema", "name", "source", "arch", "hbm_bytes", "cuda_visible_bytes", "cuda_visible_source",
                                              "hbm_bandwidth_Bps", "vector_flops", "launch_latency_s", "scale_up", "scale_out", "interconnect_Bps",
                                              "topology_source", "l2_bytes", "sms", "calibrated", "peak_flops", "efficiency"};
  for (const auto& [key, value] : j.items())
    if (!known.count(key)) g.warnings.push_back(fmt::format("{}: field '{}' is not a GPU profile field; ignored (a misspelling?)", what, key.size() > 60 ? key.substr(0, 57) + "…" : key));
  g.calibrated = j.contains("calibrated") && j["calibrated"].is_boolean() && j["calibrated"].get<bool>();
  auto peaks = j.find("peak_flops");
  if (peaks == j.end() || !peaks->is_object()) throw InputError(fmt::format("{}: missing object 'peak_flops'", what));
  for (auto& [key, value] : peaks->items()) {
    const Dtype d = parse_dtype(key, what + ": peak_flops");
    if (!value.is_number() || !(value.get<double>() >= 0))
      throw InputError(fmt::format("{}: peak_flops.{} must be a non-negative number", what, key));
    g.peak_flops[static_cast<size_t>(d)] = value.get<double>();
  }
  if (auto eff = j.find("efficiency"); eff != j.end()) {
    if (!eff->is_object()) throw InputError(fmt::format("{}: 'efficiency' must be an object of kernel class → fraction", what));
    for (auto& [key, value] : eff->items()) {
      int found = -1;
      for (int c = 0; c < kEfficiencyClasses; ++c)
        if (efficiency_class_name(static_cast<EfficiencyClass>(c)) == key) found = c;
      if (found < 0) throw InputError(fmt::format("{}: unknown efficiency class '{}'", what, key));
      if (!value.is_number() || !(value.get<double>() > 0) || value.get<double>() > 1)
        throw InputError(fmt::format("{}: efficiency.{} must be in (0, 1], got {}", what, key, json_brief(value)));
      in_range(value.get<double>(), kEfficiency, what, "efficiency." + key);
      g.efficiency[static_cast<size_t>(found)] = value.get<double>();
    }
  }
  if (g.hbm_bytes <= 0 || g.hbm_bandwidth_Bps <= 0 || g.vector_flops <= 0 || g.peak_flops[static_cast<size_t>(Dtype::fp16)] <= 0)
    throw InputError(fmt::format("{}: hbm_bytes, hbm_bandwidth_Bps, vector_flops and peak_flops.fp16 must be positive", what));
  check_physical(g, what);
  return g;
}

void check_gpu_quantity(GpuQuantity q, double v, const std::string& what, const std::string& field) {
  switch (q) {
    case GpuQuantity::bandwidth: return in_range(v, kBandwidth, what, field);
    case GpuQuantity::peak_flops: return in_range(v, kPeak, what, field);
    case GpuQuantity::vector_flops: return in_range(v, kVector, what, field);
    case GpuQuantity::launch_latency: return in_range(v, kLaunch, what, field);
    case GpuQuantity::efficiency: return in_range(v, kEfficiency, what, field);
  }
}

nlohmann::json gpu_to_json(const GpuSpec& g) {
  nlohmann::json peaks = nlohmann::json::object(), eff = nlohmann::json::object();
  for (int i = 0; i < kDtypeCount; ++i)
    if (g.peak_flops[static_cast<size_t>(i)] > 0) peaks[std::string(dtype_name(static_cast<Dtype>(i)))] = g.peak_flops[static_cast<size_t>(i)];
  for (int c = 0; c < kEfficiencyClasses; ++c)
    eff[std::string(efficiency_class_name(static_cast<EfficiencyClass>(c)))] = g.efficiency[static_cast<size_t>(c)];
  return {{"schema", "attncost.gpu/1"}, {"name", g.name}, {"source", g.source}, {"arch", g.arch}, {"calibrated", g.calibrated},
          {"hbm_bytes", g.hbm_bytes}, {"cuda_visible_bytes", g.visible_bytes}, {"hbm_bandwidth_Bps", g.hbm_bandwidth_Bps}, {"peak_flops", peaks},
          {"vector_flops", g.vector_flops}, {"launch_latency_s", g.launch_latency_s},
          {"scale_up", {{"one_way_Bps", g.scale_up.one_way_Bps}, {"latency_s", g.scale_up.latency_s}, {"domain", g.scale_up_domain}, {"name", g.scale_up.name}}},
          {"scale_out", {{"one_way_Bps", g.scale_out.one_way_Bps}, {"latency_s", g.scale_out.latency_s}, {"name", g.scale_out.name}}},
          {"topology_source", g.topology_source},
          {"l2_bytes", g.l2_bytes}, {"sms", g.sms}, {"efficiency", eff}};
}

}  // namespace attncost
