// The CPU backend: the probe's kernels in plain C++ on one core, its ceilings measured the same
// way as on a GPU (streaming read, copy, an Eigen GEMM, an FMA loop, an empty call), so the whole
// predict → measure → compare pipeline runs in CI and on laptops. Kernels mirror the CUDA ones:
// decode shares each K/V row across its query group with an online softmax; prefill is tiled
// with an online softmax, or naive through full n×n matrices.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "cuda_probe/inputs.h"
#include "cuda_probe/kv_format.h"
#include "cuda_probe/probe.h"
#include "cuda_probe/reference.h"
#include "estimators/flash_tiles.h"
#include "estimators/linear_chunk.h"
#include "estimators/pattern_counts.h"
#include "model/attn_spec.h"

namespace attncost::probe {
namespace {

using Clock = std::chrono::steady_clock;
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Flash-decoding on one core: tiles of 64 keys are dequantized once into fp32, scored for every
// query head of the group as one small GEMM, exponentiated as a vector, and accumulated into the
// group's outputs with a second GEMM; an online softmax carries the running max and sum.
void cpu_decode(const DecodeInputs& in, std::vector<float>& out) {
  const AttentionShape& s = in.s;
  const uint64_t d = s.head_dim, group = s.heads / s.kv_heads, n = in.n, tile = 64;
  const auto D = static_cast<Eigen::Index>(d), G = static_cast<Eigen::Index>(group);
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  out.assign(s.batch * s.heads * d, 0.0f);
  const uint64_t lo = s.window && n > s.window ? n - s.window : 0;  // first key of the window
  const uint64_t sink_end = std::min(s.sinks, lo), count = sink_end + (n - lo);
  RowMatrix kt(static_cast<Eigen::Index>(tile), D), vt(static_cast<Eigen::Index>(tile), D), sc(static_cast<Eigen::Index>(tile), G), acc(G, D);
  Eigen::VectorXf m(G), l(G);
  for (uint64_t b = 0; b < s.batch; ++b)
    for (uint64_t g = 0; g < s.kv_heads; ++g) {
      const Eigen::Map<const RowMatrix> qg(&in.q[(b * s.heads + g * group) * d], G, D);
      acc.setZero();
      m.setConstant(-INFINITY);
      l.setZero();
      for (uint64_t t0 = 0; t0 < count; t0 += tile) {
        const auto c = static_cast<Eigen::Index>(std::min(tile, count - t0));
        for (Eigen::Index r = 0; r < c; ++r) {
          const uint64_t t = t0 + static_cast<uint64_t>(r), j = t < sink_end ? t : lo + (t - sink_end);
          in.k.decode(in.row(b, g, j), &kt(r, 0));
          in.v.decode(in.row(b, g, j), &vt(r, 0));
        }
        auto scores = sc.topRows(c);
        scores.noalias() = kt.topRows(c) * qg.transpose() * scale;
        for (Eigen::Index h = 0; h < G; ++h) {
          const float mx = std::max(m(h), scores.col(h).maxCoeff());
          const float correction = std::exp(m(h) - mx);
          scores.col(h) = (scores.col(h).array() - mx).exp().matrix();
          l(h) = l(h) * correction + scores.col(h).sum();
          acc.row(h) *= correction;
          m(h) = mx;
        }
        acc.noalias() += scores.transpose() * vt.topRows(c);
      }
      for (Eigen::Index h = 0; h < G; ++h)
        for (Eigen::Index e = 0; e < D; ++e) out[(b * s.heads + g * group + static_cast<uint64_t>(h)) * d + static_cast<uint64_t>(e)] = acc(h, e) / l(h);
    }
}

// Tiled prefill: 64×64 tiles through Eigen, online softmax across key tiles, tiles outside the
// causal/window band skipped, the mask applied inside boundary tiles.
void cpu_prefill_flash(const PrefillInputs& in, std::vector<float>& out) {
  const AttentionShape& s = in.s;
  const uint64_t d = s.head_dim, n = in.n, group = s.heads / s.kv_heads, tile = kProbeFlashTileRows;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  out.assign(in.q.size(), 0.0f);
  RowMatrix scores(tile, tile), acc(tile, d);
  Eigen::VectorXf m(tile), l(tile);
  for (uint64_t b = 0; b < s.batch; ++b)
    for (uint64_t h = 0; h < s.heads; ++h) {
      const uint64_t g = h / group;
      const float* q = &in.q[(b * s.heads + h) * n * d];
      const float* k = &in.k[(b * s.kv_heads + g) * n * d];
      const float* v = &in.v[(b * s.kv_heads + g) * n * d];
      for (uint64_t r0 = 0; r0 < n; r0 += tile) {
        const uint64_t rows = std::min(tile, n - r0);
        Eigen::Map<const RowMatrix> qt(q + r0 * d, static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(d));
        acc.setZero();
        m.setConstant(-INFINITY);
        l.setZero();
        const uint64_t first_key = s.window && r0 + 1 > s.window ? (r0 + 1 - s.window) / tile * tile : 0;
        auto tile_needed = [&](uint64_t c0) {
          if (c0 >= first_key) return true;
          return s.sinks > c0;  // a sink inside this tile
        };
        for (uint64_t c0 = 0; c0 < r0 + rows; c0 += tile) {
          if (!tile_needed(c0)) continue;
          const uint64_t cols = std::min(tile, n - c0);
          Eigen::Map<const RowMatrix> kt(k + c0 * d, static_cast<Eigen::Index>(cols), static_cast<Eigen::Index>(d));
          Eigen::Map<const RowMatrix> vt(v + c0 * d, static_cast<Eigen::Index>(cols), static_cast<Eigen::Index>(d));
          auto sc = scores.topLeftCorner(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
          sc.noalias() = (qt * kt.transpose()) * scale;
          for (uint64_t i = 0; i < rows; ++i) {
            float row_max = -INFINITY;
            for (uint64_t j = 0; j < cols; ++j) {
              float& x = sc(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
              if (!attends(s, r0 + i, c0 + j)) x = -INFINITY;
              row_max = std::max(row_max, x);
            }
            const auto ii = static_cast<Eigen::Index>(i);
            if (row_max == -INFINITY) {  // nothing visible in this tile: contribute nothing
              sc.row(ii).setZero();
              continue;
            }
            const float new_max = std::max(m(ii), row_max);
            const float correction = std::exp(m(ii) - new_max);
            float sum = 0;
            for (uint64_t j = 0; j < cols; ++j) {
              float& x = sc(ii, static_cast<Eigen::Index>(j));
              x = std::exp(x - new_max);
              sum += x;
            }
            l(ii) = l(ii) * correction + sum;
            acc.row(ii) *= correction;
            m(ii) = new_max;
          }
          acc.topRows(static_cast<Eigen::Index>(rows)).noalias() += sc * vt;
        }
        for (uint64_t i = 0; i < rows; ++i)
          for (uint64_t e = 0; e < d; ++e)
            out[((b * s.heads + h) * n + r0 + i) * d + e] = acc(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(e)) / l(static_cast<Eigen::Index>(i));
      }
    }
}

// Naive prefill: the full n×n score matrix per head, masked, softmaxed, multiplied by V.
void cpu_prefill_naive(const PrefillInputs& in, std::vector<float>& out) {
  const AttentionShape& s = in.s;
  const uint64_t d = s.head_dim, n = in.n, group = s.heads / s.kv_heads;
  const auto N = static_cast<Eigen::Index>(n), D = static_cast<Eigen::Index>(d);
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  out.assign(in.q.size(), 0.0f);
  RowMatrix scores(N, N);
  for (uint64_t b = 0; b < s.batch; ++b)
    for (uint64_t h = 0; h < s.heads; ++h) {
      const uint64_t g = h / group;
      Eigen::Map<const RowMatrix> q(&in.q[(b * s.heads + h) * n * d], N, D);
      Eigen::Map<const RowMatrix> k(&in.k[(b * s.kv_heads + g) * n * d], N, D);
      Eigen::Map<const RowMatrix> v(&in.v[(b * s.kv_heads + g) * n * d], N, D);
      scores.noalias() = (q * k.transpose()) * scale;
      for (Eigen::Index i = 0; i < N; ++i) {
        float row_max = -INFINITY;
        for (Eigen::Index j = 0; j < N; ++j) {
          if (!attends(s, static_cast<uint64_t>(i), static_cast<uint64_t>(j))) scores(i, j) = -INFINITY;
          row_max = std::max(row_max, scores(i, j));
        }
        float sum = 0;
        for (Eigen::Index j = 0; j < N; ++j) sum += (scores(i, j) = std::exp(scores(i, j) - row_max));
        scores.row(i) /= sum;
      }
      Eigen::Map<RowMatrix> o(&out[(b * s.heads + h) * n * d], N, D);
      o.noalias() = scores * v;
    }
}

float phi_f(float x) { return x > 0 ? x + 1 : std::exp(x); }

// Linear attention over a chunk-wise recurrence: within a chunk of 64 tokens the causal
// φ(Q)φ(K)ᵀ block, across chunks the state S = Σφ(k)vᵀ and normalizer z = Σφ(k).
void cpu_linear(uint64_t bh_count, uint64_t n, uint64_t d, const std::vector<float>& q, const std::vector<float>& k,
                const std::vector<float>& v, std::vector<float>& state, std::vector<float>& z, std::vector<float>& out) {
  const uint64_t chunk = kLinearPrefillChunk;
  const auto D = static_cast<Eigen::Index>(d);
  out.assign(bh_count * n * d, 0.0f);
  RowMatrix fq(chunk, D), fk(chunk, D), a(chunk, chunk), num(chunk, D);
  for (uint64_t bh = 0; bh < bh_count; ++bh) {
    Eigen::Map<RowMatrix> S(&state[bh * d * d], D, D);
    Eigen::Map<Eigen::RowVectorXf> Z(&z[bh * d], D);
    for (uint64_t t0 = 0; t0 < n; t0 += chunk) {
      const auto c = static_cast<Eigen::Index>(std::min(chunk, n - t0));
      for (Eigen::Index i = 0; i < c; ++i)
        for (Eigen::Index e = 0; e < D; ++e) {
          const uint64_t at = (bh * n + t0 + static_cast<uint64_t>(i)) * d + static_cast<uint64_t>(e);
          fq(i, e) = phi_f(q[at]);
          fk(i, e) = phi_f(k[at]);
        }
      Eigen::Map<const RowMatrix> vc(&v[(bh * n + t0) * d], c, D);
      auto A = a.topLeftCorner(c, c);
      A.noalias() = fq.topRows(c) * fk.topRows(c).transpose();
      A.triangularView<Eigen::StrictlyUpper>().setZero();
      auto nm = num.topRows(c);
      nm.noalias() = A * vc + fq.topRows(c) * S;
      Eigen::VectorXf den = A.rowwise().sum() + fq.topRows(c) * Z.transpose();
      for (Eigen::Index i = 0; i < c; ++i)
        for (Eigen::Index e = 0; e < D; ++e) out[(bh * n + t0 + static_cast<uint64_t>(i)) * d + static_cast<uint64_t>(e)] = nm(i, e) / den(i);
      S.noalias() += fk.topRows(c).transpose() * vc;
      Z += fk.topRows(c).colwise().sum();
    }
  }
}

// A prepared case on the CPU: the inputs it owns and the kernel call that is timed.
template <typename Fn>
class CpuCase final : public PreparedCase {
 public:
  explicit CpuCase(Fn fn) : fn_(std::move(fn)) {}
  void launch(int r) override { fn_(r); }

 private:
  Fn fn_;
};
template <typename Fn>
std::unique_ptr<PreparedCase> cpu_case(Fn fn) { return std::make_unique<CpuCase<Fn>>(std::move(fn)); }

// Streams the last-level cache out between samples, as the GPU backend flushes L2.
class CacheFlush {
 public:
  CacheFlush() : buffer_(2 * last_level_cache_bytes() / sizeof(float) + 1024, 1.0f) {}
  void operator()() {
    for (size_t i = 0; i < buffer_.size(); i += 16) buffer_[i] += 1.0f;
  }

 private:
  std::vector<float> buffer_;
};

class CpuBackend final : public Backend {
 public:
  Device device() override {
    Device d;
    d.backend = "cpu";
    d.name = "CPU (one core)";
    d.sms = 1;
    d.memory_bytes = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGESIZE));
    d.l2_bytes = static_cast<double>(last_level_cache_bytes());
    return d;
  }

  std::vector<CeilingProbe> ceiling_probes(std::vector<std::string>& notes) override {
    std::vector<CeilingProbe> out;
    const size_t n = std::max<size_t>(size_t{64} << 20, 8 * last_level_cache_bytes()) / sizeof(float);
    auto a = std::make_shared<std::vector<float>>(n, 1.0f), b = std::make_shared<std::vector<float>>(n, 2.0f);
    auto sink = std::make_shared<float>(0.0f);
    out.push_back({CeilingProbe::Kind::read, cpu_case([a, sink](int) {
                     const std::vector<float>& x = *a;
                     float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                     for (size_t i = 0; i + 4 <= x.size(); i += 4) s0 += x[i], s1 += x[i + 1], s2 += x[i + 2], s3 += x[i + 3];
                     *sink += s0 + s1 + s2 + s3;
                   }),
                   static_cast<double>(n * sizeof(float)), false});
    out.push_back({CeilingProbe::Kind::copy, cpu_case([a, b](int) { std::memcpy(b->data(), a->data(), a->size() * sizeof(float)); }),
                   2.0 * static_cast<double>(n * sizeof(float)), false});
    // GEMM: a square float product through Eigen (the CPU's matmul peak).
    const Eigen::Index dim = 512;
    auto x = std::make_shared<RowMatrix>(RowMatrix::Random(dim, dim)), y = std::make_shared<RowMatrix>(RowMatrix::Random(dim, dim));
    auto z = std::make_shared<RowMatrix>(dim, dim);
    const double gemm_flops = 2.0 * static_cast<double>(dim * dim * dim);
    for (auto kind : {CeilingProbe::Kind::gemm_fp16, CeilingProbe::Kind::gemm_bf16})
      out.push_back({kind, cpu_case([x, y, z](int) { z->noalias() = *x * *y; }), gemm_flops, false});
    notes.push_back("GEMM fp16/bf16 are Eigen's fp32 product (the CPU has no half-precision matrix unit); GEMM fp8 not measured");
    // Vector rate: independent multiply-adds on data in L1.
    auto u = std::make_shared<std::vector<float>>(1024, 1.0001f), w = std::make_shared<std::vector<float>>(1024, 0.9999f);
    auto acc = std::make_shared<std::vector<float>>(1024, 0.0f);
    out.push_back({CeilingProbe::Kind::vector, cpu_case([u, w, acc](int) {
                     std::vector<float>& c = *acc;
                     for (int rep = 0; rep < 2000; ++rep)
                       for (size_t i = 0; i < c.size(); ++i) c[i] = c[i] * (*u)[i] + (*w)[i];
                   }),
                   2.0 * 2000.0 * 1024.0, false});
    // "Launch": the fixed cost of calling a kernel that does nothing, 1000 calls per sample.
    Case tiny;
    tiny.kernel = Kernel::decode;
    tiny.shape = {1, 1, 1, 1, 16, "dense", Dtype::fp32, 16};
    auto in = std::make_shared<DecodeInputs>(tiny, 1);
    auto dummy = std::make_shared<std::vector<float>>();
    out.push_back({CeilingProbe::Kind::launch, cpu_case([in, dummy](int) {
                     for (int i = 0; i < 1000; ++i) cpu_decode(*in, *dummy);
                   }),
                   1000.0, false});
    return out;
  }

  std::unique_ptr<PreparedCase> prepare(const Case& c, Measurement& m) override {
    switch (c.kernel) {
      case Kernel::decode:
      case Kernel::decode_paged: return prepare_decode(c, m);
      case Kernel::prefill_flash:
      case Kernel::prefill_naive: return prepare_prefill(c, m);
      case Kernel::linear_decode:
      case Kernel::linear_prefill: return prepare_linear(c, m);
    }
    m.skip_reason = "unknown kernel";
    return nullptr;
  }

  Sample time_once(PreparedCase& p, int r, bool flush) override {
    if (flush) flush_();
    const auto t0 = Clock::now();
    p.launch(r);
    return {seconds_since(t0), {}};
  }

 private:
  static std::unique_ptr<PreparedCase> prepare_decode(const Case& c, Measurement& m) {
    // Enough copies of the cache that the timed passes stream from DRAM, not the cache.
    auto inputs = std::make_shared<std::vector<DecodeInputs>>();
    inputs->emplace_back(c, 1);
    const DecodeInputs& first = inputs->front();
    const size_t copies = std::clamp<size_t>(4 * last_level_cache_bytes() / (first.k.bytes() + first.v.bytes()) + 1, 1, 4);
    for (size_t i = 1; i < copies; ++i) inputs->emplace_back(c, i + 1);
    auto out = std::make_shared<std::vector<float>>();
    cpu_decode(inputs->front(), *out);
    // Check sequence 0 against the reference.
    const std::vector<double> want = inputs->front().reference();
    out->resize(want.size());
    m.record_check(max_rel_error(*out, want), 1e-3);
    return cpu_case([inputs, out](int r) { cpu_decode((*inputs)[static_cast<size_t>(r) % inputs->size()], *out); });
  }

  static std::unique_ptr<PreparedCase> prepare_prefill(const Case& c, Measurement& m) {
    auto in = std::make_shared<const PrefillInputs>(c, 7);
    auto out = std::make_shared<std::vector<float>>();
    const bool naive = c.kernel == Kernel::prefill_naive;
    if (naive) cpu_prefill_naive(*in, *out);
    else cpu_prefill_flash(*in, *out);
    m.record_check(max_rel_error(in->checked(*out), in->reference()), 1e-3);
    return cpu_case([in, out, naive](int) { naive ? cpu_prefill_naive(*in, *out) : cpu_prefill_flash(*in, *out); });
  }

  static std::unique_ptr<PreparedCase> prepare_linear(const Case& c, Measurement& m) {
    struct State {
      LinearInputs in;
      std::vector<float> q, k, v, state, z, out, state0, z0;
      explicit State(const Case& c) : in(c) {}
    };
    auto st = std::make_shared<State>(c);
    const LinearInputs& in = st->in;
    st->q = in.part(in.q, in.history, in.n), st->k = in.part(in.k, in.history, in.n), st->v = in.part(in.v, in.history, in.n);
    st->state.assign(in.bh * in.d * in.d, 0.0f);
    st->z.assign(in.bh * in.d, 0.0f);
    if (in.history > 0)
      cpu_linear(in.bh, in.history, in.d, in.part(in.q, 0, in.history), in.part(in.k, 0, in.history), in.part(in.v, 0, in.history),
                 st->state, st->z, st->out);
    st->state0 = st->state, st->z0 = st->z;
    cpu_linear(in.bh, in.n, in.d, st->q, st->k, st->v, st->state, st->z, st->out);
    m.record_check(max_rel_error(in.checked(st->out), in.want), 1e-3);
    return cpu_case([st](int) {
      if (st->in.history == 0) st->state = st->state0, st->z = st->z0;  // a prefill starts from an empty state
      cpu_linear(st->in.bh, st->in.n, st->in.d, st->q, st->k, st->v, st->state, st->z, st->out);  // decode steps keep advancing
    });
  }

  CacheFlush flush_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace attncost::probe
