// cuda_probe/prefill_flash_mma.cu compiled as host C++ under the emulator (see emulator.h).
#include "tests/cuda_emulation/emulator.h"
// Must follow the emulator, which redefines CUDA's device vocabulary for it.
#include "cuda_probe/prefill_flash_mma.cu"
