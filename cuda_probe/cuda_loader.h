// Finds and loads the CUDA backend module (attncost-cuda.so, built beside the binary when nvcc
// exists). The attncost binary itself links no CUDA library, so every other command starts fast
// and runs where none is installed; only `probe --backend cuda` loads the module, and with it
// cudart (static inside the module) and cuBLAS.
#pragma once
#include <memory>
#include <string>

#include "cuda_probe/probe.h"

namespace attncost::probe {

// The module attncost would load: $ATTNCOST_CUDA_MODULE, else attncost-cuda.so beside the
// executable, else ../lib/attncost/attncost-cuda.so from it. Empty when none exists.
std::string cuda_module_path();

// nullptr with `why` set (one line) when the module is missing, cannot be loaded (a missing CUDA
// library, a module from another build), or finds no usable device.
std::unique_ptr<Backend> load_cuda_backend(std::string* why);

}  // namespace attncost::probe
