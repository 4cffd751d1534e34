// Reliability, round two (issue #15): special files never hang us, numbers out of range and
// duplicate or empty keys are refused with one line naming them, absurd hardware is refused, no
// output ever holds inf or NaN, output paths are checked before any work, runaway grids are
// refused, and every bad input exits 2.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <regex>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"
#include "model/gpu_spec.h"
#include "model/presets.h"
#include "reports/reports.h"
#include "tests/cli_runner.h"

using namespace attncost;
using namespace attncost::testing;

namespace {

void require_one_line_exit_2(const std::string& args, const std::string& want) {
  const auto t0 = std::chrono::steady_clock::now();
  const CliResult r = run_cli(args);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO("attncost " << args << "\nstderr: " << r.err);
  REQUIRE(r.code == 2);
  REQUIRE(r.out.empty());
  REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  REQUIRE(r.err.find(want) != std::string::npos);
  REQUIRE(r.err.find("internal error") == std::string::npos);
  REQUIRE(took < 10);  // refused before any work
}

const char* kGoodProfile = R"({"name": "x", "hbm_bytes": 85899345920, "hbm_bandwidth_Bps": 3.35e12, "vector_flops": 6.7e13,
                                "peak_flops": {"fp16": 9.9e14}})";

// inf, nan, -inf, Infinity or NaN as a word of their own (not "infeasible" or "inference").
bool has_nonfinite_word(const std::string& text) {
  static const std::regex bad(R"((^|[^A-Za-z])(-?inf|nan|infinity)([^A-Za-z]|$))", std::regex::icase);
  return std::regex_search(text, bad);
}

bool all_json_numbers_finite(const nlohmann::json& j) {
  if (j.is_number_float()) return std::isfinite(j.get<double>());
  if (j.is_structured())
    for (const auto& v : j)
      if (!all_json_numbers_finite(v)) return false;
  return true;
}

}  // namespace

TEST_CASE("special and oversized input files are refused at once, never read forever", "[reliability]") {
  require_one_line_exit_2("estimate --model /dev/zero", "--model '/dev/zero': not a regular file");
  require_one_line_exit_2("estimate --gpu /dev/zero", "--gpu '/dev/zero': not a regular file");
  require_one_line_exit_2("estimate --model /tmp", "--model '/tmp': not a regular file");
  const std::string fifo = temp_path("fifo.json");
  ::unlink(fifo.c_str());
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);  // nobody ever writes it
  require_one_line_exit_2("estimate --model " + fifo, "not a regular file");
  require_one_line_exit_2("probe --replay " + fifo, "not a regular file");
  ::unlink(fifo.c_str());
  const std::string big = temp_path("big.json");
  {
    std::ofstream out(big);
    out << "{\"x\": \"" << std::string(17u << 20, 'a') << "\"}";
  }
  require_one_line_exit_2("estimate --model " + big, "more than the 16 MiB a JSON input may have");
  ::unlink(big.c_str());
}

TEST_CASE("a number too large for a double names the file and the field", "[reliability]") {
  const std::string cfg = write_file("overflow.json", R"({"num_hidden_layers": 2, "num_attention_heads": 4, "hidden_size": 1e400, "vocab_size": 10})");
  require_one_line_exit_2("estimate --model " + cfg, "field 'hidden_size' = 1e400 is out of range");
  const std::string gpu = write_file("overflow_gpu.json", R"({"name": "x", "hbm_bytes": 8e10, "hbm_bandwidth_Bps": -1e999, "vector_flops": 1, "peak_flops": {}})");
  require_one_line_exit_2("estimate --gpu " + gpu, "field 'hbm_bandwidth_Bps' = -1e999 is out of range");
  // Hugging Face's Infinity / NaN literals are read (as values no numeric field accepts).
  const std::string inf = write_file("infinity.json", R"({"num_hidden_layers": 2, "num_attention_heads": 4, "hidden_size": 64,
      "vocab_size": 10, "time_step_limit": [0.0, Infinity], "initializer_range": NaN})");
  REQUIRE(run_cli("estimate --model " + inf).code == 0);
  const std::string inf_field = write_file("inf_field.json", R"({"num_hidden_layers": Infinity, "num_attention_heads": 4, "hidden_size": 64, "vocab_size": 10})");
  require_one_line_exit_2("estimate --model " + inf_field, "field 'num_hidden_layers' must be an integer, got \"Infinity\"");
}

TEST_CASE("no silent override: duplicate or empty keys, twice-used labels, --workload with --ctx", "[reliability]") {
  require_one_line_exit_2("plan --workload 'a:ctx=8k,ctx=16k'", "--workload 'a:ctx=8k,ctx=16k': key 'ctx' is given twice (8k and 16k)");
  require_one_line_exit_2("compare --design 'a:gqa=8,gqa=4' --design b:mqa", "--design 'a:gqa=8,gqa=4': key 'gqa' is given twice");
  require_one_line_exit_2("compare --design 'a:attn=' --design b:mqa", "--design 'a:attn=': key 'attn' has an empty value");
  require_one_line_exit_2("compare --design 'a:gqa=8,,mqa' --design b:mqa", "an empty item");
  require_one_line_exit_2("compare --design ':gqa=8' --design b:mqa", "the name before ':' is empty");
  require_one_line_exit_2("compare --design a:gqa=8 --design a:mqa", "--design 'a:mqa': the label 'a' is used twice");
  require_one_line_exit_2("compare --design gqa=8 --design gqa=8", "the label 'GQA-8 · dense · fp16 KV' is used twice");
  require_one_line_exit_2("plan --workload a:ctx=8k --workload a:ctx=16k", "the name 'a' is used twice");
  require_one_line_exit_2("plan --workload a:ctx=8k --ctx 16k", "--ctx cannot be combined with --workload");
  require_one_line_exit_2("compare --workload a:ctx=8k --workload b:ctx=1k --batch 4", "--batch cannot be combined with --workload");
}

TEST_CASE("hardware outside any real device's range is refused", "[reliability]") {
  auto profile = [](const std::string& field, const std::string& value) {
    nlohmann::json j = nlohmann::json::parse(kGoodProfile);
    if (field.rfind("peak_flops.", 0) == 0) j["peak_flops"][field.substr(11)] = nlohmann::json::parse(value);
    else j[field] = nlohmann::json::parse(value);
    return write_file("profile_" + field + ".json", j.dump());
  };
  REQUIRE(run_cli("estimate --gpu " + profile("name", "\"ok\"")).code == 0);
  require_one_line_exit_2("estimate --gpu " + profile("hbm_bandwidth_Bps", "1e-300"), "field 'hbm_bandwidth_Bps' = 1e-300 is outside the physical range");
  require_one_line_exit_2("estimate --gpu " + profile("peak_flops.fp16", "3"), "field 'peak_flops.fp16' = 3 is outside the physical range");
  require_one_line_exit_2("estimate --gpu " + profile("vector_flops", "1e30"), "field 'vector_flops' = 1e+30 is outside the physical range");
  require_one_line_exit_2("estimate --gpu " + profile("hbm_bytes", "1000"), "field 'hbm_bytes' = 1000 is outside the physical range");
  require_one_line_exit_2("estimate --gpu " + profile("launch_latency_s", "5"), "field 'launch_latency_s' = 5 is outside the physical range");
}

TEST_CASE("random in-range profiles and models: no output prints inf or NaN (text, CSV, JSON, Markdown)", "[reliability][property]") {
  std::mt19937_64 rng(15);
  auto log_uniform = [&](double lo, double hi) { return std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(rng)); };
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  const auto models = model_preset_names();
  for (int trial = 0; trial < 400; ++trial) {
    nlohmann::json p = {{"name", "random"},
                        {"hbm_bytes", log_uniform(268435456.0, 1.7e13)},
                        {"hbm_bandwidth_Bps", log_uniform(1e8, 1e15)},
                        {"vector_flops", log_uniform(1e8, 1e17)},
                        {"launch_latency_s", pick(0, 1) ? 0.0 : log_uniform(1e-9, 1e-2)},
                        {"scale_up", {{"one_way_Bps", pick(0, 1) ? 0.0 : log_uniform(1e8, 1e14)}, {"latency_s", log_uniform(1e-7, 1e-4)}, {"domain", pick(1, 72)}}},
                        {"peak_flops", {{"fp16", log_uniform(1e9, 1e18)}}}};
    if (pick(0, 1)) p["peak_flops"]["fp8"] = log_uniform(1e9, 1e18);
    const GpuSpec gpu = gpu_from_json(p, "random profile");
    ModelConfig m = load_model(models[static_cast<size_t>(pick(0, static_cast<int64_t>(models.size()) - 1))]);
    m.layers = pick(1, 200);
    m.vocab = pick(1, 1 << 20);
    DesignChoice c;
    c.kv_dtype = std::vector<Dtype>{Dtype::fp32, Dtype::fp16, Dtype::fp8, Dtype::int4}[static_cast<size_t>(pick(0, 3))];
    if (pick(0, 1)) c.attn = pick(0, 1) ? "window:4096/dense" : "linear";
    if (c.attn && m.is_mla()) c.attn.reset();
    Design d;
    try {
      d = make_design(m, c);
    } catch (const InputError&) {
      continue;
    }
    Workload w;
    w.ctx = static_cast<uint64_t>(log_uniform(1, 1099511627776.0 / 2));
    w.batch = static_cast<uint64_t>(log_uniform(1, 1 << 20));
    w.gen = static_cast<uint64_t>(pick(0, 1 << 20));
    const Estimate e = estimate(m, d, w, gpu);
    const EstimateInputs in{m, d, w, gpu};
    INFO(m.name << " " << design_label(d) << " " << p.dump());
    REQUIRE_FALSE(has_nonfinite_word(estimate_text(in, e)));
    REQUIRE_FALSE(has_nonfinite_word(estimate_md(in, e)));
    REQUIRE_FALSE(has_nonfinite_word(estimate_csv_row(in, e)));
    const nlohmann::json j = estimate_json(in, e);
    REQUIRE(all_json_numbers_finite(j));
    REQUIRE_FALSE(has_nonfinite_word(j.dump()));
  }
  REQUIRE(has_nonfinite_word("time inf s"));  // the checker itself
  REQUIRE(has_nonfinite_word("nan"));
  REQUIRE_FALSE(has_nonfinite_word("infeasible inference"));
}

TEST_CASE("output paths are checked before any work", "[reliability]") {
  const std::string dir = temp_path("outdir");
  ::mkdir(dir.c_str(), 0700);
  // The CPU probe takes tens of seconds; refused in well under one.
  require_one_line_exit_2("probe --backend cpu -o " + dir + "/", "is a directory; give a file name");
  require_one_line_exit_2("probe --backend cpu -o " + dir, "is a directory; give a file name");
  require_one_line_exit_2("sweep --ctx 1k,2k -o /nonexistent-dir/rows.csv", "directory '/nonexistent-dir' does not exist");
  require_one_line_exit_2("sweep --ctx 1k,2k --chart /nonexistent-dir/c.svg", "--chart '/nonexistent-dir/c.svg': directory '/nonexistent-dir' does not exist");
  require_one_line_exit_2("plan --ctx 8k --format md -o /nonexistent-dir/memo.md", "directory '/nonexistent-dir' does not exist");
  require_one_line_exit_2("presets -o " + dir, "is a directory");
}

TEST_CASE("runaway grids are refused with their size; --max-rows raises the limit", "[reliability]") {
  std::string ctxs, batches;
  for (int i = 1; i <= 8000; ++i) ctxs += fmt::format("{}{}", i > 1 ? "," : "", i), batches += fmt::format("{}{}", i > 1 ? "," : "", i);
  // 8000 × 8000 × 2 designs = 128,000,000 rows > 10^8.
  require_one_line_exit_2("sweep --gqa 8,1 --ctx " + ctxs + " --batch " + batches, "the grid has 128000000 rows, more than --max-rows 100000000");
  require_one_line_exit_2("sweep --ctx 1k,2k,4k --max-rows 2", "the grid has 3 rows, more than --max-rows 2");
  REQUIRE(run_cli("sweep --ctx 1k,2k,4k --max-rows 3").code == 0);
}

TEST_CASE("one exit-code table: bad input 2 (output paths too), presets in every format the README lists", "[reliability]") {
  require_one_line_exit_2("estimate -o /nonexistent-dir/x.json", "directory '/nonexistent-dir' does not exist");
  for (const char* format : {"text", "json", "csv"}) {
    const CliResult r = run_cli(std::string("presets --format ") + format);
    INFO(format);
    REQUIRE(r.code == 0);
  }
  const CliResult csv = run_cli("presets --format csv");
  REQUIRE(csv.out.rfind("kind,name,layers,", 0) == 0);
  REQUIRE(csv.out.find("\nmodel,llama-2-7b,32,32,32,128,4096,11008,32000,fp16,dense,") != std::string::npos);
  REQUIRE(csv.out.find("\ngpu,h100-sxm,") != std::string::npos);
}
