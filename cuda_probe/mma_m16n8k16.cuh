// The tensor-core instruction flash prefill v3 is built on: mma.sync m16n8k16, fp16 inputs, fp32
// accumulators. Unlike WMMA's, its register layout is documented (PTX ISA, "Matrix fragments for
// mma.m16n8k16 with floating point type"), which is what lets scores stay in registers: with
// g = lane / 4 and t = lane % 4,
//   A (16×16, row-major):  a[0] = A[g][2t..2t+1]    a[1] = A[g+8][2t..2t+1]
//                          a[2] = A[g][2t+8..2t+9]  a[3] = A[g+8][2t+8..2t+9]
//   B (16×8, k × n):       b[0] = B[2t..2t+1][g]    b[1] = B[2t+8..2t+9][g]
//   C, D (16×8):           c[0..1] = C[g][2t..2t+1] c[2..3] = C[g+8][2t..2t+1]
// (each a/b register holds two fp16 values, the lower index in the low half). The CPU emulator
// (tests/cuda_emulation/emulator.h) implements the same contract.
#pragma once
#include <cuda_fp16.h>

#include <cstdint>

#ifndef ATTNCOST_CUDA_EMULATION
__device__ inline void mma_m16n8k16(float c[4], const uint32_t a[4], const uint32_t b[2]) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
#endif

// Two floats rounded to fp16 in one register, `lo` in the low half.
__device__ inline uint32_t pack_half2(float lo, float hi) {
  const uint32_t l = __half_as_ushort(__float2half(lo)), h = __half_as_ushort(__float2half(hi));
  return l | (h << 16);
}
__device__ inline float low_half(uint32_t x) { return __half2float(__ushort_as_half(static_cast<unsigned short>(x & 0xffffu))); }
__device__ inline float high_half(uint32_t x) { return __half2float(__ushort_as_half(static_cast<unsigned short>(x >> 16))); }
