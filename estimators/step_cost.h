// One engine step costed per operator on one GPU: some sequences prefill a chunk of their prompt,
// others decode one or more tokens, each at its own context. This is the single operators → time
// path: `estimate`'s prefill and decode step, the serving sums (TTFT, mean ITL, speculative
// steps), `plan`, the fleet search, the probe's predictions and the serving simulator all cost
// their passes here. A step is described by its load (StepLoad: tokens, sampled positions and,
// per attention pattern, the sums of pairs, keys read and states over its sequences), so its
// cost is O(patterns + FFN kinds) whatever the number of sequences, and a homogeneous step (B
// sequences at one context) is exactly what `estimate` prints. Pure; no allocation once the
// caller's PhaseCost has grown (docs/cost-model.md §4, §16).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "estimators/collectives.h"
#include "estimators/layer_costs.h"
#include "estimators/op_cost.h"
#include "model/design.h"
#include "model/inline_vector.h"
#include "model/gpu_spec.h"
#include "model/kernel_model.h"
#include "model/model_config.h"

namespace attncost {

class Explainer;

// What does not change from step to step for one (model, design, GPU): the distinct token mixers
// and feed-forward blocks, their shapes on one GPU, the kernel model. The referenced model,
// design and GPU must outlive it.
struct StepContext {
  StepContext(const ModelConfig& m, const Design& d, const GpuSpec& gpu);
  // A one-layer speculative head on the target (EAGLE, MTP): one layer of the first token mixer
  // and of the first feed-forward block, the LM head, and that layer's two all-reduces.
  static StepContext draft_head(const ModelConfig& m, const Design& d, const GpuSpec& gpu);

  const ModelConfig* model;
  const Design* design;
  const GpuSpec* gpu;
  const KernelModel* kernels = nullptr;  // nullptr: the plain roofline or a calibrated profile
  // Per use, only the first use_count entries are set (left unzeroed on purpose: a context is
  // built per estimate, and zeroing 16 of each would cost more than filling the few used).
  std::array<AttnStack::Use, kMaxDistinctPatterns> uses;
  int use_count = 0;
  std::array<Shape, kMaxDistinctPatterns> shapes;  // each use's layer shape on one GPU
  FfnStack::Uses ffn;                                 // distinct feed-forward blocks and their layer counts
  Shape base;                                         // the design's shape on one GPU
  int dequant_bits = 0;                               // weight-only quantized GEMMs (0: native)
  double allreduce_layers = 0;                        // TP all-reduces per pass (2 per layer, fewer with EP)
  uint64_t tile_rows = 0;                             // query rows per flash tile
  Link tp_link, cp_link, ep_link;                     // the links the TP all-reduce, CP ring and EP all-to-all cross
  // Per use, what a cached token costs: K/V bytes of one layer, and of one KV head's K/V in a
  // prefill tile (the L2-reuse rule's unit).
  std::array<double, kMaxDistinctPatterns> head_kv_bytes;
  // What each operator's weights and cache cost, per layer on one GPU: the token mixer's
  // parameters and weight bytes, K/V bytes per cached token, a recurrent state's bytes; each
  // dense MLP's (aligned with `ffn`, 0 for other blocks); the LM head's weight bytes.
  std::array<double, kMaxDistinctPatterns> mixer_params, mixer_weight_bytes, kv_bytes, state_bytes;
  InlineVector<double, 4> mlp_params, mlp_weight_bytes;
  double lm_head_weight_bytes = 0;
};

// One pattern's attention work in one phase of a step, summed over the step's sequences, per
// attention head (per layer instance): the quantities build_step_ops multiplies by heads, widths
// and bytes. Trivial on purpose: StepLoad zeroes only the patterns a design has.
struct PatternLoad {
  double seqs;          // sequences with work here
  double queries;       // query tokens (prefill: the chunk's new tokens; decode: q per sequence)
  double pairs;         // query-key pairs scored
  double keys_read;     // decode: keys the furthest query reads; prefill: K/V rows a tiled kernel loads (after L2 reuse)
  double kv_written;    // tokens whose K/V is written
  double context;       // naive prefill: Σ n, every earlier position's K/V read per head
  double scored;        // naive kernels: positions scored (decode: q·(c + q − 1); prefill: (n − prefix)·n)
  double state_reads;   // recurrent: sequences that read their state (decode, or a prefill after a prefix)
  double state_writes;  // recurrent: states written (decode: one per sequence; chunked scans: one per chunk)
  double index_pairs;   // topk: pairs the lightning indexer scores
  double index_keys;    // topk: index keys read (decode) or loaded by its tiles (prefill)
};

struct StepLoad {
  double prefill_tokens, decode_tokens;  // tokens through the GEMMs in each phase
  double prefill_seqs, decode_seqs;
  double sampled;                        // positions whose logits are computed (LM head)
  std::array<PatternLoad, kMaxDistinctPatterns> prefill, decode;  // the first `patterns` are set

  // An empty step of a design with `patterns` distinct token mixers (StepContext::use_count).
  explicit StepLoad(int patterns = kMaxDistinctPatterns) { clear(patterns); }
  void clear(int patterns);
  bool has_prefill() const { return prefill_tokens > 0; }
  bool has_decode() const { return decode_tokens > 0; }
};

// Adds `count` sequences that prefill tokens [start, end) of their prompt (the first `start`
// already cached) and, if `samples`, sample the next token from its last position.
void add_prefill(const StepContext& sc, StepLoad& load, uint64_t start, uint64_t end, double count, bool samples = true);
// Adds `count` sequences that each run `q` query tokens at positions c − 1 … c + q − 2 (a decode
// step at context c; a speculative verify step has q = K + 1), sampling each.
void add_decode(const StepContext& sc, StepLoad& load, uint64_t c, uint64_t q, double count);

// A step's sums (PhaseCost less its operators: cost_step resets these and keeps the list).
struct PhaseTotals {
  // Whole step, all layers, all GPUs of the TP group.
  double attention_pairs = 0;
  double attention_flops = 0;       // matmul FLOPs of attention (QKᵀ, PV; linear: state update/readout)
  double attention_other_flops = 0; // softmax, scale, feature maps, scans
  double flops = 0;                 // all matmul FLOPs (attention + projections + MLP + LM head)
  double other_flops = 0;
  double hbm_bytes = 0;
  double weight_bytes = 0, act_bytes = 0, kv_read_bytes = 0, kv_write_bytes = 0, comm_bytes = 0;
  // One GPU's wall time (the TP group runs in parallel).
  double time_s = 0;
  double compute_s = 0, memory_s = 0, network_s = 0, launch_s = 0;  // time of ops bound by each
  // Pipeline stages: one boundary's send per micro-batch (bytes per GPU) and all sends' time in the pass.
  double stage_send_bytes = 0, stage_send_s = 0, stage_link_Bps = 0;
  bool stage_send_over_network = false;
  Bound bound = Bound::memory;
  double tokens_per_s = 0;
};
struct PhaseCost : PhaseTotals {
  OpList ops;  // per GPU, per layer instance, roofline applied
};

// How a step goes through the pipeline: `micro` micro-batches of which `load` is one; a pass
// with prefill work fills and drains the pipeline, a decode pass goes through every stage once.
struct StepPass {
  uint64_t micro = 1;
  bool decode = false;
  double tokens = 0;  // tokens the step yields (for tokens_per_s): prompt tokens or sampled tokens
};

// Builds the step's operators (per GPU, per layer instance, roofline applied) into `out.ops` and
// sums them into `out`. With an explainer, every formula is also written out with its numbers.
void cost_step(const StepContext& sc, const StepLoad& load, const StepPass& pass, PhaseCost& out, Explainer* ex = nullptr);

// The kernel model an estimate of `d` on `gpu` uses: nullptr for `--kernels peak`, a calibrated
// profile (its own efficiencies apply) or a GPU without an architecture. Throws InputError when the
// family does not run on the GPU (FA3 on an A100): the CLI calls it to check its inputs.
const KernelModel* kernels_for(const Design& d, const GpuSpec& gpu);

// The operators alone, without the roofline (tests pin FLOPs and bytes on them).
void build_step_ops(const StepContext& sc, const StepLoad& load, OpList& out, Explainer* ex = nullptr);

// A homogeneous pass of `batch` sequences through the whole pipeline, as estimate() costs its
// phases: a prefill of tokens [prefix, ctx) (decode false) or one decode step at context ctx
// with q query tokens per sequence. The batch is cut into micro-batches when there are stages.
void cost_pass(const StepContext& sc, uint64_t ctx, uint64_t batch, bool decode, PhaseCost& out, Explainer* ex = nullptr, uint64_t prefix = 0,
               uint64_t q = 1, bool samples = true);

}  // namespace attncost
