// The one error type of attncost's input boundary: a message naming the input and what is
// wrong with it. The CLI prints it as one line and exits 2 (usage) or 1 (runtime).
#pragma once
#include <stdexcept>
#include <string>

namespace attncost {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// Failures that are not the user's input (a file that cannot be written, a probe that fails).
class RuntimeError : public std::runtime_error {
 public:
  explicit RuntimeError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace attncost
