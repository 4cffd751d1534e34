// The refreshed kernel families (issue #24 item 3) against the 2026 measurements
// (tests/data/published/kernel_measurements_2026.csv, each row with its source): every usable row is
// predicted through the estimator's own code (one-layer models through `estimate`; the vLLM ITL
// slopes through whole models), and per group (family, kernel family, architecture) the held-out
// rows (index in the file % 3 == 2: scripts/fit_kernel_model_2026.py fits on the others) must stay
// within a median of 10% and a worst of 30%. Rows outside the families' scope are listed with the
// reason in tests/data/published/scope_2026.csv and are not predicted; the few held-out rows and
// groups that miss are named below with the reason.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "estimators/estimate.h"
#include "estimators/roofline.h"
#include "model/presets.h"
#include "tests/band_check.h"
#include "tests/published_kernel_ops.h"
#include "tests/published_rows.h"

using namespace attncost;
using published::Row;
using published::attention_op;
using published::busy;

namespace {

double num(const Row& r, const char* key) { return std::stod(r.at(key)); }

// The table's GPU names as attncost presets.
std::string preset_of(const std::string& gpu) {
  if (gpu == "h100" || gpu == "h100-sxm") return "h100-sxm";
  if (gpu == "h200-sxm") return "h200";
  return gpu;  // b200, b300, gb200, gb300
}

bool fp8(const Row& r) { return r.at("dtype").find("fp8") != std::string::npos; }

// "head_dim_vo=128" in the notes (DeepSeek-V3's 192/128 heads), else the row's head dim.
double v_head_dim(const Row& r) {
  const std::string& notes = r.at("notes");
  const auto at = notes.find("head_dim_vo=");
  return at == std::string::npos ? num(r, "head_dim") : std::stod(notes.substr(at + 12));
}

ModelConfig one_layer(const Row& r) {
  ModelConfig m;
  m.name = "shape";
  m.layers = 1, m.heads = static_cast<int64_t>(num(r, "heads")), m.kv_heads = static_cast<int64_t>(num(r, "kv_heads"));
  m.head_dim = static_cast<int64_t>(num(r, "head_dim")), m.v_head_dim = static_cast<int64_t>(v_head_dim(r));
  m.hidden = m.heads * m.head_dim, m.ffn = 1, m.vocab = 1;
  m.dtype = Dtype::bf16;
  return m;
}


KernelFamily family_of(const Row& r) { return r.at("kernel") == "fa2" ? KernelFamily::fa2 : KernelFamily::cudnn; }

// The group a row is judged in: family, kernel family (prefill) and architecture.
std::string group_of(const Row& r) {
  const GpuSpec gpu = load_gpu(preset_of(r.at("gpu")));
  if (r.at("family") == "prefill_attention") return fmt::format("prefill {} {}", r.at("kernel"), gpu.arch);
  return fmt::format("decode {}", gpu.arch);  // kernel rows and the ITL slopes share the decode terms
}

double prefill_ratio(const Row& r, const GpuSpec& gpu) {
  const double n = num(r, "seqlen_q"), b = num(r, "batch"), h = num(r, "heads"), dk = num(r, "head_dim"), dv = v_head_dim(r);
  const bool causal = r.at("causal") == "1";
  // The cudnn-frontend convention (checked against its printed times): 2·b·h·n²·(d_qk + d_vo), halved when causal.
  const double flops = 2 * b * h * n * n * (dk + dv) / (causal ? 2 : 1);
  const double measured_s = flops / (num(r, "value") * 1e12);
  const Dtype dtype = fp8(r) ? Dtype::fp8 : Dtype::bf16;
  if (!causal) {  // attncost has no bidirectional pattern: the kernel model's curve and the roofline
    const KernelModel* k = kernel_model(gpu.arch, family_of(r));
    const double eff = k->prefill_fraction(dk, n, false) * (fp8(r) ? k->prefill.fp8_fraction : 1) *
                       wave_efficiency(b * h * n / static_cast<double>(k->prefill.tile_rows), static_cast<double>(gpu.sms));
    return flops / (eff * gpu.matmul_flops(dtype)) / measured_s;
  }
  const ModelConfig m = one_layer(r);
  DesignChoice c;
  c.kernels = family_of(r);
  c.act_dtype = c.kv_dtype = dtype;
  Workload w;
  w.ctx = static_cast<uint64_t>(n), w.batch = static_cast<uint64_t>(b);
  const Estimate e = estimate(m, make_design(m, c), w, gpu);
  OpCost op = attention_op(e, false);
  op.kv_write_bytes = 0;  // the benchmark's K/V are already in memory: no cache write
  apply_roofline(op, gpu, e.kernels);
  return busy(op, gpu) * flops / op.matmul_flops / measured_s;  // n(n+1)/2 pairs against n²/2: compare rates
}

double decode_ratio(const Row& r, const GpuSpec& gpu) {
  const ModelConfig m = one_layer(r);
  DesignChoice c;
  if (fp8(r)) c.kv_dtype = Dtype::fp8;
  Workload w;
  // FlashInfer's sample draws the lengths at random up to s_kv; the log prints their average (501).
  w.ctx = r.at("id").rfind("fi062_", 0) == 0 ? 501 : static_cast<uint64_t>(num(r, "seqlen_kv"));
  w.batch = static_cast<uint64_t>(num(r, "batch"));
  const Estimate e = estimate(m, make_design(m, c), w, gpu);
  const double measured_s = num(r, "value") * (r.at("unit") == "ms" ? 1e-3 : 1e-6);
  return busy(attention_op(e, true), gpu) / measured_s;
}

// vLLM's fitted ITL = slope·input_len + intercept at concurrency 1: the slope is what one more
// cached token adds to a decode step (the weights and the engine are in the intercept).
double slope_ratio(const Row& r, const GpuSpec& gpu) {
  const ModelConfig m = load_model(r.at("id").find("gptoss20b") != std::string::npos ? "gpt-oss-20b" : "llama-3.1-8b");
  DesignChoice c;
  c.kv_dtype = fp8(r) ? Dtype::fp8 : Dtype::bf16;
  const Design d = make_design(m, c);
  auto step = [&](uint64_t ctx) {
    Workload w;
    w.ctx = ctx;
    return estimate(m, d, w, gpu).decode.time_s;
  };
  const double slope_s = (step(20480) - step(4096)) / (20480 - 4096);
  return slope_s / (num(r, "value") * 1e-3);
}

double predict(const Row& r) {
  const GpuSpec gpu = load_gpu(preset_of(r.at("gpu")));
  if (r.at("family") == "prefill_attention") return prefill_ratio(r, gpu);
  if (r.at("family") == "decode_attention") return decode_ratio(r, gpu);
  if (r.at("metric") == "itl_slope_ms_per_token") return slope_ratio(r, gpu);
  return NAN;
}

// Held-out rows a family cannot meet, each with the reason (issue #24: say which rows and why, do
// not loosen silently). They are reported apart and must stay misses (beyond 30%): a model that
// learns them should take them off this list.
const std::map<std::string, std::string> kKnownMisses = {
    {"cudnnfe_llama31_gb300_fp8_e4m3_causal_32k",
     "GB300 (Blackwell Ultra) fp8 prefill reaches 0.62 of its fp8 peak where GB200 reaches 0.44 at the same listed peak: one Blackwell cudnn family "
     "holds both only on average (Blackwell Ultra's faster softmax exponentials are not a preset parameter)"},
};

// Groups whose held-out median misses 10% by a documented margin.
const std::map<std::string, std::pair<double, std::string>> kMedianBounds = {
    {"decode blackwell",
     {0.125, "three held-out rows; cuDNN's decode (fi062_b200_decode_cudnn) runs 12% slower than the trtllm-gen kernels the floor is fit to"}},
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}
double worst(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()); }

}  // namespace

TEST_CASE("2026 kernel measurements: held-out median ≤ 10%, worst ≤ 30% per kernel family and architecture", "[published][kernels]") {
  const std::string dir = std::string(ATTNCOST_SOURCE_DIR) + "/tests/data/published/";
  std::vector<std::string> out_of_scope;
  for (const Row& s : published::rows_of(dir + "scope_2026.csv")) out_of_scope.push_back(s.at("id_prefix"));
  const std::vector<Row> rows = published::rows_of(dir + "kernel_measurements_2026.csv");
  REQUIRE(rows.size() == 184);
  std::map<std::string, std::vector<double>> all, held;
  published::HeldOut bands;  // every held-out row, known misses included: the bands of model/presets/bands
  size_t predicted = 0, skipped = 0;
  std::string misses;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    if (std::any_of(out_of_scope.begin(), out_of_scope.end(), [&](const std::string& p) { return r.at("id").rfind(p, 0) == 0; })) {
      ++skipped;
      continue;
    }
    const double ratio = predict(r);
    INFO(r.at("id") << " predicted/measured " << ratio);
    REQUIRE(std::isfinite(ratio));  // every row in scope is predicted: a new row needs a rule or a scope line
    ++predicted;
    const std::string g = group_of(r);
    if (std::getenv("ATTNCOST_PRINT_ROWS")) std::printf("%3zu %s %-52s %-26s %.3f\n", i, i % 3 == 2 ? "H" : " ", r.at("id").c_str(), g.c_str(), ratio);
    all[g].push_back(std::fabs(ratio - 1));
    if (i % 3 == 2) {
      const std::string arch = load_gpu(preset_of(r.at("gpu"))).arch;
      const bool prefill = r.at("family") == "prefill_attention";
      bands[published::band_key(prefill ? "prefill_attention" : "decode_attention", prefill ? r.at("kernel") : "", arch)].push_back(std::fabs(ratio - 1));
    }
    if (kKnownMisses.count(r.at("id"))) {
      misses += fmt::format("- {} (held out: {}): predicted/measured {:.2f}: {}\n", r.at("id"), i % 3 == 2 ? "yes" : "no", ratio, kKnownMisses.at(r.at("id")));
      CHECK(std::fabs(ratio - 1) > 0.30);
    } else if (i % 3 == 2) {
      held[g].push_back(std::fabs(ratio - 1));
    }
  }
  CHECK(predicted + skipped == rows.size());
  std::string report = fmt::format("{} rows predicted, {} out of scope (scope_2026.csv)\n\n", predicted, skipped);
  report += "| group | rows | median | worst | held-out rows | held-out median | held-out worst |\n|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& [g, errors] : all)
    report += fmt::format("| {} | {} | {:.1f}% | {:.1f}% | {} | {:.1f}% | {:.1f}% |\n", g, errors.size(), 100 * median(errors), 100 * worst(errors),
                          held[g].size(), 100 * median(held[g]), 100 * worst(held[g]));
  report += "\nHeld-out rows left out of the held-out columns (known misses):\n" + misses;
  for (const auto& [g, bound] : kMedianBounds) report += fmt::format("Held-out median bound of '{}': {:.1f}% ({})\n", g, 100 * bound.first, bound.second);
  report += "\nError bands (80th percentile of held-out |error|, known misses included; model/presets/bands/bands.json):\n" +
            published::check_bands("tests/published_kernels_2026_test.cc", bands);
  WARN(report);
  std::ofstream(std::string(ATTNCOST_TEST_TMP) + "/published_kernels_2026_report.md") << report;
  for (const auto& [g, errors] : held) {
    INFO(g);
    CHECK(median(errors) <= (kMedianBounds.count(g) ? kMedianBounds.at(g).first : 0.10));
    CHECK(worst(errors) <= 0.30);
  }
}

TEST_CASE("the cudnn family names its cuDNN release and prices fp8 attention at its own fraction", "[kernels]") {
  const KernelModel* hopper = kernel_model("hopper", KernelFamily::cudnn);
  const KernelModel* blackwell = kernel_model("blackwell", KernelFamily::cudnn);
  CHECK(hopper->provenance.find("cuDNN 9.19.1") != std::string::npos);
  CHECK(blackwell->provenance.find("cuDNN 9.22.0") != std::string::npos);
  // FA3 measured no fp8 row: its fp8 attention keeps the 16-bit curve against the fp8 peak.
  CHECK(kernel_model("hopper", KernelFamily::fa3)->prefill.fp8_fraction == 1);
  // The same causal prefill in bf16 and fp8 on an H200: fp8 runs at its own peak times fp8_fraction.
  Row shape = {{"heads", "64"}, {"kv_heads", "8"}, {"head_dim", "128"}, {"notes", ""}};
  const ModelConfig m = one_layer(shape);
  const GpuSpec gpu = load_gpu("h200");
  Workload w;
  w.ctx = 16384;
  auto compute_s = [&](Dtype dt) {
    DesignChoice c;
    c.kernels = KernelFamily::cudnn;
    c.act_dtype = c.kv_dtype = dt;
    return attention_op(estimate(m, make_design(m, c), w, gpu), false).compute_s;
  };
  const double peaks = gpu.matmul_flops(Dtype::bf16) / gpu.matmul_flops(Dtype::fp8);  // about 1/2
  CHECK(compute_s(Dtype::fp8) / compute_s(Dtype::bf16) == Approx(peaks / hopper->prefill.fp8_fraction).epsilon(1e-9));
}

TEST_CASE("a short decode kernel costs its architecture's floor: launch plus the fixed time", "[kernels]") {
  // 64 query heads over 8 KV heads of 128 at 32 cached tokens: 128 KiB of KV, well under a
  // microsecond of bandwidth. The fixed time is the fitted floor (docs/cost-model.md §12).
  Row shape = {{"heads", "64"}, {"kv_heads", "8"}, {"head_dim", "128"}, {"notes", ""}};
  const ModelConfig m = one_layer(shape);
  Workload w;
  w.ctx = 32;
  for (const char* name : {"h100-sxm", "b200", "a100-80gb"}) {
    INFO(name);
    const GpuSpec gpu = load_gpu(name);
    const OpCost op = attention_op(estimate(m, make_design(m), w, gpu), true);  // a copy: the estimate is a temporary
    const KernelModel* k = kernel_model(gpu.arch, KernelFamily::automatic);
    CHECK(op.launch_s == Approx(op.kernels * gpu.launch_latency_s + k->decode_fixed_s));
    CHECK(op.time_s < op.launch_s + 1e-6);
  }
  CHECK(kernel_model("hopper", KernelFamily::automatic)->decode_fixed_s == Approx(14.25e-6));
  CHECK(kernel_model("blackwell", KernelFamily::automatic)->decode_fixed_s == Approx(7.75e-6));
  CHECK(kernel_model("ampere", KernelFamily::automatic)->decode_fixed_s == 0);  // no current A100 row: unchanged
}
