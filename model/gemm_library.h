// The library an engine's fp8 GEMMs run through (issue #24 item 2; docs/cost-model.md §12, "GEMM
// library by engine"): DeepGEMM, CUTLASS block-scaled or cuBLASLt reach different fractions of the
// fp8 peak on the same GPU. A kernel preset's `gemm_libraries` holds each library's fp8 compute and
// weight-read fractions, fit by scripts/fit_gemm_library.py to tests/data/published/gemm_library_2026.csv;
// they replace the architecture's default (DeepGEMM-class) fp8 fractions.
#pragma once
#include <cstdint>
#include <string_view>

#include "model/engine.h"
#include "model/kernel_model.h"

namespace attncost {

// automatic = the preset's default fp8 fractions (what --engine plain uses).
enum class GemmLibrary : uint8_t { automatic, deepgemm, cutlass, cublaslt };
std::string_view gemm_library_name(GemmLibrary l);

// The engine's rule: vLLM block-scaled fp8 → CUTLASS, per-tensor → cuBLASLt; SGLang and TensorRT-LLM
// block-scaled → DeepGEMM (TensorRT-LLM: its DeepGEMM-derived fp8_blockscale_gemm), per-tensor →
// cuBLASLt; plain → automatic.
GemmLibrary gemm_library_for(EngineKind engine, bool block_scaled_fp8);

// `family`'s model on `arch` with `library`'s fp8 GEMM fractions, its provenance naming `rule`; the
// family's own model for automatic and where the architecture has no data for the library.
const KernelModel* kernel_model(std::string_view arch, KernelFamily family, GemmLibrary library, std::string_view rule);

}  // namespace attncost
