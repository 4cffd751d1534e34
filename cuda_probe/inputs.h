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
  // Reference outputs of sequence 0, the query heads of KV head 0: [group][head_dim].
  std::vector<double> reference() const {
    AttentionShape one = s;
    one.batch = 1, one.heads = s.heads / s.kv_heads, one.kv_heads = 1;
    std::vector<double> want;
    reference_decode(one, n, q, [&](uint64_t, uint64_t g, uint64_t j, uint64_t i) { return k.at(row(0, g, j), i); },
                     [&](uint64_t, uint64_t g, uint64_t j, uint64_t i) { return v.at(row(0, g, j), i); }, want);
    return want;
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
  // Sampled query rows (every n/24th and the last) of sequence 0, the query heads of KV head 0:
  // the reference outputs and the same entries of a kernel's [b][h][n][d] output.
  std::vector<uint64_t> rows() const {
    std::vector<uint64_t> r;
    for (uint64_t i = 0; i < n; i += std::max<uint64_t>(1, n / 24)) r.push_back(i);
    r.push_back(n - 1);
    return r;
  }
  std::vector<double> reference() const {
    AttentionShape one = s;
    one.batch = 1, one.heads = s.heads / s.kv_heads, one.kv_heads = 1;
    std::vector<double> want;
    reference_prefill(one, n, q, k, v, rows(), want);
    return want;
  }
  std::vector<float> checked(const std::vector<float>& out) const {
    std::vector<float> got;
    for (uint64_t h = 0; h < s.heads / s.kv_heads; ++h)
      for (uint64_t r : rows())
        for (uint64_t e = 0; e < s.head_dim; ++e) got.push_back(out[(h * n + r) * s.head_dim + e]);
    return got;
  }
};

// Linear attention: random q/k/v for every head; a decode case first feeds `history` tokens to
// build the state, then measures one step; a prefill case measures all n tokens from an empty
// state. The reference covers the first `check` heads over the whole sequence.
struct LinearInputs {
  uint64_t bh, d, history, n, total, check;
  std::vector<float> q, k, v;   // [bh][total][d]
  std::vector<double> want;     // reference outputs of the measured tokens: [check][n][d]

  explicit LinearInputs(const Case& c)
      : bh(c.shape.batch * c.shape.heads), d(c.shape.head_dim), history(c.kernel == Kernel::linear_decode ? 32 : 0),
        n(c.kernel == Kernel::linear_decode ? 1 : c.shape.ctx), total(history + n), check(std::min<uint64_t>(2, bh)) {
    Rng rng(11);
    q.resize(bh * total * d), k.resize(q.size()), v.resize(q.size());
    for (auto* buf : {&q, &k, &v})
      for (auto& x : *buf) x = rng.uniform();
    std::vector<double> all;
    const auto first = [&](const std::vector<float>& x) {
      return std::vector<float>(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(check * total * d));
    };
    reference_linear(1, check, total, d, first(q), first(k), first(v), all);
    for (uint64_t i = 0; i < check; ++i)
      for (uint64_t t = history; t < total; ++t)
        for (uint64_t e = 0; e < d; ++e) want.push_back(all[(i * total + t) * d + e]);
  }
  // Tokens [from, from + count) of every head: [bh][count][d].
  std::vector<float> part(const std::vector<float>& x, uint64_t from, uint64_t count) const {
    std::vector<float> out;
    out.reserve(bh * count * d);
    for (uint64_t i = 0; i < bh; ++i)
      out.insert(out.end(), x.begin() + static_cast<std::ptrdiff_t>((i * total + from) * d),
                 x.begin() + static_cast<std::ptrdiff_t>((i * total + from + count) * d));
    return out;
  }
  // The checked heads' outputs out of a kernel's [bh][n][d] result.
  std::vector<float> checked(const std::vector<float>& out) const {
    return std::vector<float>(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(check * n * d));
  }
};

}  // namespace attncost::probe
