#!/usr/bin/env bash
# The speed check of .ci/run: runs the benchmarks in build/bench/ (Google Benchmark, built by
# scripts/test.sh) briefly and fails when one is slower than its limit. Limits are ratios to
# attncost::bench::reference_loop (bench/reference_loop.h), timed in the same program run on the
# same core, never absolute times: a slower or busier machine slows both sides. CPU time, median
# of 3 repetitions; a program whose check fails is run once more before the check fails (a noisy
# neighbour can slow one run). About 20 s of CPU time.
#
# Each limit is about 2x the ratio measured when it was set (a regression guard); `target` is the
# issue #28 goal on the CI machine, converted at the reference loop's 19.4 us there, shown for
# information. Tighten a limit when a speed-up lands: ratio x 2. plan_full_space was re-set when
# issue #26 made the plan's seqs column a largest-batch search under memory and every SLO for each
# candidate and workload (ratio ~380 -> ~800, 17 ms): 1400 stays below the 30 ms target (~1546).
# Issue #28 round three (speed3): sweep_csv_rows ~0.095 -> ~0.078 and block_sparse_gen ~0.093 -> ~0.074
# on the development machine, limits 0.205 -> 0.160 and 0.185 -> 0.150.
#   scripts/speed-check.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
# program  benchmark  limit (ratio to the reference loop)  target (ns on the CI machine, 0 = none)  what
checks="
estimate_bench   dense_llama/4096                   0.100   500       dense Llama-2-7B estimate
estimate_bench   gemma_stack/1099511627776          0.145   0         Gemma-2 stack at 2^40 tokens
estimate_bench   strided_axial_stack/4096           0.240   0         strided/axial/dense/linear stack
estimate_bench   mla_deepseek_v3/1048576            0.160   0         MLA (DeepSeek-V3) at 1M tokens
estimate_bench   serving_vllm_gen/4096              0.120   0         vLLM serving estimate, 512 generated tokens
estimate_bench   block_sparse_gen/4096              0.150   50000000  block-sparse, 65,536 generated tokens
estimate_bench   strided_axial_gen/4096             1.260   50000000  strided stack, 65,536 generated tokens
sweep_plan_bench sweep_csv_rows                     0.160   1000      one sweep row (estimate + CSV)
sweep_plan_bench plan_full_space                    1400    30000000  full-space plan, 2 workloads
simulate_bench   step_cost_mixed                    0.195   0         one mixed engine step (256 decodes + a 2048-token chunk)
simulate_bench   simulate_100k_requests/30          59000   2000000000 100,000 requests through vLLM's scheduler
"
command -v python3 >/dev/null || { echo "speed-check: python3 is needed" >&2; exit 2; }
status=0
for program in $(awk 'NF {print $1}' <<<"$checks" | sort -u); do
  bin="$build/bench/$program"
  [[ -x $bin ]] || { echo "speed-check: $bin is missing (cmake --build $build)" >&2; exit 2; }
  names=$(awk -v p="$program" '$1 == p {print $2}' <<<"$checks" | sed 's/[][()|.+*?^$]/\\&/g' | paste -sd'|')
  filter="^(attncost::bench::reference_loop|${names})\$"
  for attempt in 1 2; do
    json=$("$bin" --benchmark_filter="$filter" --benchmark_min_time=0.05 --benchmark_repetitions=3 \
                  --benchmark_report_aggregates_only=true --benchmark_format=json 2>/dev/null)
    set +e
    CHECKS="$checks" PROGRAM="$program" python3 scripts/speed_check.py <<<"$json"
    code=$?
    set -e
    [[ $code -eq 0 ]] && break
    [[ $code -eq 1 ]] || exit 2
    if [[ $attempt -eq 2 ]]; then status=1; else echo "speed-check: $program over a limit; running it again" >&2; fi
  done
done
[[ $status -eq 0 ]] && echo "speed-check: every benchmark within its limit" || echo "speed-check: FAILED (a benchmark over its limit)" >&2
exit $status
