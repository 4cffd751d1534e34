#!/usr/bin/env python3
"""Reads one bench program's Google Benchmark JSON (stdin) and checks its rows of the limits
table (env CHECKS, from scripts/speed-check.sh) for PROGRAM: each benchmark's median CPU time
divided by the reference loop's, against the limit. Exit 0 within every limit, 1 over one,
2 when a benchmark is missing from the run."""
import json
import os
import sys

NS = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}


def main():
    program = os.environ["PROGRAM"]
    rows = [l.split(None, 4) for l in os.environ["CHECKS"].splitlines() if l.split()]
    runs = {b["run_name"]: b for b in json.load(sys.stdin)["benchmarks"] if b.get("aggregate_name") == "median"}

    def cpu(name):
        if name not in runs:
            print(f"speed-check: {program} did not run {name}", file=sys.stderr)
            sys.exit(2)
        return runs[name]["cpu_time"] * NS[runs[name]["time_unit"]]

    ref = cpu("attncost::bench::reference_loop")
    ok = True
    for prog, name, limit, target, what in rows:
        if prog != program:
            continue
        t = cpu(name)
        ratio = t / ref
        bad = ratio > float(limit)
        ok = ok and not bad
        goal = f"target {float(target) / 1e3:g} us" if float(target) else ""
        status = "FAIL" if bad else "ok"
        print(f"{status:<5}{prog:<17}{name:<34}{t / 1e3:12.3f} us  ratio {ratio:10.4f} (limit {limit:>7})  {goal:<18} {what}")
    print(f"{'':<5}{program:<17}{'reference loop':<34}{ref / 1e3:12.3f} us")
    sys.exit(0 if ok else 1)


main()
