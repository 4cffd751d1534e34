"""attncost in Python: every command of the CLI as a function over the same C++ core, in-process.

    import attncost
    r = attncost.estimate(model="llama-3.1-8b", gpu="h100-sxm", ctx=65536, gqa=8, kv_dtype="fp8", batch=4)
    r["kv_cache"]["bytes_per_token"]

Keyword arguments are the CLI's long options in snake_case (``kv_dtype=`` is ``--kv-dtype``); a list
becomes the comma list the CLI takes (``ctx=[4096, 65536]``), or the repeated option for the
repeatable ones (``workloads=[...]``, ``designs=[...]``); ``True`` is a bare flag. Each function
returns the command's ``--format json`` document as Python objects. Bad input raises ValueError
with the one-line message the CLI prints (its exit 2).
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import Any

from . import _core
from ._display import Document, Rows, Text

__version__: str = _core.version
__all__ = ["estimate", "plan", "compare", "sweep", "simulate", "presets", "probe", "run", "Model", "Document", "Rows", "Text"]

# Python's plural names for the CLI's repeatable options.
_REPEATED = {"workloads": "--workload", "designs": "--design"}


def _value(v: Any) -> str:
    """One value as the CLI reads it: numbers in Python's shortest form, a Model by its source."""
    if isinstance(v, Model):
        return v.source
    if isinstance(v, float) and v == float("inf"):
        return "inf"
    return os.fspath(v) if isinstance(v, os.PathLike) else str(v)


def _args(command: str, kwargs: dict[str, Any]) -> list[str]:
    """The CLI's argument list for these keyword arguments (None and False leave an option out)."""
    args = [command]
    for key, v in kwargs.items():
        if v is None or v is False:
            continue
        flag = _REPEATED.get(key) or "--" + key.replace("_", "-")
        if v is True:
            args.append(flag)
        elif isinstance(v, (list, tuple, range)):
            if key in _REPEATED:
                for item in v:
                    args += [flag, _value(item)]
            else:
                args += [flag, ",".join(_value(item) for item in v)]
        else:
            args += [flag, _value(v)]
    return args


def run(*args: str) -> tuple[int, str, str]:
    """``attncost ARGS...`` in-process: (exit code, stdout text, stderr text). Never raises."""
    return _core.run([str(a) for a in args])


def _checked(args: list[str]) -> str:
    code, out, err = _core.run(args)
    if code == 0:
        return out
    message = err.strip().splitlines()[-1] if err.strip() else f"attncost exited {code}"
    if code == 2:
        raise ValueError(message)
    raise RuntimeError(message)


def _json(command: str, kwargs: dict[str, Any], fmt: str = "json") -> Any:
    if "format" in kwargs or "output" in kwargs:
        raise TypeError(f"{command}(): format= and output= are the CLI's; the function returns the JSON document")
    return json.loads(_checked(_args(command, kwargs) + ["--format", fmt]))


def _with_chart(command: str, kwargs: dict[str, Any], fmt: str) -> tuple[str, str | None]:
    """Runs with --chart to a temporary file when chart=True; returns (stdout, svg or None)."""
    if kwargs.get("chart") is not True:
        return _checked(_args(command, kwargs) + ["--format", fmt]), None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "chart.svg")
        out = _checked(_args(command, {**kwargs, "chart": path}) + ["--format", fmt])
        with open(path, encoding="utf-8") as f:
            return out, f.read()


def estimate(**kwargs: Any) -> Document:
    """``attncost estimate --format json``: the full cost breakdown of one design."""
    if "format" in kwargs or "output" in kwargs:
        raise TypeError("estimate(): format= and output= are the CLI's; the function returns the JSON document")
    # Fast path: the kwargs fill the CLI's flags directly (python/attncost/_core.cc); None when
    # something needs the CLI's own parser (an unknown name, a negative number, a list), then run().
    fast = _core.estimate_fast(kwargs)
    if fast is None and any(isinstance(v, (Model, os.PathLike)) for v in kwargs.values()):
        fast = _core.estimate_fast({k: _value(v) if isinstance(v, (Model, os.PathLike)) else v for k, v in kwargs.items()})
    return Document(fast if fast is not None else _json("estimate", kwargs), "estimate")


def plan(format: str = "json", **kwargs: Any) -> Document | Text:
    """``attncost plan``: baseline vs proposed vs ranked alternatives. ``format="html"`` returns the
    self-contained memo (charts inline), ``"md"`` or ``"text"`` the text; default the JSON document."""
    if format == "json":
        return Document(_json("plan", kwargs), "plan")
    if "output" in kwargs:
        raise TypeError("plan(): output= is the CLI's; the function returns the memo")
    return Text(_checked(_args("plan", kwargs) + ["--format", format]), format)


def compare(**kwargs: Any) -> Document:
    """``attncost compare --format json``: designs and workloads side by side."""
    return Document(_json("compare", kwargs), "compare")


def sweep(**kwargs: Any) -> Rows:
    """``attncost sweep --format json``: one dict per grid point (the JSON lines), the crossover
    lines in ``.crossovers``; ``chart=True`` keeps the SVG chart in ``.svg``. ``.to_pandas()``."""
    if "format" in kwargs or "output" in kwargs:
        raise TypeError("sweep(): format= and output= are the CLI's; the function returns the rows")
    # Fast path: the grid filled straight into columns (python/attncost/_core.cc), no text between.
    chart = kwargs.get("chart")
    plain = {k: v for k, v in kwargs.items() if k != "chart" and v is not None}
    if chart in (None, False, True):
        got = _core.sweep_columns({k: v if isinstance(v, bool) else _axis(v) for k, v in plain.items()}, chart is True)
        if got is not None:
            names, columns, crossovers, svg = got
            return Rows(columns=(names, columns), crossovers=[json.loads(l) for l in crossovers.splitlines()], svg=svg)
    out, svg = _with_chart("sweep", kwargs, "json")
    rows, crossovers = [], []
    for line in out.splitlines():
        d = json.loads(line)
        (crossovers if d.get("type") == "crossover" else rows).append(d)
    return Rows(rows, crossovers=crossovers, svg=svg)


def _axis(v: Any) -> str:
    return ",".join(_value(x) for x in v) if isinstance(v, (list, tuple, range)) else _value(v)


def simulate(**kwargs: Any) -> Document:
    """``attncost simulate --format json``: serving under load; ``.to_pandas()`` has one row per
    offered rate; ``chart=True`` keeps the SVG chart in ``.svg``."""
    if "format" in kwargs or "output" in kwargs:
        raise TypeError("simulate(): format= and output= are the CLI's; the function returns the JSON document")
    out, svg = _with_chart("simulate", kwargs, "json")
    return Document(json.loads(out), "simulate", svg=svg)


def presets(**kwargs: Any) -> Document:
    """``attncost presets --format json``: the built-in models and GPUs."""
    return Document(_json("presets", kwargs), "presets")


def probe(**kwargs: Any) -> Document:
    """``attncost probe --format json``: time real attention kernels (``backend="cpu"`` runs anywhere)."""
    return Document(_json("probe", kwargs), "probe")


class Model:
    """A model for the ``model=`` argument: a preset name or a Hugging Face config.json path,
    checked when made. ``.info`` is the model section of its estimate."""

    def __init__(self, source: str | os.PathLike[str]):
        self.source = os.fspath(source)
        self.info: dict[str, Any] = estimate(model=self.source)["model"]

    @classmethod
    def from_config(cls, path: str | os.PathLike[str]) -> "Model":
        """A Hugging Face config.json (ValueError with the CLI's message when it cannot be read)."""
        return cls(path)

    @classmethod
    def preset(cls, name: str) -> "Model":
        return cls(name)

    def __repr__(self) -> str:
        return f"attncost.Model({self.source!r})"

    def _repr_html_(self) -> str:
        return Document(self.info, "model")._repr_html_()
