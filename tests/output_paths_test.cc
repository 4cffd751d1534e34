// Output paths (issue #27 items 1, 4, 9): what -o and --chart name is never replaced unless it is
// a regular file; devices, FIFOs and /dev/stdout are written through; directories, sockets, two
// outputs on one file and an output on an input are refused before any work; all outputs of a
// command are committed together; temporary names fit NAME_MAX; a signal leaves no temporary file.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "tests/cli_runner.h"

using namespace attncost::testing;

namespace {

std::string fresh_dir(const std::string& name) {
  const std::string dir = temp_path(name);
  (void)std::system(("rm -rf '" + dir + "'").c_str());
  REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
  return dir;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  REQUIRE(d != nullptr);
  while (dirent* e = ::readdir(d))
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) out.emplace_back(e->d_name);
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

mode_t kind_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & S_IFMT;
}

void require_refused(const std::string& args, const std::string& want) {
  const auto t0 = std::chrono::steady_clock::now();
  const CliResult r = run_cli(args);
  INFO("attncost " << args << "\nstderr: " << r.err);
  REQUIRE(r.code == 2);
  REQUIRE(r.out.empty());
  REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  REQUIRE(r.err.find(want) != std::string::npos);
  REQUIRE(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 10);  // before any work
}

// Reads a FIFO to its end on another thread (the writer blocks in open() until a reader comes).
std::future<std::string> read_fifo(const std::string& path) {
  return std::async(std::launch::async, [path] { return slurp(path); });
}

}  // namespace

TEST_CASE("a FIFO, a device or a symbolic link given as output is written through, never replaced", "[output]") {
  const std::string dir = fresh_dir("kinds");
  const std::string fifo = dir + "/pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto reader = read_fifo(fifo);
  const CliResult r = run_cli("estimate --ctx 8k -o " + fifo);
  REQUIRE(r.code == 0);
  const std::string got = reader.get();
  REQUIRE(got.find("KV cache") != std::string::npos);
  REQUIRE(kind_of(fifo) == S_IFIFO);

  REQUIRE(run_cli("estimate -o /dev/null").code == 0);
  REQUIRE(kind_of("/dev/null") == S_IFCHR);
  REQUIRE(run_cli("sweep --ctx 1k,2k -o /dev/null --chart /dev/null").code == 0);  // one device may take both

  // A link to a regular file: the file gets the output, the link stays a link.
  const std::string target = dir + "/target.json", link = dir + "/link.json";
  std::ofstream(target) << "old";
  REQUIRE(::symlink("target.json", link.c_str()) == 0);
  REQUIRE(run_cli("estimate --format json -o " + link).code == 0);
  REQUIRE(kind_of(link) == S_IFLNK);
  REQUIRE(slurp(target).rfind("{", 0) == 0);
  // A link to nothing creates what it names; a link to a FIFO writes the FIFO.
  const std::string dangling = dir + "/dangling.json";
  REQUIRE(::symlink("made.json", dangling.c_str()) == 0);
  REQUIRE(run_cli("estimate --format json -o " + dangling).code == 0);
  REQUIRE(kind_of(dangling) == S_IFLNK);
  REQUIRE(slurp(dir + "/made.json").rfind("{", 0) == 0);
  const std::string fifo_link = dir + "/pipe_link";
  REQUIRE(::symlink(fifo.c_str(), fifo_link.c_str()) == 0);
  auto reader2 = read_fifo(fifo);
  REQUIRE(run_cli("presets --format csv -o " + fifo_link).code == 0);
  REQUIRE(reader2.get().rfind("kind,name,", 0) == 0);
  REQUIRE(kind_of(fifo) == S_IFIFO);
  REQUIRE(kind_of(fifo_link) == S_IFLNK);
  // No temporary file is left beside any of them.
  REQUIRE(entries(dir) == std::vector<std::string>{"dangling.json", "link.json", "made.json", "pipe", "pipe_link", "target.json"});
}

TEST_CASE("an output of /dev/stdout (-o) follows the shell's redirection: > empties, >> appends, nothing is renamed", "[output]") {
  const std::string dir = fresh_dir("stdout");
  const std::string log = dir + "/log.txt";
  std::ofstream(log) << "first line\n";
  struct stat before {};
  REQUIRE(::stat(log.c_str(), &before) == 0);
  REQUIRE(std::system(fmt::format("{} presets --format csv -o /dev/stdout >> {}", ATTNCOST_BIN, log).c_str()) == 0);
  const std::string text = slurp(log);
  REQUIRE(text.rfind("first line\nkind,name,", 0) == 0);
  struct stat after {};
  REQUIRE(::stat(log.c_str(), &after) == 0);
  REQUIRE(after.st_ino == before.st_ino);  // the shell's file, not a new one renamed over it
  const CliResult r = run_cli("presets --format csv -o -");
  REQUIRE(r.code == 0);
  REQUIRE(r.out.rfind("kind,name,", 0) == 0);
  REQUIRE(entries(dir) == std::vector<std::string>{"log.txt"});
}

TEST_CASE("directories, sockets and '-' for --chart are refused before any work", "[output]") {
  const std::string dir = fresh_dir("refused");
  require_refused("sweep --ctx 1k,2k --chart " + dir, "--chart '" + dir + "': is a directory");
  require_refused("estimate -o " + dir + "/", "is a directory");
  require_refused("sweep --ctx 1k,2k --chart -", "--chart '-': '-' means stdout for -o only");
  const std::string sock = dir + "/s";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (sock.size() < sizeof addr.sun_path) {
    std::strcpy(addr.sun_path, sock.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    require_refused("estimate -o " + sock, "is a socket");
    REQUIRE(kind_of(sock) == S_IFSOCK);
  }
  ::close(fd);
  const std::string loop = dir + "/loop";
  REQUIRE(::symlink(loop.c_str(), loop.c_str()) == 0);
  require_refused("estimate -o " + loop, "symbolic links");
}

TEST_CASE("two outputs on one file, or an output on an input, are refused before any work (by inode)", "[output]") {
  const std::string dir = fresh_dir("same");
  const std::string f = dir + "/f";
  std::ofstream(f) << "keep me";
  require_refused(fmt::format("sweep --ctx 1k,2k --chart {} -o {}", f, f), "both name the same file");
  require_refused(fmt::format("sweep --ctx 1k,2k --chart {0} -o {1}/../{2}/f", f, dir, dir.substr(dir.rfind('/') + 1)), "both name the same file");
  const std::string hard = dir + "/hard";
  REQUIRE(::link(f.c_str(), hard.c_str()) == 0);
  require_refused(fmt::format("simulate --rate 1,2 --requests 20 --chart {} -o {}", hard, f), "both name the same file");
  require_refused(fmt::format("sweep --ctx 1k,2k --chart {0}/new.svg -o {0}/./new.svg", dir), "both name the same file");  // not yet existing
  REQUIRE(slurp(f) == "keep me");

  // An input named as output.
  const std::string cfg = dir + "/config.json";
  const std::string cfg_text = R"({"num_hidden_layers": 2, "num_attention_heads": 4, "hidden_size": 64, "vocab_size": 10})";
  std::ofstream(cfg) << cfg_text;
  REQUIRE(run_cli("estimate --model " + cfg).code == 0);
  require_refused(fmt::format("estimate --model {0} -o {0}", cfg), "is the input --model");
  require_refused(fmt::format("sweep --model llama-2-7b,{0} --ctx 1k,2k --chart {0}", cfg), "is the input --model");
  const std::string cfg_link = dir + "/cfg_link.json";
  REQUIRE(::symlink(cfg.c_str(), cfg_link.c_str()) == 0);
  require_refused(fmt::format("compare --model {} --workload a:ctx=1k --workload b:ctx=2k -o {}", cfg_link, cfg), "is the input --model");
  const std::string gpu = dir + "/gpu.json";
  std::ofstream(gpu) << R"({"name": "x", "hbm_bytes": 85899345920, "hbm_bandwidth_Bps": 3.35e12, "vector_flops": 6.7e13, "peak_flops": {"fp16": 9.9e14}})";
  require_refused(fmt::format("plan --gpu {0} --format md -o {0}", gpu), "is the input --gpu");
  const std::string run = dir + "/run.json";
  std::ofstream(run) << slurp(ATTNCOST_SOURCE_DIR "/tests/data/probe_runs/cpu-quick.json");
  require_refused(fmt::format("probe --replay {0} -o {0}", run), "is the input --replay");
  REQUIRE(slurp(run) == slurp(ATTNCOST_SOURCE_DIR "/tests/data/probe_runs/cpu-quick.json"));
  REQUIRE(slurp(cfg) == cfg_text);
}

TEST_CASE("outputs are committed together: a failed write leaves every file as it was", "[output]") {
  const std::string dir = fresh_dir("together");
  const std::string chart = dir + "/chart.svg";
  std::ofstream(chart) << "old chart";
  // /dev/full refuses every write: -o fails after the chart's temporary file was written.
  for (const std::string& args : {fmt::format("sweep --ctx 1k,2k --chart {} -o /dev/full", chart),
                                  fmt::format("simulate --rate 1,2 --requests 20 --chart {} -o /dev/full", chart)}) {
    const CliResult r = run_cli(args);
    INFO(args << "\n" << r.err);
    REQUIRE(r.code == 1);
    REQUIRE(r.err.find("-o '/dev/full': write failed") != std::string::npos);
    REQUIRE(slurp(chart) == "old chart");
    REQUIRE(entries(dir) == std::vector<std::string>{"chart.svg"});
  }
  // A memo and its charts: one chart path that cannot be written refuses the whole command first.
  const std::string memo = dir + "/memo.md";
  std::ofstream(memo) << "old memo";
  REQUIRE(::mkdir((dir + "/memo-fit.svg").c_str(), 0700) == 0);
  require_refused("plan --ctx 8k --format md -o " + memo, "memo-fit.svg': is a directory");
  REQUIRE(slurp(memo) == "old memo");
  REQUIRE(::rmdir((dir + "/memo-fit.svg").c_str()) == 0);
  REQUIRE(run_cli("plan --ctx 8k --format md -o " + memo).code == 0);
  REQUIRE(slurp(memo).find("old memo") == std::string::npos);
  REQUIRE(entries(dir).size() == 6);  // chart.svg, memo.md, memo-memory-*.svg, memo-itl-*.svg, memo-ttft-*.svg, memo-fit.svg
}

TEST_CASE("the longest legal output name works (temporary names fit NAME_MAX); a replaced file keeps its mode", "[output]") {
  const std::string dir = fresh_dir("long");
  const std::string name = std::string(250, 'n') + ".json";  // 255 bytes
  REQUIRE(run_cli("estimate --format json -o " + dir + "/" + name).code == 0);
  REQUIRE(entries(dir) == std::vector<std::string>{name});
  require_refused("estimate -o " + dir + "/" + std::string(256, 'n'), "too long");
  const std::string kept = dir + "/kept.csv";
  std::ofstream(kept) << "x";
  REQUIRE(::chmod(kept.c_str(), 0640) == 0);
  REQUIRE(run_cli("presets --format csv -o " + kept).code == 0);
  struct stat st {};
  REQUIRE(::stat(kept.c_str(), &st) == 0);
  REQUIRE((st.st_mode & 07777) == 0640);
}

TEST_CASE("SIGINT, SIGTERM or SIGHUP during a long sweep leaves no temporary file and the old output", "[output]") {
  std::string ctxs, batches;
  for (int i = 1; i <= 3000; ++i) ctxs += fmt::format("{}{}", i > 1 ? "," : "", i), batches += fmt::format("{}{}", i > 1 ? "," : "", i);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    const std::string dir = fresh_dir(fmt::format("signal{}", sig));
    const std::string out = dir + "/rows.csv";
    std::ofstream(out) << "old rows";
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::signal(sig, SIG_DFL);
      const int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1), ::dup2(devnull, 2);
      ::execl(ATTNCOST_BIN, ATTNCOST_BIN, "sweep", "--ctx", ctxs.c_str(), "--batch", batches.c_str(), "-o", out.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Wait for the temporary file to appear (rows are being written), then interrupt.
    bool started = false;
    for (int i = 0; i < 600 && !started; ++i) {
      started = entries(dir).size() == 2;
      if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(started);
    REQUIRE(::kill(pid, sig) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    INFO("signal " << sig);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == sig);
    REQUIRE(entries(dir) == std::vector<std::string>{"rows.csv"});
    REQUIRE(slurp(out) == "old rows");
  }
}
