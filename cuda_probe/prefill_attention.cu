// Prefill attention.
//
// Naive (the n×n IO the naive model predicts): cuBLAS writes S = QKᵀ in fp16; masked_softmax
// reads each row once, applies scale, causal mask, window and sinks, and writes P in place;
// cuBLAS then computes PV. (The GEMMs are issued by the backend.)
//
// Flash versions (each checked against reference_prefill before it is timed):
//   v1  SIMT tiles: a block of 128 threads owns 64 query rows (two threads per row, 64 output
//       elements each); 32-key tiles of K and V are staged in shared memory as fp32; scores,
//       an online softmax and the PV update stay on chip. Only tiles inside the causal/window
//       band (and the sink tiles) are visited. The simplest correct version.
//   v2  tensor cores (WMMA), FlashAttention-2's warp-per-16-rows split: prefill_flash_wmma.cu.
//   v3  mma.sync with scores, probabilities and output in registers: prefill_flash_mma.cu.
#include <cuda_fp16.h>

#include "estimators/flash_tiles.h"
#include "cuda_probe/cuda_kernels.h"
#include "cuda_probe/prefill_tiles.cuh"

namespace attncost::probe::cuda {
namespace {

__global__ void masked_softmax(__half* scores, int n, float scale, int window, int sinks) {
  ATTNCOST_DYNAMIC_SHARED(float, row);
  __shared__ float red[32];
  const size_t r = blockIdx.x;
  const int i = static_cast<int>(r % n);
  __half* s = scores + r * n;
  float mx = -INFINITY;
  for (int j = threadIdx.x; j < n; j += blockDim.x) {
    const float x = visible(i, j, window, sinks) ? __half2float(s[j]) * scale : -INFINITY;
    row[j] = x;
    mx = fmaxf(mx, x);
  }
  for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
  if (threadIdx.x % 32 == 0) red[threadIdx.x / 32] = mx;
  __syncthreads();
  const int warps = static_cast<int>((blockDim.x + 31) / 32);
  mx = -INFINITY;
  for (int w = 0; w < warps; ++w) mx = fmaxf(mx, red[w]);
  __syncthreads();
  float sum = 0;
  for (int j = threadIdx.x; j < n; j += blockDim.x) sum += (row[j] = __expf(row[j] - mx));
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  if (threadIdx.x % 32 == 0) red[threadIdx.x / 32] = sum;
  __syncthreads();
  sum = 0;
  for (int w = 0; w < warps; ++w) sum += red[w];
  const float inv = 1.0f / sum;
  for (int j = threadIdx.x; j < n; j += blockDim.x) s[j] = __float2half(row[j] * inv);
}

constexpr int kD = 128, kRows = kProbeFlashTileRows, kCols = 32, kThreads = 128;

__global__ void __launch_bounds__(kThreads) prefill_flash_v1(PrefillArgs a) {
  ATTNCOST_DYNAMIC_SHARED(float, smem);
  float* qs = smem;                       // [kRows][kD]
  float* ks = qs + kRows * kD;            // [kCols][kD + 1] (padded: conflict-free column reads)
  float* vs = ks + kCols * (kD + 1);      // [kCols][kD]
  float* ss = vs + kCols * kD;            // [kRows][kCols + 1]
  const int tiles = (a.n + kRows - 1) / kRows;
  const int tile = blockIdx.x % tiles, bh = blockIdx.x / tiles;
  const int b = bh / a.heads, h = bh % a.heads, g = h / (a.heads / a.kv_heads);
  const int r0 = tile * kRows, row = threadIdx.x / 2, half_id = threadIdx.x % 2, i = r0 + row;
  const __half* q = reinterpret_cast<const __half*>(a.q) + (static_cast<size_t>(b) * a.heads + h) * a.n * kD;
  const __half* k = reinterpret_cast<const __half*>(a.k) + (static_cast<size_t>(b) * a.kv_heads + g) * a.n * kD;
  const __half* v = reinterpret_cast<const __half*>(a.v) + (static_cast<size_t>(b) * a.kv_heads + g) * a.n * kD;
  const float scale = rsqrtf(static_cast<float>(kD));
  for (int x = threadIdx.x; x < kRows * kD; x += kThreads) {
    const int rr = x / kD, e = x % kD;
    qs[x] = r0 + rr < a.n ? __half2float(q[static_cast<size_t>(r0 + rr) * kD + e]) * scale : 0.0f;
  }
  float acc[kD / 2];
#pragma unroll
  for (int e = 0; e < kD / 2; ++e) acc[e] = 0;
  float m = -INFINITY, l = 0;
  const KeyTiles keys(a.n, r0, kRows, kCols, a.window, a.sinks);
  for (int c0 = keys.begin(); c0 <= keys.last; c0 = keys.next(c0)) {
    __syncthreads();
    for (int x = threadIdx.x; x < kCols * kD; x += kThreads) {
      const int jj = x / kD, e = x % kD, j = c0 + jj;
      ks[jj * (kD + 1) + e] = j < a.n ? __half2float(k[static_cast<size_t>(j) * kD + e]) : 0.0f;
      vs[jj * kD + e] = j < a.n ? __half2float(v[static_cast<size_t>(j) * kD + e]) : 0.0f;
    }
    __syncthreads();
    // Each thread scores 16 of the tile's 32 keys for its row.
    for (int jj = half_id * (kCols / 2); jj < (half_id + 1) * (kCols / 2); ++jj) {
      float s = 0;
      for (int e = 0; e < kD; ++e) s += qs[row * kD + e] * ks[jj * (kD + 1) + e];
      ss[row * (kCols + 1) + jj] = i < a.n && visible(i, c0 + jj, a.window, a.sinks) ? s : -INFINITY;
    }
    __syncthreads();
    float mx = m;
    for (int jj = 0; jj < kCols; ++jj) mx = fmaxf(mx, ss[row * (kCols + 1) + jj]);
    if (mx == -INFINITY) continue;  // nothing visible yet for this row
    const float corr = __expf(m - mx);
    l *= corr;
#pragma unroll
    for (int e = 0; e < kD / 2; ++e) acc[e] *= corr;
    for (int jj = 0; jj < kCols; ++jj) {
      const float p = __expf(ss[row * (kCols + 1) + jj] - mx);
      l += p;
      const float* vr = vs + jj * kD + half_id * (kD / 2);
#pragma unroll
      for (int e = 0; e < kD / 2; ++e) acc[e] += p * vr[e];
    }
    m = mx;
  }
  if (i < a.n) {
    float* o = a.out + ((static_cast<size_t>(b) * a.heads + h) * a.n + i) * kD + half_id * (kD / 2);
#pragma unroll
    for (int e = 0; e < kD / 2; ++e) o[e] = acc[e] / l;
  }
}

}  // namespace

void launch_masked_softmax(uint16_t* scores, int n, int rows_total, float scale, int window, int sinks, cudaStream_t stream) {
  const size_t smem = static_cast<size_t>(n) * sizeof(float);
  if (smem > 48 * 1024) cudaFuncSetAttribute(masked_softmax, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
  ATTNCOST_LAUNCH(masked_softmax, rows_total, 256, smem, stream, reinterpret_cast<__half*>(scores), n, scale, window, sinks);
}

void launch_prefill_flash(int version, const PrefillArgs& a, cudaStream_t stream) {
  if (version == 2) return launch_prefill_flash_v2(a, stream);
  if (version == 3) return launch_prefill_flash_v3(a, stream);
  const size_t smem = sizeof(float) * (kRows * kD + kCols * (kD + 1) + kCols * kD + kRows * (kCols + 1));
  cudaFuncSetAttribute(prefill_flash_v1, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
  const int tiles = (a.n + kRows - 1) / kRows;
  ATTNCOST_LAUNCH(prefill_flash_v1, a.batch * a.heads * tiles, kThreads, smem, stream, a);
}

}  // namespace attncost::probe::cuda
