// The library an engine's fp8 GEMMs run through (issue #24 item 2; docs/cost-model.md §12, "GEMM
// library by engine"): DeepGEMM, CUTLASS block-scaled or cuBLASLt reach different fractions of the
// fp8 peak on the same GPU. A kernel preset's `gemm_libraries` holds each library's fp8 compute and
// weight-read fractions, fit by scripts/fit_gemm_library.py to tests/data/published/gemm_library_2026.csv;
// they replace the architecture's default (DeepGEMM-class) fp8 fractions.
// Likewise the MLA decode kernel (issue #24 item 3, "MLA decode per implementation"): a preset's
// `mla_decode` holds each implementation's compute and bandwidth fractions (scripts/fit_mla_decode.py,
// tests/data/published/mla_decode_2026.csv) and which one each engine runs by default.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/engine.h"
#include "model/kernel_model.h"

namespace attncost {

// automatic = the preset's default fp8 fractions (what --engine plain uses).
// tensorrt: the fp8 GEMMs of a TensorRT engine built by trtllm-build (TensorRT-LLM before 1.0).
enum class GemmLibrary : uint8_t { automatic, deepgemm, cutlass, cublaslt, tensorrt };
std::string_view gemm_library_name(GemmLibrary l);
// Throws InputError naming --kernels on an unknown name.
GemmLibrary parse_gemm_library(std::string_view text);

// What --kernels says: FAMILY[+gemm=LIB][+mla=IMPL] (docs/SPEC.md). Unset parts: the engine decides.
struct KernelsFlag {
  KernelFamily family = KernelFamily::automatic;
  std::optional<GemmLibrary> gemm;
  std::optional<std::string> mla;  // "auto" = the engine's choice, as if unset
};
// Throws InputError naming --kernels on an unknown family, library, a bad or repeated part.
KernelsFlag parse_kernels_flag(std::string_view text);

// The engine's rule: vLLM block-scaled fp8 → CUTLASS, per-tensor → cuBLASLt; SGLang and TensorRT-LLM
// block-scaled → DeepGEMM (TensorRT-LLM: its DeepGEMM-derived fp8_blockscale_gemm), per-tensor →
// cuBLASLt; plain → automatic. An engine release's rule may name another for per-tensor fp8
// (TensorRT-LLM's C++-runtime releases: tensorrt; estimators/engine_gemm.h), which the caller applies.
GemmLibrary gemm_library_for(EngineKind engine, bool block_scaled_fp8);

// The MLA decode kernel `engine` runs by default on `arch` (the preset's `mla_decode.engines`), ""
// for plain and where the preset names none.
std::string mla_kernel_for(EngineKind engine, std::string_view arch);
// The MLA decode kernels with measured fractions on `arch`.
std::vector<std::string> mla_kernel_names(std::string_view arch);
// Throws InputError naming --kernels when `mla` is not "", "auto" or one of mla_kernel_names(arch).
void check_mla_kernel(std::string_view arch, std::string_view mla);

// `family`'s model on `arch` with `library`'s fp8 GEMM fractions, its provenance naming `rule`; the
// family's own model for automatic and where the architecture has no data for the library.
const KernelModel* kernel_model(std::string_view arch, KernelFamily family, GemmLibrary library, std::string_view rule);
// The same with the MLA decode kernel `mla` ("" = the architecture's decode fractions), its
// provenance naming `mla_rule`.
const KernelModel* kernel_model(std::string_view arch, KernelFamily family, GemmLibrary library, std::string_view rule, std::string_view mla,
                                std::string_view mla_rule);

}  // namespace attncost
