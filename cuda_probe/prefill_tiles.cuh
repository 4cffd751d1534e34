// What every flash prefill version shares: which keys a query sees (causal, a window of W keys
// including itself, S sink keys), and which key tiles a block of query rows has to visit: the
// tiles from the window's start to the block's last row, plus the sink tiles before them.
#pragma once
#include <cuda_fp16.h>

#include <cstddef>

namespace attncost::probe::cuda {

__device__ inline bool visible(int i, int j, int window, int sinks) {
  return j <= i && (window == 0 || i - j < window || j < sinks);
}

// Key tiles of `tile` keys for query rows [r0, r0 + rows) of an n-token sequence:
//   for (int c0 = keys.begin(); c0 <= keys.last; c0 = keys.next(c0)) ...
struct KeyTiles {
  int tile, last, first, sink_end;
  __device__ KeyTiles(int n, int r0, int rows, int tile_keys, int window, int sinks) : tile(tile_keys) {
    last = min(n, r0 + rows) - 1;
    first = window > 0 ? max(0, r0 - window + 1) / tile * tile : 0;
    sink_end = window > 0 ? min(first, (sinks + tile - 1) / tile * tile) : 0;
  }
  __device__ int begin() const { return sink_end > 0 ? 0 : first; }
  __device__ int next(int c0) const {
    c0 += tile;
    return c0 < first && c0 >= sink_end ? first : c0;  // skip the tiles between the sinks and the window
  }
};

// Copies rows [r0, r0 + Rows) of a [n][D] fp16 matrix into a shared-memory tile with row stride
// ld (in halves), 16 bytes per thread per step, consecutive threads along a row (coalesced);
// rows past n are zero.
template <int Rows, int D>
__device__ inline void load_rows(__half* tile, int ld, const __half* src, int r0, int n) {
  constexpr int kPieces = D * sizeof(__half) / sizeof(uint4);
  for (int x = threadIdx.x; x < Rows * kPieces; x += blockDim.x) {
    const int r = x / kPieces, c = x % kPieces;
    uint4 v = make_uint4(0, 0, 0, 0);
    if (r0 + r < n) v = reinterpret_cast<const uint4*>(src + static_cast<size_t>(r0 + r) * D)[c];
    reinterpret_cast<uint4*>(tile + r * ld)[c] = v;
  }
}

}  // namespace attncost::probe::cuda
