#!/usr/bin/env bash
# Mutation testing of the cost model: applies one mutant at a time to a scratch copy of HEAD,
# rebuilds, runs the test suite without the golden-memo tests (whose files ATTNCOST_UPDATE_GOLDEN
# rewrites) and the CPU kernels' check against their references (the probe's slow gate, no
# estimator in it), and reports whether a test killed it. Needs python3; a minute or two per mutant.
#
#   scripts/mutate.sh [REGEX]
#     The hand-written mutants of scripts/mutations.txt (a one-line change to a formula or constant
#     in estimators/ or model/), only those whose "why" matches the Python regular expression.
#     Prints the kill rate; exits 1 when a mutant survives.
#
#   scripts/mutate.sh --random N --seed S [--at REV] [--only A-B,C,...] [--list]
#     A seeded random sample (scripts/mutate_sites.py): N sites drawn uniformly over every binary
#     arithmetic operator (+ - * / += -= *= /=) and every integer or floating literal of model/ and
#     estimators/ (*.cc, *.h; not in comments, strings or preprocessor lines). Each mutant flips the
#     operator (+ <-> -, * <-> /) or adds one to the literal. The same seed on the same tree gives the
#     same sites, numbered in file order; --only A-B,C runs those sample entries (a batch), --list prints
#     the sample without building. --at REV draws the sample from the tree of git revision REV and
#     finds each site again in HEAD's tree by its source line (scripts/mutate_sites.py), so that a
#     kill table made at REV stays re-runnable while the tree moves on. Per site: killed (by the test files named), BUILD-FAIL (killed by
#     the compiler), equivalent (survived, and listed with its reason in
#     scripts/mutations_equivalent.txt: a mutant no test can tell apart), or SURVIVED; then the
#     totals. Exits 1 when a mutant survives that is not listed as equivalent.
#
# A run whose only failures are wall-clock gates (a refusal "before any work", a parse in linear
# time: checks that fail on a loaded machine whatever the code) is run again without --abort and
# judged on its other checks. Builds in the loop use ATTNCOST_MUTATE_JOBS jobs (default 1: a shared machine); a test run over
# 20 times the unmutated one (at least 300 s) counts as killed. ATTNCOST_MUTATE_DIR: the scratch
# worktree (default /tmp/attncost-mutate; under ccache's base_dir the first build hits the cache).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode=(list "$root/scripts/mutations.txt" "")
n="" seed=1 only="" list_only=0 at=""
while (($#)); do
  case "$1" in
    --random) n="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --at) at="$(git -C "$root" rev-parse --verify "$2^{commit}")"; shift 2 ;;
    --list) list_only=1; shift ;;
    *) mode[2]="$1"; shift ;;
  esac
done
if [[ -n "$n" ]]; then
  if ((list_only)); then exec python3 "$root/scripts/mutate_sites.py" "$root" "$n" "$seed" "$at"; fi
  mode=(random "$n" "$seed" "$only" "$root/scripts/mutations_equivalent.txt" "$at")
fi
work="${ATTNCOST_MUTATE_DIR:-/tmp/attncost-mutate}"
rm -rf "$work"
git -C "$root" worktree prune
git -C "$root" worktree add --detach "$work" HEAD >/dev/null
trap 'git -C "$root" worktree remove --force "$work" >/dev/null 2>&1 || true' EXIT
cd "$work"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DATTNCOST_CUDA=OFF -DATTNCOST_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build build -j "${ATTNCOST_MUTATE_JOBS:-1}" --target attncost attncost_tests >/dev/null
# --abort: a killed mutant stops at its first failing test (the run names that test file only).
tests=(build/tests/attncost_tests "~[golden]" "~every CPU kernel matches the double-precision reference" --reporter compact --abort)
python3 "$root/scripts/mutate_run.py" "${mode[@]}" -- "${tests[@]}"
