// End-to-end: the real binary, its exit codes, its one-line errors (SPEC §7) and the JSON fields
// of SPEC §4.
#include <algorithm>
#include <cstdio>
#include <map>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/reports.h"
#include "tests/cli_runner.h"

using namespace attncost::testing;


TEST_CASE("the main job works with no other input", "[cli]") {
  const CliResult r = run_cli("plan --ctx 65536 --gqa 8");
  REQUIRE(r.code == 0);
  REQUIRE(r.err.empty());
  REQUIRE(r.out.find("GQA-8 · dense · fp16 KV") != std::string::npos);
  REQUIRE(r.out.find("recommendation:") != std::string::npos);
}

TEST_CASE("every bad input gets exit code 2 and one line naming it", "[cli]") {
  const std::string malformed = write_file("malformed.json", "{\"num_hidden_layers\": 32,");
  const std::string not_divisible = write_file(
      "bad_heads.json",
      R"({"num_hidden_layers": 2, "num_attention_heads": 32, "num_key_value_heads": 6, "hidden_size": 256, "vocab_size": 100})");
  const std::string bad_gpu = write_file("bad_gpu.json", R"({"name": "x", "hbm_bytes": -1})");
  struct Case {
    std::string args;
    std::string must_contain;
  };
  const Case cases[] = {
      {"plan --model llama-7b", "--model 'llama-7b': unknown model preset; did you mean llama-2-7b"},
      {"estimate --gpu h100", "--gpu 'h100': unknown GPU preset; did you mean h100-pcie, h100-sxm"},
      {"estimate --model /nonexistent/config.json", "'/nonexistent/config.json': cannot read the file"},
      {"estimate --model " + malformed, "malformed JSON"},
      {"estimate --model " + not_divisible, "32 heads are not divisible by 6 kv heads"},
      {"estimate --gpu " + bad_gpu, "must be a non-negative number"},
      {"estimate --gqa 5", "--gqa 5: 32 query heads of 'llama-2-7b' are not divisible by 5 KV heads"},
      {"estimate --gqa 64", "not divisible by 64 KV heads"},
      {"estimate --gqa 0", "--gqa '0': must be at least 1"},
      {"estimate --ctx 0", "--ctx '0': must be at least 1"},
      {"estimate --engine vllm --engine-version 0.3", "--engine-version '0.3': no overhead rule for vllm at that release; known: 0.4, 0.5"},
      {"simulate --engine sglang --engine-version 9.1 --rate 1", "--engine-version '9.1': no overhead rule for sglang"},
      {"estimate --engine-version 0.11", "--engine-version '0.11': the plain engine has no releases"},
      {"estimate --engine vllm --step-overhead-us -3", "--step-overhead-us"},
      {"estimate --ctx -5", "--ctx"},
      {"estimate --ctx abc", "--ctx 'abc': expected a positive integer"},
      {"estimate --ctx 1099511627777", "--ctx '1099511627777': exceeds 2^40"},
      {"estimate --ctx 2g --gen 1099511627776", "the sequence exceeds 2^40 tokens"},
      {"estimate --batch 0", "--batch '0': must be at least 1"},
      {"estimate --layers 0", "--layers '0': must be at least 1"},
      {"estimate --heads 30 --kv-heads 32", "--heads 30 / --kv-heads 32"},
      {"estimate --attn window:4x96", "--attn 'window:4x96': character 9 ('x')"},
      {"estimate --attn 'ssm*40/dense'", "the layer cycle has 41 layers but 'llama-2-7b' has only 32"},
      {"estimate --kv-dtype fp6", "--kv-dtype: unknown dtype 'fp6'"},
      {"estimate --kernel fast", "--kernel 'fast': expected flash or naive"},
      {"estimate --tp 3", "--tp 3: 32 query heads of 'llama-2-7b' do not split evenly over 3 GPUs"},
      {"estimate --mla 0", "--mla '0': must be at least 1"},
      {"estimate --mla 512:128", "the RoPE width must be in [0, head dim 128)"},
      {"estimate --mqa --gqa 8", "--mqa"},
      {"estimate --format yaml", "--format 'yaml': expected one of text, json, csv, md"},
      {"estimate --phase train", "--phase 'train': expected prefill, decode or both"},
      {"estimate --slo-ms -1", "--slo-ms"},
      {"estimate -o /nonexistent-dir/x.json", "directory '/nonexistent-dir' does not exist"},
      {"frobnicate", "unknown command 'frobnicate'"},
      {"estimate \"\" --ctx 1k", "argument 2 is empty"},  // hung CLI11 2.1 (found by fuzz_cli)
      {"estmate --ctx 8", "unknown command 'estmate'; did you mean estimate?"},
      {"estimate --ctx", "--ctx"},
      {"estimate --pp 64", "--pp"},
      {"estimate --model " + std::string(300, 'x'), "unknown model preset"},  // a name the OS refuses as a path
      {"estimate --gpu " + std::string(300, 'g'), "unknown GPU preset"},
      {"estimate --spec 4:0.5:" + std::string(300, 'y'), "--spec (draft model): --model"},
      {"estimate --ep 2", "--ep"},
      {"plan --gen 128 --rate 0", "--rate '0'"},
      {"plan --gen 128 --rate fast", "--rate 'fast'"},
      {"plan --rate 5", "generates no tokens; give gen="},
      {"plan --gen 128 --fleet-gpus h200", "--fleet-gpus: applies with --rate"},
      {"plan --gen 128 --rate 5 --fleet-gpus h100-sxm=2,h200", "give every GPU type its price or none"},
      {"plan --gen 128 --rate 5 --fleet-gpus h100-sxm,h200 --usd-per-gpu-hour 2", "price each in --fleet-gpus"},
      {"plan --gen 128 --rate 5 --fleet-gpus h100-sxm,h100-sxm", "listed twice"},
      {"plan --gen 128 --rate 5 --fleet-gpus h1000", "--gpu 'h1000': unknown GPU preset"},
      {"plan --gen 128 --rate 5 --fleet-gpus h100-sxm=-3", "price of h100-sxm"},
      {"plan --gen 128 --rate 5 --format csv", "--rate: not available with --format csv"},
      // Issue #27: outputs, contradictions, dropped flags, spellings, parallel layouts.
      {"sweep --ctx 1k,2k --chart -", "--chart '-': '-' means stdout for -o only"},
      {"estimate -o /", "is a directory"},
      {"estimate -o " + std::string(300, 'o'), "the name is too long"},
      {"sweep --ctx 1k,2k -o /tmp/attncost_same.csv --chart /tmp/attncost_same.csv", "both name the same file"},
      {"estimate --kernels naive --kernel flash", "--kernel flash contradicts --kernels naive"},
      {"estimate --kv-group 32", "--kv-group 32: applies to a KV dtype stored with group scales"},
      {"estimate --max-num-batched-tokens 4096", "--max-num-batched-tokens: applies to --engine vllm, sglang or trtllm"},
      {"compare --design a:tp=2 --design b:mqa --tp 4", "'tp' is also given as --tp for every design"},
      {"plan --workload 'a:ctx=8k,slo_ms=30,slo-ms=40'", "key 'slo-ms' is given twice"},
      {"estimate --tp 65536 --pp 2 --cp 65536 --dp 65536", "more than 2^20 in one deployment"},
      {"estimate --cp 16 --ctx 8", "more context-parallel GPUs than the 8 tokens"},
      {"probe --backend cpu --calibrate", "--calibrate: give -o FILE"},
  };
  for (const Case& c : cases) {
    const std::string& args = c.args;
    const std::string& want = c.must_contain;
    const CliResult r = run_cli(args);
    INFO("attncost " << args << "\nstderr: " << r.err);
    REQUIRE(r.code == 2);
    REQUIRE(r.out.empty());
    REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    REQUIRE(r.err.rfind("attncost: error: ", 0) == 0);
    REQUIRE(r.err.find(want) != std::string::npos);
    REQUIRE(r.err.find("nan") == std::string::npos);
  }
}

TEST_CASE("estimate --format json carries every field of SPEC §4", "[cli]") {
  const CliResult r = run_cli("estimate --ctx 32768 --gqa 8 --attn window:4096 --format json");
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["schema"] == "attncost.estimate/1");
  const std::map<std::string, std::vector<std::string>> fields = {
      {"model", {"name", "layers", "heads", "kv_heads", "head_dim", "hidden", "ffn", "vocab", "params"}},
      {"design", {"kv_sharing", "kv_heads", "attn", "kv_dtype"}},
      {"workload", {"ctx", "batch", "gen"}},
      {"hardware", {"name", "hbm_bytes", "hbm_bandwidth_Bps", "peak_flops"}},
      {"kv_cache", {"bytes_per_token", "bytes_per_sequence", "bytes_total"}},
      {"prefill", {"attention_pairs", "attention_flops", "flops", "hbm_bytes", "time_s", "bound"}},
      {"decode", {"attention_pairs", "attention_flops", "flops", "hbm_bytes", "time_s", "bound", "tokens_per_s"}},
      {"memory", {"weights_bytes", "kv_bytes", "total_bytes", "capacity_bytes", "fits", "max_concurrent_sequences"}},
      {"quality", {"direct_reach_tokens", "attended_fraction", "kv_head_ratio"}},
  };
  for (const auto& [block, names] : fields)
    for (const auto& name : names) {
      INFO(block << "." << name);
      REQUIRE(j.at(block).contains(name));
    }
  REQUIRE(j["design"]["kv_sharing"] == "gqa");
  REQUIRE(j["design"]["attn"] == "window:4096");
  REQUIRE(j["hardware"]["peak_flops"].contains("fp16"));
  // Window 4096, 8 KV heads × 256 × 2 B × 32 layers = 128 KiB per token; 4096 cached tokens.
  REQUIRE(j["kv_cache"]["bytes_per_token"] == 131072);
  REQUIRE(j["kv_cache"]["bytes_per_sequence"] == 131072LL * 4096);
  // Decode at ctx 32768 attends 4096 keys per head: 32 heads × 32 layers × 4096.
  REQUIRE(j["decode"]["attention_pairs"] == 32LL * 32 * 4096);
  REQUIRE(j["decode"]["attention_flops"] == 32LL * 32 * 4096 * 2 * 256);
  REQUIRE((j["prefill"]["bound"] == "compute" || j["prefill"]["bound"] == "memory"));
}

TEST_CASE("estimate --format md renders the same numbers as the JSON", "[cli]") {
  const CliResult md = run_cli("estimate --ctx 32768 --gqa 8 --format md");
  const CliResult js = run_cli("estimate --ctx 32768 --gqa 8 --format json");
  REQUIRE(md.code == 0);
  REQUIRE(js.code == 0);
  const auto j = nlohmann::json::parse(js.out);
  REQUIRE(md.out.rfind("# Estimate: llama-2-7b on NVIDIA H100 SXM5 80GB", 0) == 0);
  // 8 KV heads × 256 values × 2 bytes × 32 layers = 128 KiB per token; 32768 tokens = 4 GiB.
  REQUIRE(j["kv_cache"]["bytes_per_token"] == 131072);
  REQUIRE(j["kv_cache"]["bytes_per_sequence"] == 4294967296.0);
  REQUIRE(md.out.find("**KV cache**: " + attncost::human_bytes(j["kv_cache"]["bytes_per_token"].get<double>()) + " per token, " +
                      attncost::human_bytes(j["kv_cache"]["bytes_per_sequence"].get<double>()) + " per sequence") != std::string::npos);
  for (const char* phase : {"prefill", "decode"}) {
    const auto& p = j[phase];
    // The time to the digits its band supports, the band beside it (estimators/uncertainty.h).
    const std::string basis = p["band"]["basis"];
    const attncost::Band band{p["band"]["relative"].get<double>(), p["band"]["measured"].get<bool>(), basis};
    const std::string row = attncost::human_count(p["attention_pairs"].get<double>()) + " | " +
                            attncost::human_count(p["attention_flops"].get<double>()) + " | " + attncost::human_count(p["flops"].get<double>()) +
                            " | " + attncost::human_bytes(p["hbm_bytes"].get<double>()) + " | " + attncost::banded_time(p["time_s"].get<double>(), band) +
                            " | " + p["bound"].get<std::string>() + " |";
    INFO(phase << " row " << row);
    REQUIRE(md.out.find(row) != std::string::npos);
  }
}

TEST_CASE("plan --format json and presets --format json are parseable with their schemas", "[cli]") {
  const CliResult plan = run_cli("plan --ctx 65536 --gqa 8 --format json");
  REQUIRE(plan.code == 0);
  const auto p = nlohmann::json::parse(plan.out);
  REQUIRE(p["schema"] == "attncost.plan/1");
  REQUIRE(p["designs"].size() >= 3);
  REQUIRE(p["designs"][0]["role"] == "baseline");
  REQUIRE(p["designs"][1]["role"] == "proposed");
  REQUIRE(p["ranking"].size() >= 1);
  REQUIRE(p["recommendation"]["label"].is_string());
  const CliResult presets = run_cli("presets --format json");
  REQUIRE(presets.code == 0);
  const auto j = nlohmann::json::parse(presets.out);
  REQUIRE(j["models"].size() >= 18);
  REQUIRE(j["gpus"].size() >= 10);
}

TEST_CASE("plan --rate answers the fleet question in JSON: the cheapest deployment first, each option sized", "[cli][fleet]") {
  const CliResult r = run_cli("plan --model llama-3.1-70b --tp 4 --workload chat:ctx=4096,gen=512,slo_ms=50,ttft_slo_ms=2000 "
                              "--candidates basic --rate 20 --fleet-gpus h100-sxm=2.5,h200=3.2 --format json");
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["fleet"].size() == 1);
  const auto& f = j["fleet"][0];
  REQUIRE(f["workload"] == "chat");
  REQUIRE(f["rate_rps"] == 20);
  REQUIRE(f["ranked_by"] == "usd_per_hour");
  const auto& best = f["options"][0];
  REQUIRE(best["feasible"] == true);
  REQUIRE(best["capacity_rps"].get<double>() >= 20);
  REQUIRE(best["itl_mean_s"].get<double>() <= 0.050);
  REQUIRE(best["ttft_s"].get<double>() <= 2.0);
  const int gpus_per_replica = best["tp"].get<int>() * best["pp"].get<int>() * best["cp"].get<int>();
  REQUIRE(best["gpus"] == gpus_per_replica * (best["replicas"].get<int>() + best["prefill_replicas"].get<int>()));
  REQUIRE(best["usd_per_hour"].get<double>() == Approx(best["gpus"].get<double>() * (best["gpu"] == "h100-sxm" ? 2.5 : 3.2)));
  REQUIRE(f["options"][1]["why_not"].get<std::string>().find("more") != std::string::npos);
  // The text and the memo say the same.
  const CliResult text = run_cli("plan --model llama-3.1-70b --tp 4 --workload chat:ctx=4096,gen=512,slo_ms=50,ttft_slo_ms=2000 "
                                 "--candidates basic --rate 20 --fleet-gpus h100-sxm=2.5,h200=3.2");
  REQUIRE(text.code == 0);
  REQUIRE(text.out.find("Fleet for 20 requests/s of workload 'chat'") != std::string::npos);
  REQUIRE(text.out.find(fmt::format("best {} ×", best["gpus"].get<int>())) != std::string::npos);
}

TEST_CASE("a Hugging Face config.json with overrides and -o writes the file", "[cli]") {
  const std::string cfg = write_file(
      "mistral.json",
      R"({"model_type": "mistral", "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
          "hidden_size": 4096, "intermediate_size": 14336, "vocab_size": 32000, "sliding_window": 4096, "torch_dtype": "bfloat16"})");
  const std::string out = std::string(ATTNCOST_TEST_TMP) + "/mistral_estimate.json";
  const CliResult r = run_cli("estimate --model " + cfg + " --layers 16 --ctx 32k --format json -o " + out);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(slurp(out));
  REQUIRE(j["model"]["layers"] == 16);
  REQUIRE(j["design"]["attn"] == "window:4096");
  REQUIRE(j["workload"]["ctx"] == 32768);
}

TEST_CASE("engine overhead: the rule used is in estimate's JSON and text, and simulate applies it", "[cli][engine_overhead]") {
  CliResult r = run_cli("estimate --model llama-3.1-8b --engine vllm --engine-version 0.11.0 --ctx 1024 --gen 64 --format json");
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  const auto& o = j["serving"]["engine_overhead"];
  CHECK(o["rule"] == "vLLM V1 0.11");
  CHECK(o["per_step_s"].get<double>() > 0);
  CHECK(j["memory"]["engine"]["small_pool_workspace_dominates"] == false);
  r = run_cli("estimate --model qwen3-32b --engine vllm --ctx 16000");
  CHECK(r.out.find("a pool under 10 GiB: the engine's workspace terms") != std::string::npos);
  r = run_cli("estimate --model llama-3.1-8b --engine vllm --ctx 1024 --gen 64");
  CHECK(r.out.find("engine overhead: vLLM V1 ") != std::string::npos);
  // The plain engine prints no overhead (its output is the kernels' alone).
  r = run_cli("estimate --model llama-3.1-8b --ctx 1024 --gen 64 --format json");
  CHECK_FALSE(nlohmann::json::parse(r.out)["serving"].contains("engine_overhead"));
  // simulate: a given per-step overhead adds exactly itself to an idle server's TPOT.
  auto tpot = [](const std::string& extra) {
    const CliResult s = run_cli("simulate --model llama-3.1-8b --engine vllm --rate 0.01 --requests 3 --prompt-len 128 --output-len 32 --format json " + extra);
    REQUIRE(s.code == 0);
    return nlohmann::json::parse(s.out)["tpot_s"]["p50"].get<double>();
  };
  const double base = tpot("--step-overhead-us 0 --request-overhead-ms 0"), more = tpot("--step-overhead-us 1000 --request-overhead-ms 0");
  CHECK(more - base == Approx(0.001).epsilon(1e-6));
}
