// The fp8 (e4m3) GEMM ceiling: cuBLAS's classic API has no fp8 path, so this one goes through
// cuBLASLt, whose fp8 kernels want the "TN" layout (A transposed, B not), fp32 compute and
// scale, 16-byte aligned leading dimensions and compute capability 8.9 or newer.
#pragma once
#include <cublasLt.h>
#include <cuda_runtime.h>

#include <string>

namespace attncost::probe::cuda {

// An n×n×n e4m3 × e4m3 → bf16 GEMM with cuBLASLt's heuristic first choice, set up once and
// launched many times. Buffers are owned by the caller.
class Fp8Gemm {
 public:
  // Empty `error()` when ready; otherwise why not (no fp8 on this device, no algorithm, ...).
  Fp8Gemm(int n, const void* a, const void* b, void* d, void* workspace, size_t workspace_bytes);
  ~Fp8Gemm();
  Fp8Gemm(const Fp8Gemm&) = delete;
  Fp8Gemm& operator=(const Fp8Gemm&) = delete;

  const std::string& error() const { return error_; }
  cublasStatus_t launch(cudaStream_t stream) const;
  double flops() const { return 2.0 * n_ * static_cast<double>(n_) * n_; }

 private:
  int n_;
  const void *a_, *b_;
  void* d_;
  void* workspace_;
  size_t workspace_bytes_;
  std::string error_;
  cublasLtHandle_t handle_ = nullptr;
  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t la_ = nullptr, lb_ = nullptr, ld_ = nullptr;
  cublasLtMatmulAlgo_t algo_{};
};

}  // namespace attncost::probe::cuda
