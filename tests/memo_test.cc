// The memos of the two situations in the README, end to end through the CLI: golden files
// (regenerate with ATTNCOST_UPDATE_GOLDEN=1, review the diff), every reproduction command in the
// appendix re-run through `attncost estimate`, and the charts beside the memo.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "reports/reports.h"
#include "tests/cli_runner.h"

namespace {

// File contents: the one in tests/cli_runner.h (a second, file-local copy is ambiguous in a unity batch).
using attncost::testing::slurp;

std::string dir() {
  const std::string d = std::string(ATTNCOST_TEST_TMP) + "/memo" + std::to_string(::getpid());
  std::system(("mkdir -p " + d).c_str());
  return d;
}

int run(const std::string& args, const std::string& out_path) {
  const int status = std::system((std::string(ATTNCOST_BIN) + " " + args + " > " + out_path + " 2>&1").c_str());
  return WEXITSTATUS(status);
}

struct Situation {
  const char* name;
  const char* args;
};

// The README's two situations.
const Situation kSituations[] = {
    {"policy_copilot", "--workload policy-qa:ctx=65536,batch=4,gen=1024 --require early-recall --family sparse"},
    {"multi_tenant", "--workload chat:ctx=8192,batch=32,gen=512,slo_ms=30 --workload doc:ctx=131072,batch=1,gen=1024"},
};

void check_golden(const std::string& name, const std::string& produced) {
  const std::string golden = std::string(ATTNCOST_SOURCE_DIR) + "/tests/golden/" + name;
  if (std::getenv("ATTNCOST_UPDATE_GOLDEN")) {
    std::ofstream(golden) << produced;
    WARN("updated " << golden);
    return;
  }
  INFO("golden " << golden << " differs; if the change is intended, rerun with ATTNCOST_UPDATE_GOLDEN=1 and review the diff");
  REQUIRE(produced == slurp(golden));
}

}  // namespace

TEST_CASE("the two situations' memos match their golden files", "[memo][golden]") {
  for (const Situation& s : kSituations) {
    const std::string d = dir();
    REQUIRE(run(std::string("plan ") + s.args + " --format md -o " + d + "/memo.md", d + "/log") == 0);
    check_golden(std::string(s.name) + ".md", slurp(d + "/memo.md"));
    // Charts: every one referenced by the memo exists, is SVG, and carries its labels.
    const std::string memo = slurp(d + "/memo.md");
    const std::regex image(R"(!\[[^\]]*\]\(([^)]+\.svg)\))");
    int charts = 0;
    for (std::sregex_iterator it(memo.begin(), memo.end(), image), end; it != end; ++it, ++charts) {
      const std::string name = (*it)[1];
      const std::string svg = slurp(d + "/" + name);
      INFO(name);
      REQUIRE(svg.rfind("<?xml", 0) == 0);
      REQUIRE(svg.find("</svg>") != std::string::npos);
      if (name.find("-memory-") != std::string::npos) {
        REQUIRE(svg.find("budget ") != std::string::npos);   // the budget line, labelled with its value
        REQUIRE(svg.find(" ctx ") != std::string::npos);     // the workload's context marked
        REQUIRE(svg.find("(recommended") != std::string::npos);
      }
      if (name.find("-itl-") != std::string::npos) REQUIRE(svg.find(" ctx ") != std::string::npos);
      if (name.find("-fit") != std::string::npos) REQUIRE(svg.find(" — fits") != std::string::npos);
    }
    REQUIRE(charts >= 3);
  }
  // The multi-tenant chat workload has a 30 ms target: its ITL chart draws and labels it, and the
  // baseline's points beyond the budget are marked.
  const std::string d = dir();
  REQUIRE(run(std::string("plan ") + kSituations[1].args + " --format md -o " + d + "/memo.md", d + "/log") == 0);
  const std::string itl = slurp(d + "/memo-itl-chat.svg");
  REQUIRE(itl.find("ITL target 30 ms") != std::string::npos);
  REQUIRE(itl.find("does not fit the memory budget") != std::string::npos);
}

TEST_CASE("an HTML memo is one self-contained file with the charts inline", "[memo]") {
  const std::string d = dir();
  REQUIRE(run(std::string("plan ") + kSituations[0].args + " --format html -o " + d + "/memo.html", d + "/log") == 0);
  const std::string html = slurp(d + "/memo.html");
  REQUIRE(html.rfind("<!DOCTYPE html>", 0) == 0);
  REQUIRE(html.find("</html>") != std::string::npos);
  REQUIRE(html.find("<svg") != std::string::npos);
  REQUIRE(html.find("<?xml") == std::string::npos);   // inline SVG carries no XML prolog
  REQUIRE(html.find("<table>") != std::string::npos);
  REQUIRE(html.find("**") == std::string::npos);      // inline markup converted
  REQUIRE(html.find(".svg\"") == std::string::npos);   // nothing linked outside the file
  // The same words as the Markdown memo.
  REQUIRE(run(std::string("plan ") + kSituations[0].args + " --format md -o " + d + "/memo.md", d + "/log") == 0);
  const std::string md = slurp(d + "/memo.md");
  REQUIRE(md.find("Recommendation: GQA") != std::string::npos);
  REQUIRE(html.find("Recommendation: GQA") != std::string::npos);
}

TEST_CASE("when the baseline meets every constraint, the memo says so and keeps it", "[memo]") {
  const std::string d = dir();
  REQUIRE(run("plan --model llama-3.1-8b --workload chat:ctx=4096,batch=8,gen=256,slo_ms=40 --format md -o " + d + "/memo.md", d + "/log") == 0);
  const std::string memo = slurp(d + "/memo.md");
  REQUIRE(memo.find("**Recommendation: keep GQA-8 · dense · bf16 KV.**") != std::string::npos);
  REQUIRE(memo.find("**What breaks:** nothing.") != std::string::npos);
  REQUIRE(run("plan --model llama-3.1-8b --workload chat:ctx=4096,batch=8,gen=256,slo_ms=40 --format json", d + "/plan.json") == 0);
  const auto plan = nlohmann::json::parse(slurp(d + "/plan.json"));
  REQUIRE(plan["recommendation"]["keep_baseline"] == true);
  REQUIRE(plan["recommendation"]["label"] == "GQA-8 · dense · bf16 KV");
}

TEST_CASE("every figure in the memo's appendix is what `attncost estimate` prints", "[memo]") {
  for (const Situation& s : kSituations) {
    const std::string d = dir();
    REQUIRE(run(std::string("plan ") + s.args + " --format md -o " + d + "/memo.md", d + "/log") == 0);
    REQUIRE(run(std::string("plan ") + s.args + " --format json", d + "/plan.json") == 0);
    const auto plan = nlohmann::json::parse(slurp(d + "/plan.json"));
    const std::string memo = slurp(d + "/memo.md");
    const std::regex line(R"(attncost estimate (.*?)   # ([\w /-]+), ([\w-]+))");
    int checked = 0;
    for (std::sregex_iterator it(memo.begin(), memo.end(), line), end; it != end; ++it) {
      const std::string args = (*it)[1], workload = (*it)[3];
      REQUIRE(run("estimate " + args + " --format json", d + "/est.json") == 0);
      const auto est = nlohmann::json::parse(slurp(d + "/est.json"));
      // Find the same design and workload in the plan's candidates.
      bool found = false;
      for (const auto& c : plan["candidates"]) {
        if (c["label"] != est["design"]["label"]) continue;
        for (const auto& pw : c["per_workload"]) {
          if (pw["workload"] != workload) continue;
          found = true;
          REQUIRE(pw["decode_time_s"].get<double>() == est["decode"]["time_s"].get<double>());
          REQUIRE(pw["prefill_time_s"].get<double>() == est["prefill"]["time_s"].get<double>());
          REQUIRE(pw["memory_total_bytes"] == est["memory"]["total_bytes"]);
          REQUIRE(pw["kv_bytes"] == est["memory"]["kv_bytes"]);
          REQUIRE(pw["max_sequences_within_budget"] == est["memory"]["max_concurrent_sequences"]);
          REQUIRE(pw["itl_mean_s"].get<double>() == est["serving"]["itl_mean_s"].get<double>());
          REQUIRE(pw["ttft_s"].get<double>() == est["serving"]["ttft_s"].get<double>());
        }
      }
      INFO(args);
      REQUIRE(found);
      // The memo's options-table row of this design prints the same figures as `estimate`.
      const std::string label = est["design"]["label"];
      const size_t row = memo.find("| " + label + " |");
      REQUIRE(row != std::string::npos);
      const std::string row_text = memo.substr(row, memo.find('\n', row) - row);
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f GiB", est["memory"]["total_bytes"].get<double>() / 1073741824.0);
      REQUIRE(row_text.find(buf) != std::string::npos);
      // The mean ITL to the digits its held-out band supports (estimators/uncertainty.h).
      const auto& ib = est["serving"]["band"]["itl"];
      const std::string basis = ib["basis"];
      const attncost::Band itl_band{ib["relative"].get<double>(), ib["measured"].get<bool>(), basis};
      REQUIRE(row_text.find(attncost::human_time(est["serving"]["itl_mean_s"].get<double>(), itl_band)) != std::string::npos);
      // The max-batch cell: memory and every target; where memory binds, estimate's own count.
      uint64_t max_batch = 0;
      std::string binding;
      for (const auto& c : plan["candidates"])
        if (c["label"] == label)
          for (const auto& pw : c["per_workload"])
            if (pw["workload"] == workload) max_batch = pw["max_batch"], binding = pw["max_batch_binding"];
      if (binding == "memory") REQUIRE(static_cast<double>(max_batch) == est["memory"]["max_concurrent_sequences"].get<double>());
      std::snprintf(buf, sizeof buf, "| %llu (%s) |", static_cast<unsigned long long>(max_batch),
                    binding == "memory" ? "mem" : binding == "slo_ms" ? "ITL" : "TTFT");
      REQUIRE(row_text.find(buf) != std::string::npos);
      ++checked;
    }
    REQUIRE(checked >= 3);  // baseline, recommendation and runner-up, per workload
  }
}
