#!/usr/bin/env python3
"""Fits the kernel-efficiency parameters of model/presets/kernels/*.json to the training rows of
tests/data/published/kernel_measurements.csv (every row of each family but every third one, which
is held out: tests/published_kernels_test.cc reports its error separately). Pure Python, no
dependencies: a grid search over the few shape parameters with the scale parameters in closed
form (least squares of log errors). Prints the fitted parameters; the JSON files hold them with
this script named as their provenance. The functional forms are docs/cost-model.md §12's and
estimators/kernel_efficiency.cc's."""
import csv, math, os, sys

ROOT = os.path.join(os.path.dirname(__file__), "..")
rows = list(csv.DictReader(open(os.path.join(ROOT, "tests/data/published/kernel_measurements.csv"))))
excluded = [r["id_prefix"] for r in csv.DictReader(open(os.path.join(ROOT, "tests/data/published/excluded.csv")))]
rows = [r for r in rows if not any(r["id"].startswith(p) for p in excluded)]

def group_of(r):
    return (r["family"], r["kernel"], r["gpu"])

# Every third row (by id) of each group of the same family, kernel and GPU is held out of any
# fitting; groups of one or two rows are all training.
groups = {}
for r in rows:
    groups.setdefault(group_of(r), []).append(r)
holdout = set()
for g, rs in groups.items():
    ordered = sorted(rs, key=lambda r: r["id"])
    holdout |= {r["id"] for i, r in enumerate(ordered) if i % 3 == 2}
train = [r for r in rows if r["id"] not in holdout]
print(f"{len(rows)} rows used, {len(holdout)} held out")

SMS = {"h100-sxm5-80gb": 132, "h800-sxm5": 132, "a100": 108, "a100-80gb": 108, "h100-sxm": 132, "a100-sxm": 108, "a100-pcie": 108}
PEAK16 = {"h100-sxm5-80gb": 989.4e12, "h800-sxm5": 989.4e12, "h100-sxm": 989.4e12, "a100": 312e12, "a100-sxm": 312e12, "a100-pcie": 312e12, "a100-80gb": 312e12}

def wave(units, sms):
    waves = math.ceil(units / sms)
    return units / (waves * sms)

def saturation(x, n0):
    return x / (x + n0)

def fit_prefill(kernel):
    data = []
    for r in train:
        if r["family"] != "prefill_attention" or r["kernel"] != kernel or r["metric"] != "tflops" or not r["seqlen_q"]:
            continue
        n, d, b, h = int(r["seqlen_q"]), int(r["head_dim"]), int(r["batch"]), int(r["heads"])
        causal = r["causal"] == "1"
        units = b * h * n / 128
        data.append((n, d, causal, wave(units, SMS[r["gpu"]]), float(r["value"]) * 1e12 / PEAK16[r["gpu"]]))
    heads = sorted({d for _, d, _, _, _ in data})
    best = None
    for n0 in range(20, 1500, 5):
        for c in [x / 100 for x in range(70, 101)]:
            e, err = {}, 0.0
            for d in heads:
                logs = [math.log(v / ((c if cz else 1) * saturation(n / 2 if cz else n, n0) * w)) for n, dd, cz, w, v in data if dd == d]
                e[d] = math.exp(sum(logs) / len(logs))
                err += sum((l - math.log(e[d])) ** 2 for l in logs)
            if best is None or err < best[0]:
                best = (err, {"peak_fraction_by_head_dim": e, "causal_fraction": c, "half_saturation_keys": n0})
    p = best[1]
    errs = sorted(abs(v / (p["peak_fraction_by_head_dim"][d] * (p["causal_fraction"] if cz else 1) * saturation(n / 2 if cz else n, p["half_saturation_keys"]) * w) - 1)
                  for n, d, cz, w, v in data)
    p["training_error"] = {"median": round(errs[len(errs) // 2], 4), "worst": round(errs[-1], 4)}
    return p, len(data)

for kernel in ["fa3", "fa2", "cudnn"]:
    params, count = fit_prefill(kernel)
    print(f"prefill {kernel} ({count} training rows):", params)

# Decode (flash-decoding, split KV): t = fixed + bytes / (fraction · bandwidth).
BW = {"a100": 2.039e12, "a100-80gb": 2.039e12, "h800-sxm5": 3.35e12}
dec = []
for r in train:
    if r["family"] == "decode_attention" and r["kernel"] == "flashdecoding":
        b, s, kvh, d = int(r["batch"]), int(r["seqlen_kv"]), int(r["kv_heads"]), int(r["head_dim"])
        dec.append((b * s * kvh * d * 2 * 2, float(r["value"]) * 1e-6, BW[r["gpu"]]))
best = None
for fixed_us in [x / 2 for x in range(0, 60)]:
    logs = [math.log((t - fixed_us * 1e-6) / (bytes_ / bw)) for bytes_, t, bw in dec if t > fixed_us * 1e-6]
    if len(logs) < len(dec):
        continue
    inv = math.exp(sum(logs) / len(logs))
    err = sum((math.log(fixed_us * 1e-6 + bytes_ / bw * inv) - math.log(t)) ** 2 for bytes_, t, bw in dec)
    if best is None or err < best[0]:
        best = (err, fixed_us, 1 / inv)
print(f"decode ampere ({len(dec)} training rows): fixed {best[1]} us, bandwidth fraction {best[2]:.4f}")

# GEMM: time = max(FLOPs / (compute fraction · peak), bytes / (bandwidth fraction · bandwidth)).
BWG = {"h800-sxm5": 3.35e12, "h100-sxm": 3.35e12, "a100-sxm": 2.039e12, "a100-pcie": 1.935e12}
ARCH = {"h800-sxm5": "hopper", "h100-sxm": "hopper", "a100-sxm": "ampere", "a100-pcie": "ampere"}
gemm = []
for r in train:
    if r["family"] != "gemm":
        continue
    m, n, k = int(r["m"]), int(r["n"]), int(r["k"])
    fp8 = "fp8" in r["dtype"]
    peak = PEAK16.get(r["gpu"], 989.4e12) * (2 if fp8 else 1)
    flops = 2 * m * n * k
    tiles = math.ceil(m / 64) * math.ceil(n / 64)  # 64×64 output tiles (kernels split small problems finely), waves over the SMs
    gemm.append((ARCH[r["gpu"]], fp8, flops / peak / wave(tiles, SMS[r["gpu"]]), ((m * k + n * k) * (1 if fp8 else 2) + m * n * 2) / BWG[r["gpu"]],
                 flops / (float(r["value"]) * 1e12)))
for arch in ["hopper", "ampere"]:
    for fp8 in [False, True]:
        pts = [(c, b, t) for a, f, c, b, t in gemm if a == arch and f == fp8]
        if not pts:
            continue
        best = None
        for ec in [x / 100 for x in range(30, 101)]:
            for em in [x / 100 for x in range(30, 101)]:
                # Absolute log errors: robust to the one epilogue-bound shape (K = 512, a 268 MB output)
                err = sum(abs(math.log(max(c / ec, b / em)) - math.log(t)) for c, b, t in pts)
                if best is None or err < best[0]:
                    best = (err, ec, em)
        print(f"gemm {arch} {'fp8' if fp8 else '16-bit'} ({len(pts)} training rows): compute fraction {best[1]}, bandwidth fraction {best[2]}")

# End-to-end batch-1 decode (gpt-fast, A100-80GB): a step streams the weights; int8/int4 weight-only
# kernels dequantize on the fly. Weight bytes per the model card shapes (Llama-2-7B 6.74B params,
# Llama-3.1-8B 8.03B), embeddings not read.
E2E = {"gptfast_llama2_7b_bf16": (6.74e9 - 32000 * 4096, 2), "gptfast_llama31_8b_bf16": (8.03e9 - 128256 * 4096, 2),
       "gptfast_llama2_7b_int8": (6.74e9 - 32000 * 4096, 1), "gptfast_llama31_8b_int8": (8.03e9 - 128256 * 4096, 1),
       "gptfast_llama2_70b_int8": (68.98e9 - 32000 * 8192, 1), "gptfast_llama2_7b_int4": (6.74e9 - 32000 * 4096, 0.5)}
fr = {}
for r in train:
    if r["id"] in E2E:
        params, bytes_per = E2E[r["id"]]
        t = 1 / float(r["value"])
        fr.setdefault(bytes_per, []).append(params * bytes_per / 2.039e12 / t)
print("end-to-end bandwidth fractions by bytes per weight:", {k: [round(x, 3) for x in v] for k, v in fr.items()})
