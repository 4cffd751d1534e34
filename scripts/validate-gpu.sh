#!/usr/bin/env bash
# Records a GPU validation run under validation/<gpu>/ (or DIR): the full probe suite as JSON,
# JUnit and Markdown (with the performance targets), a calibrated profile and the calibrated
# re-check. Runs on the GPU machine with an already built ./build/attncost (scripts/build.sh);
# it installs nothing, so it also runs where there are no Debian packages (a carried build).
#   scripts/validate-gpu.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=./build/attncost
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr 'A-Z ' 'a-z-' | tr -cd 'a-z0-9-' || true)
dir=${1:-validation/${gpu:-unknown-gpu}}
mkdir -p "$dir"
status=0
"$bin" probe --suite full --format json -o "$dir/probe.json" || status=$?
"$bin" probe --suite full --format junit -o "$dir/probe.junit.xml" || status=$?
"$bin" probe --suite full --format md -o "$dir/probe.md" || status=$?
"$bin" probe --suite full --calibrate -o "$dir/gpu-profile.json" > "$dir/calibration.txt" || status=$?
"$bin" probe --suite full --gpu "$dir/gpu-profile.json" --format md -o "$dir/probe-calibrated.md" || status=$?
echo "validation written to $dir (probe exit status $status: 1 = a case wrong or off its prediction; see the reports)"
exit "$status"
