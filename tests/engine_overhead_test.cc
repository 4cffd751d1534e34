// Engine overhead (estimators/engine_overhead.h): each engine's rule by release, with the
// current release as the default and unknown releases refused with the known ones listed; the
// serving figures include exactly the rule's per-step and per-request time (a prefill chunk is a
// step, a decode step is a step) and the plain engine's figures are the kernels' alone.
#include <catch2/catch.hpp>

#include <string>

#include "estimators/engine_overhead.h"
#include "estimators/estimate.h"
#include "model/error.h"
#include "model/presets.h"

using namespace attncost;

namespace {

EngineConfig engine(EngineKind k, std::string version = "") {
  EngineConfig e;
  e.kind = k;
  e.version = std::move(version);
  return e;
}

Estimate run(const EngineConfig& e, uint64_t ctx, uint64_t batch, uint64_t gen) {
  const ModelConfig m = load_model("llama-3.1-8b");
  DesignChoice c;
  c.engine = e;
  const Design d = make_design(m, c);
  Workload w;
  w.ctx = ctx, w.batch = batch, w.gen = gen;
  return estimate(m, d, w, load_gpu("h100-sxm"));
}

}  // namespace

TEST_CASE("engine overhead: rules by engine and release", "[engine_overhead]") {
  const EngineOverhead plain = engine_overhead(engine(EngineKind::plain));
  CHECK(plain.per_step_s == 0);
  CHECK(plain.per_request_s == 0);
  CHECK_THROWS_AS(engine_overhead(engine(EngineKind::plain, "0.11")), InputError);

  for (EngineKind k : {EngineKind::vllm, EngineKind::sglang, EngineKind::trtllm}) {
    const std::vector<std::string> versions = engine_versions(k);
    REQUIRE(!versions.empty());
    const EngineOverhead current = engine_overhead(engine(k));
    CHECK(current.per_step_s > 0);
    // The default is the newest listed release.
    CHECK(current.rule.find(versions.back()) != std::string::npos);
    const EngineOverhead newest = engine_overhead(engine(k, versions.back()));
    CHECK(newest.per_step_s == current.per_step_s);
    CHECK(newest.per_request_s == current.per_request_s);
  }
  // Patch releases and pre-release suffixes resolve to their MAJOR.MINOR.
  const EngineOverhead v1 = engine_overhead(engine(EngineKind::vllm, "0.11.0"));
  CHECK(v1.rule == "vLLM V1 0.11");
  CHECK(engine_overhead(engine(EngineKind::vllm, "v0.8.3")).rule == "vLLM V1 0.8");
  CHECK(engine_overhead(engine(EngineKind::sglang, "0.5.5.post1")).rule.find("0.5") != std::string::npos);
  CHECK(engine_overhead(engine(EngineKind::trtllm, "1.2.0rc1")).rule.find("1.2") != std::string::npos);
  // V0 paid its ~4 ms bubble (vLLM RFC #6854) on every step; V1 costs less.
  const EngineOverhead v0 = engine_overhead(engine(EngineKind::vllm, "0.5.3"));
  CHECK(v0.per_step_s == Approx(0.004));
  CHECK(v0.per_step_s > v1.per_step_s);

  // Unknown releases are refused, naming the flag and the known ones.
  for (const char* bad : {"0.3", "9.9", "latest", "0", "0.11x", ""}) {
    if (std::string(bad).empty()) continue;
    try {
      engine_overhead(engine(EngineKind::vllm, bad));
      FAIL("accepted --engine-version " << bad);
    } catch (const InputError& e) {
      const std::string msg = e.what();
      CHECK(msg.find("--engine-version") != std::string::npos);
      CHECK(msg.find("0.11") != std::string::npos);
    }
  }
}

TEST_CASE("engine overhead: user-given values replace the rule's", "[engine_overhead]") {
  EngineConfig e = engine(EngineKind::vllm);
  e.step_overhead_s = 0.0005;
  EngineOverhead o = engine_overhead(e);
  CHECK(o.per_step_s == 0.0005);
  CHECK(o.per_request_s == engine_overhead(engine(EngineKind::vllm)).per_request_s);
  CHECK(o.rule.find("per step given") != std::string::npos);
  e.request_overhead_s = 0;
  o = engine_overhead(e);
  CHECK(o.per_request_s == 0);
  CHECK(o.rule == "vLLM V1 0.21, per step given, per request given");
  CHECK(engine_overhead_text(o).rfind("engine overhead: vLLM V1 0.21 rule, per step given, per request given, 0.5 ms/step", 0) == 0);
  e.seq_overhead_s = 20e-6;
  o = engine_overhead(e);
  CHECK(o.per_seq_step_s == 20e-6);
  CHECK(o.rule == "given");
  CHECK(o.step_s(10) == Approx(0.0005 + 10 * 20e-6));
  CHECK(engine_overhead_text(o) == "engine overhead: as given, 0.5 ms/step + 20 µs per sequence in the step");
  // The serial part of the per-request time: the rule's is capped by a smaller given per-request
  // time; a given one raises the per-request time to hold it.
  CHECK(engine_overhead(engine(EngineKind::vllm)).per_request_serial_s <= engine_overhead(engine(EngineKind::vllm)).per_request_s);
  CHECK(o.per_request_serial_s == 0);  // the rule's 5 ms capped by the given 0 ms per request
  e.request_serial_s = 0.002;
  o = engine_overhead(e);
  CHECK(o.per_request_serial_s == 0.002);
  CHECK(o.per_request_s == 0.002);
}

TEST_CASE("serving figures include exactly the engine's overhead", "[engine_overhead][serving]") {
  EngineConfig bare = engine(EngineKind::vllm);
  bare.step_overhead_s = 0, bare.request_overhead_s = 0, bare.seq_overhead_s = 0;
  const EngineConfig ruled = engine(EngineKind::vllm, "0.11");
  const EngineOverhead o = engine_overhead(ruled);
  REQUIRE(o.per_step_s > 0);

  const Estimate a = run(bare, 2048, 8, 128), b = run(ruled, 2048, 8, 128);
  // The prompt is one sequence in its step; a decode step carries the batch of 8.
  CHECK(b.serving.ttft_s == Approx(a.serving.ttft_s + o.per_request_s + o.step_s(1)).epsilon(1e-12));
  CHECK(b.serving.itl_mean_s == Approx(a.serving.itl_mean_s + o.per_step_s + 8 * o.per_seq_step_s).epsilon(1e-12));
  CHECK(b.serving.itl_first_s == Approx(a.serving.itl_first_s + o.step_s(8)).epsilon(1e-12));
  CHECK(b.serving.e2e_latency_s == Approx(b.serving.ttft_s + 127 * b.serving.itl_mean_s).epsilon(1e-12));
  CHECK(b.serving.output_tokens_per_s_per_gpu < a.serving.output_tokens_per_s_per_gpu);
  // The kernels' own times are untouched.
  CHECK(b.decode.time_s == a.decode.time_s);
  CHECK(b.prefill.time_s == a.prefill.time_s);

  // Chunked prefill: one step per chunk.
  EngineConfig bare_chunked = bare, ruled_chunked = ruled;
  bare_chunked.chunk_size = ruled_chunked.chunk_size = 512;
  const Estimate c = run(bare_chunked, 2048, 1, 16), d = run(ruled_chunked, 2048, 1, 16);
  REQUIRE(d.serving.prefill_chunks == 4);
  CHECK(d.serving.ttft_s == Approx(c.serving.ttft_s + o.per_request_s + 4 * o.step_s(1)).epsilon(1e-12));

  // The plain engine has none: its figures are the kernels' (byte-identical to before).
  const Estimate p = run(engine(EngineKind::plain), 2048, 8, 128);
  CHECK(p.serving.overhead.per_step_s == 0);
  CHECK(p.serving.itl_mean_s == a.serving.itl_mean_s);
  CHECK(p.serving.ttft_s == a.serving.ttft_s);
}

TEST_CASE("TensorRT-LLM's C++-runtime releases have their own rule, fitted on their published runs", "[engine_overhead]") {
  // 0.5-0.21 serve a TensorRT engine from the C++ runtime (scripts/fit_trt_cpp_runtime.py): host
  // overhead far below the PyTorch backend's 1.0 rule, nothing per sequence.
  const EngineOverhead cpp = engine_overhead(engine(EngineKind::trtllm, "0.9.0"));
  const EngineOverhead py = engine_overhead(engine(EngineKind::trtllm, "1.0"));
  CHECK(cpp.rule == "TensorRT-LLM TensorRT engine (C++ runtime) 0.9");
  CHECK(cpp.per_step_s == 0.001);
  CHECK(cpp.per_request_s == 0.002);
  CHECK(cpp.per_seq_step_s == 0);
  CHECK(!cpp.overlap_schedule);
  CHECK(cpp.per_request_s < py.per_request_s);
  CHECK(cpp.step_s(64) < py.step_s(64));
  CHECK(engine_overhead(engine(EngineKind::trtllm, "0.21")).rule == "TensorRT-LLM TensorRT engine (C++ runtime) 0.21");
}
