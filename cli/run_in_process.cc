#include "cli/run_in_process.h"

#include <iostream>
#include <mutex>
#include <new>
#include <sstream>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace attncost::cli {
namespace {

// Restores a stream's buffer and the stdout sink however the run ends.
struct Redirect {
  std::ostringstream cout_text, cerr_text;
  std::streambuf* old_cout;
  std::streambuf* old_cerr;
  Redirect(std::string& out) : old_cout(std::cout.rdbuf(cout_text.rdbuf())), old_cerr(std::cerr.rdbuf(cerr_text.rdbuf())) { stdout_sink = &out; }
  ~Redirect() {
    std::cout.rdbuf(old_cout);
    std::cerr.rdbuf(old_cerr);
    stdout_sink = nullptr;
  }
  Redirect(const Redirect&) = delete;
  Redirect& operator=(const Redirect&) = delete;
};

}  // namespace

int run_captured(const std::vector<std::string>& args, std::string& out, std::string& err) {
  static std::mutex one_at_a_time;
  const std::lock_guard<std::mutex> lock(one_at_a_time);
  out.clear();
  err.clear();
  try {
    std::vector<std::string> storage{"attncost"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    int code = 0;
    {
      Redirect redirect(out);
      code = attncost_main(static_cast<int>(storage.size()), argv.data());
      // --help and --version print through std::cout (CLI11), the commands through write_output.
      out = redirect.cout_text.str() + out;
      err = redirect.cerr_text.str();
    }
    return code;
  } catch (const std::bad_alloc&) {
    err = "attncost: error: out of memory\n";
    return kExitFailed;
  } catch (...) {
    err = "attncost: internal error: an exception escaped the command line (please report it)\n";
    return kExitInternal;
  }
}

}  // namespace attncost::cli
