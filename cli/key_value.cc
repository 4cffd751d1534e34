#include "cli/key_value.h"

#include <algorithm>

#include <fmt/format.h>

#include "model/error.h"

namespace attncost::cli {
namespace {

bool same_key(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i] && !((a[i] == '-' || a[i] == '_') && (b[i] == '-' || b[i] == '_'))) return false;
  return true;
}

}  // namespace

KeyValueSpec parse_key_values(const std::string& spec, const std::string& flag, const std::vector<std::string>& bare_keys) {
  KeyValueSpec out;
  const auto colon = spec.find(':');
  const auto eq = spec.find('=');
  const auto comma = spec.find(',');
  // "name:" starts the spec when the colon comes before any '=' or ',' (an attention spec such as
  // attn=window:4096 has its colon after the '=').
  const bool named = colon != std::string::npos && colon < eq && colon < comma;
  std::string rest = spec;
  if (named) {
    out.name = spec.substr(0, colon);
    if (out.name.empty()) throw InputError(fmt::format("{} '{}': the name before ':' is empty", flag, spec));
    rest = spec.substr(colon + 1);
  }
  if (rest.empty()) throw InputError(fmt::format("{} '{}': expected key=value items after the name", flag, spec));
  size_t start = 0;
  while (start <= rest.size()) {
    const size_t end = std::min(rest.find(',', start), rest.size());
    const std::string item = rest.substr(start, end - start);
    if (item.empty()) throw InputError(fmt::format("{} '{}': an empty item (two commas, or a trailing comma)", flag, spec));
    const auto e = item.find('=');
    const std::string key = item.substr(0, e);
    if (key.empty()) throw InputError(fmt::format("{} '{}': an item '{}' has no key before '='", flag, spec, item));
    std::string value;
    if (e == std::string::npos) {
      if (std::find(bare_keys.begin(), bare_keys.end(), key) == bare_keys.end())
        throw InputError(fmt::format("{} '{}': expected key=value, got '{}'", flag, spec, item));
    } else {
      value = item.substr(e + 1);
      if (value.empty()) throw InputError(fmt::format("{} '{}': key '{}' has an empty value", flag, spec, key));
    }
    // slo_ms and slo-ms are one key: two spellings of it are given twice, not two keys.
    for (const auto& [k, v] : out.items) {
      if (k == key)
        throw InputError(fmt::format("{} '{}': key '{}' is given twice ({} and {})", flag, spec, key, v.empty() ? k : v, value.empty() ? key : value));
      if (same_key(k, key))
        throw InputError(fmt::format("{} '{}': key '{}' is given twice ({}={} and {}={})", flag, spec, key, k, v, key, value));
    }
    out.items.emplace_back(key, value);
    start = end + 1;
  }
  return out;
}

}  // namespace attncost::cli
