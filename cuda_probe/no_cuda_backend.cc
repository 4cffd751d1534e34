// Built when nvcc was not found: the CUDA backend does not exist, and the probe says so.
#include "cuda_probe/probe.h"

namespace attncost::probe {

std::unique_ptr<Backend> make_cuda_backend(std::string* why) {
  if (why) *why = "attncost was built without CUDA (nvcc was not found at build time)";
  return nullptr;
}

}  // namespace attncost::probe
