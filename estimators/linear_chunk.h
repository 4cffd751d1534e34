// Chunk length of chunked linear-attention prefill (flash-linear-attention's default, Yang et al.
// 2024): one state per chunk is written to HBM. The estimator counts that traffic and the probe's
// CPU and CUDA kernels chunk by the same length, so what is measured is what is predicted.
// Plain C++17: the CUDA kernels include it.
#pragma once

namespace attncost {

inline constexpr int kLinearPrefillChunk = 64;

}  // namespace attncost
