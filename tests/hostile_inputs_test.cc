// Reliability, round three (issue #27): hostile but small inputs end in one line and exit 2 (or a
// warning), never a crash, an "internal error", a number that is not one, or seconds of work.
#include <chrono>
#include <cmath>
#include <fstream>
#include <regex>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"
#include "model/json_input.h"
#include "model/weight_format.h"
#include "tests/cli_runner.h"

using namespace attncost;
using namespace attncost::testing;

namespace {

CliResult timed(const std::string& args, double max_s = 10) {
  const auto t0 = std::chrono::steady_clock::now();
  const CliResult r = run_cli(args);
  INFO("attncost " << args.substr(0, 300) << "\nstderr: " << r.err.substr(0, 600));
  REQUIRE(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < max_s);
  REQUIRE(r.err.find("internal error") == std::string::npos);
  REQUIRE(r.code != 70);
  REQUIRE(r.code < 128);  // never killed by a signal
  return r;
}

void require_exit_2(const std::string& args, const std::string& want) {
  const CliResult r = timed(args);
  INFO("attncost " << args.substr(0, 300) << "\nstderr: " << r.err.substr(0, 600));
  REQUIRE(r.code == 2);
  REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  REQUIRE(r.err.size() < 400);  // one short line, never the offending value
  REQUIRE(r.err.find(want) != std::string::npos);
}

const std::string kConfig = R"({"num_hidden_layers": 2, "num_attention_heads": 4, "hidden_size": 64, "vocab_size": 10)";
const std::string kProfile = R"({"name": "x", "hbm_bytes": 85899345920, "hbm_bandwidth_Bps": 3.35e12, "vector_flops": 6.7e13, "peak_flops": {"fp16": 9.9e14})";

std::string nested(size_t depth) { return std::string(depth, '[') + "1" + std::string(depth, ']'); }

}  // namespace

TEST_CASE("JSON nested tens of thousands deep is refused while reading, naming the field (item 2)", "[hostile]") {
  const std::string deep = nested(60000);  // ~120 KB: crashed the error path before
  require_exit_2("estimate --model " + write_file("deep_cfg.json", kConfig + R"(, "rope_scaling": )" + deep + "}"),
                 "field 'rope_scaling' nests lists or objects more than 64 deep");
  require_exit_2("estimate --gpu " + write_file("deep_gpu.json", kProfile + R"(, "arch": )" + deep + "}"), "field 'arch' nests lists or objects more than 64 deep");
  require_exit_2("probe --replay " + write_file("deep_run.json", R"({"cases": )" + deep + "}"), "field 'cases' nests");
  require_exit_2("estimate --model " + write_file("deep_top.json", deep), "nested more than 64 deep");
  require_exit_2("simulate --trace " + write_file("deep_trace.jsonl", R"({"arrival_s": 0, "prompt_tokens": 8, "output_tokens": 4, "x": )" + deep + "}\n"),
                 "line 1: lists or objects nested more than 64 deep");
  // 64 levels are read; brackets inside strings do not count.
  REQUIRE(timed("estimate --model " + write_file("ok_depth.json", kConfig + R"(, "x": )" + nested(62) + R"(, "s": ")" + std::string(1000, '[') + "\"}")).code == 0);
  // A field of the wrong type is named with its kind and size, never printed whole.
  std::string ones = "1";
  for (int i = 1; i < 20000; ++i) ones += ",1";
  require_exit_2("estimate --model " + write_file("list_field.json", R"({"num_hidden_layers": [)" + ones + R"(], "num_attention_heads": 4, "hidden_size": 64, "vocab_size": 10})"),
                 "field 'num_hidden_layers' must be an integer, got a list of 20000 items");
  require_exit_2("estimate --model " + write_file("long_number.json", R"({"num_hidden_layers": 2, "hidden_size": )" + std::string(20000, '7') + "}"),
                 "field 'hidden_size' = 7777777777777777777777777777777777777… is out of range");
  require_exit_2("estimate --gpu " + write_file("long_string.json", R"({"name": "x", "hbm_bytes": ")" + std::string(100000, 'z') + "\"}"),
                 "field 'hbm_bytes' must be a number, got \"zzzz");
  REQUIRE(json_brief(nlohmann::json::parse(R"({"a": 1, "b": 2})")) == "an object of 2 keys");
  REQUIRE(json_brief(nlohmann::json::parse("[]")) == "an empty list");
  REQUIRE(json_brief(nlohmann::json(std::string(100, 'x'))).size() < 45);
}

TEST_CASE("exclusion lists: layer indices of any length, millions of entries, in linear time (item 3)", "[hostile]") {
  auto with_ignore = [](const std::string& entries) {
    return nlohmann::json::parse(R"({"quant_method": "fp8", "ignore": [)" + entries + "]}");
  };
  std::vector<std::string> warnings;
  // Thousands of digits crashed std::regex; 20-29 digits threw from std::stoll (exit 70).
  for (size_t digits : {size_t{10}, size_t{25}, size_t{50000}}) {
    warnings.clear();
    const WeightFormat f = weight_format_from_json(with_ignore("\"model.layers." + std::string(digits, '9') + ".mlp.down_proj\""), Dtype::bf16, 32, warnings, "cfg", nullptr);
    INFO(digits);
    REQUIRE(warnings.size() == 1);
    REQUIRE(warnings[0].find("names a layer index of more than 9 digits; ignored") != std::string::npos);
    REQUIRE(warnings[0].size() < 300);
    REQUIRE(f.bits[static_cast<size_t>(WeightClass::mlp)] == 8);  // nothing left unquantized
  }
  // Two real layer indices of 32: 1/16 of the MLP weights stay in bf16.
  warnings.clear();
  const WeightFormat two = weight_format_from_json(with_ignore(R"("model.layers.3.mlp.down_proj", "model.layers.17.mlp.up_proj", "model.layers.0.mlp.gate")"),
                                                   Dtype::bf16, 32, warnings, "cfg", nullptr);
  REQUIRE(two.bits[static_cast<size_t>(WeightClass::mlp)] == Approx(16.0 * 2 / 32 + 8.0 * 30 / 32));
  REQUIRE(two.bits[static_cast<size_t>(WeightClass::router)] == 16);  // mlp.gate is the router
  // Two million entries (a 16 MiB file) in well under the seconds a regex per entry took.
  std::string many;
  for (int i = 0; i < 2'000'000; ++i) many += fmt::format("{}\"layers.{}.mlp.gate.weight\"", i ? "," : "", i % 1000);
  const nlohmann::json q = with_ignore(many);
  const auto t0 = std::chrono::steady_clock::now();
  warnings.clear();
  (void)weight_format_from_json(q, Dtype::bf16, 32, warnings, "cfg", nullptr);
  REQUIRE(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 5);
  // End to end: the config loads, the warning is one line.
  const std::string cfg = write_file("digits.json", kConfig + R"(, "quantization_config": {"quant_method": "fp8", "modules_to_not_convert": ["model.layers.)" +
                                                        std::string(30000, '1') + R"(.self_attn.q_proj"]}})");
  const CliResult r = timed("estimate --model " + cfg);
  REQUIRE(r.code == 0);
  REQUIRE(r.err.find("more than 9 digits") != std::string::npos);
  REQUIRE(r.err.size() < 400);
}

TEST_CASE("quantization group sizes and bit widths outside any real format are refused (item 6)", "[hostile]") {
  std::vector<std::string> warnings;
  auto refused = [&](const std::string& q, const std::string& want) {
    INFO(q);
    try {
      (void)weight_format_from_json(nlohmann::json::parse(q), Dtype::bf16, 32, warnings, "cfg", nullptr);
      FAIL("accepted");
    } catch (const InputError& e) {
      REQUIRE(std::string(e.what()).find(want) != std::string::npos);
    }
  };
  refused(R"({"quant_method": "gptq", "bits": 4, "group_size": 1e-300})", "group_size = 1e-300 is out of range");
  refused(R"({"quant_method": "awq", "bits": 4, "group_size": 0.5})", "group_size = 0.5 is out of range");
  refused(R"({"quant_method": "compressed-tensors", "config_groups": {"g": {"weights": {"num_bits": 1e300, "group_size": 16}}}})", "num_bits = 1e+300 is out of range");
  refused(R"({"quant_method": "compressed-tensors", "config_groups": {"g": {"weights": {"num_bits": 4, "group_size": 1e-300}}}})", "group_size = 1e-300 is out of range");
  // GPTQ's -1 (one group per channel) stays accepted.
  const WeightFormat f = weight_format_from_json(nlohmann::json::parse(R"({"quant_method": "gptq", "bits": 4, "group_size": -1})"), Dtype::bf16, 32, warnings, "cfg", nullptr);
  REQUIRE(f.bits[static_cast<size_t>(WeightClass::mlp)] == 4);
}

namespace {

// The recorded CPU run, edited by `edit`, written to a file.
template <class Edit>
std::string edited_run(const std::string& name, Edit edit) {
  nlohmann::json j = nlohmann::json::parse(slurp(ATTNCOST_SOURCE_DIR "/tests/data/probe_runs/cpu-quick.json"));
  edit(j);
  return write_file(name, j.dump());
}

}  // namespace

TEST_CASE("a gate that ran nothing fails; a calibration with nothing fitted writes nothing (item 7)", "[hostile]") {
  const std::string empty = edited_run("empty_run.json", [](nlohmann::json& j) { j["cases"] = nlohmann::json::array(); });
  CliResult r = timed("probe --replay " + empty + " --check");
  REQUIRE(r.code == 1);
  REQUIRE(r.err.find("probe check failed: no case ran (0 cases, 0 skipped)") != std::string::npos);
  const std::string skipped = edited_run("skipped_run.json", [](nlohmann::json& j) {
    for (auto& c : j["cases"]) c["measured_s"] = nullptr, c["skipped"] = "not supported";
  });
  r = timed("probe --replay " + skipped + " --check --tolerance 10");
  REQUIRE(r.code == 1);
  REQUIRE(r.err.find("no case ran (15 cases, 15 skipped)") != std::string::npos);
  REQUIRE(timed("probe --replay " + skipped).code == 0);  // a report without the gate is fine
  // --calibrate: nothing fitted, nothing written.
  const std::string profile = temp_path("nothing_fitted.json");
  std::remove(profile.c_str());
  r = timed("probe --replay " + skipped + " --calibrate -o " + profile);
  REQUIRE(r.code == 1);
  REQUIRE(r.err.find("--calibrate: no case ran, was right and was timed (15 cases, 15 skipped); nothing to fit, no profile written") != std::string::npos);
  REQUIRE(slurp(profile).empty());
  // A calibration always writes a profile attncost reads back.
  r = timed("probe --replay " ATTNCOST_SOURCE_DIR "/tests/data/probe_runs/cpu-quick.json --calibrate -o " + profile);
  REQUIRE(r.code == 0);
  REQUIRE(timed("estimate --gpu " + profile).code == 0);
  // ... without -o there is nowhere to put it: stdout carries the report alone (item 13).
  require_exit_2("probe --replay " ATTNCOST_SOURCE_DIR "/tests/data/probe_runs/cpu-quick.json --calibrate", "--calibrate: give -o FILE");
  r = timed("probe --replay " ATTNCOST_SOURCE_DIR "/tests/data/probe_runs/cpu-quick.json --calibrate --format json -o " + profile);
  REQUIRE(r.code == 0);
  REQUIRE(nlohmann::json::parse(r.out)["schema"] == "attncost.probe/1");  // --format applies to the report
}

TEST_CASE("recorded runs and profiles with zero or absurd ceilings and efficiencies are refused (item 6)", "[hostile]") {
  const std::string zero = edited_run("zero_gemm.json", [](nlohmann::json& j) { j["ceilings"]["gemm_fp16_flops"] = 0; });
  require_exit_2("probe --replay " + zero, "ceilings.read_Bps, ceilings.vector_flops and ceilings.gemm_fp16_flops must be positive");
  const std::string tiny = edited_run("tiny_read.json", [](nlohmann::json& j) { j["ceilings"]["read_Bps"] = 1e-300; });
  require_exit_2("probe --replay " + tiny, "field 'ceilings.read_Bps' = 1e-300 is outside the physical range");
  const std::string eff = edited_run("tiny_eff.json", [](nlohmann::json& j) { j["efficiency"]["gemm"] = 1e-300; });
  require_exit_2("probe --replay " + eff, "field 'efficiency.gemm' = 1e-300 is outside the physical range");
  nlohmann::json p = nlohmann::json::parse(kProfile + "}");
  p["calibrated"] = true;
  p["efficiency"] = {{"attention_decode", 1e-300}};
  require_exit_2("plan --rate 5 --gen 100 --gpu " + write_file("tiny_eff_profile.json", p.dump()), "field 'efficiency.attention_decode' = 1e-300 is outside the physical range");
  p["efficiency"] = {{"attention_decode", 0.2}};
  REQUIRE(timed("estimate --gpu " + write_file("ok_eff_profile.json", p.dump())).code == 0);
}

TEST_CASE("compare --design takes every other design and serving flag; contradictions are refused (items 5, 8)", "[hostile]") {
  const std::string two = "compare --design a:gqa=8 --design b:gqa=4 --format json";
  const CliResult plain = timed(two);
  REQUIRE(plain.code == 0);
  for (const char* extra : {" --tp 2", " --kv-dtype fp8", " --engine vllm", " --spec 4:0.7", " --page-size 32"}) {
    const CliResult r = timed(two + extra);
    INFO(extra);
    REQUIRE(r.code == 0);
    REQUIRE(r.out != plain.out);  // applied, not dropped
  }
  require_exit_2("compare --design a:gqa=8,tp=2 --design b:gqa=4 --tp 4", "--design 'a:gqa=8,tp=2': 'tp' is also given as --tp for every design");
  require_exit_2("compare --design a:kv_dtype=fp8 --design b:gqa=4 --kv-dtype int8", "'kv_dtype' is also given as --kv-dtype");
  require_exit_2("compare --design a:gqa=8 --design b:mqa --gqa 2", "'gqa' is also given as --mha, --mqa, --gqa or --mla");
  require_exit_2("estimate --engine plain --max-num-batched-tokens 4096", "--max-num-batched-tokens: applies to --engine vllm, sglang or trtllm");
  require_exit_2("estimate --kv-group 32", "--kv-group 32: applies to a KV dtype stored with group scales (int8, int4); fp16 KV has none");
  REQUIRE(timed("estimate --kv-dtype int4 --kv-group 32").code == 0);
  require_exit_2("estimate --kernels naive --kernel flash", "--kernel flash contradicts --kernels naive");
  require_exit_2("estimate --kernels fa2 --kernel naive", "--kernel naive contradicts --kernels fa2");
  REQUIRE(timed("estimate --kernels naive --kernel naive").code == 0);
  // Two spellings of one key are one key given twice.
  require_exit_2("plan --workload 'a:ctx=8k,slo_ms=30,slo-ms=40'", "key 'slo-ms' is given twice (slo_ms=30 and slo-ms=40)");
  require_exit_2("compare --design 'a:kv_dtype=fp8,kv-dtype=int8' --design b:mqa", "key 'kv-dtype' is given twice (kv_dtype=fp8 and kv-dtype=int8)");
  require_exit_2("plan --workload 'a:ctx=8k,prefix=100,shared_prefix=200'", "key 'shared_prefix' is given twice (as prefix and shared_prefix)");
}

TEST_CASE("collectives need a link; parallel products cannot overflow; --cp within the context (item 10)", "[hostile]") {
  const std::string linkless = write_file("linkless.json", kProfile + "}");
  REQUIRE(timed("estimate --gpu " + linkless).code == 0);
  require_exit_2("estimate --tp 2 --gpu " + linkless, "describes no link (scale_up or scale_out one_way_Bps), so every collective would be free");
  require_exit_2("plan --pp 2 --gpu " + linkless, "describes no link");
  require_exit_2("plan --rate 5 --gen 100 --gpu " + linkless, "the fleet search would price multi-GPU layouts with free collectives");
  require_exit_2("estimate --tp 65536 --pp 2 --cp 65536 --dp 65536", "more than 2^20 in one deployment");
  require_exit_2("estimate --tp 4294967296", "--tp 4294967296: must be between 1 and 65536");
  require_exit_2("estimate --cp 16 --ctx 8", "--cp 16: more context-parallel GPUs than the 8 tokens of the context");
  require_exit_2("sweep --cp 16 --ctx 8,100000", "more context-parallel GPUs than the 8 tokens");
}

TEST_CASE("the memo's reproduce commands quote --model and --gpu paths (item 11)", "[hostile]") {
  const std::string dir = temp_path("a dir; touch INJECTED");
  (void)std::system(("mkdir -p '" + dir + "'").c_str());
  const std::string cfg = dir + "/config $(x).json";
  std::ofstream(cfg) << R"({"num_hidden_layers": 4, "num_attention_heads": 8, "hidden_size": 512, "intermediate_size": 1024, "vocab_size": 1000})";
  const CliResult r = timed("plan --ctx 8k --format md --model '" + cfg + "'");
  REQUIRE(r.code == 0);
  REQUIRE(r.out.find("attncost estimate --model '" + cfg + "' --gpu h100-sxm") != std::string::npos);
  REQUIRE(r.out.find("--model " + cfg) == std::string::npos);
  // Pasted into a shell, a reproduce command reads the config (and runs nothing else).
  const size_t at = r.out.find("attncost estimate --model '");
  std::string line = r.out.substr(at, r.out.find('\n', at) - at);
  line = line.substr(0, line.find("   #"));  // the memo's comment after the command
  const std::string pasted = std::string(ATTNCOST_BIN) + line.substr(std::string("attncost").size());
  REQUIRE(std::system((pasted + " > /dev/null").c_str()) == 0);
}

TEST_CASE("asking for help or the version (--help, --version) with a full stdout fails; control characters from records are replaced (item 13)", "[hostile]") {
  for (const char* args : {"--help", "--version", "estimate --help"}) {
    const int status = std::system(fmt::format("{} {} > /dev/full 2>/dev/null", ATTNCOST_BIN, args).c_str());
    INFO(args);
    REQUIRE(WEXITSTATUS(status) == 1);
  }
  const std::string run = edited_run("control_chars.json", [](nlohmann::json& j) {
    j["cases"][0]["name"] = std::string("decode\x1b" "[2J\x07" "evil\x01");
    j["device"]["name"] = std::string("CPU\x1b" "]0;title\x07");
  });
  for (const char* format : {"text", "junit", "md"}) {
    const CliResult r = timed(fmt::format("probe --replay {} --format {}", run, format));
    INFO(format);
    REQUIRE(r.code == 0);
    REQUIRE(r.out.find('\x1b') == std::string::npos);
    REQUIRE(r.out.find('\x07') == std::string::npos);
    REQUIRE(r.out.find("decode?[2J?evil?") != std::string::npos);
  }
}

TEST_CASE("runaway design axes, workload and design lists are refused before any work (item 12)", "[hostile]") {
  std::string pages, workloads;
  for (int i = 1; i <= 400; ++i) pages += fmt::format("{}{}", i > 1 ? "," : "", i * 16);
  // 400 page sizes × 400 chunk sizes = 160,000 designs in 160,000 rows, under --max-rows.
  require_exit_2("sweep --page-size " + pages + " --chunk-size " + pages, "160000 designs (the product of the design and serving axes, per model) is more than 100000");
  std::string args = "plan";
  for (int i = 0; i < 1001; ++i) args += fmt::format(" --workload w{}:ctx=1k", i);
  require_exit_2(args, "--workload: 1001 workloads, more than 1000 in one command");
}

TEST_CASE("bad but well-formed configs and profiles: negatives, wrong types, duplicate keys, disagreeing aliases, unknown keys (item 14)", "[hostile]") {
  auto cfg = [](const std::string& name, const std::string& extra) { return write_file(name, kConfig + ", " + extra + "}"); };
  require_exit_2("estimate --model " + cfg("neg_experts.json", R"("num_local_experts": -8)"), "num_local_experts must not be negative, got -8");
  require_exit_2("estimate --model " + cfg("neg_window.json", R"("sliding_window": -4096)"), "sliding_window must not be negative, got -4096");
  require_exit_2("estimate --model " + cfg("quant_string.json", R"("quantization_config": "fp8")"), "field 'quantization_config' must be an object, got \"fp8\"");
  require_exit_2("estimate --model " + cfg("dup_key.json", R"("hidden_size": 128)"), "field 'hidden_size' is given twice in one object");
  require_exit_2("estimate --model " + cfg("aliases.json", R"("n_layer": 3)"), "fields 'num_hidden_layers' (2) and 'n_layer' (3) name the same quantity and disagree");
  REQUIRE(timed("estimate --model " + cfg("aliases_agree.json", R"("n_layer": 2)")).code == 0);
  // Profiles: a misspelled key is said (as configs say theirs); fractional counts are refused.
  const CliResult r = timed("estimate --gpu " + write_file("misspelled.json", kProfile + R"(, "launch_latncy_s": 5e-6})"));
  REQUIRE(r.code == 0);
  REQUIRE(r.err.find("warning: --gpu '") != std::string::npos);
  REQUIRE(r.err.find("field 'launch_latncy_s' is not a GPU profile field; ignored (a misspelling?)") != std::string::npos);
  require_exit_2("estimate --gpu " + write_file("frac_sms.json", kProfile + R"(, "sms": 132.5})"), "field 'sms' = 132.5 must be a whole number");
  require_exit_2("estimate --gpu " + write_file("frac_domain.json", kProfile + R"(, "scale_up": {"one_way_Bps": 4.5e11, "latency_s": 1e-6, "domain": 7.5}})"),
                 "field 'scale_up.domain' = 7.5 must be a whole number of GPUs");
  require_exit_2("estimate --gpu " + write_file("dup_gpu.json", kProfile + R"(, "name": "y"})"), "field 'name' is given twice in one object");
}
