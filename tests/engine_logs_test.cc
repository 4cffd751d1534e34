// vLLM's start-up capacity predicted from the same inputs the engine had, against real start-up
// logs (tests/data/engine_logs/startup_logs.csv, each row quoted with its source in
// startup_logs.md). Which preset stands for each logged model and GPU is in predictions.csv. The
// workspace constants of estimators/engine_memory.cc were fixed on the rows marked "fit"; the
// rest ("check") were not used to fix anything. Every row must land within ±8% of the log, except
// those marked "outside" (a deployment the rule does not model, said why), which are reported.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "estimators/engine_overhead.h"
#include "estimators/estimate.h"
#include "model/error.h"
#include "model/presets.h"

using namespace attncost;

namespace {

using Row = std::map<std::string, std::string>;

// RFC 4180 fields: quotes around fields with commas, "" for a quote.
std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
    else if (c == '"') quoted = !quoted;
    else if (c == ',' && !quoted) out.emplace_back();
    else out.back() += c;
  }
  return out;
}

std::map<std::string, Row> read_csv(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split_csv_line(line);
  std::map<std::string, Row> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> cells = split_csv_line(line);
    REQUIRE(cells.size() == header.size());
    Row r;
    for (size_t i = 0; i < header.size(); ++i) r[header[i]] = cells[i];
    rows[r["id"]] = r;
  }
  return rows;
}

double number(const Row& r, const std::string& key) { return std::stod(r.at(key)); }
bool has(const Row& r, const std::string& key) { return !r.at(key).empty(); }

constexpr double kGiB = 1073741824.0;

}  // namespace

TEST_CASE("vLLM's KV capacity within 8% of real start-up logs", "[engine]") {
  const std::string dir = std::string(ATTNCOST_SOURCE_DIR) + "/tests/data/engine_logs/";
  const auto logs = read_csv(dir + "startup_logs.csv");
  const auto predictions = read_csv(dir + "predictions.csv");
  REQUIRE(predictions.size() >= 8);
  std::string table = "row | set | predicted | logged | error\n";
  double worst_check = 0;
  int asserted = 0;
  for (const auto& [id, p] : predictions) {
    INFO(id);
    REQUIRE(logs.count(id) == 1);
    const Row& log = logs.at(id);
    const std::string model_name = p.at("model");
    const ModelConfig m = load_model(model_name.find('/') != std::string::npos ? std::string(ATTNCOST_SOURCE_DIR) + "/" + model_name : model_name);
    GpuSpec gpu = load_gpu(p.at("gpu"));
    if (has(log, "gpu_total_gib")) gpu.visible_bytes = number(log, "gpu_total_gib") * kGiB;  // what the engine itself printed

    DesignChoice c;
    EngineConfig e;
    e.kind = EngineKind::vllm;
    e.memory_fraction = number(log, "gpu_memory_utilization");
    const uint64_t max_model_len = static_cast<uint64_t>(has(log, "max_model_len") ? number(log, "max_model_len") : number(p, "max_model_len"));
    // V1 profiles max_num_batched_tokens (the log's, else its default); V0 without chunked
    // prefill profiles max(max_model_len, 2048).
    if (p.at("era") == "v0") e.max_num_batched_tokens = std::max<uint64_t>(max_model_len, 2048);
    else if (has(log, "max_num_batched_tokens")) e.max_num_batched_tokens = static_cast<uint64_t>(number(log, "max_num_batched_tokens"));
    if (has(log, "max_num_seqs")) e.max_num_seqs = static_cast<uint64_t>(number(log, "max_num_seqs"));
    // The memory rule of the logged release (0.10's where the log names none: the era these
    // constants were fitted on).
    e.version = has(log, "engine_version") ? log.at("engine_version") : "0.10";
    try {
      (void)engine_release(e);
    } catch (const InputError&) {
      e.version = "0.10";
    }
    c.engine = e;
    if (has(log, "tp")) c.tp = static_cast<int64_t>(number(log, "tp"));
    const Design d = make_design(m, c);
    Workload w;
    w.ctx = max_model_len;
    const Estimate est = estimate(m, d, w, gpu);

    // The logged capacity in tokens: printed, or the printed concurrency × tokens per request, or
    // the printed KV GiB over the bytes one token costs on this GPU.
    double logged = 0;
    std::string what;
    if (has(log, "kv_cache_tokens")) logged = number(log, "kv_cache_tokens"), what = "tokens";
    else if (has(log, "max_concurrency")) logged = number(log, "max_concurrency") * number(log, "concurrency_tokens"), what = "concurrency × len";
    else logged = number(log, "kv_cache_gib") * kGiB / est.memory.kv_bytes_per_token_gpu, what = "KV GiB / bytes per token";
    const double predicted = est.memory.kv_cache_tokens;
    const double error = predicted / logged - 1;
    table += fmt::format("{} | {} | {:.0f} | {:.0f} ({}) | {:+.1f}%\n", id, p.at("set_aside"), predicted, logged, what, 100 * error);
    if (p.at("set_aside") == "check") worst_check = std::max(worst_check, std::fabs(error));
    if (p.at("set_aside") == "outside") continue;  // a deployment the rule does not model: reported, not asserted
    ++asserted;
    CHECK(std::fabs(error) <= 0.08);
    // Where the log prints the concurrency, ours is the same rule's.
    if (has(log, "max_concurrency")) CHECK(std::fabs(est.memory.max_concurrency / number(log, "max_concurrency") - 1) <= 0.08);
  }
  REQUIRE(asserted >= 8);
  WARN(table << "worst error on rows not used for fitting: " << 100 * worst_check << "%");
}

TEST_CASE("vLLM's budget rule, written out by hand for Qwen2-7B on an A100 80GB", "[engine]") {
  // total 79.25 GiB × 0.25 − [2048 × (3·3584 + 3·18944) × 2 B + 256 × 152064 × 4 B] − 0.15 GiB,
  // then weights; KV pool in 16-token pages of 28 layers × 4 heads × 256 × 2 B = 57344 B/token.
  const ModelConfig m = load_model("qwen2.5-7b");
  const GpuSpec gpu = load_gpu("a100-80gb");
  DesignChoice c;
  EngineConfig e;
  e.kind = EngineKind::vllm, e.memory_fraction = 0.25, e.version = "0.10.1.1";  // the log's release (0.10 memory rule)
  c.engine = e;
  Workload w;
  w.ctx = 16384;
  const Estimate est = estimate(m, make_design(m, c), w, gpu);
  const double activation = 2048.0 * (3 * 3584 + 3 * 18944) * 2 + 256.0 * 152064 * 4;
  REQUIRE(est.memory.engine.max_num_batched_tokens == 2048);  // an A100 gets vLLM's small defaults
  REQUIRE(est.memory.engine.activation_peak_bytes == Approx(activation).epsilon(1e-12));
  const double budget = std::round(79.25 * kGiB) * 0.25 - activation - 0.15 * kGiB;
  REQUIRE(est.memory.budget_bytes == Approx(budget).epsilon(1e-12));
  const double kv = budget - est.memory.weights_bytes;
  REQUIRE(est.memory.kv_bytes_per_token_gpu == 57344);
  REQUIRE(est.memory.kv_cache_tokens == std::floor(kv / (16 * 57344)) * 16);
  REQUIRE(est.memory.max_concurrency == Approx(kv / (16384.0 * 57344)).epsilon(1e-12));
}

TEST_CASE("vLLM keeps window − 1 + max_num_batched_tokens tokens of a sliding-window layer", "[engine]") {
  // gpt-oss-120b: 18 layers of window 128 and 18 full layers. Per request of 16384 tokens vLLM
  // needs 1024 blocks of each full layer and ⌈(127 + 2048) / 16⌉ + 1 = 137 of each window layer.
  const ModelConfig m = load_model("gpt-oss-120b");
  DesignChoice c;
  EngineConfig e;
  e.kind = EngineKind::vllm, e.memory_fraction = 0.8, e.max_num_batched_tokens = 2048;
  c.engine = e;
  c.tp = 4;
  Workload w;
  w.ctx = 16384;
  const Estimate est = estimate(m, make_design(m, c), w, load_gpu("a100-80gb"));
  const double per_token_layer = 2.0 * 64 * 2 * 2;  // 2 of 8 KV heads per GPU × (64 + 64) × 2 B
  REQUIRE(est.memory.kv_bytes_per_sequence == 18 * (1024 + 137) * 16 * per_token_layer);
  REQUIRE(est.memory.kv_bytes_per_token_gpu == 36 * per_token_layer);
}

TEST_CASE("vLLM ≥ 0.11's memory rule against its 2026 start-up logs: activation peak, non-torch, KV pool", "[engine]") {
  // llm-d-benchmark's vLLM 0.11.0 runs on H100 (tests/data/engine_logs/startup_logs_2026.md §1):
  // the preset standing for each logged model, and its weight dtype where the checkpoint is FP8.
  struct Case {
    const char* id;
    const char* model;
    const char* weight_dtype;
  };
  const Case cases[] = {
      {"llmd-gptoss20b-h100-tp1", "gpt-oss-20b", ""},
      {"llmd-gptoss120b-h100-tp1", "gpt-oss-120b", ""},
      {"llmd-llama33-70b-fp8-h100-tp2", "llama-3.3-70b", "fp8"},
      {"llmd-llama31-8b-h100-tp1", "llama-3.1-8b", ""},
      {"llmd-qwen3-0.6b-h100-tp1", "tests/data/configs/qwen3-0.6b.json", ""},
      {"llmd-qwen3-32b-h100-tp1", "qwen3-32b", ""},
      {"llmd-qwen3-32b-h100-tp2", "qwen3-32b", ""},
  };
  const std::string dir = std::string(ATTNCOST_SOURCE_DIR) + "/tests/data/engine_logs/";
  const auto logs = read_csv(dir + "startup_logs_2026.csv");
  std::string table = "row | activation ours / logged | non-torch | KV GiB ours / logged (from logged weights) | KV tokens error\n";
  int pools = 0;
  for (const Case& k : cases) {
    INFO(k.id);
    const Row& log = logs.at(k.id);
    const std::string name = k.model;
    const ModelConfig m = load_model(name.find('/') != std::string::npos ? std::string(ATTNCOST_SOURCE_DIR) + "/" + name : name);
    GpuSpec gpu = load_gpu("h100-sxm");
    gpu.visible_bytes = number(log, "gpu_total_gib") * kGiB;
    DesignChoice c;
    EngineConfig e;
    e.kind = EngineKind::vllm, e.version = "0.11.0";
    e.memory_fraction = number(log, "gpu_memory_utilization");
    c.engine = e;
    c.tp = static_cast<int64_t>(number(log, "tp"));
    c.page_size = static_cast<int64_t>(number(log, "block_size"));
    if (std::string(k.weight_dtype) == "fp8") c.weight_dtype = Dtype::fp8;
    const Design d = make_design(m, c);
    Workload w;
    w.ctx = static_cast<uint64_t>(number(log, "max_model_len"));
    const Estimate est = estimate(m, d, w, gpu);
    const EngineMemory& em = est.memory.engine;
    const double act = em.activation_peak_bytes / kGiB, act_log = number(log, "activation_peak_gib");
    const double nt = em.non_torch_bytes / kGiB, nt_log = number(log, "non_torch_gib");
    // The pool the rule leaves after the logged weights (the weights model is checked elsewhere),
    // and after ours.
    const double pool_log = number(log, "kv_cache_gib");
    const double pool_rule = em.total_bytes * em.memory_fraction / kGiB - number(log, "weights_gib") - act - nt;
    const double pool_ours = em.kv_budget_bytes / kGiB;
    const double error = pool_ours / pool_log - 1;
    table += fmt::format("{} | {:.2f} / {:.2f} | {:.2f} / {:.2f} | {:.2f} (rule {:.2f}) / {:.2f} | {:+.1f}%{}\n", k.id, act, act_log, nt, nt_log, pool_ours, pool_rule,
                         pool_log, 100 * error, pool_log < 10 ? " (pool < 10 GiB: workspace terms dominate, not asserted)" : "");
    CHECK(std::fabs(nt - nt_log) <= 0.02);
    CHECK(std::fabs(act / act_log - 1) <= 0.15);
    if (pool_log < 10) continue;
    ++pools;
    CHECK(std::fabs(pool_rule / pool_log - 1) <= 0.05);  // the rule itself, given the logged weights
    CHECK(std::fabs(error) <= 0.05);                      // and with our weights
  }
  REQUIRE(pools >= 4);
  WARN(table);
}

TEST_CASE("SGLang's and TensorRT-LLM's KV pools against their start-up logs", "[engine]") {
  // tests/data/engine_logs/startup_logs_sglang_trtllm.csv, each row quoted with its source in
  // startup_logs_sglang_trtllm.md. Pools of 10 GiB and more ("check") must land within ±5% of the
  // logged token count; smaller pools ("small") and deployments the rule does not model ("outside")
  // are reported with their error, not asserted. `split` says whether a row fixed a constant
  // ("fit": the C++ runtime's buffers per logit, from the trtllm-bench log) or only checks the
  // rule ("held-out"); `release` selects the engine's rule (TensorRT-LLM before 1.0: the C++
  // runtime, whose runtime and decoder buffers come off the free memory).
  const std::string dir = std::string(ATTNCOST_SOURCE_DIR) + "/tests/data/engine_logs/";
  const auto logs = read_csv(dir + "startup_logs_sglang_trtllm.csv");
  std::string table = "row | set | split | predicted tokens | logged | error | pool GiB ours / logged | pool error\n";
  std::map<std::string, int> asserted;
  int held_out_asserted = 0;
  for (const auto& [id, log] : logs) {
    INFO(id);
    const std::string model_name = log.at("model_config");
    const ModelConfig m = load_model(model_name.find('/') != std::string::npos ? std::string(ATTNCOST_SOURCE_DIR) + "/" + model_name : model_name);
    GpuSpec gpu = load_gpu(log.at("gpu_preset"));
    if (has(log, "gpu_total_gib")) gpu.visible_bytes = number(log, "gpu_total_gib") * kGiB;  // printed by the engine (or nvidia-smi)
    const bool sglang = log.at("engine") == "sglang";
    const double fraction = number(log, "memory_fraction");

    // The engine's own arithmetic on its own printed numbers (the rule's semantics, before any
    // model of weights or workspaces): SGLang's profile_max_num_token, rest = free after loading −
    // free before loading × (1 − mem_fraction_static); TensorRT-LLM's KV = fraction × the free
    // memory it printed.
    if (sglang && has(log, "post_load_avail_gib") && (has(log, "pre_load_avail_gib") || has(log, "weights_gib"))) {
      const double post = number(log, "post_load_avail_gib");
      const double pre = has(log, "pre_load_avail_gib") ? number(log, "pre_load_avail_gib") : post + number(log, "weights_gib");
      CHECK(std::fabs((post - pre * (1 - fraction)) / number(log, "kv_cache_gib") - 1) <= 0.01);
    }
    if (!sglang && has(log, "trt_available_gib")) CHECK(std::fabs(fraction * number(log, "trt_available_gib") / number(log, "kv_cache_gib") - 1) <= 0.01);

    DesignChoice c;
    EngineConfig e;
    e.kind = sglang ? EngineKind::sglang : EngineKind::trtllm;
    e.memory_fraction = fraction;
    if (has(log, "release")) e.version = log.at("release");
    if (has(log, "max_num_tokens")) e.max_num_batched_tokens = static_cast<uint64_t>(number(log, "max_num_tokens"));
    if (has(log, "max_batch_size")) e.max_num_seqs = static_cast<uint64_t>(number(log, "max_batch_size"));
    c.engine = e;
    c.tp = static_cast<int64_t>(number(log, "tp"));
    if (has(log, "page_size")) c.page_size = static_cast<int64_t>(number(log, "page_size"));
    if (log.at("weight_dtype").rfind("fp8", 0) == 0) c.weight_dtype = Dtype::fp8;
    if (log.at("weight_dtype").rfind("int8", 0) == 0) c.weight_dtype = Dtype::int8;
    if (log.at("kv_cache_dtype").rfind("fp8", 0) == 0) c.kv_dtype = Dtype::fp8;
    Workload w;
    w.ctx = has(log, "context_len") ? static_cast<uint64_t>(number(log, "context_len")) : 4096;
    const Estimate est = estimate(m, make_design(m, c), w, gpu);

    const double logged = number(log, "kv_cache_tokens"), predicted = est.memory.kv_cache_tokens;
    const double error = predicted / logged - 1;
    const double pool_log = number(log, "kv_cache_gib");
    table += fmt::format("{} | {} | {} | {:.0f} | {:.0f} | {:+.1f}% | {:.2f} / {:.2f} | {:+.1f}%\n", id, log.at("set"), log.at("split"), predicted, logged, 100 * error,
                         est.memory.engine.kv_budget_bytes / kGiB, pool_log, 100 * (est.memory.engine.kv_budget_bytes / kGiB / pool_log - 1));
    // The engine's bytes per token are ours: the logged pool over the logged tokens. Except in the
    // trtllm-bench log, whose 4607 blocks × 64 tokens in 62.99 GiB make 229,376 B per token, 7/8 of
    // the 262,144 B an FP8 token of Llama-2-7B's 32 layers takes (its GiB = 0.99 × "available"
    // holds; the block count does not): its pool is compared, not its tokens.
    const double bytes_per_token_ratio = pool_log * kGiB / logged / est.memory.kv_bytes_per_token_gpu;
    if (id == "trtllmbench-llama2-7b-fp8-tp1") CHECK(std::fabs(bytes_per_token_ratio - 0.875) <= 0.001);
    else CHECK(std::fabs(bytes_per_token_ratio - 1) <= 0.01);
    // The output flags a pool under 10 GiB (the workspace terms dominate it) — and only such a pool.
    CHECK((est.memory.engine.kv_budget_bytes < 10 * kGiB) == (log.at("set") == "small"));
    if (has(log, "trt_runtime_decoder_gib")) {
      // TensorRT-LLM's C++ runtime sizes its runtime and decoder buffers by the engine's
      // max_batch_size (5.49 GiB at 4096 sequences here): the rule's, beyond the CUDA context
      // and workspaces (0.65 GiB), against what the log prints.
      const double buffers = est.memory.engine.runtime_buffers_bytes / kGiB;
      CHECK(est.memory.engine.non_torch_bytes / kGiB == Approx(0.65 + buffers));
      table += fmt::format("  {}: C++ runtime and decoder buffers {:.2f} GiB (logged {:.2f})\n", id, buffers, number(log, "trt_runtime_decoder_gib"));
      CHECK(std::fabs(buffers / number(log, "trt_runtime_decoder_gib") - 1) <= 0.01);
    }
    if (log.at("set") != "check") continue;
    REQUIRE(pool_log >= 10);
    // The trtllm-bench log's tokens disagree with its own GiB (above): its pool is what is asserted.
    const double pool_error = est.memory.engine.kv_budget_bytes / kGiB / pool_log - 1;
    CHECK(std::fabs(id == "trtllmbench-llama2-7b-fp8-tp1" ? pool_error : error) <= 0.05);
    ++asserted[log.at("engine")];
    if (log.at("split") == "held-out") ++held_out_asserted;
  }
  CHECK(asserted["sglang"] >= 3);
  CHECK(asserted["tensorrt-llm"] >= 4);
  CHECK(held_out_asserted >= 6);
  WARN(table);
}

TEST_CASE("SGLang's budget rule, written out by hand: the fraction of what is free before loading", "[engine]") {
  // profile_max_num_token: rest = free after loading − free before loading × (1 − fraction), with
  // free before = total − 0.5 GiB of CUDA context − the TP set-up (2.0 GiB over NVLink, 0.13 GiB
  // over PCIe), free after = free before − weights − 0.15 GiB of the loader's workspaces.
  const ModelConfig m = load_model("llama-3.1-8b");
  const auto budget = [&](const char* gpu_name, int64_t tp) {
    DesignChoice c;
    EngineConfig e;
    e.kind = EngineKind::sglang, e.memory_fraction = 0.85;
    c.engine = e;
    c.tp = tp;
    const GpuSpec gpu = load_gpu(gpu_name);
    return std::pair{estimate(m, make_design(m, c), Workload{}, gpu).memory, gpu.total_visible_bytes()};
  };
  const auto [one, h100] = budget("h100-sxm", 1);
  CHECK(one.budget_bytes == Approx(0.85 * (h100 - 0.5 * kGiB) - 0.15 * kGiB).epsilon(1e-12));
  CHECK(one.engine.kv_budget_bytes == Approx(one.budget_bytes - one.weights_bytes).epsilon(1e-12));
  const auto [nvlink, h100_again] = budget("h100-sxm", 4);
  CHECK(nvlink.engine.before_load_bytes == Approx(2.5 * kGiB));
  CHECK(nvlink.budget_bytes == Approx(0.85 * (h100_again - 2.5 * kGiB) - 0.15 * kGiB).epsilon(1e-12));
  const auto [pcie, l4] = budget("l4", 4);
  CHECK(pcie.engine.before_load_bytes == Approx(0.63 * kGiB));
  CHECK(pcie.budget_bytes == Approx(0.85 * (l4 - 0.63 * kGiB) - 0.15 * kGiB).epsilon(1e-12));
}

TEST_CASE("SGLang from 0.5.4 reserves memory by the GPU's size (PR #10975), earlier releases by TP size", "[engine]") {
  // server_args._handle_gpu_memory_settings: reserved = 512 MiB + 1.5 MiB × max(chunked_prefill_size,
  // 2048) + 2 MiB × cuda_graph_max_bs + TP·PP/8 GiB, at least 10 GiB over 60 GiB;
  // fraction = round((M − reserved) / M, 3), M the GPU's memory in MiB.
  const ModelConfig m = load_model("llama-3.1-8b");
  const auto memory = [&](const char* gpu_name, int64_t tp, const char* version, uint64_t chunk = 0) {
    DesignChoice c;
    EngineConfig e;
    e.kind = EngineKind::sglang, e.version = version, e.max_num_batched_tokens = chunk;
    c.engine = e;
    c.tp = tp;
    return estimate(m, make_design(m, c), Workload{}, load_gpu(gpu_name)).memory.engine;
  };
  const auto fraction = [](double mib, double reserved) { return std::round((mib - reserved) / mib * 1000) / 1000; };
  const double h100 = load_gpu("h100-sxm").hbm_bytes / 1048576.0;
  // H100 at TP 1: chunk 8192, 256 graph slots: 512 + 12288 + 512 + 128 = 13440 MiB.
  CHECK(memory("h100-sxm", 1, "0.5.5.post1").memory_fraction == Approx(fraction(h100, 13440)));
  CHECK(memory("h100-sxm", 1, "0.5.5.post1").memory_fraction == Approx(0.836));
  CHECK(memory("h100-sxm", 1, "0.5.5.post1").max_num_batched_tokens == 8192);
  // TP 4: 512 graph slots and 512 MiB for the group: 512 + 12288 + 1024 + 512.
  CHECK(memory("h100-sxm", 4, "0.5.4").memory_fraction == Approx(fraction(h100, 14336)));
  // A user's chunk of 2048 reserves 3 GiB for activations, then the 10 GiB floor rules.
  CHECK(memory("h100-sxm", 1, "0.5.5", 2048).memory_fraction == Approx(fraction(h100, 10240)));
  // The current 0.5 release (no patch given) is past 0.5.4; 0.5.3 and 0.4 keep the TP table.
  CHECK(memory("h100-sxm", 1, "0.5").memory_fraction == Approx(0.836));
  CHECK(memory("h100-sxm", 1, "0.5.3.post3").memory_fraction == Approx(0.88));
  CHECK(memory("h100-sxm", 4, "0.4").memory_fraction == Approx(0.85));
  CHECK(memory("h100-sxm", 1, "0.5.3.post3").max_num_batched_tokens == 8192);
  // A 40 GB A100 takes the 4096-token chunk and 32 graph slots; no 10 GiB floor below 60 GiB.
  const double a100 = load_gpu("a100-40gb").hbm_bytes / 1048576.0;
  CHECK(memory("a100-40gb", 1, "0.5.5").max_num_batched_tokens == 4096);
  CHECK(memory("a100-40gb", 1, "0.5.5").memory_fraction == Approx(fraction(a100, 512 + 6144 + 64 + 128)));
}

TEST_CASE("TensorRT-LLM's rule by release: the C++ runtime's buffers before 1.0, none in the PyTorch backend", "[engine]") {
  // Releases before 1.0 serve a trtllm-build engine from the C++ runtime, whose runtime and decoder
  // buffers (45 B per max_batch_size × vocabulary logit, fitted on the trtllm-bench log) come off
  // the free memory before free_gpu_memory_fraction is taken; the PyTorch backend (1.x) has none.
  const ModelConfig m = load_model("llama-2-7b");
  const GpuSpec gpu = load_gpu("h100-sxm");
  const auto engine = [&](const char* version) {
    DesignChoice c;
    EngineConfig e;
    e.kind = EngineKind::trtllm, e.version = version, e.max_num_seqs = 4096;
    c.engine = e;
    return estimate(m, make_design(m, c), Workload{}, gpu).memory.engine;
  };
  const EngineMemory cpp = engine("0.12.0"), torch = engine("1.2"), current = engine("");
  CHECK(cpp.runtime_buffers_bytes == Approx(45.0 * 4096 * 32000));
  CHECK(torch.runtime_buffers_bytes == 0);
  CHECK(current.runtime_buffers_bytes == 0);
  CHECK(cpp.non_torch_bytes == Approx(torch.non_torch_bytes + cpp.runtime_buffers_bytes));
  // fraction × (total − weights − activations − workspaces − buffers): 0.9 of the buffers come off the pool.
  CHECK(torch.kv_budget_bytes - cpp.kv_budget_bytes == Approx(0.9 * cpp.runtime_buffers_bytes));
  CHECK(engine("0.5").runtime_buffers_bytes > 0);
  CHECK(engine("0.21").runtime_buffers_bytes > 0);
  CHECK(engine("1.0").runtime_buffers_bytes == 0);
}
