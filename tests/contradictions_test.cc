// Issue 26: outputs that never contradict each other, and risk terms that follow stated rules.
// Each case fails on the behaviour the issue reported.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "estimators/layer_costs.h"
#include "estimators/plan.h"
#include "estimators/plan_limits.h"
#include "estimators/reverse.h"
#include "model/presets.h"
#include "tests/cli_runner.h"

using namespace attncost;
using attncost::testing::run_cli;

namespace {

Workload workload(const char* name, uint64_t ctx, uint64_t batch, uint64_t gen = 0, double slo_ms = 0) {
  Workload w;
  w.name = name, w.ctx = ctx, w.batch = batch, w.gen = gen, w.slo_ms = slo_ms;
  return w;
}

const Candidate* find(const PlanResult& p, const std::string& label) {
  for (const Candidate& c : p.candidates)
    if (c.label == label) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("item 8: no throughput or price is printed for a batch that does not fit; JSON carries fits beside them", "[issue26][cli]") {
  const std::string args = "estimate --model llama-3.1-8b --engine vllm --ctx 8192 --gen 512 --batch 64 --usd-per-gpu-hour 2.5";
  const auto text = run_cli(args);
  REQUIRE(text.code == 0);
  REQUIRE(text.out.find("DOES NOT FIT") != std::string::npos);
  REQUIRE(text.out.find("per million output tokens") == std::string::npos);
  REQUIRE(text.out.find("output tokens/s per GPU") == std::string::npos);
  REQUIRE(text.out.find("no throughput or price: the batch of 64 does not fit (at most 48 concurrent sequences)") != std::string::npos);
  const auto json = run_cli(args + " --format json");
  const auto j = nlohmann::json::parse(json.out);
  REQUIRE(j["serving"]["fits"] == false);
  REQUIRE(j["memory"]["fits"] == false);
  // A batch that fits keeps both.
  const auto fits = run_cli("estimate --model llama-3.1-8b --engine vllm --ctx 8192 --gen 512 --batch 32 --usd-per-gpu-hour 2.5");
  REQUIRE(fits.out.find("per million output tokens") != std::string::npos);
}

TEST_CASE("item 9: a naive prefill whose score matrix exceeds memory cannot run, by the memo's rule", "[issue26][cli]") {
  const auto r = run_cli("estimate --kernel naive --ctx 65536 --format json");
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["memory"]["fits"] == false);
  REQUIRE(j["memory"]["naive_prefill_runs"] == false);
  REQUIRE(j["memory"]["max_concurrent_sequences"] == 0);
  const double scores = j["memory"]["naive_scores_bytes"];
  REQUIRE(scores == 65536.0 * 65536.0 * 32 * 2);  // 256 GiB: one layer, 32 heads, fp16
  const std::string text = run_cli("estimate --kernel naive --ctx 65536").out;
  REQUIRE(text.find("a naive prefill cannot run here") != std::string::npos);
  REQUIRE(text.find("TTFT none (the naive prefill cannot run") != std::string::npos);  // no 16 s TTFT beside "cannot run"
  REQUIRE(text.find("DOES NOT FIT") != std::string::npos);
  // At 8k the same matrix (8 GiB) fits beside the weights: it runs, and says nothing of the kind.
  const auto small = nlohmann::json::parse(run_cli("estimate --kernel naive --ctx 8192 --format json").out);
  REQUIRE(small["memory"]["naive_prefill_runs"] == true);
  REQUIRE(small["memory"]["fits"] == true);
  // The one rule both use.
  REQUIRE(naive_prefill_runs(10, 60, 70));
  REQUIRE_FALSE(naive_prefill_runs(10, 61, 70));
}

TEST_CASE("item 10: plan's seqs are the largest batch meeting memory and every SLO; --max answers every named design", "[issue26][plan]") {
  const ModelConfig m = load_model("llama-2-7b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  PlanInputs in{m, gpu, {workload("chat", 8192, 8, 256, 10.0)}, {}, false};
  const PlanResult p = plan(in);
  const Candidate* g4 = find(p, "GQA-4 · dense · fp16 KV");
  REQUIRE(g4);
  const Limit l = max_batch(m, g4->design, in.workloads[0], gpu);
  REQUIRE(g4->max_batch[0].value == l.value);
  REQUIRE(g4->max_batch[0].binding == "slo_ms");
  REQUIRE(static_cast<double>(g4->max_batch[0].value) < g4->max_sequences[0]);  // memory alone would admit more
  const auto text = run_cli("plan --workload chat:ctx=8192,batch=8,gen=256,slo_ms=10");
  REQUIRE(text.out.find("mean ITL") != std::string::npos);
  REQUIRE(text.out.find(fmt::format("{} (ITL)", l.value)) != std::string::npos);
  // --max batch: the recommended, the baseline and the runner-up, each at every workload.
  const auto limits = plan_limits(m, gpu, p, LimitKind::batch);
  bool runner = false;
  for (const PlanLimit& x : limits) runner = runner || x.runner_up;
  REQUIRE(runner);
  REQUIRE(limits.size() >= 3);
}

TEST_CASE("item 11: a window at least as long as every prompt is dense and not listed", "[issue26][plan]") {
  const ModelConfig m = load_model("llama-2-7b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  PlanInputs in{m, gpu, {workload("w", 4096, 1, 128)}, {}, false};
  const PlanResult p = plan(in);
  for (const Candidate& c : p.candidates) {
    INFO(c.label);
    REQUIRE(c.design.attn.text.find("window:4096") == std::string::npos);
    REQUIRE(c.design.attn.text.find("window:8192") == std::string::npos);
  }
}

TEST_CASE("item 12: --explain works on plan, compare and sweep", "[issue26][cli]") {
  const auto plan = run_cli("plan --ctx 8192 --explain");
  REQUIRE(plan.code == 0);
  REQUIRE(plan.out.find("explain (formulas: docs/cost-model.md)") != std::string::npos);
  const auto pj = nlohmann::json::parse(run_cli("plan --ctx 8192 --explain --format json").out);
  REQUIRE(pj["explain"].size() >= 1);
  REQUIRE(pj["explain"][0]["sections"].size() > 3);
  const auto cmp = run_cli("compare --workload a:ctx=500,batch=32 --workload b:ctx=16000,batch=1 --explain --format json");
  REQUIRE(cmp.code == 0);
  REQUIRE(nlohmann::json::parse(cmp.out)["explain"].size() == 2);
  const auto sweep = run_cli("sweep --ctx 1k,4k --format json --explain");
  REQUIRE(sweep.code == 0);
  const auto first = nlohmann::json::parse(sweep.out.substr(0, sweep.out.find('\n')));
  REQUIRE(first.contains("explain"));
  REQUIRE(run_cli("sweep --ctx 1k,4k --explain").code == 2);  // CSV has no place for formulas
}

TEST_CASE("items 2-3: risk terms depend on the design and the workload only", "[issue26][plan]") {
  const ModelConfig m = load_model("llama-2-7b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const Workload chat = workload("chat", 8192, 32, 512, 30.0), doc = workload("doc", 131072, 1, 1024);
  PlanInputs one{m, gpu, {chat}, {}, false};
  PlanInputs two{m, gpu, {chat, doc}, {}, false};
  two.require_early_recall = true;
  const PlanResult a = plan(one), b = plan(two);
  const std::string label = "GQA-4 · sinks:4+window:4096*3/dense · fp8 KV";
  const Candidate *x = find(a, label), *y = find(b, label);
  REQUIRE(x);
  REQUIRE(y);
  REQUIRE(x->risk_per_workload[0].total() == y->risk_per_workload[0].total());
  // Windowing 24 of 32 layers to 4096 tokens at an 8k prompt is not free: half of those layers'
  // context is out of direct reach.
  REQUIRE(x->risk_per_workload[0].access == Approx(0.1 * 24.0 / 32.0 * (1 - 4100.0 / 8192))  /* 4096 window keys + 4 sinks */);
  REQUIRE(y->risk_per_workload[1].access > x->risk_per_workload[0].access);  // more is out of reach at 128k
}

TEST_CASE("item 1: --family names the best design of that family beside the minimal change and the unconstrained best", "[issue26][memo]") {
  const ModelConfig m = load_model("llama-2-7b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  PlanInputs in{m, gpu, {workload("chat", 8192, 32, 512, 30.0), workload("doc", 131072, 1, 1024)}, {}, false};
  in.has_family = true;
  in.family = DesignFamily::sparse;
  const PlanResult p = plan(in);
  REQUIRE(p.family_pick >= 0);
  const Candidate& pick = p.candidates[static_cast<size_t>(p.family_pick)];
  REQUIRE(design_family(pick.design) == DesignFamily::sparse);
  REQUIRE(pick.feasible);
  for (const Candidate& c : p.candidates)  // no sparse design ranks above it
    if (c.rank > 0 && c.rank < pick.rank) REQUIRE(design_family(c.design) != DesignFamily::sparse);
  REQUIRE(p.recommended != p.family_pick);  // here the unconstrained best is dense: the memo must name both
  REQUIRE(design_family(make_design(m, DesignChoice{})) == DesignFamily::dense);
  DesignChoice hybrid;
  hybrid.attn = "ssm*7/dense";
  REQUIRE(design_family(make_design(m, hybrid)) == DesignFamily::hybrid);
  REQUIRE_THROWS_WITH(parse_family("dense"), Catch::Contains("expected sparse, linear or hybrid"));

  const std::string out = attncost::testing::temp_path("family.md");
  const auto r = run_cli("plan --workload chat:ctx=8192,batch=32,gen=512,slo_ms=30 --workload doc:ctx=131072,batch=1,gen=1024 --family sparse "
                         "--format md -o " + out);
  REQUIRE(r.code == 0);
  const std::string memo = attncost::testing::slurp(out);
  REQUIRE(memo.find("**Asked for a sparse design: " + pick.label + "**") != std::string::npos);
  REQUIRE(memo.find("| minimal change | MHA · dense · int4 KV |") != std::string::npos);
  REQUIRE(memo.find("| asked family | " + pick.label + " |") != std::string::npos);
  REQUIRE(memo.find("| unconstrained best | GQA-4 · dense · fp8 KV |") != std::string::npos);
  // Mitigations of the family's design with their side effects computed.
  REQUIRE(memo.find("The sparse answer, " + pick.label + ", already keeps 4 attention sinks") != std::string::npos);
  REQUIRE(memo.find("112.0 KiB of KV per sequence") != std::string::npos);  // 4 tokens × 28 window layers × 1024 B
  REQUIRE(memo.find("L·w = 32 × 4096 = 131072 tokens") != std::string::npos);
  REQUIRE(memo.find("dense layers cache all 132096 tokens") != std::string::npos);
  // Items 4-7 in the same memo: engines, co-location, retraining, TTFT chart, glossary, significant digits.
  REQUIRE(memo.find("| vllm | ") != std::string::npos);
  REQUIRE(memo.find("This memo sizes memory by the plain rule") != std::string::npos);
  REQUIRE(memo.find("**chat** decoding next to **doc** prefills") != std::string::npos);
  REQUIRE(memo.find("`--chunk-size 512`") != std::string::npos);
  REQUIRE(memo.find("100.00 G tokens ≈ 9216 A100-80GB GPU-hours") != std::string::npos);
  REQUIRE(memo.find("family-ttft-doc.svg") != std::string::npos);
  REQUIRE(memo.find("**TTFT** (time to first token)") != std::string::npos);
  REQUIRE(memo.find("159.012 ms") == std::string::npos);  // times to three significant digits, not the microsecond
  REQUIRE(memo.find("≈ GQA") == std::string::npos);       // chart series are never merged
}

TEST_CASE("item 7: plan JSON carries the analysis and marks the recommended design", "[issue26][cli]") {
  const auto r = run_cli("plan --workload policy-qa:ctx=65536,batch=4,gen=1024 --require early-recall --family sparse --format json");
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  const auto& a = j["analysis"];
  for (const char* key : {"recommended", "minimal_change", "family", "mitigations", "sensitivity", "colocation"}) {
    INFO(key);
    REQUIRE(a.contains(key));
  }
  REQUIRE(a["recommended"]["label"] == j["recommendation"]["label"]);
  REQUIRE(a["minimal_change"]["retraining"]["fraction_of_pretraining"] == 0);
  REQUIRE(a["recommended"]["retraining"]["tokens"] == Approx(1e11));
  REQUIRE(a["mitigations"]["options"].size() >= 1);
  REQUIRE_FALSE(a["mitigations"]["options"][0]["side_effects"].get<std::string>().empty());
  REQUIRE(a["sensitivity"]["engines"].size() == 4);
  int marked = 0;
  for (const auto& d : j["designs"])
    if (d["recommended"] == true) {
      ++marked;
      REQUIRE(d["design"]["label"] == j["recommendation"]["label"]);
    }
  REQUIRE(marked == 1);
}
