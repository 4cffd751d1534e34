// The command line run inside the calling process (the Python API, python/attncost): the same
// parsing, checks, commands and exit codes as the `attncost` binary, with what it would print to
// stdout and its error line captured in strings instead.
#pragma once
#include <string>
#include <vector>

namespace attncost::cli {

// Runs `attncost ARGS...` (args without the program name). Returns the exit code
// (cli/commands.h); `out` receives what the command writes to stdout when -o is absent, `err` the
// error line(s) it writes to std::cerr. Never throws. Calls are serialized (std::cerr and
// std::cout are process-wide).
int run_captured(const std::vector<std::string>& args, std::string& out, std::string& err);

}  // namespace attncost::cli
