// The 2026 hardware presets (model/presets/gpus/: B300, GB300, GB200, H20, MI325X, MI355X) against
// the figures collected with their sources in tests/data/hardware/gpus_2026.csv: every datasheet
// number a preset takes from the file is read back from it here, so an edit to either shows.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "estimators/collectives.h"
#include "model/gpu_spec.h"
#include "model/presets.h"

using namespace attncost;

namespace {

// The CSV's rows as (gpu, field) → value; a quoted field may hold commas (RFC 4180).
std::map<std::pair<std::string, std::string>, std::string> gpus_2026_rows() {
  std::ifstream in(std::string(ATTNCOST_SOURCE_DIR) + "/tests/data/hardware/gpus_2026.csv");
  REQUIRE(in.good());
  std::map<std::pair<std::string, std::string>, std::string> rows;
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::vector<std::string> cells(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (c == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"') cells.back() += '"', ++i;
      else if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) cells.emplace_back();
      else cells.back() += c;
    }
    if (cells.size() >= 3) rows[{cells[0], cells[1]}] = cells[2];
  }
  return rows;
}

double csv_value(const std::map<std::pair<std::string, std::string>, std::string>& rows, const std::string& gpu, const std::string& field) {
  const auto it = rows.find({gpu, field});
  INFO(gpu << " / " << field);
  REQUIRE(it != rows.end());
  return std::stod(it->second);
}

double peak_of(const GpuSpec& g, Dtype d) { return g.peak_flops[static_cast<size_t>(d)]; }

}  // namespace

TEST_CASE("the 2026 GPU presets carry the collected datasheet figures", "[gpus]") {
  const auto rows = gpus_2026_rows();
  constexpr double P = 1e15, T = 1e12, GiB = 1073741824.0;

  // Blackwell Ultra: the HGX B300 (1.1 kW) and the GB300 of an NVL72 rack (1.4 kW) differ in
  // clocks; INT8 falls to a thirtieth of FP8 on both.
  for (const char* name : {"b300", "gb300"}) {
    INFO(name);
    const GpuSpec g = load_gpu(name);
    REQUIRE(g.warnings.empty());
    REQUIRE(g.arch == "blackwell");
    REQUIRE(peak_of(g, Dtype::bf16) == Approx(csv_value(rows, name, "bf16_dense") * P).epsilon(1e-12));
    REQUIRE(peak_of(g, Dtype::fp16) == peak_of(g, Dtype::bf16));
    REQUIRE(peak_of(g, Dtype::fp8) == Approx(csv_value(rows, name, "fp8_dense") * P).epsilon(1e-12));
    REQUIRE(peak_of(g, Dtype::fp32) == Approx(csv_value(rows, name, "tf32_dense") * P).epsilon(1e-12));
    REQUIRE(peak_of(g, Dtype::int8) == Approx(csv_value(rows, name, "int8_dense") * P));
    REQUIRE(g.vector_flops == Approx(csv_value(rows, name, "fp32") * P));
    REQUIRE(g.hbm_bandwidth_Bps == Approx(csv_value(rows, name, "hbm_bandwidth") * T).epsilon(1e-12));
    REQUIRE(g.hbm_bytes == Approx(csv_value(rows, "b300/gb300 (Blackwell Ultra)", "hbm_capacity") * GiB).epsilon(1e-12));
    REQUIRE(static_cast<double>(g.sms) == csv_value(rows, "b300/gb300 (Blackwell Ultra)", "sm_count_full_die"));
    REQUIRE(peak_of(g, Dtype::int8) < peak_of(g, Dtype::fp8) / 25);
  }
  REQUIRE(load_gpu("b300").scale_up_domain == 8);
  REQUIRE(static_cast<double>(load_gpu("gb300").scale_up_domain) == csv_value(rows, "gb300-nvl72", "nvlink_domain_size"));

  const GpuSpec gb200 = load_gpu("gb200");
  const std::string gb200_row = "gb200 (per GPU, 1200 W)";
  REQUIRE(peak_of(gb200, Dtype::bf16) == Approx(csv_value(rows, gb200_row, "bf16_dense") * T).epsilon(1e-12));
  REQUIRE(peak_of(gb200, Dtype::fp8) == Approx(csv_value(rows, gb200_row, "fp8_dense") * T).epsilon(1e-12));
  REQUIRE(peak_of(gb200, Dtype::fp32) == Approx(csv_value(rows, gb200_row, "tf32_dense") * T).epsilon(1e-12));
  REQUIRE(gb200.vector_flops == Approx(csv_value(rows, gb200_row, "fp32_vector") * T).epsilon(1e-12));
  REQUIRE(static_cast<double>(gb200.scale_up_domain) == csv_value(rows, "gb200-nvl72", "nvlink_domain_size"));
  // NVLink 5 at 1.8 TB/s counts both directions: 900 GB/s each way.
  REQUIRE(gb200.scale_up.one_way_Bps * 2 == csv_value(rows, "gb200-nvl72", "nvlink_bandwidth_per_gpu_bidirectional") * T);
  // 13.4 TB of HBM over 72 GPUs: 186 GB each.
  REQUIRE(gb200.hbm_bytes / GiB == Approx(csv_value(rows, "gb200-nvl72", "rack_hbm_capacity") * 1000 / 72).epsilon(0.001));

  const GpuSpec h20 = load_gpu("h20");
  REQUIRE(h20.arch == "hopper");
  REQUIRE(h20.hbm_bytes == Approx(csv_value(rows, "h20", "hbm_capacity") * GiB).epsilon(1e-12));
  REQUIRE(h20.hbm_bandwidth_Bps == Approx(csv_value(rows, "h20", "hbm_bandwidth") * 1e9).epsilon(1e-12));
  REQUIRE(peak_of(h20, Dtype::fp16) == Approx(csv_value(rows, "h20", "fp16_dense") * T).epsilon(1e-12));
  REQUIRE(peak_of(h20, Dtype::int8) == Approx(csv_value(rows, "h20", "int8_dense") * T).epsilon(1e-12));
  REQUIRE(h20.vector_flops == Approx(csv_value(rows, "h20", "fp32") * T).epsilon(1e-12));
  REQUIRE(static_cast<double>(h20.sms) == csv_value(rows, "h20", "sm_count"));
  // The H20 keeps H100's memory system and loses most of its compute: a 37 FLOP/byte ridge
  // (H100 SXM: 295), so prefill is compute-bound far sooner.
  REQUIRE(peak_of(h20, Dtype::bf16) / h20.hbm_bandwidth_Bps == Approx(37).epsilon(0.001));

  const GpuSpec mi325x = load_gpu("mi325x");
  REQUIRE(mi325x.arch == "cdna3");
  REQUIRE(mi325x.hbm_bytes == Approx(csv_value(rows, "mi325x", "vram") * GiB).epsilon(1e-12));
  REQUIRE(mi325x.hbm_bandwidth_Bps == Approx(csv_value(rows, "mi325x", "hbm_bandwidth") * 1e9).epsilon(1e-12));
  REQUIRE(peak_of(mi325x, Dtype::bf16) == Approx(csv_value(rows, "mi325x", "bf16_dense") * T).epsilon(1e-12));
  REQUIRE(peak_of(mi325x, Dtype::fp8) == Approx(csv_value(rows, "mi325x", "fp8_dense") * T).epsilon(1e-12));
  REQUIRE(peak_of(mi325x, Dtype::fp32) == Approx(csv_value(rows, "mi325x", "tf32_dense") * T).epsilon(1e-12));
  REQUIRE(mi325x.vector_flops == Approx(csv_value(rows, "mi325x", "fp32") * T).epsilon(1e-12));
  REQUIRE(static_cast<double>(mi325x.sms) == csv_value(rows, "mi325x", "cu_count"));
  // Same compute die as the MI300X: only the memory grows.
  const GpuSpec mi300x = load_gpu("mi300x");
  REQUIRE(mi325x.peak_flops == mi300x.peak_flops);
  REQUIRE(mi325x.hbm_bandwidth_Bps > mi300x.hbm_bandwidth_Bps);

  const GpuSpec mi355x = load_gpu("mi355x");
  REQUIRE(mi355x.hbm_bytes == Approx(csv_value(rows, "mi355x", "vram") * GiB).epsilon(1e-12));
  REQUIRE(mi355x.hbm_bandwidth_Bps == Approx(csv_value(rows, "mi355x", "hbm_bandwidth") * T).epsilon(1e-12));
  REQUIRE(peak_of(mi355x, Dtype::fp8) == Approx(csv_value(rows, "mi355x", "fp8_dense") * P).epsilon(1e-12));
  REQUIRE(static_cast<double>(mi355x.sms) == csv_value(rows, "mi355x", "cu_count"));
  // The FP8 peak is the CUs' rate at the top clock: 256 × 8192 × 2.4 GHz = 5.03 PFLOP/s.
  REQUIRE(csv_value(rows, "mi355x", "cu_count") * csv_value(rows, "mi355x", "fp8_flops_per_cu_per_clock") * csv_value(rows, "mi355x", "max_clock") * 1e9 ==
          Approx(peak_of(mi355x, Dtype::fp8)).epsilon(0.01));
  // FP16 at half the FP8 rate, as MI300X's matrix cores run it.
  REQUIRE(peak_of(mi355x, Dtype::fp16) / peak_of(mi355x, Dtype::fp8) == Approx(peak_of(mi300x, Dtype::fp16) / peak_of(mi300x, Dtype::fp8)).epsilon(0.001));
}

TEST_CASE("a 72-GPU NVLink domain keeps a 16-GPU group on NVLink", "[gpus]") {
  // HGX B300's NVLink reaches 8 GPUs: a group of 16 crosses the network. GB300 NVL72's and GB200
  // NVL72's reach 72: the same group stays on NVLink at 900 GB/s each way, 18 times the network.
  REQUIRE_FALSE(link_for(load_gpu("b300"), 16).scale_up);
  for (const char* name : {"gb300", "gb200"}) {
    INFO(name);
    const Link l = link_for(load_gpu(name), 16);
    REQUIRE(l.scale_up);
    REQUIRE(l.one_way_Bps == 900e9);
    REQUIRE(l.one_way_Bps / link_for(load_gpu(name), 144).one_way_Bps == 18);
  }
}

TEST_CASE("the L40 is the L40S's chip at half the tensor rate", "[gpus]") {
  const auto rows = gpus_2026_rows();
  const GpuSpec l40 = load_gpu("l40"), l40s = load_gpu("l40s");
  REQUIRE(l40.hbm_bandwidth_Bps == Approx(csv_value(rows, "l40", "memory_bandwidth") * 1e9).epsilon(1e-12));
  REQUIRE(peak_of(l40, Dtype::bf16) == Approx(csv_value(rows, "l40", "bf16_dense") * 1e12).epsilon(1e-12));
  REQUIRE(peak_of(l40, Dtype::fp8) == Approx(csv_value(rows, "l40", "fp8_dense") * 1e12).epsilon(1e-12));
  REQUIRE(static_cast<double>(l40.sms) == csv_value(rows, "l40", "cuda_cores") / 128);
  // Same memory and SMs as the L40S, half its dense FP16/BF16 tensor rate (181 vs 362 TFLOP/s).
  REQUIRE(l40.hbm_bandwidth_Bps == l40s.hbm_bandwidth_Bps);
  REQUIRE(l40.sms == l40s.sms);
  REQUIRE(peak_of(l40, Dtype::bf16) / peak_of(l40s, Dtype::bf16) == Approx(0.5).epsilon(0.001));
}

TEST_CASE("Blackwell presets carry their dense FP4 peaks, and the RTX 5090 its collected figures", "[gpus]") {
  const auto rows = gpus_2026_rows();
  constexpr double P = 1e15, T = 1e12, GiB = 1073741824.0;
  REQUIRE(peak_of(load_gpu("b300"), Dtype::fp4) == Approx(csv_value(rows, "b300", "fp4_dense") * P).epsilon(1e-12));
  REQUIRE(peak_of(load_gpu("gb300"), Dtype::fp4) == Approx(csv_value(rows, "gb300", "fp4_dense") * P).epsilon(1e-12));
  REQUIRE(peak_of(load_gpu("gb200"), Dtype::fp4) == Approx(csv_value(rows, "gb200 (per GPU, 1200 W)", "fp4_dense") * T).epsilon(1e-12));
  REQUIRE(peak_of(load_gpu("b200"), Dtype::fp4) == Approx(csv_value(rows, "b200 (HGX, 1000 W)", "fp4_dense") * T).epsilon(1e-12));
  // Hopper and older have no fp4 units: a W4A4 GEMM there runs at the 16-bit rate.
  for (const char* name : {"h100-sxm", "h200", "a100-80gb", "rtx-4090"}) {
    INFO(name);
    REQUIRE(peak_of(load_gpu(name), Dtype::fp4) == 0);
    REQUIRE(load_gpu(name).matmul_flops(Dtype::fp4) == peak_of(load_gpu(name), Dtype::fp16));
  }

  const GpuSpec g = load_gpu("rtx-5090");
  REQUIRE(static_cast<double>(g.sms) == csv_value(rows, "rtx-5090", "sm_count"));
  REQUIRE(g.hbm_bytes / GiB == csv_value(rows, "rtx-5090", "memory_capacity"));
  REQUIRE(g.hbm_bandwidth_Bps == csv_value(rows, "rtx-5090", "memory_bandwidth") * 1e9);
  REQUIRE(g.l2_bytes / 1048576.0 == csv_value(rows, "rtx-5090", "l2_cache"));
  REQUIRE(g.vector_flops == Approx(csv_value(rows, "rtx-5090", "fp32") * T).epsilon(0.01));
  // Sparse FP16 (FP16 accumulate) halves to dense and halves again with FP32 accumulate; FP4 is
  // the sparse figure halved.
  REQUIRE(peak_of(g, Dtype::bf16) == Approx(csv_value(rows, "rtx-5090", "fp16_tensor_sparse") * T / 4).epsilon(0.001));
  REQUIRE(peak_of(g, Dtype::fp8) == Approx(2 * peak_of(g, Dtype::bf16)));
  REQUIRE(peak_of(g, Dtype::fp4) == Approx(csv_value(rows, "rtx-5090", "fp4_tensor_sparse") * T / 2).epsilon(0.001));
}
