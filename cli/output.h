// Where results go. Every output path of a command (-o, --chart, a memo's charts) is declared and
// checked before any work starts; the outputs are then committed together, after every write
// succeeded:
// - a regular file (or a new name, or a symbolic link to a regular file) is written to a temporary
//   file beside its target and renamed over it, so a failure or a signal never leaves a truncated
//   or half-replaced file, and a symbolic link stays a link;
// - a character device or FIFO (/dev/null, a terminal, a named pipe) and any path under /dev or
//   /proc (/dev/stdout follows the shell's redirection) is written through, never replaced;
// - a directory, a block device or a socket is refused (exit 2), and so are two outputs naming one
//   file and an output naming an input (compared by device and inode, before any work);
// - `-` means stdout, for -o only.
// Temporary files are removed on failure and on SIGINT, SIGTERM, SIGHUP and SIGPIPE.
#pragma once
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/flags.h"

namespace attncost::cli {

// Capture hook for the in-process runner (cli/run_in_process.h, the Python API): while set on a
// thread, what that thread would write to stdout is appended here instead. Files are unaffected.
extern thread_local std::string* stdout_sink;


class Outputs {
 public:
  // Declares and checks the command's outputs: -o (f.output; "" or "-" = stdout) and, when
  // given, --chart; then refuses any output that names an input file of `f`. InputError (exit 2).
  explicit Outputs(const Flags& f);
  ~Outputs();
  Outputs(const Outputs&) = delete;
  Outputs& operator=(const Outputs&) = delete;

  // Declares one more output (a memo's chart beside it); checked as the constructor checks.
  void add(const std::string& flag, const std::string& path);

  // The text of output `path` (as declared), written at commit().
  void set(const std::string& path, std::string text);
  // Streams a chunk to -o now (sweeps): into its temporary file, or straight through for stdout,
  // a device or a FIFO. RuntimeError (exit 1) when the write fails.
  void stream(std::string_view chunk);

  // Writes every set() text, then renames every temporary file into place; on any failure no
  // regular file has been touched. RuntimeError (exit 1).
  void commit();

  // -o goes to stdout, a device or a FIFO (no file of our own to put beside it).
  bool output_is_stream() const;

  enum class Kind { stdout_, replace, through };
  struct Target {
    std::string flag, path;  // as given
    Kind kind = Kind::replace;
    std::string final_path;  // replace: the regular file to rename onto (symbolic links resolved)
    std::string tmp;         // replace: the temporary file beside it, once created
    int fd = -1;             // the open temporary file or written-through file
    bool has_text = false;
    std::string text;
    bool committed = false;
  };

 private:
  Target& find(const std::string& path);
  void open(Target& t);
  std::vector<Target> targets_;
  std::vector<std::pair<std::string, std::string>> inputs_;  // flag, path of each input file
};

// The input files `f` names (--model, --gpu, --fleet-gpus, --spec's draft, --replay, --trace):
// every part of those values that names an existing file, with its flag.
std::vector<std::pair<std::string, std::string>> input_files(const Flags& f);

}  // namespace attncost::cli
