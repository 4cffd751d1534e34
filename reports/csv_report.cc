// CSV renderings: one header, one row per estimate; stable column names for scripts.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>

#include <fmt/compile.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/estimate_fields.h"
#include "reports/number_text.h"
#include "reports/reports.h"

namespace attncost {

// A JSON string literal; names rarely need escaping, so the common case stays allocation-light.
std::string json_quoted(const std::string& s) {
  for (char c : s)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return nlohmann::json(s).dump();
  return "\"" + s + "\"";
}

namespace {

bool needs_csv_quotes(std::string_view s) {
  for (char c : s)
    if (c == ',' || c == '"' || c == '\n' || c == '\r') return true;
  return false;
}

// Quotes a field when it holds a comma, a quote or a newline (RFC 4180).
std::string field(std::string_view s) {
  if (!needs_csv_quotes(s)) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

namespace {

// The decimal digits of v written at p, the last at p + count_digits(v) − 1, two at a time from
// fmt's table: the text fmt writes for an integer. Returns the end.
char* write_digits(char* p, uint64_t v) {
  char* const end = p + fmt::detail::count_digits(v);
  char* d = end;
  while (v >= 100) {
    d -= 2;
    std::memcpy(d, fmt::detail::digits2(static_cast<size_t>(v % 100)), 2);
    v /= 100;
  }
  if (v >= 10) std::memcpy(d - 2, fmt::detail::digits2(static_cast<size_t>(v)), 2);
  else d[-1] = static_cast<char>('0' + v);
  return end;
}

char* fill_zeros(char* p, int n) {
  for (int i = 0; i < n; ++i) *p++ = '0';
  return p;
}

}  // namespace

char* write_shortest_double(char* p, double v) {
  if (std::signbit(v)) *p++ = '-', v = -v;
  const auto dec = fmt::detail::dragonbox::to_decimal(v);
  const int n = fmt::detail::count_digits(dec.significand);
  const int exp = dec.exponent;   // value = significand × 10^exp
  const int first = exp + n - 1;  // the first digit's decimal exponent
  if (first < -4 || first >= 16) {  // d[.ddd]e±XX, as fmt's write_exponent
    // The digits one place right, then the first moved before the point.
    char* q = write_digits(p + 1, dec.significand);
    p[0] = p[1];
    if (n > 1) p[1] = '.';
    else q = p + 1;
    *q++ = 'e';
    int e = first;
    if (e < 0) *q++ = '-', e = -e;
    else *q++ = '+';
    if (e >= 100) {
      const char* top = fmt::detail::digits2(static_cast<size_t>(e / 100));
      if (e >= 1000) *q++ = top[0];
      *q++ = top[1];
      e %= 100;
    }
    std::memcpy(q, fmt::detail::digits2(static_cast<size_t>(e)), 2);
    return q + 2;
  }
  if (exp >= 0) return fill_zeros(write_digits(p, dec.significand), exp);  // 1234e5 → 123400000
  const int whole = n + exp;  // digits before the point
  if (whole > 0) {  // 1234e-2 → 12.34: the digits one place right, the whole part moved back
    char* const q = write_digits(p + 1, dec.significand);
    for (int i = 0; i < whole; ++i) p[i] = p[i + 1];
    p[whole] = '.';
    return q;
  }
  *p++ = '0', *p++ = '.';  // 1234e-6 → 0.001234
  return write_digits(fill_zeros(p, -whole), dec.significand);
}

// Integral values (bytes, pairs, FLOPs) as integers, the rest as their shortest round-trip text.
// Callers print no text for a value that is not finite.
char* write_row_number(char* p, double v) {
  if (v == std::floor(v) && std::fabs(v) < 9.2e18) {
    if (v < 0) *p++ = '-', v = -v;
    return write_digits(p, static_cast<uint64_t>(v));
  }
  return write_shortest_double(p, v);
}

namespace {

void append_number(std::string& out, double v) {
  char buf[32];
  out.append(buf, static_cast<size_t>(write_row_number(buf, v) - buf));
}
// Writes straight into the output string's spare room (sweeps write millions of rows: a string
// append per cell would cost more than the numbers).
class CsvWriter final : public FieldWriter {
 public:
  explicit CsvWriter(std::string& out) : out_(out), pos_(out.size()) { reserve(512); }
  ~CsvWriter() override { out_.resize(pos_); }
  void number(double v) override {
    reserve(40);
    if (std::isfinite(v)) pos_ = static_cast<size_t>(write_row_number(out_.data() + pos_, v) - out_.data());
    out_[pos_++] = ',';
  }
  void integer(uint64_t v) override {
    reserve(24);
    pos_ = static_cast<size_t>(fmt::format_to(out_.data() + pos_, FMT_COMPILE("{}"), v) - out_.data());
    out_[pos_++] = ',';
  }
  void text(std::string_view s) override {
    if (needs_csv_quotes(s)) {
      const std::string quoted = field(s);
      return put(quoted);
    }
    put(s);  // names rarely need quotes: no copy in between
  }
  void boolean(bool v) override {
    reserve(2);
    out_[pos_++] = v ? '1' : '0';
    out_[pos_++] = ',';
  }
  void none() override {
    reserve(1);
    out_[pos_++] = ',';
  }
  void put(std::string_view t) {
    reserve(t.size() + 1);
    std::memcpy(out_.data() + pos_, t.data(), t.size());
    pos_ += t.size();
    out_[pos_++] = ',';
  }
  // Replaces the last separator with the row's newline.
  void end_row() { out_[pos_ - 1] = '\n'; }

 private:
  void reserve(size_t n) {
    if (pos_ + n > out_.size()) out_.resize(pos_ + n + 512);  // the capacity grows geometrically underneath
  }
  std::string& out_;
  size_t pos_;
};

class JsonLineWriter final : public FieldWriter {
 public:
  explicit JsonLineWriter(std::string& out) : out_(out) {}
  void key(const char* name) {
    out_ += first_ ? "{\"" : ",\"";
    out_ += name;
    out_ += "\":";
    first_ = false;
  }
  void number(double v) override {
    if (std::isfinite(v)) append_number(out_, v);
    else out_ += "null";
  }
  void integer(uint64_t v) override {
    const fmt::format_int t(v);
    out_.append(t.data(), t.size());
  }
  void text(std::string_view s) override { out_ += json_quoted(std::string(s)); }
  void boolean(bool v) override { out_ += v ? "true" : "false"; }
  void none() override { out_ += "null"; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace

std::string estimate_csv_header() {
  std::string out;
  for (const EstimateField& f : estimate_fields()) {
    out += f.name;
    out += ',';
  }
  out.back() = '\n';
  return out;
}

void append_estimate_csv_row(std::string& out, const EstimateInputs& in, const Estimate& e) {
  CsvWriter w(out);
  for (const EstimateField& f : estimate_fields()) f.write(w, in, e);
  w.end_row();
}

std::string estimate_csv_row(const EstimateInputs& in, const Estimate& e) {
  std::string out;
  append_estimate_csv_row(out, in, e);
  return out;
}

void append_estimate_jsonl(std::string& out, const EstimateInputs& in, const Estimate& e) {
  JsonLineWriter w(out);
  for (const EstimateField& f : estimate_fields()) {
    w.key(f.name);
    f.write(w, in, e);
  }
  out += "}\n";
}

std::string plan_csv(const ModelConfig& m, const GpuSpec& gpu, const PlanResult& p) {
  std::string out = "rank,role,feasible,score,risk,workload," + estimate_csv_header();
  for (const Candidate& c : p.candidates)
    for (size_t k = 0; k < p.workloads.size(); ++k)
      out += fmt::format("{},{},{},{},{},{},", c.rank, role_name(c.role), c.feasible ? 1 : 0, c.score, c.risk.total(), field(p.workloads[k].name)) +
             estimate_csv_row({m, c.design, p.workloads[k], gpu}, c.per_workload[k]);
  return out;
}

}  // namespace attncost
