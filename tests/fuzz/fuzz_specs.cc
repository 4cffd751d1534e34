// The key=value strings users type: --workload NAME:ctx=..,batch=..,gen=..,slo_ms=..,
// ttft_slo_ms=..,prefix=.., --design LABEL:gqa=..,attn=..,kv_dtype=.., and --spec K:ALPHA.
// The input's first byte picks the parser; the rest is the string. Every input ends in a value
// or an InputError; an accepted workload and design estimate (with serving metrics) to finite,
// non-negative numbers.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cli/resolve.h"
#include "estimators/estimate.h"
#include "model/error.h"
#include "model/presets.h"

namespace {

void check(double x) {
  if (!std::isfinite(x) || x < 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attncost;
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const ModelConfig m = load_model("llama-2-7b");
  static const GpuSpec gpu = load_gpu("h100-sxm");
  try {
    switch (data[0] % 3) {
      case 0: {
        Workload w = cli::parse_workload(text);
        // Keep one estimate cheap: the serving sums are exact but not free at 2^40 tokens.
        w.ctx = 1 + w.ctx % 65536, w.gen = w.gen % 4096, w.batch = 1 + w.batch % 256;
        w.shared_prefix = w.shared_prefix % w.ctx;
        const Estimate e = estimate(m, make_design(m), w, gpu);
        for (double x : {e.serving.ttft_s, e.serving.itl_mean_s, e.serving.e2e_latency_s, e.serving.output_tokens_per_s_per_gpu, e.memory.total_bytes})
          check(x);
        break;
      }
      case 1: {
        const auto [label, choice] = cli::parse_design_spec(text, m);
        Workload w;
        w.ctx = 2048, w.gen = 64;
        const Estimate e = estimate(m, make_design(m, choice), w, gpu);
        for (double x : {e.prefill.time_s, e.decode.time_s, e.serving.itl_mean_s, e.memory.total_bytes}) check(x);
        break;
      }
      case 2: {
        SpecDecode s = cli::parse_spec(text);
        DesignChoice c;
        s.draft.reset();  // a draft model path would read files
        c.spec = s;
        Workload w;
        w.ctx = 1024, w.gen = 32, w.batch = 4;
        const Estimate e = estimate(m, make_design(m, c), w, gpu);
        check(e.serving.itl_mean_s), check(e.serving.tokens_per_step);
        break;
      }
    }
  } catch (const InputError&) {
  }
  return 0;
}
