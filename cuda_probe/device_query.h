// What the attached CUDA device is: the first thing the probe reads, and the way it tells "no
// GPU here" from a CUDA failure.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace attncost::cuda {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int sm_major = 0, sm_minor = 0;
  int sms = 0;
  int64_t memory_bytes = 0;
  int64_t l2_bytes = 0;
  int memory_bus_bits = 0;
};

enum class QueryStatus { ok, no_device, cuda_error };

struct DeviceQuery {
  QueryStatus status = QueryStatus::no_device;
  std::string message;           // the CUDA error string when status != ok
  int driver_version = 0, runtime_version = 0;
  std::vector<DeviceInfo> devices;
};

DeviceQuery query_devices();

}  // namespace attncost::cuda
