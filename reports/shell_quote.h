// Words of a command line that a memo or a probe record shows, quoted as a POSIX shell reads them
// back: bare when plain, else single-quoted ('\'' for a quote), so a pasted command runs as
// written: a path with a space stays one word, one with ';' or '$(…)' runs nothing.
#pragma once
#include <string>

namespace attncost {

inline std::string shell_quoted(const std::string& word) {
  const bool plain = !word.empty() && word.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,+-@%") == std::string::npos;
  if (plain) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Removes `option` (" -o ") and the shell word after it from `command`, quotes included.
inline void erase_option(std::string& command, const std::string& option) {
  const size_t at = command.find(option);
  if (at == std::string::npos) return;
  size_t end = at + option.size();
  while (end < command.size() && command[end] != ' ') {
    if (command[end] == '\'') {
      const size_t close = command.find('\'', end + 1);
      end = close == std::string::npos ? command.size() : close + 1;
    } else {
      ++end;
    }
  }
  command.erase(at, end - at);
}

}  // namespace attncost
