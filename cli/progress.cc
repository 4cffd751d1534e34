#include "cli/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace attncost::cli {
namespace {

std::string duration(double s) {
  if (s < 60) return fmt::format("{:.0f}s", s);
  if (s < 3600) return fmt::format("{:.0f}m{:02.0f}s", std::floor(s / 60), std::fmod(s, 60));
  return fmt::format("{:.0f}h{:02.0f}m", std::floor(s / 3600), std::fmod(s / 60, 60));
}

std::string count(double v) {
  if (v >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

}  // namespace

Progress::Progress(std::string what, std::string unit, double total)
    : what_(std::move(what)), unit_(std::move(unit)), total_(total), terminal_(::isatty(2) == 1), start_(Clock::now()), last_(start_) {}

Progress::~Progress() {
  if (shown_) std::fputs("\r\033[K", stderr);
}

void Progress::update(double done) {
  if (!terminal_) return;
  const auto now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed < 1.0 || std::chrono::duration<double>(now - last_).count() < 0.1) return;
  last_ = now;
  shown_ = true;
  const double rate = done / elapsed;
  const double left = rate > 0 ? (total_ - done) / rate : 0;
  std::fprintf(stderr, "\r\033[K%s: %s / %s %s, %s %s/s, %s left", what_.c_str(), count(done).c_str(), count(total_).c_str(), unit_.c_str(),
               count(rate).c_str(), unit_.c_str(), duration(left).c_str());
  std::fflush(stderr);
}

}  // namespace attncost::cli
