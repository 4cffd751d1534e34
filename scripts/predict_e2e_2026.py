#!/usr/bin/env python3
# The 2026 end-to-end rows (tests/data/published/e2e_measurements_2026.csv) predicted as
# tests/published_e2e_2026_test.cc predicts them, for trying a change before making it:
#   scripts/predict_e2e_2026.py [BINARY] [-- extra estimate flags]
# TRT_EXTRA="flags" adds flags to the TensorRT-LLM 0.5/0.9 (C++ runtime) rows only; docs/cost-model.md
# section 13 quotes its output for --step-overhead-us/--request-overhead-ms/--seq-overhead-us variants.
# scripts/fit_trt_cpp_runtime.py imports predict() to fit the TensorRT-LLM C++-runtime rule.
import csv, json, os, re, statistics, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRT_CPP = re.compile(r'trt0(9|5)')  # the rows of TensorRT-LLM's C++-runtime releases


def predict_row(binary, p, r, extra):
    metric = r['metric']
    b = int(r['batch'] or 1); ctx = round(float(r['input_len'] or 1)); gen = round(float(r['output_len'] or 1))
    if metric == 'itl_fit_intercept': ctx, gen = 1, 2
    args = [binary, 'estimate'] + p['flags'].split() + ['--ctx', str(ctx), '--batch', str(b), '--gen', str(max(gen, 1)), '--format', 'json'] + extra
    o = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    if o.returncode: raise RuntimeError(f"{p['id']}: {o.stderr.strip()[:200]}")
    s = json.loads(o.stdout)['serving']
    v = float(r['value']); unit = r['unit']; g = int(r['gpu_count'])
    scale = {'ms': 1e-3, 's': 1}.get(unit, None)
    if metric in ('ttft', 'mean_ttft'): pt, mt = s['ttft_s'], v * scale
    elif metric in ('median_itl', 'tpot', 'itl_p50', 'itl_fit_intercept'): pt, mt = s['itl_mean_s'], v * scale
    elif metric in ('elapsed_time', 'avg_latency'): pt, mt = s['cycle_s'], v * scale
    else:
        pv = s['output_tokens_per_s_per_gpu']
        if metric == 'output_tokens_per_s_per_gpu': mv = v
        elif metric in ('output_tokens_per_s', 'total_output_tokens_per_s'): mv = v / g
        elif metric == 'total_tokens_per_s': mv = v * gen / (ctx + gen) / g
        else: raise Exception(metric)
        pt, mt = 1 / pv, 1 / mv
    return pt / mt - 1


def predict(binary, extra=(), trt_extra=(), only=lambda rid: True, jobs=2):
    """[(index, id, kind, signed error)] for the predicted rows whose id `only` accepts."""
    meas = {r['id']: (i, r) for i, r in enumerate(csv.DictReader(open(ROOT + '/tests/data/published/e2e_measurements_2026.csv')))}
    pred = [p for p in csv.DictReader(open(ROOT + '/tests/data/published/e2e_predict_2026.csv')) if only(p['id'])]
    def one(p):
        i, r = meas[p['id']]
        return i, p['id'], r['kind'], predict_row(binary, p, r, list(extra) + (list(trt_extra) if TRT_CPP.match(p['id']) else []))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, pred))


def summary(name, xs):
    if not xs: return ''
    a = [abs(x) for x in xs]
    return f"{name:30s} n={len(xs):3d} median={statistics.median(a)*100:5.1f}% worst={max(a)*100:6.1f}% fast={sum(x<0 for x in xs)/len(xs)*100:4.0f}%"


def main():
    argv = sys.argv[1:]
    binary = argv.pop(0) if argv and argv[0] != '--' else ROOT + '/build/attncost'
    if argv and argv[0] == '--': argv = argv[1:]
    res = predict(binary, argv, os.environ.get("TRT_EXTRA", "").split())
    for i, rid, kind, err in res:
        print(f"{i:3d} {'H' if i%3==2 else ' '} {rid:55s} {kind:24s} {err*100:+7.1f}%")
    for part, sel in [('fit', lambda i: i % 3 != 2), ('held', lambda i: i % 3 == 2)]:
        print(summary(part + ' all', [e for i, _, k, e in res if sel(i)]))
        for kind in sorted(set(k for _, _, k, _ in res)):
            line = summary(f'{part} {kind}', [e for i, _, k, e in res if sel(i) and k == kind])
            if line: print(line)


if __name__ == '__main__':
    main()
