#!/usr/bin/env python3
"""The loop of scripts/mutate.sh (run from the scratch worktree, its build configured): apply one
mutant at a time, rebuild, run the tests, restore the file, report. See mutate.sh for the modes.

  mutate_run.py list MUTATIONS_TXT REGEX -- TEST_COMMAND...
  mutate_run.py random N SEED ONLY EQUIVALENT_TXT [AT] -- TEST_COMMAND...
    (ONLY: "" or "A-B,C,...", sample entries; AT: "" or the revision the sample is drawn at)
"""
import os, re, resource, subprocess, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mutate_sites  # noqa: E402

JOBS = os.environ.get("ATTNCOST_MUTATE_JOBS", "1")


def blocks_of(path):
    """The blocks of a mutations file: '--- key value' lines, '===' between blocks."""
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
    return blocks


def limit_memory():
    # A mutated size can ask for an absurd allocation: fail it instead of swapping a shared machine.
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))


def judge(tests, timeout):
    """Rebuild and run the tests on the mutated tree: (verdict, by)."""
    built = subprocess.run(["cmake", "--build", "build", "-j", JOBS, "--target", "attncost", "attncost_tests"],
                           capture_output=True, text=True)
    if built.returncode != 0:
        return "BUILD-FAIL", "(killed by the compiler)"
    try:
        run = subprocess.run(tests, capture_output=True, text=True, timeout=timeout, preexec_fn=limit_memory)
        files, timing_only = failures(run)
        if timing_only:
            # A wall-clock gate (a CLI refusal "before any work", a linear-time parse) failed: on a
            # loaded machine that says nothing about the mutant. Run every test without --abort
            # and judge on the other checks.
            run = subprocess.run([t for t in tests if t != "--abort"], capture_output=True, text=True, timeout=timeout,
                                 preexec_fn=limit_memory)
            files, timing_only = failures(run)
            if timing_only:
                return "SURVIVED", "(only a wall-clock gate failed)"
    except subprocess.TimeoutExpired:
        return "killed", f"by the time limit ({timeout:.0f} s: the mutant loops or crawls)"
    if run.returncode == 0:
        return "SURVIVED", ""
    if files:
        return "killed", "by " + ", ".join(files[:4])
    return "killed", f"(exit {run.returncode}: a crash or an exception outside a check)"


# A failed check that times the code under test (std::chrono around a call, "took < N").
TIMING = re.compile(r"steady_clock|\btook <")


def failures(run):
    """The test files with a failed check other than a wall-clock gate (compact reporter lines
    "tests/x_test.cc:123: failed: EXPR for: ..."), and whether every failure was such a gate."""
    files, timing = [], 0
    for l in run.stdout.splitlines():
        if ": failed:" not in l:
            continue
        if TIMING.search(l):
            timing += 1
            continue
        f = l.split(":")[0].rsplit("/", 1)[-1]
        if f not in files: files.append(f)
    return files, run.returncode != 0 and timing > 0 and not files


def mutate_file(path, new_text, fn):
    src = open(path, encoding="utf-8").read()
    open(path, "w", encoding="utf-8").write(new_text(src))
    try:
        return fn()
    finally:
        open(path, "w", encoding="utf-8").write(src)
        # The restored file must look newer than the mutant's object or ninja will keep the mutant.
        os.utime(path, None)


def run_list(path, pattern, tests, timeout):
    killed, survived = 0, []
    for b in blocks_of(path):
        if pattern and not re.search(pattern, b["why"]):
            continue
        src = open(b["file"], encoding="utf-8").read()
        if src.count(b["from"]) != 1:
            print(f"BROKEN  {b['why']}: '{b['from']}' occurs {src.count(b['from'])} times in {b['file']}")
            survived.append(b["why"]); continue
        verdict, by = mutate_file(b["file"], lambda s: s.replace(b["from"], b["to"]), lambda: judge(tests, timeout))
        verdict = "killed" if verdict == "BUILD-FAIL" else verdict
        if verdict == "killed": killed += 1
        else: survived.append(b["why"])
        print(f"{verdict:8} {b['why']}  [{b['file']}] {by}", flush=True)
    total = killed + len(survived)
    print(f"\nkill rate: {killed}/{total} = {100.0 * killed / max(total, 1):.1f}%")
    for s in survived: print(f"  survived: {s}")
    return 1 if survived else 0


def run_random(n, seed, only, equivalent_path, at, tests, timeout):
    sites, total = mutate_sites.sample(Path("."), n, seed, at or None)
    equivalent = {(b["file"], b["from"], b["to"]): b["why"] for b in blocks_of(equivalent_path)}
    chosen = set(range(len(sites)))
    if only:  # "A-B,C,D-E": sample entries
        chosen = set()
        for part in only.split(","):
            lo, _, hi = part.partition("-")
            chosen.update(range(int(lo), int(hi or lo) + 1))
    print(f"random sample: {len(sites)} of {total} sites, seed {seed}" + (f", drawn at {at}" if at else "")
          + (f", entries {only}" if only else ""), flush=True)
    counts = {"killed": 0, "BUILD-FAIL": 0, "equivalent": 0, "SURVIVED": 0}
    gone = []
    survivors = []
    for i, s in enumerate(sites):
        if i not in chosen:
            continue
        off, old, new = s["offset"], s["old"], s["new"]
        if off is None:  # its line changed since the revision the sample was drawn at
            gone.append(i)
            print(f"[{i:02}] gone       {s['file']}:{s['line']} (the line has changed since {at})\n       - {s['from'][:150]}",
                  flush=True)
            continue
        verdict, by = mutate_file(s["file"], lambda src: src[:off] + new + src[off + len(old):],
                                  lambda: judge(tests, timeout))
        key = (s["file"], s["from"], s["to"])
        if verdict == "SURVIVED" and key in equivalent:
            verdict, by = "equivalent", equivalent[key]
        elif verdict != "SURVIVED" and key in equivalent:
            by += "  (listed as equivalent but killed: remove it from the list)"
        counts[verdict] += 1
        if verdict == "SURVIVED": survivors.append(i)
        where = f"{s['file']}:{s['line']}"
        print(f"[{i:02}] {verdict:10} {where:32} {old} -> {new:6} {by}\n       - {s['from'][:150]}\n       + {s['to'][:150]}",
              flush=True)
    ran = sum(counts.values())
    dead = counts["killed"] + counts["BUILD-FAIL"]
    print(f"\nkilled {dead}/{ran} = {100.0 * dead / max(ran, 1):.1f}% ({counts['BUILD-FAIL']} of them by the compiler),"
          f" equivalent {counts['equivalent']}, survived {counts['SURVIVED']}"
          f"; killed or equivalent {dead + counts['equivalent']}/{ran}" + (f"; gone {len(gone)}" if gone else ""))
    for i in survivors: print(f"  survived: [{i:02}] {sites[i]['file']}:{sites[i]['line']}  {sites[i]['to']}")
    return 1 if survivors or gone else 0


def main():
    argv = sys.argv[1:]
    sep = argv.index("--")
    args, tests = argv[:sep], argv[sep + 1:]
    # The limit for one test run: 20 times the unmutated run, at least 5 minutes (a loaded shared
    # machine can slow a run several times; only a mutant that loops should reach it).
    t0 = time.monotonic()
    if subprocess.run(tests, capture_output=True).returncode != 0:
        print("the unmutated tree fails its tests", file=sys.stderr); return 2
    timeout = max(300.0, 20 * (time.monotonic() - t0))
    if args[0] == "list":
        return run_list(args[1], args[2], tests, timeout)
    return run_random(int(args[1]), int(args[2]), args[3], args[4], args[5] if len(args) > 5 else "", tests, timeout)


if __name__ == "__main__":
    sys.exit(main())
