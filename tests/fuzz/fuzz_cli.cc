// The whole command-line path: the input, split at newlines, is argv. Flags that write files
// (-o, --output, --chart) and the probe (it times kernels) are dropped; everything else must end
// in an exit code, never a crash, a sanitizer report or a hang.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/app.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // attncost's outputs go nowhere (stdout, and std::cerr where its error lines go); stderr itself
  // stays open for libFuzzer's statistics.
  static const bool quiet = [] {
    std::freopen("/dev/null", "w", stdout);
    std::cerr.rdbuf(nullptr);
    return true;
  }();
  (void)quiet;
  std::vector<std::string> args = {"attncost"};
  std::string token;
  for (size_t i = 0; i <= size; ++i) {
    if (i == size || data[i] == '\n') {
      if (token == "-o" || token == "--output" || token == "--chart" || token == "probe" || token.rfind("-o", 0) == 0 ||
          token.rfind("--output", 0) == 0 || token.rfind("--chart", 0) == 0)
        return 0;
      args.push_back(token);
      token.clear();
      if (args.size() > 24) return 0;
    } else {
      token.push_back(static_cast<char>(data[i]));
    }
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  attncost::attncost_main(static_cast<int>(args.size()), argv.data());
  return 0;
}
