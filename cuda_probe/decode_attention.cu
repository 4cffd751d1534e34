// Decode attention: one query token per sequence against the KV cache.
//
// Versions (each checked against reference_decode before it is timed):
//   v1  one block per (sequence, query head); each thread owns one element of the head, and a
//       block-wide sum turns the per-element products into a score, one key at a time.
//       Simple and correct; slow (two barriers per key, K/V re-read by every query head).
//   v2  flash-decoding: one block per (sequence, KV head, chunk of ≤ 8 query heads, split of the
//       context). 16 threads cover one key with 16-byte loads, so a warp reads two keys per
//       instruction; the chunk's query heads reuse every K/V load (GQA/MQA sharing); an online
//       softmax per thread, a shared-memory merge per block, and a combine kernel across splits
//       so that a single long sequence still fills the GPU.
// Contiguous cache: row ((b·G + g)·ctx + j); paged: block_table maps the logical page of token j
// to a physical page holding rows ((page·G + g)·page_size + j mod page_size).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <algorithm>

#include "cuda_probe/cuda_kernels.h"

namespace attncost::probe::cuda {
namespace {

template <KvType T>
struct Kv;

template <>
struct Kv<KvType::fp16> {
  __device__ static void load8(const void* base, size_t row, int d, int e0, const uint16_t*, float f[8]) {
    const uint4 raw = *reinterpret_cast<const uint4*>(static_cast<const __half*>(base) + row * d + e0);
    const __half2* h = reinterpret_cast<const __half2*>(&raw);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const float2 x = __half22float2(h[i]);
      f[2 * i] = x.x, f[2 * i + 1] = x.y;
    }
  }
  __device__ static float load1(const void* base, size_t row, int d, int e, const uint16_t*) {
    return __half2float(static_cast<const __half*>(base)[row * d + e]);
  }
};

template <>
struct Kv<KvType::bf16> {
  __device__ static void load8(const void* base, size_t row, int d, int e0, const uint16_t*, float f[8]) {
    const uint4 raw = *reinterpret_cast<const uint4*>(static_cast<const __nv_bfloat16*>(base) + row * d + e0);
    const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&raw);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const float2 x = __bfloat1622float2(h[i]);
      f[2 * i] = x.x, f[2 * i + 1] = x.y;
    }
  }
  __device__ static float load1(const void* base, size_t row, int d, int e, const uint16_t*) {
    return __bfloat162float(static_cast<const __nv_bfloat16*>(base)[row * d + e]);
  }
};

__device__ inline float fp8_to_float(uint8_t b) {
  const __half_raw h = __nv_cvt_fp8_to_halfraw(static_cast<__nv_fp8_storage_t>(b), __NV_E4M3);
  return __half2float(__half(h));
}

template <>
struct Kv<KvType::fp8> {
  __device__ static void load8(const void* base, size_t row, int d, int e0, const uint16_t*, float f[8]) {
    const uint2 raw = *reinterpret_cast<const uint2*>(static_cast<const uint8_t*>(base) + row * d + e0);
    const uint8_t* b = reinterpret_cast<const uint8_t*>(&raw);
#pragma unroll
    for (int i = 0; i < 8; ++i) f[i] = fp8_to_float(b[i]);
  }
  __device__ static float load1(const void* base, size_t row, int d, int e, const uint16_t*) {
    return fp8_to_float(static_cast<const uint8_t*>(base)[row * d + e]);
  }
};

template <>
struct Kv<KvType::int8> {
  __device__ static void load8(const void* base, size_t row, int d, int e0, const uint16_t* scales, float f[8]) {
    const uint2 raw = *reinterpret_cast<const uint2*>(static_cast<const int8_t*>(base) + row * d + e0);
    const int8_t* b = reinterpret_cast<const int8_t*>(&raw);
    const float s = __half2float(__ushort_as_half(scales[row]));
#pragma unroll
    for (int i = 0; i < 8; ++i) f[i] = s * static_cast<float>(b[i]);
  }
  __device__ static float load1(const void* base, size_t row, int d, int e, const uint16_t* scales) {
    return __half2float(__ushort_as_half(scales[row])) * static_cast<float>(static_cast<const int8_t*>(base)[row * d + e]);
  }
};

__device__ inline size_t kv_row(const DecodeArgs& a, int b, int g, int j) {
  if (!a.block_table) return (static_cast<size_t>(b) * a.kv_heads + g) * a.ctx + j;
  const int page = a.block_table[b * a.pages_per_seq + j / a.page_size];
  return (static_cast<size_t>(page) * a.kv_heads + g) * a.page_size + j % a.page_size;
}

// The attended keys of the query at ctx-1, as a dense index range: sinks first, then the window.
struct KeyRange {
  int lo, sink_end, count;
  __host__ __device__ KeyRange(const DecodeArgs& a) {
    lo = a.window > 0 && a.ctx > a.window ? a.ctx - a.window : 0;
    sink_end = a.sinks < lo ? a.sinks : lo;
    count = sink_end + (a.ctx - lo);
  }
  __device__ int key(int t) const { return t < sink_end ? t : lo + (t - sink_end); }
};

__device__ float block_sum(float x, float* scratch) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = (blockDim.x + 31) / 32;
  __syncthreads();  // scratch may still be read from the previous key
  if (lane == 0) scratch[warp] = x;
  __syncthreads();
  float total = 0;
  for (int w = 0; w < warps; ++w) total += scratch[w];
  return total;
}

template <KvType T>
__global__ void decode_v1(DecodeArgs a) {
  __shared__ float scratch[32];
  const int bh = blockIdx.x, b = bh / a.heads, h = bh % a.heads, g = h / (a.heads / a.kv_heads), e = threadIdx.x;
  const int d = a.head_dim;
  const float qe = a.q[static_cast<size_t>(bh) * d + e] * rsqrtf(static_cast<float>(d));
  const KeyRange keys(a);
  float m = -INFINITY, l = 0, acc = 0;
  for (int t = 0; t < keys.count; ++t) {
    const size_t row = kv_row(a, b, g, keys.key(t));
    const float s = block_sum(qe * Kv<T>::load1(a.k, row, d, e, a.k_scale), scratch);
    const float mn = fmaxf(m, s);
    const float corr = __expf(m - mn), p = __expf(s - mn);
    l = l * corr + p;
    acc = acc * corr + p * Kv<T>::load1(a.v, row, d, e, a.v_scale);
    m = mn;
  }
  a.out[static_cast<size_t>(bh) * d + e] = acc / l;
}

constexpr int kD = 128, kThreads = 128, kLanesPerKey = kD / 8, kKeyGroups = kThreads / kLanesPerKey;

template <KvType T, int GH>
__global__ void __launch_bounds__(kThreads) decode_v2(DecodeArgs a, int chunks) {
  __shared__ float sm_m[kKeyGroups][GH], sm_l[kKeyGroups][GH];
  __shared__ float sm_acc[kKeyGroups][GH][kD];
  const int group = a.heads / a.kv_heads;
  int idx = blockIdx.x;
  const int chunk = idx % chunks;
  idx /= chunks;
  const int g = idx % a.kv_heads, b = idx / a.kv_heads;
  const int split = blockIdx.y, splits = gridDim.y;
  const int h0 = g * group + chunk * GH;
  const int lane = threadIdx.x % kLanesPerKey, kg = threadIdx.x / kLanesPerKey, e0 = lane * 8;
  const float scale = rsqrtf(static_cast<float>(kD));

  float q[GH][8], acc[GH][8], m[GH], l[GH];
#pragma unroll
  for (int i = 0; i < GH; ++i) {
    const float4* src = reinterpret_cast<const float4*>(a.q + (static_cast<size_t>(b) * a.heads + h0 + i) * kD + e0);
    const float4 x = src[0], y = src[1];
    q[i][0] = x.x * scale, q[i][1] = x.y * scale, q[i][2] = x.z * scale, q[i][3] = x.w * scale;
    q[i][4] = y.x * scale, q[i][5] = y.y * scale, q[i][6] = y.z * scale, q[i][7] = y.w * scale;
    m[i] = -INFINITY, l[i] = 0;
#pragma unroll
    for (int t = 0; t < 8; ++t) acc[i][t] = 0;
  }
  const KeyRange keys(a);
  const int per = (keys.count + splits - 1) / splits;
  const int begin = split * per, end = min(keys.count, begin + per);
  // Every lane runs the same number of steps: a warp holds two key groups, and the shuffles
  // below name the whole warp, so a group past the end still takes part (with no key).
  for (int t0 = begin; t0 < end; t0 += kKeyGroups) {
    const int t = t0 + kg;
    const bool valid = t < end;
    float kf[8] = {}, vf[8] = {};
    if (valid) {
      const size_t row = kv_row(a, b, g, keys.key(t));
      Kv<T>::load8(a.k, row, kD, e0, a.k_scale, kf);
      Kv<T>::load8(a.v, row, kD, e0, a.v_scale, vf);
    }
#pragma unroll
    for (int i = 0; i < GH; ++i) {
      float s = 0;
#pragma unroll
      for (int t2 = 0; t2 < 8; ++t2) s += q[i][t2] * kf[t2];
      // Sum over the 16 lanes that hold this key (xor within aligned groups of 16).
#pragma unroll
      for (int o = kLanesPerKey / 2; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
      if (!valid) continue;
      const float mn = fmaxf(m[i], s);
      const float corr = __expf(m[i] - mn), p = __expf(s - mn);
      l[i] = l[i] * corr + p;
#pragma unroll
      for (int t2 = 0; t2 < 8; ++t2) acc[i][t2] = acc[i][t2] * corr + p * vf[t2];
      m[i] = mn;
    }
  }
  // Merge the key groups of this block.
#pragma unroll
  for (int i = 0; i < GH; ++i) {
    if (lane == 0) sm_m[kg][i] = m[i], sm_l[kg][i] = l[i];
#pragma unroll
    for (int t = 0; t < 8; ++t) sm_acc[kg][i][e0 + t] = acc[i][t];
  }
  __syncthreads();
  for (int o = threadIdx.x; o < GH * kD; o += kThreads) {
    const int i = o / kD, e = o % kD;
    float M = -INFINITY;
    for (int k = 0; k < kKeyGroups; ++k) M = fmaxf(M, sm_m[k][i]);
    float L = 0, O = 0;
    for (int k = 0; k < kKeyGroups; ++k) {
      const float w = sm_m[k][i] == -INFINITY ? 0.0f : __expf(sm_m[k][i] - M);
      L += sm_l[k][i] * w;
      O += sm_acc[k][i][e] * w;
    }
    const size_t bh = static_cast<size_t>(b) * a.heads + h0 + i;
    if (splits == 1) {
      a.out[bh * kD + e] = O / L;
    } else {
      float* ws = a.workspace + (bh * splits + split) * (kD + 2);
      ws[e] = O;
      if (e == 0) ws[kD] = M, ws[kD + 1] = L;
    }
  }
}

// Merges the splits of one (sequence, head): softmax-weighted sum of the partial outputs.
__global__ void decode_combine(DecodeArgs a) {
  const size_t bh = blockIdx.x;
  const int e = threadIdx.x, splits = a.splits;
  const float* ws = a.workspace + bh * splits * (kD + 2);
  float M = -INFINITY;
  for (int s = 0; s < splits; ++s) M = fmaxf(M, ws[s * (kD + 2) + kD]);
  float L = 0, O = 0;
  for (int s = 0; s < splits; ++s) {
    const float ms = ws[s * (kD + 2) + kD];
    const float w = ms == -INFINITY ? 0.0f : __expf(ms - M);
    L += ws[s * (kD + 2) + kD + 1] * w;
    O += ws[s * (kD + 2) + e] * w;
  }
  a.out[bh * kD + e] = O / L;
}

int heads_per_block(int group) {
  for (int gh : {8, 4, 2, 1})
    if (group % gh == 0) return gh;
  return 1;
}

template <KvType T>
void launch_v2_typed(const DecodeArgs& a, cudaStream_t stream) {
  const int group = a.heads / a.kv_heads, gh = heads_per_block(group), chunks = group / gh;
  const dim3 grid(static_cast<unsigned>(a.batch * a.kv_heads * chunks), static_cast<unsigned>(a.splits));
  const auto kernel = gh == 8 ? decode_v2<T, 8> : gh == 4 ? decode_v2<T, 4> : gh == 2 ? decode_v2<T, 2> : decode_v2<T, 1>;
  ATTNCOST_LAUNCH(kernel, grid, kThreads, 0, stream, a, chunks);
  if (a.splits > 1) ATTNCOST_LAUNCH(decode_combine, a.batch * a.heads, kD, 0, stream, a);
}

template <KvType T>
void launch_typed(int version, const DecodeArgs& a, cudaStream_t stream) {
  if (version == 1) {
    const auto kernel = decode_v1<T>;
    ATTNCOST_LAUNCH(kernel, a.batch * a.heads, a.head_dim, 0, stream, a);
  } else {
    launch_v2_typed<T>(a, stream);
  }
}

}  // namespace

int decode_splits(const DecodeArgs& a, int sms) {
  const int group = a.heads / a.kv_heads, chunks = group / heads_per_block(group);
  const int blocks = a.batch * a.kv_heads * chunks;
  const KeyRange keys(a);
  // Enough blocks for two waves, but at least 256 keys per split.
  int splits = (2 * sms + blocks - 1) / blocks;
  splits = std::min(splits, std::max(1, keys.count / 256));
  return std::max(1, std::min(splits, 64));
}

void launch_decode(int version, const DecodeArgs& a, cudaStream_t stream) {
  switch (a.type) {
    case KvType::fp16: launch_typed<KvType::fp16>(version, a, stream); break;
    case KvType::bf16: launch_typed<KvType::bf16>(version, a, stream); break;
    case KvType::fp8: launch_typed<KvType::fp8>(version, a, stream); break;
    case KvType::int8: launch_typed<KvType::int8>(version, a, stream); break;
  }
}

}  // namespace attncost::probe::cuda
