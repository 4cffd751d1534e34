// Lists the CUDA devices the probe would measure. Exit 0 with devices, 3 with none (the probe's
// "no GPU" code), 1 on a CUDA error.
#include <cstdio>

#include "cuda_probe/device_query.h"

int main() {
  const auto q = attncost::cuda::query_devices();
  if (q.status == attncost::cuda::QueryStatus::no_device) {
    std::fprintf(stderr, "attncost: no CUDA device available (%s)\n", q.message.c_str());
    return 3;
  }
  if (q.status == attncost::cuda::QueryStatus::cuda_error) {
    std::fprintf(stderr, "attncost: CUDA error: %s\n", q.message.c_str());
    return 1;
  }
  for (const auto& d : q.devices)
    std::printf("%d: %s, sm_%d%d, %d SMs, %.1f GiB, L2 %.1f MiB, driver %d, runtime %d\n", d.index, d.name.c_str(),
                d.sm_major, d.sm_minor, d.sms, static_cast<double>(d.memory_bytes) / (1 << 30),
                static_cast<double>(d.l2_bytes) / (1 << 20), q.driver_version, q.runtime_version);
  return 0;
}
