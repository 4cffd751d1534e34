// The flat row of an estimate is written three ways — the CSV header, the CSV row and the
// JSON-lines object — all from one field table (reports/estimate_fields.cc). They must agree:
// the same names in the same order, and the same value in each CSV cell as in the JSON member.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "estimators/estimate.h"
#include "model/presets.h"
#include "reports/estimate_fields.h"
#include "reports/number_text.h"
#include "reports/reports.h"

using namespace attncost;

namespace {

// One CSV line into cells (RFC 4180 quoting: "a,b" and "" for a quote).
std::vector<std::string> csv_cells(std::string line) {
  if (!line.empty() && line.back() == '\n') line.pop_back();
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') cells.back() += '"', ++i;
    else if (c == '"') quoted = !quoted;
    else if (c == ',' && !quoted) cells.emplace_back();
    else cells.back() += c;
  }
  return cells;
}

struct Situation {
  const char* model;
  const char* attn;   // nullptr: the model's own
  uint64_t gen;
  bool vllm;
};

}  // namespace

TEST_CASE("the CSV header, the CSV row and the JSON-lines object agree field by field", "[fields]") {
  const GpuSpec gpu = load_gpu("h100-sxm");
  const std::vector<std::string> header = csv_cells(estimate_csv_header());
  const auto fields = estimate_fields();
  REQUIRE(header.size() == fields.size());
  for (size_t i = 0; i < fields.size(); ++i) CHECK(header[i] == fields[i].name);

  for (const Situation& s : {Situation{"llama-2-7b", nullptr, 0, false}, Situation{"llama-3.1-8b", nullptr, 512, true},
                             Situation{"deepseek-v3", nullptr, 0, false}, Situation{"gemma-2-9b", "window:4096/dense", 64, false}}) {
    CAPTURE(s.model, s.gen, s.vllm);
    const ModelConfig m = load_model(s.model);
    DesignChoice c;
    if (s.attn) c.attn = s.attn;
    if (s.vllm) {
      EngineConfig e;
      e.kind = EngineKind::vllm;
      c.engine = e;
    }
    const Design d = make_design(m, c);
    Workload w;
    w.ctx = 8192, w.batch = 4, w.gen = s.gen;
    const Estimate e = estimate(m, d, w, gpu);
    const EstimateInputs in{m, d, w, gpu};

    std::string row, line;
    append_estimate_csv_row(row, in, e);
    append_estimate_jsonl(line, in, e);
    CHECK(row == estimate_csv_row(in, e));
    const std::vector<std::string> cells = csv_cells(row);
    const auto j = nlohmann::ordered_json::parse(line);
    REQUIRE(cells.size() == header.size());
    REQUIRE(j.size() == header.size());
    size_t i = 0;
    for (const auto& [key, v] : j.items()) {
      CAPTURE(key, cells[i]);
      CHECK(key == header[i]);
      if (v.is_null()) CHECK(cells[i].empty());
      else if (v.is_string()) CHECK(cells[i] == v.get<std::string>());
      else if (v.is_boolean()) CHECK(cells[i] == (v.get<bool>() ? "1" : "0"));
      else CHECK(std::stod(cells[i]) == v.get<double>());  // both print the shortest round-trip form
      ++i;
    }
  }
}

// The row writes non-integral numbers with its own placement of Dragonbox's digits (faster than
// fmt's generic path): it must be fmt's "{}" text byte for byte, or every CSV and JSON output
// would change. Seeded: random bit patterns (every exponent, subnormals), values spread over 60
// decades with short and long significands, and each placement's edges.
TEST_CASE("the row's shortest double text is fmt's \"{}\" byte for byte", "[fields]") {
  std::mt19937_64 rng(20261203);
  std::uniform_real_distribution<double> decades(-30, 30);
  std::vector<double> values = {0.0, 1.0, 9.0, 10.0, 99.0, 100.0, 12345678901234567.0, 9.1e18, 9.3e18, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1, 0.5, 1.5, 1e-4, 9.9999e-5, 1.25e-5,
                                1e15 + 0.5, 9007199254740993.0, 1e16, 1.5e16, 1e22, 1e100, 1.234e-100, 123456.789, 3.0e-7};
  for (int i = 0; i < 100000; ++i) {
    const uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (std::isfinite(v)) values.push_back(v);
    const double x = std::pow(10.0, decades(rng));
    values.push_back(x);
    values.push_back(std::round(x * 1000) / 1000);
    values.push_back(std::round(x));
  }
  for (int k = -8; k <= 18; ++k)
    for (int m = 1; m < 200; m += 7) values.push_back(m * std::pow(10.0, k) + (k < 0 ? 0 : 0.25));
  int differ = 0;
  for (const double v : values)
    for (const double s : {v, -v}) {
      char buf[40];
      const std::string mine(buf, write_shortest_double(buf, s)), ref = fmt::format("{}", s);
      if (mine != ref && ++differ <= 5) FAIL_CHECK(fmt::format("{:a}: row {} vs fmt {}", s, mine, ref));
      // The row's number: integral values as fmt writes the integer, the rest as above.
      const std::string row(buf, write_row_number(buf, s));
      const std::string want = s == std::floor(s) && std::fabs(s) < 9.2e18 ? fmt::format("{}", static_cast<int64_t>(s)) : ref;
      if (row != want && ++differ <= 5) FAIL_CHECK(fmt::format("{:a}: row number {} vs fmt {}", s, row, want));
    }
  CHECK(differ == 0);
}
