#!/usr/bin/env python3
"""Fits the engines' per-step and per-request overhead (model/presets/engines/*.json) on the
published serving runs under load (tests/data/serving_load/results.csv), the rows
scripts/validate_serving.py simulates.

Rows whose index % 3 != 2 are the fit set; every third row is held out and only reported.
For each engine rule a grid of (per-step µs, per-sequence-per-step µs, per-request ms) is
simulated with --step-overhead-us / --seq-overhead-us / --request-overhead-ms, and the triple
with the smallest mean over the four
metrics (P50 TTFT, P50 TPOT, P99 TTFT, output throughput) of the median |error| on the fit rows
is kept; the script prints the fit and held-out errors at that pair.

  fit_engine_overhead.py ATTNCOST [--engine vllm|sglang|trtllm] [--steps 0,100,...] [--seqs 0,10,...] [--requests 0,5,...] [--serials 0,2,...] [--release X.Y]
"""
import csv
import itertools
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate_serving as vs  # noqa: E402

# Which rule a row's engine version falls under (model/presets/engines/*.json).
RULES = {"vllm": "vLLM V1", "sglang": "SGLang overlap scheduler", "trtllm": "TensorRT-LLM PyTorch backend"}


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def errors(attncost, rows, step_us, seq_us, request_ms, serial_ms=0.0):
    def one(item):
        i, row = item
        extra = ["--step-overhead-us", str(step_us), "--seq-overhead-us", str(seq_us), "--request-overhead-ms", str(request_ms),
                 "--request-serial-ms", str(min(serial_ms, request_ms))]
        return i, vs.row_errors(vs.simulate_row(attncost, row, extra), row)
    with ThreadPoolExecutor(max_workers=int(arg("--jobs", "2"))) as pool:
        return dict(pool.map(one, rows))


def summary(errs, indices):
    out = {}
    for m in vs.TARGETS:
        e = [errs[i][m] for i in indices if m in errs[i]]
        out[m] = (statistics.median(abs(x) for x in e) if e else 0, sum(1 for x in e if x > 0) / len(e) if e else 0, len(e))
    return out


def score(s):
    return sum(v[0] for v in s.values()) / len(s)


def main():
    attncost = sys.argv[1]
    rows = list(csv.DictReader(open(vs.TABLE, newline="")))
    engines = [arg("--engine", None)] if "--engine" in sys.argv else list(RULES)
    steps = [float(x) for x in arg("--steps", "0,50,100,150,200,300,400,600").split(",")]
    seqs = [float(x) for x in arg("--seqs", "0,10,20,40").split(",")]
    reqs = [float(x) for x in arg("--requests", "0,5,10,20,40").split(",")]
    serials = [float(x) for x in arg("--serials", "0").split(",")]
    for engine in engines:
        release = arg("--release", None)  # only the runs of one release (MAJOR.MINOR), for a rule of its own
        chosen = [(i, r) for i, r in enumerate(rows)
                  if r["engine"] == engine and vs.command(attncost, r) and (release is None or r["engine_version"] == release or r["engine_version"].startswith(release + "."))]
        fit = [i for i, _ in chosen if i % 3 != 2]
        held = [i for i, _ in chosen if i % 3 == 2]
        best = None
        for st, sq, rq, se in itertools.product(steps, seqs, reqs, serials):
            errs = errors(attncost, [(i, r) for i, r in chosen if i % 3 != 2], st, sq, rq, se)
            s = score(summary(errs, fit))
            print(f"{engine}: step {st:g} us, per sequence {sq:g} us, request {rq:g} ms (serial {se:g} ms): fit score {100 * s:.1f}%", flush=True)
            if best is None or s < best[0]:
                best = (s, st, sq, rq, se)
        _, st, sq, rq, se = best
        errs = errors(attncost, chosen, st, sq, rq, se)
        print(f"\n## {RULES[engine]}: per step {st:g} us, per sequence {sq:g} us, per request {rq:g} ms, its serial part {se:g} ms "
              f"({len(fit)} fit rows, {len(held)} held out)")
        print("| metric | fit median abs | fit over-predicted | held-out median abs | held-out over-predicted | rows fit/held |")
        print("|---|---:|---:|---:|---:|---:|")
        sf, sh = summary(errs, fit), summary(errs, held)
        for m in vs.TARGETS:
            print(f"| {m} | {100 * sf[m][0]:.1f}% | {100 * sf[m][1]:.0f}% | {100 * sh[m][0]:.1f}% | {100 * sh[m][1]:.0f}% | {sf[m][2]}/{sh[m][2]} |")
        print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
