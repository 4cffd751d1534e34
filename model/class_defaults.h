// The defaults of the transformers configuration classes, by model_type, as data
// (model/presets/classes/*.json, compiled in like the presets): where a config.json leaves a field
// out, transformers — and the engines, which load configs through it — take the class's value
// (SmolLM3 and LFM2 tie their embeddings; Gemma-3's text_config names no heads). Each entry names
// the transformers source file it comes from.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace attncost {

struct ClassDefaults {
  std::vector<std::string> model_types;
  std::string class_name;  // the transformers configuration class
  std::string source;      // the file (and commit) the values were read from
  nlohmann::json defaults; // field → value, in config.json spelling
};

// Every entry of the table, in file order. Throws std::logic_error when the compiled-in table is
// malformed (a build defect, caught by the tests).
const std::vector<ClassDefaults>& class_defaults_table();

// The entry for `model_type`, or nullptr when the family has none.
const ClassDefaults* class_defaults(std::string_view model_type);

}  // namespace attncost
