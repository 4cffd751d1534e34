// Query rows per tile of a flash (tiled, fused) prefill kernel: each tile of queries loads the K/V
// blocks it needs once, so the K/V traffic the estimator counts depends on it (flash_key_reads).
// One definition for the estimator and for the probe's kernels, CUDA and CPU, so that the probe
// predicts the traffic of the kernel it times. Plain C++17: the CUDA kernels include it.
#pragma once

namespace attncost {

// FlashAttention-2's forward tile for head dim 128 (Dao 2023, Br = 128): what `estimate` models
// for a flash kernel unless a kernel model says otherwise.
inline constexpr int kFlashAttention2TileRows = 128;

// The probe's own flash prefill kernels (cuda_probe/prefill_*.cu, the CPU backend): 4 warps of 16
// query rows, 64 keys per tile.
inline constexpr int kProbeFlashTileRows = 64;
inline constexpr int kProbeFlashTileKeys = 64;

}  // namespace attncost
