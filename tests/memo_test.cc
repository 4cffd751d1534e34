// The memos of the two situations in the README, end to end through the CLI: golden files
// (regenerate with ATTNCOST_UPDATE_GOLDEN=1, review the diff), every reproduction command in the
// appendix re-run through `attncost estimate`, and the charts beside the memo.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

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
    {"policy_copilot", "--workload policy-qa:ctx=65536,batch=4,gen=1024 --require early-recall"},
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
    for (const char* chart : {"memo-kv.svg", "memo-decode.svg", "memo-memory.svg"}) {
      const std::string svg = slurp(d + "/" + chart);
      REQUIRE(svg.rfind("<?xml", 0) == 0);
      REQUIRE(svg.find("</svg>") != std::string::npos);
    }
  }
}

TEST_CASE("every figure in the memo's appendix is what `attncost estimate` prints", "[memo]") {
  for (const Situation& s : kSituations) {
    const std::string d = dir();
    REQUIRE(run(std::string("plan ") + s.args + " --format md -o " + d + "/memo.md", d + "/log") == 0);
    REQUIRE(run(std::string("plan ") + s.args + " --format json", d + "/plan.json") == 0);
    const auto plan = nlohmann::json::parse(slurp(d + "/plan.json"));
    const std::string memo = slurp(d + "/memo.md");
    const std::regex line(R"(attncost estimate (.*?)   # (\w+), ([\w-]+))");
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
        }
      }
      INFO(args);
      REQUIRE(found);
      ++checked;
    }
    REQUIRE(checked >= 3);  // baseline, recommendation and runner-up, per workload
  }
}
