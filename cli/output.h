// Where results go: stdout, or a file written through a temporary file and a rename so that a
// failure never leaves a truncated file. Paths are checked before any work starts, so a long
// sweep or probe never runs only to find it cannot write its result.
#pragma once
#include <cstdio>
#include <string>

namespace attncost::cli {

// Capture hook for the in-process runner (cli/run_in_process.h, the Python API): while set on a
// thread, what that thread would write to stdout is appended here instead. Files are unaffected.
extern thread_local std::string* stdout_sink;

// Throws InputError (exit 2) unless `path` ("" or "-" = stdout) can be created or replaced: its
// directory exists and is writable, and the path is not a directory. `flag` names the option.
void check_writable(const std::string& path, const std::string& flag = "-o");

// Writes `text` to `path` ("" or "-" = stdout) atomically.
void write_output(const std::string& path, const std::string& text);

// Streams a large output (sweeps) to stdout or to a temporary file renamed into place by
// commit(); destroyed without commit(), it removes the temporary file.
class OutputStream {
 public:
  explicit OutputStream(const std::string& path);
  ~OutputStream();
  OutputStream(const OutputStream&) = delete;
  OutputStream& operator=(const OutputStream&) = delete;
  void write(const std::string& chunk);
  void commit();

 private:
  std::string path_, tmp_;
  std::FILE* file_ = nullptr;
  bool to_stdout_ = false;
};

}  // namespace attncost::cli
