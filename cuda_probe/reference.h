// Double-precision references for every probe kernel: the plainest loops that follow the
// definitions (scaled dot products, the mask, a softmax over the attended keys, the weighted sum;
// linear attention's φ(x) = elu(x) + 1 state). Every CPU and CUDA kernel is checked against these.
#pragma once
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

namespace attncost::probe {

// Dequantized K or V of sequence b, KV head g, key j, element i.
using KvAccess = std::function<float(uint64_t b, uint64_t g, uint64_t j, uint64_t i)>;

struct AttentionShape {
  uint64_t batch, heads, kv_heads, head_dim;
  uint64_t window = 0, sinks = 0;  // window 0 = dense
};

// Whether query i sees key j (causal, window of W keys including i, S sinks).
inline bool attends(const AttentionShape& s, uint64_t i, uint64_t j) {
  return j <= i && (s.window == 0 || i - j < s.window || j < s.sinks);
}

// One decode step at context n: q [batch][heads][d]; out [batch][heads][d].
void reference_decode(const AttentionShape& s, uint64_t n, const std::vector<float>& q, const KvAccess& k, const KvAccess& v,
                      std::vector<double>& out);

// Causal prefill of n tokens, only query rows in `rows` (sampled for speed): q [batch][heads][n][d],
// k/v [batch][kv_heads][n][d]; out [batch][heads][rows.size()][d].
void reference_prefill(const AttentionShape& s, uint64_t n, const std::vector<float>& q, const std::vector<float>& k,
                       const std::vector<float>& v, const std::vector<uint64_t>& rows, std::vector<double>& out);

// φ(x) = elu(x) + 1, the feature map of Katharopoulos et al. 2020.
inline double phi(double x) { return x > 0 ? x + 1 : std::exp(x); }

// Linear attention over n tokens (q, k, v [batch][heads][n][d], one state per head); out holds
// every position [batch][heads][n][d].
void reference_linear(uint64_t batch, uint64_t heads, uint64_t n, uint64_t d, const std::vector<float>& q,
                      const std::vector<float>& k, const std::vector<float>& v, std::vector<double>& out);

// Largest |a - b| / (|b| + floor) over the outputs: relative error with an absolute floor so
// near-zero outputs do not dominate (the llm.c tolerance shape).
double max_rel_error(const std::vector<float>& got, const std::vector<double>& want, double floor = 1e-2);

}  // namespace attncost::probe
