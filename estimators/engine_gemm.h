// The fp8 GEMM library an engine release's rule names (model/presets/engines/*.json,
// `gemm_library_fp8`): TensorRT-LLM before 1.0 serves a TensorRT engine built by trtllm-build,
// whose per-tensor fp8 GEMMs are TensorRT's own, not the cuBLASLt ones of its PyTorch backend
// (docs/cost-model.md §12, "GEMM library by engine"). Pure; the rule's choice is data.
#pragma once
#include <string_view>

#include "model/engine.h"

namespace attncost {

// The library's name (model/gemm_library.h) for per-tensor fp8 GEMMs at `e`'s release, "" where the
// rule names none (the engine's default applies) and for the plain engine.
std::string_view engine_gemm_library_fp8(const EngineConfig& e);

}  // namespace attncost
