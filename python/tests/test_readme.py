"""The README's Python blocks run as written, in a scratch folder holding the config.json they name."""
import re
import shutil
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2]


def test_readme_python_blocks_run_as_written(tmp_path, monkeypatch):
    pytest.importorskip("pandas")  # the example converts a sweep to a DataFrame
    blocks = re.findall(r"^```python\n(.*?)^```", (SOURCE / "README.md").read_text(), re.S | re.M)
    assert blocks, "the README has no Python example"
    shutil.copy(SOURCE / "tests/data/configs/llama-3.1-8b.json", tmp_path / "config.json")
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        scope = {}
        exec(compile(block, "README.md", "exec"), scope)
    assert scope["r"]["kv_cache"]["bytes_per_token"] > 0
    assert len(scope["df"]) == 9
    assert len(scope["s"]["runs"]) == 3
    assert scope["m"].source == "config.json"
