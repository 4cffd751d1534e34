#include "cuda_probe/watchdog.h"

namespace attncost::probe {

Watchdog::Watchdog(OnHang on_hang) : on_hang_(std::move(on_hang)), thread_([this] { watch(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Watchdog::start(const std::string& step, double limit_s) {
  {
    std::lock_guard lock(mu_);
    step_ = step;
    armed_ = true;
    started_ = std::chrono::steady_clock::now();
    deadline_ = started_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(limit_s));
  }
  cv_.notify_all();
}

void Watchdog::stop() {
  {
    std::lock_guard lock(mu_);
    armed_ = false;
  }
  cv_.notify_all();
}

void Watchdog::watch() {
  std::unique_lock lock(mu_);
  while (!quit_) {
    if (!armed_) {
      cv_.wait(lock);
      continue;
    }
    const auto deadline = deadline_;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && armed_ && deadline_ == deadline && !quit_) {
      armed_ = false;  // report once
      const std::string step = step_;
      const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      lock.unlock();
      on_hang_(step, waited);
      lock.lock();
    }
  }
}

}  // namespace attncost::probe
