// Temporary output files that a signal must not leave behind: a fixed table the handlers of
// SIGINT, SIGTERM, SIGHUP and SIGPIPE read (unlink is async-signal-safe; nothing here allocates
// in the handler). The handler removes every registered file, then dies of the same signal, as
// an unhandled one would. A signal the caller ignores (nohup) or already handles is left alone.
#pragma once
#include <string>

namespace attncost::cli {

// Registers `path` before the file is created; false when the table (32 files) is full or the
// path longer than PATH_MAX, and then the caller must not create it.
bool register_temp_file(const std::string& path);
// Forgets `path` (after it was renamed into place or removed).
void unregister_temp_file(const std::string& path);

}  // namespace attncost::cli
