#!/usr/bin/env bash
# Records a GPU validation run under validation/<gpu>/ (or DIR), reproducible with this one command:
#   1. the full probe suite, measured once: probe.json is the raw record (`probe --replay` re-reads it);
#   2. from that record, without measuring again: JUnit, Markdown with the performance targets, a
#      calibrated profile (fitted on half the cases, its held-out error on the other half) and the
#      calibrated re-check;
#   3. PyTorch's kernels on the same GPU (tools/torch_sdpa.py, where python3 has torch with CUDA),
#      predicted with our calibrated profile, then calibrated on their own (held-out error again);
#   4. device.txt (nvidia-smi, commit, command) and SUMMARY.md, the figures a reader wants first.
# Runs on the GPU machine with a built ./build/attncost (or $ATTNCOST_BIN, with attncost-cuda.so
# beside it); it installs nothing, so a carried build runs where there are no Debian packages.
#   scripts/validate-gpu.sh [DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${ATTNCOST_BIN:-./build/attncost}
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr 'A-Z ' 'a-z-' | tr -cd 'a-z0-9-' || true)
dir=${1:-validation/${gpu:-unknown-gpu}}
mkdir -p "$dir"
commit=${ATTNCOST_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
status=0
note() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# ATTNCOST_PROBE_ARGS: e.g. "--backend cpu --suite quick" to try this script on a machine without a GPU.
note "probe ${ATTNCOST_PROBE_ARGS:---suite full} (measuring)"
"$bin" probe ${ATTNCOST_PROBE_ARGS:---suite full} --format json -o "$dir/probe.json" 2> "$dir/probe.log" || status=$?
if [ ! -s "$dir/probe.json" ]; then
  cat "$dir/probe.log" >&2
  echo "no probe record written (exit $status)" >&2
  [ "$status" -ne 0 ] || status=1
  exit "$status"
fi
# Without --check a replay exits 0 whatever the errors; anything else is a record it cannot read.
replay() { "$bin" probe --replay "$1" "${@:2}" || { note "replay of $1 failed (exit $?)"; status=2; }; }
replay "$dir/probe.json" --format junit -o "$dir/probe.junit.xml"
replay "$dir/probe.json" --format md -o "$dir/probe.md"
replay "$dir/probe.json" --calibrate -o "$dir/gpu-profile.json" > "$dir/calibration.txt"
replay "$dir/probe.json" --gpu "$dir/gpu-profile.json" --format md -o "$dir/probe-calibrated.md"
replay "$dir/probe.json" --gpu "$dir/gpu-profile.json" --format json -o "$dir/probe-calibrated.json"
# The candidate preset (issue #10 item 6): the measurement over the datasheet preset of this GPU
# (ATTNCOST_BASE_PRESET names it where the device name does not).
driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1)
python3 scripts/measured_preset.py "$dir/gpu-profile.json" ${ATTNCOST_BASE_PRESET:+--base "$ATTNCOST_BASE_PRESET"} \
  --provenance "$dir/ (attncost commit ${commit:0:12}, driver ${driver:-unknown})" -o "$dir/preset-measured.json" 2> "$dir/preset.log" ||
  note "no measured preset: $(cat "$dir/preset.log")"

# TORCH_SDPA_ARGS="--synthetic" tries this part without torch (made-up times).
if [ -n "${TORCH_SDPA_ARGS:-}" ] || python3 -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  note "tools/torch_sdpa.py (PyTorch's kernels)"
  python3 tools/torch_sdpa.py --ceilings-from "$dir/probe.json" -o "$dir/torch-sdpa.json" ${TORCH_SDPA_ARGS:-} 2> "$dir/torch-sdpa.log" || status=$?
  if [ -s "$dir/torch-sdpa.json" ]; then
    replay "$dir/torch-sdpa.json" --gpu "$dir/gpu-profile.json" --format md -o "$dir/torch-sdpa-our-profile.md"
    # Calibrated per implementation: flash and memory-efficient are different kernels with different efficiencies.
    : > "$dir/torch-calibration.txt"
    for part in $(python3 tools/torch_sdpa.py --split "$dir/torch-sdpa.json"); do
      impl=$(basename "$part" .json); impl=${impl#torch-sdpa.}
      { echo "== $impl"; replay "$part" --calibrate -o "$dir/profile-$impl.json"; } >> "$dir/torch-calibration.txt"
      replay "$part" --gpu "$dir/profile-$impl.json" --format md -o "$dir/calibrated-$impl.md"
      rm -f "$part"  # torch-sdpa.json holds every case
    done
  fi
else
  note "no torch with CUDA here: PyTorch comparison skipped"
fi

{
  echo "command: scripts/validate-gpu.sh $dir"
  echo "commit: $commit"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  nvidia-smi -q 2>/dev/null | sed -n '1,/^Attached GPUs/p;/Product Name/p;/Driver Version/p;/CUDA Version/p;/Max Clocks/,/Memory /p;/FB Memory Usage/,/Total/p'
} > "$dir/device.txt"

{
  echo "# GPU validation: ${gpu:-unknown GPU}"
  echo
  echo "Reproduce on the GPU: \`scripts/build.sh && scripts/validate-gpu.sh $dir\` (commit \`$commit\`)."
  echo "The raw records (\`probe.json\`, \`torch-sdpa.json\`) replay anywhere: \`attncost probe --replay $dir/probe.json\`."
  echo
  echo "## attncost's kernels"
  echo
  grep -h "calibration:\|held-out" "$dir/calibration.txt" | sed 's/^/- /'
  echo
  sed -n '/^## Performance targets/,$p' "$dir/probe-calibrated.md" | sed 's/^## /### /'
  if [ -s "$dir/torch-calibration.txt" ]; then
    echo
    echo "## PyTorch's kernels (scaled_dot_product_attention, FlexAttention)"
    echo
    grep -h "^== \|calibration:\|held-out" "$dir/torch-calibration.txt" | sed 's/^== \(.*\)/- **\1**/; s/^\([a-z]\)/  - \1/'
    echo "- predicted with attncost's calibrated profile: \`torch-sdpa-our-profile.md\`; with each implementation's own: \`calibrated-<impl>.md\`"
  fi
} > "$dir/SUMMARY.md"
echo "validation written to $dir (probe exit status $status: 1 = a case wrong or off its prediction; see the reports)"
exit "$status"
