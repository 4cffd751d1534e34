// The conversions the cost formulas are written with, declared once: D(n) is a count as a double,
// bytes_of(t) an element's bytes (scales excluded). One definition lets the sources that use them
// share a unity-build batch (CMakeLists.txt), where two file-local copies would not compile.
#pragma once
#include <cstdint>

#include "model/dtype.h"

namespace attncost::short_names {

constexpr double D(int64_t v) { return static_cast<double>(v); }
constexpr double bytes_of(Dtype t) { return dtype_bits(t) / 8.0; }

}  // namespace attncost::short_names
