// The flat row of one estimate — what `sweep`, `compare --format csv` and `estimate --format csv`
// print, as CSV or JSON lines — written once: a table of named fields, each with the one
// function that reads its value. The CSV header, the CSV row and the JSON-lines object all walk
// this table, so they cannot disagree (tests/fields_test.cc checks the round trip).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "reports/reports.h"

namespace attncost {

// Where a field's value goes; the writer decides the syntax (CSV cell or JSON member).
class FieldWriter {
 public:
  virtual ~FieldWriter() = default;
  virtual void number(double v) = 0;
  virtual void integer(uint64_t v) = 0;
  virtual void text(std::string_view s) = 0;  // names, specs, enum words
  virtual void boolean(bool v) = 0;
  virtual void none() = 0;                    // no value (CSV: empty; JSON: null)
};

struct EstimateField {
  const char* name;
  void (*write)(FieldWriter& w, const EstimateInputs& in, const Estimate& e);
};

// Every field of the flat row, in column order.
std::span<const EstimateField> estimate_fields();

}  // namespace attncost
