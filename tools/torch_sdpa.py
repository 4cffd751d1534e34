#!/usr/bin/env python3
"""Times attention kernels nobody on this project wrote -- PyTorch's scaled_dot_product_attention
(the flash and memory-efficient backends) and FlexAttention for a sliding window -- on the
attached GPU, and writes them as a recorded probe run (schema attncost.probe/1). attncost then
predicts every shape with the same estimator and profile it uses for its own kernels:

  python3 tools/torch_sdpa.py --ceilings-from probe.json -o torch-sdpa.json
  attncost probe --replay torch-sdpa.json --gpu gpu-profile.json --format md   # our profile, their kernels
  attncost probe --replay torch-sdpa.json --calibrate -o torch-profile.json    # fit on half, held-out error on the rest

The shapes: causal prefill and decode (one query token against the cache), MHA, GQA-4 and MQA
(32 query heads, d = 128, bf16), contexts 1k-128k. Timing follows the probe's own loop (warm-up,
L2 flushed before each sample, CUDA events, median; samples until the relative deviation is below
1% or 2 s are spent) so that the two runs are measured the same way. Every case is checked against
an fp32 reference on its first and last 64 query rows (all of them for decode) before it is timed.

--synthetic writes the same cases with made-up times and no torch or GPU at all: the ctest
`torch_sdpa_format` uses it to prove that attncost reads what this script writes.
"""
import argparse
import datetime
import json
import math
import os
import statistics
import subprocess
import sys
import time

HEADS = 32
HEAD_DIM = 128
SHARING = {"mha": 32, "gqa4": 8, "mqa": 1}
CONTEXTS = [1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072]
QUICK_CONTEXTS = [1024, 8192, 32768]
PREFILL_TOKENS = 16384   # short prompts are batched up to this many tokens, as a serving engine would
DECODE_BATCH = 8
CHECK_ROWS = 64
BF16_TOLERANCE = 2e-2    # bf16 inputs and output: 8 mantissa bits
WINDOW = 4096


def case_list(contexts, flex):
    """Every case as (impl, kernel, batch, ctx, kv_heads, attn)."""
    out = []
    for impl in ("torch-sdpa-flash", "torch-sdpa-efficient"):
        for kv in SHARING.values():
            for ctx in contexts:
                out.append((impl, "prefill_flash", max(1, PREFILL_TOKENS // ctx), ctx, kv, "dense"))
        for kv in SHARING.values():
            for ctx in contexts:
                out.append((impl, "decode", DECODE_BATCH, ctx, kv, "dense"))
    if flex:
        for ctx in (16384, 32768):
            if ctx <= max(contexts):
                out.append(("torch-flex", "prefill_flash", 1, ctx, 8, f"window:{WINDOW}"))
    return out


def case_name(impl, kernel, batch, ctx, kv, attn):
    share = {v: k for k, v in SHARING.items()}.get(kv, f"kv{kv}")
    return f"{impl}/{kernel}/{share}/{attn}/bf16/b{batch}/ctx{ctx}"


def case_json(spec, result):
    impl, kernel, batch, ctx, kv, attn = spec
    j = {
        "name": case_name(*spec),
        "kernel": kernel,
        "impl": impl,
        "shape": {"batch": batch, "ctx": ctx, "heads": HEADS, "kv_heads": kv, "head_dim": HEAD_DIM,
                  "attn": attn, "kv_dtype": "bf16", "page_size": 0},
        "checked": result.get("checked", False),
        "correct": result.get("correct", False),
        "max_rel_error": result.get("max_rel_error", 0.0),
        "measured_s": result.get("measured_s"),
        "repeats": result.get("repeats", 0),
        "min_s": result.get("min_s", 0.0),
        "max_s": result.get("max_s", 0.0),
        "mean_s": result.get("mean_s", 0.0),
        "noise": result.get("noise", 0.0),
        "stopped_by": result.get("stopped_by", "none"),
    }
    if result.get("measured_s") is None:
        j["skipped"] = result.get("skipped", "not run")
    return j


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                              cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def run_json(device, ceilings, cases, version):
    return {
        "schema": "attncost.probe/1",
        "tool": {"name": "tools/torch_sdpa.py", "version": version, "commit": git_commit()},
        "run": {"command_line": " ".join(sys.argv),
                "started_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")},
        "suite": "torch-sdpa",
        "tolerance": 0.25,
        "device": device,
        "ceilings": ceilings,
        "calibrated": False,
        "cases": cases,
    }


# --- synthetic: the format alone ------------------------------------------------------------

def synthetic(args):
    device = {"backend": "cuda", "name": "synthetic (no GPU: format test only)", "sms": 132,
              "memory_bytes": 150e9, "l2_bytes": 60e6, "compute_capability": "9.0"}
    ceilings = {"read_Bps": 4.0e12, "copy_Bps": 8.0e12, "gemm_fp16_flops": 7.5e14, "gemm_bf16_flops": 7.5e14,
                "gemm_fp8_flops": 0, "vector_flops": 6.0e13, "launch_s": 4e-6,
                "notes": ["synthetic ceilings: no GPU was used"]}
    cases = []
    for i, spec in enumerate(case_list(contexts_for(args), flex=True)):
        if i % 11 == 5:
            result = {"skipped": "synthetic skip (the reader must keep skipped cases)"}
        else:
            t = 1e-4 * (1 + i % 7)
            result = {"checked": True, "correct": True, "max_rel_error": 1e-3, "measured_s": t, "repeats": 5,
                      "min_s": t * 0.99, "max_s": t * 1.02, "mean_s": t, "noise": 0.005, "stopped_by": "noise"}
        cases.append(case_json(spec, result))
    return run_json(device, ceilings, cases, "synthetic")


# --- measuring with torch -------------------------------------------------------------------

class Timer:
    """The probe's measurement loop (cuda_probe/run.h MeasurePolicy) with CUDA events."""

    def __init__(self, torch, min_samples=5, max_noise=0.01, max_time_s=2.0, max_samples=200):
        self.torch = torch
        self.min_samples, self.max_noise, self.max_time_s, self.max_samples = min_samples, max_noise, max_time_s, max_samples
        # Larger than the H100/H200 L2 (50/60 MB) several times over, so every sample starts cold.
        self.flush_buffer = torch.empty(256 * 2**20, dtype=torch.uint8, device="cuda")

    def measure(self, fn, flush=True):
        torch = self.torch
        fn()
        torch.cuda.synchronize()
        samples, spent = [], 0.0
        stopped = "samples"
        while len(samples) < self.max_samples:
            if flush:
                self.flush_buffer.zero_()
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            s = start.elapsed_time(end) / 1e3
            samples.append(s)
            spent += s
            if len(samples) >= self.min_samples:
                mean = statistics.fmean(samples)
                noise = statistics.stdev(samples) / mean if len(samples) > 1 and mean > 0 else 0.0
                if noise <= self.max_noise:
                    stopped = "noise"
                    break
                if spent >= self.max_time_s:
                    stopped = "time"
                    break
        mean = statistics.fmean(samples)
        return {"measured_s": statistics.median(samples), "repeats": len(samples), "min_s": min(samples),
                "max_s": max(samples), "mean_s": mean,
                "noise": statistics.stdev(samples) / mean if len(samples) > 1 and mean > 0 else 0.0,
                "stopped_by": stopped}


def reference_rows(torch, q, k, v, rows, ctx, window):
    """fp32 attention of the query rows `rows` (global positions) against every key: the check."""
    group = q.shape[1] // k.shape[1]
    kf = k.float().repeat_interleave(group, dim=1)
    vf = v.float().repeat_interleave(group, dim=1)
    qf = q[:, :, rows, :].float()
    scores = qf @ kf.transpose(-1, -2) / math.sqrt(q.shape[-1])
    pos_q = torch.arange(ctx, device=q.device)[rows].view(-1, 1) if q.shape[2] > 1 else torch.full((1, 1), ctx - 1, device=q.device)
    pos_k = torch.arange(ctx, device=q.device).view(1, -1)
    visible = pos_k <= pos_q
    if window:
        visible &= pos_q - pos_k < window
    scores = scores.masked_fill(~visible, float("-inf"))
    return torch.softmax(scores, dim=-1) @ vf


def rel_error(out, ref):
    err = (out.float() - ref).abs().max().item() / max(ref.abs().max().item(), 1e-30)
    # JSON has no NaN or infinity, and attncost reads at most 1e30: a NaN output is simply wrong.
    return min(err, 1e30) if math.isfinite(err) else 1e30


def run_case(torch, timer, spec, flex_fn):
    impl, kernel, batch, ctx, kv, attn = spec
    F = torch.nn.functional
    from torch.nn.attention import SDPBackend, sdpa_kernel
    decode = kernel == "decode"
    window = int(attn.split(":")[1]) if attn.startswith("window:") else 0
    q_len = 1 if decode else ctx
    q = torch.randn(batch, HEADS, q_len, HEAD_DIM, dtype=torch.bfloat16, device="cuda")
    k = torch.randn(batch, kv, ctx, HEAD_DIM, dtype=torch.bfloat16, device="cuda")
    v = torch.randn(batch, kv, ctx, HEAD_DIM, dtype=torch.bfloat16, device="cuda")
    gqa = kv != HEADS
    if impl == "torch-flex":
        def fn():
            return flex_fn(q, k, v, ctx, window, gqa)
    else:
        backend = SDPBackend.FLASH_ATTENTION if impl == "torch-sdpa-flash" else SDPBackend.EFFICIENT_ATTENTION

        def fn():
            with sdpa_kernel([backend]):
                # Decode: one query row sees the whole cache (is_causal would align it top-left).
                return F.scaled_dot_product_attention(q, k, v, is_causal=not decode, enable_gqa=gqa)
    out = fn()
    torch.cuda.synchronize()
    rows = [0] if decode else list(range(CHECK_ROWS)) + list(range(ctx - CHECK_ROWS, ctx))
    err = 0.0
    for part in ([rows] if decode else [rows[:CHECK_ROWS], rows[CHECK_ROWS:]]):
        ref = reference_rows(torch, q, k, v, part, ctx, window)
        err = max(err, rel_error(out[:, :, part, :] if not decode else out, ref))
        del ref
    result = {"checked": True, "correct": err <= BF16_TOLERANCE, "max_rel_error": err}
    if result["correct"]:
        result.update(timer.measure(fn))
    else:
        result["skipped"] = f"wrong: relative error {err:.2e} over {BF16_TOLERANCE:.0e}"
    del q, k, v, out
    return result


def make_flex(torch):
    """FlexAttention with a sliding-window block mask, compiled once per shape (None if absent)."""
    try:
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention
    except ImportError:
        return None
    compiled = torch.compile(flex_attention, dynamic=False)
    masks = {}

    def fn(q, k, v, ctx, window, gqa):
        if (ctx, window) not in masks:
            def sliding(b, h, q_idx, kv_idx):
                return (q_idx >= kv_idx) & (q_idx - kv_idx < window)
            masks[(ctx, window)] = create_block_mask(sliding, B=None, H=None, Q_LEN=ctx, KV_LEN=ctx, device="cuda")
        return compiled(q, k, v, block_mask=masks[(ctx, window)], enable_gqa=gqa)
    return fn


def device_json(torch):
    p = torch.cuda.get_device_properties(0)
    d = {"backend": "cuda", "name": p.name, "sms": p.multi_processor_count, "memory_bytes": float(p.total_memory),
         "l2_bytes": float(getattr(p, "L2_cache_size", 0)), "compute_capability": f"{p.major}.{p.minor}",
         "runtime": f"CUDA {torch.version.cuda} (torch {torch.__version__})"}
    try:
        q = subprocess.run(["nvidia-smi", "--query-gpu=driver_version,clocks.max.sm,clocks.max.mem", "--format=csv,noheader,nounits"],
                           capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0].split(",")
        d["driver"] = q[0].strip()
        d["clock_hz"] = float(q[1]) * 1e6
        d["memory_clock_hz"] = float(q[2]) * 1e6
    except (OSError, subprocess.SubprocessError, IndexError, ValueError):
        pass
    return d


def measured_ceilings(torch, timer):
    """The ceilings measured through torch when no probe run is given (--ceilings-from)."""
    n = 2 * 2**30
    x = torch.empty(n // 4, dtype=torch.float32, device="cuda").fill_(1)
    y = torch.empty_like(x)
    read = n / timer.measure(lambda: x.sum(), flush=False)["measured_s"]
    copy = 2 * n / timer.measure(lambda: y.copy_(x), flush=False)["measured_s"]
    del x, y
    m = 8192
    rates = {}
    for name, dtype in (("gemm_fp16_flops", torch.float16), ("gemm_bf16_flops", torch.bfloat16), ("vector_flops", torch.float32)):
        a = torch.randn(m, m, dtype=dtype, device="cuda")
        b = torch.randn(m, m, dtype=dtype, device="cuda")
        torch.backends.cuda.matmul.allow_tf32 = False  # fp32 on the CUDA cores: the vector (FMA) rate
        rates[name] = 2 * m**3 / timer.measure(lambda: a @ b, flush=False)["measured_s"]
        del a, b
    tiny = torch.zeros(1, device="cuda")
    launch = timer.measure(lambda: tiny.add_(1), flush=False)["measured_s"]
    return {"read_Bps": read, "copy_Bps": copy, "gemm_fp16_flops": rates["gemm_fp16_flops"],
            "gemm_bf16_flops": rates["gemm_bf16_flops"], "gemm_fp8_flops": 0, "vector_flops": rates["vector_flops"],
            "launch_s": launch,
            "notes": ["measured through torch (sum, copy_, 8192^3 matmul; fp32 matmul without TF32 as the vector rate)",
                      "GEMM fp8 not measured by tools/torch_sdpa.py"]}


def contexts_for(args):
    base = QUICK_CONTEXTS if args.quick else CONTEXTS
    return [c for c in base if c <= args.max_ctx]


def measure(args):
    import torch
    if not torch.cuda.is_available():
        print("torch_sdpa.py: no CUDA device visible to torch", file=sys.stderr)
        return None
    timer = Timer(torch)
    if args.ceilings_from:
        with open(args.ceilings_from) as f:
            ceilings = json.load(f)["ceilings"]
    else:
        ceilings = measured_ceilings(torch, timer)
    flex_fn = make_flex(torch) if args.flex else None
    deadline = time.monotonic() + args.budget_s
    cases = []
    for spec in case_list(contexts_for(args), flex=flex_fn is not None):
        if time.monotonic() > deadline:
            result = {"skipped": f"over the run's time budget (--budget-s {args.budget_s:g})"}
        else:
            try:
                result = run_case(torch, timer, spec, flex_fn)
            except Exception as e:  # a backend that refuses a shape: recorded, the run goes on
                result = {"skipped": f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"}
            torch.cuda.empty_cache()
        cases.append(case_json(spec, result))
        shown = f"{result['measured_s'] * 1e3:.3f} ms" if result.get("measured_s") else result.get("skipped", "")
        print(f"{case_name(*spec):<60} {shown}", file=sys.stderr, flush=True)
    return run_json(device_json(torch), ceilings, cases, f"torch {torch.__version__}")


def split_by_impl(path):
    """One recorded run per implementation (FILE.<impl>.json): an efficiency is a property of one
    kernel, so each implementation is calibrated, and its held-out error reported, on its own."""
    with open(path) as f:
        run = json.load(f)
    stem = path[:-5] if path.endswith(".json") else path
    written = []
    for impl in sorted({c["impl"] for c in run["cases"]}):
        part = dict(run, suite=f"{run['suite']}/{impl}", cases=[c for c in run["cases"] if c["impl"] == impl])
        out = f"{stem}.{impl}.json"
        with open(out, "w") as f:
            json.dump(part, f, indent=1)
        written.append(out)
    print("\n".join(written))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", default="torch-sdpa.json")
    ap.add_argument("--ceilings-from", help="a probe run (attncost probe --format json) whose measured ceilings to record")
    ap.add_argument("--quick", action="store_true", help="contexts 1k, 8k and 32k only")
    ap.add_argument("--max-ctx", type=int, default=131072)
    ap.add_argument("--no-flex", dest="flex", action="store_false", help="skip FlexAttention (it compiles each shape)")
    ap.add_argument("--budget-s", type=float, default=300, help="cases after this many seconds are recorded as skipped")
    ap.add_argument("--synthetic", action="store_true", help="no torch, no GPU: made-up times, to test the format")
    ap.add_argument("--split", metavar="FILE", help="write FILE.<impl>.json, one recorded run per implementation, and print their names")
    args = ap.parse_args()
    if args.split:
        return split_by_impl(args.split)
    run = synthetic(args) if args.synthetic else measure(args)
    if run is None:
        return 3
    with open(args.output, "w") as f:
        json.dump(run, f, indent=1)
    ran = sum(1 for c in run["cases"] if c["measured_s"] is not None)
    print(f"{ran} of {len(run['cases'])} cases timed; written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
