// plan in-process: constraints change the recommendation the way an expert expects, the reverse
// questions are exact, and infeasible budgets are input errors.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "estimators/memo_analysis.h"
#include "estimators/plan.h"
#include "estimators/reverse.h"
#include "model/error.h"
#include "model/presets.h"

using namespace attncost;

namespace {

struct Fixture {
  ModelConfig m = load_model("llama-2-7b");
  GpuSpec gpu = load_gpu("h100-sxm");
};

Workload workload(const char* name, uint64_t ctx, uint64_t batch, uint64_t gen = 0, double slo_ms = 0) {
  Workload w;
  w.name = name, w.ctx = ctx, w.batch = batch, w.gen = gen, w.slo_ms = slo_ms;
  return w;
}

// The plain engine with a fixed budget for weights + KV per GPU (--budget-gb).
EngineConfig budget_engine(double gib) {
  EngineConfig e;
  e.budget_bytes = gib * 1073741824.0;
  return e;
}

const Candidate& recommended(const PlanResult& p) { return p.candidates[static_cast<size_t>(p.recommended)]; }

}  // namespace

TEST_CASE("every candidate's numbers are the estimator's own", "[plan]") {
  Fixture f;
  PlanInputs in{f.m, f.gpu, {workload("a", 8192, 8), workload("b", 65536, 1)}, {}, false};
  const PlanResult p = plan(in);
  REQUIRE(p.candidates.size() > 100);
  for (size_t i = 0; i < p.candidates.size(); i += 37) {
    const Candidate& c = p.candidates[i];
    for (size_t k = 0; k < p.workloads.size(); ++k) {
      const Estimate e = estimate(f.m, c.design, p.workloads[k], f.gpu);
      REQUIRE(e.decode.time_s == c.per_workload[k].decode.time_s);
      REQUIRE(e.memory.total_bytes == c.per_workload[k].memory.total_bytes);
    }
  }
}

TEST_CASE("a tighter memory budget never recommends more memory", "[plan]") {
  Fixture f;
  double previous = 1e300;
  for (double budget_gib : {70.0, 40.0, 20.0, 14.0, 13.0}) {
    PlanInputs in{f.m, f.gpu, {workload("doc", 131072, 2)}, {}, false};
    in.proposed.engine = budget_engine(budget_gib);
    const PlanResult p = plan(in);
    const Estimate& e = recommended(p).per_workload[0];
    INFO("budget " << budget_gib << " GiB → " << recommended(p).label);
    REQUIRE(p.budget_bytes == budget_gib * 1073741824.0);
    REQUIRE(e.memory.total_bytes <= p.budget_bytes);
    REQUIRE(e.memory.total_bytes <= previous * (1 + 1e-12));
    previous = e.memory.total_bytes;
  }
}

TEST_CASE("requiring early recall rules out stacks with a band of 8 layers that attends no early token directly, sinks or not", "[plan]") {
  Fixture f;
  PlanInputs in{f.m, f.gpu, {workload("policy-qa", 65536, 4, 1024)}, {}, false};
  in.require_early_recall = true;
  const PlanResult p = plan(in);
  for (const Candidate& c : p.candidates)
    if (c.feasible) REQUIRE(c.per_workload[0].quality.early_recall);
  int seen = 0;
  for (const Candidate& c : p.candidates) {
    const std::string& a = c.design.attn.text;
    if (a == "window:4096" || a == "sinks:4+window:4096") {
      ++seen;
      // Sinks keep token 0 visible, which is not recall of an early detail.
      REQUIRE(c.per_workload[0].quality.first_token_visible == (a != "window:4096"));
      REQUIRE_FALSE(c.per_workload[0].quality.early_recall);
      REQUIRE_FALSE(c.feasible);
      REQUIRE(c.infeasible_reason.find("early recall requires a layer that attends every earlier token in every 8 layers") != std::string::npos);
    }
    if (a == "sinks:4+window:4096*7/dense" || a == "window:8192*3/dense") REQUIRE(c.per_workload[0].quality.early_recall);  // one dense layer per 8 or per 4
  }
  REQUIRE(seen >= 2);
}

TEST_CASE("a per-token target removes designs whose mean inter-token latency is slower", "[plan]") {
  Fixture f;
  PlanInputs in{f.m, f.gpu, {workload("chat", 8192, 32, 256, 6.0)}, {}, false};
  const PlanResult p = plan(in);
  for (const Candidate& c : p.candidates) {
    if (c.per_workload[0].serving.itl_mean_s * 1e3 > 6.0) REQUIRE_FALSE(c.feasible);
    if (c.feasible) REQUIRE(c.per_workload[0].serving.itl_mean_s * 1e3 <= 6.0);
  }
}

TEST_CASE("a budget smaller than the weights, or one nothing fits, is an input error", "[plan]") {
  Fixture f;
  PlanInputs in{f.m, f.gpu, {workload("a", 4096, 1)}, {}, false};
  in.proposed.engine = budget_engine(5.0);
  REQUIRE_THROWS_WITH(plan(in), Catch::Contains("the weights alone need 12.6 GiB"));
  // Linear, SSM and sink designs keep constant memory, so memory alone always admits one; a
  // 1 µs per-token target admits none.
  PlanInputs tight{f.m, f.gpu, {workload("a", 1u << 30, 64, 0, 0.001)}, {}, false};
  REQUIRE_THROWS_WITH(plan(tight), Catch::Contains("no candidate design satisfies the constraints"));
}

TEST_CASE("max context and max batch are the exact edge of the budget", "[plan]") {
  Fixture f;
  const double budget = 40.0 * 1073741824.0;
  for (const char* spec : {"dense", "window:4096*3/dense"}) {
    DesignChoice c;
    c.attn = spec;
    c.engine = budget_engine(40.0);
    const Design d = make_design(f.m, c);
    Workload w = workload("w", 1024, 2, 100);
    const Limit ctx = max_context(f.m, d, w, f.gpu);
    REQUIRE_FALSE(ctx.unbounded);
    w.ctx = ctx.value;
    REQUIRE(estimate(f.m, d, w, f.gpu).memory.total_bytes <= budget);
    w.ctx = ctx.value + 1;
    REQUIRE(estimate(f.m, d, w, f.gpu).memory.total_bytes > budget);
    w.ctx = 32768;
    const Limit batch = max_batch(f.m, d, w, f.gpu);
    w.batch = batch.value;
    REQUIRE(estimate(f.m, d, w, f.gpu).memory.total_bytes <= budget);
    w.batch = batch.value + 1;
    REQUIRE(estimate(f.m, d, w, f.gpu).memory.total_bytes > budget);
  }
  DesignChoice window;
  window.attn = "window:4096";
  window.engine = budget_engine(40.0);
  const Limit endless = max_context(f.m, make_design(f.m, window), workload("w", 1, 1, 100), f.gpu);
  REQUIRE(endless.unbounded);
  REQUIRE(endless.value == (uint64_t{1} << 40) - 100);  // the prompt the 2^40-token cap leaves beside gen
}

TEST_CASE("KV precision risk terms are the documented policy (docs/cost-model.md §8)", "[plan]") {
  Fixture f;
  const Design base = make_design(f.m);
  const Workload w = workload("w", 8192, 1);
  const std::pair<Dtype, double> terms[] = {{Dtype::fp16, 0.0}, {Dtype::fp8, 0.02}, {Dtype::int8, 0.03}, {Dtype::int4, 0.1}};
  for (const auto& [dtype, term] : terms) {
    DesignChoice c;
    c.kv_dtype = dtype;
    const Design d = make_design(f.m, c);
    INFO(dtype_name(dtype));
    REQUIRE(design_risk(f.m, d, base, w, estimate(f.m, d, w, f.gpu)).quantization == term);
  }
}

TEST_CASE("KV sharing and early-token risk terms are the documented policy (docs/cost-model.md §8)", "[plan]") {
  Fixture f;
  const Workload w = workload("w", 16384, 1);
  auto risk = [&](const ModelConfig& m, const DesignChoice& c) {
    const Design d = make_design(m, c);
    return design_risk(m, d, make_design(m), w, estimate(m, d, w, f.gpu));
  };
  // KV sharing: 0.3·log2(H/(8G))/log2(H/8) when G < H/8. Llama-2-7B, H = 32: MQA 0.3, GQA-2
  // 0.3·1/2, GQA-4 (one KV head per 8 query heads) and above 0.
  const std::pair<int64_t, double> groups[] = {{1, 0.3}, {2, 0.15}, {4, 0.0}, {8, 0.0}, {32, 0.0}};
  for (const auto& [g, term] : groups) {
    DesignChoice c;
    c.sharing = KvSharing::gqa, c.kv_heads = g;
    INFO("GQA-" << g);
    REQUIRE(risk(f.m, c).kv_sharing == Approx(term).margin(1e-15));
  }
  // The rule starts past 8 query heads: 9 heads with one KV head is MQA's full 0.3, 8 heads with
  // one KV head is the ratio GQA keeps close to MHA (0).
  DesignChoice mqa;
  mqa.sharing = KvSharing::mqa;
  ModelConfig nine = f.m, eight = f.m;
  nine.heads = nine.kv_heads = 9, eight.heads = eight.kv_heads = 8;
  REQUIRE(risk(nine, mqa).kv_sharing == Approx(0.3).margin(1e-15));
  REQUIRE(risk(eight, mqa).kv_sharing == 0);
  // Early tokens: 0.3 unless every band of 8 consecutive layers holds one attending every earlier
  // token (§7). A dense layer after 7 windowed ones keeps it (longest gap 7); after 8 it does not.
  DesignChoice gap7, gap8;
  gap7.attn = "window:4096*7/dense", gap8.attn = "window:4096*8/dense";
  const Quality q7 = estimate(f.m, make_design(f.m, gap7), w, f.gpu).quality, q8 = estimate(f.m, make_design(f.m, gap8), w, f.gpu).quality;
  REQUIRE((q7.longest_gap_layers == 7 && q7.early_recall));
  REQUIRE((q8.longest_gap_layers == 8 && !q8.early_recall));
  REQUIRE(risk(f.m, gap7).early_tokens == 0);
  REQUIRE(risk(f.m, gap8).early_tokens == 0.3);
}

TEST_CASE("a memo whose subject shares one KV head (MQA) offers twice the KV heads only where the query heads split evenly", "[plan][memo]") {
  // Section 5's mitigation "twice the KV heads (GQA-2k)" needs 2k KV heads that divide the query
  // heads. Falcon-7B: 71 query heads and one KV head (multi_query): 71 is odd, so none. The same
  // family at 64 query heads (4096 wide): GQA-2, 32 query heads per KV head.
  const GpuSpec gpu = load_gpu("h100-sxm");
  const nlohmann::json even = {{"model_type", "falcon"}, {"num_hidden_layers", 32}, {"num_attention_heads", 64}, {"multi_query", true},
                               {"hidden_size", 4096}, {"vocab_size", 65024}, {"torch_dtype", "bfloat16"}};
  struct Case {
    ModelConfig m;
    const char* offered;  // nullptr: no such mitigation
  };
  const Case cases[] = {{load_model("falcon-7b"), nullptr}, {model_from_json(even, "falcon-64"), "twice the KV heads (GQA-2)"}};
  for (const Case& c : cases) {
    INFO(c.m.heads << " query heads");
    const PlanResult p = plan(PlanInputs{c.m, gpu, {workload("chat", 2048, 1, 128)}, {}, false});
    const MemoAnalysis a = analyze_memo(c.m, gpu, p);
    REQUIRE(a.subject);
    REQUIRE(a.subject->design.sharing == KvSharing::mqa);
    REQUIRE(a.subject->design.kv_heads == 1);
    std::vector<std::string> offered;
    for (const Mitigation& v : a.mitigations)
      if (v.name.rfind("twice the KV heads", 0) == 0) offered.push_back(v.name);
    if (c.offered) REQUIRE(offered == std::vector<std::string>{c.offered});
    else REQUIRE(offered.empty());
  }
}
