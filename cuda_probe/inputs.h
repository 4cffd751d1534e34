// Probe inputs generated on the host, identically for every backend: random Q/K/V in the case's
// storage format (contiguous or paged KV, int8 with per-row scales), so the CPU and CUDA kernels
// and the references all see the same numbers.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "cuda_probe/kv_format.h"
#include "cuda_probe/probe.h"
#include "cuda_probe/reference.h"

namespace attncost::probe {

size_t last_level_cache_bytes();
// Window and sinks of a case's --attn text (dense: window 0).
AttentionShape attention_shape(const Case& c);

// xorshift64*: fast enough to fill hundreds of MB of test data.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  float uniform() {  // in [-1, 1)
    s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
    return static_cast<float>(static_cast<int64_t>((s * 0x2545F4914F6CDD1Dull) >> 11) - (int64_t{1} << 52)) * 0x1p-52f;
  }
};

// A KV cache in one storage format: rows of head_dim elements, plus one fp16 scale per row for int8.
struct KvStore {
  Dtype dtype;
  uint64_t dim;
  std::vector<uint8_t> data;
  std::vector<uint16_t> scales;

  KvStore(Dtype d, uint64_t rows, uint64_t dim_) : dtype(d), dim(dim_), data(rows * dim_ * element_bytes(d)) {
    if (d == Dtype::int8) scales.resize(rows);
  }
  void fill(Rng& rng) {
    const uint64_t rows = data.size() / (dim * element_bytes(dtype));
    std::vector<float> row(dim);
    for (uint64_t r = 0; r < rows; ++r) {
      for (auto& x : row) x = rng.uniform();
      encode(r, row.data());
    }
  }
  void encode(uint64_t r, const float* x) {
    uint8_t* p = &data[r * dim * element_bytes(dtype)];
    switch (dtype) {
      case Dtype::fp32: std::memcpy(p, x, dim * 4); break;
      case Dtype::fp16: for (uint64_t i = 0; i < dim; ++i) { const uint16_t h = float_to_half(x[i]); std::memcpy(p + 2 * i, &h, 2); } break;
      case Dtype::bf16: for (uint64_t i = 0; i < dim; ++i) { const uint16_t h = float_to_bf16(x[i]); std::memcpy(p + 2 * i, &h, 2); } break;
      case Dtype::fp8: for (uint64_t i = 0; i < dim; ++i) p[i] = float_to_fp8(x[i]); break;
      case Dtype::int8: {
        float amax = 1e-8f;
        for (uint64_t i = 0; i < dim; ++i) amax = std::max(amax, std::fabs(x[i]));
        const uint16_t scale = float_to_half(amax / 127.0f);
        scales[r] = scale;
        const float inv = 1.0f / half_to_float(scale);
        for (uint64_t i = 0; i < dim; ++i) p[i] = static_cast<uint8_t>(static_cast<int8_t>(std::lround(std::clamp(x[i] * inv, -127.0f, 127.0f))));
        break;
      }
      default: break;
    }
  }
  // Dequantizes row r into dst; the hot loop of decode, written to vectorize.
  void decode(uint64_t r, float* dst) const {
    const uint8_t* p = &data[r * dim * element_bytes(dtype)];
    switch (dtype) {
      case Dtype::fp32: std::memcpy(dst, p, dim * 4); break;
      case Dtype::fp16: {
        const auto* h = reinterpret_cast<const uint16_t*>(p);
        for (uint64_t i = 0; i < dim; ++i) dst[i] = half_to_float(h[i]);
        break;
      }
      case Dtype::bf16: {
        const auto* h = reinterpret_cast<const uint16_t*>(p);
        for (uint64_t i = 0; i < dim; ++i) dst[i] = bf16_to_float(h[i]);
        break;
      }
      case Dtype::fp8: {
        const float* t = fp8_table().data();
        for (uint64_t i = 0; i < dim; ++i) dst[i] = t[p[i]];
        break;
      }
      case Dtype::int8: {
        const float s = half_to_float(scales[r]);
        const auto* q = reinterpret_cast<const int8_t*>(p);
        for (uint64_t i = 0; i < dim; ++i) dst[i] = s * static_cast<float>(q[i]);
        break;
      }
      default: break;
    }
  }
  // One dequantized element (the references' accessor).
  float at(uint64_t r, uint64_t i) const {
    const uint8_t* p = &data[(r * dim + i) * element_bytes(dtype)];
    uint16_t h;
    switch (dtype) {
      case Dtype::fp32: return bits<float>(*reinterpret_cast<const uint32_t*>(p));
      case Dtype::fp16: std::memcpy(&h, p, 2); return half_to_float(h);
      case Dtype::bf16: std::memcpy(&h, p, 2); return bf16_to_float(h);
      case Dtype::fp8: return fp8_table()[*p];
      case Dtype::int8: return half_to_float(scales[r]) * static_cast<float>(static_cast<int8_t>(*p));
      default: return 0;
    }
  }
  size_t bytes() const { return data.size() + scales.size() * 2; }
};

// A decode case's inputs: K and V in the case's format, contiguous [b][g][n] rows or paged
// [page][g][slot] rows with a shuffled block table.
struct DecodeInputs {
  AttentionShape s;
  uint64_t n, page;
  bool paged;
  std::vector<float> q;
  KvStore k, v;
  std::vector<uint32_t> table;  // [b][n_pages]

  DecodeInputs(const Case& c, uint64_t seed)
      : s(attention_shape(c)), n(c.shape.ctx), page(c.shape.page_size), paged(c.kernel == Kernel::decode_paged),
        k(c.shape.kv_dtype, rows(c), c.shape.head_dim), v(c.shape.kv_dtype, rows(c), c.shape.head_dim) {
    Rng rng(seed);
    q.resize(s.batch * s.heads * s.head_dim);
    for (auto& x : q) x = rng.uniform();
    k.fill(rng);
    v.fill(rng);
    if (paged) {
      const uint64_t pages = (n + page - 1) / page;
      table.resize(s.batch * pages);
      std::iota(table.begin(), table.end(), 0u);
      std::shuffle(table.begin(), table.end(), std::mt19937(static_cast<unsigned>(seed)));
    }
  }
  static uint64_t rows(const Case& c) {
    const uint64_t n = c.kernel == Kernel::decode_paged ? (c.shape.ctx + c.shape.page_size - 1) / c.shape.page_size * c.shape.page_size : c.shape.ctx;
    return c.shape.batch * c.shape.kv_heads * n;
  }
  uint64_t row(uint64_t b, uint64_t g, uint64_t j) const {
    if (!paged) return (b * s.kv_heads + g) * n + j;
    const uint64_t pages = (n + page - 1) / page;
    return (static_cast<uint64_t>(table[b * pages + j / page]) * s.kv_heads + g) * page + j % page;
  }
};

struct PrefillInputs {
  AttentionShape s;
  uint64_t n;
  std::vector<float> q, k, v;  // [b][h|g][n][d]
  PrefillInputs(const Case& c, uint64_t seed) : s(attention_shape(c)), n(c.shape.ctx) {
    Rng rng(seed);
    q.resize(s.batch * s.heads * n * s.head_dim);
    k.resize(s.batch * s.kv_heads * n * s.head_dim);
    v.resize(k.size());
    for (auto* buf : {&q, &k, &v})
      for (auto& x : *buf) x = rng.uniform();
  }
};

}  // namespace attncost::probe
