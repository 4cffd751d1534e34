#include "estimators/pattern_counts.h"

#include <algorithm>

namespace attncost {
namespace {

// Σ_{i<m} min(i, k).
u128 sum_min(u128 m, u128 k) { return m <= k + 1 ? sum_to(m) : sum_to(k + 1) + (m - k - 1) * k; }

// Σ_{i<n} min(i+1, w): a window of w keys, the query included.
u128 window_prefill_pairs(u128 n, u128 w) { return sum_min(n, w - 1) + n; }

// Keys of block-sparse attention outside the query's own block: local, global and random blocks
// together reach min(qb, (local-1) + global + random) earlier blocks (each set fills the blocks
// the previous sets left, so overlaps never double count).
u128 block_reach(const Pattern& p) { return (p.local - 1) + p.global + p.random; }

// Σ over query tiles [t·r, min(n,(t+1)·r)) of the size of the key range the tile attends when a
// query i sees keys [i-w+1, i] plus the first s tokens (w = 0 means unbounded: dense).
u128 contiguous_tile_reads(u128 n, u128 r, u128 w, u128 s) {
  if (n == 0) return 0;
  const u128 tiles = ceil_div(n, r);
  const u128 sum_end = r * sum_to(tiles) + n;  // Σ_t b_t: full tiles end at (t+1)r, the last at n
  if (w == 0) return sum_end;
  // lo_t = max(0, t·r - (w-1)) is the first key of the tile's range; it is > 0 from t1 on.
  auto sum_lo = [&](u128 from, u128 to) -> u128 {  // Σ_{t=from}^{to-1} (t·r - (w-1))
    if (to <= from) return 0;
    return r * (sum_to(to) - sum_to(from)) - (w - 1) * (to - from);
  };
  const u128 t1 = (w - 1) / r + 1;
  const u128 lo_total = t1 < tiles ? sum_lo(t1, tiles) : 0;
  u128 sink_total = 0;  // Σ_t min(s, lo_t): sinks before the window's start
  if (s > 0 && t1 < tiles) {
    const u128 t2 = std::min(ceil_div(s + w - 1, r), tiles);  // lo_t ≥ s from here on
    sink_total = sum_lo(t1, std::max(t1, t2)) + s * (tiles - std::max(t1, t2));
  }
  return sum_end - lo_total + sink_total;
}

}  // namespace

uint64_t axial_width(const Pattern& p, uint64_t n) { return p.width ? p.width : std::max<uint64_t>(1, ceil_sqrt(n)); }

uint64_t pairs_at(const Pattern& p, uint64_t i, uint64_t ctx) {
  switch (p.kind) {
    case PatternKind::dense: return i + 1;
    case PatternKind::window: return std::min(i + 1, p.window);
    case PatternKind::sinks: return std::min(i + 1, p.sinks + p.window);
    case PatternKind::strided: {
      // Sparse Transformer's strided mask: j ≤ i with i-j < W, or i-j a multiple of S.
      const uint64_t local = std::min(i + 1, p.window);
      return i >= p.window ? local + i / p.stride - (p.window - 1) / p.stride : local;
    }
    case PatternKind::axial: {
      const uint64_t m = axial_width(p, ctx);
      return i % m + 1 + i / m;  // own row up to i, plus the same column in earlier rows
    }
    case PatternKind::block: {
      const uint64_t qb = i / p.block;
      return i % p.block + 1 + p.block * static_cast<uint64_t>(min128(qb, block_reach(p)));
    }
    case PatternKind::chunk: return i % p.chunk + 1;
    case PatternKind::topk: return std::min(i + 1, p.topk);
    case PatternKind::linear:
    case PatternKind::ssm:
    case PatternKind::deltanet:
    case PatternKind::mamba2:
    case PatternKind::shortconv:
    case PatternKind::lightning:
    case PatternKind::none: return 0;
  }
  return 0;
}

u128 prefill_pairs(const Pattern& p, uint64_t n64) {
  const u128 n = n64;
  switch (p.kind) {
    case PatternKind::dense: return sum_to(n + 1);
    case PatternKind::window: return window_prefill_pairs(n, p.window);
    case PatternKind::sinks: return window_prefill_pairs(n, u128{p.sinks} + p.window);
    case PatternKind::strided: {
      const u128 w = p.window, s = p.stride;
      u128 total = window_prefill_pairs(n, w);
      if (n > w) total += sum_floor_div(n, s) - sum_floor_div(w, s) - ((w - 1) / s) * (n - w);
      return total;
    }
    case PatternKind::axial: {
      const u128 m = axial_width(p, n64);
      return sum_mod(n, m) + n + sum_floor_div(n, m);
    }
    case PatternKind::block: {
      const u128 b = p.block, q = n / b, r = n % b, k = block_reach(p);
      return sum_mod(n, b) + n + b * (b * sum_min(q, k) + r * min128(q, k));
    }
    case PatternKind::chunk: return sum_mod(n, p.chunk) + n;
    case PatternKind::topk: return window_prefill_pairs(n, p.topk);
    case PatternKind::linear:
    case PatternKind::ssm:
    case PatternKind::deltanet:
    case PatternKind::mamba2:
    case PatternKind::shortconv:
    case PatternKind::lightning:
    case PatternKind::none: return 0;
  }
  return 0;
}

u128 sum_decode_pairs(const Pattern& p, uint64_t lo, uint64_t hi) {
  if (lo == 0) lo = 1;  // decode_pairs(p, 0) = 0
  if (hi < lo) return 0;
  if (p.kind != PatternKind::axial || p.width != 0) return prefill_pairs(p, hi) - prefill_pairs(p, lo - 1);  // pairs(c − 1) summed
  // Default width m = ⌈√c⌉, constant for c ∈ [(m−1)² + 1, m²]: Σ over positions i = c − 1 of
  // i mod m + 1 + ⌊i/m⌋ within each run.
  u128 total = 0;
  for (uint64_t c = lo; c <= hi;) {
    const uint64_t m = ceil_sqrt(c);
    const uint64_t end = std::min<uint64_t>(hi, m * m);
    const u128 i0 = c - 1, i1 = end;  // positions [c − 1, end − 1]
    total += sum_mod(i1, m) - sum_mod(i0, m) + (i1 - i0) + sum_floor_div(i1, m) - sum_floor_div(i0, m);
    if (end == hi) break;
    c = end + 1;
  }
  return total;
}

PairsBounds decode_pairs_bounds(const Pattern& p, uint64_t lo, uint64_t hi) {
  if (lo == 0) lo = 1;
  if (hi < lo) hi = lo;
  const uint64_t i0 = lo - 1, i1 = hi - 1;  // positions
  switch (p.kind) {
    case PatternKind::dense:
    case PatternKind::window:
    case PatternKind::sinks:
    case PatternKind::strided:
    case PatternKind::topk: return {decode_pairs(p, lo), decode_pairs(p, hi)};  // non-decreasing in the position
    case PatternKind::axial: {
      // i mod m + 1 + ⌊i/m⌋ with m between the widths at lo and hi.
      const uint64_t m_lo = axial_width(p, lo), m_hi = axial_width(p, hi);
      return {1 + i0 / m_hi, m_hi + i1 / m_lo};
    }
    case PatternKind::block: {
      const uint64_t b = p.block, reach = static_cast<uint64_t>(min128(block_reach(p), u128{i1 / b}));
      return {1 + b * static_cast<uint64_t>(min128(u128{i0 / b}, block_reach(p))), b + b * reach};
    }
    case PatternKind::chunk: return {1, std::min(hi, p.chunk)};
    case PatternKind::linear:
    case PatternKind::ssm:
    case PatternKind::deltanet:
    case PatternKind::mamba2:
    case PatternKind::shortconv:
    case PatternKind::lightning:
    case PatternKind::none: return {0, 0};
  }
  return {0, 0};
}

uint64_t cached_tokens(const Pattern& p, uint64_t n) {
  switch (p.kind) {
    case PatternKind::window: return std::min(n, p.window);
    case PatternKind::sinks: return std::min(n, p.sinks + p.window);
    case PatternKind::chunk: return std::min(n, p.chunk);  // the chunk buffer, full at its peak
    case PatternKind::linear:
    case PatternKind::ssm:
    case PatternKind::deltanet:
    case PatternKind::mamba2:
    case PatternKind::shortconv:
    case PatternKind::lightning:
    case PatternKind::none: return 0;
    case PatternKind::dense:
    case PatternKind::strided:
    case PatternKind::axial:
    case PatternKind::block:
    case PatternKind::topk: return n;  // topk: selection needs every key
    }
  return 0;
}

uint64_t shared_cached_tokens(const Pattern& p, uint64_t n, uint64_t shared) {
  const uint64_t in_prefix = std::min(shared, n);
  auto from = [&](uint64_t first) { return in_prefix > first ? in_prefix - first : 0; };  // prefix tokens at or after `first`
  switch (p.kind) {
    case PatternKind::window: return from(n > p.window ? n - p.window : 0);
    case PatternKind::sinks:
      if (n <= p.sinks + p.window) return in_prefix;
      return std::min(in_prefix, p.sinks) + from(n - p.window);
    case PatternKind::chunk: return n == 0 ? 0 : from((n - 1) / p.chunk * p.chunk);
    case PatternKind::linear:
    case PatternKind::ssm:
    case PatternKind::deltanet:
    case PatternKind::mamba2:
    case PatternKind::shortconv:
    case PatternKind::lightning:
    case PatternKind::none: return 0;
    case PatternKind::dense:
    case PatternKind::strided:
    case PatternKind::axial:
    case PatternKind::block:
    case PatternKind::topk: return in_prefix;
    }
  return 0;
}

u128 flash_key_reads(const Pattern& p, uint64_t n64, uint64_t tile_rows) {
  const u128 n = n64, r = tile_rows;
  const u128 dense = contiguous_tile_reads(n, r, 0, 0);
  switch (p.kind) {
    case PatternKind::dense: return dense;
    case PatternKind::window: return contiguous_tile_reads(n, r, p.window, 0);
    case PatternKind::sinks: return contiguous_tile_reads(n, r, p.window, p.sinks);
    case PatternKind::strided: {
      const u128 scattered = prefill_pairs(p, n64) - window_prefill_pairs(n, p.window);
      return min128(dense, contiguous_tile_reads(n, r, p.window, 0) + scattered);
    }
    case PatternKind::axial: {
      const u128 m = axial_width(p, n64);
      const u128 column = sum_floor_div(n, m);  // Σ_i ⌊i/m⌋: earlier rows of the same column
      return min128(dense, contiguous_tile_reads(n, r, m, 0) + column);
    }
    case PatternKind::block: {
      const u128 b = p.block, tiles = ceil_div(n, b);
      return n + b * sum_min(tiles, block_reach(p));
    }
    case PatternKind::chunk: {
      // Tile t (rows [t·r, b_t)) loads keys from the start of its first row's chunk to b_t:
      // Σ_t b_t − C·Σ_t ⌊t·r / C⌋.
      if (n == 0) return 0;
      const u128 c = p.chunk, tiles = ceil_div(n, r);
      return dense - c * floor_sum(tiles, c, r, 0);
    }
    case PatternKind::topk: return min128(dense, prefill_pairs(p, n64));  // selected keys are scattered: loaded per query
    case PatternKind::linear:
    case PatternKind::ssm:
    case PatternKind::deltanet:
    case PatternKind::mamba2:
    case PatternKind::shortconv:
    case PatternKind::lightning:
    case PatternKind::none: return 0;
  }
  return 0;
}

uint64_t direct_reach(const Pattern& p, uint64_t n) {
  if (n == 0) return 0;
  const uint64_t i = n - 1;
  switch (p.kind) {
    case PatternKind::dense:
    case PatternKind::topk:  // any earlier token can be selected
    case PatternKind::linear:
    case PatternKind::ssm:
    case PatternKind::deltanet:
    case PatternKind::mamba2:
    case PatternKind::lightning: return n;
    case PatternKind::shortconv: return std::min(n, p.taps > 0 ? p.taps : kDefaultShortconvTaps);  // no recurrence: L taps
    case PatternKind::none: return 0;
    case PatternKind::chunk: return i % p.chunk + 1;
    case PatternKind::window: return std::min(n, p.window);
    case PatternKind::sinks: return p.sinks > 0 ? n : std::min(n, p.window);
    case PatternKind::strided:
      if (i >= p.window && i / p.stride > (p.window - 1) / p.stride) return (i / p.stride) * p.stride + 1;
      return std::min(n, p.window);
    case PatternKind::axial: {
      const uint64_t m = axial_width(p, n);
      return std::max(i % m + 1, (i / m) * m + 1);
    }
    case PatternKind::block: {
      const uint64_t qb = i / p.block;
      const uint64_t local_prev = std::min<uint64_t>(qb, p.local - 1);
      if (p.global > 0 && qb > local_prev) return n;  // block 0 is global
      return i - (qb - local_prev) * p.block + 1;
    }
  }
  return n;
}

bool sees_first_token(const Pattern& p, uint64_t n) {
  if (n == 0) return false;
  const uint64_t i = n - 1;
  switch (p.kind) {
    case PatternKind::dense: return true;
    case PatternKind::window: return n <= p.window;
    case PatternKind::sinks: return p.sinks > 0 || n <= p.window;
    case PatternKind::strided: return i < p.window || i % p.stride == 0;
    case PatternKind::axial: {
      const uint64_t m = axial_width(p, n);
      return i < m || i % m == 0;
    }
    case PatternKind::block: return p.global > 0 || i / p.block < p.local;
    case PatternKind::chunk: return i < p.chunk;
    case PatternKind::topk: return true;  // selectable: the indexer scores every earlier key
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

}  // namespace attncost
