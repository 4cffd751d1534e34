// Linear attention (Katharopoulos et al. 2020, φ(x) = elu(x) + 1): one block per head owns the
// head's d×d state S = Σφ(k)vᵀ and normalizer z = Σφ(k) in shared memory, reads them once,
// scans the tokens in order (a decode step is n = 1) and writes them back once. Thread e owns
// column e of S, so each token's update and readout are d FMAs per thread without conflicts.
// v1 is this recurrent scan; v2, the chunked prefill, is in linear_attention_chunked.cu.
#include "cuda_probe/cuda_kernels.h"

namespace attncost::probe::cuda {
namespace {

__device__ inline float phi(float x) { return x > 0 ? x + 1 : __expf(x); }

__global__ void linear_scan(LinearArgs a) {
  ATTNCOST_DYNAMIC_SHARED(float, smem);
  const int d = a.d, e = threadIdx.x;
  float* S = smem;            // [d][d]
  float* z = S + d * d;       // [d]
  float* pk = z + d;          // φ(k_t)
  float* pq = pk + d;         // φ(q_t)
  const size_t head = blockIdx.x;
  float* state = a.state + head * d * d;
  for (int f = 0; f < d; ++f) S[f * d + e] = state[f * d + e];
  z[e] = a.z[head * d + e];
  for (int t = 0; t < a.n; ++t) {
    const size_t at = (head * a.n + t) * d;
    __syncthreads();
    pk[e] = phi(a.k[at + e]);
    pq[e] = phi(a.q[at + e]);
    __syncthreads();
    const float ve = a.v[at + e];
    float num = 0;
    for (int f = 0; f < d; ++f) {
      const float s = S[f * d + e] + pk[f] * ve;
      S[f * d + e] = s;
      num += pq[f] * s;
    }
    z[e] += pk[e];
    __syncthreads();
    float den = 0;
    for (int f = 0; f < d; ++f) den += pq[f] * z[f];
    a.out[at + e] = num / den;
  }
  for (int f = 0; f < d; ++f) state[f * d + e] = S[f * d + e];
  a.z[head * d + e] = z[e];
}

}  // namespace

void launch_linear(int version, const LinearArgs& a, cudaStream_t stream) {
  if (version == 2) return launch_linear_chunked(a, stream);
  const size_t smem = sizeof(float) * (static_cast<size_t>(a.d) * a.d + 3 * a.d);
  cudaFuncSetAttribute(linear_scan, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
  ATTNCOST_LAUNCH(linear_scan, a.bh, a.d, smem, stream, a);
}

}  // namespace attncost::probe::cuda
