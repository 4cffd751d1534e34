// What a serving engine adds to every step beyond its kernels (scheduler, input preparation,
// sampler, output processing, the gap between CUDA-graph replays) and to every request before
// its first token (API server, tokenization, admission), per engine and release. The rules are
// data with their sources (model/presets/engines/*.json, docs/cost-model.md §13); the plain
// engine has none. Pure: serving_metrics() and the simulator's configuration call it.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/engine.h"

namespace attncost {

struct EngineOverhead {
  double per_step_s = 0;     // added to every engine step (prefill chunk, decode or mixed step)
  double per_request_s = 0;  // added once to a request's time to first token
  double per_seq_step_s = 0; // added to a step for each sequence it carries (scheduling, sampling, output processing)
  // Of per_request_s, the part the API server spends on one request at a time (parsing,
  // tokenization): requests sent together queue for it. Only the simulator sees queues.
  double per_request_serial_s = 0;
  // The engine's scheduler runs one batch ahead of the GPU (SGLang's overlap scheduler,
  // TensorRT-LLM's PyTorch-backend overlap scheduler): batch k+1 is formed when batch k starts,
  // so a request that arrives while batch k runs can join batch k+2 at the earliest.
  bool overlap_schedule = false;
  // Decode steps of more sequences than the largest batch the engine captured as a CUDA graph
  // run eagerly, each decoder layer's kernels launched one by one from Python: eager_layer_s
  // more per layer on the step (SGLang's cuda_graph_max_bs; 0 = no limit modelled).
  uint64_t cuda_graph_max_bs = 0;
  double eager_layer_s = 0;
  // e.g. "vLLM V1 0.21" (the release's rule), "none (plain engine)", "given". A view of text
  // interned for the program's life: an estimate copies this struct, and a std::string of this
  // length would be a heap allocation per copy.
  std::string_view rule;
  // One step's overhead when it carries `seqs` sequences.
  double step_s(double seqs) const { return per_step_s + per_seq_step_s * seqs; }
  bool any() const { return per_step_s > 0 || per_request_s > 0 || per_seq_step_s > 0; }
};

// The rule of `e.kind` at release `e.version` ("" = the current one); user-given overheads
// (≥ 0) replace the rule's. Throws InputError naming --engine-version and listing the known
// releases when the version is unknown or the engine has none (plain).
EngineOverhead engine_overhead(const EngineConfig& e);

// The releases engine_overhead() knows for an engine ("X.Y"), oldest first; empty for plain.
std::vector<std::string> engine_versions(EngineKind k);

// The release `e` resolves to, "X.Y" ("" for the plain engine; throws like engine_overhead()).
std::string engine_release(const EngineConfig& e);
// Whether release "X.Y" is at least major.minor.
bool release_at_least(const std::string& release, int major, int minor);

// "engine overhead: vLLM V1 0.21 rule, 0.16 ms/step, 12 ms/request" as reports print it.
std::string engine_overhead_text(const EngineOverhead& o);

}  // namespace attncost
