// The memo's reproduction commands write a design back as flags (reports/memo.h design_flags):
// each design here, written as flags and run through the real CLI, must give exactly the
// estimate the design gives in-process. A flag the writer forgets or misspells shows here.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "reports/memo.h"
#include "reports/reports.h"
#include "tests/cli_runner.h"
#include "tests/test_helpers.h"

using namespace attncost;
using attncost::testing::run_cli;

namespace {

DesignChoice engine_choice(EngineKind k) {
  DesignChoice c;
  EngineConfig e;
  e.kind = k;
  c.engine = e;
  return c;
}

}  // namespace

TEST_CASE("a design written as flags reads back as the same design", "[memo][cli]") {
  std::vector<std::pair<std::string, DesignChoice>> designs;
  auto add = [&](const std::string& model, DesignChoice c) { designs.emplace_back(model, std::move(c)); };
  add("llama-3.1-8b", {});
  {
    DesignChoice c;
    c.sharing = KvSharing::mha;
    c.attn = "sinks:4+window:4096*3/dense";
    c.kv_dtype = Dtype::int4, c.kv_group = 64;
    add("llama-3.1-8b", c);
  }
  {
    DesignChoice c;
    c.sharing = KvSharing::gqa, c.kv_heads = 4;
    c.kv_dtype = Dtype::fp4, c.weight_dtype = Dtype::fp4, c.act_dtype = Dtype::fp8;
    c.tp = 2, c.pp = 2, c.page_size = 32;
    add("llama-3.1-70b", c);
  }
  {
    DesignChoice c;
    c.sharing = KvSharing::mqa;
    c.kernel = Kernel::naive;
    add("llama-2-7b", c);
  }
  {
    DesignChoice c = engine_choice(EngineKind::vllm);
    c.engine->memory_fraction = 0.85, c.engine->max_num_seqs = 64, c.engine->max_num_batched_tokens = 4096, c.engine->chunk_size = 2048;
    c.engine->usd_per_gpu_hour = 2.5, c.engine->version = "0.8";
    SpecDecode spec;
    spec.k = 4, spec.alpha = 0.7;
    c.spec = spec;
    c.kernels = KernelFamily::fa3;
    add("llama-3.1-8b", c);
  }
  {
    DesignChoice c = engine_choice(EngineKind::sglang);
    c.engine->step_overhead_s = 0.002, c.engine->request_overhead_s = 0.05, c.engine->seq_overhead_s = 1e-4, c.engine->request_serial_s = 0.01;
    c.attn = "ssm*7/dense";
    add("llama-3.1-8b", c);
  }
  {
    DesignChoice c;
    EngineConfig e;
    e.budget_bytes = 40.0 * 1073741824.0;
    c.engine = e;
    c.ep = 2, c.tp = 2;
    add("mixtral-8x7b", c);
  }
  {
    DesignChoice c;
    EngineConfig e;
    e.reserve_fraction = 0.1;
    c.engine = e;
    c.sharing = KvSharing::mla, c.mla_rank = 512, c.mla_rope = 64;
    c.cp = 2, c.dp = 3;
    add("llama-3.1-8b", c);
  }
  const GpuSpec gpu = load_gpu("h100-sxm");
  Workload w;
  w.ctx = 8192, w.batch = 4, w.gen = 128;
  for (const auto& [model, choice] : designs) {
    const ModelConfig m = load_model(model);
    const Design d = make_design(m, choice);
    const std::string flags = design_flags(m, d);
    CAPTURE(model, flags);
    const auto r = run_cli("estimate --model " + model + " --gpu h100-sxm --ctx 8192 --batch 4 --gen 128 " + flags + " --format json");
    REQUIRE(r.code == 0);
    nlohmann::json cli = nlohmann::json::parse(r.out), here = estimate_json({m, d, w, gpu}, estimate(m, d, w, gpu));
    cli.erase("tool"), here.erase("tool");
    REQUIRE(cli.dump() == here.dump());
  }
}
