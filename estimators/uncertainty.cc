#include "estimators/uncertainty.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"
#include "model/json_input.h"
#include "model/last_answer.h"
#include "model/presets.h"

namespace attncost {
namespace {

using nlohmann::json;

struct Table {
  double quantile = 0.8;
  double unmeasured = 0.5;
  int min_rows = 5;
  std::vector<BandEntry> entries;
};

constexpr std::string_view kKinds[] = {"prefill_attention", "decode_attention",  "gemm",           "decode_step",
                                       "serving_ttft_p50",  "serving_tpot_p50",  "serving_ttft_p99", "serving_throughput"};

// The table, read once from the embedded preset and checked: a band is a fraction in (0, 0.9]
// (so x / (1 − b) stays finite), every entry names its rows, its test and n.
const Table& table() {
  static const Table t = [] {
    Table out;
    for (const EmbeddedFile& f : presets_data::bands()) {
      const std::string what = fmt::format("band preset '{}'", f.name);
      const json j = parse_user_json(f.text, what);
      out.quantile = j.at("quantile").get<double>();
      out.unmeasured = j.at("unmeasured").at("band").get<double>();
      out.min_rows = j.at("min_rows").get<int>();
      if (!(out.quantile > 0 && out.quantile <= 1) || !(out.unmeasured > 0 && out.unmeasured <= 0.9)) throw InputError(what + ": quantile or default out of range");
      for (const json& ej : j.at("bands")) {
        BandEntry e;
        for (const json& a : ej.at("archs")) e.archs.push_back(a.get<std::string>());
        e.kind = ej.at("kind").get<std::string>();
        e.family = ej.value("family", "");
        e.band = ej.at("band").get<double>();
        e.n = ej.at("n").get<int>();
        e.test = ej.at("test").get<std::string>();
        e.rows = ej.at("rows").get<std::string>();
        if (std::find(std::begin(kKinds), std::end(kKinds), e.kind) == std::end(kKinds)) throw InputError(what + ": unknown kind '" + e.kind + "'");
        if (!(e.band > 0 && e.band <= 0.9) || e.n < 1 || e.test.empty() || e.rows.empty() || e.archs.empty())
          throw InputError(fmt::format("{}: entry {} {} needs a band in (0, 0.9], n ≥ 1, archs, its test and rows", what, e.kind, e.family));
        out.entries.push_back(std::move(e));
      }
    }
    return out;
  }();
  return t;
}

// The entry of `kind` whose rows cover `arch`, if it has enough rows to support a figure.
const BandEntry* find(std::string_view kind, const std::string& arch, std::string_view family = "") {
  for (const BandEntry& e : table().entries)
    if (e.n >= table().min_rows && e.kind == kind && e.family == family && std::find(e.archs.begin(), e.archs.end(), arch) != e.archs.end()) return &e;
  return nullptr;
}

Band measured(double rel, std::string_view basis) { return Band{rel, true, basis}; }
Band unmeasured(std::string_view basis = "none") { return Band{table().unmeasured, false, basis}; }

// The kernels of one phase: its attention (prefill: of the kernel family in use) and, where
// measured, the GEMMs and the whole-step rows; the widest applies (their errors need not cancel).
Band kernel_band(const GpuSpec& gpu, const KernelModel* k, bool decode) {
  if (!k || k->naive) return unmeasured("none (no kernel model)");  // the peak roofline, eager attention, a calibrated profile
  const BandEntry* attention = decode ? find("decode_attention", gpu.arch) : find("prefill_attention", gpu.arch, k->family);
  const BandEntry* step = decode ? find("decode_step", gpu.arch) : nullptr;
  if (!attention && !step) return unmeasured();
  double rel = 0;
  for (const BandEntry* e : {attention, step, find("gemm", gpu.arch)})
    if (e) rel = std::max(rel, e->band);
  return measured(rel, "kernels");
}

// With an engine: the serving band of `metric` widens the kernels' (the engine's own time and
// the scheduler are in it). Runs on this architecture support a figure whose kernels no row does.
Band with_serving(const Band& kernels, const GpuSpec& gpu, std::string_view metric) {
  const BandEntry* here = find(metric, gpu.arch);
  if (here) return measured(std::max(kernels.measured ? kernels.rel : 0.0, here->band), kernels.measured ? "kernels+serving" : "serving");
  if (!kernels.measured) return kernels;
  // Kernel rows here, serving runs only on other GPUs: the engine's part of the error is not
  // the GPU's, so the widest serving band of the metric applies.
  double rel = kernels.rel;
  for (const BandEntry& e : table().entries)
    if (e.kind == metric && e.n >= table().min_rows) rel = std::max(rel, e.band);
  return measured(rel, "kernels+serving on other GPUs");
}

}  // namespace

const std::vector<BandEntry>& band_entries() { return table().entries; }
double band_quantile() { return table().quantile; }
double unmeasured_band() { return table().unmeasured; }
int band_min_rows() { return table().min_rows; }

double band_of(std::vector<double> errors, double q) {
  if (errors.empty()) return 0;
  std::sort(errors.begin(), errors.end());
  const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(errors.size()) - 1e-9));
  return errors[std::clamp<size_t>(rank, 1, errors.size()) - 1];
}

Band Band::widest(const Band& a, const Band& b) {
  if (!a.measured) return a;
  if (!b.measured) return b;
  return a.rel >= b.rel ? a : b;
}

namespace {

Bands compute_bands(const GpuSpec& gpu, const KernelModel* kernels, EngineKind engine) {
  Bands b;
  b.prefill = kernel_band(gpu, kernels, false);
  b.decode = kernel_band(gpu, kernels, true);
  if (engine == EngineKind::plain) {
    b.ttft = b.ttft_p99 = b.prefill;
    b.itl = b.decode;
    b.throughput = Band::widest(b.prefill, b.decode);
    return b;
  }
  b.ttft = with_serving(b.prefill, gpu, "serving_ttft_p50");
  b.ttft_p99 = with_serving(b.prefill, gpu, "serving_ttft_p99");
  b.itl = with_serving(b.decode, gpu, "serving_tpot_p50");
  b.throughput = with_serving(Band::widest(b.prefill, b.decode), gpu, "serving_throughput");
  return b;
}

}  // namespace

Bands uncertainty_bands(const GpuSpec& gpu, const KernelModel* kernels, EngineKind engine) {
  // `estimate` builds one Estimator per call (a plan, a sweep: thousands): the last answer is
  // kept per thread, so the table is searched once per GPU architecture, kernels and engine.
  thread_local LastAnswer<std::tuple<const KernelModel*, EngineKind, std::string>, Bands> last;
  return last.get({kernels, engine, gpu.arch}, [&] { return compute_bands(gpu, kernels, engine); });
}

}  // namespace attncost
