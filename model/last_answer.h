// The last answer of a pure lookup, kept per thread. An estimate asks the same questions (this
// GPU's kernel model, this engine's overhead rule, this design's error bands) once per call, and a
// sweep or a plan makes thousands of calls with the same inputs: the answer is computed once per
// change of inputs instead of once per call.
#pragma once
#include <optional>
#include <utility>

namespace attncost {

template <typename Key, typename Value>
class LastAnswer {
 public:
  // The kept value when `key` equals the last key asked, else compute()'s, kept for next time.
  // A compute() that throws keeps nothing (the previous answer stays).
  template <typename Compute>
  const Value& get(const Key& key, Compute&& compute) {
    if (!last_ || !(last_->first == key)) last_.emplace(key, compute());
    return last_->second;
  }

 private:
  std::optional<std::pair<Key, Value>> last_;
};

}  // namespace attncost
