"""What the functions return: the JSON document as plain Python containers, with notebook display
(compact HTML tables, charts as inline SVG, memos as HTML) and pandas conversion (pandas optional)."""
from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

_MAX_ROWS = 40     # rows of a grid (sweep, simulate runs) shown; the rest are counted
_MAX_FIELDS = 400  # fields of a document shown, in a box that scrolls past ~20 lines


def _flatten(value: Any, prefix: str = "", out: list[tuple[str, Any]] | None = None) -> list[tuple[str, Any]]:
    """Dotted paths to the scalar leaves; lists of scalars stay whole, lists of objects are counted."""
    out = [] if out is None else out
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        out.append((prefix, f"[{len(value)} items]"))
    else:
        out.append((prefix, value))
    return out


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if v is None:
        return "—"
    return html.escape(str(v))


def _table(pairs: list[tuple[str, Any]]) -> str:
    shown = pairs[:_MAX_FIELDS]
    rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{_cell(v)}</td></tr>" for k, v in shown)
    more = f"<p>… {len(pairs) - len(shown)} more fields (the whole document is the dict)</p>" if len(pairs) > len(shown) else ""
    return f"<div style='max-height:28em;overflow:auto'><table>{rows}</table></div>{more}"


def _grid(records: list[dict[str, Any]], title: str) -> str:
    flat = [dict(_flatten(r)) for r in records[:_MAX_ROWS]]
    columns: list[str] = []
    for r in flat:
        columns += [c for c in r if c not in columns]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in columns) + "</tr>" for r in flat)
    more = ""
    return f"<p><b>{html.escape(title)}</b></p><div style='overflow-x:auto'><table><tr>{head}</tr>{body}</table></div>{more}"


class Document(dict):
    """A command's JSON document (a dict); ``.svg`` holds its chart when one was asked for."""

    def __init__(self, data: dict[str, Any], command: str, svg: str | None = None):
        super().__init__(data)
        self.command = command
        self.svg = svg

    def to_pandas(self):
        """simulate: one row per offered rate; other documents: one row of dotted fields."""
        import pandas as pd

        runs = self.get("runs")
        if isinstance(runs, list) and runs and isinstance(runs[0], dict):
            return pd.json_normalize(runs)
        return pd.json_normalize(dict(self))

    def _repr_html_(self) -> str:
        parts = [f"<p><b>attncost {html.escape(self.command)}</b></p>"]
        if self.svg:
            parts.append(self.svg)
        if isinstance(self.get("runs"), list) and len(self["runs"]) > 1:
            parts.append(_grid(self["runs"], "runs"))
        parts.append(_table(_flatten({k: v for k, v in self.items() if k != "runs" or len(v) <= 1})))
        return "".join(parts)


def _cell_value(kind: str, column: Any, i: int) -> Any:
    """Cell i of a column as json.loads reads the CLI's JSON line."""
    if kind == "category":
        codes, categories = column
        return categories[codes[i]]
    v = column[i]
    if kind == "number":
        v = float(v)
        if v != v or v in (float("inf"), float("-inf")):
            return None
        return int(v) if v.is_integer() and abs(v) < 9.2e18 else v
    if kind == "integer":
        return int(v)
    if kind == "bool":
        return bool(v)
    return v


def _column_len(kind: str, column: Any) -> int:
    return len(column[0]) if kind == "category" else len(column)


class Rows(Sequence):
    """sweep's rows, one dict per grid point (made on access: a 10^6-point sweep stays columns
    until asked), ``.crossovers`` the crossover lines, ``.svg`` the chart, ``.to_pandas()``."""

    def __init__(self, records: list[dict[str, Any]] | None = None, *, columns: tuple[list[str], list[tuple[str, Any]]] | None = None,
                 crossovers: list[dict[str, Any]] | None = None, svg: str | None = None):
        self._records = records
        self._columns = columns
        self.crossovers = crossovers or []
        self.svg = svg

    def __len__(self) -> int:
        if self._records is not None:
            return len(self._records)
        cols = self._columns[1]
        return _column_len(*cols[0]) if cols else 0

    def _row(self, i: int) -> dict[str, Any]:
        names, cols = self._columns
        return {name: _cell_value(kind, col, i) for name, (kind, col) in zip(names, cols)}

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if self._records is not None:
            return self._records[i]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("row index out of range")
        return self._row(i)

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, (list, Rows)) else NotImplemented

    def to_pandas(self):
        """A DataFrame with one row per grid point and one column per field."""
        import pandas as pd

        if self._records is not None:
            return pd.DataFrame.from_records(self._records)
        names, cols = self._columns
        data = {}
        for name, (kind, col) in zip(names, cols):
            if kind == "category":  # names repeat: codes into the distinct strings
                data[name] = pd.Categorical.from_codes(col[0], categories=col[1])
            else:
                data[name] = col.astype(bool) if kind == "bool" else col
        return pd.DataFrame(data, copy=False)

    def __repr__(self) -> str:
        return f"<attncost sweep: {len(self)} rows>"

    def _repr_html_(self) -> str:
        return (self.svg or "") + _grid(self[:_MAX_ROWS], f"attncost sweep: {len(self)} rows")


class Text(str):
    """A memo or report as text: ``format="html"`` displays as the HTML memo, ``"md"`` as Markdown."""

    def __new__(cls, text: str, format: str):
        s = super().__new__(cls, text)
        s.format = format
        return s

    def _repr_html_(self) -> str | None:
        if self.format == "html":
            return str(self)
        if self.format == "md":
            return None
        return f"<pre>{html.escape(str(self))}</pre>"

    def _repr_markdown_(self) -> str | None:
        return str(self) if self.format == "md" else None
