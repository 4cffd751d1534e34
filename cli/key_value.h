// The `NAME:key=value,key=value` specs of --workload and --design, split once with every check a
// user needs: an empty name, key or value, a key given twice, and an item without '='. The
// commands interpret the keys; nothing is silently dropped or overridden.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace attncost::cli {

struct KeyValueSpec {
  std::string name;                                      // before ':' (empty when none was given)
  std::vector<std::pair<std::string, std::string>> items;  // in order, keys unique
};

// `flag` names the option in errors ("--workload"). `bare_keys` may appear without '=' (e.g. mha,
// mqa in a design). A spec without ':' before its first '=' has no name.
KeyValueSpec parse_key_values(const std::string& spec, const std::string& flag, const std::vector<std::string>& bare_keys = {});

}  // namespace attncost::cli
