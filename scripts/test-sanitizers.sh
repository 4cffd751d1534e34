#!/usr/bin/env bash
# Builds the core, CLI and tests with AddressSanitizer + UndefinedBehaviorSanitizer (no CUDA, no
# benchmarks; warnings are enforced by the normal build, GCC 12 reports false positives inside
# libstdc++ under the sanitizers) into build-asan/ and runs every deterministic test there: memory errors, overflow
# and undefined behaviour abort the run. The probe's timing gates are left to the normal build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DATTNCOST_CUDA=OFF -DATTNCOST_BUILD_BENCH=OFF -DATTNCOST_WERROR=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build build-asan --parallel
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure --parallel "$(nproc)" --label-exclude probe
