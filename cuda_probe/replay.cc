// Reading a recorded probe run back (`probe --replay run.json`): what a GPU measured becomes a
// Report that reports, the gate and calibration use as if the run had just happened, on any
// machine. Predictions are recomputed, so a replay also shows how today's estimator does on
// yesterday's measurements.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cuda_probe/report.h"
#include "model/error.h"
#include "model/gpu_spec.h"
#include "model/json_input.h"

namespace attncost::probe {
namespace {

using nlohmann::json;

class Reader {
 public:
  explicit Reader(std::string what) : what_(std::move(what)) {}

  const json& object(const json& j, const char* key) const {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_object()) throw InputError(fmt::format("{}: missing object '{}'", what_, key));
    return *it;
  }
  const json& array(const json& j, const char* key) const {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_array()) throw InputError(fmt::format("{}: missing array '{}'", what_, key));
    return *it;
  }
  // A finite number ≥ 0; `null` reads as 0 (a case that did not run has no time).
  double number(const json& j, const char* key, bool required = true) const {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required && it == j.end()) throw InputError(fmt::format("{}: missing field '{}'", what_, key));
      return 0;
    }
    if (!it->is_number() || !(it->get<double>() >= 0) || it->get<double>() > 1e30)
      throw InputError(fmt::format("{}: field '{}' must be a non-negative number, got {}", what_, key, json_brief(*it)));
    return it->get<double>();
  }
  uint64_t count(const json& j, const char* key) const {
    const double v = number(j, key);
    if (v != static_cast<double>(static_cast<uint64_t>(v)) || v > 1099511627776.0)
      throw InputError(fmt::format("{}: field '{}' must be an integer in [0, 2^40], got {}", what_, key, v));
    return static_cast<uint64_t>(v);
  }
  std::string text(const json& j, const char* key, bool required = true) const {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required) throw InputError(fmt::format("{}: missing field '{}'", what_, key));
      return "";
    }
    if (!it->is_string()) throw InputError(fmt::format("{}: field '{}' must be a string, got {}", what_, key, json_brief(*it)));
    // Control characters (escape sequences, NUL, form feeds) would reach terminals and the JUnit
    // XML, where XML 1.0 forbids them: each becomes '?'.
    std::string out = it->get<std::string>();
    for (char& ch : out)
      if ((static_cast<unsigned char>(ch) < 0x20 && ch != '\t') || ch == 0x7f) ch = '?';
    return out;
  }
  bool flag(const json& j, const char* key) const {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return false;
    if (!it->is_boolean()) throw InputError(fmt::format("{}: field '{}' must be true or false", what_, key));
    return it->get<bool>();
  }
  const std::string& what() const { return what_; }

 private:
  std::string what_;
};

Kernel kernel_named(const std::string& name, const Reader& rd) {
  for (int k = 0; k < kKernelCount; ++k)
    if (kernel_name(static_cast<Kernel>(k)) == name) return static_cast<Kernel>(k);
  throw InputError(fmt::format("{}: unknown kernel '{}'", rd.what(), name));
}

StopReason stop_named(const std::string& name) {
  for (StopReason r : {StopReason::noise, StopReason::time, StopReason::samples})
    if (stop_reason_name(r) == name) return r;
  return StopReason::none;
}

}  // namespace

Report report_from_json(const json& j, const std::string& what) {
  const Reader rd(what);
  if (!j.is_object()) throw InputError(fmt::format("{}: expected a JSON object (a probe run from `attncost probe --format json`)", what));
  if (rd.text(j, "schema") != "attncost.probe/1")
    throw InputError(fmt::format("{}: schema '{}' is not attncost.probe/1", what, rd.text(j, "schema")));
  Report r;
  r.suite = rd.text(j, "suite");
  r.tolerance = rd.number(j, "tolerance");
  if (const auto tool = j.find("tool"); tool != j.end() && tool->is_object()) {
    r.run.tool_version = rd.text(*tool, "version", false);
    r.run.commit = rd.text(*tool, "commit", false);
  }
  if (const auto run = j.find("run"); run != j.end() && run->is_object()) {
    r.run.command_line = rd.text(*run, "command_line", false);
    r.run.started_utc = rd.text(*run, "started_utc", false);
  }
  const json& dev = rd.object(j, "device");
  r.device.backend = rd.text(dev, "backend");
  r.device.name = rd.text(dev, "name");
  r.device.sms = static_cast<int64_t>(rd.count(dev, "sms"));
  r.device.memory_bytes = rd.number(dev, "memory_bytes");
  r.device.l2_bytes = rd.number(dev, "l2_bytes");
  r.device.clock_hz = rd.number(dev, "clock_hz", false);
  r.device.memory_clock_hz = rd.number(dev, "memory_clock_hz", false);
  r.device.memory_bus_bits = dev.contains("memory_bus_bits") ? static_cast<int64_t>(rd.count(dev, "memory_bus_bits")) : 0;
  r.device.compute_capability = rd.text(dev, "compute_capability", false);
  r.device.driver = rd.text(dev, "driver", false);
  r.device.runtime = rd.text(dev, "runtime", false);
  const json& c = rd.object(j, "ceilings");
  r.ceilings.read_Bps = rd.number(c, "read_Bps");
  r.ceilings.copy_Bps = rd.number(c, "copy_Bps");
  r.ceilings.gemm_fp16_flops = rd.number(c, "gemm_fp16_flops");
  r.ceilings.gemm_bf16_flops = rd.number(c, "gemm_bf16_flops");
  r.ceilings.gemm_fp8_flops = rd.number(c, "gemm_fp8_flops");
  r.ceilings.vector_flops = rd.number(c, "vector_flops");
  r.ceilings.launch_s = rd.number(c, "launch_s");
  if (const auto notes = c.find("notes"); notes != c.end() && notes->is_array())
    for (const json& n : *notes)
      if (n.is_string()) r.ceilings.notes.push_back(rd.text(json{{"note", n}}, "note"));
  if (r.ceilings.read_Bps <= 0 || r.ceilings.vector_flops <= 0 || r.ceilings.gemm_fp16_flops <= 0)
    throw InputError(fmt::format("{}: ceilings.read_Bps, ceilings.vector_flops and ceilings.gemm_fp16_flops must be positive", what));
  // The ranges a GPU profile has: a zero or absurd ceiling would print inf or 300-digit times.
  check_gpu_quantity(GpuQuantity::bandwidth, r.ceilings.read_Bps, what, "ceilings.read_Bps");
  if (r.ceilings.copy_Bps > 0) check_gpu_quantity(GpuQuantity::bandwidth, r.ceilings.copy_Bps, what, "ceilings.copy_Bps");
  check_gpu_quantity(GpuQuantity::vector_flops, r.ceilings.vector_flops, what, "ceilings.vector_flops");
  check_gpu_quantity(GpuQuantity::peak_flops, r.ceilings.gemm_fp16_flops, what, "ceilings.gemm_fp16_flops");
  if (r.ceilings.gemm_bf16_flops > 0) check_gpu_quantity(GpuQuantity::peak_flops, r.ceilings.gemm_bf16_flops, what, "ceilings.gemm_bf16_flops");
  if (r.ceilings.gemm_fp8_flops > 0) check_gpu_quantity(GpuQuantity::peak_flops, r.ceilings.gemm_fp8_flops, what, "ceilings.gemm_fp8_flops");
  check_gpu_quantity(GpuQuantity::launch_latency, r.ceilings.launch_s, what, "ceilings.launch_s");
  r.spec.calibrated = rd.flag(j, "calibrated");
  if (const auto eff = j.find("efficiency"); eff != j.end() && eff->is_object()) {
    for (int k = 0; k < kEfficiencyClasses; ++k) {
      const auto name = std::string(efficiency_class_name(static_cast<EfficiencyClass>(k)));
      if (eff->contains(name)) {
        const double v = rd.number(*eff, name.c_str());
        check_gpu_quantity(GpuQuantity::efficiency, v, what, "efficiency." + name);
        r.spec.efficiency[static_cast<size_t>(k)] = v;
      }
    }
  }
  for (const json& k : rd.array(j, "cases")) {
    if (!k.is_object()) throw InputError(fmt::format("{}: every entry of 'cases' must be an object", what));
    CaseResult cr;
    cr.c.name = rd.text(k, "name");
    cr.c.kernel = kernel_named(rd.text(k, "kernel"), rd);
    cr.c.impl = rd.text(k, "impl", false);
    const json& s = rd.object(k, "shape");
    cr.c.shape.batch = rd.count(s, "batch");
    cr.c.shape.ctx = rd.count(s, "ctx");
    cr.c.shape.heads = rd.count(s, "heads");
    cr.c.shape.kv_heads = rd.count(s, "kv_heads");
    cr.c.shape.head_dim = rd.count(s, "head_dim");
    cr.c.shape.attn = rd.text(s, "attn");
    cr.c.shape.kv_dtype = parse_dtype(rd.text(s, "kv_dtype"), what + ": shape.kv_dtype");
    cr.c.shape.page_size = rd.count(s, "page_size");
    if (cr.c.shape.batch == 0 || cr.c.shape.ctx == 0 || cr.c.shape.heads == 0 || cr.c.shape.kv_heads == 0 || cr.c.shape.head_dim == 0 ||
        cr.c.shape.heads % cr.c.shape.kv_heads != 0)
      throw InputError(fmt::format("{}: case '{}' has an invalid shape", what, cr.c.name));
    Measurement& m = cr.m;
    m.correct = rd.flag(k, "correct");
    m.max_rel_error = rd.number(k, "max_rel_error");
    // Runs recorded before "checked" existed: a case was checked when it has a result either way.
    m.checked = k.contains("checked") ? rd.flag(k, "checked") : (m.correct || m.max_rel_error > 0);
    m.measured_s = rd.number(k, "measured_s");
    m.ran = k.contains("measured_s") && !k["measured_s"].is_null() && m.measured_s > 0;
    m.skip_reason = rd.text(k, "skipped", false);
    m.repeats = static_cast<int>(std::min<uint64_t>(rd.count(k, "repeats"), 1u << 30));
    m.min_s = rd.number(k, "min_s", false);
    m.max_s = rd.number(k, "max_s", false);
    m.mean_s = rd.number(k, "mean_s", false);
    m.noise = rd.number(k, "noise", false);
    m.stopped = stop_named(rd.text(k, "stopped_by", false));
    r.cases.push_back(std::move(cr));
  }
  return r;
}

}  // namespace attncost::probe
