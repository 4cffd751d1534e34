// CSV renderings: one header, one row per estimate; stable column names for scripts.
#include <cmath>
#include <iterator>

#include <fmt/compile.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/estimate_fields.h"
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

// Writes a number as the flat row writes every number at `p`, returning the end: integral
// values (bytes, pairs, FLOPs) through fmt's integer path, the rest as the shortest text that
// reads back to the same double. Callers print no text for a value that is not finite.
char* write_number(char* p, double v) {
  if (v == std::floor(v) && std::fabs(v) < 9.2e18) return fmt::format_to(p, FMT_COMPILE("{}"), static_cast<int64_t>(v));
  return fmt::format_to(p, FMT_COMPILE("{}"), v);
}
void append_number(std::string& out, double v) {
  char buf[32];
  out.append(buf, static_cast<size_t>(write_number(buf, v) - buf));
}
// Writes straight into the output string's spare room (sweeps write millions of rows: a string
// append per cell would cost more than the numbers).
class CsvWriter final : public FieldWriter {
 public:
  explicit CsvWriter(std::string& out) : out_(out), pos_(out.size()) { reserve(512); }
  ~CsvWriter() override { out_.resize(pos_); }
  void number(double v) override {
    reserve(40);
    if (std::isfinite(v)) pos_ = static_cast<size_t>(write_number(out_.data() + pos_, v) - out_.data());
    out_[pos_++] = ',';
  }
  void integer(uint64_t v) override {
    reserve(24);
    pos_ = static_cast<size_t>(fmt::format_to(out_.data() + pos_, FMT_COMPILE("{}"), v) - out_.data());
    out_[pos_++] = ',';
  }
  void text(std::string_view s) override {
    const std::string quoted = needs_csv_quotes(s) ? field(s) : std::string();
    const std::string_view t = quoted.empty() ? s : std::string_view(quoted);
    reserve(t.size() + 1);
    std::copy(t.begin(), t.end(), out_.data() + pos_);
    pos_ += t.size();
    out_[pos_++] = ',';
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
