// Flash prefill v3: FlashAttention-2's kernel structure (Dao 2023) on mma.sync m16n8k16
// (mma_m16n8k16.cuh), with everything per row kept in registers: v2 (prefill_flash_wmma.cu)
// round-trips S and P·V through shared memory because WMMA's fragment layout is unspecified;
// here the layout is documented, so
//   - each warp holds its 16 query rows of Q as A fragments for the whole run;
//   - S (16×64 per key tile) lives in 8 accumulator tiles; each lane owns two rows (g, g+8) of
//     them, so the mask, running max and sum need only a shuffle across the lane's quad;
//   - P is rounded to fp16 straight into A fragments (the accumulator tiles of keys 16j..16j+15
//     are exactly the A fragment of k-step j), and O (16×128) stays in 16 accumulator tiles.
// Shared memory holds only the K tile (row-major: Kᵀ's B fragments are 32-bit loads along the
// head dim) and the V tile transposed on load (so V's B fragments are 32-bit loads along keys).
// Row strides of 136 and 72 halves put the 32 lanes of a fragment load on 32 different banks.
// Tiles fully inside the causal/window band skip the per-element mask.
#include <cuda_fp16.h>

#include "estimators/flash_tiles.h"
#include "cuda_probe/cuda_kernels.h"
#include "cuda_probe/mma_m16n8k16.cuh"
#include "cuda_probe/prefill_tiles.cuh"

namespace attncost::probe::cuda {
namespace {

constexpr int kD = 128, kWarps = 4, kThreads = kWarps * 32, kRows = kWarps * 16, kKeys = kProbeFlashTileKeys;
static_assert(kRows == kProbeFlashTileRows, "the estimator predicts the K/V traffic of kProbeFlashTileRows-row tiles");
constexpr int kLdK = kD + 8;     // K tile [kKeys][kLdK]
constexpr int kLdV = kKeys + 8;  // transposed V tile [kD][kLdV]
constexpr size_t kSmemBytes = sizeof(__half) * (kKeys * kLdK + kD * kLdV);

__device__ inline uint32_t load_u32(const __half* p) { return *reinterpret_cast<const uint32_t*>(p); }

__global__ void __launch_bounds__(kThreads) prefill_flash_v3(PrefillArgs a) {
  ATTNCOST_DYNAMIC_SHARED(unsigned char, smem);
  __half* ks = reinterpret_cast<__half*>(smem);
  __half* vt = ks + kKeys * kLdK;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;

  const int tiles = (a.n + kRows - 1) / kRows;
  const int tile = tiles - 1 - static_cast<int>(blockIdx.x % tiles);  // the longest rows first
  const int bh = static_cast<int>(blockIdx.x / tiles);
  const int b = bh / a.heads, h = bh % a.heads, kvh = h / (a.heads / a.kv_heads);
  const __half* q = reinterpret_cast<const __half*>(a.q) + (static_cast<size_t>(b) * a.heads + h) * a.n * kD;
  const __half* k = reinterpret_cast<const __half*>(a.k) + (static_cast<size_t>(b) * a.kv_heads + kvh) * a.n * kD;
  const __half* v = reinterpret_cast<const __half*>(a.v) + (static_cast<size_t>(b) * a.kv_heads + kvh) * a.n * kD;
  const int r0 = tile * kRows, w0 = r0 + warp * 16;
  const int row[2] = {w0 + g, w0 + g + 8};  // this lane's two query positions

  // Q as A fragments, read once from global memory (rows past n are zero).
  uint32_t qa[kD / 16][4];
#pragma unroll
  for (int kk = 0; kk < kD / 16; ++kk)
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const int qi = row[r % 2], e = kk * 16 + 2 * t + (r / 2) * 8;
      qa[kk][r] = qi < a.n ? load_u32(q + static_cast<size_t>(qi) * kD + e) : 0u;
    }

  float o[kD / 8][4];
#pragma unroll
  for (int nt = 0; nt < kD / 8; ++nt) o[nt][0] = o[nt][1] = o[nt][2] = o[nt][3] = 0;
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {0, 0};  // per row, log2 domain
  const float scale_log2 = rsqrtf(static_cast<float>(kD)) * 1.4426950408889634f;

  const KeyTiles keys(a.n, r0, kRows, kKeys, a.window, a.sinks);
  for (int c0 = keys.begin(); c0 <= keys.last; c0 = keys.next(c0)) {
    __syncthreads();  // every warp is done with the previous tiles
    load_rows<kKeys, kD>(ks, kLdK, k, c0, a.n);
    constexpr int kChunks = kD / 8;  // 16-byte pieces of a row
    // V, transposed: consecutive lanes take consecutive keys, so each of the eight 2-byte stores
    // of a warp lands in consecutive halves of one Vᵀ row (no bank conflicts).
    for (int x = threadIdx.x; x < kKeys * kChunks; x += kThreads) {
      const int j = x % kKeys, e = (x / kKeys) * 8;
      uint4 vv = make_uint4(0, 0, 0, 0);
      if (c0 + j < a.n) vv = *reinterpret_cast<const uint4*>(v + static_cast<size_t>(c0 + j) * kD + e);
      const __half* vh = reinterpret_cast<const __half*>(&vv);
#pragma unroll
      for (int i = 0; i < 8; ++i) vt[(e + i) * kLdV + j] = vh[i];
    }
    __syncthreads();

    // S = Q·Kᵀ: 8 tiles of 8 keys.
    float s[kKeys / 8][4];
#pragma unroll
    for (int nt = 0; nt < kKeys / 8; ++nt) s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0;
#pragma unroll
    for (int kk = 0; kk < kD / 16; ++kk)
#pragma unroll
      for (int nt = 0; nt < kKeys / 8; ++nt) {
        const __half* kr = ks + (nt * 8 + g) * kLdK + kk * 16 + 2 * t;
        const uint32_t kb[2] = {load_u32(kr), load_u32(kr + 8)};
        mma_m16n8k16(s[nt], qa[kk], kb);
      }

    // Scale (log2 domain) and mask; a tile inside the band for every row of the block needs no mask.
    const bool inside = c0 + kKeys - 1 <= r0 && (a.window == 0 || (r0 + kRows - 1) - c0 < a.window) && keys.last == r0 + kRows - 1;
    float tile_max[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int nt = 0; nt < kKeys / 8; ++nt)
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        const int j = c0 + nt * 8 + 2 * t + (r & 1), i = row[r / 2];
        const bool vis = inside || (i < a.n && j < a.n && visible(i, j, a.window, a.sinks));
        s[nt][r] = vis ? s[nt][r] * scale_log2 : -INFINITY;
        tile_max[r / 2] = fmaxf(tile_max[r / 2], s[nt][r]);
      }
    float corr[2];
#pragma unroll
    for (int x = 0; x < 2; ++x) {
      tile_max[x] = fmaxf(tile_max[x], __shfl_xor_sync(0xffffffffu, tile_max[x], 1));
      tile_max[x] = fmaxf(tile_max[x], __shfl_xor_sync(0xffffffffu, tile_max[x], 2));
      const float m_new = fmaxf(m[x], tile_max[x]);
      corr[x] = m_new == -INFINITY ? 1.0f : exp2f(m[x] - m_new);  // nothing visible yet: stays 0
      m[x] = m_new;
    }
    // P = exp2(S − m), rounded to fp16 into the A fragments of the four 16-key steps.
    uint32_t pa[kKeys / 16][4];
    float sum[2] = {0, 0};
#pragma unroll
    for (int nt = 0; nt < kKeys / 8; ++nt)
#pragma unroll
      for (int x = 0; x < 2; ++x) {
        const float p0 = m[x] == -INFINITY ? 0.0f : exp2f(s[nt][2 * x] - m[x]);
        const float p1 = m[x] == -INFINITY ? 0.0f : exp2f(s[nt][2 * x + 1] - m[x]);
        const uint32_t packed = pack_half2(p0, p1);
        pa[nt / 2][(nt % 2) * 2 + x] = packed;
        sum[x] += low_half(packed) + high_half(packed);  // normalize by what the tensor cores multiply
      }
#pragma unroll
    for (int x = 0; x < 2; ++x) {
      sum[x] += __shfl_xor_sync(0xffffffffu, sum[x], 1);
      sum[x] += __shfl_xor_sync(0xffffffffu, sum[x], 2);
      l[x] = l[x] * corr[x] + sum[x];
    }
#pragma unroll
    for (int nt = 0; nt < kD / 8; ++nt) o[nt][0] *= corr[0], o[nt][1] *= corr[0], o[nt][2] *= corr[1], o[nt][3] *= corr[1];

    // O += P·V: 16 tiles of 8 head-dim columns, four 16-key steps.
#pragma unroll
    for (int kk = 0; kk < kKeys / 16; ++kk)
#pragma unroll
      for (int nt = 0; nt < kD / 8; ++nt) {
        const __half* vr = vt + (nt * 8 + g) * kLdV + kk * 16 + 2 * t;
        const uint32_t vb[2] = {load_u32(vr), load_u32(vr + 8)};
        mma_m16n8k16(o[nt], pa[kk], vb);
      }
  }

#pragma unroll
  for (int x = 0; x < 2; ++x) {
    if (row[x] >= a.n) continue;
    const float inv = l[x] > 0 ? 1.0f / l[x] : 0.0f;
    float* out = a.out + ((static_cast<size_t>(b) * a.heads + h) * a.n + row[x]) * kD + 2 * t;
#pragma unroll
    for (int nt = 0; nt < kD / 8; ++nt) *reinterpret_cast<float2*>(out + nt * 8) = make_float2(o[nt][2 * x] * inv, o[nt][2 * x + 1] * inv);
  }
}

}  // namespace

void launch_prefill_flash_v3(const PrefillArgs& a, cudaStream_t stream) {
  const int tiles = (a.n + kRows - 1) / kRows;
  ATTNCOST_LAUNCH(prefill_flash_v3, a.batch * a.heads * tiles, kThreads, kSmemBytes, stream, a);
}

}  // namespace attncost::probe::cuda
