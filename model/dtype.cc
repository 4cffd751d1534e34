#include "model/dtype.h"

#include <cmath>

#include <fmt/format.h>

#include "model/error.h"

namespace attncost {

double storage_bytes(double elements_per_vector, double vectors, Dtype d, int64_t group) {
  double bytes = elements_per_vector * vectors * dtype_bits(d) / 8.0;
  if (dtype_has_group_scale(d) && group > 0) {
    bytes += std::ceil(elements_per_vector / static_cast<double>(group)) * vectors * kScaleBytes;
  }
  if (d == Dtype::fp4) bytes += std::ceil(elements_per_vector / static_cast<double>(kFp4ScaleGroup)) * vectors * kFp4ScaleBytes;
  return bytes;
}

std::string_view dtype_name(Dtype d) {
  switch (d) {
    case Dtype::fp32: return "fp32";
    case Dtype::fp16: return "fp16";
    case Dtype::bf16: return "bf16";
    case Dtype::fp8: return "fp8";
    case Dtype::int8: return "int8";
    case Dtype::int4: return "int4";
    case Dtype::fp4: return "fp4";
  }
  return "fp16";
}

Dtype parse_dtype(std::string_view text, std::string_view what) {
  std::string t;
  for (char c : text) t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (t == "fp32" || t == "float32" || t == "float") return Dtype::fp32;
  if (t == "fp16" || t == "float16" || t == "half") return Dtype::fp16;
  if (t == "bf16" || t == "bfloat16") return Dtype::bf16;
  if (t == "fp8" || t == "float8" || t == "e4m3" || t == "fp8_e4m3") return Dtype::fp8;
  if (t == "int8") return Dtype::int8;
  if (t == "int4") return Dtype::int4;
  if (t == "fp4" || t == "nvfp4") return Dtype::fp4;
  throw InputError(fmt::format("{}: unknown dtype '{}' (expected fp32, fp16, bf16, fp8, int8, int4 or fp4)",
                               what, text));
}

}  // namespace attncost
