#include "model/json_input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"

namespace attncost {
namespace {

// One pass over the text outside strings: bare Infinity/-Infinity/NaN become quoted strings
// (nlohmann rejects them; Hugging Face writes them, e.g. Nemotron-H's time_step_limit), and a
// number that overflows a double is reported with the last key seen before it.
std::string sanitize(std::string_view text, std::string_view what) {
  std::string out;
  out.reserve(text.size() + 16);
  std::string last_key, string_text;
  bool in_string = false, escaped = false;
  int depth = 0;
  std::vector<std::set<std::string>> keys;  // of each open object
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
        // A string followed by ':' is a key.
        size_t j = i + 1;
        while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
        if (j < text.size() && text[j] == ':') {
          last_key = string_text;
          // A key twice in one object: nlohmann keeps the last silently; which one the author
          // meant is not ours to guess. (Escapes are compared as written.)
          if (!keys.empty() && !keys.back().insert(last_key).second)
            throw InputError(fmt::format("{}: field '{}' is given twice in one object", what, last_key.size() > 60 ? last_key.substr(0, 57) + "…" : last_key));
        }
      } else {
        string_text += c;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      string_text.clear();
      out += c;
      continue;
    }
    if (c == '{') keys.emplace_back();
    if (c == '}' && !keys.empty()) keys.pop_back();
    if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth)
        throw InputError(last_key.empty() ? fmt::format("{}: lists or objects nested more than {} deep", what, kMaxJsonDepth)
                                          : fmt::format("{}: field '{}' nests lists or objects more than {} deep", what, last_key, kMaxJsonDepth));
    } else if (c == ']' || c == '}') {
      --depth;
    }
    for (std::string_view literal : {std::string_view("-Infinity"), std::string_view("Infinity"), std::string_view("NaN")}) {
      if (text.substr(i, literal.size()) == literal) {
        out += '"';
        out += literal;
        out += '"';
        i += literal.size() - 1;
        goto next;
      }
    }
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      size_t j = i;
      while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || std::strchr("+-.eE", text[j]))) ++j;
      const std::string number(text.substr(i, j - i));
      errno = 0;
      const double v = std::strtod(number.c_str(), nullptr);
      if (errno == ERANGE && std::isinf(v)) {
        const std::string shown = number.size() > 40 ? number.substr(0, 37) + "…" : number;  // one short line, never the whole value
        throw InputError(last_key.empty() ? fmt::format("{}: number {} is out of range", what, shown)
                                          : fmt::format("{}: field '{}' = {} is out of range", what, last_key, shown));
      }
      out += number;
      i = j - 1;
      continue;
    }
    out += c;
  next:;
  }
  return out;
}

}  // namespace

std::string read_user_file(const std::string& path, std::string_view flag) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw InputError(fmt::format("{} '{}': cannot read the file ({})", flag, path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(fmt::format("{} '{}': not a regular file (a config or profile must be a JSON file)", flag, path));
  }
  if (static_cast<size_t>(st.st_size) > kMaxInputFileBytes) {
    ::close(fd);
    throw InputError(fmt::format("{} '{}': {} bytes is more than the {} MiB a JSON input may have", flag, path, st.st_size, kMaxInputFileBytes >> 20));
  }
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int err = errno;
      ::close(fd);
      throw InputError(fmt::format("{} '{}': cannot read the file ({})", flag, path, std::strerror(err)));
    }
    if (got == 0) break;
    text.append(buffer, static_cast<size_t>(got));
    if (text.size() > kMaxInputFileBytes) {  // a file that grew while we read it
      ::close(fd);
      throw InputError(fmt::format("{} '{}': more than the {} MiB a JSON input may have", flag, path, kMaxInputFileBytes >> 20));
    }
  }
  ::close(fd);
  return text;
}

nlohmann::json parse_user_json(std::string_view text, std::string_view what) {
  const std::string clean = sanitize(text, what);
  try {
    return nlohmann::json::parse(clean);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(fmt::format("{}: malformed JSON at byte {}", what, e.byte));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: malformed JSON ({})", what, e.what()));
  }
}

std::string json_brief(const nlohmann::json& v) {
  if (v.is_array()) return v.empty() ? "an empty list" : fmt::format("a list of {} item{}", v.size(), v.size() == 1 ? "" : "s");
  if (v.is_object()) return v.empty() ? "an empty object" : fmt::format("an object of {} key{}", v.size(), v.size() == 1 ? "" : "s");
  std::string text = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 40) {
    size_t cut = 37;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
    text = text.substr(0, cut) + "…";
  }
  return text;
}

nlohmann::json read_user_json(const std::string& path, std::string_view flag) {
  return parse_user_json(read_user_file(path, flag), fmt::format("{} '{}'", flag, path));
}

}  // namespace attncost
