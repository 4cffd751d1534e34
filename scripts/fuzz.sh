#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang + ASan + UBSan (build-fuzz/) and runs each for
# SECONDS (default 600) on a copy of its committed seed corpus, JOBS at a time (default: cores).
# Crashes are written to build-fuzz/crashes/<harness>/; each one found should become a
# regression test. Usage: scripts/fuzz.sh [SECONDS] [HARNESS...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(attn_spec model_config gpu_profile cli specs outputs)
scripts/install-deps.sh
if ! command -v clang++ >/dev/null || ! dpkg -s libclang-rt-14-dev >/dev/null 2>&1; then
  [[ $(id -u) -eq 0 ]] || { echo "fuzz.sh: needs clang and libclang-rt-14-dev (run as root to install)" >&2; exit 2; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
fi
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ -DATTNCOST_FUZZ=ON \
  -DATTNCOST_CUDA=OFF -DATTNCOST_BUILD_TESTS=OFF -DATTNCOST_BUILD_BENCH=OFF -DATTNCOST_WERROR=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build build-fuzz --parallel --target $(printf 'fuzz_%s ' "${harnesses[@]}")
jobs=${JOBS:-$(nproc)}
run() {
  local h=$1 corpus=build-fuzz/corpus/$1 crashes=build-fuzz/crashes/$1
  mkdir -p "$corpus" "$crashes"
  touch "build-fuzz/started_$h"  # crashes of earlier runs stay in $crashes; count only this run's
  cp -n tests/fuzz/corpus/"$h"/* "$corpus"/ 2>/dev/null || true
  build-fuzz/tests/fuzz/fuzz_"$h" "$corpus" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$crashes/" -print_final_stats=1 > build-fuzz/fuzz_"$h".log 2>&1 || true
  local execs crashes_found
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' build-fuzz/fuzz_"$h".log | grep -oE '[0-9]+$' || echo 0)
  crashes_found=$(find "$crashes" -type f -newer "build-fuzz/started_$h" | wc -l)
  echo "fuzz_$h: ${seconds}s, $execs executions, corpus $(ls "$corpus" | wc -l) inputs, $crashes_found crashes"
}
for h in "${harnesses[@]}"; do
  run "$h" &
  while (($(jobs -rp | wc -l) >= jobs)); do sleep 1; done
done
wait
