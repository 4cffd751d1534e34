"""Python estimate() against the C++ core it calls, in one run: the core alone (resolve the model,
GPU and design, estimate, build the JSON document: _core.core_seconds_per_estimate), the Python
call (the same plus the kwargs and the document turned into Python objects), and the generic path
(the CLI's parser in-process, its JSON text parsed). Also a 10^6-point sweep into a DataFrame.

    PYTHONPATH=build/python python3 python/bench_estimate.py [--sweep]
"""
import os
import sys
import time

# This script's folder holds the attncost sources, not the built module: import the built one.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

import attncost  # noqa: E402
from attncost import _core  # noqa: E402

KW = dict(model="llama-3.1-8b", gpu="h100-sxm", ctx=65536, gqa=8, kv_dtype="fp8", batch=4)


def cpu_per_call(f, n):
    """This thread's CPU seconds per call (the machine is shared: wall time counts the others)."""
    t = time.thread_time()
    for _ in range(n):
        f()
    return (time.thread_time() - t) / n


def main():
    n, rounds = 1000, 15
    kw = {k: str(v) for k, v in KW.items()}
    core = py = generic = float("inf")
    for _ in range(rounds):  # interleaved, best of each: load from elsewhere only adds
        core = min(core, _core.core_seconds_per_estimate(kw, n))
        py = min(py, cpu_per_call(lambda: attncost.estimate(**KW), n))
        generic = min(generic, cpu_per_call(lambda: attncost._json("estimate", KW), n // 20))
    print(f"C++ core (resolve + estimate + JSON document): {core * 1e6:8.1f} us/call")
    print(f"attncost.estimate() from Python:               {py * 1e6:8.1f} us/call  (+{(py - core) * 1e6:.1f} us beyond the core)")
    print(f"generic path (in-process CLI parse + json):    {generic * 1e6:8.1f} us/call")
    print("LLM-Viewer analyze(): not measured (not installable here: no PyPI package)")
    if "--sweep" in sys.argv:
        # Wall time (the grid is filled on every core) and the process's CPU time over all threads.
        t, c = time.perf_counter(), time.process_time()
        rows = attncost.sweep(model="llama-3.1-8b", ctx=list(range(1024, 1024 * 1001, 1024)), batch=list(range(1, 1001)), max_rows=10**6)
        t_rows, c_rows = time.perf_counter() - t, time.process_time() - c
        df = rows.to_pandas()
        t_df, c_df = time.perf_counter() - t, time.process_time() - c
        print(f"10^6-point sweep: {len(rows)} rows in {t_rows:.2f} s wall ({c_rows:.2f} s CPU); "
              f"DataFrame {df.shape} in {t_df:.2f} s wall ({c_df:.2f} s CPU) in all")

if __name__ == "__main__":
    main()
