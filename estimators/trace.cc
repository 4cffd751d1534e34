#include "estimators/trace.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"
#include "model/json_input.h"

namespace attncost {
namespace {

enum class Column { arrival, prompt, output, other };

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Column column_of(std::string_view name) {
  const std::string n = lower(name);
  for (const char* a : {"arrival_s", "arrival_time", "timestamp", "time"})
    if (n == a) return Column::arrival;
  for (const char* a : {"prompt_tokens", "prompt_len", "input_tokens", "input_len", "contexttokens"})
    if (n == a) return Column::prompt;
  for (const char* a : {"output_tokens", "output_len", "generated_tokens", "generatedtokens"})
    if (n == a) return Column::output;
  return Column::other;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Seconds: a plain number, or "YYYY-MM-DD[ T]HH:MM:SS[.frac]".
std::optional<double> seconds_of(std::string_view s) {
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc() && p == s.data() + s.size()) return std::isfinite(v) && v >= 0 ? std::optional<double>(v) : std::nullopt;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  double sec = 0;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':') return std::nullopt;
  auto num = [&](size_t at, size_t len, int& out) {
    const auto r = std::from_chars(s.data() + at, s.data() + at + len, out);
    return r.ec == std::errc() && r.ptr == s.data() + at + len;
  };
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi)) return std::nullopt;
  std::string_view rest = s.substr(17);
  if (!rest.empty() && (rest.back() == 'Z')) rest.remove_suffix(1);
  const auto r = std::from_chars(rest.data(), rest.data() + rest.size(), sec);
  if (r.ec != std::errc() || r.ptr != rest.data() + rest.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec < 0 || sec >= 61)
    return std::nullopt;
  return static_cast<double>(days_from_civil(y, mo, d)) * 86400 + h * 3600.0 + mi * 60.0 + sec;
}

uint64_t tokens_of(std::string_view s, std::string_view what, size_t line, std::string_view field) {
  uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > (uint64_t{1} << 40))
    throw InputError(fmt::format("{}: line {}: {} '{}' is not a token count (a non-negative integer up to 2^40)", what, line, field, s.substr(0, 40)));
  return v;
}

std::vector<std::string_view> split_csv(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i < line.size() && line[i] == '"') quoted = !quoted;
    if (i == line.size() || (line[i] == ',' && !quoted)) {
      out.push_back(trim(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

namespace {

// The rows of a CSV or JSON-lines file; `timed`: each needs an arrival time (a trace), else the
// arrival is optional and ignored (lengths only).
std::vector<SimRequest> parse_records(std::string_view text, std::string_view what, bool timed) {
  std::vector<SimRequest> out;
  std::vector<double> arrivals;
  size_t line_no = 0, pos = 0;
  std::vector<Column> columns;
  bool jsonl = false, header_seen = false;
  while (pos < text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    if (!header_seen) {
      header_seen = true;
      jsonl = trim(line).front() == '{';
      if (!jsonl) {
        for (std::string_view name : split_csv(line)) columns.push_back(column_of(name));
        for (Column need : {Column::arrival, Column::prompt, Column::output})
          if ((timed || need != Column::arrival) && std::find(columns.begin(), columns.end(), need) == columns.end())
            throw InputError(timed ? fmt::format("{}: the header needs an arrival time, prompt-token and output-token column (e.g. arrival_s,prompt_tokens,output_tokens "
                                                 "or TIMESTAMP,ContextTokens,GeneratedTokens)",
                                                 what)
                                   : fmt::format("{}: the header needs a prompt-token and an output-token column (e.g. prompt_tokens,output_tokens)", what));
        continue;
      }
    }
    std::optional<double> arrival;
    SimRequest r;
    bool has_prompt = false, has_output = false;
    if (jsonl) {
      nlohmann::json j;
      try {
        // Nesting is capped while parsing: a line nested tens of thousands deep must not recurse past the stack.
        j = nlohmann::json::parse(line, [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
          if (depth > kMaxJsonDepth) throw InputError(fmt::format("{}: line {}: lists or objects nested more than {} deep", what, line_no, kMaxJsonDepth));
          return true;
        });
      } catch (const nlohmann::json::exception&) {
        throw InputError(fmt::format("{}: line {}: not a JSON object", what, line_no));
      }
      if (!j.is_object()) throw InputError(fmt::format("{}: line {}: not a JSON object", what, line_no));
      for (const auto& [key, value] : j.items()) {
        const Column c = column_of(key);
        if (c == Column::other) continue;
        const std::string v = value.is_string() ? value.get<std::string>() : value.is_number() ? value.dump() : std::string("?");
        if (c == Column::arrival) {
          arrival = seconds_of(v);
          if (!arrival) throw InputError(fmt::format("{}: line {}: {} '{}' is not a time", what, line_no, key, v.substr(0, 40)));
        } else if (c == Column::prompt) {
          r.prompt = tokens_of(v, what, line_no, key), has_prompt = true;
        } else {
          r.output = tokens_of(v, what, line_no, key), has_output = true;
        }
      }
      if ((timed && !arrival) || !has_prompt || !has_output)
        throw InputError(fmt::format("{}: line {}: needs {}prompt tokens and output tokens", what, line_no, timed ? "an arrival time, " : ""));
    } else {
      const std::vector<std::string_view> cells = split_csv(line);
      if (cells.size() != columns.size())
        throw InputError(fmt::format("{}: line {}: {} fields where the header has {}", what, line_no, cells.size(), columns.size()));
      for (size_t i = 0; i < cells.size(); ++i) {
        if (columns[i] == Column::arrival) {
          arrival = seconds_of(cells[i]);
          if (!arrival) throw InputError(fmt::format("{}: line {}: '{}' is not a time (seconds or YYYY-MM-DD HH:MM:SS)", what, line_no, cells[i].substr(0, 40)));
        } else if (columns[i] == Column::prompt) {
          r.prompt = tokens_of(cells[i], what, line_no, "prompt tokens");
        } else if (columns[i] == Column::output) {
          r.output = tokens_of(cells[i], what, line_no, "output tokens");
        }
      }
    }
    if (r.prompt == 0) throw InputError(fmt::format("{}: line {}: a request needs at least one prompt token", what, line_no));
    r.output = std::max<uint64_t>(1, r.output);  // a request whose answer was empty still yields its first token
    arrivals.push_back(arrival.value_or(0));
    out.push_back(r);
  }
  if (out.empty()) throw InputError(fmt::format("{}: no requests in the {}", what, timed ? "trace" : "file"));
  if (!timed) return out;
  // Seconds from the first request, in arrival order.
  std::vector<size_t> order(out.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return arrivals[a] < arrivals[b]; });
  const double t0 = arrivals[order.front()];
  std::vector<SimRequest> sorted;
  sorted.reserve(out.size());
  for (size_t i : order) {
    SimRequest r = out[i];
    r.arrival_s = arrivals[i] - t0;
    sorted.push_back(r);
  }
  return sorted;
}

}  // namespace

std::vector<SimRequest> parse_trace(std::string_view text, std::string_view what) { return parse_records(text, what, true); }

std::vector<SimRequest> parse_lengths(std::string_view text, std::string_view what) {
  const std::string_view t = trim(text);
  if (t.empty() || t.front() != '{' || t.find("\"input_lens\"") == std::string_view::npos) return parse_records(text, what, false);
  // vLLM's benchmark_serving --save-result document: input_lens and output_lens per request.
  const nlohmann::json j = parse_user_json(text, what);
  if (!j.is_object() || !j.contains("input_lens")) throw InputError(fmt::format("{}: a benchmark result needs input_lens and output_lens", what));
  const auto& in = j.at("input_lens");
  const auto out_it = j.find("output_lens");
  if (!in.is_array() || out_it == j.end() || !out_it->is_array() || out_it->size() != in.size())
    throw InputError(fmt::format("{}: a benchmark result needs input_lens and output_lens lists of the same length", what));
  std::vector<SimRequest> out;
  for (size_t i = 0; i < in.size(); ++i) {
    const auto& a = in[i];
    const auto& b = (*out_it)[i];
    if (!a.is_number_unsigned() || !b.is_number_unsigned() || a.get<uint64_t>() > (uint64_t{1} << 40) || b.get<uint64_t>() > (uint64_t{1} << 40))
      throw InputError(fmt::format("{}: request {}: input_lens and output_lens must be token counts", what, i));
    SimRequest r;
    r.prompt = a.get<uint64_t>(), r.output = std::max<uint64_t>(1, b.get<uint64_t>());
    if (r.prompt == 0) throw InputError(fmt::format("{}: request {}: a request needs at least one prompt token", what, i));
    out.push_back(r);
  }
  if (out.empty()) throw InputError(fmt::format("{}: no requests in the file", what));
  return out;
}

}  // namespace attncost
