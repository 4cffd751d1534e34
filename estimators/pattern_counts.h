// Exact closed forms of one attention pattern's mask (SPEC §3): keys per query, Σ over a prompt,
// cached tokens, and how many keys a tiled (flash) kernel loads. Every function is O(1) in the
// context length and exact up to 2^40 tokens; brute-force enumerations in tests/ check them.
#pragma once
#include <cstdint>

#include "estimators/int128.h"
#include "model/attn_spec.h"

namespace attncost {

// pairs(i): keys the causal query at 0-based position i attends to, in a sequence whose context
// length is ctx (ctx sets axial's default row width ⌈√ctx⌉). Linear and SSM layers score no
// pairs: they read a state instead, so this is 0 for them.
uint64_t pairs_at(const Pattern& p, uint64_t i, uint64_t ctx);

// Σ_{i<n} pairs(i): the pairs of a prefill of an n-token prompt.
u128 prefill_pairs(const Pattern& p, uint64_t n);

// pairs(n-1): the pairs of one decode step at context length n.
inline uint64_t decode_pairs(const Pattern& p, uint64_t n) { return n == 0 ? 0 : pairs_at(p, n - 1, n); }

// Σ_{c=lo}^{hi} decode_pairs(p, c): the keys of every decode step from context lo to hi, in
// closed form (axial's default row width ⌈√c⌉ grows with c: summed per run of one width).
u128 sum_decode_pairs(const Pattern& p, uint64_t lo, uint64_t hi);
// Bounds (not always tight) on decode_pairs(p, c) over c ∈ [lo, hi]: what a sum over decode steps
// needs to prove that one roofline term dominates a whole run of steps.
struct PairsBounds {
  uint64_t min = 0, max = 0;
};
PairsBounds decode_pairs_bounds(const Pattern& p, uint64_t lo, uint64_t hi);
// Tokens whose K/V the cache must hold at context n (0 for linear/SSM: they keep a state).
uint64_t cached_tokens(const Pattern& p, uint64_t n);

// Of the first `shared` tokens (a prefix every sequence shares), how many the cache of a
// sequence at context n still holds: what prefix caching stores once instead of per sequence.
uint64_t shared_cached_tokens(const Pattern& p, uint64_t n, uint64_t shared);

// Keys a tiled kernel loads over a prefill of n tokens, per head: Σ over query tiles of the keys
// the tile needs. Exact for dense, window and sinks (contiguous key ranges shared by a tile) and
// for block (the tile is the block); for strided and axial the scattered keys are loaded once
// per query, and the total never exceeds dense's.
u128 flash_key_reads(const Pattern& p, uint64_t n, uint64_t tile_rows);

// Distance + 1 to the farthest key the last query (position n-1) attends to directly; n for
// linear and SSM layers, which summarize every earlier token in their state.
uint64_t direct_reach(const Pattern& p, uint64_t n);

// Whether the query at position n-1 attends to token 0 itself (not through a compressed state).
bool sees_first_token(const Pattern& p, uint64_t n);

// Axial row width at context n: the pattern's own, or ⌈√n⌉.
uint64_t axial_width(const Pattern& p, uint64_t n);

}  // namespace attncost
