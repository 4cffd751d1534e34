#include "cuda_probe/device_query.h"

#include <cuda_runtime.h>

namespace attncost::cuda {

DeviceQuery query_devices() {
  DeviceQuery q;
  cudaRuntimeGetVersion(&q.runtime_version);
  cudaDriverGetVersion(&q.driver_version);
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver || (err == cudaSuccess && count == 0)) {
    q.status = QueryStatus::no_device;
    q.message = err == cudaSuccess ? "no CUDA device" : cudaGetErrorString(err);
    return q;
  }
  if (err != cudaSuccess) {
    q.status = QueryStatus::cuda_error;
    q.message = cudaGetErrorString(err);
    return q;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
    DeviceInfo d;
    d.index = i;
    d.name = p.name;
    d.sm_major = p.major;
    d.sm_minor = p.minor;
    d.sms = p.multiProcessorCount;
    d.memory_bytes = static_cast<int64_t>(p.totalGlobalMem);
    d.l2_bytes = p.l2CacheSize;
    d.memory_bus_bits = p.memoryBusWidth;
    q.devices.push_back(d);
  }
  q.status = QueryStatus::ok;
  return q;
}

}  // namespace attncost::cuda
