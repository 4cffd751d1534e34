// Progress on stderr for work that takes more than about a second (sweeps, plans, probes): units
// done, rate and time left, redrawn at most ten times a second, and only when stderr is a
// terminal (a log or a pipe gets nothing).
#pragma once
#include <chrono>
#include <string>

namespace attncost::cli {

class Progress {
 public:
  Progress(std::string what, std::string unit, double total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void update(double done);

 private:
  using Clock = std::chrono::steady_clock;
  std::string what_, unit_;
  double total_;
  bool terminal_;
  bool shown_ = false;
  Clock::time_point start_, last_;
};

}  // namespace attncost::cli
