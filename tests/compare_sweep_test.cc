// compare and sweep through the CLI: ratios, row counts, values equal to `estimate`, and errors.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli_runner.h"

using namespace attncost::testing;

namespace {

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("32 requests × 500 tokens vs one 16 000-token request: same KV, ~32× the prefill pairs", "[compare]") {
  const CliResult r = run_cli("compare --workload many:ctx=500,batch=32 --workload one:ctx=16000,batch=1 --format json");
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["schema"] == "attncost.compare/1");
  REQUIRE(j["rows"].size() == 2);
  const auto& ratios = j["rows"][1]["ratios_to_first"];
  REQUIRE(ratios["KV cache"].get<double>() == 1.0);
  // n(n+1)/2 pairs per sequence: 16000·16001/2 vs 32·500·501/2.
  REQUIRE(ratios["prefill pairs"].get<double>() == Approx(16000.0 * 16001 / (32.0 * 500 * 501)).epsilon(1e-12));
  REQUIRE(ratios["prefill pairs"].get<double>() == Approx(32).epsilon(0.01));
}

TEST_CASE("compare designs side by side: GQA-8 keeps a quarter of MHA's cache", "[compare]") {
  const CliResult r = run_cli("compare --ctx 32768 --design base:mha --design g8:gqa=8 --design w:gqa=8,attn=window:4096,kv_dtype=fp8 --format json");
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["rows"].size() == 3);
  REQUIRE(j["rows"][1]["label"] == "g8");
  REQUIRE(j["rows"][1]["ratios_to_first"]["KV cache"].get<double>() == 0.25);
  REQUIRE(j["rows"][2]["ratios_to_first"]["KV cache"].get<double>() == Approx(0.25 * 0.5 * 4096 / 32768).epsilon(1e-12));
  const CliResult text = run_cli("compare --ctx 32768 --design base:mha --design g8:gqa=8");
  REQUIRE(text.out.find("(0.25×)") != std::string::npos);
}

TEST_CASE("sweep evaluates the full grid, one row per point, equal to estimate", "[sweep]") {
  const CliResult r = run_cli("sweep --ctx 1024,4096,65536 --gqa 32,8,1 --attn dense,window:4096 --kv-dtype fp16,fp8");
  REQUIRE(r.code == 0);
  const auto rows = lines(r.out);
  REQUIRE(rows.size() == 1 + 3 * 3 * 2 * 2);
  REQUIRE(rows[0].rfind("model,kv_sharing,kv_heads,attn,kv_dtype", 0) == 0);
  // The GQA-8 · window:4096 · fp8 row at ctx 65536 against estimate.
  const CliResult e = run_cli("estimate --ctx 65536 --gqa 8 --attn window:4096 --kv-dtype fp8 --format csv");
  const std::string expected = lines(e.out)[1];
  REQUIRE(std::find(rows.begin(), rows.end(), expected) != rows.end());
}

TEST_CASE("sweep JSON lines parse and end with crossover records", "[sweep]") {
  const CliResult r = run_cli("sweep --ctx 1k,4k,64k,1m --gqa 32,8 --format json");
  REQUIRE(r.code == 0);
  const auto rows = lines(r.out);
  REQUIRE(rows.size() == 8 + 2);
  for (const auto& row : rows) REQUIRE_NOTHROW(nlohmann::json::parse(row));
  const auto mha = nlohmann::json::parse(rows[8]);
  REQUIRE(mha["type"] == "crossover");
  // MHA Llama-2-7B: KV reads pass the 12.3 GiB of weights read per step at ~25k tokens of 512 KiB.
  REQUIRE(mha["decode_kv_reads_exceed_weights_at_ctx"].get<uint64_t>() == Approx(25204).margin(1));
  const auto gqa = nlohmann::json::parse(rows[9]);
  // GQA-8 caches a quarter per token and reads slightly fewer weights: between 3.5× and 4× later.
  const auto g = gqa["decode_kv_reads_exceed_weights_at_ctx"].get<uint64_t>();
  REQUIRE(g > 88000u);
  REQUIRE(g < 4u * 25204u);
}

TEST_CASE("plan --max answers with the exact limit", "[plan]") {
  const CliResult r = run_cli("plan --ctx 4096 --batch 8 --max ctx --candidates basic");
  REQUIRE(r.code == 0);
  REQUIRE(r.out.find("max ctx at batch 8 for MHA · dense · fp16 KV [baseline]") != std::string::npos);
  const CliResult b = run_cli("plan --ctx 65536 --max batch --budget-gb 60 --candidates basic");
  REQUIRE(b.code == 0);
  // (60 GiB - 12.55 GiB of weights) / 32 GiB per 64k MHA sequence = 1 sequence.
  REQUIRE(b.out.find("max concurrent sequences at ctx 65536 for MHA · dense · fp16 KV [baseline] (default): 1") != std::string::npos);
}

TEST_CASE("bad plan, compare and sweep inputs get exit code 2 and one line", "[cli]") {
  struct Case {
    std::string args, want;
  };
  const Case cases[] = {
      {"plan --workload chat:ctx=8k,batchsize=2", "unknown key 'batchsize'"},
      {"plan --workload chat:batch=2", "ctx= is required"},
      {"plan --workload chat:ctx=0", "--workload 'chat:ctx=0': ctx '0': must be at least 1"},
      {"plan --workload a:ctx=8k --workload a:ctx=16k", "the name 'a' is used twice"},
      {"plan --workload chat:ctx=8k,slo_ms=fast", "expected a positive number of milliseconds"},
      {"plan --budget-gb 5", "the weights alone need 12.6 GiB"},
      {"plan --budget-gb -3", "--budget-gb '-3'"},
      {"plan --workload x:ctx=1k,slo_ms=0.001", "no candidate design satisfies the constraints"},
      {"plan --require magic", "--require 'magic': expected early-recall"},
      {"plan --max tokens", "--max 'tokens': expected ctx, batch or sequences"},
      {"plan --reserve 1.5", "--reserve '1.5': expected a fraction in [0, 1)"},
      {"plan --candidates all", "--candidates 'all': expected full or basic"},
      {"compare --ctx 4096", "compare: give at least two --workload or two --design"},
      {"compare --design a:gqa=8,flash=1 --design b:mha", "unknown key 'flash'"},
      {"compare --design a:gqa=5 --design b:mha", "not divisible by 5 KV heads"},
      {"sweep --ctx 1k,abc", "--ctx 'abc': expected a positive integer"},
      {"sweep --ctx 1k --gqa 8,7", "not divisible by 7 KV heads"},
      {"sweep --ctx 1k --attn dense,windo:8", "unknown pattern 'windo'"},
      {"sweep --ctx 1k --gpu h100-sxm,h300", "unknown GPU preset"},
      {"sweep --ctx 1k --chart /tmp/x.svg", "--chart: the sweep needs at least two --ctx or two --batch values"},
      {"sweep --format md", "--format 'md': expected one of csv, json, text"},
  };
  for (const Case& c : cases) {
    const CliResult r = run_cli(c.args);
    INFO("attncost " << c.args << "\nstderr: " << r.err);
    REQUIRE(r.code == 2);
    REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    REQUIRE(r.err.find(c.want) != std::string::npos);
  }
}
