// A CPU emulator for the probe's CUDA kernels, so that their logic (indexing, masks, tile
// skipping, barriers, warp shuffles, WMMA tiles) is checked against the references on every
// machine, GPU or not. Include this, then a kernel's .cu file, and call its launch function
// with host pointers.
//
// How it runs: the blocks of a grid run one after another on the same real threads, one per
// CUDA thread of a block, so __syncthreads is a barrier on the block's threads and __syncwarp one on the
// warp's, and a kernel that reads shared memory before the barrier that should have ordered the
// write can read the wrong value here as on a GPU. __shared__ variables become function-local
// statics (one block is alive at a time); dynamic shared memory is a per-block buffer filled
// with NaN bytes, so a read of something never written shows up in the result. WMMA fragments
// hold the whole 16×16 tile: lane 0 does the warp's load, multiply and store (fp32
// accumulation, as the tensor cores do) and the other lanes skip them; this matches the API's
// contract, which makes the result visible to other lanes only after a __syncwarp.
//
// What it cannot show: timing, memory-model subtleties beyond barriers, and anything about
// the hardware's fragment layout (which the kernels never rely on).
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <type_traits>
#include <vector>

namespace attncost::emu {

struct Block {
  std::unique_ptr<std::barrier<>> all;
  std::vector<std::unique_ptr<std::barrier<>>> warps;
  std::vector<std::array<uint64_t, 32>> lanes;  // one exchange slot per lane, for shuffles
  struct MmaOperands {
    uint32_t a[32][4], b[32][2];
  };
  std::vector<std::array<MmaOperands, 2>> mma;  // per warp, double-buffered (one barrier per mma)
  unsigned char* shared = nullptr;
};

inline thread_local uint3 thread_idx;
inline thread_local uint3 block_idx;
inline thread_local dim3 block_dim;
inline thread_local dim3 grid_dim;
inline thread_local Block* block = nullptr;

inline unsigned linear_thread() { return thread_idx.x + block_dim.x * (thread_idx.y + block_dim.y * thread_idx.z); }
inline unsigned lane() { return linear_thread() % 32; }
inline unsigned warp() { return linear_thread() / 32; }
// Barrier passages, for the deadlock watchdog in launch().
inline std::atomic<uint64_t> progress{0};
inline void sync_block() {
  progress.fetch_add(1, std::memory_order_relaxed);
  block->all->arrive_and_wait();
}
inline void sync_warp() {
  progress.fetch_add(1, std::memory_order_relaxed);
  block->warps[warp()]->arrive_and_wait();
}

template <typename T>
T shfl_xor(T value, int mask) {
  static_assert(sizeof(T) <= sizeof(uint64_t) && std::is_trivially_copyable_v<T>);
  auto& slots = block->lanes[warp()];
  sync_warp();  // every lane is done reading the previous exchange
  std::memcpy(&slots[lane()], &value, sizeof(T));
  sync_warp();
  T out;
  std::memcpy(&out, &slots[lane() ^ static_cast<unsigned>(mask)], sizeof(T));
  return out;
}

// mma.sync m16n8k16 (fp16 × fp16 + fp32) with the PTX ISA's register layout (see
// cuda_probe/mma_m16n8k16.cuh): every lane posts its fragments, then computes its own four
// outputs from the whole warp's. Two buffers alternate, so one barrier per mma suffices: a lane
// reuses a buffer only after every lane has passed the next mma's barrier, i.e. read this one.
inline thread_local unsigned mma_phase = 0;
inline float mma_half(uint32_t reg, int upper) {
  return __half2float(__ushort_as_half(static_cast<unsigned short>(upper ? reg >> 16 : reg & 0xffffu)));
}
inline void mma_m16n8k16(float c[4], const uint32_t a[4], const uint32_t b[2]) {
  auto& ops = block->mma[warp()][mma_phase];
  mma_phase ^= 1;
  const unsigned me = lane();
  std::copy(a, a + 4, ops.a[me]);
  std::copy(b, b + 2, ops.b[me]);
  sync_warp();
  const unsigned g = me / 4, t = me % 4;
  for (int r = 0; r < 4; ++r) {
    const unsigned row = g + (r >= 2 ? 8 : 0), col = 2 * t + (r & 1);
    float acc = c[r];
    for (unsigned k = 0; k < 16; ++k) {
      const unsigned a_lane = (row % 8) * 4 + (k % 8) / 2, a_reg = (row >= 8 ? 1 : 0) + (k >= 8 ? 2 : 0);
      const unsigned b_lane = col * 4 + (k % 8) / 2, b_reg = k >= 8 ? 1 : 0;
      acc += mma_half(ops.a[a_lane][a_reg], k & 1) * mma_half(ops.b[b_lane][b_reg], k & 1);
    }
    c[r] = acc;
  }
}

template <typename T>
T* dynamic_shared() {
  return reinterpret_cast<T*>(block->shared);
}

// Runs `body` as every thread of every block of the grid. One OS thread per CUDA thread of a
// block, reused for every block in turn: a barrier closes each block, shared memory is refilled
// with NaN bytes, and a second barrier opens the next.
template <typename Body>
void launch(dim3 grid, dim3 threads, size_t shared_bytes, Body body) {
  const unsigned count = threads.x * threads.y * threads.z;
  const size_t bytes = (std::max<size_t>(shared_bytes, 16) + 127) / 128 * 128;
  std::unique_ptr<unsigned char, decltype(&std::free)> shared(static_cast<unsigned char*>(std::aligned_alloc(128, bytes)), &std::free);
  std::memset(shared.get(), 0xff, bytes);  // NaN as floats: a read of something unwritten poisons the result
  Block b;
  b.all = std::make_unique<std::barrier<>>(count);
  for (unsigned w = 0; w * 32 < count; ++w) b.warps.push_back(std::make_unique<std::barrier<>>(std::min(32u, count - w * 32)));
  b.lanes.resize(b.warps.size());
  b.mma.resize(b.warps.size());
  b.shared = shared.get();
  std::atomic<unsigned> finished{0};
  std::vector<std::thread> pool;
  pool.reserve(count);
  for (unsigned t = 0; t < count; ++t)
    pool.emplace_back([&, t] {
      block = &b;
      block_dim = threads;
      grid_dim = grid;
      thread_idx = make_uint3(t % threads.x, t / threads.x % threads.y, t / (threads.x * threads.y));
      for (unsigned z = 0; z < grid.z; ++z)
        for (unsigned y = 0; y < grid.y; ++y)
          for (unsigned x = 0; x < grid.x; ++x) {
            block_idx = make_uint3(x, y, z);
            body();
            b.all->arrive_and_wait();
            if (t == 0) std::memset(b.shared, 0xff, bytes);
            b.all->arrive_and_wait();
          }
      finished.fetch_add(1);
    });
  // A kernel whose threads wait at different barriers (a __syncthreads or a full-warp shuffle
  // that only some lanes reach: undefined on a GPU, where it hangs or reads garbage) never
  // finishes here; say so and stop instead of hanging the test run.
  uint64_t seen = progress.load();
  auto last_change = std::chrono::steady_clock::now();
  while (finished.load() < count) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (const uint64_t now = progress.load(); now != seen) {
      seen = now;
      last_change = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_change > std::chrono::seconds(20)) {
      std::fprintf(stderr, "emulated kernel deadlocked: its threads wait at different barriers (a __syncthreads or "
                           "full-warp shuffle that not every thread reaches)\n");
      std::abort();
    }
  }
  for (auto& th : pool) th.join();
}

}  // namespace attncost::emu

// The WMMA API (nvcuda::wmma) for 16×16×16 half → float tiles.
namespace nvcuda::wmma {
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };

template <typename Use, int M, int N, int K, typename T, typename Layout = void>
struct fragment {
  static_assert(M == 16 && N == 16 && K == 16, "the emulator knows 16x16x16 tiles");
  T x[256];  // row-major 16×16
};

template <typename Use, typename T, typename Layout>
void load_matrix_sync(fragment<Use, 16, 16, 16, T, Layout>& f, const T* p, unsigned ld) {
  if (attncost::emu::lane() != 0) return;
  for (int r = 0; r < 16; ++r)
    for (int c = 0; c < 16; ++c) f.x[r * 16 + c] = std::is_same_v<Layout, col_major> ? p[c * ld + r] : p[r * ld + c];
}

template <typename T>
void fill_fragment(fragment<accumulator, 16, 16, 16, T>& f, T value) {
  std::fill(std::begin(f.x), std::end(f.x), value);
}

template <typename La, typename Lb>
void mma_sync(fragment<accumulator, 16, 16, 16, float>& d, const fragment<matrix_a, 16, 16, 16, __half, La>& a,
              const fragment<matrix_b, 16, 16, 16, __half, Lb>& b, const fragment<accumulator, 16, 16, 16, float>& c) {
  if (attncost::emu::lane() != 0) return;
  float out[256];
  for (int r = 0; r < 16; ++r)
    for (int col = 0; col < 16; ++col) {
      float s = c.x[r * 16 + col];
      for (int k = 0; k < 16; ++k) s += __half2float(a.x[r * 16 + k]) * __half2float(b.x[k * 16 + col]);
      out[r * 16 + col] = s;
    }
  std::copy(std::begin(out), std::end(out), d.x);
}

inline void store_matrix_sync(float* p, const fragment<accumulator, 16, 16, 16, float>& f, unsigned ld, layout_t layout) {
  if (attncost::emu::lane() != 0) return;
  for (int r = 0; r < 16; ++r)
    for (int c = 0; c < 16; ++c) (layout == mem_row_major ? p[r * ld + c] : p[c * ld + r]) = f.x[r * 16 + c];
}
}  // namespace nvcuda::wmma

// CUDA's device vocabulary, mapped onto the emulator.
#undef __global__
#undef __device__
#undef __host__
#undef __launch_bounds__
#undef __shared__
#define __global__
#define __device__
#define __host__
#define __launch_bounds__(...)
#define __shared__ static
#define threadIdx ::attncost::emu::thread_idx
#define blockIdx ::attncost::emu::block_idx
#define blockDim ::attncost::emu::block_dim
#define gridDim ::attncost::emu::grid_dim
#define __syncthreads() ::attncost::emu::sync_block()
#define __syncwarp(...) ::attncost::emu::sync_warp()
#define __shfl_xor_sync(mask, value, lane_mask) ::attncost::emu::shfl_xor(value, lane_mask)
#define __expf(x) ::std::exp(x)
#define cudaFuncSetAttribute(...) static_cast<void>(0)
#define ATTNCOST_CUDA_EMULATION 1
#define ATTNCOST_LAUNCH(kernel, grid, threads, shared, stream, ...) \
  ((void)(stream), ::attncost::emu::launch(dim3(grid), dim3(threads), shared, [&] { kernel(__VA_ARGS__); }))
#define ATTNCOST_DYNAMIC_SHARED(type, name) type* name = ::attncost::emu::dynamic_shared<type>()

inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
using ::attncost::emu::mma_m16n8k16;
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
