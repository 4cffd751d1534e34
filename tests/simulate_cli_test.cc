// `attncost simulate` end to end: traces in each format read the same requests, the same seed
// gives byte-identical output, the JSON carries benchmark_serving's names (SPEC §4 amended), a
// rate list finds the knee, and every bad input gets exit 2 with one line naming it.
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "estimators/trace.h"
#include "model/error.h"
#include "tests/cli_runner.h"

using namespace attncost;
using namespace attncost::testing;

TEST_CASE("traces: CSV, JSON lines and the Azure format read the same requests", "[simulate][trace]") {
  const auto csv = parse_trace("arrival_s,prompt_tokens,output_tokens\n0,100,10\n0.5,200,20\n", "csv");
  const auto jsonl = parse_trace("{\"arrival_s\": 0, \"prompt_tokens\": 100, \"output_tokens\": 10}\n{\"arrival_s\": 0.5, \"prompt_tokens\": 200, \"output_tokens\": 20}\n", "jsonl");
  const auto azure = parse_trace("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.5000000,100,10\n2023-11-16 18:17:04.0000000,200,20\n", "azure");
  for (const auto* t : {&csv, &jsonl, &azure}) {
    REQUIRE(t->size() == 2);
    REQUIRE((*t)[0].arrival_s == 0);
    REQUIRE((*t)[1].arrival_s == Approx(0.5));
    REQUIRE((*t)[1].prompt == 200);
    REQUIRE((*t)[1].output == 20);
  }
  // Timestamps are calendar dates: across a month end, a leap day and a year end the arrivals are
  // the real seconds apart (2024 is a leap year: Feb 28 → Mar 1 is 2 days; Dec 31 → Jan 1 one).
  const auto dates = parse_trace("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-12-31 23:59:59.0,1,1\n2024-01-01 00:00:01.0,1,1\n"
                                 "2024-02-28 12:00:00,1,1\n2024-03-01T12:00:00Z,1,1\n2100-03-01 00:00:00,1,1\n", "azure");
  REQUIRE(dates.size() == 5);
  REQUIRE(dates[1].arrival_s == 2);
  REQUIRE(dates[3].arrival_s - dates[2].arrival_s == 2 * 86400);
  REQUIRE(dates[2].arrival_s == 2 + (31 + 27) * 86400.0 + 12 * 3600 - 1);
  // 2024-01-01 → 2100-03-01: 76 years with 19 leap days (2024 … 2096; 2100 is not one), then Jan and Feb 2100.
  REQUIRE(dates[4].arrival_s == 1 + (76 * 365 + 19 + 31 + 28) * 86400.0);
  // Lines out of order are taken in arrival order, times from the first.
  const auto shuffled = parse_trace("arrival_s,prompt_tokens,output_tokens\n11,100,10\n10,300,10\n", "t");
  REQUIRE(shuffled[0].prompt == 300);
  REQUIRE(shuffled[1].arrival_s == 1);
  // Bad traces name the line and the problem.
  REQUIRE_THROWS_WITH(parse_trace("arrival_s,prompt_tokens,output_tokens\n1,100,10\n0,100\n", "t"), Catch::Contains("line 3"));
  REQUIRE_THROWS_AS(parse_trace("arrival_s,prompt_tokens,output_tokens\n0,abc,10\n", "t"), InputError);
  REQUIRE_THROWS_AS(parse_trace("arrival_s,prompt_tokens\n0,100\n", "t"), InputError);
  REQUIRE_THROWS_AS(parse_trace("", "t"), InputError);
  REQUIRE_THROWS_AS(parse_trace("arrival_s,prompt_tokens,output_tokens\n-1,100,10\n", "t"), InputError);
}

TEST_CASE("lengths files: CSV, JSON lines and a benchmark_serving result read the same lengths", "[simulate][trace]") {
  const auto csv = parse_lengths("prompt_tokens,output_tokens\n100,10\n200,0\n", "csv");
  const auto timed = parse_lengths("arrival_s,prompt_tokens,output_tokens\n5,100,10\n1,200,0\n", "timed");  // arrivals ignored, order kept
  const auto jsonl = parse_lengths("{\"prompt_tokens\": 100, \"output_tokens\": 10}\n{\"prompt_tokens\": 200, \"output_tokens\": 0}\n", "jsonl");
  const auto bench = parse_lengths("{\"date\": \"x\", \"input_lens\": [100, 200], \"output_lens\": [10, 0], \"ttfts\": [0.1, 0.2]}", "bench");
  for (const auto* t : {&csv, &timed, &jsonl, &bench}) {
    REQUIRE(t->size() == 2);
    REQUIRE((*t)[0].prompt == 100);
    REQUIRE((*t)[0].output == 10);
    REQUIRE((*t)[1].prompt == 200);
    REQUIRE((*t)[1].output == 1);  // an empty answer still yields its first token
  }
  REQUIRE_THROWS_WITH(parse_lengths("{\"input_lens\": [1, 2], \"output_lens\": [1]}", "b"), Catch::Contains("same length"));
  REQUIRE_THROWS_WITH(parse_lengths("{\"input_lens\": [1, -2], \"output_lens\": [1, 1]}", "b"), Catch::Contains("request 1"));
  REQUIRE_THROWS_WITH(parse_lengths("{\"input_lens\": [0], \"output_lens\": [1]}", "b"), Catch::Contains("at least one prompt token"));
  REQUIRE_THROWS_WITH(parse_lengths("prompt_tokens\n100\n", "p"), Catch::Contains("prompt-token and an output-token column"));
  REQUIRE_THROWS_AS(parse_lengths("", "e"), InputError);
}

TEST_CASE("simulate --lengths replays a run's lengths in order; --prefix-hit-rate skips cached pages", "[simulate][cli]") {
  const std::string lengths = write_file("lengths.csv", "prompt_tokens,output_tokens\n300,7\n1200,3\n40,12\n");
  const CliResult r = run_cli("simulate --model llama-3.1-8b --rate 2 --lengths " + lengths + " --format csv");
  INFO(r.err);
  REQUIRE(r.code == 0);
  // One row per request (the file's count when --requests is not given), lengths in file order.
  const std::vector<std::string> want = {",300,7,", ",1200,3,", ",40,12,"};
  size_t at = 0;
  for (const std::string& w : want) {
    at = r.out.find(w, at);
    REQUIRE(at != std::string::npos);
  }
  REQUIRE(std::count(r.out.begin(), r.out.end(), '\n') == 4);
  const CliResult cycled = run_cli("simulate --model llama-3.1-8b --rate 2 --requests 5 --lengths " + lengths + " --format csv");
  REQUIRE(cycled.code == 0);
  REQUIRE(std::count(cycled.out.begin(), cycled.out.end(), '\n') == 6);

  // A warm prefix cache: half of every 4k prompt is found, so the first token comes sooner.
  const std::string args = "simulate --model llama-3.1-8b --rate 1 --requests 20 --prompt-len 4096 --output-len 16 --format json";
  const CliResult cold = run_cli(args), warm = run_cli(args + " --prefix-hit-rate 0.5"), hot = run_cli(args + " --prefix-hit-rate 1");
  REQUIRE(cold.code == 0);
  REQUIRE(warm.code == 0);
  REQUIRE(hot.code == 0);
  const auto jc = nlohmann::json::parse(cold.out), jw = nlohmann::json::parse(warm.out), jh = nlohmann::json::parse(hot.out);
  REQUIRE(jc["prefix_cache_hits"] == 0);
  REQUIRE(jw["prefix_cache_hits"] == 20);
  REQUIRE(jw["ttft_s"]["p50"].get<double>() < 0.75 * jc["ttft_s"]["p50"].get<double>());
  REQUIRE(jh["ttft_s"]["p50"].get<double>() < jw["ttft_s"]["p50"].get<double>());
}

TEST_CASE("simulate --endpoint completions skips the chat template; --benchmark-warmup caches the first prompt", "[simulate][cli]") {
  // One request on an idle vLLM 0.11 server: the completions endpoint saves the rule's chat
  // template time (15 ms, vLLM PR #54628) and says so; a per-request time the user gives is kept.
  const std::string one = "simulate --model llama-3.1-8b --engine vllm --engine-version 0.11 --rate 1 --requests 1 --prompt-len 1024 --output-len 8 --format json";
  const CliResult chat = run_cli(one), comp = run_cli(one + " --endpoint completions"), given = run_cli(one + " --endpoint completions --request-overhead-ms 40");
  INFO(comp.err);
  REQUIRE(chat.code == 0);
  REQUIRE(comp.code == 0);
  REQUIRE(given.code == 0);
  const auto jchat = nlohmann::json::parse(chat.out), jcomp = nlohmann::json::parse(comp.out), jgiven = nlohmann::json::parse(given.out);
  REQUIRE(jchat["ttft_s"]["p50"].get<double>() - jcomp["ttft_s"]["p50"].get<double>() == Approx(0.015).epsilon(1e-9));
  REQUIRE(jgiven["ttft_s"]["p50"].get<double>() == Approx(jchat["ttft_s"]["p50"].get<double>()).epsilon(1e-12));
  REQUIRE(jcomp["engine"]["overhead_rule"].get<std::string>().find("completions endpoint: 25 ms/request") != std::string::npos);
  // SGLang's rules hold no chat-template time: the endpoint changes nothing there.
  const std::string sgl = "simulate --model llama-3.1-8b --engine sglang --rate 1 --requests 1 --prompt-len 1024 --output-len 8 --format json";
  const auto sgl_chat = nlohmann::json::parse(run_cli(sgl).out), sgl_comp = nlohmann::json::parse(run_cli(sgl + " --endpoint completions").out);
  REQUIRE(sgl_chat["ttft_s"] == sgl_comp["ttft_s"]);
  REQUIRE(sgl_chat["engine"] == sgl_comp["engine"]);

  // benchmark_serving's test prompt: the first measured request finds its prompt's whole pages
  // cached (all but its last token computed again), the others do not.
  const std::string two = "simulate --model llama-3.1-8b --engine vllm --rate 0.5 --requests 2 --prompt-len 4096 --output-len 8 --seed 1 --format csv";
  const CliResult cold = run_cli(two), warm = run_cli(two + " --benchmark-warmup");
  REQUIRE(cold.code == 0);
  REQUIRE(warm.code == 0);
  const auto split_csv = [](const std::string& line) {
    std::vector<std::string> cells;
    std::istringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    return cells;
  };
  const auto ttfts = [&](const std::string& csv) {
    std::vector<double> out;
    std::istringstream in(csv);
    std::string line;
    std::getline(in, line);
    const auto header = split_csv(line);
    const size_t col = static_cast<size_t>(std::find(header.begin(), header.end(), "ttft_s") - header.begin());
    while (std::getline(in, line)) out.push_back(std::stod(split_csv(line).at(col)));
    return out;
  };
  const std::vector<double> c = ttfts(cold.out), w = ttfts(warm.out);
  REQUIRE(c.size() == 2);
  REQUIRE(w.size() == 2);
  REQUIRE(w[0] < 0.5 * c[0]);
  REQUIRE(w[1] == Approx(c[1]).epsilon(1e-12));
}

TEST_CASE("simulate: a workload no request of which fits the KV pool is refused, not printed as zeros", "[simulate][cli]") {
  const CliResult r = run_cli("simulate --model qwen3-32b --gpu h100-sxm --rate inf --requests 4 --prompt-len 32000 --output-len 100");
  REQUIRE(r.code == 2);
  REQUIRE(r.out.empty());
  REQUIRE(r.err.find("no request fits the KV pool") != std::string::npos);
  REQUIRE(r.err.find("32100 tokens") != std::string::npos);
}

TEST_CASE("simulate: the same seed gives the same bytes, another seed other arrivals", "[simulate][cli]") {
  const std::string args = "simulate --model llama-3.1-8b --rate 8 --requests 200 --prompt-len uniform:100:1000 --output-len 64 --format json";
  const CliResult a = run_cli(args + " --seed 3"), b = run_cli(args + " --seed 3"), c = run_cli(args + " --seed 4");
  INFO(a.err);
  REQUIRE(a.code == 0);
  REQUIRE(a.out == b.out);
  REQUIRE(a.out != c.out);
  const auto j = nlohmann::json::parse(a.out);
  REQUIRE(j["schema"] == "attncost.simulate/1");
  REQUIRE(j["completed"] == 200);
  for (const char* k : {"ttft_s", "tpot_s", "itl_s", "e2e_s", "queue_s"})
    for (const char* p : {"mean", "p50", "p90", "p99"}) REQUIRE(j[k][p].get<double>() >= 0);
  REQUIRE(j["ttft_s"]["p99"].get<double>() >= j["ttft_s"]["p50"].get<double>());
  REQUIRE(j["throughput"]["output_tokens_per_s"].get<double>() > 0);
  REQUIRE(j["engine"]["scheduler"] == "vllm");
}

TEST_CASE("simulate: a rate list finds the knee; SLOs give goodput; the Azure excerpt runs", "[simulate][cli]") {
  const CliResult r = run_cli("simulate --model llama-3.1-8b --rate 2,8,32,128,inf --requests 300 --prompt-len 1024 --output-len 128 "
                              "--slo-ttft-ms 2000 --slo-tpot-ms 50 --format json");
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["runs"].size() == 5);
  REQUIRE(j["runs"][4]["rate"] == "inf");
  REQUIRE(j["knee"].is_number());
  REQUIRE(j["knee"].get<double>() < 128);  // one H100 does not keep up with 128 requests/s of 1k prompts
  REQUIRE(j["runs"][0]["goodput"]["fraction"].get<double>() > 0.99);
  const CliResult trace = run_cli("simulate --model llama-3.1-8b --trace " + std::string(ATTNCOST_SOURCE_DIR) + "/tests/data/traces/azure_llm_conv_excerpt.csv");
  INFO(trace.err);
  REQUIRE(trace.code == 0);
  REQUIRE(trace.out.find("TTFT") != std::string::npos);
}

TEST_CASE("simulate and plan --rate: every bad input gets exit 2 and one line naming it", "[simulate][cli]") {
  const std::string bad_trace = write_file("bad_trace.csv", "arrival_s,prompt_tokens,output_tokens\n0,100,x\n");
  struct Case {
    std::string args, want;
  };
  const Case cases[] = {
      {"simulate --requests 10", "give --rate"},
      {"simulate --rate 0 --requests 10", "--rate"},
      {"simulate --rate 4,2 --requests 10", "increasing order"},
      {"simulate --rate inf,4 --requests 10", "increasing order"},
      {"simulate --rate 4 --requests 0", "--requests"},
      {"simulate --rate 4 --requests 20000000", "at most 10,000,000"},
      {"simulate --rate 4 --prompt-len uniform:10", "uniform:LO:HI"},
      {"simulate --rate 4 --prompt-len uniform:10:5", "HI must be at least LO"},
      {"simulate --rate 4 --output-len 0", "--output-len"},
      {"simulate --rate 4 --burstiness 0", "--burstiness"},
      {"simulate --rate 4 --slo-percentile 0", "--slo-percentile"},
      {"simulate --rate 4 --slo-ttft-ms -1", "--slo-ttft-ms"},
      {"simulate --rate 4 --engine tgi", "--engine 'tgi'"},
      {"simulate --rate 4 --format md", "--format 'md'"},
      {"simulate --trace " + bad_trace, "bad_trace.csv"},
      {"simulate --trace " + bad_trace + " --rate 4", "--trace: the trace gives the arrivals"},
      {"simulate --trace /nonexistent.csv", "cannot read the file"},
      {"simulate --trace " + bad_trace + " --lengths " + bad_trace, "--trace: the trace gives the arrivals"},
      {"simulate --rate 4 --lengths /nonexistent.csv", "cannot read the file"},
      {"simulate --rate 4 --lengths " + bad_trace, "bad_trace.csv"},
      {"simulate --rate 4 --prompt-len 100 --lengths " + bad_trace, "--lengths: the file gives the prompt and output lengths"},
      {"simulate --rate 4 --prefix-hit-rate 1.5", "--prefix-hit-rate"},
      {"simulate --rate 4 --prefix-hit-rate -0.1", "--prefix-hit-rate"},
      {"simulate --rate 4 --seq-overhead-us -1", "--seq-overhead-us"},
      {"simulate --rate 4 --endpoint responses", "--endpoint 'responses'"},
      {"plan --gen 128 --slo-ttft-ms 500", "apply with --rate"},
      {"plan --gen 128 --rate 5 --sizing exact", "--sizing 'exact'"},
  };
  for (const Case& c : cases) {
    const CliResult r = run_cli(c.args);
    INFO("attncost " << c.args << "\nstderr: " << r.err);
    REQUIRE(r.code == 2);
    REQUIRE(r.out.empty());
    REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    REQUIRE(r.err.rfind("attncost: error: ", 0) == 0);
    REQUIRE(r.err.find(c.want) != std::string::npos);
  }
}
