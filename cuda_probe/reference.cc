#include "cuda_probe/reference.h"

#include <algorithm>
#include <cmath>

namespace attncost::probe {

void reference_decode(const AttentionShape& s, uint64_t n, const std::vector<float>& q, const KvAccess& k, const KvAccess& v,
                      std::vector<double>& out) {
  const uint64_t d = s.head_dim, group = s.heads / s.kv_heads, i = n - 1;
  out.assign(s.batch * s.heads * d, 0.0);
  std::vector<double> scores(n);
  for (uint64_t b = 0; b < s.batch; ++b)
    for (uint64_t h = 0; h < s.heads; ++h) {
      const uint64_t g = h / group;
      double max_score = -INFINITY;
      for (uint64_t j = 0; j < n; ++j) {
        if (!attends(s, i, j)) continue;
        double dot = 0;
        for (uint64_t e = 0; e < d; ++e) dot += static_cast<double>(q[(b * s.heads + h) * d + e]) * k(b, g, j, e);
        scores[j] = dot / std::sqrt(static_cast<double>(d));
        max_score = std::max(max_score, scores[j]);
      }
      double sum = 0;
      double* o = &out[(b * s.heads + h) * d];
      for (uint64_t j = 0; j < n; ++j) {
        if (!attends(s, i, j)) continue;
        const double p = std::exp(scores[j] - max_score);
        sum += p;
        for (uint64_t e = 0; e < d; ++e) o[e] += p * v(b, g, j, e);
      }
      for (uint64_t e = 0; e < d; ++e) o[e] /= sum;
    }
}

void reference_prefill(const AttentionShape& s, uint64_t n, const std::vector<float>& q, const std::vector<float>& k,
                       const std::vector<float>& v, const std::vector<uint64_t>& rows, std::vector<double>& out) {
  const uint64_t d = s.head_dim, group = s.heads / s.kv_heads;
  out.assign(s.batch * s.heads * rows.size() * d, 0.0);
  std::vector<double> scores(n);
  for (uint64_t b = 0; b < s.batch; ++b)
    for (uint64_t h = 0; h < s.heads; ++h)
      for (size_t r = 0; r < rows.size(); ++r) {
        const uint64_t i = rows[r], g = h / group;
        const float* qi = &q[((b * s.heads + h) * n + i) * d];
        double max_score = -INFINITY;
        for (uint64_t j = 0; j <= i; ++j) {
          if (!attends(s, i, j)) continue;
          const float* kj = &k[((b * s.kv_heads + g) * n + j) * d];
          double dot = 0;
          for (uint64_t e = 0; e < d; ++e) dot += static_cast<double>(qi[e]) * kj[e];
          scores[j] = dot / std::sqrt(static_cast<double>(d));
          max_score = std::max(max_score, scores[j]);
        }
        double sum = 0;
        double* o = &out[((b * s.heads + h) * rows.size() + r) * d];
        for (uint64_t j = 0; j <= i; ++j) {
          if (!attends(s, i, j)) continue;
          const double p = std::exp(scores[j] - max_score);
          sum += p;
          const float* vj = &v[((b * s.kv_heads + g) * n + j) * d];
          for (uint64_t e = 0; e < d; ++e) o[e] += p * vj[e];
        }
        for (uint64_t e = 0; e < d; ++e) o[e] /= sum;
      }
}

void reference_linear(uint64_t batch, uint64_t heads, uint64_t n, uint64_t d, const std::vector<float>& q,
                      const std::vector<float>& k, const std::vector<float>& v, std::vector<double>& out) {
  out.assign(batch * heads * n * d, 0.0);
  std::vector<double> state(d * d), z(d);
  for (uint64_t bh = 0; bh < batch * heads; ++bh) {
    std::fill(state.begin(), state.end(), 0.0);
    std::fill(z.begin(), z.end(), 0.0);
    for (uint64_t t = 0; t < n; ++t) {
      const float* kt = &k[(bh * n + t) * d];
      const float* vt = &v[(bh * n + t) * d];
      const float* qt = &q[(bh * n + t) * d];
      for (uint64_t f = 0; f < d; ++f) {
        const double pk = phi(kt[f]);
        z[f] += pk;
        for (uint64_t e = 0; e < d; ++e) state[f * d + e] += pk * vt[e];
      }
      double denom = 0;
      for (uint64_t f = 0; f < d; ++f) denom += phi(qt[f]) * z[f];
      for (uint64_t e = 0; e < d; ++e) {
        double num = 0;
        for (uint64_t f = 0; f < d; ++f) num += phi(qt[f]) * state[f * d + e];
        out[(bh * n + t) * d + e] = num / denom;
      }
    }
  }
}

double max_rel_error(const std::vector<float>& got, const std::vector<double>& want, double floor) {
  double worst = got.size() == want.size() ? 0 : INFINITY;
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - want[i]) / (std::fabs(want[i]) + floor);
    if (!(err <= worst)) worst = err;  // NaN counts as the worst
  }
  return worst;
}

}  // namespace attncost::probe
