"""The CLI binary the Python results are compared with: $ATTNCOST_CLI (CTest sets it) or attncost
on PATH; the comparisons are skipped when neither exists (an installed wheel tested alone)."""
import json
import os
import shutil
import subprocess

import pytest

from attncost import _args


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("ATTNCOST_CLI") or shutil.which("attncost")
    if not path:
        pytest.skip("no attncost binary to compare with (set ATTNCOST_CLI)")

    def run(command, kwargs, fmt="json"):
        p = subprocess.run([path, *_args(command, kwargs), "--format", fmt], capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr

    return run


def same(a, b):
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
