// Fleets sized under load (estimators/fleet_load.h): the replica count found is the fewest that
// meets the SLOs at the percentile (one fewer misses them in the same simulation), tighter
// targets never need fewer GPUs, a disaggregated decode replica receiving the prompt's KV skips
// the prefill, and the best fleet carries its load curve and a launch command.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "estimators/fleet.h"
#include "estimators/fleet_load.h"
#include "estimators/simulate.h"
#include "model/presets.h"
#include "reports/fleet_report.h"
#include "reports/launch_command.h"

using namespace attncost;

namespace {

FleetInputs chat_inputs(const ModelConfig& m, double rate, double ttft_ms, double tpot_ms) {
  Workload w;
  w.name = "chat", w.ctx = 2048, w.gen = 256, w.slo_ms = 60;
  FleetInputs in{m, {load_gpu("h100-sxm")}, {}, w, rate, {}, true, {}, 7};
  in.load_slo.ttft_s = ttft_ms / 1e3, in.load_slo.tpot_s = tpot_ms / 1e3, in.load_slo.percentile = 99;
  return in;
}

}  // namespace

TEST_CASE("under load: the fewest replicas that meet the SLOs at the percentile", "[fleet][load]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  const FleetInputs in = chat_inputs(m, 12, 500, 40);
  const FleetResult r = plan_fleet(in);
  REQUIRE(r.under_load);
  REQUIRE(r.simulated >= 1);
  REQUIRE(r.options.front().feasible);
  const FleetOption& best = r.options.front();
  REQUIRE(best.load.simulated);
  REQUIRE(best.load.at_rate.stable);
  REQUIRE(best.load.at_rate.ttft_at_percentile_s <= 0.5);
  REQUIRE(best.load.at_rate.tpot_at_percentile_s <= 0.040);
  // Queueing only adds replicas over capacity sizing here, and one replica fewer misses a target.
  REQUIRE(best.replicas + best.prefill_replicas >= best.load.capacity_replicas);
  if (!best.disaggregated && best.replicas > 1) {
    FleetOption fewer = best;
    fewer.load = {};
    fewer.replicas = best.load.capacity_replicas;
    // Re-sizing from capacity lands on the same count: the search is deterministic (same seed).
    size_under_load(m, in.gpus[0], in.workload, in.rate, r.slo, in.seed, fewer);
    REQUIRE(fewer.replicas == best.replicas);
  }
  // The load curve: the fleet keeps up at the rate it was sized for, and the knee is at or above it.
  REQUIRE(best.load.knee_rps >= in.rate);
  REQUIRE(best.load.curve.size() >= 4);
  for (size_t i = 1; i < best.load.curve.size(); ++i) REQUIRE(best.load.curve[i].offered_rps > best.load.curve[i - 1].offered_rps);
}

TEST_CASE("under load: tighter targets and higher rates never need fewer GPUs", "[fleet][load]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  const int64_t loose = plan_fleet(chat_inputs(m, 12, 2000, 60)).options.front().gpus;
  const int64_t tight = plan_fleet(chat_inputs(m, 12, 300, 30)).options.front().gpus;
  const int64_t busier = plan_fleet(chat_inputs(m, 24, 2000, 60)).options.front().gpus;
  REQUIRE(tight >= loose);
  REQUIRE(busier >= loose);
  // A target no replica count can meet (TPOT below one decode step) makes every option infeasible, with the reason.
  const FleetResult none = plan_fleet(chat_inputs(m, 12, 2000, 0.5));
  REQUIRE_FALSE(none.options.front().feasible);
}

TEST_CASE("under load: a decode replica that receives the prompt's KV does not prefill it", "[fleet][load][simulate]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  DesignChoice c;
  EngineConfig e;
  e.kind = EngineKind::vllm;
  c.engine = e;
  const Design d = make_design(m, c);
  const GpuSpec gpu = load_gpu("h100-sxm");
  std::vector<SimRequest> reqs(1, SimRequest{0, 32768, 16, 0});
  SimConfig cfg = sim_config_for(d, SchedulerKind::vllm, gpu);
  cfg.request_overhead_s = 0;  // the prefill side pays it in a disaggregated fleet
  const double full = simulate(m, d, gpu, cfg, reqs).requests[0].ttft();
  reqs[0].prefilled = 32768;
  const SimResult r = simulate(m, d, gpu, cfg, reqs);
  // One token computed (vLLM recomputes the last of a fully cached prompt): a decode-sized step.
  REQUIRE(r.requests[0].ttft() < full / 20);
  REQUIRE(r.requests[0].ttft() > 0);
  REQUIRE(r.requests[0].output == 16);
}

TEST_CASE("the best fleet's launch command names the engine's flags and the model's Hugging Face id", "[fleet][load]") {
  const ModelConfig m = load_model("llama-3.1-8b");
  REQUIRE(launch_model_id(m) == "meta-llama/Llama-3.1-8B");
  const FleetResult r = plan_fleet(chat_inputs(m, 6, 1000, 50));
  const nlohmann::json j = fleet_json(m, {r});
  const std::string cmd = j[0]["best"]["launch"][0]["command"];
  REQUIRE_THAT(cmd, Catch::StartsWith("vllm serve meta-llama/Llama-3.1-8B --tensor-parallel-size "));
  REQUIRE_THAT(cmd, Catch::Contains("--max-num-seqs " + std::to_string(r.options.front().batch)));
  REQUIRE_THAT(cmd, Catch::Contains("--max-model-len 2304"));
  REQUIRE(j[0]["sizing"] == "load");
  REQUIRE(j[0]["options"][0]["under_load"]["at_rate"]["ttft_at_percentile_s"].get<double>() <= 1.0);
  // SGLang and TensorRT-LLM spell their own flags; a disaggregated option gets two workers.
  FleetOption o = r.options.front();
  o.design.engine.kind = EngineKind::sglang;
  REQUIRE_THAT(launch_commands(m, o, 2304)[0].command, Catch::StartsWith("python -m sglang.launch_server --model-path meta-llama/Llama-3.1-8B --tp-size "));
  o.design.engine.kind = EngineKind::trtllm;
  REQUIRE_THAT(launch_commands(m, o, 2304)[0].command, Catch::Contains("--max_batch_size"));
  o.disaggregated = true;
  o.design.engine.kind = EngineKind::vllm;
  const auto two = launch_commands(m, o, 2304);
  REQUIRE(two.size() == 2);
  REQUIRE(two[0].role == "prefill worker");
  REQUIRE_THAT(two[1].command, Catch::Contains("NixlConnector"));
}

TEST_CASE("under load: served requests/s is what the replicas completed per second, also over a run shorter than a second", "[fleet][load]") {
  // Llama-3.2-1B, 32-token prompts and 2 output tokens at 2000 requests/s: each replica's run of
  // ≥ 600 requests lasts well under a second. A fleet that keeps up serves the rate it is offered.
  const ModelConfig m = load_model("llama-3.2-1b");
  Workload w;
  w.name = "tiny", w.ctx = 32, w.gen = 2, w.slo_ms = 1000;
  FleetInputs in{m, {load_gpu("h100-sxm")}, {}, w, 2000, {}, true, {}, 7};
  in.load_slo.ttft_s = 2, in.load_slo.tpot_s = 1, in.load_slo.percentile = 99;
  const FleetResult r = plan_fleet(in);
  const FleetOption& best = r.options.front();
  REQUIRE(best.feasible);
  REQUIRE(best.load.at_rate.stable);
  INFO("replicas " << best.replicas << " served " << best.load.at_rate.served_rps);
  REQUIRE(best.load.at_rate.served_rps == Approx(in.rate).epsilon(0.1));
  REQUIRE(best.capacity_rps >= best.load.at_rate.served_rps);
}

TEST_CASE("under load: a disaggregated request waits in both pools' queues, and its TTFT adds the KV transfer", "[fleet][load]") {
  // Three requests, by hand. Prefill pool: TTFT 0.5, 0.7, 0.4 s of which 0.1, 0.3, 0 s queued;
  // decode pool (the same requests): first step after 0.02, 0.05, 0.03 s of which 0, 0.04, 0.01 s
  // queued; the KV transfer takes 0.01 s.
  const std::vector<double> p_ttft = {0.5, 0.7, 0.4}, p_queue = {0.1, 0.3, 0}, d_ttft = {0.02, 0.05, 0.03}, d_queue = {0, 0.04, 0.01};
  const RequestTimes t = disaggregated_times({p_ttft, p_queue}, {d_ttft, d_queue}, 0.01);
  REQUIRE(t.ttft.size() == 3);
  REQUIRE(t.queue.size() == 3);
  const double ttft[] = {0.53, 0.76, 0.44}, queue[] = {0.1, 0.34, 0.01};
  for (size_t i = 0; i < 3; ++i) {
    INFO("request " << i);
    REQUIRE(t.ttft[i] == Approx(ttft[i]).epsilon(1e-12));
    REQUIRE(t.queue[i] == Approx(queue[i]).epsilon(1e-12));
    // Queueing is a part of the TTFT, in each pool and so in both.
    REQUIRE(t.queue[i] <= t.ttft[i]);
  }
}
