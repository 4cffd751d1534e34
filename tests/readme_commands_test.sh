#!/usr/bin/env bash
# Every `attncost ...` command of the README's shell blocks runs as written (continuation lines
# joined, comments dropped) in a scratch directory, and succeeds: exit 0, or 3 for the probe on
# the attached GPU when the machine has none. The inputs the README assumes the user has are made
# first: ./config.json (a real Hugging Face config) and gpu.json (a CPU-calibrated profile).
# Usage: readme_commands_test.sh ATTNCOST_BINARY SOURCE_DIR
set -euo pipefail
bin=$(realpath "$1")
src=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$bin" "$work/bin/attncost"
[[ -e $(dirname "$bin")/attncost-cuda.so ]] && ln -s "$(dirname "$bin")/attncost-cuda.so" "$work/bin/attncost-cuda.so"
export PATH="$work/bin:$PATH"
cd "$work"
cp "$src/tests/data/configs/llama-3.1-8b.json" config.json

commands=$(awk '/^```sh/{f=1;next} /^```/{f=0} f' "$src/README.md" |
  sed -e ':a' -e '/\\$/N; s/\\\n//; ta' |     # join continuation lines
  grep -E '^attncost ' | sed -E 's/[[:space:]]+#.*$//')
count=0 failed=0
while IFS= read -r cmd; do
  [[ -z $cmd ]] && continue
  # A plan on gpu.json needs the profile the README's calibration writes: make it on the CPU.
  if [[ $cmd == *"--gpu gpu.json"* && ! -e gpu.json ]]; then
    attncost probe --backend cpu --suite quick --calibrate --repeats 2 --max-time 0.1 -o gpu.json >/dev/null 2>&1 ||
      { echo "FAIL: could not make gpu.json with the CPU probe"; failed=$((failed + 1)); continue; }
  fi
  count=$((count + 1))
  # The CPU probe's default time limits (5 samples, up to 2 s per case, for every case) make a
  # README calibration take minutes; the commands run here to show they work, so the CPU probe
  # gets the short limits the probe gates use (the shapes and the checks are the same).
  if [[ $cmd != *--repeats* && $cmd != *--max-time* ]]; then
    cmd=${cmd//"attncost probe --backend cpu"/"attncost probe --backend cpu --repeats 3 --max-time 0.2"}
  fi
  set +e
  out=$(bash -c "$cmd" 2>&1)
  code=$?
  set -e
  if [[ $code -eq 0 ]] || { [[ $code -eq 3 && $cmd == *probe* && $cmd != *"--backend cpu"* ]]; }; then
    echo "ok   ($code) $cmd"
  else
    echo "FAIL ($code) $cmd"
    echo "$out" | tail -5 | sed 's/^/     /'
    failed=$((failed + 1))
  fi
done <<<"$commands"
echo "$count README commands, $failed failed"
[[ $count -ge 15 && $failed -eq 0 ]]
