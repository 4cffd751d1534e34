// Exact integer arithmetic for attention-pair counts: Σ pairs of a 2^40-token prompt is ~2^79,
// beyond 64 bits, so counts are kept in unsigned 128-bit integers and rounded to double once.
#pragma once
#include <cmath>
#include <cstdint>

namespace attncost {

__extension__ typedef unsigned __int128 u128;

inline double to_double(u128 v) {
  const auto hi = static_cast<uint64_t>(v >> 64);
  const auto lo = static_cast<uint64_t>(v);
  return static_cast<double>(hi) * 18446744073709551616.0 + static_cast<double>(lo);
}

// Σ_{i=0}^{m-1} i = m(m-1)/2.
inline u128 sum_to(u128 m) { return m == 0 ? 0 : (m % 2 == 0 ? (m / 2) * (m - 1) : m * ((m - 1) / 2)); }

// Σ_{i=0}^{m-1} floor(i/s) for s ≥ 1: q full groups contribute s·q(q-1)/2, the r leftovers q each.
inline u128 sum_floor_div(u128 m, u128 s) {
  const u128 q = m / s, r = m % s;
  return s * sum_to(q) + q * r;
}

// Σ_{i=0}^{m-1} (i mod s) for s ≥ 1.
inline u128 sum_mod(u128 m, u128 s) {
  const u128 q = m / s, r = m % s;
  return q * sum_to(s) + sum_to(r);
}

// Σ_{i=0}^{n-1} ⌊(a·i + b) / m⌋ for m ≥ 1 (the classic Euclid-like reduction, O(log m) steps).
inline u128 floor_sum(u128 n, u128 m, u128 a, u128 b) {
  u128 total = 0;
  while (n > 0) {
    if (a >= m) {
      total += (a / m) * sum_to(n);  // Σ i = n(n-1)/2
      a %= m;
    }
    if (b >= m) {
      total += (b / m) * n;
      b %= m;
    }
    const u128 y_max = a * n + b;
    if (y_max < m) break;
    // Swap the roles of the axes: count lattice points under the line from the other side.
    n = y_max / m;
    b = y_max % m;
    const u128 old_m = m;
    m = a;
    a = old_m;
  }
  return total;
}

inline u128 min128(u128 a, u128 b) { return a < b ? a : b; }
inline u128 ceil_div(u128 a, u128 b) { return (a + b - 1) / b; }

// ⌈√n⌉ exactly for n up to 2^64.
inline uint64_t ceil_sqrt(uint64_t n) {
  if (n <= 1) return n;
  auto r = static_cast<uint64_t>(std::sqrt(static_cast<double>(n)));
  while (static_cast<u128>(r) * r > n) --r;
  while (static_cast<u128>(r + 1) * (r + 1) <= n) ++r;  // r = ⌊√n⌋ now
  return static_cast<u128>(r) * r == n ? r : r + 1;
}
}  // namespace attncost
