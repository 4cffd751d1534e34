#!/usr/bin/env bash
# Installs attncost's build dependencies from Debian packages (run as root on a fresh Debian
# machine). Does nothing when they are all present. python3 runs one test (SVG well-formedness). The CUDA Toolkit (nvcc) is optional: the
# probe's CUDA code builds when /usr/local/cuda/bin/nvcc or nvcc on PATH exists.
set -euo pipefail
packages=(build-essential cmake ninja-build python3 libcli11-dev libfmt-dev nlohmann-json3-dev libeigen3-dev catch2 libbenchmark-dev)
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
