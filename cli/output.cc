#include "cli/output.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "model/error.h"

namespace attncost::cli {
namespace {

namespace fs = std::filesystem;

fs::path directory_of(const std::string& path) {
  const fs::path target(path);
  return target.has_parent_path() ? target.parent_path() : fs::path(".");
}

}  // namespace

thread_local std::string* stdout_sink = nullptr;

void check_writable(const std::string& path, const std::string& flag) {
  if (path.empty() || path == "-") return;
  std::error_code ec;
  if (path.back() == '/' || fs::is_directory(path, ec))
    throw InputError(fmt::format("{} '{}': is a directory; give a file name", flag, path));
  const fs::path dir = directory_of(path);
  if (!fs::is_directory(dir, ec)) throw InputError(fmt::format("{} '{}': directory '{}' does not exist", flag, path, dir.string()));
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw InputError(fmt::format("{} '{}': directory '{}' is not writable", flag, path, dir.string()));
  if (fs::exists(path, ec) && ::access(path.c_str(), W_OK) != 0)
    throw InputError(fmt::format("{} '{}': the file exists and is not writable", flag, path));
}

void write_output(const std::string& path, const std::string& text) {
  OutputStream out(path);
  out.write(text);
  out.commit();
}

OutputStream::OutputStream(const std::string& path) : path_(path) {
  if (path.empty() || path == "-") {
    to_stdout_ = true;
    return;
  }
  check_writable(path);
  const fs::path target(path);
  tmp_ = (directory_of(path) / fmt::format(".{}.tmp{}", target.filename().string(), static_cast<long>(::getpid()))).string();
  file_ = std::fopen(tmp_.c_str(), "wb");
  if (!file_) throw InputError(fmt::format("-o '{}': cannot create the file ({})", path, std::strerror(errno)));
}

OutputStream::~OutputStream() {
  if (file_) {
    std::fclose(file_);
    std::remove(tmp_.c_str());
  }
}

void OutputStream::write(const std::string& chunk) {
  if (to_stdout_ && stdout_sink) {  // captured (stdout_sink)
    stdout_sink->append(chunk);
    return;
  }
  std::FILE* out = to_stdout_ ? stdout : file_;
  if (std::fwrite(chunk.data(), 1, chunk.size(), out) != chunk.size())
    throw RuntimeError(fmt::format("-o '{}': write failed ({})", to_stdout_ ? "-" : path_, std::strerror(errno)));
}

void OutputStream::commit() {
  if (to_stdout_) {
    if (stdout_sink) return;  // captured (stdout_sink): nothing to flush
    if (std::fflush(stdout) != 0) throw RuntimeError(fmt::format("writing to stdout failed ({})", std::strerror(errno)));
    return;
  }
  const bool ok = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok || std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    std::remove(tmp_.c_str());
    throw RuntimeError(fmt::format("-o '{}': cannot write the file ({})", path_, std::strerror(errno)));
  }
}

}  // namespace attncost::cli
