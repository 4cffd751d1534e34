// Flash prefill v2: the same online-softmax tiling as v1 (prefill_attention.cu), with both
// matmuls on tensor cores through WMMA (fp16 in, fp32 accumulate), FlashAttention-2's split of
// work (Dao 2023): each warp owns 16 query rows, so the softmax statistics of a row never leave
// the warp and K/V tiles are the only thing the block's warps share.
//
// Per block: 4 warps × 16 rows = 64 query rows; per step a 64-key tile of K and V in shared
// memory. Per warp and step:
//   1. S (16×64) = Q·Kᵀ on tensor cores, stored to the warp's fp32 scratch;
//   2. two lanes per row read their row's half of S, apply scale, causal/window/sink mask, and
//      the online-softmax update (running max m, running sum l) in the log2 domain; they write
//      P (fp16) for the tensor cores and keep the rescale factor of their row;
//   3. P·V (16×128) on tensor cores into fresh accumulators, stored over the scratch;
//   4. each lane folds its 64 columns of P·V into its register-resident output row:
//      o = o·corr + pv. (WMMA leaves an accumulator's element→row map unspecified, so the
//      per-row rescale cannot be applied to fragments directly; the scratch round trip pays
//      for that portability.)
// Rows are padded (136 halves, 132 floats) so WMMA's strided shared-memory loads do not all
// hit one bank; every fragment pointer stays 32-byte aligned as WMMA requires.
// Tiles outside the causal/window band are never visited; the diagonal tiles go first in the
// grid (reverse tile order) so the longest blocks start earliest.
#include <cuda_fp16.h>
#include <mma.h>

#include "estimators/flash_tiles.h"
#include "cuda_probe/cuda_kernels.h"
#include "cuda_probe/prefill_tiles.cuh"

namespace attncost::probe::cuda {
namespace {

using namespace nvcuda;

constexpr int kD = 128;                 // head dim (the probe's CUDA prefill cases)
constexpr int kWarps = 4, kThreads = kWarps * 32;
constexpr int kRows = kWarps * 16;      // query rows per block
constexpr int kKeys = kProbeFlashTileKeys;  // keys per tile
static_assert(kRows == kProbeFlashTileRows, "the estimator predicts the K/V traffic of kProbeFlashTileRows-row tiles");
constexpr int kLdH = kD + 8;            // padded fp16 row of Q/K/V tiles
constexpr int kLdS = kD + 4;            // padded fp32 scratch row (S uses the first kKeys columns)
constexpr int kLdP = kKeys + 8;         // padded fp16 row of P

constexpr size_t kTileBytes = sizeof(__half) * kRows * kLdH;            // Q tile (and K, V with kKeys rows)
constexpr size_t kScratchBytes = sizeof(float) * 16 * kLdS;             // per warp
constexpr size_t kPBytes = sizeof(__half) * 16 * kLdP;                  // per warp
constexpr size_t kSmemBytes = 3 * kTileBytes + kWarps * (kScratchBytes + kPBytes);
static_assert(kRows == kKeys, "the Q, K and V tiles share one size");
static_assert(kTileBytes % 32 == 0 && kScratchBytes % 32 == 0 && kPBytes % 32 == 0, "WMMA needs 32-byte aligned fragments");

// One warp's out (16 × 16N, fp32, row-major) = A (16 × 16K, fp16, row-major) · B on tensor cores.
// B's 16×16 tile (k, n) starts at b + k·b_k + n·b_n, laid out as BLayout with leading dim ldb.
template <int N, int K, typename BLayout>
__device__ inline void warp_matmul(const __half* a, int lda, const __half* b, int ldb, int b_k, int b_n, float* out, int ldo) {
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[N];
#pragma unroll
  for (int n = 0; n < N; ++n) wmma::fill_fragment(acc[n], 0.0f);
#pragma unroll
  for (int k = 0; k < K; ++k) {
    wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> fa;
    wmma::load_matrix_sync(fa, a + k * 16, lda);
#pragma unroll
    for (int n = 0; n < N; ++n) {
      wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, BLayout> fb;
      wmma::load_matrix_sync(fb, b + k * b_k + n * b_n, ldb);
      wmma::mma_sync(acc[n], fa, fb, acc[n]);
    }
  }
#pragma unroll
  for (int n = 0; n < N; ++n) wmma::store_matrix_sync(out + n * 16, acc[n], ldo, wmma::mem_row_major);
}

__global__ void __launch_bounds__(kThreads, 2) prefill_flash_v2(PrefillArgs a) {
  ATTNCOST_DYNAMIC_SHARED(unsigned char, smem);
  __half* qs = reinterpret_cast<__half*>(smem);
  __half* ks = reinterpret_cast<__half*>(smem + kTileBytes);
  __half* vs = reinterpret_cast<__half*>(smem + 2 * kTileBytes);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  float* scratch = reinterpret_cast<float*>(smem + 3 * kTileBytes + warp * kScratchBytes);
  __half* ps = reinterpret_cast<__half*>(smem + 3 * kTileBytes + kWarps * kScratchBytes + warp * kPBytes);

  const int tiles = (a.n + kRows - 1) / kRows;
  const int tile = tiles - 1 - static_cast<int>(blockIdx.x % tiles);
  const int bh = static_cast<int>(blockIdx.x / tiles);
  const int b = bh / a.heads, h = bh % a.heads, g = h / (a.heads / a.kv_heads);
  const __half* q = reinterpret_cast<const __half*>(a.q) + (static_cast<size_t>(b) * a.heads + h) * a.n * kD;
  const __half* k = reinterpret_cast<const __half*>(a.k) + (static_cast<size_t>(b) * a.kv_heads + g) * a.n * kD;
  const __half* v = reinterpret_cast<const __half*>(a.v) + (static_cast<size_t>(b) * a.kv_heads + g) * a.n * kD;
  const int r0 = tile * kRows;
  load_rows<kRows, kD>(qs, kLdH, q, r0, a.n);

  // Lane l owns row l/2 of its warp's 16 rows and half (l%2) of each row's columns.
  const int my_row = lane / 2, my_half = lane % 2;
  const int i = r0 + warp * 16 + my_row;  // this lane's query position
  const float scale_log2 = rsqrtf(static_cast<float>(kD)) * 1.4426950408889634f;
  float o[kD / 2];
#pragma unroll
  for (int e = 0; e < kD / 2; ++e) o[e] = 0;
  float m = -INFINITY, l = 0;  // running max (log2 domain) and sum of this lane's row

  const KeyTiles keys(a.n, r0, kRows, kKeys, a.window, a.sinks);
  for (int c0 = keys.begin(); c0 <= keys.last; c0 = keys.next(c0)) {
    __syncthreads();  // every warp is done with the previous K/V tile
    load_rows<kKeys, kD>(ks, kLdH, k, c0, a.n);
    load_rows<kKeys, kD>(vs, kLdH, v, c0, a.n);
    __syncthreads();

    // 1. S (16×64) = Q·Kᵀ; Kᵀ as a column-major 128×64 operand is K's row-major tile.
    warp_matmul<kKeys / 16, kD / 16, wmma::col_major>(qs + warp * 16 * kLdH, kLdH, ks, kLdH, 16, 16 * kLdH, scratch, kLdS);
    __syncwarp();

    // 2. Online softmax on this lane's 32 scores; the row's two lanes agree through one shuffle.
    constexpr int kMine = kKeys / 2;
    const float* srow = scratch + my_row * kLdS + my_half * kMine;
    const int j0 = c0 + my_half * kMine;
    float tile_max = -INFINITY;
#pragma unroll
    for (int jj = 0; jj < kMine; ++jj) {
      const bool vis = i < a.n && visible(i, j0 + jj, a.window, a.sinks);
      if (vis) tile_max = fmaxf(tile_max, srow[jj] * scale_log2);
    }
    tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
    const float m_new = fmaxf(m, tile_max);
    // A row with nothing visible so far keeps m = -inf; its P is all zero and o, l stay 0.
    const float corr = m_new == -INFINITY ? 1.0f : exp2f(m - m_new);
    float sum = 0;
    __half* prow = ps + my_row * kLdP + my_half * kMine;
#pragma unroll
    for (int jj = 0; jj < kMine; ++jj) {
      const bool vis = i < a.n && visible(i, j0 + jj, a.window, a.sinks);
      const float p = vis ? exp2f(srow[jj] * scale_log2 - m_new) : 0.0f;
      const __half ph = __float2half(p);
      sum += __half2float(ph);  // normalize by what the tensor cores multiply
      prow[jj] = ph;
    }
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    l = l * corr + sum;
    m = m_new;
    __syncwarp();

    // 3. P·V (16×128) into fresh accumulators, stored over the scratch.
    warp_matmul<kD / 16, kKeys / 16, wmma::row_major>(ps, kLdP, vs, kLdH, 16 * kLdH, 16, scratch, kLdS);
    __syncwarp();

    // 4. Fold this step's P·V into the lane's half row.
    const float* pv = scratch + my_row * kLdS + my_half * (kD / 2);
#pragma unroll
    for (int e = 0; e < kD / 2; ++e) o[e] = o[e] * corr + pv[e];
    __syncwarp();  // the scratch is rewritten by the next step's S
  }

  if (i < a.n) {
    float* out = a.out + ((static_cast<size_t>(b) * a.heads + h) * a.n + i) * kD + my_half * (kD / 2);
    const float inv = l > 0 ? 1.0f / l : 0.0f;
#pragma unroll
    for (int e = 0; e < kD / 2; e += 4) *reinterpret_cast<float4*>(out + e) = make_float4(o[e] * inv, o[e + 1] * inv, o[e + 2] * inv, o[e + 3] * inv);
  }
}

}  // namespace

void launch_prefill_flash_v2(const PrefillArgs& a, cudaStream_t stream) {
  cudaFuncSetAttribute(prefill_flash_v2, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(kSmemBytes));
  const int tiles = (a.n + kRows - 1) / kRows;
  ATTNCOST_LAUNCH(prefill_flash_v2, a.batch * a.heads * tiles, kThreads, kSmemBytes, stream, a);
}

}  // namespace attncost::probe::cuda
