// Reading the fields of one JSON object of a Hugging Face config.json while remembering which
// keys were read, so that a key neither read nor known to leave every cost unchanged becomes a
// one-line warning (silence means "understood"). A family's transformers-class defaults
// (model/class_defaults.h) answer for keys the object leaves out.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace attncost {

// A per-layer list must have one entry per layer; a list longer than this is refused before any
// O(layers) work (configs have a few hundred layers at most).
inline constexpr size_t kMaxLayerList = 16384;

// Keys that change no cost attncost computes (token ids, initialisation, dropout, norms' epsilon,
// position-encoding parameters, activation names of gated MLPs, router losses, generation
// defaults that old transformers versions serialise into every config, ...).
const std::set<std::string>& cost_neutral_keys();

class Fields {
 public:
  // `defaults`: the family's class defaults (a JSON object), consulted for keys `j` lacks.
  Fields(const nlohmann::json& j, std::string what, const nlohmann::json* defaults = nullptr);

  // The first of `keys` present and not null (in the object, else in the class defaults); every
  // alias present in the object counts as read.
  // Aliases that are present and disagree are refused (InputError).
  const nlohmann::json* find(std::initializer_list<const char*> keys);
  // The object's own value of `key` (null when absent), not marked read.
  const nlohmann::json* peek(const char* key) const;
  bool has(const char* key) { return find({key}) != nullptr; }
  // Whether the object itself (not its class defaults) holds the key.
  bool given(const char* key) const { return j_.contains(key) && !j_[key].is_null(); }

  int64_t integer(std::initializer_list<const char*> keys, int64_t fallback, bool required = false);
  int64_t as_integer(const nlohmann::json& v, const std::string& key) const;
  double number(const char* key, double fallback);
  bool boolean(const char* key, bool fallback);
  std::string text(std::initializer_list<const char*> keys, const std::string& fallback);
  const nlohmann::json* list(const char* key);
  const nlohmann::json* object(const char* key);

  // Keys that neither were read nor are known to leave costs unchanged.
  std::vector<std::string> unread() const;

  const std::string& what() const { return what_; }
  const nlohmann::json& raw() const { return j_; }

 private:
  // The name of the alias among `keys` whose value `v` is (errors name the field the user wrote).
  std::string key_of(const nlohmann::json* v, std::initializer_list<const char*> keys) const;
  const nlohmann::json& j_;
  std::string what_;
  const nlohmann::json* defaults_;
  std::set<std::string> read_;
};

// Refuses a per-layer list whose length is not the layer count (or is absurdly long).
void check_layer_list(size_t size, int64_t layers, const char* key, const std::string& what);

}  // namespace attncost
