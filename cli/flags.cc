#include "cli/flags.h"

namespace attncost::cli {

void add_model_flags(CLI::App& app, Flags& f) {
  app.add_option("--model", f.model, "model preset name or Hugging Face config.json path")->capture_default_str();
  app.add_option("--gpu", f.gpu, "GPU preset name or profile JSON (from probe --calibrate)")->capture_default_str();
  app.add_option("--layers", f.layers, "override num_hidden_layers");
  app.add_option("--heads", f.heads, "override num_attention_heads");
  app.add_option("--kv-heads", f.kv_heads, "override the model's num_key_value_heads");
  app.add_option("--head-dim", f.head_dim, "override head_dim");
  app.add_option("--hidden", f.hidden, "override hidden_size");
  app.add_option("--ffn", f.ffn, "override intermediate_size");
  app.add_option("--vocab", f.vocab, "override vocab_size");
  app.add_flag("--text-only", f.text_only, "leave a multimodal checkpoint's vision/audio encoders and projectors out of memory");
}

void add_design_flags(CLI::App& app, Flags& f) {
  auto* sharing = app.add_option_group("kv sharing", "KV sharing of the design under study (default: the model's own)");
  sharing->add_flag("--mha", f.mha, "multi-head attention: one KV head per query head");
  sharing->add_option("--gqa", f.gqa, "grouped-query attention with G KV heads (G divides the query heads)");
  sharing->add_flag("--mqa", f.mqa, "multi-query attention (= --gqa 1)");
  sharing->add_option("--mla", f.mla, "multi-head latent attention: RANK[:ROPE_DIM] (DeepSeek-V2: 512:64)");
  sharing->require_option(0, 1);
  app.add_option("--attn", f.attn, "attention pattern: dense, window:W, sinks:S+window:W, strided:S+window:W, axial[:M], "
                                   "block:B[:local=L][:global=G][:random=R], linear[:F], ssm[:N], stacks P[*K]/P[*K]");
  app.add_option("--kv-dtype", f.kv_dtype, "KV cache dtype: fp32|fp16|bf16|fp8|int8|int4 (default: activation dtype)");
  app.add_option("--kv-group", f.kv_group, "elements per fp16 scale for int8/int4 KV (default: head dim)");
  app.add_option("--weight-dtype", f.weight_dtype, "weight dtype (default: the model's torch_dtype)");
  app.add_option("--act-dtype", f.act_dtype, "activation dtype (default: the model's torch_dtype)");
  app.add_option("--kernel", f.kernel, "attention kernel: flash (tiled, fused) | naive (materialized n×n scores)");
  app.add_option("--kernels", f.kernels, "whose measured efficiency the times assume: auto (FA3 on Hopper, FA2 on Ampere/Ada) | fa2 | fa3 | cudnn | "
                                         "flashinfer | naive | peak (the plain datasheet roofline); +gemm=deepgemm|cutlass|cublaslt|tensorrt (fp8 GEMM library) and "
                                         "+mla=IMPL (MLA decode kernel) override the engine's choice");
  app.add_option("--page-size", f.page_size, "tokens per KV page (default 16); 0 = contiguous preallocation");
  app.add_option("--tp", f.tp, "tensor-parallel GPUs: heads and MLP columns split (default 1)");
  app.add_option("--pp", f.pp, "pipeline stages: layers split, micro-batches in flight (default 1)");
  app.add_option("--cp", f.cp, "context-parallel GPUs (ring attention): the sequence and its KV split, K/V passed around a ring (default 1)");
  app.add_option("--ep", f.ep, "expert-parallel GPUs within the TP × CP group: whole experts spread, tokens exchanged all-to-all (default 1)");
  app.add_option("--dp", f.dp, "replicas (data parallel) (default 1)");
}

void add_workload_flags(CLI::App& app, Flags& f) {
  app.add_option("--ctx", f.ctx, "tokens in context (prompt length for prefill); suffix k/m = ×1024/×1048576")->capture_default_str();
  app.add_option("--batch", f.batch, "concurrent sequences")->capture_default_str();
  app.add_option("--gen", f.gen, "tokens generated after the prompt")->capture_default_str();
  app.add_option("--phase", f.phase, "prefill|decode|both (what the text report shows)")->capture_default_str();
  app.add_option("--slo-ms", f.slo_ms, "mean inter-token latency target in milliseconds (over the generated tokens)");
  app.add_option("--ttft-slo-ms", f.ttft_slo_ms, "time-to-first-token target in milliseconds");
  app.add_option("--shared-prefix", f.shared_prefix, "leading prompt tokens every sequence shares (a system prompt): KV cached once, prefilled once");
}

void add_serving_flags(CLI::App& app, Flags& f) {
  app.add_option("--engine", f.engine, "whose memory rule sizes the KV pool: plain (HBM minus --reserve) | vllm | sglang | trtllm")->capture_default_str();
  app.add_option("--gpu-memory-utilization", f.gpu_memory_utilization,
                 "the engine's memory fraction: vLLM gpu_memory_utilization (0.9), SGLang mem_fraction_static (0.79-0.88 by TP), "
                 "TensorRT-LLM free_gpu_memory_fraction (0.9)");
  app.add_option("--max-num-batched-tokens", f.max_num_batched_tokens, "tokens per engine step and profiling run (vLLM default: 8192 on ≥70 GiB non-A100 GPUs, else 2048)");
  app.add_option("--max-num-seqs", f.max_num_seqs, "sequences per engine step (vLLM default: 1024 on ≥70 GiB non-A100 GPUs, else 256)");
  app.add_option("--engine-version", f.engine_version,
                 "the engine release whose rules apply (per-step and per-request overhead; TensorRT-LLM before 1.0: the C++ runtime's memory too), e.g. 0.11.0 (vllm), 0.5 (sglang), 1.2 (trtllm); default: the current release");
  app.add_option("--step-overhead-us", f.step_overhead_us, "the engine's time per step beyond its kernels, microseconds (default: its release's rule)");
  app.add_option("--seq-overhead-us", f.seq_overhead_us, "the engine's time per running sequence per step (scheduling, sampling, output processing), microseconds (default: its release's rule)");
  app.add_option("--request-serial-ms", f.request_serial_ms, "of the per-request time, the API server's time on one request at a time (requests sent together queue for it; simulate), milliseconds (default: its release's rule)");
  app.add_option("--request-overhead-ms", f.request_overhead_ms, "the engine's time per request before its first token, milliseconds (default: its release's rule)");
  app.add_option("--chunk-size", f.chunk_size, "chunked prefill: prompt tokens per chunk, each attending to every earlier token (default: whole prompt)");
  app.add_option("--spec", f.spec, "speculative decoding K:ALPHA[:DRAFT_MODEL]: K drafted tokens accepted with rate ALPHA (no draft model: the checkpoint's MTP modules, else a one-layer EAGLE-style head)");
  app.add_option("--usd-per-gpu-hour", f.usd_per_gpu_hour, "price of one GPU-hour, for USD per million output tokens (none is assumed)");
  app.add_option("--budget-gb", f.budget_gb, "plain engine: memory budget per GPU for weights + KV, GiB (default: HBM minus --reserve)");
  app.add_option("--reserve", f.reserve, "plain engine: fraction of HBM kept for activations, workspaces and the CUDA context")->capture_default_str();
}

void add_plan_flags(CLI::App& app, Flags& f) {
  app.add_option("--workload", f.workloads, "a named workload NAME:ctx=N,batch=B,gen=T,slo_ms=X,ttft_slo_ms=Y,prefix=P (repeatable)");
  app.add_option("--require", f.require, "early-recall: every band of 8 layers keeps a layer that attends every earlier token directly (sinks do not count)");
  app.add_option("--family", f.family, "sparse|linear|hybrid: the question asks for a design of this family; the memo names the best one meeting every constraint beside the minimal change and the unconstrained best");
  app.add_option("--max", f.max, "reverse question: the largest ctx | batch | sequences meeting memory and every SLO, for the recommended, proposed and baseline designs");
  app.add_option("--rate", f.rate, "fleet question: requests per second to serve on each workload; sizes the cheapest deployment (GPU, TP/PP/CP/EP, aggregated or disaggregated) of the recommended design");
  app.add_option("--fleet-gpus", f.fleet_gpus, "GPU types the --rate fleet may use, with prices: NAME[=USD_PER_GPU_HOUR],... (default: --gpu at --usd-per-gpu-hour)");
  app.add_option("--candidates", f.candidates, "full (KV sharing × pattern × KV dtype) | basic (single changes)")->capture_default_str();
  app.add_option("--sizing", f.sizing, "--rate fleets: load (simulated with queueing, to the SLOs at --slo-percentile) | capacity (to the rate the replicas sustain)")->capture_default_str();
  app.add_option("--seed", f.seed, "--rate fleets: seed of the simulated arrivals")->capture_default_str();
  add_slo_flags(app, f);
}

void add_slo_flags(CLI::App& app, Flags& f) {
  app.add_option("--slo-ttft-ms", f.slo_ttft_ms, "time-to-first-token SLO in milliseconds, met at --slo-percentile (goodput counts requests meeting every SLO)");
  app.add_option("--slo-tpot-ms", f.slo_tpot_ms, "time-per-output-token SLO in milliseconds (after the first token), met at --slo-percentile");
  app.add_option("--slo-percentile", f.slo_percentile, "the percentile the SLOs hold at")->capture_default_str();
}

void add_simulate_flags(CLI::App& app, Flags& f) {
  app.add_option("--rate", f.rate, "offered load: requests/s with Poisson arrivals, `inf` (all at t = 0), or a comma list for a throughput-latency curve");
  app.add_option("--trace", f.trace, "requests from a CSV or JSON-lines file (arrival, prompt tokens, output tokens; the Azure LLM trace format too)");
  app.add_option("--max-concurrency", f.max_concurrency, "closed loop: requests in flight at most");
  app.add_option("--burstiness", f.burstiness, "gamma shape of the inter-arrival times (1 = Poisson; lower is burstier), as benchmark_serving")->capture_default_str();
  app.add_option("--requests", f.requests, "requests to send")->capture_default_str();
  app.add_option("--prompt-len", f.prompt_len, "prompt tokens: N or uniform:LO:HI")->capture_default_str();
  app.add_option("--output-len", f.output_len, "output tokens: N or uniform:LO:HI")->capture_default_str();
  app.add_option("--seed", f.seed, "seed of the arrivals, lengths and speculative acceptance")->capture_default_str();
  app.add_option("--shared-prefix", f.shared_prefix, "leading prompt tokens every request shares (a system prompt): prefilled once, then served from the prefix cache");
  app.add_option("--lengths", f.lengths, "prompt and output lengths replayed in order at --rate: a CSV/JSON-lines file (prompt_tokens, output_tokens) or a benchmark_serving --save-result JSON (input_lens, output_lens)");
  app.add_option("--prefix-hit-rate", f.prefix_hit_rate, "fraction of each prompt already in the prefix cache (a warm cache, e.g. the 'Prefix cache hit rate' vLLM logs): those whole pages are not prefilled");
  app.add_option("--endpoint", f.endpoint, "the API the clients call: chat (renders the chat template; the engine rules' per-request time holds it) | completions (text as sent; SGLang's /generate too)")->capture_default_str();
  app.add_flag("--benchmark-warmup", f.benchmark_warmup, "the client sent the first request once before the run, as benchmark_serving's initial test prompt does: with prefix caching its prompt's whole pages are cached");
  app.add_option("--chart", f.chart, "also write an SVG chart: latency CDFs (one rate) or latency against load and the throughput Pareto curve (several)");
  add_slo_flags(app, f);
}

void add_probe_flags(CLI::App& app, Flags& f) {
  app.add_option("--backend", f.backend, "cuda (the attached GPU) | cpu (one core, runs anywhere)")->capture_default_str();
  app.add_option("--suite", f.suite, "quick (under a minute) | full")->capture_default_str();
  app.add_option("--repeats", f.repeats, "samples taken per case at least (median reported)")->capture_default_str();
  app.add_option("--max-noise", f.max_noise, "stop sampling a case once the relative standard deviation is at most this")->capture_default_str();
  app.add_option("--max-time", f.max_time, "seconds of samples per case at most")->capture_default_str();
  app.add_flag("--check", f.check, "exit 1 when a case is wrong or off its prediction by more than --tolerance");
  app.add_option("--tolerance", f.tolerance, "allowed max(measured/predicted, predicted/measured) - 1")->capture_default_str();
  app.add_option("--case-timeout", f.case_timeout, "seconds a case's first run may take before it is skipped, not timed")->capture_default_str();
  app.add_flag("--calibrate", f.calibrate, "fit launch overhead and per-kernel-class efficiency; -o writes the GPU profile");
  app.add_option("--gpu", f.gpu, "a calibrated profile (from --calibrate) whose efficiencies the predictions use");
  app.add_option("--replay", f.replay, "re-read a recorded run (probe --format json) instead of measuring: re-predict, report, check");
}

void add_output_flags(CLI::App& app, Flags& f, const std::string& formats) {
  app.add_option("--format", f.format, "output format: " + formats)->capture_default_str();
  app.add_option("-o,--output", f.output, "write to FILE instead of stdout");
}

void record_given(const CLI::App& app, Flags& f) {
  for (const CLI::Option* o : app.get_options())
    if (o->count() > 0 && !o->get_lnames().empty()) f.given.insert("--" + o->get_lnames().front());
  for (const CLI::App* group : app.get_subcommands([](const CLI::App* a) { return a->get_name().empty(); })) record_given(*group, f);
}

}  // namespace attncost::cli
