#!/usr/bin/env python3
"""Fit MLA decode kernel fractions per implementation (issue #24 item 3, "MLA decode per implementation").

Rows: tests/data/published/mla_decode_2026.csv (sources per row). Model (the roofline policy of
estimators/roofline.cc for an MLA decode attention op, without the launch term that kernel
benchmarks exclude):
    time = fixed + max(F / (c * bf16 peak), bytes / (b * HBM bandwidth))
    F     = 2 * batch * q_len * heads * kv_len * (d_qk + d_v)        (FlashMLA's convention)
    bytes = batch * kv_len * d_qk * kv_bytes + batch * q_len * heads * (d_qk + d_v) * 2
c (compute fraction) and b (bandwidth fraction) per (arch, implementation) by grid search of the
mean |log(predicted/measured)| over the training rows; fixed = the architecture's decode fixed
time (model/presets/kernels/<arch>.json decode.fixed_s) plus, for a host-timed benchmark's rows, an
offset per (source, implementation) (HARNESS_OFFSET: fit, not wired). Groups whose rows do not fix
b take it from BANDWIDTH_FROM. Held out: every row whose index within its group (file order, after
the scope cut) % 3 == 2. Usage: scripts/fit_mla_decode.py [out.json] (per-row errors on stderr). Prints the table docs/cost-model.md quotes; the wired fractions are
in model/presets/kernels/<arch>.json `mla_decode`.
"""
import csv, json, math, os, statistics, sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PUB = os.path.join(ROOT, "tests", "data", "published")
KV_BYTES = {"bf16": 2, "fp16": 2, "fp8": 1}
# Out of scope, by id prefix (ending in "_") or whole id, with the reason (tests/published_mla_decode_test.cc's
# in_scope() holds the same list).
OUT_OF_SCOPE = {
    "vllm41778_sm100_mla_trtllm_": "trtllm-gen does not fold an MTP step's query tokens into one KV pass (flashinfer issue #4390): "
                                   "its time grows with q_len x the KV read, which the one-pass MLA decode op does not model",
    "vllm41778_sm100_mla_tokenspeed_b1": "batch 1 and 8 take the same time (110 and 112 us): the kernel's parallelism at small batch, not modelled",
    "vllm41778_sm100_mla_tokenspeed_b8": "batch 1 and 8 take the same time (110 and 112 us): the kernel's parallelism at small batch, not modelled",
}


_PRESETS = {}


def preset(name, kind):
    if (name, kind) not in _PRESETS:
        with open(os.path.join(ROOT, "model", "presets", kind, name + ".json")) as f:
            _PRESETS[(name, kind)] = json.load(f)
    return _PRESETS[(name, kind)]


def terms(r):
    """(compute seconds at the full bf16 peak, memory seconds at the full bandwidth) of a row."""
    g = preset(r["gpu"], "gpus")
    B, q, n, h, dk, dv = (float(r[k]) for k in ("batch", "q_len", "kv_len", "heads", "d_qk", "d_v"))
    flops = 2 * B * q * h * n * (dk + dv)
    by = B * n * dk * KV_BYTES[r["kv_dtype"]] + B * q * h * (dk + dv) * 2
    return flops / g["peak_flops"]["bf16"], by / g["hbm_bandwidth_Bps"]


def predict(r, c, b, fixed):
    tc, tm = terms(r)
    return fixed + max(tc / c, tm / b)


# A benchmark harness whose every row carries a common per-call floor (host-timed: metadata, launch,
# Python), fit as one offset per source and NOT wired (attncost counts launches and engine overhead
# apart, docs/cost-model.md §12 "Decode (split KV)").
HARNESS_OFFSET = {"vllm27363_": "vLLM attention benchmark (PR #27363): time per backend call, host-side work included"}


def offset_of(r, offsets):
    """The harness offset of a row: per (source, implementation), since each backend's call does its own host work."""
    for p, v in offsets.items():
        if r["id"].startswith(p):
            return v.get(r["impl"], 0.0)
    return 0.0


# Groups whose rows cannot identify the bandwidth fraction (every row a short context, where the
# harness offset and the bandwidth trade off: FA3 MLA's fit runs to the grid's ceiling, 1.00) take
# another implementation's on the same architecture, fit on long contexts.
# trtllm-gen on Blackwell: one row compute-bound (128 heads), the other at the floor, so neither
# fixes b: the architecture's decode bandwidth fraction (vLLM's FlashInfer/trtllm-gen decode ITL
# slopes on B200) is used ("arch"); likewise FlashInfer's fa2 template (its long rows compute-bound at
# 128 heads, its short one at the floor).
BANDWIDTH_FROM = {("hopper", "fa3"): ("hopper", "flashmla"), ("blackwell", "trtllm-gen"): "arch", ("blackwell", "flashinfer-fa2"): "arch"}


def fit_group(train, fixed, offsets, bw_only=None):
    pre = [(terms(r), float(r["time_us"]) * 1e-6, fixed + offset_of(r, offsets)) for r in train]
    best = None
    for ci in range(5, 121):
        c = ci / 100
        for bw in [bw_only] if bw_only else [bi / 100 for bi in range(20, 101)]:
            err = sum(abs(math.log((f + max(tc / c, tm / bw)) / t)) for (tc, tm), t, f in pre) / len(pre)
            if best is None or err < best[0] - 1e-12:
                best = (err, c, bw)
    return best


def main():
    rows = list(csv.DictReader(open(os.path.join(PUB, "mla_decode_2026.csv"))))
    groups = defaultdict(list)
    for r in rows:
        if any(r["id"].startswith(p) if p.endswith("_") else r["id"] == p for p in OUT_OF_SCOPE):
            continue
        groups[(r["arch"], r["impl"])].append(r)
    split = {k: ([r for i, r in enumerate(rs) if i % 3 != 2], [r for i, r in enumerate(rs) if i % 3 == 2]) for k, rs in groups.items()}
    fixed_of = {k: preset(k[0], "kernels")["decode"]["fixed_s"] for k in groups}
    # The harness offsets: per (source, implementation), a grid over 0..60 us, the implementation's
    # (c, b) refit at each value; the offset minimising the group's mean |log error| over its training rows.
    offsets = {p: {} for p in HARNESS_OFFSET}
    fits = {}
    for k in sorted(groups, key=lambda k: k in BANDWIDTH_FROM):  # the donors first
        donor = BANDWIDTH_FROM.get(k)
        bw_only = preset(k[0], "kernels")["decode"]["bandwidth_fraction"] if donor == "arch" else fits[donor][2] if donor else None
        in_harness = [p for p in HARNESS_OFFSET if any(r["id"].startswith(p) for r in groups[k])]
        best = None
        for off_us in range(0, 61) if in_harness else [0]:
            trial = {p: {k[1]: off_us * 1e-6} for p in in_harness}
            f = fit_group(split[k][0], fixed_of[k], trial, bw_only)
            if best is None or f[0] < best[0][0] - 1e-12:
                best = (f, trial)
        fits[k] = best[0]
        for p, v in best[1].items():
            offsets[p].update(v)
    print("harness offsets: " + ", ".join(f"{p}{impl} {v*1e6:.0f} us" for p, d in offsets.items() for impl, v in sorted(d.items())))
    print("| arch | implementation | c | b | fixed us | rows | held out | fit median | held-out median | held-out worst |")
    out = {"harness_offset_s": offsets}
    for k in sorted(groups):
        arch, impl = k
        _, c, bw = fits[k]
        train, held = split[k]
        fixed = fixed_of[k]
        pred = lambda r: predict(r, c, bw, fixed + offset_of(r, offsets))
        e = lambda r: abs(pred(r) / (float(r["time_us"]) * 1e-6) - 1)
        fit_med = statistics.median(e(r) for r in train)
        hm = statistics.median(e(r) for r in held) if held else float("nan")
        hw = max(e(r) for r in held) if held else float("nan")
        print(f"| {arch} | {impl} | {c:.2f} | {bw:.2f} | {fixed*1e6:.2f} | {len(groups[k])} | {len(held)} | {fit_med*100:.1f}% | {hm*100:.1f}% | {hw*100:.1f}% |")
        for r in groups[k]:
            print(f"    {r['id']}: measured {float(r['time_us']):.1f} us, predicted {pred(r)*1e6:.1f} us ({(pred(r)/(float(r['time_us'])*1e-6)-1)*100:+.1f}%)"
                  + (" [held out]" if r in held else ""), file=sys.stderr)
        out[f"{arch}/{impl}"] = {"compute_fraction": c, "bandwidth_fraction": bw, "fixed_s": fixed, "rows": len(groups[k]), "held_out": len(held),
                                 "held_out_median": hm, "held_out_worst": hw}
    if len(sys.argv) > 1:
        json.dump(out, open(sys.argv[1], "w"), indent=1)


if __name__ == "__main__":
    main()
