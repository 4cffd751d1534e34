#!/usr/bin/env bash
# tools/torch_sdpa.py and attncost agree on the recorded-run format: every case the script writes
# (PyTorch's kernels, timed on a GPU) is read back, keeps its implementation's name, gets a
# prediction, and calibrates. --synthetic writes the real case list with made-up times, so this
# runs without torch or a GPU; on the GPU the same file comes with real times.
#   torch_sdpa_format_test.sh ATTNCOST SOURCE_DIR SCRATCH
set -euo pipefail
bin=$1 src=$2 tmp=$3
mkdir -p "$tmp"
python3 "$src/tools/torch_sdpa.py" --synthetic -o "$tmp/torch-sdpa.json"
status=0
"$bin" probe --replay "$tmp/torch-sdpa.json" --format json -o "$tmp/replayed.json" || status=$?
# 1 is expected (made-up times are off their predictions); 2 would be a file attncost cannot read.
[ "$status" -le 1 ] || { echo "replay failed with exit $status"; exit 1; }
"$bin" probe --replay "$tmp/torch-sdpa.json" --calibrate -o "$tmp/torch-profile.json" > "$tmp/calibration.txt"
grep -q "held-out error" "$tmp/calibration.txt" || { echo "no held-out error in the calibration"; exit 1; }
python3 - "$tmp/torch-sdpa.json" "$tmp/replayed.json" <<'PY'
import json, sys
written, replayed = (json.load(open(p)) for p in sys.argv[1:3])
w, r = written["cases"], replayed["cases"]
assert len(w) == len(r) and len(w) > 90, (len(w), len(r))
for a, b in zip(w, r):
    assert a["name"] == b["name"] and a["impl"] == b.get("impl"), (a["name"], b.get("impl"))
    assert b["predicted_s"] > 0, b["name"]
    assert (a["measured_s"] is None) == (b["measured_s"] is None), b["name"]
impls = {c["impl"] for c in r}
assert impls == {"torch-sdpa-flash", "torch-sdpa-efficient", "torch-flex"}, impls
assert not replayed["targets"] or all(t["target"] == "calibrated error" for t in replayed["targets"]), "our targets applied to PyTorch's kernels"
print(f"{len(r)} cases read back, {sum(c['measured_s'] is not None for c in r)} timed, implementations {sorted(impls)}")
PY
