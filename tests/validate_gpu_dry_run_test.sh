#!/usr/bin/env bash
# scripts/validate-gpu.sh is what a lent GPU machine runs, once, with minutes to spare: it must
# work before it gets there. This runs it end to end on the CPU backend, with tools/torch_sdpa.py's
# synthetic times standing in for PyTorch's, and checks every file a validation folder promises.
#   validate_gpu_dry_run_test.sh ATTNCOST SCRATCH
set -euo pipefail
bin=$(realpath "$1") dir=$2
rm -rf "$dir"
status=0
ATTNCOST_BIN=$bin ATTNCOST_BASE_PRESET=h200 ATTNCOST_PROBE_ARGS="--backend cpu --suite quick --repeats 3 --max-time 0.2" TORCH_SDPA_ARGS=--synthetic \
  bash "$(dirname "$0")/../scripts/validate-gpu.sh" "$dir" || status=$?
[ "$status" -le 1 ] || { echo "validate-gpu.sh exited $status"; exit 1; }
for f in probe.json probe.junit.xml probe.md gpu-profile.json calibration.txt probe-calibrated.md probe-calibrated.json \
         torch-sdpa.json torch-sdpa-our-profile.md torch-calibration.txt device.txt SUMMARY.md \
         profile-torch-sdpa-flash.json profile-torch-sdpa-efficient.json calibrated-torch-sdpa-flash.md preset-measured.json; do
  [ -s "$dir/$f" ] || { echo "missing or empty: $f"; exit 1; }
done
# The summary carries the held-out error of our kernels and of each PyTorch implementation.
[ "$(grep -c 'held-out error' "$dir/SUMMARY.md")" -eq 4 ] || { cat "$dir/SUMMARY.md"; echo "SUMMARY.md lacks a held-out error"; exit 1; }
# The records replay (the probe re-reads what it wrote), and the candidate preset loads as a GPU.
"$bin" probe --replay "$dir/probe.json" > /dev/null
"$bin" estimate --gpu "$dir/preset-measured.json" --ctx 8192 | grep -q "(measured) \[calibrated profile\]" ||
  { echo "preset-measured.json does not load as a calibrated GPU"; exit 1; }
echo "validation folder complete: $(ls "$dir" | wc -l) files"
