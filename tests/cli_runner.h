// Runs the real attncost binary for end-to-end tests: exit code, stdout and stderr captured in
// files under the build's test directory (named by pid: ctest runs test cases in parallel).
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace attncost::testing {

struct CliResult {
  int code;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string temp_path(const std::string& name) {
  return std::string(ATTNCOST_TEST_TMP) + "/" + std::to_string(::getpid()) + "_" + name;
}

inline CliResult run_cli(const std::string& args) {
  static int counter = 0;
  const std::string base = temp_path("cli" + std::to_string(counter++));
  const std::string cmd = std::string(ATTNCOST_BIN) + " " + args + " >" + base + ".out 2>" + base + ".err";
  const int status = std::system(cmd.c_str());
  return {WEXITSTATUS(status), slurp(base + ".out"), slurp(base + ".err")};
}

inline std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

}  // namespace attncost::testing
