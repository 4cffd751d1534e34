// Linear attention prefill v2: the chunked form (flash-linear-attention's "chunk" algorithm,
// Yang et al. 2024), in two kernels, so that the work is parallel over chunks instead of a
// token-by-token scan per head (v1, linear_attention.cu):
//
//   chunk_states   one pass over the chunks per (head, 32-column slice of S): writes the state
//                  S_c and normalizer z_c in force before each 64-token chunk into a workspace,
//                  and the final state back to `state`/`z`. Thread f owns row f of the slice.
//   chunk_outputs  one block per (chunk, head): out_t = (φ(q_t)·S_c + Σ_{s≤t in chunk} A_ts v_s)
//                  / (φ(q_t)·z_c + Σ_{s≤t} A_ts) with A = φ(Q_c)φ(K_c)ᵀ, thread e owning output
//                  column e (it streams column e of S_c once from the workspace).
//
// The workspace holds one d×d state per chunk of kLinearPrefillChunk tokens, the traffic the
// estimator's linear prefill counts (docs/cost-model.md §4), with the same chunk length.
#include "cuda_probe/cuda_kernels.h"
#include "estimators/linear_chunk.h"

namespace attncost::probe::cuda {
namespace {

constexpr int kChunk = kLinearPrefillChunk, kSlice = 32;

__device__ inline float phi(float x) { return x > 0 ? x + 1 : __expf(x); }

__global__ void chunk_states(LinearArgs a, float* ws_state, float* ws_z) {
  ATTNCOST_DYNAMIC_SHARED(float, smem);
  const int d = a.d, f = threadIdx.x, head = blockIdx.x, e0 = blockIdx.y * kSlice;
  const int chunks = (a.n + kChunk - 1) / kChunk;
  float* fk = smem;                 // [kChunk][d]: φ(k) of the chunk, zero past n
  float* vs = fk + kChunk * d;      // [kChunk][kSlice]: this slice's columns of v
  float* state = a.state + static_cast<size_t>(head) * d * d;
  float s[kSlice];
#pragma unroll
  for (int e = 0; e < kSlice; ++e) s[e] = state[static_cast<size_t>(f) * d + e0 + e];
  const bool owns_z = blockIdx.y == 0;
  float z = owns_z ? a.z[static_cast<size_t>(head) * d + f] : 0.0f;
  for (int c = 0; c < chunks; ++c) {
    float* out = ws_state + ((static_cast<size_t>(head) * chunks + c) * d + f) * d + e0;
#pragma unroll
    for (int e = 0; e < kSlice; e += 4) *reinterpret_cast<float4*>(out + e) = make_float4(s[e], s[e + 1], s[e + 2], s[e + 3]);
    if (owns_z) ws_z[(static_cast<size_t>(head) * chunks + c) * d + f] = z;
    const int t0 = c * kChunk, len = min(kChunk, a.n - t0);
    __syncthreads();  // the previous chunk's tiles are consumed
    for (int t = 0; t < kChunk; ++t) fk[t * d + f] = t < len ? phi(a.k[(static_cast<size_t>(head) * a.n + t0 + t) * d + f]) : 0.0f;
    for (int x = threadIdx.x; x < kChunk * kSlice; x += blockDim.x) {
      const int t = x / kSlice, e = x % kSlice;
      vs[x] = t < len ? a.v[(static_cast<size_t>(head) * a.n + t0 + t) * d + e0 + e] : 0.0f;
    }
    __syncthreads();
    for (int t = 0; t < kChunk; ++t) {
      const float kf = fk[t * d + f];
#pragma unroll
      for (int e = 0; e < kSlice; ++e) s[e] += kf * vs[t * kSlice + e];
      z += kf;
    }
  }
#pragma unroll
  for (int e = 0; e < kSlice; ++e) state[static_cast<size_t>(f) * d + e0 + e] = s[e];
  if (owns_z) a.z[static_cast<size_t>(head) * d + f] = z;
}

__global__ void chunk_outputs(LinearArgs a, const float* ws_state, const float* ws_z) {
  ATTNCOST_DYNAMIC_SHARED(float, smem);
  const int d = a.d, ld = d + 1, e = threadIdx.x;  // rows padded: per-row reads across threads stay conflict-free
  const int c = blockIdx.x, head = blockIdx.y, chunks = gridDim.x;
  const int t0 = c * kChunk, len = min(kChunk, a.n - t0);
  float* fq = smem;                 // [kChunk][d + 1]
  float* fk = fq + kChunk * ld;     // [kChunk][d + 1]
  float* vs = fk + kChunk * ld;     // [kChunk][d]
  float* A = vs + kChunk * d;       // [kChunk][kChunk + 1]: causal φ(q)·φ(k) within the chunk
  float* zc = A + kChunk * (kChunk + 1);  // [d]
  float* den = zc + d;              // [kChunk]
  const size_t base = (static_cast<size_t>(head) * a.n + t0) * d;
  for (int t = 0; t < kChunk; ++t) {
    const bool in = t < len;
    fq[t * ld + e] = in ? phi(a.q[base + static_cast<size_t>(t) * d + e]) : 0.0f;
    fk[t * ld + e] = in ? phi(a.k[base + static_cast<size_t>(t) * d + e]) : 0.0f;
    vs[t * d + e] = in ? a.v[base + static_cast<size_t>(t) * d + e] : 0.0f;
  }
  zc[e] = ws_z[(static_cast<size_t>(head) * chunks + c) * d + e];
  __syncthreads();

  // Inter-chunk part: num_t = φ(q_t)·S_c[:, e], column e of S_c streamed once.
  float num[kChunk];
#pragma unroll
  for (int t = 0; t < kChunk; ++t) num[t] = 0;
  const float* S = ws_state + (static_cast<size_t>(head) * chunks + c) * d * d;
  for (int f = 0; f < d; ++f) {
    const float sf = S[static_cast<size_t>(f) * d + e];
#pragma unroll
    for (int t = 0; t < kChunk; ++t) num[t] += fq[t * ld + f] * sf;
  }
  // Intra-chunk scores, lower triangle only (the rest is never read).
  for (int x = threadIdx.x; x < kChunk * kChunk; x += blockDim.x) {
    const int t = x / kChunk, s = x % kChunk;
    if (s > t) continue;
    float dot = 0;
    for (int f = 0; f < d; ++f) dot += fq[t * ld + f] * fk[s * ld + f];
    A[t * (kChunk + 1) + s] = dot;
  }
  __syncthreads();
  for (int t = threadIdx.x; t < kChunk; t += blockDim.x) {
    float sum = 0;
    for (int f = 0; f < d; ++f) sum += fq[t * ld + f] * zc[f];
    for (int s = 0; s <= t; ++s) sum += A[t * (kChunk + 1) + s];
    den[t] = sum;
  }
  __syncthreads();
#pragma unroll
  for (int t = 0; t < kChunk; ++t) {
    float acc = num[t];
    for (int s = 0; s <= t; ++s) acc += A[t * (kChunk + 1) + s] * vs[s * d + e];
    if (t < len) a.out[base + static_cast<size_t>(t) * d + e] = acc / den[t];
  }
}

}  // namespace

size_t linear_chunk_workspace_floats(const LinearArgs& a) {
  const size_t chunks = (static_cast<size_t>(a.n) + kChunk - 1) / kChunk;
  return static_cast<size_t>(a.bh) * chunks * (static_cast<size_t>(a.d) * a.d + a.d);
}

void launch_linear_chunked(const LinearArgs& a, cudaStream_t stream) {
  const int chunks = (a.n + kChunk - 1) / kChunk;
  float* ws_state = a.workspace;
  float* ws_z = ws_state + static_cast<size_t>(a.bh) * chunks * a.d * a.d;
  const size_t states_smem = sizeof(float) * kChunk * (a.d + kSlice);
  cudaFuncSetAttribute(chunk_states, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(states_smem));
  ATTNCOST_LAUNCH(chunk_states, dim3(a.bh, a.d / kSlice), a.d, states_smem, stream, a, ws_state, ws_z);
  const size_t outputs_smem = sizeof(float) * (2 * kChunk * (a.d + 1) + kChunk * a.d + kChunk * (kChunk + 1) + a.d + kChunk);
  cudaFuncSetAttribute(chunk_outputs, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(outputs_smem));
  ATTNCOST_LAUNCH(chunk_outputs, dim3(chunks, a.bh), a.d, outputs_smem, stream, a, ws_state, ws_z);
}

}  // namespace attncost::probe::cuda
