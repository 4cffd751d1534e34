// Number formats that weights, activations and the KV cache are stored in, and what an
// element of each costs in bytes (quantized formats add one scale per group: an fp16 one per
// `group` for int8/int4, an fp8 one per 16 for fp4).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace attncost {

// fp4 is NVFP4 (OCP e2m1 values, one e4m3 scale per 16; Blackwell's native 4-bit tensor-core
// format). New formats go at the end: the order indexes GPU peak tables.
enum class Dtype : uint8_t { fp32, fp16, bf16, fp8, int8, int4, fp4 };

inline constexpr int kDtypeCount = 7;

// Bits per element of the format itself, scales excluded.
constexpr int dtype_bits(Dtype d) {
  switch (d) {
    case Dtype::fp32: return 32;
    case Dtype::fp16: return 16;
    case Dtype::bf16: return 16;
    case Dtype::fp8: return 8;
    case Dtype::int8: return 8;
    case Dtype::int4: return 4;
    case Dtype::fp4: return 4;
  }
  return 16;
}

// int8/int4 are integer formats that need a per-group scale to dequantize; fp8 (e4m3) carries a
// per-tensor scale whose bytes are negligible and not counted.
constexpr bool dtype_has_group_scale(Dtype d) { return d == Dtype::int8 || d == Dtype::int4; }

// Bytes of one fp16 scale.
inline constexpr double kScaleBytes = 2.0;
// Weight matrices quantized to int8/int4 carry one fp16 scale per this many elements (the group
// size of GPTQ/AWQ checkpoints).
inline constexpr int64_t kWeightScaleGroup = 128;
// NVFP4 carries one e4m3 (1-byte) scale per 16 values, whatever the group option says (NVIDIA,
// "Introducing NVFP4 for Efficient and Accurate Low-Precision Inference", 2025); its per-tensor
// fp32 scale is negligible and not counted: 4.5 bits per value.
inline constexpr int64_t kFp4ScaleGroup = 16;
inline constexpr double kFp4ScaleBytes = 1.0;

// Bytes to store `elements` values laid out as `vectors` vectors of `elements / vectors`
// values each, one scale per `group` values of each vector (groups do not straddle vectors).
double storage_bytes(double elements_per_vector, double vectors, Dtype d, int64_t group);

std::string_view dtype_name(Dtype d);
// Parses fp32|fp16|bf16|fp8|int8|int4|fp4 (also nvfp4) and the Hugging Face torch_dtype
// spellings (float32, float16, bfloat16). Throws InputError naming `what` on anything else.
Dtype parse_dtype(std::string_view text, std::string_view what);

}  // namespace attncost
