#include "cli/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <utility>

#include <fmt/format.h>

#include "cli/temp_files.h"
#include "model/error.h"

namespace attncost::cli {

thread_local std::string* stdout_sink = nullptr;

namespace {

namespace fs = std::filesystem;

// Paths whose files are the process's own descriptors (/dev/stdout follows the shell's `>` or
// `>>`): renaming onto what they resolve to would destroy the shell's file, so they are written
// through.
bool is_magic(const fs::path& absolute) {
  const std::string s = absolute.lexically_normal().string();
  for (const char* prefix : {"/proc/", "/dev/fd/", "/dev/stdout", "/dev/stderr", "/dev/stdin"})
    if (s.rfind(prefix, 0) == 0) return true;
  return false;
}

struct Resolved {
  fs::path final_path;  // the path after every symbolic link (absolute)
  bool magic = false;   // some link on the way goes through /proc or /dev/fd
  bool exists = false;
  struct stat st {};
};

// Follows the symbolic links of `path` by hand (a dangling link names the file it would create;
// a link into /proc is seen for what it is), at most 40 of them, as the kernel does.
Resolved resolve(const std::string& flag, const std::string& path) {
  Resolved r;
  std::error_code ec;
  fs::path p = fs::absolute(path, ec).lexically_normal();
  if (ec) throw InputError(fmt::format("{} '{}': {}", flag, path, ec.message()));
  for (int hops = 0;; ++hops) {
    r.magic = r.magic || is_magic(p);
    struct stat lst {};
    if (::lstat(p.c_str(), &lst) != 0) {
      if (errno == ENOENT) break;  // a new file
      if (errno == ENAMETOOLONG) throw InputError(fmt::format("{} '{}': the name is too long", flag, path));
      throw InputError(fmt::format("{} '{}': {}", flag, path, std::strerror(errno)));
    }
    if (!S_ISLNK(lst.st_mode)) break;
    if (hops == 40) throw InputError(fmt::format("{} '{}': too many levels of symbolic links", flag, path));
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) throw InputError(fmt::format("{} '{}': {}", flag, path, ec.message()));
    if (r.magic) break;  // /proc/self/fd/1 reads "pipe:[…]": stat() below follows it for real
    p = (target.is_absolute() ? target : p.parent_path() / target).lexically_normal();
  }
  r.final_path = p;
  r.exists = ::stat(r.magic ? path.c_str() : p.c_str(), &r.st) == 0;
  return r;
}

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

std::string quoted(const Outputs::Target& t) { return fmt::format("{} '{}'", t.flag, t.path); }

void write_all(int fd, std::string_view text, const Outputs::Target& t) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw RuntimeError(fmt::format("{}: write failed ({})", quoted(t), std::strerror(n < 0 ? errno : EIO)));
    text.remove_prefix(static_cast<size_t>(n));
  }
}

void write_stdout(std::string_view text) {
  if (stdout_sink) {  // captured (the in-process runner: cli/run_in_process.h)
    stdout_sink->append(text);
    return;
  }
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
    throw RuntimeError(fmt::format("writing to stdout failed ({})", std::strerror(errno)));
}

// The temporary name beside `final`: hidden, the target's name cut so the whole fits NAME_MAX.
std::string temp_name(const fs::path& final) {
  static int counter = 0;
  std::string base = final.filename().string();
  if (base.size() > 200) base.resize(200);
  return (final.parent_path() / fmt::format(".{}.tmp{}-{}", base, static_cast<long>(::getpid()), counter++)).string();
}

}  // namespace

Outputs::Outputs(const Flags& f) {
  inputs_ = input_files(f);
  add("-o", f.output);
  if (!f.chart.empty()) add("--chart", f.chart);
}

Outputs::~Outputs() {
  for (Target& t : targets_) {
    if (t.fd >= 0) ::close(t.fd);
    if (!t.tmp.empty()) {  // not renamed into place: the target is untouched
      ::unlink(t.tmp.c_str());
      unregister_temp_file(t.tmp);
    }
  }
}

void Outputs::add(const std::string& flag, const std::string& path) {
  Target t;
  t.flag = flag, t.path = path;
  struct stat id {};
  bool has_id = false;
  std::string key;  // the absolute path, for new files (no inode yet)
  if (path.empty() || path == "-") {
    if (flag != "-o") throw InputError(fmt::format("{} '{}': '-' means stdout for -o only; give a file name (./- for a file named '-')", flag, path));
    t.kind = Kind::stdout_;
    has_id = ::fstat(1, &id) == 0;
  } else {
    if (path.back() == '/') throw InputError(fmt::format("{} '{}': is a directory; give a file name", flag, path));
    const Resolved r = resolve(flag, path);
    if (r.exists) {
      id = r.st, has_id = true;
      const mode_t m = r.st.st_mode;
      if (S_ISDIR(m)) throw InputError(fmt::format("{} '{}': is a directory; give a file name", flag, path));
      if (S_ISBLK(m)) throw InputError(fmt::format("{} '{}': is a block device; attncost does not write disks", flag, path));
      if (S_ISSOCK(m)) throw InputError(fmt::format("{} '{}': is a socket; give a file, a FIFO or a device", flag, path));
      t.kind = S_ISREG(m) && !r.magic ? Kind::replace : Kind::through;
      if (t.kind == Kind::through && !S_ISREG(m) && !S_ISCHR(m) && !S_ISFIFO(m))
        throw InputError(fmt::format("{} '{}': not a file, a FIFO or a character device", flag, path));
      if (::access(r.magic ? path.c_str() : r.final_path.c_str(), W_OK) != 0)
        throw InputError(fmt::format("{} '{}': the file exists and is not writable", flag, path));
    } else if (r.magic) {
      throw InputError(fmt::format("{} '{}': {}", flag, path, std::strerror(ENOENT)));
    }
    if (t.kind == Kind::replace) {
      t.final_path = r.final_path.string();
      const fs::path dir = r.final_path.parent_path();
      std::error_code ec;
      if (!fs::is_directory(dir, ec)) throw InputError(fmt::format("{} '{}': directory '{}' does not exist", flag, path, dir.string()));
      if (::access(dir.c_str(), W_OK | X_OK) != 0)
        throw InputError(fmt::format("{} '{}': directory '{}' is not writable", flag, path, dir.string()));
      if (r.final_path.filename().string().size() > NAME_MAX)
        throw InputError(fmt::format("{} '{}': the file name is longer than {} bytes", flag, path, NAME_MAX));
      key = t.final_path;
    }
  }
  // Two outputs on one file, or an output on an input: refused before any work. A character
  // device may take two outputs (-o /dev/null --chart /dev/null).
  for (const Target& other : targets_) {
    struct stat oid {};
    const bool other_id = other.kind == Kind::stdout_ ? ::fstat(1, &oid) == 0 : ::stat(other.kind == Kind::replace ? other.final_path.c_str() : other.path.c_str(), &oid) == 0;
    const bool same = (has_id && other_id && same_file(id, oid) && !S_ISCHR(id.st_mode)) || (!key.empty() && key == other.final_path);
    if (same) throw InputError(fmt::format("{} and {}: both name the same file; give each output its own", quoted(other), quoted(t)));
  }
  if (has_id)
    for (const auto& [in_flag, in_path] : inputs_) {
      struct stat iid {};
      if (::stat(in_path.c_str(), &iid) == 0 && S_ISREG(iid.st_mode) && same_file(id, iid))
        throw InputError(fmt::format("{}: is the input {} '{}'; writing it would destroy the input", quoted(t), in_flag, in_path));
    }
  targets_.push_back(std::move(t));
}

Outputs::Target& Outputs::find(const std::string& path) {
  for (Target& t : targets_)
    if (t.path == path) return t;
  throw std::logic_error("output '" + path + "' was not declared before the work");
}

bool Outputs::output_is_stream() const { return targets_.front().kind != Kind::replace; }

void Outputs::set(const std::string& path, std::string text) {
  Target& t = find(path);
  t.text = std::move(text);
  t.has_text = true;
}

void Outputs::open(Target& t) {
  if (t.fd >= 0 || !t.tmp.empty() || t.kind == Kind::stdout_) return;
  if (t.kind == Kind::through) {
    // A regular file behind /dev/stdout was opened by the shell (`>` emptied it, `>>` appends):
    // append, never truncate. A FIFO waits here for its reader, as `cat > fifo` does.
    struct stat st {};
    const int append = ::stat(t.path.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? O_APPEND : 0;
    t.fd = ::open(t.path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | append);
    if (t.fd < 0) throw RuntimeError(fmt::format("{}: cannot open ({})", quoted(t), std::strerror(errno)));
    return;
  }
  const std::string tmp = temp_name(t.final_path);
  if (!register_temp_file(tmp)) throw RuntimeError(fmt::format("{}: too many temporary files", quoted(t)));
  t.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (t.fd < 0) {
    const int err = errno;
    unregister_temp_file(tmp);
    throw RuntimeError(fmt::format("{}: cannot create the file ({})", quoted(t), std::strerror(err)));
  }
  t.tmp = tmp;
  struct stat old {};
  if (::stat(t.final_path.c_str(), &old) == 0) (void)::fchmod(t.fd, old.st_mode & 07777);  // a replaced file keeps its mode
}

void Outputs::stream(std::string_view chunk) {
  Target& t = targets_.front();
  if (t.kind == Kind::stdout_) return write_stdout(chunk);
  open(t);
  write_all(t.fd, chunk, t);
}

void Outputs::commit() {
  // 1. Every regular file's text into its temporary file, and each closed: nothing renamed yet.
  for (Target& t : targets_) {
    if (t.kind != Kind::replace) continue;
    open(t);
    if (t.has_text) write_all(t.fd, t.text, t);
    const int fd = std::exchange(t.fd, -1);
    if (::close(fd) != 0) throw RuntimeError(fmt::format("{}: cannot write the file ({})", quoted(t), std::strerror(errno)));
  }
  // 2. Streams (stdout, devices, FIFOs) cannot be taken back: written once the files are ready.
  for (Target& t : targets_) {
    if (t.kind == Kind::replace || !t.has_text) continue;
    if (t.kind == Kind::stdout_) {
      write_stdout(t.text);
    } else {
      open(t);
      write_all(t.fd, t.text, t);
    }
  }
  for (Target& t : targets_)
    if (t.kind == Kind::stdout_ && !stdout_sink && std::fflush(stdout) != 0) throw RuntimeError(fmt::format("writing to stdout failed ({})", std::strerror(errno)));
  // 3. The renames.
  for (Target& t : targets_) {
    if (t.kind != Kind::replace) continue;
    if (std::rename(t.tmp.c_str(), t.final_path.c_str()) != 0)
      throw RuntimeError(fmt::format("{}: cannot write the file ({})", quoted(t), std::strerror(errno)));
    unregister_temp_file(t.tmp);
    t.tmp.clear();
    t.committed = true;
  }
}

std::vector<std::pair<std::string, std::string>> input_files(const Flags& f) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add_parts = [&](const std::string& flag, const std::string& value) {
    if (value.empty()) return;
    std::vector<std::string> parts{value};
    std::string part;
    for (char c : value + ",") {
      if (c == ',' || c == ':' || c == '=') {
        if (!part.empty()) parts.push_back(part);
        part.clear();
      } else {
        part += c;
      }
    }
    for (const std::string& p : parts) {
      struct stat st {};
      if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode)) out.emplace_back(flag, p);
    }
  };
  add_parts("--model", f.model);
  add_parts("--gpu", f.gpu);
  add_parts("--fleet-gpus", f.fleet_gpus);
  add_parts("--spec", f.spec);
  add_parts("--replay", f.replay);
  add_parts("--trace", f.trace);
  return out;
}

}  // namespace attncost::cli
