// Brute-force masks, written straight from the pattern definitions in docs/cost-model.md and
// independent of the closed forms they check: mask(i, j) says whether query i attends key j.
#pragma once
#include <algorithm>
#include <cstdint>
#include <set>

#include "model/attn_spec.h"

namespace attncost::testing {

inline bool mask(const Pattern& p, uint64_t i, uint64_t j, uint64_t ctx) {
  if (j > i) return false;
  const uint64_t dist = i - j;
  switch (p.kind) {
    case PatternKind::dense: return true;
    case PatternKind::window: return dist < p.window;
    case PatternKind::sinks: return j < p.sinks || dist < p.window;
    case PatternKind::strided: return dist < p.window || dist % p.stride == 0;
    case PatternKind::axial: {
      uint64_t m = p.width;
      if (m == 0) { m = 1; while (m * m < ctx) ++m; }
      return j / m == i / m || j % m == i % m;
    }
    case PatternKind::block: {
      const uint64_t qb = i / p.block, kb = j / p.block;
      if (kb == qb || qb - kb < p.local || kb < p.global) return true;
      // Random blocks: any R earlier blocks outside local and global; take the highest ones
      // (the count, not the choice, is what costs depend on).
      uint64_t picked = 0;
      for (uint64_t b = qb; b-- > 0;) {
        if (qb - b < p.local || b < p.global) continue;
        if (picked == p.random) break;
        if (b == kb) return true;
        ++picked;
      }
      return false;
    }
    case PatternKind::chunk: return j / p.chunk == i / p.chunk;
    // DSA selects min(i+1, K) keys per query; which ones is data-dependent, and the counts the
    // costs use only depend on how many: the enumeration takes the most recent.
    case PatternKind::topk: return dist < p.topk;
    case PatternKind::linear:
    case PatternKind::ssm:
    case PatternKind::deltanet:
    case PatternKind::mamba2:
    case PatternKind::shortconv:
    case PatternKind::lightning:
    case PatternKind::none: return false;
  }
  return false;
}

inline uint64_t brute_pairs(const Pattern& p, uint64_t i, uint64_t ctx) {
  uint64_t c = 0;
  for (uint64_t j = 0; j <= i; ++j) c += mask(p, i, j, ctx);
  return c;
}

// Keys a tiled kernel needs: Σ over query tiles of the union of the tile's keys.
inline uint64_t brute_tile_reads(const Pattern& p, uint64_t n, uint64_t rows) {
  uint64_t total = 0;
  for (uint64_t a = 0; a < n; a += rows) {
    std::set<uint64_t> keys;
    for (uint64_t i = a; i < std::min(n, a + rows); ++i)
      for (uint64_t j = 0; j <= i; ++j)
        if (mask(p, i, j, n)) keys.insert(j);
    total += keys.size();
  }
  return total;
}

}  // namespace attncost::testing
