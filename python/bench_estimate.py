"""Python estimate() against the C++ core it calls, in one run: the core alone (resolve the model,
GPU and design, estimate, build the JSON document: _core.core_seconds_per_estimate), the Python
call (the same plus the kwargs and the document turned into Python objects), and the generic path
(the CLI's parser in-process, its JSON text parsed). Also a 10^6-point sweep into a DataFrame.

    PYTHONPATH=build/python python3 python/bench_estimate.py [--sweep] [--llm-viewer DIR]

--llm-viewer DIR: LLM-Viewer's ModelAnalyzer.analyze() (a checkout of github.com/hahnyuan/LLM-Viewer;
it is not on PyPI) timed the same way in the same interpreter, on the same model (Llama-3.1-8B's
config.json, ctx 65536, batch 4, fp8 KV) on its H100 entry. Without transformers installed, its
AutoConfig is replaced by a reader of the local config.json (all LLM-Viewer takes from it).
"""
import os
import pickle
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


def llm_viewer_seconds(directory, n, rounds):
    import json
    import types

    try:
        import transformers  # noqa: F401
    except ImportError:  # all LLM-Viewer reads through it is the config's fields
        stub = types.ModuleType("transformers")

        class AutoConfig:
            @staticmethod
            def from_pretrained(path, trust_remote_code=False):
                with open(path) as f:
                    return types.SimpleNamespace(**json.load(f))

        stub.AutoConfig, stub.AutoTokenizer, stub.AutoModelForCausalLM = AutoConfig, None, None
        sys.modules["transformers"] = stub
    sys.path.insert(0, directory)
    cwd = os.getcwd()
    os.chdir(directory)  # it imports its configs/ by relative module path
    try:
        from model_analyzer import ModelAnalyzer

        config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "configs", "llama-3.1-8b.json")
        analyzer = ModelAnalyzer(os.path.abspath(config), "nvidia_H100", config_file="configs/Llama.py")
        call = lambda: analyzer.analyze(seqlen=65536, batchsize=4, w_bit=16, a_bit=16, kv_bit=8)  # noqa: E731
        return min(cpu_per_call(call, n) for _ in range(rounds))
    finally:
        os.chdir(cwd)


def main():
    n, rounds = 1000, 15
    kw = {k: str(v) for k, v in KW.items()}
    core = py = generic = floor = float("inf")
    # The floor of any eager conversion: CPython's own fastest way to build the same objects (the
    # document's dicts, lists, floats and strings) is unpickling them.
    pickled = pickle.dumps(dict(attncost.estimate(**KW)), protocol=pickle.HIGHEST_PROTOCOL)
    for _ in range(rounds):  # interleaved, best of each: load from elsewhere only adds
        core = min(core, _core.core_seconds_per_estimate(kw, n))
        py = min(py, cpu_per_call(lambda: attncost.estimate(**KW), n))
        generic = min(generic, cpu_per_call(lambda: attncost._json("estimate", KW), n // 20))
        floor = min(floor, cpu_per_call(lambda: pickle.loads(pickled), n))
    print(f"C++ core (resolve + estimate + JSON document): {core * 1e6:8.1f} us/call")
    print(f"attncost.estimate() from Python:               {py * 1e6:8.1f} us/call  (+{(py - core) * 1e6:.1f} us beyond the core)")
    print(f"pickle.loads of the same document (CPython's floor for building its objects): {floor * 1e6:.1f} us/call")
    print(f"generic path (in-process CLI parse + json):    {generic * 1e6:8.1f} us/call")
    if "--llm-viewer" in sys.argv:
        viewer = llm_viewer_seconds(sys.argv[sys.argv.index("--llm-viewer") + 1], n // 10, rounds)
        print(f"LLM-Viewer ModelAnalyzer.analyze():            {viewer * 1e6:8.1f} us/call  "
              f"(attncost.estimate() is {viewer / py:.2f}x as fast)")
    else:
        print("LLM-Viewer analyze(): not measured (give --llm-viewer DIR: a checkout; it is not on PyPI)")
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
