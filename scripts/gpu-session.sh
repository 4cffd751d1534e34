#!/usr/bin/env bash
# The whole GPU check in one call of a lent GPU machine, where nothing can be installed: a build
# made here travels with the call (build/attncost + build/attncost-cuda.so; fmt header-only,
# cudart static, cuBLAS from the machine's toolkit), validate-gpu.sh records validation/<gpu>/,
# and the folder comes back as one archive in $OUT.
#   here:   scripts/build.sh   (then call the device with carry = build/attncost, build/attncost-cuda.so)
#   there:  ATTNCOST_COMMIT=<sha> bash scripts/gpu-session.sh
set -uo pipefail
cd "$(dirname "$0")/.."
# cuBLAS 13 wherever this machine keeps it (the toolkit, or the wheel PyTorch ships).
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
         $(python3 -c 'import nvidia.cublas, os; print(os.path.join(nvidia.cublas.__path__[0], "lib"))' 2>/dev/null); do
  [ -e "$d/libcublas.so.13" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
# Anywhere else on the machine, as a last resort (the module's RUNPATH is /usr/local/cuda/lib).
if ! ldconfig -p 2>/dev/null | grep -q libcublas.so.13 && [ -z "${LD_LIBRARY_PATH:-}" ]; then
  found=$(find / -xdev -name libcublas.so.13 2>/dev/null | head -1)
  [ -n "$found" ] && export LD_LIBRARY_PATH=$(dirname "$found")
fi
echo "cuBLAS from: ${LD_LIBRARY_PATH:-the default library paths}"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv
./build/attncost --version
status=0
bash scripts/validate-gpu.sh || status=$?
out=${OUT:-.}
tar czf "$out/validation.tgz" validation
cat validation/*/SUMMARY.md
exit "$status"
