// The published-measurement tables (tests/data/published/*.csv) as rows of named fields: RFC 4180
// parsing shared by the tests that predict them.
#pragma once
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace attncost::published {

using Row = std::map<std::string, std::string>;

// RFC 4180 fields: commas inside quotes, doubled quotes.
inline std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::vector<std::vector<std::string>> out(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.back().push_back(field), field.clear();
    } else if (c == '\n') {
      out.back().push_back(field), field.clear();
      out.emplace_back();
    } else if (c != '\r') {
      field += c;
    }
  }
  if (!field.empty() || !out.back().empty()) out.back().push_back(field);
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

inline std::vector<Row> rows_of(const std::string& path) {
  const auto table = read_csv(path);
  std::vector<Row> rows;
  for (size_t r = 1; r < table.size(); ++r) {
    Row row;
    for (size_t c = 0; c < table[0].size() && c < table[r].size(); ++c) row[table[0][c]] = table[r][c];
    rows.push_back(row);
  }
  return rows;
}

}  // namespace attncost::published
