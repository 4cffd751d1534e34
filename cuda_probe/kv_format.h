// Host-side encodings of the KV formats the probe measures (fp16, bf16, fp8 e4m3, int8 with one
// fp16 scale per row of head_dim values, fp32), shared by the CPU kernels, the CUDA backend's
// input preparation and the references. Decoding is branch-free so loops vectorize.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "model/dtype.h"

namespace attncost::probe {

// std::bit_cast without C++20, so nvcc-compiled host code can include this header.
template <typename To, typename From>
inline To bits(From f) {
  static_assert(sizeof(To) == sizeof(From));
  To t;
  std::memcpy(&t, &f, sizeof(To));
  return t;
}

inline float half_to_float(uint16_t h) {
  // Shift the exponent and mantissa into fp32 position and re-bias by multiplying by 2^112;
  // correct for normals and subnormals (the probe's data holds no inf/NaN).
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const float magnitude = bits<float>(static_cast<uint32_t>(h & 0x7fffu) << 13) * 0x1p112f;
  return bits<float>(sign | bits<uint32_t>(magnitude));
}

inline uint16_t float_to_half(float f) {
  // Round to nearest even through the fp32 → fp16 re-bias (values are well inside fp16 range).
  const uint32_t x = bits<uint32_t>(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const float a = std::fabs(f) * 0x1p-112f;
  uint32_t m = bits<uint32_t>(a);
  m += 0x00000fffu + ((m >> 13) & 1u);
  return static_cast<uint16_t>(sign | ((m >> 13) & 0x7fffu));
}

inline float bf16_to_float(uint16_t h) { return bits<float>(static_cast<uint32_t>(h) << 16); }
inline uint16_t float_to_bf16(float f) {
  const uint32_t x = bits<uint32_t>(f);
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

// fp8 e4m3 (OCP / NVIDIA): 1 sign, 4 exponent (bias 7), 3 mantissa bits; max 448, no inf.
inline float fp8_to_float(uint8_t v) {
  const int sign = v >> 7, exp = (v >> 3) & 0xf, man = v & 7;
  const float mag = exp == 0 ? std::ldexp(static_cast<float>(man), -9) : std::ldexp(1.0f + static_cast<float>(man) / 8.0f, exp - 7);
  return sign ? -mag : mag;
}
// Rounds x to fp16 in place (what an fp16 kernel sees) and returns the fp16 bits.
inline std::vector<uint16_t> round_to_half(std::vector<float>& x) {
  std::vector<uint16_t> h(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    h[i] = float_to_half(x[i]);
    x[i] = half_to_float(h[i]);
  }
  return h;
}

inline const std::array<float, 256>& fp8_table() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    for (int i = 0; i < 256; ++i) t[static_cast<size_t>(i)] = (i & 0x7f) == 0x7f ? 0.0f : fp8_to_float(static_cast<uint8_t>(i));
    return t;
  }();
  return table;
}
inline uint8_t float_to_fp8(float f) {
  // Magnitudes of codes 0..126 increase with the code: binary search, then the nearer neighbour.
  const auto& t = fp8_table();
  const float a = std::fabs(f);
  int lo = 0, hi = 126;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (t[static_cast<size_t>(mid)] < a) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && a - t[static_cast<size_t>(lo - 1)] <= t[static_cast<size_t>(lo)] - a) --lo;
  return static_cast<uint8_t>(lo | (f < 0 ? 0x80 : 0));
}

// Bytes one stored element occupies (int8's scales are stored separately).
inline size_t element_bytes(Dtype d) {
  switch (d) {
    case Dtype::fp32: return 4;
    case Dtype::fp16:
    case Dtype::bf16: return 2;
    default: return 1;
  }
}

}  // namespace attncost::probe
