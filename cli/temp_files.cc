#include "cli/temp_files.h"

#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace attncost::cli {
namespace {

constexpr int kSlots = 32;
struct Slot {
  std::atomic<int> live{0};  // 1 while `path` names a file that may exist
  char path[PATH_MAX];
};
Slot g_slots[kSlots];
std::mutex g_mutex;  // registration only; the handler reads `live` alone
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

extern "C" void remove_temps_and_die(int sig) {
  for (Slot& s : g_slots)
    if (s.live.load() == 1) ::unlink(s.path);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  ::raise(sig);  // delivered when the handler returns: the exit status says which signal
}

void install_handlers_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : kSignals) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) != 0) continue;
      const bool plain = !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL;
      if (!plain) continue;  // ignored (nohup) or handled by someone else (a fuzzer): theirs
      struct sigaction act {};
      act.sa_handler = remove_temps_and_die;
      ::sigemptyset(&act.sa_mask);
      for (int other : kSignals) ::sigaddset(&act.sa_mask, other);
      ::sigaction(sig, &act, nullptr);
    }
  });
}

}  // namespace

bool register_temp_file(const std::string& path) {
  if (path.size() >= PATH_MAX) return false;
  install_handlers_once();
  const std::lock_guard<std::mutex> lock(g_mutex);
  for (Slot& s : g_slots) {
    if (s.live.load() != 0) continue;
    std::memcpy(s.path, path.c_str(), path.size() + 1);
    s.live.store(1);  // after the path is in place: the handler never reads half a name
    return true;
  }
  return false;
}

void unregister_temp_file(const std::string& path) {
  const std::lock_guard<std::mutex> lock(g_mutex);
  for (Slot& s : g_slots)
    if (s.live.load() == 1 && path == s.path) {
      s.live.store(0);
      return;
    }
}

}  // namespace attncost::cli
