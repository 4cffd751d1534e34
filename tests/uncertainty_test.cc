// Error bands (issue #24 item 5): which held-out rows support each figure on each GPU, the stated
// default where none do, the digits a band lets text print, and the ranges JSON carries. The bands'
// values are recomputed from their CSVs by the tests they name (tests/band_check.h).
#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "estimators/uncertainty.h"
#include "model/presets.h"
#include "reports/reports.h"
#include "tests/cli_runner.h"

using namespace attncost;

namespace {

// The supporting entry's band, read from the table (not restated here).
double entry(const std::string& kind, const std::string& arch, const std::string& family = "") {
  for (const BandEntry& e : band_entries())
    if (e.kind == kind && e.family == family && std::find(e.archs.begin(), e.archs.end(), arch) != e.archs.end()) return e.band;
  FAIL("no band " << kind << " " << family << " " << arch);
  return 0;
}

Bands bands_of(const std::string& gpu_name, KernelFamily family, EngineKind engine) {
  const GpuSpec gpu = load_gpu(gpu_name);
  return uncertainty_bands(gpu, kernel_model(gpu.arch, family), engine);
}

}  // namespace

TEST_CASE("bands: the table states its quantile, and its default is its widest supported band", "[bands]") {
  CHECK(band_quantile() == 0.8);
  double widest = 0;
  for (const BandEntry& e : band_entries())
    if (e.n >= band_min_rows()) widest = std::max(widest, e.band);
  CHECK(unmeasured_band() == widest);
  // Nearest rank: the ⌈0.8·n⌉-th smallest.
  CHECK(band_of({0.5, 0.1, 0.4, 0.2, 0.3}, 0.8) == 0.4);
  CHECK(band_of({0.3, 0.1, 0.2}, 0.8) == 0.3);
  CHECK(band_of({0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}, 0.8) == 0.8);
  CHECK(band_of({}, 0.8) == 0);
}

TEST_CASE("bands: each figure takes the widest band of the rows that support it", "[bands]") {
  SECTION("H100, FlashAttention-3, no engine: kernel rows on Hopper") {
    const Bands b = bands_of("h100-sxm", KernelFamily::automatic, EngineKind::plain);
    CHECK(b.prefill.measured);
    CHECK(b.prefill.basis == "kernels");
    CHECK(b.prefill.rel == std::max(entry("prefill_attention", "hopper", "fa3"), entry("gemm", "hopper")));
    CHECK(b.decode.rel == std::max(entry("decode_attention", "hopper"), entry("gemm", "hopper")));
    CHECK(b.ttft.rel == b.prefill.rel);
    CHECK(b.itl.rel == b.decode.rel);
    CHECK(b.throughput.rel == std::max(b.prefill.rel, b.decode.rel));
  }
  SECTION("the kernel family in use picks the prefill row") {
    const Bands fa2 = bands_of("h100-sxm", KernelFamily::fa2, EngineKind::plain);
    CHECK(fa2.prefill.rel == std::max(entry("prefill_attention", "hopper", "fa2"), entry("gemm", "hopper")));
    // cuDNN on Hopper: four held-out rows, fewer than a band needs.
    CHECK_FALSE(bands_of("h100-sxm", KernelFamily::cudnn, EngineKind::plain).prefill.measured);
  }
  SECTION("with an engine, the serving runs under load widen the kernels' band") {
    const Bands b = bands_of("h100-sxm", KernelFamily::automatic, EngineKind::vllm);
    CHECK(b.ttft.basis == "kernels+serving");
    CHECK(b.ttft.rel == std::max(b.prefill.rel, entry("serving_ttft_p50", "hopper")));
    CHECK(b.ttft_p99.rel == std::max(b.prefill.rel, entry("serving_ttft_p99", "hopper")));
    CHECK(b.itl.rel == std::max(b.decode.rel, entry("serving_tpot_p50", "hopper")));
    CHECK(b.throughput.rel == std::max(b.decode.rel, entry("serving_throughput", "hopper")));
  }
  SECTION("A100: no kernel band of its own (too few held-out rows); serving runs support an engine's figures") {
    const Bands plain = bands_of("a100-80gb", KernelFamily::automatic, EngineKind::plain);
    CHECK_FALSE(plain.ttft.measured);
    CHECK(plain.ttft.basis == "none");
    CHECK(plain.ttft.rel == unmeasured_band());
    const Bands vllm = bands_of("a100-80gb", KernelFamily::automatic, EngineKind::vllm);
    CHECK(vllm.itl.measured);
    CHECK(vllm.itl.basis == "serving");
    CHECK(vllm.itl.rel == entry("serving_tpot_p50", "ampere"));
  }
  SECTION("Blackwell: prefill measured, decode not (three held-out rows); serving only on other GPUs") {
    const Bands b = bands_of("b200", KernelFamily::automatic, EngineKind::sglang);
    CHECK(b.prefill.measured);
    CHECK(b.prefill.rel == entry("prefill_attention", "blackwell", "cudnn"));
    CHECK(b.ttft.basis == "kernels+serving on other GPUs");
    CHECK_FALSE(b.decode.measured);
    CHECK_FALSE(b.itl.measured);
    CHECK_FALSE(b.throughput.measured);
  }
  SECTION("AMD and Ada GPUs, the peak roofline: no measurement, the stated default") {
    for (const char* gpu : {"mi300x", "l40s"}) {
      const Bands b = bands_of(gpu, KernelFamily::automatic, EngineKind::vllm);
      INFO(gpu);
      CHECK_FALSE(b.ttft.measured);
      CHECK(b.ttft.basis == "none");
      CHECK(b.ttft.rel == unmeasured_band());
    }
    const GpuSpec h100 = load_gpu("h100-sxm");
    const Bands peak = uncertainty_bands(h100, nullptr, EngineKind::plain);
    CHECK(peak.prefill.basis == "none (no kernel model)");
    CHECK_FALSE(peak.decode.measured);
  }
}

TEST_CASE("bands: text prints the digits a band supports, JSON the range the measured value lies in", "[bands]") {
  const Band narrow{0.02, true, "kernels"}, mid{0.12, true, "kernels"}, wide{0.5, true, "serving"}, none{0.7, false, "none"};
  CHECK(banded_time(0.0071234, narrow) == "7.12 ms (±2%)");
  CHECK(banded_time(0.0071234, mid) == "7.1 ms (±12%)");
  CHECK(banded_time(0.0071234, wide) == "7 ms (±50%)");
  CHECK(banded_time(0.0071234, none) == "7 ms (no measurement on this GPU; ±70% assumed)");
  CHECK(human_time(0.000123456, mid) == "120 µs");  // no sub-microsecond digits on a ±12% figure
  CHECK(human_time(0.00996, mid) == "10 ms");     // rounding that carries into the next decade
  CHECK(human_time(2.345, narrow) == "2.35 s");
  CHECK(human_rate(12345, mid) == "12 K");
  CHECK(human_time(0.0071234, Band{}) == human_time(0.0071234));  // no band: the fixed digits
  const nlohmann::json r = band_range(1.0, mid);
  CHECK(r[0].get<double>() == Approx(1 / 1.12));
  CHECK(r[1].get<double>() == Approx(1 / 0.88));
}

TEST_CASE("bands: estimate prints each time with its band, JSON each *_s with its *_range_s", "[bands][cli]") {
  using testing::run_cli;
  const auto text = run_cli("estimate --gpu h100-sxm --ctx 4096 --gen 128 --batch 4");
  REQUIRE(text.code == 0);
  CHECK(text.out.find("mean ITL ") != std::string::npos);
  CHECK(text.out.find("(±") != std::string::npos);
  CHECK(text.out.find("bands     TTFT ±") != std::string::npos);
  const auto amd = run_cli("estimate --gpu mi300x --ctx 4096 --gen 128");
  CHECK(amd.out.find("no measurement on this GPU") != std::string::npos);

  const auto js = run_cli("estimate --gpu h100-sxm --ctx 4096 --gen 128 --batch 4 --engine vllm --usd-per-gpu-hour 2 --format json");
  REQUIRE(js.code == 0);
  const nlohmann::json j = nlohmann::json::parse(js.out);
  const nlohmann::json& s = j.at("serving");
  for (const char* key : {"ttft", "itl_mean", "itl_first", "itl_last", "e2e_latency", "batch_prefill", "cycle"}) {
    INFO(key);
    const double x = s.at(std::string(key) + "_s").get<double>();
    const auto& range = s.at(std::string(key) + "_range_s");
    CHECK(range[0].get<double>() < x);
    CHECK(range[1].get<double>() > x);
  }
  for (const char* key : {"output_tokens_per_s_per_gpu", "requests_per_s", "usd_per_million_output_tokens"}) {
    INFO(key);
    CHECK(s.at(std::string(key) + "_range")[0].get<double>() < s.at(key).get<double>());
    CHECK(s.at(std::string(key) + "_range")[1].get<double>() > s.at(key).get<double>());
  }
  CHECK(s.at("band").at("ttft").at("basis") == "kernels+serving");
  CHECK(s.at("band").at("ttft").at("quantile") == 0.8);
  CHECK(j.at("prefill").at("time_range_s")[0].get<double>() < j.at("prefill").at("time_s").get<double>());
  CHECK(j.at("decode").at("band").at("basis") == "kernels");
}
