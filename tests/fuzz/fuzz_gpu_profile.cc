// Any bytes as a GPU profile (what probe --calibrate writes): rejected with InputError, or a spec
// that gives finite, non-negative estimates.
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
    const GpuSpec gpu = gpu_from_json(j, "fuzz");
    static const ModelConfig m = load_model("llama-2-7b");
    Workload w;
    w.ctx = 4096;
    const Estimate e = estimate(m, make_design(m), w, gpu);
    for (double x : {e.prefill.time_s, e.decode.time_s, e.decode.tokens_per_s, e.memory.max_concurrent_sequences})
      if (!std::isfinite(x) || x < 0) std::abort();
  } catch (const InputError&) {
  }
  return 0;
}
