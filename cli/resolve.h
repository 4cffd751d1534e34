// Flags → the estimator's inputs: model, GPU, design choice, workloads, numbers. Every check that
// names a flag lives here or in the loaders it calls, and runs before any work.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cli/flags.h"
#include "estimators/sim_metrics.h"
#include "model/design.h"
#include "model/gpu_spec.h"
#include "model/model_config.h"

namespace attncost::cli {

ModelConfig resolve_model(const Flags& f);
GpuSpec resolve_gpu(const Flags& f);
// The design flags as a choice, validated against the model; `given` says whether any design
// flag was set.
// --engine and its knobs, --budget-gb/--reserve (plain only), --chunk-size, --usd-per-gpu-hour.
EngineConfig resolve_engine(const Flags& f);
// --fleet-gpus NAME[=USD],... (default: --gpu, priced by --usd-per-gpu-hour when given). Prices
// are all given or none; `prices` is left empty when none.
std::vector<GpuSpec> resolve_fleet_gpus(const Flags& f, std::vector<double>& prices);
// K:ALPHA[:DRAFT_MODEL] (the draft model is loaded like --model). Throws InputError.
SpecDecode parse_spec(const std::string& text);
// --slo-ttft-ms, --slo-tpot-ms (0 when absent) and --slo-percentile; `given` says whether a target was.
SloSpec resolve_slo(const Flags& f, bool* given = nullptr);
DesignChoice resolve_choice(const Flags& f, const ModelConfig& m, bool* given);
Workload resolve_workload(const Flags& f);
// What a design needs from the GPU and the workloads, checked before any work: a kernel family the
// GPU runs, a link for its collectives (a profile without scale_up or scale_out would make them
// free), and no more context-parallel GPUs than tokens in the shortest context. InputError.
void check_design_runs(const Design& d, const GpuSpec& gpu, uint64_t shortest_ctx);
// The --workload specs, or the single workload of --ctx/--batch/--gen/--slo-ms when none. Both at
// once is refused: which would win is not obvious.
std::vector<Workload> resolve_workloads(const Flags& f);
// One `NAME:key=value,...` workload spec (keys ctx, batch, gen, slo_ms). Throws InputError.
Workload parse_workload(const std::string& spec);
// One `LABEL:key=value,...` design spec for compare (keys: mha, mqa, gqa, mla, attn, kv_dtype,
// weight_dtype, act_dtype, kv_group, tp, kernel, page_size).
// The command's own design and serving flags (`common`) apply to every design; a key that one of
// them also sets is refused.
std::pair<std::string, DesignChoice> parse_design_spec(const std::string& spec, const ModelConfig& m, const Flags& common = Flags{});

// A positive integer with an optional binary suffix (64k = 65536, 1m = 1048576). Throws
// InputError naming `flag`.
uint64_t parse_count(const std::string& text, const std::string& flag, bool zero_ok = false);
// A real number in [lo, hi] (lo excluded when lo_open). Throws InputError naming `flag` and `what`.
double parse_number(const std::string& text, const std::string& flag, double lo, double hi, bool lo_open, const char* what);
// Throws InputError unless `format` is one of `allowed`.
void check_format(const std::string& format, std::initializer_list<const char*> allowed);

}  // namespace attncost::cli
