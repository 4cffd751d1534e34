#!/usr/bin/env bash
# Installs attncost's build dependencies from Debian packages (run as root on a fresh Debian
# machine), and the Python API's build and test packages from PyPI (nanobind, scikit-build-core,
# pytest, pandas) into the python3 on PATH. Does nothing when they are all present. python3 runs one test (SVG well-formedness). The CUDA Toolkit (nvcc) is optional: the
# probe's CUDA code builds when /usr/local/cuda/bin/nvcc or nvcc on PATH exists.
set -euo pipefail
packages=(build-essential cmake ninja-build python3 python3-dev python3-pip libcli11-dev libfmt-dev nlohmann-json3-dev libeigen3-dev catch2 libbenchmark-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Python API (python/): pinned build and test packages for the python3 on PATH. A Debian
# python3 refuses pip without --break-system-packages (PEP 668); a pyenv or venv python takes it plainly.
python_packages=(nanobind==3.1.0 scikit-build-core==1.1.2 pytest==9.2.0 pandas==3.1.1)
if ! python3 - "${python_packages[@]}" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
sys.exit(any(version(p.split("==")[0]) != p.split("==")[1] for p in sys.argv[1:]))
PY
then
  echo "installing: ${python_packages[*]}" >&2
  python3 -m pip install --quiet --disable-pip-version-check "${python_packages[@]}" 2>/dev/null ||
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${python_packages[@]}"
fi
