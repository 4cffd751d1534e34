"""Every function against the CLI's JSON for the same arguments, the CLI's messages for bad input."""
import json
import os
import subprocess
import sys

import pytest

import attncost
from conftest import same

ESTIMATES = [
    dict(model="llama-3.1-8b", gpu="h100-sxm", ctx=65536, gqa=8, kv_dtype="fp8", batch=4),
    dict(model="llama-2-7b", ctx="64k", batch=8, gen=512, attn="window:4096"),
    dict(model="llama-3.1-8b", mla="512:64", tp=2, engine="vllm", explain=True),
    dict(model="llama-3.1-8b", mqa=True, kv_dtype="int4", kv_group=64, spec="4:0.7", usd_per_gpu_hour=2.5),
    dict(model="llama-3.1-8b", ctx=[4096]),  # a list: the generic path
]


@pytest.mark.parametrize("kwargs", ESTIMATES)
def test_estimate_is_the_clis_json(cli, kwargs):
    code, out, _ = cli("estimate", kwargs)
    assert code == 0
    assert same(attncost.estimate(**kwargs), json.loads(out))


def test_estimate_fast_and_generic_paths_agree():
    kwargs = ESTIMATES[0]
    fast = attncost._core.estimate_fast({k: str(v) for k, v in kwargs.items()})
    assert fast is not None
    assert same(fast, attncost._json("estimate", kwargs))


def test_issue_example(cli):
    r = attncost.estimate(model="llama-3.1-8b", gpu="h100-sxm", ctx=65536, gqa=8, kv_dtype="fp8", batch=4)
    assert r["kv_cache"]["bytes_per_token"] > 0


def test_plan(cli):
    kwargs = dict(workloads=["policy-qa:ctx=65536,batch=4,gen=1024"], require="early-recall", candidates="basic")
    code, out, _ = cli("plan", kwargs)
    assert code == 0
    assert same(attncost.plan(**kwargs), json.loads(out))


def test_plan_html_memo(cli):
    kwargs = dict(workloads=["policy-qa:ctx=65536,batch=4,gen=1024"], candidates="basic")
    memo = attncost.plan(format="html", **kwargs)
    code, out, _ = cli("plan", kwargs, fmt="html")
    assert code == 0 and str(memo) == out
    assert memo._repr_html_() == out and "<svg" in out


def test_compare(cli):
    kwargs = dict(model="llama-3.1-8b", designs=["base:gqa=8", "fp8:gqa=8,kv_dtype=fp8"], workloads=["a:ctx=4096,batch=8", "b:ctx=32k"])
    code, out, _ = cli("compare", kwargs)
    assert code == 0
    assert same(attncost.compare(**kwargs), json.loads(out))


def test_sweep_rows_and_dataframe(cli):
    kwargs = dict(model="llama-3.1-8b", ctx=[4096, 65536, 131072], gqa=[1, 8, 32])
    code, out, _ = cli("sweep", kwargs)
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    rows = attncost.sweep(**kwargs)
    assert same(list(rows) + rows.crossovers, [l for l in lines if l.get("type") != "crossover"] + [l for l in lines if l.get("type") == "crossover"])
    assert len(rows) == 9
    pd = pytest.importorskip("pandas")
    df = rows.to_pandas()
    assert isinstance(df, pd.DataFrame) and len(df) == 9
    assert sorted(set(df["ctx"])) == [4096, 65536, 131072]


def test_sweep_chart_inline():
    rows = attncost.sweep(model="llama-3.1-8b", ctx=[4096, 65536], chart=True)
    assert rows.svg.startswith("<svg") or "<svg" in rows.svg[:200]
    assert "<svg" in rows._repr_html_()


def test_simulate(cli):
    kwargs = dict(model="llama-3.1-8b", rate=[1, 4, 16], requests=200, prompt_len=1024, output_len=200)
    code, out, _ = cli("simulate", kwargs)
    assert code == 0
    s = attncost.simulate(**kwargs)
    assert same(s, json.loads(out))
    pytest.importorskip("pandas")
    assert len(s.to_pandas()) == 3
    assert "<table>" in s._repr_html_()


def test_presets(cli):
    code, out, _ = cli("presets", {})
    assert code == 0
    p = attncost.presets()
    assert same(p, json.loads(out))
    assert "<table>" in p._repr_html_()


def test_model_from_config(tmp_path, cli):
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2048, "intermediate_size": 8192,
              "num_attention_heads": 32, "num_key_value_heads": 8, "num_hidden_layers": 16, "vocab_size": 128256,
              "max_position_embeddings": 131072, "torch_dtype": "bfloat16"}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    m = attncost.Model.from_config(path)
    assert m.source == str(path)
    code, out, _ = cli("estimate", dict(model=str(path), ctx=8192))
    assert code == 0
    assert same(attncost.estimate(model=m, ctx=8192), json.loads(out))


BAD = [
    ("estimate", dict(ctx="x")),
    ("estimate", dict(model="no-such-model")),
    ("estimate", dict(gqa=8, mla="512:64")),
    ("estimate", dict(ctx=-5)),
    ("estimate", dict(no_such_flag=1)),
    ("estimate", dict(kv_dtype="fp7")),
    ("plan", dict(require="nothing")),
    ("compare", dict(model="llama-3.1-8b")),
    ("sweep", dict(ctx=[4096, "y"])),
    ("simulate", dict(rate=[4, 1])),
    ("presets", dict(no_such_flag=True)),
]


@pytest.mark.parametrize("command,kwargs", BAD)
def test_bad_input_raises_the_clis_message(cli, command, kwargs):
    code, _, err = cli(command, kwargs)
    assert code == 2
    with pytest.raises(ValueError) as e:
        getattr(attncost, command)(**kwargs)
    assert str(e.value) == err.strip().splitlines()[-1]


def test_missing_config_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="attncost: error"):
        attncost.Model.from_config(tmp_path / "missing.json")


def test_version_is_the_clis(cli):
    code, out, _ = attncost.run("--version")
    assert code == 0 and out.startswith(attncost.__version__)


def test_imports_without_cuda_libraries():
    # No CUDA library may be needed to import: hide every one the loader could find.
    env = dict(os.environ, LD_LIBRARY_PATH="/nonexistent", CUDA_VISIBLE_DEVICES="")
    code = "import attncost, sys; r = attncost.estimate(ctx=1024); import re; " \
           "maps = open('/proc/self/maps').read(); sys.exit(1 if re.search(r'lib(cuda|cudart)', maps) else 0)"
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0


def test_sweep_columns_and_generic_path_agree():
    kwargs = dict(model="llama-3.1-8b", ctx=[4096, 65536], batch=[1, 64], kv_dtype=["fp16", "int4"], attn=["dense", "window:4096"])
    fast = attncost.sweep(**kwargs)
    assert fast._columns is not None  # the columnar path ran
    code, out, err = attncost.run(*attncost._args("sweep", kwargs), "--format", "json")
    assert code == 0, err
    lines = [json.loads(l) for l in out.splitlines()]
    assert same(list(fast), [l for l in lines if l.get("type") != "crossover"])
    assert same(fast.crossovers, [l for l in lines if l.get("type") == "crossover"])


def test_sweep_too_many_rows_is_the_clis_message(cli):
    kwargs = dict(ctx=[1024, 2048, 4096], batch=[1, 2], max_rows=5)
    code, _, err = cli("sweep", kwargs)
    assert code == 2
    with pytest.raises(ValueError) as e:
        attncost.sweep(**kwargs)
    assert str(e.value) == err.strip()


def test_notebook_display():
    r = attncost.estimate(ctx=4096)
    html = r._repr_html_()
    assert html.startswith("<p><b>attncost estimate</b></p>") and "<table>" in html and "kv_cache.bytes_per_token" in html
    c = attncost.compare(workloads=["a:ctx=4096", "b:ctx=32k"])
    assert "<table>" in c._repr_html_()
    s = attncost.simulate(rate=[1, 2], requests=50, chart=True)
    assert "<svg" in s._repr_html_() and "<b>runs</b>" in s._repr_html_()
    assert "<table>" in attncost.Model("llama-3.1-8b")._repr_html_()
    md = attncost.plan(format="md", candidates="basic")
    assert md._repr_markdown_() == str(md) and md._repr_html_() is None


def test_run_never_raises():
    code, out, err = attncost.run("no-such-command")
    assert code == 2 and out == "" and "unknown command" in err
    code, out, _ = attncost.run("estimate", "--help")
    assert code == 0 and "--kv-dtype" in out


def test_remembered_presets_follow_the_overrides(cli):
    # The fast path keeps resolved presets between calls, keyed by every model flag.
    for kwargs in (dict(model="llama-3.1-8b", layers=16), dict(model="llama-3.1-8b"), dict(model="llama-3.1-8b", layers=16, text_only=True)):
        code, out, _ = cli("estimate", kwargs)
        assert code == 0
        assert same(attncost.estimate(**kwargs), json.loads(out))
