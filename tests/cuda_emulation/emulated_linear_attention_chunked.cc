// cuda_probe/linear_attention_chunked.cu compiled as host C++ under the emulator (see emulator.h).
#include "tests/cuda_emulation/emulator.h"
// Must follow the emulator, which redefines CUDA's device vocabulary for it.
#include "cuda_probe/linear_attention_chunked.cu"
