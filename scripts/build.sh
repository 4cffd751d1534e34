#!/usr/bin/env bash
# Installs what is missing and builds the attncost binary (Release) into build/: only what the
# commands need, so the first run takes minutes. The tests, the benchmarks and the CUDA probe
# module are built by `cmake --build build` (scripts/test.sh does it). Extra arguments go to
# CMake. ccache is used when it is installed (never required).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
launcher=()
if command -v ccache >/dev/null 2>&1 && [[ ! -e build/CMakeCache.txt ]]; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" "$@" >/dev/null
cmake --build build --parallel --target attncost
