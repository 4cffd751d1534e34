// Output paths and file kinds (issue #27): the input picks a command and what its -o and --chart
// name, in a private directory: a new or existing regular file, a symbolic link (to a file, to
// nothing, to a FIFO, to itself), a FIFO (drained by a thread), a character device node (our own
// copies of /dev/null and /dev/full, made with mknod, so the real ones are never at risk), a
// socket-like refusal (a directory), the same file twice, the command's input, stdout, or a name
// built from the input's bytes. After every run:
// - every entry that existed has the same kind, a link the same target;
// - a failed command (exit 1 or 2) changed no regular file; a refused one (exit 2) created nothing;
// - the input file is unchanged, whatever the exit code;
// - no temporary file (a hidden name) is left;
// - the exit code is 0, 1 or 2.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/app.h"

namespace {

namespace fs = std::filesystem;

struct Entry {
  mode_t kind;
  std::string content;  // a regular file's bytes, or a link's target
};

std::map<std::string, Entry> snapshot(const std::string& dir) {
  std::map<std::string, Entry> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    struct stat st {};
    if (::lstat(e.path().c_str(), &st) != 0) continue;
    Entry entry{static_cast<mode_t>(st.st_mode & S_IFMT), {}};
    if (S_ISREG(st.st_mode)) {
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      entry.content = s.str();
    } else if (S_ISLNK(st.st_mode)) {
      entry.content = fs::read_symlink(e.path()).string();
    }
    out[e.path().filename().string()] = entry;
  }
  return out;
}

[[noreturn]] void fail(const std::string& what, const std::vector<std::string>& args) {
  std::string cmd;
  for (const auto& a : args) cmd += a + " ";
  std::fprintf(stderr, "fuzz_outputs: %s\n  command: %s\n", what.c_str(), cmd.c_str());
  std::abort();
}

// Drains a FIFO (opened read-write, so the writer's open never blocks) until stopped.
class Drain {
 public:
  explicit Drain(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_NONBLOCK)) {
    thread_ = std::thread([this] {
      char buffer[65536];
      while (!stop_.load()) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 5) > 0) (void)!::read(fd_, buffer, sizeof buffer);
      }
    });
  }
  ~Drain() {
    stop_.store(true);
    thread_.join();
    ::close(fd_);
  }

 private:
  int fd_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    std::freopen("/dev/null", "w", stdout);
    std::cerr.rdbuf(nullptr);
    return true;
  }();
  (void)quiet;
  if (size < 4) return 0;
  static const std::string dir = fs::temp_directory_path() / ("attncost_fuzz_outputs_" + std::to_string(::getpid()));
  static const bool cleaned_at_exit = [] { return std::atexit([] { std::error_code ec; fs::remove_all(dir, ec); }) == 0; }();
  (void)cleaned_at_exit;
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string model = dir + "/config.json";
  const std::string model_text = R"({"num_hidden_layers": 2, "num_attention_heads": 4, "hidden_size": 64, "vocab_size": 10})";
  std::ofstream(model) << model_text;
  std::ofstream(dir + "/existing") << "old";
  std::ofstream(dir + "/chart.svg") << "old chart";
  fs::create_directory(dir + "/subdir");
  ::mkfifo((dir + "/fifo").c_str(), 0600);
  ::mknod((dir + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3));
  ::mknod((dir + "/full").c_str(), S_IFCHR | 0666, makedev(1, 7));
  fs::create_symlink("existing", dir + "/link");
  fs::create_symlink("nothing", dir + "/dangling");
  fs::create_symlink("fifo", dir + "/fifo_link");
  fs::create_symlink("loop", dir + "/loop");
  fs::create_symlink("config.json", dir + "/model_link");

  // A name from the input's bytes: no '/', no NUL, up to 300 bytes (past NAME_MAX); never hidden
  // (a leading '.' is how the check below tells a temporary file).
  std::string made = "m";
  for (size_t i = 4; i < size && made.size() < 300; ++i) {
    const char c = static_cast<char>(data[i]);
    if (c != '/' && c != '\0') made += c;
  }
  auto path_of = [&](uint8_t pick) -> std::string {
    switch (pick % 16) {
      case 0: return dir + "/new.out";
      case 1: return dir + "/existing";
      case 2: return dir + "/link";
      case 3: return dir + "/dangling";
      case 4: return dir + "/fifo";
      case 5: return dir + "/fifo_link";
      case 6: return dir + "/null";
      case 7: return dir + "/full";
      case 8: return dir + "/subdir";
      case 9: return dir + "/subdir/";
      case 10: return dir + "/loop";
      case 11: return model;
      case 12: return dir + "/model_link";
      case 13: return "-";
      case 14: return dir + "/../" + fs::path(dir).filename().string() + "/existing";
      default: return dir + "/" + made;
    }
  };
  std::vector<std::string> args = {"attncost"};
  const bool with_chart = data[0] & 0x80;
  switch (data[0] % 6) {
    case 0: args.insert(args.end(), {"presets", "--format", "csv"}); break;
    case 1: args.insert(args.end(), {"estimate", "--model", model, "--format", "json"}); break;
    case 2: args.insert(args.end(), {"sweep", "--model", model, "--ctx", "1k,2k"}); break;
    case 3: args.insert(args.end(), {"plan", "--model", model, "--ctx", "8k", "--format", "md"}); break;
    case 4: args.insert(args.end(), {"simulate", "--model", model, "--rate", "1,2", "--requests", "8", "--prompt-len", "64", "--output-len", "8"}); break;
    default: args.insert(args.end(), {"compare", "--model", model, "--workload", "a:ctx=1k", "--workload", "b:ctx=2k", "--format", "csv"}); break;
  }
  if (data[1] & 0x80) args.insert(args.end(), {"-o", path_of(data[1])});
  if (with_chart && (args[1] == "sweep" || args[1] == "simulate")) args.insert(args.end(), {"--chart", path_of(data[2])});
  if (data[3] & 1) {  // the model given through a link, so only the inode says it is the input
    for (auto& a : args)
      if (a == model) a = dir + "/model_link";
  }

  const auto before = snapshot(dir);
  int code;
  {
    Drain drain(dir + "/fifo");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    code = attncost::attncost_main(static_cast<int>(args.size()), argv.data());
  }
  if (std::getenv("FUZZ_OUTPUTS_VERBOSE")) {  // to see what a seed exercises
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    std::fprintf(stderr, "exit %d: %s\n", code, cmd.c_str());
  }
  const auto after = snapshot(dir);
  if (code != 0 && code != 1 && code != 2) fail("exit code " + std::to_string(code), args);
  for (const auto& [name, e] : before) {
    const auto it = after.find(name);
    if (it == after.end()) fail(name + " was removed", args);
    if (it->second.kind != e.kind) fail(name + " changed kind", args);
    if (e.kind == S_IFLNK && it->second.content != e.content) fail(name + " now links elsewhere", args);
    if (code != 0 && e.kind == S_IFREG && it->second.content != e.content) fail(name + " was changed by a failed command", args);
  }
  // config.json is an input of every command but `presets`, which reads none: there `-o config.json`
  // (or a link to it) names an ordinary output file and is written as one.
  if (args[1] != "presets" && after.at("config.json").content != model_text) fail("the input was overwritten", args);
  for (const auto& [name, e] : after) {
    if (!name.empty() && name[0] == '.') fail("a temporary file was left: " + name, args);
    if (code == 2 && !before.count(name)) fail(name + " was created by a refused command", args);
  }
  return 0;
}
