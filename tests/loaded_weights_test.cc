// What the engines load beside the text model (estimators/loaded_weights.h): MTP modules as the
// speculative draft, encoders split over TP and left out by --text-only, and the output lines that
// say what was counted.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "estimators/estimate.h"
#include "model/presets.h"

using namespace attncost;
using attncost::testing::run_cli;

namespace {

std::string config(const std::string& file) { return std::string(ATTNCOST_SOURCE_DIR) + "/tests/data/configs/" + file; }

Estimate with(const ModelConfig& m, const DesignChoice& c, uint64_t ctx = 4096) {
  Workload w;
  w.ctx = ctx;
  return estimate(m, make_design(m, c), w, load_gpu("h200"));
}

}  // namespace

TEST_CASE("MTP modules are the draft of --spec without a draft model, and only then in memory", "[mtp]") {
  const ModelConfig m = load_model(config("mimo-7b-base.json"));
  const Estimate plain = with(m, {});
  REQUIRE_FALSE(plain.loaded.mtp_is_draft);
  DesignChoice spec;
  spec.spec = SpecDecode{2, 0.7, "", nullptr};
  const Estimate e = with(m, spec);
  REQUIRE(e.loaded.mtp_is_draft);
  // The MTP layer: attention 4096·32·128·2 + 4096·8·256, MLP 3·4096·11008, eh_proj 2·4096², norms.
  const double mtp = 4096.0 * 32 * 128 * 2 + 4096.0 * 8 * 256 + 3.0 * 4096 * 11008 + 2.0 * 4096 * 4096 + 5 * 4096;
  REQUIRE(e.loaded.mtp_params == mtp);
  REQUIRE(e.loaded.mtp_bytes_per_gpu == 2 * mtp);
  // The drafter's weights are the MTP module (bf16), not a generic one-layer head.
  REQUIRE(e.memory.weights_bytes == plain.memory.weights_bytes + 2 * mtp);
  REQUIRE(e.loaded.lines.at(0).find("the draft of --spec 2:0.7") != std::string::npos);
  // Over TP 2 the module's heads and MLP split; eh_proj and the norms stay whole.
  spec.tp = 2;
  const Estimate t = with(m, spec);
  REQUIRE(t.loaded.mtp_bytes_per_gpu == 2 * ((4096.0 * 16 * 128 * 2 + 4096.0 * 4 * 256 + 3.0 * 4096 * 11008 / 2) + 2.0 * 4096 * 4096 + 5 * 4096));
}

TEST_CASE("encoders split over TP like the text model", "[encoders]") {
  const ModelConfig m = load_model(config("qwen2.5-vl-7b-instruct.json"));
  DesignChoice tp;
  tp.tp = 4;
  const Estimate one = with(m, {}), four = with(m, tp);
  REQUIRE(four.loaded.bytes_per_gpu == one.loaded.bytes_per_gpu / 4);
  REQUIRE(one.loaded.bytes_per_gpu == 2 * one.loaded.encoder_params);
}

TEST_CASE("the output says what it counted; --text-only leaves the encoder out", "[encoders][cli]") {
  const std::string vl = config("voxtral-mini-3b-2507.json");
  const auto text = run_cli("estimate --model " + vl + " --ctx 4096");
  REQUIRE(text.code == 0);
  REQUIRE(text.out.find("loaded    audio encoder: Whisper-style audio encoder (32 layers of width 1280) and projector, 662.1 M params") != std::string::npos);
  const auto json_out = run_cli("estimate --model " + vl + " --ctx 4096 --format json");
  const auto j = nlohmann::json::parse(json_out.out);
  REQUIRE(j["model"]["loaded_weights"]["checkpoint_params"] == 4676271104.0);
  REQUIRE(j["model"]["loaded_weights"]["bytes_per_gpu"].get<double>() == 2 * 662134784.0);
  const auto only = run_cli("estimate --model " + vl + " --ctx 4096 --format json --text-only");
  REQUIRE(only.code == 0);
  const auto k = nlohmann::json::parse(only.out);
  REQUIRE(k["model"]["loaded_weights"]["bytes_per_gpu"].get<double>() == 0);
  REQUIRE(k["model"]["loaded_weights"]["text_only"] == true);
  REQUIRE(k["memory"]["weights_bytes"].get<double>() == j["memory"]["weights_bytes"].get<double>() - 2 * 662134784.0);
  const auto mtp = run_cli("estimate --model " + config("glm-4.7-flash.json") + " --ctx 4096");
  REQUIRE(mtp.out.find("loaded    MTP: 1 module of 1 layer") != std::string::npos);
  REQUIRE(mtp.out.find("not counted") != std::string::npos);
}
