#include "estimators/simulate.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "estimators/engine_memory.h"
#include "estimators/engine_overhead.h"
#include "estimators/estimate.h"
#include "estimators/parallel.h"
#include "estimators/pattern_counts.h"
#include "estimators/step_cost.h"
#include "model/error.h"

namespace attncost {

std::string_view scheduler_name(SchedulerKind k) {
  switch (k) {
    case SchedulerKind::vllm: return "vllm";
    case SchedulerKind::sglang: return "sglang";
    case SchedulerKind::trtllm: return "trtllm";
    case SchedulerKind::static_batch: return "static";
  }
  return "vllm";
}

namespace {

// SGLang's admission reserves room for the running requests' remaining outputs at a ratio that
// starts at 0.7 and decays to 0.1 over about 600 decode steps, back to 0.7 after a retraction
// (python/sglang/srt/managers/scheduler.py: init_new_token_ratio, min_new_token_ratio,
// new_token_ratio_decay).
constexpr double kSglangInitRatio = 0.7, kSglangMinRatio = 0.1, kSglangRatioDecay = (0.7 - 0.1) / 600;
// SGLang's max_running_requests when the user gives none (server_args: the pool decides, capped).
constexpr uint64_t kSglangMaxRunning = 4096;

// A request's live state. `computed` tokens have their K/V in the pool; `generated` have been
// sampled. The tokens still to compute before the next sample are prompt + generated − computed:
// the whole prompt at first, one (the last sampled token) in a decode, the prompt and every
// generated token again after a preemption (vLLM's recompute).
struct Live {
  size_t index = 0;
  uint64_t prompt = 0, output = 0;
  uint64_t computed = 0, generated = 0;
  double allocated_bytes = 0;
  double last_token_s = 0;
  bool scheduled_once = false;
  bool reserved = false;  // TensorRT-LLM / static: its whole lifetime is allocated at admission
  uint64_t need() const { return prompt + generated - computed; }
  bool decoding() const { return generated >= 1 && need() == 1; }
};

// One request's work in a step.
struct Work {
  Live* r = nullptr;
  uint64_t tokens = 0;  // prefill: tokens of the chunk; decode: query tokens (1, or K + 1 verifying drafts)
  bool decode = false;
};

// What a request of n tokens holds in the KV pool of one GPU, as the engine allocates it: whole
// pages of every softmax layer (vLLM keeps window − 1 + max_num_batched_tokens tokens of a
// sliding-window layer), the recurrent layers' states, the drafter's KV; the shared prefix's
// pages are held once for everyone.
class KvBytes {
 public:
  KvBytes(const StepContext& sc, const EngineMemory& em, double draft_per_seq, uint64_t shared_prefix) : sc_(sc), em_(em), draft_(draft_per_seq), shared_(shared_prefix) {
    const ModelConfig& m = *sc.model;
    const Design& d = *sc.design;
    share_ = stage_fraction(m, d) / static_cast<double>(d.cp);
    for (int u = 0; u < sc.use_count; ++u) per_token_ += static_cast<double>(sc.uses[static_cast<size_t>(u)].layers) * sc.kv_bytes[static_cast<size_t>(u)] * share_;
  }
  double operator()(uint64_t n) const {
    const Design& d = *sc_.design;
    const double page = static_cast<double>(d.page_size);
    double bytes = draft_;
    for (int u = 0; u < sc_.use_count; ++u) {
      const auto& use = sc_.uses[static_cast<size_t>(u)];
      const double layers = static_cast<double>(use.layers);
      if (use.pattern.is_softmax()) {
        const double allocated = allocated_tokens(use.pattern, n, d, em_);
        const double shared_tokens = std::min(allocated, static_cast<double>(shared_cached_tokens(use.pattern, n, shared_)));
        const double shared = page > 0 ? std::floor(shared_tokens / page) * page : shared_tokens;
        bytes += layers * (allocated - shared) * sc_.kv_bytes[static_cast<size_t>(u)] * share_;
      } else if (use.pattern.is_recurrent()) {
        bytes += layers * sc_.state_bytes[static_cast<size_t>(u)] * share_;
      }
    }
    return bytes;
  }
  // The shared prefix's pages, held once.
  double shared_bytes() const {
    if (shared_ == 0) return 0;
    const Design& d = *sc_.design;
    const double page = static_cast<double>(d.page_size);
    double bytes = 0;
    for (int u = 0; u < sc_.use_count; ++u) {
      const auto& use = sc_.uses[static_cast<size_t>(u)];
      if (!use.pattern.is_softmax()) continue;
      const double tokens = static_cast<double>(std::min<uint64_t>(shared_, cached_tokens(use.pattern, shared_)));
      bytes += static_cast<double>(use.layers) * (page > 0 ? std::floor(tokens / page) * page : tokens) * sc_.kv_bytes[static_cast<size_t>(u)] * share_;
    }
    return bytes;
  }
  double per_token() const { return per_token_; }  // every softmax layer, one more token

 private:
  const StepContext& sc_;
  const EngineMemory& em_;
  double draft_ = 0;
  uint64_t shared_ = 0;
  double share_ = 1;
  double per_token_ = 0;
};

// Multiplies a step's load by f (one micro-batch's share of it under pipeline stages).
void scale_load(StepLoad& load, double f, int patterns) {
  load.prefill_tokens *= f, load.decode_tokens *= f, load.prefill_seqs *= f, load.decode_seqs *= f, load.sampled *= f;
  for (int u = 0; u < patterns; ++u)
    for (PatternLoad* L : {&load.prefill[static_cast<size_t>(u)], &load.decode[static_cast<size_t>(u)]}) {
      L->seqs *= f, L->queries *= f, L->pairs *= f, L->keys_read *= f, L->kv_written *= f, L->context *= f, L->scored *= f;
      L->state_reads *= f, L->state_writes *= f, L->index_pairs *= f, L->index_keys *= f;
    }
}

class Replica {
 public:
  Replica(const ModelConfig& m, const Design& d, const GpuSpec& gpu, const SimConfig& c, std::span<const SimRequest> requests)
      : m_(m), d_(d), gpu_(gpu), c_(c), requests_(requests), sc_(m, d, gpu), rng_(c.seed ^ 0x9E3779B97F4A7C15ull) {
    // The engine's memory rule at the workload's mean shape (the pool does not depend on it but
    // for the drafter's KV, which is small).
    double prompt = 0, output = 0;
    for (const SimRequest& r : requests) prompt += static_cast<double>(r.prompt), output += static_cast<double>(r.output);
    const double n = std::max<double>(1, static_cast<double>(requests.size()));
    Workload w;
    w.ctx = std::max<uint64_t>(1, static_cast<uint64_t>(prompt / n));
    w.gen = static_cast<uint64_t>(output / n);
    const Estimate e = estimate(m, d, w, gpu);
    em_ = e.memory.engine;
    const double draft_per_seq = d.spec.on() ? draft_memory(m, d, w, gpu).kv_bytes_per_sequence : 0;
    kv_ = std::make_unique<KvBytes>(sc_, em_, draft_per_seq, c.shared_prefix);
    pool_ = em_.kv_budget_bytes;
    max_seqs_ = c.max_num_seqs > 0 ? c.max_num_seqs : default_max_num_seqs(d.engine, gpu);
    if (max_seqs_ == 0) max_seqs_ = c.scheduler == SchedulerKind::sglang ? kSglangMaxRunning : 1024;
    budget_ = c.max_num_batched_tokens > 0 ? c.max_num_batched_tokens : default_max_num_batched_tokens(d.engine, gpu);
    if (budget_ == 0) budget_ = 8192;
    if (d.spec.on()) {
      draft_design_ = d.spec.draft ? std::optional<Design>(draft_design_for(d, *d.spec.draft)) : std::nullopt;
      draft_ = std::make_unique<StepContext>(d.spec.draft ? StepContext(*d.spec.draft, *draft_design_, gpu) : StepContext::draft_head(m, d, gpu));
    }
    shared_bytes_ = kv_->shared_bytes();
    result_.kv_pool_bytes = pool_;
    result_.max_num_seqs = max_seqs_;
    result_.max_num_batched_tokens = budget_;
    result_.page_size = static_cast<uint64_t>(d.page_size);
  }

  SimResult run();

 private:
  static Design draft_design_for(const Design& target, const ModelConfig& draft) {
    DesignChoice ch;
    ch.page_size = target.page_size, ch.kernels = target.kernels, ch.kernel = target.kernel, ch.tp = target.tp;
    try {
      return make_design(draft, ch);
    } catch (const InputError&) {
      ch.tp = 1;
      return make_design(draft, ch);
    }
  }

  // ---- the KV pool ----
  bool allocate(Live& r, uint64_t tokens) {
    if (r.reserved) return true;
    const double want = (*kv_)(tokens);
    if (want <= r.allocated_bytes) return true;
    if (used_ + want - r.allocated_bytes > pool_) return false;
    used_ += want - r.allocated_bytes;
    r.allocated_bytes = want;
    return true;
  }
  bool reserve_lifetime(Live& r) {
    const double want = (*kv_)(r.prompt + r.output);
    if (used_ + want > pool_) return false;
    used_ += want;
    r.allocated_bytes = want;
    r.reserved = true;
    return true;
  }
  void release(Live& r) {
    used_ -= r.allocated_bytes;
    r.allocated_bytes = 0;
    r.reserved = false;
  }
  // vLLM's recompute: the request loses its pages and goes back to the front of the queue.
  void preempt(Live* r) {
    release(*r);
    r->computed = 0;
    ++result_.requests[r->index].preemptions;
    ++result_.preemptions;
    running_.erase(std::find(running_.begin(), running_.end(), r));
    waiting_.push_front(r);
  }
  // The prefix cache: once a request has computed the shared prefix, later ones start after it
  // (at least one token is always computed, as vLLM does for a fully cached prompt).
  // A warm cache (prefix_hit_rate) finds that fraction of every prompt, in whole pages, from the start.
  void apply_prefix_hit(Live& r) {
    if (r.computed > 0) return;
    const uint64_t page = std::max<uint64_t>(1, static_cast<uint64_t>(d_.page_size));
    const uint64_t shared = prefix_ready_ ? c_.shared_prefix / page * page : 0;
    const auto warm = static_cast<uint64_t>(c_.prefix_hit_rate * static_cast<double>(r.prompt)) / page * page;
    // benchmark_serving's (and bench_serving's) initial test run sends the first request once
    // before the measured run: that prompt's whole pages are in the cache.
    const uint64_t test_run = c_.warm_first && r.index == 0 ? r.prompt / page * page : 0;
    const uint64_t hit = std::min<uint64_t>(std::max({shared, warm, test_run}), r.prompt + r.generated - 1);
    if (hit == 0) return;
    r.computed = hit;
    ++result_.prefix_hits;
  }
  uint64_t decode_tokens() const { return d_.spec.on() ? d_.spec.k + 1 : 1; }

  // ---- schedulers: each fills work_ for the next step ----
  void schedule_vllm();
  void schedule_sglang();
  void schedule_trtllm();
  void schedule_static();
  void admit(Live* r, uint64_t tokens) {
    auto it = std::find(waiting_.begin(), waiting_.end(), r);
    if (it != waiting_.end()) waiting_.erase(it);
    running_.push_back(r);
    work_.push_back({r, tokens, false});
  }

  // ---- a step ----
  double step_time();
  void finish_step(double t);
  // Hands the scheduler every request that reached it by `cutoff`; `now` is the loop's time.
  void send_arrivals(double cutoff, double now);
  void account(double t0, double t1);

  const ModelConfig& m_;
  const Design& d_;
  const GpuSpec& gpu_;
  const SimConfig& c_;
  std::span<const SimRequest> requests_;
  StepContext sc_;
  std::optional<Design> draft_design_;
  std::unique_ptr<StepContext> draft_;
  Rng rng_;
  EngineMemory em_;
  std::unique_ptr<KvBytes> kv_;
  double pool_ = 0, used_ = 0, shared_bytes_ = 0;
  bool prefix_ready_ = false;
  uint64_t max_seqs_ = 0, budget_ = 0;
  std::vector<Live> live_;
  std::deque<Live*> waiting_;
  std::vector<Live*> running_;
  std::vector<Work> work_;
  size_t next_ = 0;                  // next request to send
  std::deque<double> free_slots_;    // closed loop: when each free client slot became free
  uint64_t in_flight_ = 0;
  double sglang_ratio_ = kSglangInitRatio;
  SimResult result_;
  StepLoad load_;
  PhaseCost pc_;
  std::vector<std::pair<double, double>> gaps_;  // this step's (previous token time, count)
  double kv_integral_ = 0, in_system_integral_ = 0;
  uint64_t missed_ttft_ = 0, missed_tpot_ = 0;  // requests over each abort target
  double t_step_start_ = 0;
  double frontend_free_ = 0;  // when the API server is done with the last request it took
  // It waits for the API server, spends the serial part there, then the rest of the overhead.
  double ready_time(double sent) const { return std::max(sent, frontend_free_) + c_.request_overhead_s; }
};

void Replica::schedule_vllm() {
  // vllm/v1/core/sched/scheduler.py, schedule(): the running requests first, in order, each
  // taking its decode tokens or its next prefill chunk from the step's token budget; when pages
  // run out the last running request is preempted (recompute). New requests are admitted only
  // in a step without preemption, while the budget and max_num_seqs allow and their pages fit.
  uint64_t budget = budget_;
  bool preempted = false;
  for (size_t i = 0; i < running_.size() && budget > 0; ++i) {
    Live* r = running_[i];
    const bool decode = r->decoding();
    const uint64_t n = decode ? decode_tokens() : std::min(r->need(), budget);
    if (n > budget) continue;
    bool lost = false;
    while (!allocate(*r, r->computed + n)) {
      Live* victim = running_.back();
      preempt(victim);
      preempted = true;
      if (victim == r) {
        lost = true;
        break;
      }
    }
    if (lost) break;
    work_.push_back({r, n, decode});
    budget -= n;
  }
  if (preempted) return;
  while (!waiting_.empty() && running_.size() < max_seqs_ && budget > 0) {
    Live* r = waiting_.front();
    apply_prefix_hit(*r);
    const uint64_t n = std::min(r->need(), budget);
    if (!allocate(*r, r->computed + n)) break;
    admit(r, n);
    budget -= n;
  }
}

void Replica::schedule_sglang() {
  // python/sglang/srt/managers/scheduler.py, get_next_batch_to_run(): a prefill batch (new
  // requests, the chunked one first, up to chunked_prefill_size tokens) whenever one can be
  // formed; otherwise one decode step of every running request. Admission keeps room for the
  // running requests' remaining outputs × new_token_ratio; a decode that runs out of pages
  // retracts the request with the fewest outputs (longest prompt on a tie).
  uint64_t budget = budget_;
  double reserve = 0;
  for (Live* r : running_)
    if (r->generated >= 1) reserve += sglang_ratio_ * static_cast<double>(r->output - r->generated) * kv_->per_token();
  // The request being prefilled in chunks continues first.
  for (Live* r : running_) {
    if (r->decoding() || r->generated >= r->output) continue;
    const uint64_t n = std::min(r->need(), budget);
    if (n == 0 || !allocate(*r, r->computed + n)) break;
    work_.push_back({r, n, false});
    budget -= n;
  }
  while (!waiting_.empty() && running_.size() < max_seqs_ && budget > 0) {
    Live* r = waiting_.front();
    apply_prefix_hit(*r);
    const uint64_t n = std::min(r->need(), budget);
    const double want = (*kv_)(r->computed + n) - r->allocated_bytes;
    if (used_ + want + reserve > pool_) break;
    if (!allocate(*r, r->computed + n)) break;
    reserve += sglang_ratio_ * static_cast<double>(r->output - r->generated) * kv_->per_token();
    admit(r, n);
    budget -= n;
  }
  if (!work_.empty()) return;
  // A decode batch.
  const uint64_t q = decode_tokens();
  const std::vector<Live*> decoding(running_.begin(), running_.end());
  for (Live* r : decoding) {
    if (!r->decoding() || std::find(running_.begin(), running_.end(), r) == running_.end()) continue;  // retracted meanwhile
    bool lost = false;
    while (!allocate(*r, r->computed + q)) {
      // Retract: fewest outputs, then the longest prompt.
      Live* victim = nullptr;
      for (Live* x : running_)
        if (!victim || x->generated < victim->generated || (x->generated == victim->generated && x->prompt > victim->prompt)) victim = x;
      preempt(victim);
      std::erase_if(work_, [&](const Work& w) { return w.r == victim; });
      sglang_ratio_ = kSglangInitRatio;
      if (victim == r) {
        lost = true;
        break;
      }
    }
    if (!lost) work_.push_back({r, q, true});
  }
  sglang_ratio_ = std::max(kSglangMinRatio, sglang_ratio_ - kSglangRatioDecay);
}

void Replica::schedule_trtllm() {
  // tensorrt_llm batch_manager, GUARANTEED_NO_EVICT capacity scheduler with chunked context: a
  // request enters only when pages for its prompt and its whole output are free, so nothing is
  // ever evicted; each step takes the generation requests, then context chunks, up to
  // max_num_tokens.
  uint64_t budget = budget_;
  for (Live* r : running_) {
    if (budget == 0) break;
    const bool decode = r->decoding();
    const uint64_t n = decode ? decode_tokens() : std::min(r->need(), budget);
    if (n > budget) continue;
    work_.push_back({r, n, decode});
    budget -= n;
  }
  while (!waiting_.empty() && running_.size() < max_seqs_ && budget > 0) {
    Live* r = waiting_.front();
    apply_prefix_hit(*r);
    if (!reserve_lifetime(*r)) break;
    const uint64_t n = std::min(r->need(), budget);
    admit(r, n);
    budget -= n;
  }
}

void Replica::schedule_static() {
  // A static batch (Hugging Face generate, the offline engines of 2022): up to max_num_seqs
  // waiting requests whose whole lifetimes fit are prefilled together in one pass, then decode
  // together; the batch runs until its last request finishes before the next batch starts.
  if (running_.empty()) {
    while (!waiting_.empty() && running_.size() < max_seqs_) {
      Live* r = waiting_.front();
      if (!reserve_lifetime(*r)) break;
      admit(r, r->need());
    }
    return;
  }
  for (Live* r : running_) work_.push_back({r, r->decoding() ? decode_tokens() : r->need(), r->decoding()});
}

double Replica::step_time() {
  // The step's load from its requests, costed by the one step-cost path; speculative decoding
  // adds the K draft steps of the decoding requests.
  load_.clear(sc_.use_count);
  double seqs = 0;
  for (const Work& w : work_) {
    if (w.decode) add_decode(sc_, load_, w.r->computed + 1, w.tokens, 1);
    else add_prefill(sc_, load_, w.r->computed, w.r->computed + w.tokens, 1, w.r->computed + w.tokens == w.r->prompt + w.r->generated);
    seqs += 1;
  }
  const uint64_t micro = micro_batches(d_, static_cast<uint64_t>(seqs));
  if (micro > 1) scale_load(load_, 1 / static_cast<double>(micro), sc_.use_count);
  StepPass pass;
  pass.micro = micro, pass.decode = !load_.has_prefill(), pass.tokens = load_.sampled * static_cast<double>(micro);
  cost_step(sc_, load_, pass, pc_);
  double t = pc_.time_s;
  if (draft_ && load_.has_decode()) {
    for (uint64_t j = 0; j < d_.spec.k; ++j) {
      StepLoad dl(draft_->use_count);
      double n = 0;
      for (const Work& w : work_)
        if (w.decode) add_decode(*draft_, dl, w.r->computed + 1 + j, 1, 1), n += 1;
      const uint64_t dm = micro_batches(d_, static_cast<uint64_t>(n));
      if (dm > 1) scale_load(dl, 1 / static_cast<double>(dm), draft_->use_count);
      StepPass dp;
      dp.micro = dm, dp.decode = true, dp.tokens = n;
      cost_step(*draft_, dl, dp, pc_);
      t += pc_.time_s;
    }
  }
  // A decode step larger than the largest captured CUDA graph runs eagerly: its layers' kernels
  // are launched one by one (SGLang model_runner: cuda_graph_runner.can_run() is false above
  // cuda_graph_max_bs), which costs eager_layer_s more per layer of the stage.
  if (c_.cuda_graph_max_bs > 0 && !load_.has_prefill() && seqs > static_cast<double>(c_.cuda_graph_max_bs))
    t += c_.eager_layer_s * static_cast<double>(m_.layers) / static_cast<double>(std::max<int64_t>(1, d_.pp));
  return t + c_.step_overhead_s + c_.seq_overhead_s * seqs;
}

void Replica::finish_step(double t) {
  gaps_.clear();
  for (const Work& w : work_) {
    Live& r = *w.r;
    SimRequestResult& out = result_.requests[r.index];
    if (!r.scheduled_once) r.scheduled_once = true, out.scheduled_s = t_step_start_;
    uint64_t made = 0;
    if (w.decode) {
      // Speculative decoding: drafts accepted one by one with probability α until the first
      // rejection (at most K), plus the target's own token.
      uint64_t accepted = 0;
      if (d_.spec.on())
        while (accepted < d_.spec.k && rng_.uniform() < d_.spec.alpha) ++accepted;
      made = std::min<uint64_t>(accepted + 1, r.output - r.generated);
      r.computed += made;
    } else {
      r.computed += w.tokens;
      if (c_.shared_prefix > 0 && !prefix_ready_ && r.computed >= c_.shared_prefix) prefix_ready_ = true;
      if (r.computed == r.prompt + r.generated) made = 1;
    }
    if (made == 0) continue;
    if (r.generated == 0) {
      out.first_token_s = t;
      if (c_.abort_ttft_s > 0 && out.ttft() > c_.abort_ttft_s) ++missed_ttft_;
    } else if (c_.record_itl) {
      auto it = std::find_if(gaps_.begin(), gaps_.end(), [&](const auto& g) { return g.first == r.last_token_s; });
      if (it == gaps_.end()) gaps_.emplace_back(r.last_token_s, 1.0);
      else it->second += 1;
    }
    r.generated += made;
    r.last_token_s = r.generated == made ? out.first_token_s : t;
    if (r.generated >= r.output) {
      out.finish_s = std::max(t, out.first_token_s);
      if (c_.abort_tpot_s > 0 && out.tpot() > c_.abort_tpot_s) ++missed_tpot_;
      release(r);
      running_.erase(std::find(running_.begin(), running_.end(), &r));
      --in_flight_;
      free_slots_.push_back(out.finish_s);
    }
  }
  for (const auto& [prev, count] : gaps_) result_.itl.push_back({t - prev, count});
}

void Replica::send_arrivals(double cutoff, double now) {
  // Open loop: every request arrived by t is in the queue. Closed loop: at most max_concurrency
  // in flight; a request waits for a client slot and is sent when one frees.
  // A request reaches the scheduler request_overhead_s after it was sent (API server,
  // tokenization, admission), so that time counts in its TTFT and its whole lifetime shifts.
  while (next_ < live_.size()) {
    const SimRequest& q = requests_[next_];
    double sent = q.arrival_s;
    if (c_.max_concurrency > 0) {
      if (in_flight_ >= c_.max_concurrency || free_slots_.empty()) break;
      sent = std::max(sent, free_slots_.front());
    }
    if (ready_time(sent) > cutoff) break;
    frontend_free_ = std::max(sent, frontend_free_) + std::min(c_.request_serial_s, c_.request_overhead_s);
    if (c_.max_concurrency > 0) free_slots_.pop_front();
    Live& r = live_[next_];
    result_.requests[next_].sent_s = sent;
    ++next_;
    // A request whose prompt and output can never fit the pool is refused (vLLM: longer than the
    // model may hold), not queued forever.
    if ((*kv_)(r.prompt + r.output) + shared_bytes_ > pool_) {
      ++result_.rejected;
      result_.requests[r.index].rejected = true;
      result_.requests[r.index].first_token_s = result_.requests[r.index].finish_s = sent;
      if (c_.max_concurrency > 0) free_slots_.push_front(sent);
      continue;
    }
    ++in_flight_;
    in_system_integral_ += now - sent;  // in the system since it was sent, though the engine sees it only now
    waiting_.push_back(&r);
  }
}

void Replica::account(double t0, double t1) {
  const double dt = t1 - t0;
  if (dt <= 0) return;
  kv_integral_ += dt * used_ / std::max(1.0, pool_);
  in_system_integral_ += dt * static_cast<double>(in_flight_);
}

SimResult Replica::run() {
  live_.resize(requests_.size());
  result_.requests.resize(requests_.size());
  for (size_t i = 0; i < requests_.size(); ++i) {
    if (i > 0 && requests_[i].arrival_s < requests_[i - 1].arrival_s) throw InputError("simulate: arrival times must not decrease");
    live_[i].index = i, live_[i].prompt = std::max<uint64_t>(1, requests_[i].prompt), live_[i].output = std::max<uint64_t>(1, requests_[i].output);
    result_.requests[i].prompt = live_[i].prompt, result_.requests[i].output = live_[i].output;
    live_[i].computed = std::min(requests_[i].prefilled, live_[i].prompt - 1);
  }
  for (uint64_t s = 0; s < c_.max_concurrency; ++s) free_slots_.push_back(0);
  // The shared prefix's pages are held once, from the first request on.
  if (shared_bytes_ > 0 && !requests_.empty()) used_ += shared_bytes_;
  double t = 0;
  bool busy = false;  // the last step ended at t (the GPU did not go idle since)
  while (true) {
    // An overlap scheduler formed this step's batch while the previous step ran, at its start:
    // requests that reached the scheduler after that wait one more step. After an idle gap the
    // scheduler's loop spins on its queue and forms the batch at once.
    send_arrivals(c_.overlap_schedule && busy ? t_step_start_ : t, t);
    busy = false;
    work_.clear();
    switch (c_.scheduler) {
      case SchedulerKind::vllm: schedule_vllm(); break;
      case SchedulerKind::sglang: schedule_sglang(); break;
      case SchedulerKind::trtllm: schedule_trtllm(); break;
      case SchedulerKind::static_batch: schedule_static(); break;
    }
    if (work_.empty()) {
      if (!running_.empty() || !waiting_.empty())
        throw InputError(fmt::format("simulate: the KV pool ({:.2f} GiB per GPU) cannot hold the running requests' next tokens", pool_ / 1073741824.0));
      if (next_ >= live_.size()) break;
      // Idle until the next request can be sent.
      double next = requests_[next_].arrival_s;
      if (c_.max_concurrency > 0 && !free_slots_.empty()) next = std::max(next, free_slots_.front());
      next = ready_time(next);
      account(t, next);
      t = std::max(t, next);
      continue;
    }
    t_step_start_ = t;
    busy = true;
    const double dt = step_time();
    account(t, t + dt);
    t += dt;
    ++result_.steps;
    result_.kv_util_max = std::max(result_.kv_util_max, used_ / std::max(1.0, pool_));
    finish_step(t);
    if (c_.abort_after > 0 && std::max(missed_ttft_, missed_tpot_) > c_.abort_after) {
      result_.aborted = true;
      break;
    }
  }
  for (const SimRequestResult& r : result_.requests) result_.duration_s = std::max(result_.duration_s, r.finish_s);
  if (result_.duration_s > 0) {
    result_.kv_util_mean = kv_integral_ / result_.duration_s;
    result_.in_system_mean = in_system_integral_ / result_.duration_s;
  }
  return std::move(result_);
}

}  // namespace

SchedulerKind scheduler_for(EngineKind k) {
  switch (k) {
    case EngineKind::plain:
    case EngineKind::vllm: return SchedulerKind::vllm;
    case EngineKind::sglang: return SchedulerKind::sglang;
    case EngineKind::trtllm: return SchedulerKind::trtllm;
  }
  return SchedulerKind::vllm;
}

SimConfig sim_config_for(const Design& d, SchedulerKind k, const GpuSpec& gpu) {
  SimConfig c;
  c.scheduler = k;
  c.max_num_seqs = d.engine.max_num_seqs;
  c.max_num_batched_tokens = d.engine.max_num_batched_tokens;
  if (k == SchedulerKind::static_batch && c.max_num_batched_tokens == 0) c.max_num_batched_tokens = uint64_t{1} << 40;
  const EngineOverhead o = engine_overhead(d.engine);
  c.step_overhead_s = o.per_step_s, c.request_overhead_s = o.per_request_s, c.seq_overhead_s = o.per_seq_step_s;
  c.request_serial_s = o.per_request_serial_s;
  // A static batch runs to completion whatever loop forms it: no lookahead there.
  c.overlap_schedule = o.overlap_schedule && k != SchedulerKind::static_batch;
  c.cuda_graph_max_bs = o.cuda_graph_max_bs, c.eager_layer_s = o.eager_layer_s;
  // SGLang ≥ 0.5.4 sizes its CUDA graphs by the GPU's memory and TP (32 sequences on a 40 GB
  // A100 at TP 1, 512 at TP ≥ 4 on an H100): that replaces the release rule's single value.
  if (c.cuda_graph_max_bs > 0)
    if (const uint64_t tiered = sglang_cuda_graph_max_bs(d.engine, gpu, d.tp); tiered > 0) c.cuda_graph_max_bs = tiered;
  return c;
}

void use_endpoint(SimConfig& c, const EngineConfig& e, Endpoint endpoint) {
  if (endpoint != Endpoint::completions || e.request_overhead_s >= 0) return;
  c.request_overhead_s = std::max(0.0, c.request_overhead_s - chat_template_s(e));
  c.request_serial_s = std::min(c.request_serial_s, c.request_overhead_s);
}

SimResult simulate(const ModelConfig& m, const Design& d, const GpuSpec& gpu, const SimConfig& c, std::span<const SimRequest> requests) {
  Replica replica(m, d, gpu, c, requests);
  return replica.run();
}

}  // namespace attncost
