#include "model/class_defaults.h"

#include <stdexcept>

#include <fmt/format.h>

#include "model/presets.h"

namespace attncost {

namespace {

ClassDefaults entry_from(const EmbeddedFile& file) {
  const nlohmann::json j = nlohmann::json::parse(file.text);
  auto bad = [&](const char* why) { return std::logic_error(fmt::format("class defaults '{}': {}", file.name, why)); };
  if (!j.is_object()) throw bad("not a JSON object");
  ClassDefaults c;
  const auto types = j.find("model_types");
  if (types == j.end() || !types->is_array() || types->empty()) throw bad("'model_types' must be a non-empty list");
  for (const auto& t : *types) {
    if (!t.is_string()) throw bad("'model_types' must hold strings");
    c.model_types.push_back(t.get<std::string>());
  }
  if (!j.contains("class") || !j["class"].is_string() || !j.contains("source") || !j["source"].is_string()) throw bad("'class' and 'source' must be strings");
  c.class_name = j["class"].get<std::string>();
  c.source = j["source"].get<std::string>();
  if (!j.contains("defaults") || !j["defaults"].is_object()) throw bad("'defaults' must be an object");
  c.defaults = j["defaults"];
  return c;
}

}  // namespace

const std::vector<ClassDefaults>& class_defaults_table() {
  static const std::vector<ClassDefaults> table = [] {
    std::vector<ClassDefaults> out;
    for (const EmbeddedFile& f : presets_data::classes()) out.push_back(entry_from(f));
    return out;
  }();
  return table;
}

const ClassDefaults* class_defaults(std::string_view model_type) {
  for (const ClassDefaults& c : class_defaults_table())
    for (const std::string& t : c.model_types)
      if (t == model_type) return &c;
  return nullptr;
}

}  // namespace attncost
