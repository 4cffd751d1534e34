// MLA decode per implementation (issue #24 item 3) against the published MLA decode kernel timings
// of tests/data/published/mla_decode_2026.csv, each row with its source. Every in-scope row is
// predicted through the roofline policy with its implementation's kernel model (one MLA decode
// attention op: 2·B·q·H·n·(576 + 512) FLOPs, the latent KV read once, Q in and O out), without the
// launch that kernel benchmarks exclude; the held-out rows (every third of the group, as
// scripts/fit_mla_decode.py splits them) must stay within a median of 10% and a worst of 30% where
// the group holds out two rows or more. Also: each engine's default MLA decode kernel, the report
// line naming the rule, and --kernels' gemm= and mla= parts with their bad inputs.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "estimators/roofline.h"
#include "model/error.h"
#include "model/gemm_library.h"
#include "model/presets.h"
#include "tests/cli_runner.h"
#include "tests/published_rows.h"

using namespace attncost;
using published::Row;

namespace {

double num(const Row& r, const char* key) { return std::stod(r.at(key)); }

// Out of scope, as scripts/fit_mla_decode.py's OUT_OF_SCOPE (the reasons are there and in the README).
bool in_scope(const std::string& id) {
  return id.rfind("vllm41778_sm100_mla_trtllm_", 0) != 0 && id != "vllm41778_sm100_mla_tokenspeed_b1" && id != "vllm41778_sm100_mla_tokenspeed_b8";
}

// The vLLM attention benchmark's per-call floor (host work of each backend's call: FlashMLA's
// metadata pass among it), fit by scripts/fit_mla_decode.py per implementation and not wired.
double harness_offset_s(const Row& r) {
  if (r.at("id").rfind("vllm27363_", 0) != 0) return 0;
  return r.at("impl") == "flashmla" ? 19e-6 : 7e-6;
}

double predicted_s(const Row& r) {
  const GpuSpec gpu = load_gpu(r.at("gpu"));
  const KernelModel* k = kernel_model(r.at("arch"), KernelFamily::automatic, GemmLibrary::automatic, "", r.at("impl"), "test");
  REQUIRE(k);
  REQUIRE(k->mla_decode_compute > 0);
  const double b = num(r, "batch"), q = num(r, "q_len"), n = num(r, "kv_len"), h = num(r, "heads"), dk = num(r, "d_qk"), dv = num(r, "d_v");
  const double kvb = r.at("kv_dtype") == "fp8" ? 1 : 2;
  OpCost op;
  op.kind = OpKind::attention;
  op.decode = op.mla = true;
  op.kernels = 1;
  op.matmul_dtype = Dtype::bf16;
  op.pairs = b * q * h * n;
  op.matmul_flops = op.executed_matmul_flops = 2 * op.pairs * (dk + dv);
  op.kv_read_bytes = b * n * dk * kvb;
  op.act_bytes = b * q * h * (dk + dv) * 2;
  op.head_dim = dk;
  apply_roofline(op, gpu, k);
  return op.time_s - op.kernels * gpu.launch_latency_s + harness_offset_s(r);
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

TEST_CASE("MLA decode per implementation: held-out median <= 10%, worst <= 30%", "[published][kernels][mla]") {
  const std::string dir = std::string(ATTNCOST_SOURCE_DIR) + "/tests/data/published/";
  std::map<std::string, std::vector<Row>> groups;  // arch/impl → rows in file order
  size_t all = 0;
  for (const Row& r : published::rows_of(dir + "mla_decode_2026.csv")) {
    ++all;
    if (in_scope(r.at("id"))) groups[r.at("arch") + "/" + r.at("impl")].push_back(r);
  }
  CHECK(all == 35);
  REQUIRE(groups.size() == 5);
  CHECK(groups["hopper/flashmla"].size() == 11);
  CHECK(groups["hopper/fa3"].size() == 7);
  CHECK(groups["blackwell/trtllm-gen"].size() == 2);
  CHECK(groups["blackwell/tokenspeed"].size() == 4);
  CHECK(groups["blackwell/flashinfer-fa2"].size() == 3);
  for (const auto& [name, rows] : groups) {
    std::vector<double> held, fit;
    std::string report;
    double fa2_sample_err = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      const double err = predicted_s(r) / (num(r, "time_us") * 1e-6) - 1;
      report += fmt::format("{} {:<45} {:+.1f}%\n", i % 3 == 2 ? "H" : " ", r.at("id"), 100 * err);
      if (r.at("id") == "fi062_b200_mla_fa2") fa2_sample_err = err;
      else (i % 3 == 2 ? held : fit).push_back(std::fabs(err));
    }
    INFO(name << ":\n" << report);
    if (held.size() >= 2) {  // groups that hold out two rows or more: the kernel targets
      CHECK(median_of(fit) <= 0.10);
      CHECK(median_of(held) <= 0.10);
      CHECK(*std::max_element(held.begin(), held.end()) <= 0.30);
    }
    // The named miss: FlashInfer's fa2 MLA template on B200 at batch 16 × ~501 tokens (its only
    // short row, held out) runs at a floor the two long rows that fix its fractions do not show.
    if (name == "blackwell/flashinfer-fa2") {
      CHECK(fa2_sample_err < -0.4);
      CHECK(fa2_sample_err > -0.7);
    }
  }
}

TEST_CASE("MLA decode implementations differ as measured: FlashMLA ~1.3x FA3 MLA on Hopper, FlashInfer fa2 ~3x trtllm-gen on B200",
          "[published][kernels][mla]") {
  // vllm27363 128q16s1k: FlashMLA 245 us, FA3 MLA 186 us (1.32x); sglang PR #26557, batch 128 × 4096:
  // fa2 569 us, trtllm-gen 190 us (3.0x).
  auto ratio = [](const char* arch, const char* gpu, const char* slow, const char* fast, double b, double q, double n, double h) {
    const GpuSpec g = load_gpu(gpu);
    auto time = [&](const char* impl) {
      OpCost op;
      op.kind = OpKind::attention;
      op.decode = op.mla = true;
      op.matmul_dtype = Dtype::bf16;
      op.matmul_flops = op.executed_matmul_flops = 2 * b * q * h * n * 1088;
      op.kv_read_bytes = b * n * 576 * 2;
      op.act_bytes = b * q * h * 1088 * 2;
      apply_roofline(op, g, kernel_model(arch, KernelFamily::automatic, GemmLibrary::automatic, "", impl, "t"));
      return op.time_s;
    };
    return time(slow) / time(fast);
  };
  CHECK(ratio("hopper", "h100-sxm", "flashmla", "fa3", 128, 16, 1024, 16) == Approx(1.32).epsilon(0.15));
  CHECK(ratio("blackwell", "b200", "flashinfer-fa2", "trtllm-gen", 128, 1, 4096, 128) == Approx(3.0).epsilon(0.15));
}

TEST_CASE("each engine's default MLA decode kernel, by architecture", "[kernels][mla]") {
  CHECK(mla_kernel_for(EngineKind::plain, "hopper").empty());
  CHECK(mla_kernel_for(EngineKind::vllm, "hopper") == "fa3");
  CHECK(mla_kernel_for(EngineKind::sglang, "hopper") == "fa3");
  CHECK(mla_kernel_for(EngineKind::trtllm, "hopper") == "flashmla");
  CHECK(mla_kernel_for(EngineKind::vllm, "blackwell") == "trtllm-gen");
  CHECK(mla_kernel_for(EngineKind::sglang, "blackwell") == "trtllm-gen");
  CHECK(mla_kernel_for(EngineKind::trtllm, "blackwell") == "trtllm-gen");
  CHECK(mla_kernel_for(EngineKind::vllm, "ampere").empty());  // no MLA decode measurement: the architecture's decode fractions
  CHECK(mla_kernel_names("hopper") == std::vector<std::string>{"fa3", "flashmla"});
  CHECK_NOTHROW(check_mla_kernel("hopper", "flashmla"));
  CHECK_NOTHROW(check_mla_kernel("hopper", "auto"));
  CHECK_THROWS_AS(check_mla_kernel("hopper", "trtllm-gen"), InputError);
  // No MLA choice: the family's own model (the same pointer, unchanged outputs for --engine plain).
  CHECK(kernel_model("hopper", KernelFamily::automatic, GemmLibrary::automatic, "", "", "") == kernel_model("hopper", KernelFamily::automatic));
}

TEST_CASE("kernels flag parts: the family, then gemm and mla choices", "[kernels][mla][gemm]") {
  KernelsFlag k = parse_kernels_flag("cudnn");
  CHECK(k.family == KernelFamily::cudnn);
  CHECK_FALSE(k.gemm);
  CHECK_FALSE(k.mla);
  k = parse_kernels_flag("fa3+gemm=cublaslt+mla=flashmla");
  CHECK(k.family == KernelFamily::fa3);
  CHECK(k.gemm == GemmLibrary::cublaslt);
  CHECK(k.mla == "flashmla");
  k = parse_kernels_flag("gemm=deepgemm");
  CHECK(k.family == KernelFamily::automatic);
  CHECK(k.gemm == GemmLibrary::deepgemm);
  k = parse_kernels_flag("+mla=fa3");
  CHECK(k.family == KernelFamily::automatic);
  CHECK(k.mla == "fa3");
  for (const char* bad : {"gemm=foo", "fa3+fa2", "mla=", "gemm=cutlass+gemm=deepgemm", "mla=fa3+mla=flashmla", "fa3+tile=64", "bogus", "", "fa3+"})
    CHECK_THROWS_AS(parse_kernels_flag(bad), InputError);
}

TEST_CASE("the report names the MLA decode kernel and the GEMM library rule, the user over the engine", "[kernels][mla][gemm][cli]") {
  const std::string base = "estimate --model deepseek-v3 --gpu h200 --tp 8 --ctx 4096";
  const auto vllm = attncost::testing::run_cli(base + " --engine vllm");
  REQUIRE(vllm.code == 0);
  CHECK(vllm.out.find("MLA decode: fa3 (vllm default on hopper") != std::string::npos);
  const auto chosen = attncost::testing::run_cli(base + " --engine vllm --kernels +mla=flashmla");
  REQUIRE(chosen.code == 0);
  CHECK(chosen.out.find("MLA decode: flashmla (--kernels mla=flashmla") != std::string::npos);
  const auto plain = attncost::testing::run_cli(base);
  REQUIRE(plain.code == 0);
  CHECK(plain.out.find("MLA decode:") == std::string::npos);
  const auto gemm = attncost::testing::run_cli(base + " --engine vllm --act-dtype fp8 --kernels gemm=cublaslt");
  REQUIRE(gemm.code == 0);
  CHECK(gemm.out.find("fp8 GEMMs: cublaslt (--kernels gemm=cublaslt") != std::string::npos);
  // The user's library applies without an engine too; gemm=auto leaves the engine's rule.
  const auto gemm_plain = attncost::testing::run_cli(base + " --act-dtype fp8 --kernels gemm=deepgemm");
  REQUIRE(gemm_plain.code == 0);
  CHECK(gemm_plain.out.find("fp8 GEMMs: deepgemm (--kernels gemm=deepgemm") != std::string::npos);
  const auto gemm_auto = attncost::testing::run_cli(base + " --engine vllm --act-dtype fp8 --kernels gemm=auto");
  REQUIRE(gemm_auto.code == 0);
  CHECK(gemm_auto.out.find("fp8 GEMMs: cutlass (vllm rule for block-scaled fp8") != std::string::npos);
  // The MLA choice moves the decode time: FlashMLA's 0.35 of the peak is below FA3 MLA's 0.44.
  CHECK(chosen.out != vllm.out);
}

TEST_CASE("kernels flag: bad input exits 2 naming --kernels", "[kernels][mla][gemm][cli]") {
  const std::string base = "estimate --model deepseek-v3 --gpu h200 --tp 8 --ctx 4096 --kernels ";
  for (const char* bad : {"gemm=foo", "fa3+fa2", "mla=", "gemm=cutlass+gemm=deepgemm", "mla=trtllm-gen"}) {
    const auto r = attncost::testing::run_cli(base + bad);
    INFO(bad << ": " << r.err);
    CHECK(r.code == 2);
    CHECK(r.err.find("--kernels") != std::string::npos);
  }
  const auto missing = attncost::testing::run_cli(base + "mla=trtllm-gen");
  CHECK(missing.err.find("available: fa3, flashmla") != std::string::npos);
  // An MLA kernel for a model without MLA attention is a dropped flag: refused.
  const auto gqa = attncost::testing::run_cli("estimate --model llama-3.1-8b --gpu h100-sxm --ctx 4096 --kernels mla=fa3");
  CHECK(gqa.code == 2);
  CHECK(gqa.err.find("--kernels mla=fa3: the model has no MLA attention") != std::string::npos);
  const auto naive = attncost::testing::run_cli("estimate --model deepseek-v3 --gpu h200 --tp 8 --ctx 4096 --kernels naive+mla=fa3");
  CHECK(naive.code == 2);
  CHECK(naive.err.find("naive (eager) attention runs no MLA decode kernel") != std::string::npos);
  // The old spellings keep working.
  CHECK(attncost::testing::run_cli("estimate --model llama-3.1-8b --gpu h100-sxm --ctx 4096 --kernels cudnn").code == 0);
}
