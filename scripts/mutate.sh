#!/usr/bin/env bash
# Mutation testing of the cost model: applies each mutation of scripts/mutations.txt (a one-line
# change to a formula or constant in estimators/ or model/) to a scratch copy of HEAD, rebuilds,
# runs the test suite without the golden-memo tests, and reports whether a test killed it. Prints
# the kill rate; exits 1 when a mutant survives. Usage: scripts/mutate.sh [REGEX] (only the
# mutations whose "why" matches the Python regular expression). Needs python3; a minute or two
# per mutant.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pattern="${1:-}"
work="${ATTNCOST_MUTATE_DIR:-/tmp/attncost-mutate}"
rm -rf "$work"
git -C "$root" worktree prune
git -C "$root" worktree add --detach "$work" HEAD >/dev/null
trap 'git -C "$root" worktree remove --force "$work" >/dev/null 2>&1 || true' EXIT
cd "$work"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DATTNCOST_CUDA=OFF -DATTNCOST_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build build --target attncost attncost_tests >/dev/null
# Every test case but the golden memos (whose files ATTNCOST_UPDATE_GOLDEN rewrites) and the CPU
# kernels' check against their references (46 s, and no estimator in it).
# --abort: a killed mutant stops at its first failing test (the run names that test file only).
tests=(build/tests/attncost_tests "~[golden]" "~every CPU kernel matches the double-precision reference" --reporter compact --abort)
"${tests[@]}" >/dev/null || { echo "the unmutated tree fails its tests" >&2; exit 2; }

python3 - "$root/scripts/mutations.txt" "$pattern" "${tests[@]}" <<'PY'
import re, subprocess, sys
path, pattern, tests = sys.argv[1], sys.argv[2], sys.argv[3:]
blocks, cur = [], {}
for line in open(path, encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("#") or not line.strip():
        continue
    if line.startswith("==="):
        blocks.append(cur); cur = {}
    elif line.startswith("--- "):
        key, _, value = line[4:].partition(" ")
        cur[key] = value.replace("\\n", "\n")
if cur: blocks.append(cur)
killed, survived, results = 0, [], []
for b in blocks:
    if pattern and not re.search(pattern, b["why"]):
        continue
    src = open(b["file"], encoding="utf-8").read()
    if src.count(b["from"]) != 1:
        print(f"BROKEN  {b['why']}: '{b['from']}' occurs {src.count(b['from'])} times in {b['file']}")
        survived.append(b["why"]); continue
    open(b["file"], "w", encoding="utf-8").write(src.replace(b["from"], b["to"]))
    try:
        built = subprocess.run(["cmake", "--build", "build", "--target", "attncost", "attncost_tests"], capture_output=True, text=True)
        if built.returncode != 0:
            verdict, by = "killed", "the compiler"
        else:
            run = subprocess.run(tests, capture_output=True, text=True)
            # Compact reporter lines: "tests/x_test.cc:123: failed: ..."; name the test files that failed.
            files = []
            for l in run.stdout.splitlines():
                if ": failed:" in l:
                    f = l.split(":")[0].rsplit("/", 1)[-1]
                    if f not in files: files.append(f)
            verdict = "killed" if run.returncode != 0 else "SURVIVED"
            by = "by " + ", ".join(files[:4]) if files else ""
    finally:
        open(b["file"], "w", encoding="utf-8").write(src)
    if verdict == "killed": killed += 1
    else: survived.append(b["why"])
    print(f"{verdict:8} {b['why']}  [{b['file']}] {by}", flush=True)
total = killed + len(survived)
print(f"\nkill rate: {killed}/{total} = {100.0 * killed / max(total, 1):.1f}%")
for s in survived: print(f"  survived: {s}")
sys.exit(1 if survived else 0)
PY
