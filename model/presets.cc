#include "model/presets.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "model/error.h"
#include "model/json_input.h"

namespace attncost {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

bool looks_like_path(std::string_view s) {
  // The error_code overload: a name the OS refuses (too long, say) is simply not a file here,
  // where the throwing one would end in "internal error" (found by fuzz_specs on --spec's draft).
  std::error_code ec;
  return s.find('/') != std::string_view::npos || (s.size() > 5 && s.substr(s.size() - 5) == ".json") ||
         std::filesystem::exists(std::filesystem::path(std::string(s)), ec);
}

std::vector<std::string> names_of(const std::vector<EmbeddedFile>& files) {
  std::vector<std::string> names;
  for (const auto& f : files) names.emplace_back(f.name);
  return names;
}

const EmbeddedFile* find_preset(const std::vector<EmbeddedFile>& files, std::string_view name) {
  const std::string wanted = lower(name);
  for (const auto& f : files)
    if (wanted == f.name) return &f;
  return nullptr;
}

[[noreturn]] void unknown(std::string_view kind, std::string_view flag, std::string_view name,
                          const std::vector<std::string>& names) {
  throw InputError(fmt::format("{} '{}': unknown {} preset; did you mean {}? (`attncost presets` lists them all)",
                               flag, name, kind, fmt::join(closest_names(name, names), ", ")));
}

}  // namespace

std::vector<std::string> model_preset_names() { return names_of(presets_data::models()); }
std::vector<std::string> gpu_preset_names() { return names_of(presets_data::gpus()); }

std::vector<std::string> closest_names(std::string_view wanted, const std::vector<std::string>& names, size_t count) {
  const std::string w = lower(wanted);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& n : names) {
    // A name that contains what was typed (h100 → h100-sxm) beats any edit-distance neighbour.
    const bool contains = n.find(w) != std::string::npos || w.find(n) != std::string::npos;
    const size_t d = contains ? 0 : edit_distance(w, n);
    scored.emplace_back(d, n);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < count; ++i) out.push_back(scored[i].second);
  return out;
}

ModelConfig load_model(std::string_view name_or_path) {
  if (const EmbeddedFile* f = find_preset(presets_data::models(), name_or_path)) {
    ModelConfig m = model_from_json(parse_user_json(f->text, fmt::format("preset '{}'", f->name)), fmt::format("preset '{}'", f->name));
    m.name = f->name;
    m.origin = f->name;
    return m;
  }
  if (!looks_like_path(name_or_path)) unknown("model", "--model", name_or_path, model_preset_names());
  ModelConfig m = model_from_json(read_user_json(std::string(name_or_path), "--model"), fmt::format("--model '{}'", name_or_path));
  if (m.source.rfind("--model", 0) == 0) m.source = std::string(name_or_path);
  m.origin = std::string(name_or_path);
  return m;
}

GpuSpec load_gpu(std::string_view name_or_path) {
  GpuSpec g;
  if (const EmbeddedFile* f = find_preset(presets_data::gpus(), name_or_path)) {
    g = gpu_from_json(nlohmann::json::parse(f->text), fmt::format("preset '{}'", f->name));
    g.origin = f->name;
    return g;
  }
  if (!looks_like_path(name_or_path)) unknown("GPU", "--gpu", name_or_path, gpu_preset_names());
  g = gpu_from_json(read_user_json(std::string(name_or_path), "--gpu"), fmt::format("--gpu '{}'", name_or_path));
  g.origin = std::string(name_or_path);
  return g;
}

}  // namespace attncost
