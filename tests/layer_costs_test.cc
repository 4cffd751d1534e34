// The per-operator cost records of build_step_ops, pinned by hand arithmetic on a tiny model whose
// every number is small enough to check on paper: for each operator kind (projections,
// attention prefill/decode with the flash and the naive kernel, linear attention, the Mamba
// projections and scan, dense and MoE MLPs, the LM head, the TP all-reduce) and each pattern
// family, FLOPs and bytes are written out here from docs/cost-model.md's formulas, not read back
// from the code. A change to any formula must change a number below.
#include <catch2/catch.hpp>

#include "estimators/step_cost.h"
#include "estimators/roofline.h"
#include "model/presets.h"

using namespace attncost;

namespace {

// 2 layers, 4 query heads, 2 KV heads of width 8, hidden 32, gated MLP 64, vocabulary 100, fp16.
ModelConfig tiny() {
  ModelConfig m;
  m.name = "tiny";
  m.layers = 2, m.heads = 4, m.kv_heads = 2, m.head_dim = 8, m.v_head_dim = 8;
  m.hidden = 32, m.ffn = 64, m.vocab = 100;
  m.dtype = Dtype::fp16;
  m.ssm_expand = 2, m.ssm_conv = 4, m.ssm_dt_rank = 2;
  return m;
}

// A GPU with round numbers: 1 TFLOP/s matmul, 0.1 TFLOP/s vector, 10 GB/s, 1 µs launches, and
// an L2 that holds one K/V block per SM (so a wave of tiles shares K/V loads).
GpuSpec round_gpu() {
  GpuSpec g;
  g.name = "round";
  g.hbm_bytes = 1e12;
  g.hbm_bandwidth_Bps = 1e10;
  g.peak_flops[static_cast<size_t>(Dtype::fp16)] = 1e12;
  g.vector_flops = 1e11;
  g.launch_latency_s = 1e-6;
  g.scale_up = {1e9, 0, "test link"};
  g.scale_up_domain = 8;
  g.l2_bytes = 1e9;
  g.sms = 100;
  return g;
}

struct Ops {
  OpList list;
  // A copy: callers often hold it beyond the temporary Ops it came from.
  OpCost get(OpKind k, int nth = 0) const {
    for (int i = 0; i < list.count; ++i)
      if (list.ops[static_cast<size_t>(i)].kind == k && nth-- == 0) return list.ops[static_cast<size_t>(i)];
    FAIL("no operator " << op_name(k));
    return {};
  }
  bool has(OpKind k) const {
    for (int i = 0; i < list.count; ++i)
      if (list.ops[static_cast<size_t>(i)].kind == k) return true;
    return false;
  }
};

// The step of w.batch sequences: a prefill of tokens [prefix, w.ctx), or a decode step at
// context w.ctx with q query tokens each.
Ops ops_for(const ModelConfig& m, const Design& d, const Workload& w, bool decode, const GpuSpec& gpu = round_gpu(), uint64_t prefix = 0, uint64_t q = 1) {
  const StepContext sc(m, d, gpu);
  StepLoad load(sc.use_count);
  if (decode) add_decode(sc, load, w.ctx, q, static_cast<double>(w.batch));
  else add_prefill(sc, load, prefix, w.ctx, static_cast<double>(w.batch));
  Ops out;
  build_step_ops(sc, load, out.list);
  return out;
}

Ops ops_of(const ModelConfig& m, const DesignChoice& c, uint64_t ctx, uint64_t batch, bool decode, const GpuSpec& gpu = round_gpu()) {
  Workload w;
  w.ctx = ctx, w.batch = batch;
  return ops_for(m, make_design(m, c), w, decode, gpu);
}

DesignChoice with_attn(const std::string& spec) {
  DesignChoice c;
  c.attn = spec;
  return c;
}

}  // namespace

TEST_CASE("dense prefill: projections, flash attention, MLP and LM head by hand", "[layer_costs]") {
  // ctx n = 10, batch B = 2: 20 tokens through the GEMMs.
  const Ops o = ops_of(tiny(), {}, 10, 2, false);
  const OpCost& proj = o.get(OpKind::attn_proj);
  // Q: 32·(4·8), K and V: 32·(2·8) each, O: (4·8)·32 → 1024 + 512 + 512 + 1024 = 3072 parameters.
  REQUIRE(proj.layers == 2);
  REQUIRE(proj.kernels == 2);
  REQUIRE(proj.matmul_flops == 2.0 * 20 * 3072);
  REQUIRE(proj.weight_bytes == 3072.0 * 2);
  // Per token: x in and out (2·32), q and o (2·4·8), k and v read back per query head (2·4·8).
  REQUIRE(proj.act_bytes == 20.0 * (2 * 32 + 2 * 4 * 8 + 2 * 4 * 8) * 2);

  const OpCost& att = o.get(OpKind::attention);
  // Causal pairs per head 10·11/2 = 55; × B × query heads = 440.
  REQUIRE(att.pairs == 2.0 * 55 * 4);
  REQUIRE(att.matmul_flops == 2.0 * 440 * (8 + 8));
  REQUIRE(att.executed_matmul_flops == att.matmul_flops);
  REQUIRE(att.other_flops == 5.0 * 440 + 20.0 * 4 * 8);  // 5 softmax ops per pair + the 1/l scaling of O
  // K/V written: B × 10 tokens × (2 KV heads × 16 values × 2 B) = 2·10·64.
  REQUIRE(att.kv_write_bytes == 2.0 * 10 * 64);
  REQUIRE(att.kv_read_bytes == 0);
  // Q in and O out (20·4·16·2) + K/V tiles: one 128-row tile covers the 10 queries and loads 10
  // keys per KV head: B·10·2 heads·(16·2 B).
  REQUIRE(att.act_bytes == 20.0 * 4 * 16 * 2 + 2.0 * 10 * 2 * 32);
  REQUIRE(att.efficiency == EfficiencyClass::attention_prefill);

  const OpCost& mlp = o.get(OpKind::mlp);
  // Gated: 3 matrices of 32×64 = 6144 parameters.
  REQUIRE(mlp.layers == 2);
  REQUIRE(mlp.matmul_flops == 2.0 * 20 * 6144);
  REQUIRE(mlp.weight_bytes == 6144.0 * 2);
  REQUIRE(mlp.act_bytes == 20.0 * (2 * 32 + 3 * 64) * 2);

  const OpCost& head = o.get(OpKind::lm_head);
  // Logits for the last position of each sequence only: 2 × B × 32 × 100.
  REQUIRE(head.layers == 1);
  REQUIRE(head.matmul_flops == 2.0 * 2 * 32 * 100);
  REQUIRE(head.weight_bytes == 32.0 * 100 * 2);
  REQUIRE(head.act_bytes == 2.0 * (32 + 100) * 2);
  REQUIRE_FALSE(o.has(OpKind::allreduce));
}

TEST_CASE("dense decode by hand: KV read once per KV head, the new token written", "[layer_costs]") {
  const Ops o = ops_of(tiny(), {}, 10, 2, true);
  const OpCost& proj = o.get(OpKind::attn_proj);
  REQUIRE(proj.matmul_flops == 2.0 * 2 * 3072);  // B = 2 tokens
  const OpCost& att = o.get(OpKind::attention);
  REQUIRE(att.pairs == 2.0 * 10 * 4);
  REQUIRE(att.matmul_flops == 2.0 * 80 * 16);
  REQUIRE(att.other_flops == 5.0 * 80 + 2.0 * 4 * 8);
  REQUIRE(att.kv_read_bytes == 2.0 * 10 * 64);
  REQUIRE(att.kv_write_bytes == 2.0 * 64);
  REQUIRE(att.act_bytes == 2.0 * 4 * 16 * 2);
  REQUIRE(att.efficiency == EfficiencyClass::attention_decode);
  const OpCost& head = o.get(OpKind::lm_head);
  REQUIRE(head.matmul_flops == 2.0 * 2 * 32 * 100);
}

TEST_CASE("a speculative verify step: q queries per sequence, the furthest one's keys read once", "[layer_costs]") {
  // Decode at context 10 with 3 query tokens per sequence (K = 2 drafts + 1): queries at
  // positions 9, 10, 11 attend 10, 11, 12 keys; the KV read is the 12 keys of the last one.
  Workload w;
  w.ctx = 10, w.batch = 2;
  const OpCost att = ops_for(tiny(), make_design(tiny()), w, true, round_gpu(), 0, 3).get(OpKind::attention);
  REQUIRE(att.pairs == 2.0 * (10 + 11 + 12) * 4);
  REQUIRE(att.kv_read_bytes == 2.0 * 12 * 64);   // B · pairs(n + q − 2) · (2 KV heads · (8 + 8) · 2 B)
  REQUIRE(att.kv_write_bytes == 2.0 * 3 * 64);   // the 3 new tokens of each sequence
}

TEST_CASE("a prefill after a cached prefix writes only the new tokens' K/V and scores only their rows", "[layer_costs]") {
  // Chunked prefill or prefix caching: positions 6..9 of a 10-token prompt, the first 6 cached.
  Workload w;
  w.ctx = 10, w.batch = 2;
  const OpCost att = ops_for(tiny(), make_design(tiny()), w, false, round_gpu(), 6).get(OpKind::attention);
  REQUIRE(att.pairs == 2.0 * (7 + 8 + 9 + 10) * 4);
  REQUIRE(att.kv_write_bytes == 2.0 * 4 * 64);
}

TEST_CASE("the naive kernel scores the full square and moves S and P through memory", "[layer_costs]") {
  DesignChoice c;
  c.kernel = Kernel::naive;
  const Ops pre = ops_of(tiny(), c, 10, 2, false);
  const OpCost& att = pre.get(OpKind::attention);
  REQUIRE(att.kernels == 3);
  REQUIRE(att.matmul_flops == 2.0 * 440 * 16);                    // counted: the causal pairs
  REQUIRE(att.executed_matmul_flops == 2.0 * 2 * 4 * 10 * 10 * 16);  // run: every (i, j)
  // Q, O (20·4·16·2) + K/V per query head (2·10·4·16·2) + S and P written and read (4 × B × 4 heads × 10² × 2 B).
  REQUIRE(att.act_bytes == 20.0 * 4 * 16 * 2 + 2.0 * 10 * 4 * 16 * 2 + 4.0 * 2 * (4 * 100 * 2));
  REQUIRE(att.efficiency == EfficiencyClass::attention_naive);
  const Ops dec = ops_of(tiny(), c, 10, 2, true);
  const OpCost& d = dec.get(OpKind::attention);
  // repeat_kv: each KV head read once per query head of its group (4 / 2 = 2).
  REQUIRE(d.kv_read_bytes == 2.0 * 10 * 64 * 2);
  REQUIRE(d.executed_matmul_flops == 2.0 * 2 * 4 * 10 * 16);
  REQUIRE(d.act_bytes == 2.0 * 4 * 16 * 2 + 4.0 * 2 * 4 * 10 * 2);
}

TEST_CASE("each sparse pattern family's pairs and cached tokens reach the attention operator", "[layer_costs]") {
  // Σ_{i<10} pairs(i), enumerated by hand in the comments; decode attends pairs(9) keys.
  struct Expect {
    const char* spec;
    double prefill_pairs, decode_keys, cached;
  };
  const Expect cases[] = {
      {"window:4", 1 + 2 + 3 + 4 * 7, 4, 4},                              // min(i+1, 4)
      {"sinks:1+window:4", 1 + 2 + 3 + 4 + 5 * 6, 5, 5},                  // min(i+1, 5)
      {"strided:3+window:2", 1 + 2 + 2 + 3 + 3 + 3 + 4 + 4 + 4 + 5, 5, 10},  // 2 local + every 3rd earlier key
      {"axial:3", 1 + 2 + 3 + 2 + 3 + 4 + 3 + 4 + 5 + 4, 4, 10},          // own row up to i + the column above
      {"block:2:local=2:global=1:random=0", 1 + 2 + 3 + 4 + 5 + 6 + 5 + 6 + 5 + 6, 6, 10},  // own block + 2 earlier blocks
  };
  for (const Expect& e : cases) {
    INFO(e.spec);
    const OpCost& pre = ops_of(tiny(), with_attn(e.spec), 10, 2, false).get(OpKind::attention);
    REQUIRE(pre.pairs == 2.0 * e.prefill_pairs * 4);
    REQUIRE(pre.kv_write_bytes == 2.0 * e.cached * 64);
    const OpCost& dec = ops_of(tiny(), with_attn(e.spec), 10, 2, true).get(OpKind::attention);
    REQUIRE(dec.pairs == 2.0 * e.decode_keys * 4);
    REQUIRE(dec.kv_read_bytes == 2.0 * e.decode_keys * 64);
  }
}

TEST_CASE("flash K/V tile loads follow the tile height and the L2 reuse of a wave", "[layer_costs]") {
  // n = 300 queries, 128-row tiles: tiles end at 128, 256, 300 → dense loads 128 + 256 + 300 = 684
  // keys per KV head; 3 tiles of a wave share them through L2 (1 GB holds a block per SM) → 228,
  // and at least every key once: max(300, 228) = 300.
  const OpCost& a = ops_of(tiny(), {}, 300, 1, false).get(OpKind::attention);
  REQUIRE(a.act_bytes == 300.0 * 4 * 16 * 2 + 1.0 * 300 * 2 * 32);
  // A wave is one tile per SM: with 2 SMs only 2 of the 3 tiles share a load: 684 / 2 = 342 rows.
  GpuSpec two_sms = round_gpu();
  two_sms.sms = 2;
  const OpCost& w = ops_of(tiny(), {}, 300, 1, false, two_sms).get(OpKind::attention);
  REQUIRE(w.act_bytes == 300.0 * 4 * 16 * 2 + 1.0 * 342 * 2 * 32);
  // Without L2 (no SM count), every tile loads from HBM: 684 keys per KV head.
  GpuSpec no_l2 = round_gpu();
  no_l2.l2_bytes = 0;
  const OpCost& b = ops_of(tiny(), {}, 300, 1, false, no_l2).get(OpKind::attention);
  REQUIRE(b.act_bytes == 300.0 * 4 * 16 * 2 + 1.0 * 684 * 2 * 32);
  // 64-row tiles (the probe's kernels): tiles end at 64, 128, ..., 256, 300 → 64+128+192+256+300 = 940.
  DesignChoice probe_tiles;
  probe_tiles.flash_tile_rows = 64;
  const OpCost& c = ops_of(tiny(), probe_tiles, 300, 1, false, no_l2).get(OpKind::attention);
  REQUIRE(c.act_bytes == 300.0 * 4 * 16 * 2 + 1.0 * 940 * 2 * 32);
}

TEST_CASE("linear attention: state update and readout, the state written once per chunk", "[layer_costs]") {
  const Ops pre = ops_of(tiny(), with_attn("linear"), 10, 2, false);
  REQUIRE_FALSE(pre.has(OpKind::attention));
  const OpCost& op = pre.get(OpKind::linear_attn);
  // F = head dim 8, one state per KV head (2): S += φ(k)vᵀ per state head, o = φ(q)ᵀS per query head.
  REQUIRE(op.matmul_flops == 20.0 * (2 * 8 * 8 * 2 + 2 * 8 * 8 * 4));
  REQUIRE(op.other_flops == 20.0 * (4 * (4 * 8 + 8) + 2 * 3 * 8));
  REQUIRE(op.act_bytes == 20.0 * (4 * 8 + 2 * (8 + 8) + 4 * 8) * 2);
  // State per sequence: 2 heads × (F·d_v + F) × 2 B = 288 B; one 64-token chunk → written once.
  REQUIRE(op.kv_write_bytes == 2.0 * 288 * 1);
  REQUIRE(op.kv_read_bytes == 0);
  const OpCost& dec = ops_of(tiny(), with_attn("linear"), 10, 2, true).get(OpKind::linear_attn);
  REQUIRE(dec.kv_read_bytes == 2.0 * 288);
  REQUIRE(dec.kv_write_bytes == 2.0 * 288);
  // 130 tokens = 3 chunks of 64: the state is written 3 times.
  REQUIRE(ops_of(tiny(), with_attn("linear"), 130, 1, false).get(OpKind::linear_attn).kv_write_bytes == 288.0 * 3);
}

TEST_CASE("Mamba layers: projections, scan and the conv + SSM state", "[layer_costs]") {
  // d_inner = 2 × 32 = 64, N = 4, dt rank 2, conv 4.
  const Ops pre = ops_of(tiny(), with_attn("ssm:4"), 10, 2, false);
  const OpCost& proj = pre.get(OpKind::ssm_proj);
  // in (32 → 2·64) + x (64 → 2 + 2·4) + dt (2 → 64) + out (64 → 32) = 4096 + 640 + 128 + 2048 = 6912 GEMM parameters.
  REQUIRE(proj.matmul_flops == 2.0 * 20 * 6912);
  // + conv (64·4) + A (64·4) + D (64) = 7488 parameters.
  REQUIRE(proj.weight_bytes == 7488.0 * 2);
  REQUIRE(proj.act_bytes == 20.0 * (2 * 32 + 4 * 64 + 2 + 2 * 4) * 2);
  REQUIRE(proj.kernels == 3);
  const OpCost& scan = pre.get(OpKind::ssm_scan);
  REQUIRE(scan.other_flops == 20.0 * 64 * (9 * 4 + 2 * 4 + 6));
  REQUIRE(scan.act_bytes == 20.0 * (5 * 64 + 2 * 4) * 2);
  // State: h (64 × 4) + the last 3 conv inputs (64 × 3), fp16: (256 + 192) × 2 = 896 B per sequence.
  REQUIRE(scan.kv_write_bytes == 2.0 * 896);
  REQUIRE(scan.kv_read_bytes == 0);
  REQUIRE(scan.efficiency == EfficiencyClass::scan);
  const OpCost& dec = ops_of(tiny(), with_attn("ssm:4"), 10, 2, true).get(OpKind::ssm_scan);
  REQUIRE(dec.kv_read_bytes == 2.0 * 896);
  REQUIRE(dec.other_flops == 2.0 * 64 * (9 * 4 + 2 * 4 + 6));
}

TEST_CASE("MLA: latent cache, absorbed decode in latent space, per-head prefill", "[layer_costs]") {
  ModelConfig m = tiny();
  m.kv_lora_rank = 16, m.qk_rope_head_dim = 4, m.head_dim = 12, m.v_head_dim = 8;  // nope 8 + rope 4
  const Ops dec = ops_of(m, {}, 10, 2, true);
  const OpCost& a = dec.get(OpKind::attention);
  // Decode attends over the latent: d_k = 16 + 4, d_v = 16; the cache is (16 + 4) × 2 B = 40 B per token.
  REQUIRE(a.matmul_flops == 2.0 * (2 * 10 * 4) * (20 + 16));
  REQUIRE(a.other_flops == 5.0 * 80 + 2.0 * 4 * 16);  // softmax + scaling the 16-wide latent output
  REQUIRE(a.kv_read_bytes == 2.0 * 10 * 40);
  REQUIRE(a.kv_write_bytes == 2.0 * 40);
  REQUIRE(a.act_bytes == 2.0 * 4 * (20 + 16) * 2);
  // Projections: q 32·4·12 + down 32·(16+4) + up 16·4·(8+8) + o 4·8·32 = 1536 + 640 + 1024 + 1024.
  const OpCost& proj = dec.get(OpKind::attn_proj);
  REQUIRE(proj.weight_bytes == 4224.0 * 2);
  REQUIRE(proj.kernels == 3);
  const OpCost& p = ops_of(m, {}, 10, 2, false).get(OpKind::attention);
  REQUIRE(p.matmul_flops == 2.0 * 440 * (12 + 8));
  REQUIRE(p.other_flops == 5.0 * 440 + 20.0 * 4 * 8);  // scaling O uses the value width 8, not the key width 12
  // K/V decompressed per query head: 4 heads × (12 + 8) × 2 B per loaded row.
  REQUIRE(p.act_bytes == 20.0 * 4 * 20 * 2 + 2.0 * 10 * 4 * 40);
  REQUIRE(p.kv_write_bytes == 2.0 * 10 * 40);
}

TEST_CASE("MoE: routed + shared experts, the experts a step touches, the router", "[layer_costs]") {
  ModelConfig m = tiny();
  m.experts = 4, m.experts_active = 2, m.shared_experts = 1, m.expert_ffn = 16;
  m.ffn_layers = ffn_stack_from_rule(0, 1, 0);  // every layer MoE
  const Ops dec = ops_of(m, {}, 10, 2, true);
  REQUIRE_FALSE(dec.has(OpKind::mlp));  // every layer is MoE
  const OpCost& moe = dec.get(OpKind::moe);
  // One expert: 3 × 32 × 16 = 1536 parameters. 2 tokens × ((2 routed + 1 shared) experts + router 32·4).
  REQUIRE(moe.matmul_flops == 2.0 * 2 * (3 * 1536 + 32 * 4));
  // Uniform routing, 2 tokens top-2 of 4: touched = 4·(1 − (1 − 2/4)²) = 3 experts, + 1 shared + the router.
  REQUIRE(moe.weight_bytes == ((3 + 1) * 1536.0 + 32 * 4) * 2);
  REQUIRE(moe.act_bytes == 2.0 * (2 * 32 + 3 * 3 * 16) * 2);
  REQUIRE(moe.kernels == 3);
  // Prefill of 20 tokens touches all 4: 4·(1 − 0.5^20) rounds to 4 only in the limit; check the formula.
  const OpCost& pre = ops_of(m, {}, 10, 2, false).get(OpKind::moe);
  const double touched = 4 * (1 - std::pow(0.5, 20));
  REQUIRE(pre.weight_bytes == Approx(((touched + 1) * 1536.0 + 128) * 2).epsilon(1e-15));
}

TEST_CASE("tensor parallelism: heads and MLP split, a ring all-reduce per block", "[layer_costs]") {
  DesignChoice c;
  c.tp = 2;
  const Ops o = ops_of(tiny(), c, 10, 2, false);
  // Per GPU: 2 query heads, 1 KV head: q 32·16 + k, v 32·8 each + o 16·32 = 1536 parameters.
  REQUIRE(o.get(OpKind::attn_proj).weight_bytes == 1536.0 * 2);
  REQUIRE(o.get(OpKind::mlp).weight_bytes == 6144.0 / 2 * 2);
  REQUIRE(o.get(OpKind::lm_head).matmul_flops == 2.0 * 2 * 32 * 50);
  const OpCost& ar = o.get(OpKind::allreduce);
  REQUIRE(ar.layers == 2.0 * 2);  // after attention and after the MLP, in each of 2 layers
  // Ring all-reduce: each GPU sends 2·(TP−1)/TP of the 20 tokens × 32 × 2 B.
  REQUIRE(ar.comm_bytes == 2.0 * (2 - 1) / 2 * 20 * 32 * 2);
  REQUIRE(ar.act_bytes == 2.0 * 20 * 32 * 2);
  REQUIRE(ar.efficiency == EfficiencyClass::network);
}

TEST_CASE("quantized weights carry one fp16 scale per 128 elements", "[layer_costs]") {
  DesignChoice c;
  c.weight_dtype = Dtype::int4;
  const Ops o = ops_of(tiny(), c, 10, 1, true);
  // 3072 int4 parameters = 1536 B + ⌈3072 / 128⌉ = 24 scales × 2 B.
  REQUIRE(o.get(OpKind::attn_proj).weight_bytes == 1536.0 + 24 * 2);
  // 6144 → 3072 B + 48 × 2.
  REQUIRE(o.get(OpKind::mlp).weight_bytes == 3072.0 + 48 * 2);
  c.weight_dtype = Dtype::fp8;  // fp8 carries a per-tensor scale that is not counted
  REQUIRE(ops_of(tiny(), c, 10, 1, true).get(OpKind::attn_proj).weight_bytes == 3072.0);
}

TEST_CASE("int8/int4 KV carries one fp16 scale per group of each head vector", "[layer_costs]") {
  DesignChoice c;
  c.kv_dtype = Dtype::int4;
  c.kv_group = 4;
  // Per token per layer: 2 KV heads × (K: 8 × 0.5 B + 2 scales × 2 B, V: the same) = 2 × (4 + 4 + 4 + 4) = 32 B.
  const OpCost& a = ops_of(tiny(), c, 10, 2, true).get(OpKind::attention);
  REQUIRE(a.kv_read_bytes == 2.0 * 10 * 32);
  REQUIRE(a.kv_write_bytes == 2.0 * 32);
}

TEST_CASE("the roofline: max of compute, memory and network time, plus launches", "[layer_costs]") {
  const GpuSpec g = round_gpu();
  const Ops o = ops_of(tiny(), {}, 10, 2, false);
  OpCost proj = o.get(OpKind::attn_proj);
  apply_roofline(proj, g);
  // 245,760 FLOP at 1 TFLOP/s = 0.24576 µs; 13,824 B at 10 GB/s = 1.3824 µs; but its 2 launches
  // take 2 µs, more than either: latency-bound.
  REQUIRE(proj.compute_s == Approx(2.0 * 20 * 3072 / 1e12).epsilon(1e-12));
  REQUIRE(proj.memory_s == Approx((3072.0 * 2 + 20.0 * 192 * 2) / 1e10).epsilon(1e-12));
  REQUIRE(proj.bound == Bound::latency);
  REQUIRE(proj.time_s == Approx(proj.memory_s + 2 * 1e-6).epsilon(1e-12));
  OpCost att = o.get(OpKind::attention);
  apply_roofline(att, g);
  // Softmax work runs at the vector rate: (14,080 / 1e12 + 2,840 / 1e11) s.
  REQUIRE(att.compute_s == Approx(2.0 * 440 * 16 / 1e12 + (5.0 * 440 + 640) / 1e11).epsilon(1e-12));
  // A calibrated efficiency divides every busy time of its class.
  GpuSpec half = g;
  half.efficiency[static_cast<size_t>(EfficiencyClass::attention_prefill)] = 0.5;
  OpCost slow = o.get(OpKind::attention);
  apply_roofline(slow, half);
  REQUIRE(slow.compute_s == Approx(2 * att.compute_s).epsilon(1e-12));
  REQUIRE(slow.memory_s == Approx(2 * att.memory_s).epsilon(1e-12));
  // The all-reduce is network-bound on a 1 GB/s link: 1280 B → 1.28 µs.
  DesignChoice c;
  c.tp = 2;
  OpCost ar = ops_of(tiny(), c, 10, 2, false).get(OpKind::allreduce);
  apply_roofline(ar, g);
  REQUIRE(ar.network_s == Approx(1280.0 / 1e9).epsilon(1e-12));
  REQUIRE(ar.bound == Bound::network);
}

TEST_CASE("Mamba-2 and Gated DeltaNet layers: projections and scan by hand", "[layer_costs]") {
  // Mamba-2 (Dao & Gu 2024): 4 heads of 16 channels (d_in 64), one group of B/C with N = 8, conv 4;
  // 10 tokens × 2 sequences.
  ModelConfig m = tiny();
  m.mamba2_heads = 4, m.mamba2_head_dim = 16, m.mamba2_groups = 1, m.mamba2_state = 8;
  const Ops pre = ops_of(m, with_attn("mamba2"), 10, 2, false);
  const OpCost& proj = pre.get(OpKind::ssm_proj);
  // in_proj 32 → (z 64, x 64, B 8, C 8, dt 4) = 32 · 148 = 4736, out_proj 64 → 32 = 2048: 6784.
  REQUIRE(proj.matmul_flops == 2.0 * 20 * 6784);
  // Activations: h in and out (2·32), z and x (2·64), B and C (2·8), dt (4), y (64) per token.
  REQUIRE(proj.act_bytes == 20.0 * (2 * 32 + 2 * 64 + 2 * 8 + 4 + 64) * 2);
  const OpCost& scan = pre.get(OpKind::ssm_scan);
  // 5·d_in·N state update and readout, 2·conv·(d_in + 2·G·N) conv, 6·d_in norm and skip per token.
  REQUIRE(scan.other_flops == 20.0 * (5 * 64 * 8 + 2 * 4 * (64 + 2 * 8) + 6 * 64));
  // x, B, C in and out of the conv (2·80), y and z (2·64).
  REQUIRE(scan.act_bytes == 20.0 * (2 * (64 + 2 * 8) + 2 * 64) * 2);
  // Gated DeltaNet (Yang et al. 2024): 2 key heads and 4 value heads of width 8: q, k 2·16, v 32
  // (64 channels); in_proj_qkvz 32 → 64 + 32, in_proj_ba 32 → 2·4, out_proj 32 → 32.
  ModelConfig g = tiny();
  g.deltanet_key_heads = 2, g.deltanet_value_heads = 4, g.deltanet_key_dim = 8, g.deltanet_value_dim = 8;
  const OpCost& dproj = ops_of(g, with_attn("deltanet"), 10, 2, false).get(OpKind::ssm_proj);
  REQUIRE(dproj.matmul_flops == 2.0 * 20 * (32 * (64 + 32) + 32 * 2 * 4 + 32 * 32));
}
