// Reading JSON that a user hands us (config.json, GPU profiles, recorded probe runs) safely:
// only regular files, at most 16 MiB, read with that cap (so /dev/zero or a FIFO cannot hang us);
// Hugging Face's non-standard literals Infinity, -Infinity and NaN accepted (as strings that no
// numeric field takes); a number too large for a double reported with the field that holds it.
// Every failure is an InputError naming the file and, where known, the field.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace attncost {

inline constexpr size_t kMaxInputFileBytes = size_t{16} << 20;
// Deeper nesting is refused while reading (a real config nests about 5 levels): printing or
// destroying a value nested tens of thousands deep recurses past the stack.
inline constexpr int kMaxJsonDepth = 64;

// The text of a regular file of at most kMaxInputFileBytes. `flag` names the input ("--model").
std::string read_user_file(const std::string& path, std::string_view flag);
// Parses `text`; `what` names the input in errors ("--model 'cfg.json'").
nlohmann::json parse_user_json(std::string_view text, std::string_view what);
// Both.
nlohmann::json read_user_json(const std::string& path, std::string_view flag);

// A value as an error message shows it: a short scalar as written (cut at 40 characters), a list
// or an object by its kind and size, never the whole of it.
std::string json_brief(const nlohmann::json& v);

}  // namespace attncost
