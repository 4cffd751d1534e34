#!/usr/bin/env python3
"""Fit GEMM efficiency per library x dtype x architecture (issue #24 item 2).

Rows: tests/data/published/gemm_library_2026.csv plus the GEMM rows already in
kernel_measurements.csv and kernel_measurements_2026.csv (mapped to a library and dtype below).
Model (the roofline policy of estimators/roofline.cc, the only shape dependence):
    time = max(2*M*N*K / (c * wave(M, N) * peak[dtype]),  bytes / (b * HBM bandwidth))
    wave(M, N) = u / (ceil(u / SMs) * SMs),  u = ceil(M/64) * ceil(N/64)   (64x64 output tiles)
    bytes = groups*N*K*w + M_total*K*a + M_total*N*2   (weights, activations, bf16 output)
c (compute fraction) and b (weight-read fraction) per group, by grid search minimising the mean
|log(predicted/measured)| over the training rows. Held out: every row whose index (in file order,
per group, after the scope cut) % 3 == 2. Kernels under GEMM_MIN_US microseconds (default 10) are
out of scope: their benchmark times hold the launch, which attncost counts apart. Prints the table
(docs/cost-model.md §12 quotes it; the wired fractions are in model/presets/kernels/hopper.json,
`gemm_libraries`) and writes --json with every group's fractions.
"""
import argparse, csv, json, math, os, statistics, sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PUB = os.path.join(ROOT, "tests", "data", "published")
GPU_FILE = {"h100": "h100-sxm", "h100-sxm": "h100-sxm", "h200": "h200", "h800": "h800", "h800-sxm5": "h800", "h20": "h20",
            "b200": "b200", "sm100": "b200", "a100-sxm": "a100-80gb", "a100-pcie": "a100-80gb"}
# bytes per weight / activation element and which peak the dtype runs at
DTYPE = {"bf16": (2, 2, "bf16"), "fp16": (2, 2, "bf16"), "fp8_tensor": (1, 1, "fp8"), "fp8_block": (1 + 4 / 16384, 1, "fp8"),
         "int4_weight": (0.5, 2, "bf16"), "int8_weight": (1, 2, "bf16"), "nvfp4": (0.5625, 0.5625, "fp4")}


_GPUS = {}


def gpu(name):
    if name in _GPUS:
        return _GPUS[name]
    with open(os.path.join(ROOT, "model", "presets", "gpus", GPU_FILE[name] + ".json")) as f:
        g = json.load(f)
    if name == "a100-pcie":
        g["hbm_bandwidth_Bps"] = 1.935e12  # A100 PCIe 80GB datasheet (as tests/published_kernels_test.cc)
    _GPUS[name] = g
    return g


def arch_of(name):
    # H20: a Hopper part with a sixth of H100's tensor rate and more bandwidth; its kernels reach a
    # far larger fraction of its (power-unconstrained) peak, so it is fitted as its own group.
    return "hopper_h20" if name == "h20" else gpu(name)["arch"]


def legacy_rows():
    """GEMM rows of the earlier kernel tables, with library and dtype named."""
    out = []
    for fn in ("kernel_measurements.csv", "kernel_measurements_2026.csv"):
        for r in csv.DictReader(open(os.path.join(PUB, fn))):
            if r["family"] != "gemm":
                continue
            rid, kern, dt = r["id"], r["kernel"], r["dtype"]
            lib = dtype = None
            if kern == "deepgemm": lib, dtype = "deepgemm", "fp8_block"
            elif kern == "torch_matmul": lib, dtype = "cublas", "bf16"
            elif kern == "torch_scaled_mm": lib, dtype = "cublaslt", "fp8_tensor"
            elif kern.startswith("torch.mm"): lib, dtype = "cublas", "fp16" if dt == "fp16" else "bf16"
            elif kern == "vllm:fp8-tensor-w-tensor-a-noquant": lib, dtype = "cutlass", "fp8_tensor"
            # vLLM's block-fp8 linear picks DeepGEMM, CUTLASS or Triton at run time; the PR does not say which ran
            elif kern == "vllm:fp8-block-w-block-a-noquant": lib, dtype = "vllm_block_unnamed", "fp8_block"
            elif kern == "marlin": lib, dtype = "marlin", dt
            elif kern == "vllm:cutlass_nvfp4-noquant": lib, dtype = "cutlass", "nvfp4"
            elif kern.startswith("torch._scaled_mm nvfp4"): lib, dtype = "cublaslt", "nvfp4"
            elif kern.startswith("flashinfer:mm_fp4:"): lib, dtype = kern.split(":")[-1], "nvfp4"
            if lib is None:  # timings with the activation quantization kernel inside, batched bmm
                continue
            out.append(dict(id=rid, library=lib, dtype=dtype, gpu=r["gpu"], groups=1, m=r["m"], n=r["n"], k=r["k"],
                            metric=r["metric"], value=r["value"], source=r["source"], location=r["location"]))
    return out


def measured_s(r):
    m, n, k = float(r["m"]), float(r["n"]), float(r["k"])
    M = m * float(r["groups"])
    v = float(r["value"])
    if r["metric"] == "time_us": return v * 1e-6
    if r["metric"] == "tflops": return 2 * M * n * k / (v * 1e12)
    if r["metric"] == "flops_per_s": return 2 * M * n * k / v
    if r["metric"] == "weight_bandwidth_tbps": return n * k * 0.5 / (v * 1e12)
    raise ValueError(r["metric"])


def predict_s(r, c, b):
    g = gpu(r["gpu"])
    w, a, peak_key = DTYPE[r["dtype"]]
    groups = float(r["groups"])
    m, n, k = float(r["m"]), float(r["n"]), float(r["k"])
    M = m * groups
    units = groups * math.ceil(m / 64) * math.ceil(n / 64)
    sms = g["sms"]
    wave = units / (math.ceil(units / sms) * sms)
    peak = g["peak_flops"].get(peak_key) or g["peak_flops"]["bf16"]
    compute = 2 * M * n * k / (c * wave * peak)
    memory = (groups * n * k * w + M * k * a + M * n * 2) / (b * g["hbm_bandwidth_Bps"])
    return max(compute, memory)


def err(r, c, b):
    return math.log(predict_s(r, c, b) / measured_s(r))


MIN_S = float(os.environ.get('GEMM_MIN_US', '10')) * 1e-6


def fit(train):
    grid = [x / 100 for x in range(10, 101)]
    best = None
    for c in grid:
        for b in grid:
            e = sum(abs(err(r, c, b)) for r in train) / len(train)
            if best is None or e < best[0]:
                best = (e, c, b)
    return best[1], best[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", help="write the fitted fractions here")
    args = ap.parse_args()
    rows = list(csv.DictReader(open(os.path.join(PUB, "gemm_library_2026.csv")))) + legacy_rows()
    # Out of scope: kernels under MIN_S. Their benchmark times (do_bench, CUDA events) hold the launch
    # and the kernel's fixed prologue/epilogue, which attncost counts apart (2.5 us launch per kernel).
    short = [r for r in rows if measured_s(r) < MIN_S]
    rows = [r for r in rows if measured_s(r) >= MIN_S]
    print(f"{len(rows)} rows in scope; {len(short)} under {MIN_S * 1e6:.0f} us left out")
    groups = defaultdict(list)
    for r in rows:
        groups[(arch_of(r["gpu"]), r["library"], r["dtype"])].append(r)
    result = {}
    all_held = []
    print("| arch | library | dtype | rows | compute c | weight-read b | train median | held-out rows | held-out median | held-out worst |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for key in sorted(groups):
        rs = groups[key]
        train = [r for i, r in enumerate(rs) if i % 3 != 2]
        held = [r for i, r in enumerate(rs) if i % 3 == 2]
        c, b = fit(train)
        pct = lambda r: abs(math.exp(err(r, c, b)) - 1) * 100
        tm = statistics.median(pct(r) for r in train)
        hm = statistics.median(pct(r) for r in held) if held else float("nan")
        hw = max((pct(r) for r in held), default=float("nan"))
        all_held += [(key, r["id"], pct(r)) for r in held]
        print(f"| {key[0]} | {key[1]} | {key[2]} | {len(rs)} | {c:.3f} | {b:.3f} | {tm:.1f}% | {len(held)} | {hm:.1f}% | {hw:.1f}% |")
        result.setdefault(key[0], {}).setdefault(key[1], {})[key[2]] = {"compute_fraction": c, "bandwidth_fraction": b, "rows": len(rs)}
    hp = [p for _, _, p in all_held]
    print(f"\nall held-out rows: {len(hp)}, median {statistics.median(hp):.1f}%, worst {max(hp):.1f}%")
    for key, rid, p in sorted(all_held, key=lambda t: -t[2])[:8]:
        print(f"  {rid} {key} {p:.1f}%")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    sys.exit(main())
