// A kernel that never returns cannot be preempted from inside the process (CUDA has no per-kernel
// cancel, and a spinning CPU thread cannot be killed safely), but it must not hang a CI job
// either. The watchdog times one step of the probe at a time from a second thread and, when a
// step outlives its limit, calls on_hang from that thread; the probe command reports the step and
// ends the process there (exit 1).
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace attncost::probe {

class Watchdog {
 public:
  using OnHang = std::function<void(const std::string& step, double waited_s)>;
  explicit Watchdog(OnHang on_hang);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void start(const std::string& step, double limit_s);  // watches `step` until stop()
  void stop();

 private:
  void watch();
  OnHang on_hang_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string step_;
  bool armed_ = false, quit_ = false;
  std::chrono::steady_clock::time_point started_, deadline_;
  std::thread thread_;
};

}  // namespace attncost::probe
