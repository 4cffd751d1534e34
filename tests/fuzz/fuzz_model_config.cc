// Any bytes as a Hugging Face config.json: malformed JSON and bad fields are rejected with
// InputError; an accepted model estimates to finite, non-negative numbers.
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "estimators/estimate.h"
#include "model/error.h"
#include "model/presets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attncost;
  const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  try {
    const ModelConfig m = model_from_json(j, "fuzz");
    const Design d = make_design(m);
    static const GpuSpec gpu = load_gpu("h100-sxm");
    Workload w;
    w.ctx = 1 + size % 65536;
    w.batch = 1 + size % 7;
    const Estimate e = estimate(m, d, w, gpu);
    for (double x : {e.params, e.kv.bytes_total, e.prefill.flops, e.prefill.time_s, e.decode.time_s, e.memory.total_bytes})
      if (!std::isfinite(x) || x < 0) std::abort();
  } catch (const InputError&) {
  }
  return 0;
}
