// Launch interface of the probe's CUDA kernels. Plain C++17 (nvcc compiles the kernels at C++17;
// the C++20 backend calls these). Every kernel family has numbered versions, simplest first
// (llm.c dev/cuda style); each version is checked against the CPU reference before it is timed.
#pragma once
#include <cstddef>
#include <cstdint>

#include <cuda_runtime.h>

// Kernel launches and dynamic shared memory go through these two macros so that the kernel
// sources also compile as host C++ under the CPU emulator the tests run them with
// (tests/cuda_emulation/), which defines both before including a kernel file.
#ifndef ATTNCOST_CUDA_EMULATION
#define ATTNCOST_LAUNCH(kernel, grid, block, smem, stream, ...) kernel<<<grid, block, smem, stream>>>(__VA_ARGS__)
#define ATTNCOST_DYNAMIC_SHARED(type, name) extern __shared__ __align__(128) type name[]
#endif

namespace attncost::probe::cuda {

enum class KvType : int { fp16 = 0, bf16 = 1, fp8 = 2, int8 = 3 };

struct DecodeArgs {
  const void* k = nullptr;          // rows of head_dim elements in `type`
  const void* v = nullptr;
  const uint16_t* k_scale = nullptr;  // int8: one fp16 scale per row
  const uint16_t* v_scale = nullptr;
  const float* q = nullptr;         // [batch][heads][head_dim]
  float* out = nullptr;             // [batch][heads][head_dim]
  const int32_t* block_table = nullptr;  // paged: [batch][pages_per_seq] → physical page; null = contiguous
  int batch = 0, heads = 0, kv_heads = 0, head_dim = 128, ctx = 0;
  int page_size = 16, pages_per_seq = 0;
  int window = 0, sinks = 0;        // window 0 = dense
  KvType type = KvType::fp16;
  // v2 split-K workspace: [batch][heads][splits][head_dim + 2] floats.
  float* workspace = nullptr;
  int splits = 1;
};

// Decode versions: 1 = one block per (sequence, query head), a block-wide reduction per key;
// 2 = flash-decoding: one block per (sequence, KV head, head chunk, split), 16 threads per key
// with 16-byte loads, the group's query heads sharing each K/V load, splits merged by a combine
// kernel. Returns the number of splits v2 wants (its workspace size) when called with out == null.
int decode_splits(const DecodeArgs& a, int sms);
void launch_decode(int version, const DecodeArgs& a, cudaStream_t stream);

// Naive prefill's softmax: rows of the n×n fp16 score matrix S (S = QKᵀ from cuBLAS) scaled,
// masked (causal, window, sinks) and normalized in place into P.
void launch_masked_softmax(uint16_t* scores, int n, int rows_total, float scale, int window, int sinks, cudaStream_t stream);

struct PrefillArgs {
  const uint16_t* q = nullptr;      // fp16 [batch][heads][n][d]
  const uint16_t* k = nullptr;      // fp16 [batch][kv_heads][n][d]
  const uint16_t* v = nullptr;
  float* out = nullptr;             // [batch][heads][n][d]
  int batch = 0, heads = 0, kv_heads = 0, head_dim = 128, n = 0;
  int window = 0, sinks = 0;
};
// Flash prefill versions: 1 = SIMT tiles (64 queries × 32 keys in shared memory, online softmax);
// 2 = tensor cores (WMMA fp16 → fp32), a warp per 16 query rows, 64-key tiles, S and P·V
// through shared memory;
void launch_prefill_flash(int version, const PrefillArgs& a, cudaStream_t stream);
void launch_prefill_flash_v2(const PrefillArgs& a, cudaStream_t stream);  // prefill_flash_wmma.cu
// 3 = mma.sync m16n8k16 with S, P and O in registers (FlashAttention-2's layout).
void launch_prefill_flash_v3(const PrefillArgs& a, cudaStream_t stream);  // prefill_flash_mma.cu
constexpr int kPrefillFlashVersions = 3;
// The largest relative error (against the double reference) a version may show: v1 keeps P in
// fp32; v2 and v3 round P to fp16 for the tensor cores (as FlashAttention does), which a row averaging
// a handful of values sees almost undiluted (~2⁻¹¹ of their spread).
inline double prefill_flash_tolerance(int version) { return version == 1 ? 2e-3 : 1e-2; }

struct LinearArgs {
  const float* q = nullptr;         // [batch·heads][n][d]
  const float* k = nullptr;
  const float* v = nullptr;
  float* state = nullptr;           // [batch·heads][d][d], updated in place
  float* z = nullptr;               // [batch·heads][d]
  float* out = nullptr;             // [batch·heads][n][d]
  int bh = 0, n = 0, d = 128;       // d: a multiple of 32 (v2 splits the state into 32-column slices)
  float* workspace = nullptr;       // v2: linear_chunk_workspace_floats(a) floats
};
// Linear attention versions: 1 = a block per head owns its state in shared memory and scans the
// tokens in order (a decode step is n = 1: the state is read and written once); 2 = chunked
// prefill, parallel over 64-token chunks (linear_attention_chunked.cu).
void launch_linear(int version, const LinearArgs& a, cudaStream_t stream);
size_t linear_chunk_workspace_floats(const LinearArgs& a);
void launch_linear_chunked(const LinearArgs& a, cudaStream_t stream);  // linear_attention_chunked.cu

// Ceilings.
void launch_read(const float4* data, size_t count, float* sink, int sms, cudaStream_t stream);
void launch_fma(float* sink, int blocks, int iterations, cudaStream_t stream);  // 16 FMAs per iteration per thread
void launch_empty(cudaStream_t stream);

}  // namespace attncost::probe::cuda
