#!/usr/bin/env bash
# Builds the unit tests with AddressSanitizer + UndefinedBehaviorSanitizer (no CUDA, no
# benchmarks, no fuzz replays; warnings are enforced by the normal build, GCC 12 reports false
# positives inside libstdc++ under the sanitizers) into build-asan/ and runs them there (CTest
# label `unit`: the Catch2 cases, which also run the sanitized attncost binary end to end, and
# the CUDA kernels under the CPU emulator): memory errors, overflow and undefined behaviour abort
# the run. The shell-script tests, the fuzz corpora and the probe's timing gates run in the normal
# build (scripts/test.sh); scripts/fuzz.sh replays the corpora under the sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
launcher=()
if command -v ccache >/dev/null 2>&1 && [[ ! -e build-asan/CMakeCache.txt ]]; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DATTNCOST_CUDA=OFF -DATTNCOST_BUILD_BENCH=OFF -DATTNCOST_WERROR=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" "${launcher[@]}" >/dev/null
targets=(attncost attncost_tests)
# The emulation tests exist where the CUDA Toolkit's headers do (tests/CMakeLists.txt).
[[ $(ninja -C build-asan -t targets all) == *$'\n'cuda_emulation_tests:* ]] && targets+=(cuda_emulation_tests)
cmake --build build-asan --parallel --target "${targets[@]}"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure --no-tests=error --parallel "$(nproc)" --label-regex unit
