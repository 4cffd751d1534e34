"""Python estimate() against the C++ core it calls, in one run: the core alone (resolve the model,
GPU and design, estimate, build the JSON document: _core.core_seconds_per_estimate), the Python
call (the same plus the kwargs and the document turned into Python objects), and the generic path
(the CLI's parser in-process, its JSON text parsed). Also a 10^6-point sweep into a DataFrame.

    PYTHONPATH=build/python python3 python/bench_estimate.py [--sweep]
"""
import json
import sys
import time

import attncost
from attncost import _core

KW = dict(model="llama-3.1-8b", gpu="h100-sxm", ctx=65536, gqa=8, kv_dtype="fp8", batch=4)


def best_of(f, n, rounds=5):
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(n):
            f()
        best = min(best, (time.perf_counter() - t) / n)
    return best


def main():
    n = 2000
    core = min(_core.core_seconds_per_estimate({k: str(v) for k, v in KW.items()}, n) for _ in range(5))
    py = best_of(lambda: attncost.estimate(**KW), n)
    generic = best_of(lambda: attncost._json("estimate", KW), n // 10)
    print(f"C++ core (resolve + estimate + JSON document): {core * 1e6:8.1f} us/call")
    print(f"attncost.estimate() from Python:               {py * 1e6:8.1f} us/call  (+{(py - core) * 1e6:.1f} us beyond the core)")
    print(f"generic path (in-process CLI parse + json):    {generic * 1e6:8.1f} us/call")
    print("LLM-Viewer analyze(): not measured (not installable here: no PyPI package)")
    if "--sweep" in sys.argv:
        t = time.perf_counter()
        rows = attncost.sweep(model="llama-3.1-8b", ctx=list(range(1024, 1024 * 1001, 1024)), batch=list(range(1, 1001)), max_rows=10**6)
        t_rows = time.perf_counter() - t
        df = rows.to_pandas()
        t_df = time.perf_counter() - t
        print(f"10^6-point sweep: {len(rows)} rows in {t_rows:.2f} s, DataFrame {df.shape} in {t_df:.2f} s total")


if __name__ == "__main__":
    main()
