#!/usr/bin/env python3
"""attncost simulate against published serving benchmarks under load.

Each row of tests/data/serving_load/results.csv that names a model, GPU, engine, lengths and
request count attncost can reproduce is simulated with the same settings (rate or concurrency,
number of prompts, lengths as the benchmark's dataset draws them, TP/PP, engine knobs), and its
P50 TTFT, P50 TPOT, P99 TTFT and output-token throughput are compared with the published ones.
One third of the rows (every third, by file order) is held out of any fitting (nothing in the
simulator is fitted to this table; the split is kept for when something is).

  validate_serving.py ATTNCOST [--check | --guard]

--check exits 1 when a median |error| over the rows (all, and the held-out third) misses the
issue's target (P50 TTFT 25%, P50 TPOT 20%, P99 TTFT 40%, output throughput 15%).
--guard (ctest) exits 1 when one misses the bound reached today: the issue's targets, all met
(P50 TTFT 20.5% all, 20.3% held out; it was 28.1% / 30.5% before the endpoint, test-prompt and
SGLang 0.4 rules).

Both also recompute the serving error bands of model/presets/bands/bands.json (the 80th
percentile, nearest rank, of the held-out rows' |error| per metric; docs/cost-model.md §18) and
exit 1 when one differs from the file by more than 0.05 percentage point or counts other rows:
a change that moves the errors must update the bands it moves (--update-bands writes the
recomputed ones, 4 decimals, and the table's default, its widest supported band; review the diff
and rebuild: the file is compiled in).
"""
import atexit
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, "..", "tests", "data", "serving_load", "results.csv")
# Per-request lengths of runs that saved them (benchmark_serving --save-result), one CSV per row id.
LENGTHS = os.path.join(HERE, "..", "tests", "data", "serving_load", "lengths")
# The ShareGPT sample whose exact lengths are published (200 prompts, seed 0, Llama-3 tokenizer):
# other ShareGPT rows replay its shape scaled to their own mean lengths (see lengths/README.md).
SHAREGPT_SAMPLE = os.path.join(LENGTHS, "suraj_l33_70b_a100_tp8pp1_qps1.csv")
SCALED = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"attncost-sharegpt-{os.getpid()}")

# Model names → attncost presets (or a preset with the published config's shape as overrides).
MODELS = {
    "meta-llama/Llama-3.3-70B-Instruct": ["--model", "llama-3.3-70b"],
    "meta-llama/Llama-3.1-405B-Instruct": ["--model", "llama-3.1-405b"],
    "meta-llama/Llama-3.1-405B-Instruct-FP8": ["--model", "llama-3.1-405b", "--weight-dtype", "fp8"],
    "Qwen/Qwen3-8B": ["--model", "qwen3-8b"],
    "Qwen/Qwen3-32B": ["--model", "qwen3-32b"],
    "Qwen/Qwen3-32B-FP8": ["--model", "qwen3-32b", "--weight-dtype", "fp8"],
    "openai/gpt-oss-20b": ["--model", "gpt-oss-20b"],
    # Qwen2-7B has Qwen2.5-7B's shape (28 layers, hidden 3584, 28/4 heads, FFN 18944, vocab 152064).
    "Qwen/Qwen2-7B-Instruct": ["--model", "qwen2.5-7b"],
}
GPUS = {"A100-40GB": "a100-40gb", "A100-80GB": "a100-80gb", "H100-SXM": "h100-sxm", "H200": "h200"}
# The KV memory of the dennislee22 runs, from their start-up logs (tests/data/engine_logs/startup_logs.csv),
# and the memory fraction the datacrunch 405B server was launched with (`--mem-frac 0.87`,
# sglang/experiments/llama_405b_sglang.sh, quoted in the rows' notes).
UTILIZATION = {"kv5p01g": "0.25", "kv24p83g": "0.5", "dc_l31_405b_": "0.87"}
TARGETS = {"median_ttft_ms": 0.25, "median_tpot_ms": 0.20, "p99_ttft_ms": 0.40, "output_throughput": 0.15}
GUARD = dict(TARGETS)
BANDS = os.path.join(HERE, "..", "model", "presets", "bands", "bands.json")
# The band of model/presets/bands/bands.json each metric's held-out errors make.
BAND_KINDS = {"median_ttft_ms": "serving_ttft_p50", "median_tpot_ms": "serving_tpot_p50", "p99_ttft_ms": "serving_ttft_p99",
              "output_throughput": "serving_throughput"}


def band_of(errors, q):
    """The nearest-rank quantile estimators/uncertainty.cc band_of() states: the ceil(q n)-th smallest."""
    v = sorted(abs(e) for e in errors)
    if not v:
        return 0.0
    rank = min(max(1, -(-round(q * len(v) * 1e9) // 10**9)), len(v))
    return v[rank - 1]


def update_bands(errors):
    table = json.load(open(BANDS))
    for e in table["bands"]:
        metric = next((m for m, k in BAND_KINDS.items() if k == e["kind"]), None)
        if e["test"] == "scripts/validate_serving.py" and metric:
            e["band"] = round(band_of(errors[metric]["held"], table["quantile"]), 4)
            e["n"] = len(errors[metric]["held"])
    table["unmeasured"]["band"] = max(e["band"] for e in table["bands"] if e["n"] >= table["min_rows"])
    with open(BANDS, "w") as f:
        json.dump(table, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"updated {BANDS}: review the diff and rebuild", file=sys.stderr)


def check_bands(errors):
    """Recomputes the serving bands; prints them; returns False when bands.json disagrees."""
    if "--update-bands" in sys.argv:
        update_bands(errors)
    table = json.load(open(BANDS))
    entries = {e["kind"]: e for e in table["bands"] if e["test"] == "scripts/validate_serving.py"}
    ok = True
    print(f"\n| band | held-out rows | recomputed ({100 * table['quantile']:.0f}th percentile of |error|) | bands.json |")
    print("|---|---:|---:|---:|")
    for metric, kind in BAND_KINDS.items():
        held = errors[metric]["held"]
        band = band_of(held, table["quantile"])
        e = entries.get(kind)
        print(f"| {kind} | {len(held)} | {band:.4f} | {e['band'] if e else 'missing'} (n {e['n'] if e else '-'}) |")
        if not e or e["n"] != len(held) or abs(e["band"] - band) > 5e-4:
            print(f"FAIL: band {kind} recomputed {band:.4f} over {len(held)} held-out rows; update model/presets/bands/bands.json", file=sys.stderr)
            ok = False
    return ok


def lengths(row, which):
    """The benchmark's length distribution: fixed for vLLM's random dataset, uniform up to the
    length for SGLang's with range ratio 0, and mean-preserving uniform for ShareGPT (whose exact
    lengths the rows do not give)."""
    given = row[f"{which}_len"]
    mean = float(row[f"mean_{which}_tokens"] or 0)
    if row["dataset"] == "random" and given:
        n = int(given)
        if row["engine"] == "sglang" and row["range_ratio"] in ("0.0", "0"):
            return f"uniform:1:{n}"
        return str(n)
    if mean > 0:
        return f"uniform:1:{max(1, round(2 * mean) - 1)}"
    return None


def sharegpt_lengths(row):
    """A lengths file for a ShareGPT row: its own when published, else the published sample's
    lengths scaled to the row's mean input and output tokens (the long tail of ShareGPT outputs
    sets how long an all-at-once run lasts; a uniform draw has no tail)."""
    own = os.path.join(LENGTHS, row["id"] + ".csv")
    if os.path.exists(own):
        return own
    if row["dataset"] != "sharegpt" or not row["mean_input_tokens"] or not row["mean_output_tokens"]:
        return None
    sample = [tuple(int(x) for x in line.split(",")) for line in open(SHAREGPT_SAMPLE).read().split()[1:]]
    si = sum(p for p, _ in sample) / len(sample)
    so = sum(o for _, o in sample) / len(sample)
    fi, fo = float(row["mean_input_tokens"]) / si, float(row["mean_output_tokens"]) / so
    if not os.path.isdir(SCALED):
        os.makedirs(SCALED)
        atexit.register(shutil.rmtree, SCALED, True)
    path = os.path.join(SCALED, row["id"] + ".csv")
    with open(path, "w") as f:
        f.write("prompt_tokens,output_tokens\n")
        for p, o in sample:
            f.write(f"{max(1, round(p * fi))},{max(1, round(o * fo))}\n")
    return path


def command(attncost, row):
    model = MODELS.get(row["model"])
    gpu = GPUS.get(row["gpu"])
    prompt, output = lengths(row, "input"), lengths(row, "output")
    replay = sharegpt_lengths(row)
    requests = row["num_prompts"] or row["successful_requests"]
    if not (model and gpu and prompt and output and requests):
        return None
    cmd = [attncost, "simulate", *model, "--gpu", gpu, "--engine", row["engine"], "--format", "json", "--seed", "1", "--requests", requests]
    cmd += ["--lengths", replay] if replay else ["--prompt-len", prompt, "--output-len", output]
    tp = int(row["tp"] or 1)
    pp = int(row["gpu_count"] or tp) // tp
    cmd += ["--tp", str(tp)] + (["--pp", str(pp)] if pp > 1 else [])
    rate = row["request_rate"] or "inf"
    cmd += ["--rate", "inf" if rate == "inf" else rate]
    if row["max_concurrency"]:
        cmd += ["--max-concurrency", row["max_concurrency"]]
    if row["burstiness"] and row["burstiness"] not in ("1", "1.0"):
        cmd += ["--burstiness", row["burstiness"]]
    if row["max_num_batched_tokens"]:
        cmd += ["--max-num-batched-tokens", row["max_num_batched_tokens"]]
    if row["max_num_seqs"]:
        cmd += ["--max-num-seqs", row["max_num_seqs"]]
    if row["engine_version"]:
        cmd += ["--engine-version", row["engine_version"]]
    # A warm prefix cache: the same prompts were sent to the same server in an earlier run.
    if row["prefix_hit_rate"]:
        cmd += ["--prefix-hit-rate", row["prefix_hit_rate"]]
    # The endpoint the client called, as each row's notes state it: the OpenAI chat API renders the
    # chat template (the engine rules' per-request time); /v1/completions and SGLang's native
    # /generate (sglang.bench_serving's default backend) do not.
    if endpoint(row) == "completions":
        cmd += ["--endpoint", "completions"]
    # benchmark_serving, `vllm bench serve` and sglang.bench_serving send the first request once
    # ("Starting initial single prompt test run...") before the measured run: where the server
    # keeps a prefix cache, the first measured request finds its prompt there.
    if prefix_cache_on(row):
        cmd += ["--benchmark-warmup"]
    for key, util in UTILIZATION.items():
        if key in row["id"]:
            cmd += ["--gpu-memory-utilization", util]
    return cmd


def endpoint(row):
    notes = row["notes"] + " " + row["location"]
    if "chat/completions" in notes or "openai-chat" in notes:
        return "chat"
    return "completions"


def prefix_cache_on(row):
    """The row's prefix_caching column, or the engine's default: vLLM V1 (0.8 on) and SGLang's radix
    cache are on; TensorRT-LLM's block reuse is left off (its default is not stated in the rows)."""
    if row["prefix_caching"] in ("true", "false"):
        return row["prefix_caching"] == "true"
    return row["engine"] in ("vllm", "sglang")


def simulate_row(attncost, row, extra=()):
    """attncost's JSON for a row, None when attncost says no request fits its KV pool (a miss on
    every metric: the engine served it), or an exception for any other failure."""
    out = subprocess.run(command(attncost, row) + list(extra), capture_output=True, text=True)
    if out.returncode == 2 and "no request fits the KV pool" in out.stderr:
        return None
    if out.returncode != 0:
        raise RuntimeError(f"{row['id']}: attncost failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


def row_errors(doc, row):
    """(predicted − published) / published for each metric the row prints."""
    return {m: ((predicted(doc, m) if doc else 0.0) - float(row[m])) / float(row[m]) for m in TARGETS if row[m]}


def predicted(doc, metric):
    return {
        "median_ttft_ms": doc["ttft_s"]["p50"] * 1e3,
        "median_tpot_ms": doc["tpot_s"]["p50"] * 1e3,
        "p99_ttft_ms": doc["ttft_s"]["p99"] * 1e3,
        "output_throughput": doc["throughput"]["output_tokens_per_s"],
    }[metric]


def main():
    attncost = sys.argv[1]
    limits = TARGETS if "--check" in sys.argv else GUARD if "--guard" in sys.argv else None
    rows = list(csv.DictReader(open(TABLE, newline="")))
    errors = {m: {"all": [], "held": []} for m in TARGETS}
    lines = []
    skipped = []
    for i, row in enumerate(rows):
        cmd = command(attncost, row)
        if cmd is None:
            skipped.append(row["id"])
            continue
        try:
            doc = simulate_row(attncost, row)
        except RuntimeError as e:
            print(e, file=sys.stderr)
            return 2
        held = i % 3 == 2
        cells = []
        for metric in TARGETS:
            if not row[metric]:
                cells.append("-")
                continue
            p, m = (predicted(doc, metric) if doc else 0.0), float(row[metric])
            err = (p - m) / m
            errors[metric]["all"].append(err)
            if held:
                errors[metric]["held"].append(err)
            cells.append(f"{p:.4g} / {m:.4g} ({100 * err:+.0f}%)")
        lines.append(f"| {row['id']} | {'held out' if held else 'fit'} | " + " | ".join(cells) + " |")
    print("| row | set | P50 TTFT ms (ours / published) | P50 TPOT ms | P99 TTFT ms | output tok/s |")
    print("|---|---|---|---|---|---|")
    print("\n".join(lines))
    print(f"\nrows simulated: {len(lines)}; not simulable (model, lengths or request count not given): {len(skipped)}")
    failed = False
    print("\n| metric | rows | median abs error | held-out rows | held-out median | target | over-predicted |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for metric, target in (limits or TARGETS).items():
        a, h = errors[metric]["all"], errors[metric]["held"]
        med = statistics.median(abs(e) for e in a) if a else 0
        hmed = statistics.median(abs(e) for e in h) if h else 0
        over = sum(1 for e in a if e > 0) / len(a) if a else 0
        print(f"| {metric} | {len(a)} | {100 * med:.1f}% | {len(h)} | {100 * hmed:.1f}% | {100 * target:.0f}% | {100 * over:.0f}% |")
        if limits and (med > target or hmed > target):
            print(f"FAIL: {metric} median |error| {100 * med:.1f}% (held out {100 * hmed:.1f}%) over {100 * target:.0f}%", file=sys.stderr)
            failed = True
    if not check_bands(errors) and limits:
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
