#!/usr/bin/env bash
# Every non-probe command runs where no CUDA library is installed, and `probe` then exits 3 with
# one line. Proven three ways: the binary needs no CUDA library (its ELF NEEDED entries); a copy of
# the binary alone in an empty directory, with no library path and no CUDA module beside it, runs
# every command; and a module that cannot be loaded (as when libcublas is missing) is refused
# with exit 3 and the loader's reason.
set -euo pipefail
bin="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if readelf -d "$bin" | grep -E 'NEEDED.*(cuda|cublas|nvrtc|cudart)'; then
  echo "FAIL: $bin links a CUDA library at load time" >&2
  exit 1
fi

cp "$bin" "$work/attncost"
cd "$work"
run() { env -i PATH=/usr/bin:/bin ./attncost "$@"; }
run --version >/dev/null
run plan --ctx 65536 --gqa 8 >/dev/null
run estimate --model mistral-7b --ctx 32k --format json >/dev/null
run compare --workload a:ctx=500,batch=32 --workload b:ctx=16000 >/dev/null
run sweep --ctx 1k,4k --gqa 8,1 >/dev/null
run presets >/dev/null
set +e
run probe --suite quick 2>err.txt
code=$?
set -e
if [ "$code" != 3 ] || [ "$(wc -l <err.txt)" != 1 ] || ! grep -q "no GPU: this attncost has no CUDA backend" err.txt; then
  echo "FAIL: probe without the CUDA module: exit $code, stderr:" >&2
  cat err.txt >&2
  exit 1
fi

echo "not a shared object" >broken.so
set +e
env -i PATH=/usr/bin:/bin ATTNCOST_CUDA_MODULE="$work/broken.so" ./attncost probe 2>err.txt
code=$?
set -e
if [ "$code" != 3 ] || [ "$(wc -l <err.txt)" != 1 ] || ! grep -q "cannot load the CUDA backend" err.txt; then
  echo "FAIL: probe with an unloadable CUDA module: exit $code, stderr:" >&2
  cat err.txt >&2
  exit 1
fi
echo "ok: no CUDA library needed; probe without a loadable backend exits 3 with one line"
