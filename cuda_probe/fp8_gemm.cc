#include "cuda_probe/fp8_gemm.h"

#include <fmt/format.h>

namespace attncost::probe::cuda {

Fp8Gemm::Fp8Gemm(int n, const void* a, const void* b, void* d, void* workspace, size_t workspace_bytes)
    : n_(n), a_(a), b_(b), d_(d), workspace_(workspace), workspace_bytes_(workspace_bytes) {
  int device = 0, major = 0, minor = 0;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
  cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
  if (major * 10 + minor < 89) {
    error_ = fmt::format("compute capability {}.{} has no fp8 tensor cores (8.9 or newer)", major, minor);
    return;
  }
  auto failed = [&](cublasStatus_t st, const char* what) {
    if (st == CUBLAS_STATUS_SUCCESS) return false;
    error_ = fmt::format("cuBLASLt {}: status {}", what, static_cast<int>(st));
    return true;
  };
  const cublasOperation_t transpose = CUBLAS_OP_T, keep = CUBLAS_OP_N;
  if (failed(cublasLtCreate(&handle_), "create") || failed(cublasLtMatmulDescCreate(&op_, CUBLAS_COMPUTE_32F, CUDA_R_32F), "descriptor") ||
      failed(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSA, &transpose, sizeof transpose), "transa") ||
      failed(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSB, &keep, sizeof keep), "transb") ||
      failed(cublasLtMatrixLayoutCreate(&la_, CUDA_R_8F_E4M3, n, n, n), "layout A") ||
      failed(cublasLtMatrixLayoutCreate(&lb_, CUDA_R_8F_E4M3, n, n, n), "layout B") ||
      failed(cublasLtMatrixLayoutCreate(&ld_, CUDA_R_16BF, n, n, n), "layout D"))
    return;
  cublasLtMatmulPreference_t pref = nullptr;
  if (failed(cublasLtMatmulPreferenceCreate(&pref), "preference")) return;
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace_bytes_, sizeof workspace_bytes_);
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  const cublasStatus_t st = cublasLtMatmulAlgoGetHeuristic(handle_, op_, la_, lb_, ld_, ld_, pref, 1, &result, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  if (failed(st, "heuristic")) return;
  if (found == 0) {
    error_ = "cuBLASLt offers no fp8 algorithm for this shape";
    return;
  }
  algo_ = result.algo;
}

Fp8Gemm::~Fp8Gemm() {
  if (ld_) cublasLtMatrixLayoutDestroy(ld_);
  if (lb_) cublasLtMatrixLayoutDestroy(lb_);
  if (la_) cublasLtMatrixLayoutDestroy(la_);
  if (op_) cublasLtMatmulDescDestroy(op_);
  if (handle_) cublasLtDestroy(handle_);
}

cublasStatus_t Fp8Gemm::launch(cudaStream_t stream) const {
  const float one = 1, zero = 0;
  return cublasLtMatmul(handle_, op_, &one, a_, la_, b_, lb_, &zero, d_, ld_, d_, ld_, &algo_, workspace_, workspace_bytes_, stream);
}

}  // namespace attncost::probe::cuda
