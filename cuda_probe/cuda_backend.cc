// The CUDA backend, built as the loadable module attncost-cuda.so (cuda_loader.h): the attached
// GPU's ceiling benchmarks (streaming read, device copy, cuBLAS GEMM, an FMA loop, empty launches)
// and the probe's kernels, each version checked against the CPU reference on the same
// host-generated inputs; the probe's one measurement loop (run.cc) then times the last version
// through time_once (CUDA events, L2 flushed before each sample). CUDA failures become the case's
// skip reason or the sample's error; no exception leaves the module.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "cuda_probe/cuda_kernels.h"
#include "cuda_probe/fp8_gemm.h"
#include "cuda_probe/inputs.h"
#include "cuda_probe/probe.h"

namespace attncost::probe {
namespace {

// A CUDA or cuBLAS failure inside the module; caught before it leaves (the case is skipped with it
// as the reason).
struct CudaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

#define ATTNCOST_CUDA_CHECK(call)                                                                                    \
  do {                                                                                                               \
    const cudaError_t err_ = (call);                                                                                 \
    if (err_ != cudaSuccess) throw CudaError(fmt::format("{}:{}: {}: {}", __FILE__, __LINE__, #call, cudaGetErrorString(err_))); \
  } while (0)
#define ATTNCOST_CUBLAS_CHECK(call)                                                                                  \
  do {                                                                                                               \
    const cublasStatus_t st_ = (call);                                                                               \
    if (st_ != CUBLAS_STATUS_SUCCESS) throw CudaError(fmt::format("{}:{}: {}: cuBLAS status {}", __FILE__, __LINE__, #call, static_cast<int>(st_))); \
  } while (0)

// Owning device buffer.
struct DeviceBuffer {
  void* ptr = nullptr;
  size_t bytes = 0;
  explicit DeviceBuffer(size_t n) : bytes(n) { ATTNCOST_CUDA_CHECK(cudaMalloc(&ptr, std::max<size_t>(n, 16))); }
  // An empty host vector (no int8 scales, no block table) has no data pointer: copy nothing.
  DeviceBuffer(const void* host, size_t n) : DeviceBuffer(n) {
    if (n > 0) ATTNCOST_CUDA_CHECK(cudaMemcpy(ptr, host, n, cudaMemcpyHostToDevice));
  }
  ~DeviceBuffer() { cudaFree(ptr); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <typename T>
  T* as() const { return static_cast<T*>(ptr); }
};

template <typename T>
std::vector<T> to_host(const DeviceBuffer& d, size_t count) {
  std::vector<T> out(count);
  ATTNCOST_CUDA_CHECK(cudaMemcpy(out.data(), d.ptr, count * sizeof(T), cudaMemcpyDeviceToHost));
  return out;
}

cuda::KvType kv_type(Dtype d) {
  switch (d) {
    case Dtype::fp16: return cuda::KvType::fp16;
    case Dtype::bf16: return cuda::KvType::bf16;
    case Dtype::fp8: return cuda::KvType::fp8;
    case Dtype::int8: return cuda::KvType::int8;
    default: throw CudaError(fmt::format("KV dtype {} has no CUDA decode kernel", dtype_name(d)));
  }
}

// A prepared case: the device buffers it owns and the launch that is timed.
class CudaCase final : public PreparedCase {
 public:
  std::vector<std::unique_ptr<DeviceBuffer>> buffers;
  std::function<void()> run;
  void launch(int) override { run(); }
  DeviceBuffer& own(std::unique_ptr<DeviceBuffer> b) {
    buffers.push_back(std::move(b));
    return *buffers.back();
  }
};

class CudaBackend final : public Backend {
 public:
  CudaBackend() {
    ATTNCOST_CUDA_CHECK(cudaSetDevice(0));
    ATTNCOST_CUDA_CHECK(cudaGetDeviceProperties(&prop_, 0));
    ATTNCOST_CUDA_CHECK(cudaStreamCreate(&stream_));
    ATTNCOST_CUBLAS_CHECK(cublasCreate(&blas_));
    ATTNCOST_CUBLAS_CHECK(cublasSetStream(blas_, stream_));
    ATTNCOST_CUDA_CHECK(cudaEventCreate(&start_));
    ATTNCOST_CUDA_CHECK(cudaEventCreate(&stop_));
    flush_ = std::make_unique<DeviceBuffer>(static_cast<size_t>(std::max(prop_.l2CacheSize, 1 << 20)) * 2);
    flush_sink_ = std::make_unique<DeviceBuffer>(sizeof(float));
    ATTNCOST_CUDA_CHECK(cudaMemset(flush_->ptr, 0, flush_->bytes));
  }
  ~CudaBackend() override {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
    cublasDestroy(blas_);
    cudaStreamDestroy(stream_);
  }

  Device device() override {
    Device d;
    d.backend = "cuda";
    d.name = prop_.name;
    d.sms = prop_.multiProcessorCount;
    d.memory_bytes = static_cast<double>(prop_.totalGlobalMem);
    d.l2_bytes = prop_.l2CacheSize;
    int clock_khz = 0, memory_khz = 0, bus_bits = 0, driver = 0, runtime = 0;
    cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, 0);
    cudaDeviceGetAttribute(&memory_khz, cudaDevAttrMemoryClockRate, 0);
    cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, 0);
    d.clock_hz = clock_khz * 1e3;
    d.memory_clock_hz = memory_khz * 1e3;
    d.memory_bus_bits = bus_bits;
    d.compute_capability = fmt::format("{}.{}", prop_.major, prop_.minor);
    cudaDriverGetVersion(&driver);
    cudaRuntimeGetVersion(&runtime);
    d.driver = fmt::format("{}.{}", driver / 1000, driver % 1000 / 10);
    d.runtime = fmt::format("{}.{}", runtime / 1000, runtime % 1000 / 10);
    return d;
  }

  std::vector<CeilingProbe> ceiling_probes(std::vector<std::string>& notes) override {
    std::vector<CeilingProbe> out;
    try {
      const size_t bytes = std::min<size_t>(size_t{1} << 30, free_bytes() / 4);
      auto read = std::make_unique<CudaCase>();
      DeviceBuffer& a = read->own(std::make_unique<DeviceBuffer>(bytes));
      DeviceBuffer& sink = read->own(std::make_unique<DeviceBuffer>(sizeof(float)));
      ATTNCOST_CUDA_CHECK(cudaMemset(a.ptr, 0, bytes));
      read->run = [&a, &sink, bytes, this] {
        cuda::launch_read(a.as<float4>(), bytes / sizeof(float4), sink.as<float>(), prop_.multiProcessorCount, stream_);
      };
      out.push_back({CeilingProbe::Kind::read, std::move(read), static_cast<double>(bytes), true});
      auto copy = std::make_unique<CudaCase>();
      DeviceBuffer& src = copy->own(std::make_unique<DeviceBuffer>(bytes));
      DeviceBuffer& dst = copy->own(std::make_unique<DeviceBuffer>(bytes));
      ATTNCOST_CUDA_CHECK(cudaMemset(src.ptr, 0, bytes));
      copy->run = [&src, &dst, bytes, this] { ATTNCOST_CUDA_CHECK(cudaMemcpyAsync(dst.ptr, src.ptr, bytes, cudaMemcpyDeviceToDevice, stream_)); };
      out.push_back({CeilingProbe::Kind::copy, std::move(copy), 2.0 * static_cast<double>(bytes), true});
      out.push_back(gemm_probe(CUDA_R_16F, CeilingProbe::Kind::gemm_fp16));
      out.push_back(gemm_probe(CUDA_R_16BF, CeilingProbe::Kind::gemm_bf16));
      if (auto fp8 = gemm_fp8_probe(notes)) out.push_back(std::move(*fp8));
      const int blocks = prop_.multiProcessorCount * 8, iterations = 1 << 14;
      auto fma = std::make_unique<CudaCase>();
      DeviceBuffer& fsink = fma->own(std::make_unique<DeviceBuffer>(sizeof(float)));
      fma->run = [&fsink, blocks, iterations, this] { cuda::launch_fma(fsink.as<float>(), blocks, iterations, stream_); };
      out.push_back({CeilingProbe::Kind::vector, std::move(fma), static_cast<double>(blocks) * 256 * iterations * 16 * 2, false});
      auto empty = std::make_unique<CudaCase>();
      empty->run = [this] {
        for (int i = 0; i < 1000; ++i) cuda::launch_empty(stream_);
      };
      out.push_back({CeilingProbe::Kind::launch, std::move(empty), 1000.0, false});
    } catch (const CudaError& e) {
      after_error(e.what());
      notes.push_back(std::string("ceiling benchmarks stopped: ") + e.what());
    }
    return out;
  }

  std::unique_ptr<PreparedCase> prepare(const Case& c, Measurement& m) override {
    if (!lost_.empty()) {
      m.skip_reason = "not run: the CUDA context was lost to an earlier error (" + lost_ + ")";
      return nullptr;
    }
    try {
      switch (c.kernel) {
        case Kernel::decode:
        case Kernel::decode_paged: return prepare_decode(c, m);
        case Kernel::prefill_flash: return prepare_prefill_flash(c, m);
        case Kernel::prefill_naive: return prepare_prefill_naive(c, m);
        case Kernel::linear_decode:
        case Kernel::linear_prefill: return prepare_linear(c, m);
      }
      m.skip_reason = "unknown kernel";
    } catch (const CudaError& e) {
      after_error(e.what());
      m.skip_reason = e.what();
    }
    return nullptr;
  }

  Sample time_once(PreparedCase& p, int r, bool flush) override {
    try {
      // Reading (not writing) twice the L2 leaves it full of clean lines: a memset would leave
      // dirty ones, written back inside the timed kernel.
      if (flush) cuda::launch_read(flush_->as<float4>(), flush_->bytes / sizeof(float4), flush_sink_->as<float>(), prop_.multiProcessorCount, stream_);
      ATTNCOST_CUDA_CHECK(cudaEventRecord(start_, stream_));
      p.launch(r);
      ATTNCOST_CUDA_CHECK(cudaEventRecord(stop_, stream_));
      ATTNCOST_CUDA_CHECK(cudaEventSynchronize(stop_));
      ATTNCOST_CUDA_CHECK(cudaGetLastError());
      float ms = 0;
      ATTNCOST_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
      return {ms * 1e-3, {}};
    } catch (const CudaError& e) {
      after_error(e.what());
      return {0, e.what()};
    }
  }

 private:
  // A launch error that is not sticky (bad configuration, out of memory) is cleared and the run
  // goes on. A sticky one (illegal address, a trap) leaves the context unusable: every later CUDA
  // call would fail with it, so later cases are skipped at once, naming the first error, instead
  // of each spending the case timeout on a dead context.
  void after_error(const std::string& what) {
    cudaGetLastError();
    if (lost_.empty() && cudaDeviceSynchronize() != cudaSuccess) lost_ = what;
  }

  size_t free_bytes() const {
    size_t free = 0, total = 0;
    cudaMemGetInfo(&free, &total);
    return free;
  }

  void require(size_t bytes) const {
    const size_t free = free_bytes();
    if (static_cast<double>(bytes) > 0.9 * static_cast<double>(free))
      throw CudaError(fmt::format("needs {:.1f} GiB of device memory, {:.1f} GiB free", static_cast<double>(bytes) / (1 << 30),
                                  static_cast<double>(free) / (1 << 30)));
  }

  void sync_check() {
    ATTNCOST_CUDA_CHECK(cudaGetLastError());
    ATTNCOST_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  // GEMM ceilings on random operands: tensor cores multiplying zeros draw less power and clock
  // higher, so a zero-filled GEMM reads several percent above what real data gets (on an H200,
  // 894 against 788 TFLOP/s through PyTorch). Values are in ±[1/8, 1) with random mantissas,
  // so that k = 8192 products of them sum far inside fp16's range.
  enum class Operand { fp16, bf16, fp8_e4m3 };
  static void fill_random(DeviceBuffer& d, Operand kind, uint64_t seed) {
    uint64_t x = 0x9E3779B97F4A7C15ull * (seed + 1);
    auto next = [&x] {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      return x;
    };
    if (kind == Operand::fp8_e4m3) {
      std::vector<uint8_t> h(d.bytes);
      for (auto& v : h) {  // sign, exponent 4..6 of bias 7, 3 mantissa bits
        const uint64_t r = next();
        v = static_cast<uint8_t>(((r & 1) << 7) | ((4 + (r >> 1) % 3) << 3) | ((r >> 8) & 7));
      }
      ATTNCOST_CUDA_CHECK(cudaMemcpy(d.ptr, h.data(), h.size(), cudaMemcpyHostToDevice));
      return;
    }
    std::vector<uint16_t> h(d.bytes / 2);
    for (auto& v : h) {
      const uint64_t r = next();
      const uint64_t sign = (r & 1) << 15, e = (r >> 1) % 3;
      v = static_cast<uint16_t>(kind == Operand::fp16 ? sign | ((12 + e) << 10) | ((r >> 8) & 0x3ff)    // fp16: exponent 12..14 of bias 15
                                                      : sign | ((124 + e) << 7) | ((r >> 8) & 0x7f));   // bf16: 124..126 of bias 127
    }
    ATTNCOST_CUDA_CHECK(cudaMemcpy(d.ptr, h.data(), h.size() * 2, cudaMemcpyHostToDevice));
  }

  CeilingProbe gemm_probe(cudaDataType type, CeilingProbe::Kind kind) {
    const int n = 8192;
    const size_t bytes = static_cast<size_t>(n) * n * 2;
    require(3 * bytes);
    auto g = std::make_unique<CudaCase>();
    DeviceBuffer& a = g->own(std::make_unique<DeviceBuffer>(bytes));
    DeviceBuffer& b = g->own(std::make_unique<DeviceBuffer>(bytes));
    DeviceBuffer& c = g->own(std::make_unique<DeviceBuffer>(bytes));
    fill_random(a, type == CUDA_R_16BF ? Operand::bf16 : Operand::fp16, 1);
    fill_random(b, type == CUDA_R_16BF ? Operand::bf16 : Operand::fp16, 2);
    g->run = [&a, &b, &c, type, n, this] {
      const float one = 1, zero = 0;
      ATTNCOST_CUBLAS_CHECK(cublasGemmEx(blas_, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a.ptr, type, n, b.ptr, type, n, &zero, c.ptr,
                                         type, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    };
    return {kind, std::move(g), 2.0 * n * static_cast<double>(n) * n, true};
  }

  // nullopt with a note where the device has no fp8 tensor cores or cuBLASLt declines the shape.
  std::optional<CeilingProbe> gemm_fp8_probe(std::vector<std::string>& notes) {
    const int n = 8192;
    const size_t bytes = static_cast<size_t>(n) * n, workspace = size_t{32} << 20;
    require(4 * bytes + workspace);
    struct Fp8Case final : PreparedCase {
      DeviceBuffer a, b, d, ws;
      std::unique_ptr<cuda::Fp8Gemm> gemm;
      cudaStream_t stream = nullptr;
      Fp8Case(size_t bytes, size_t workspace) : a(bytes), b(bytes), d(2 * bytes), ws(workspace) {}
      void launch(int) override { ATTNCOST_CUBLAS_CHECK(gemm->launch(stream)); }
    };
    auto f = std::make_unique<Fp8Case>(bytes, workspace);
    fill_random(f->a, Operand::fp8_e4m3, 1);
    fill_random(f->b, Operand::fp8_e4m3, 2);
    f->gemm = std::make_unique<cuda::Fp8Gemm>(n, f->a.ptr, f->b.ptr, f->d.ptr, f->ws.ptr, workspace);
    f->stream = stream_;
    if (!f->gemm->error().empty()) {
      notes.push_back("GEMM fp8 not measured: " + f->gemm->error());
      return std::nullopt;
    }
    const double flops = f->gemm->flops();
    return CeilingProbe{CeilingProbe::Kind::gemm_fp8, std::move(f), flops, true};
  }

  std::unique_ptr<PreparedCase> prepare_decode(const Case& c, Measurement& m) {
    if (c.shape.head_dim != 128) throw CudaError("the CUDA decode kernels are built for head_dim 128");
    const DecodeInputs in(c, 1);
    require(in.k.bytes() + in.v.bytes() + (size_t{64} << 20));
    auto p = std::make_unique<CudaCase>();
    DeviceBuffer& k = p->own(std::make_unique<DeviceBuffer>(in.k.data.data(), in.k.data.size()));
    DeviceBuffer& v = p->own(std::make_unique<DeviceBuffer>(in.v.data.data(), in.v.data.size()));
    DeviceBuffer& ks = p->own(std::make_unique<DeviceBuffer>(in.k.scales.data(), in.k.scales.size() * 2));
    DeviceBuffer& vs = p->own(std::make_unique<DeviceBuffer>(in.v.scales.data(), in.v.scales.size() * 2));
    DeviceBuffer& q = p->own(std::make_unique<DeviceBuffer>(in.q.data(), in.q.size() * sizeof(float)));
    DeviceBuffer& out = p->own(std::make_unique<DeviceBuffer>(in.q.size() * sizeof(float)));
    DeviceBuffer& table = p->own(std::make_unique<DeviceBuffer>(in.table.data(), in.table.size() * sizeof(uint32_t)));
    cuda::DecodeArgs a;
    a.k = k.ptr, a.v = v.ptr, a.k_scale = ks.as<uint16_t>(), a.v_scale = vs.as<uint16_t>();
    a.q = q.as<float>(), a.out = out.as<float>();
    a.block_table = in.paged ? table.as<int32_t>() : nullptr;
    a.batch = static_cast<int>(in.s.batch), a.heads = static_cast<int>(in.s.heads), a.kv_heads = static_cast<int>(in.s.kv_heads);
    a.head_dim = static_cast<int>(in.s.head_dim), a.ctx = static_cast<int>(in.n);
    a.page_size = static_cast<int>(in.page), a.pages_per_seq = static_cast<int>((in.n + in.page - 1) / in.page);
    a.window = static_cast<int>(in.s.window), a.sinks = static_cast<int>(in.s.sinks);
    a.type = kv_type(c.shape.kv_dtype);
    a.splits = cuda::decode_splits(a, prop_.multiProcessorCount);
    DeviceBuffer& ws = p->own(std::make_unique<DeviceBuffer>(static_cast<size_t>(a.batch) * a.heads * a.splits * (a.head_dim + 2) * sizeof(float)));
    a.workspace = ws.as<float>();
    const std::vector<double> want = in.reference();  // sequence 0, the query heads of KV head 0
    for (int version : {1, 2}) {  // every version is checked; the last is timed
      cuda::launch_decode(version, a, stream_);
      sync_check();
      m.record_check(max_rel_error(to_host<float>(out, want.size()), want), 2e-3);
    }
    p->run = [a, this] { cuda::launch_decode(2, a, stream_); };
    return p;
  }

  std::unique_ptr<PreparedCase> prepare_prefill_flash(const Case& c, Measurement& m) {
    if (c.shape.head_dim != 128) throw CudaError("the CUDA prefill kernels are built for head_dim 128");
    PrefillInputs in(c, 7);
    const auto qh = round_to_half(in.q), kh = round_to_half(in.k), vh = round_to_half(in.v);
    require((qh.size() + kh.size() + vh.size()) * 2 + in.q.size() * 4);
    auto p = std::make_unique<CudaCase>();
    DeviceBuffer& q = p->own(std::make_unique<DeviceBuffer>(qh.data(), qh.size() * 2));
    DeviceBuffer& k = p->own(std::make_unique<DeviceBuffer>(kh.data(), kh.size() * 2));
    DeviceBuffer& v = p->own(std::make_unique<DeviceBuffer>(vh.data(), vh.size() * 2));
    DeviceBuffer& out = p->own(std::make_unique<DeviceBuffer>(in.q.size() * sizeof(float)));
    cuda::PrefillArgs a;
    a.q = q.as<uint16_t>(), a.k = k.as<uint16_t>(), a.v = v.as<uint16_t>(), a.out = out.as<float>();
    a.batch = static_cast<int>(in.s.batch), a.heads = static_cast<int>(in.s.heads), a.kv_heads = static_cast<int>(in.s.kv_heads);
    a.head_dim = 128, a.n = static_cast<int>(in.n), a.window = static_cast<int>(in.s.window), a.sinks = static_cast<int>(in.s.sinks);
    for (int version = 1; version <= cuda::kPrefillFlashVersions; ++version) {  // every version is checked; the last is timed
      ATTNCOST_CUDA_CHECK(cudaMemsetAsync(out.ptr, 0xff, out.bytes, stream_));  // NaN: a row left unwritten fails
      cuda::launch_prefill_flash(version, a, stream_);
      sync_check();
      m.record_check(max_rel_error(in.checked(to_host<float>(out, in.q.size())), in.reference()), cuda::prefill_flash_tolerance(version));
    }
    p->run = [a, this] { cuda::launch_prefill_flash(cuda::kPrefillFlashVersions, a, stream_); };
    return p;
  }

  std::unique_ptr<PreparedCase> prepare_prefill_naive(const Case& c, Measurement& m) {
    if (c.shape.kv_heads != c.shape.heads) throw CudaError("the naive prefill runs MHA shapes (repeat_kv is not modelled here)");
    PrefillInputs in(c, 7);
    const auto qh = round_to_half(in.q), kh = round_to_half(in.k), vh = round_to_half(in.v);
    const int n = static_cast<int>(in.n), d = static_cast<int>(in.s.head_dim), heads = static_cast<int>(in.s.batch * in.s.heads);
    const size_t score_bytes = static_cast<size_t>(heads) * n * n * 2;
    require(score_bytes + 4 * qh.size() * 2);
    auto p = std::make_unique<CudaCase>();
    DeviceBuffer& q = p->own(std::make_unique<DeviceBuffer>(qh.data(), qh.size() * 2));
    DeviceBuffer& k = p->own(std::make_unique<DeviceBuffer>(kh.data(), kh.size() * 2));
    DeviceBuffer& v = p->own(std::make_unique<DeviceBuffer>(vh.data(), vh.size() * 2));
    DeviceBuffer& s = p->own(std::make_unique<DeviceBuffer>(score_bytes));
    DeviceBuffer& o = p->own(std::make_unique<DeviceBuffer>(qh.size() * 2));
    const int window = static_cast<int>(in.s.window), sinks = static_cast<int>(in.s.sinks);
    p->run = [&q, &k, &v, &s, &o, n, d, heads, window, sinks, this] {
      const float one = 1, zero = 0;
      const long long nd = static_cast<long long>(n) * d, nn = static_cast<long long>(n) * n;
      // Row-major S = Q·Kᵀ is column-major Sᵀ = K·Qᵀ; row-major O = P·V is column-major Oᵀ = Vᵀ·Pᵀ.
      ATTNCOST_CUBLAS_CHECK(cublasGemmStridedBatchedEx(blas_, CUBLAS_OP_T, CUBLAS_OP_N, n, n, d, &one, k.ptr, CUDA_R_16F, d, nd, q.ptr,
                                                       CUDA_R_16F, d, nd, &zero, s.ptr, CUDA_R_16F, n, nn, heads, CUBLAS_COMPUTE_32F,
                                                       CUBLAS_GEMM_DEFAULT));
      cuda::launch_masked_softmax(s.as<uint16_t>(), n, heads * n, 1.0f / std::sqrt(static_cast<float>(d)), window, sinks, stream_);
      ATTNCOST_CUBLAS_CHECK(cublasGemmStridedBatchedEx(blas_, CUBLAS_OP_N, CUBLAS_OP_N, d, n, n, &one, v.ptr, CUDA_R_16F, d, nd, s.ptr,
                                                       CUDA_R_16F, n, nn, &zero, o.ptr, CUDA_R_16F, d, nd, heads, CUBLAS_COMPUTE_32F,
                                                       CUBLAS_GEMM_DEFAULT));
    };
    p->run();
    sync_check();
    const auto oh = to_host<uint16_t>(o, qh.size());
    std::vector<float> got(oh.size());
    for (size_t i = 0; i < oh.size(); ++i) got[i] = half_to_float(oh[i]);
    m.record_check(max_rel_error(in.checked(got), in.reference()), 1e-2);  // S and P are fp16, as in eager attention
    return p;
  }

  // Decode: v1 (the state read and written once). Prefill: v1 (scan) and v2 (chunked) are both
  // checked, outputs against the reference and v2's final state against v1's; v2 is timed.
  std::unique_ptr<PreparedCase> prepare_linear(const Case& c, Measurement& m) {
    const LinearInputs in(c);
    const bool prefill = in.history == 0;
    auto p = std::make_unique<CudaCase>();
    DeviceBuffer& state = p->own(std::make_unique<DeviceBuffer>(in.bh * in.d * in.d * sizeof(float)));
    DeviceBuffer& z = p->own(std::make_unique<DeviceBuffer>(in.bh * in.d * sizeof(float)));
    DeviceBuffer& out = p->own(std::make_unique<DeviceBuffer>(in.bh * std::max(in.history, in.n) * in.d * sizeof(float)));
    cuda::LinearArgs a;
    a.state = state.as<float>(), a.z = z.as<float>(), a.out = out.as<float>(), a.bh = static_cast<int>(in.bh), a.d = static_cast<int>(in.d);
    a.n = static_cast<int>(in.n);
    const size_t workspace_bytes = prefill ? cuda::linear_chunk_workspace_floats(a) * sizeof(float) : 0;
    require(workspace_bytes + 4 * in.q.size() * sizeof(float));
    DeviceBuffer& workspace = p->own(std::make_unique<DeviceBuffer>(workspace_bytes));
    a.workspace = workspace.as<float>();
    auto reset_state = [&state, &z, this] {
      ATTNCOST_CUDA_CHECK(cudaMemsetAsync(state.ptr, 0, state.bytes, stream_));
      ATTNCOST_CUDA_CHECK(cudaMemsetAsync(z.ptr, 0, z.bytes, stream_));
    };
    reset_state();
    if (in.history > 0) {  // build the state the measured step starts from
      const auto hq = in.part(in.q, 0, in.history), hk = in.part(in.k, 0, in.history), hv = in.part(in.v, 0, in.history);
      DeviceBuffer dq(hq.data(), hq.size() * 4), dk(hk.data(), hk.size() * 4), dv(hv.data(), hv.size() * 4);
      cuda::LinearArgs h = a;
      h.q = dq.as<float>(), h.k = dk.as<float>(), h.v = dv.as<float>(), h.n = static_cast<int>(in.history);
      cuda::launch_linear(1, h, stream_);
      sync_check();
    }
    const auto mq = in.part(in.q, in.history, in.n), mk = in.part(in.k, in.history, in.n), mv = in.part(in.v, in.history, in.n);
    DeviceBuffer& dq = p->own(std::make_unique<DeviceBuffer>(mq.data(), mq.size() * 4));
    DeviceBuffer& dk = p->own(std::make_unique<DeviceBuffer>(mk.data(), mk.size() * 4));
    DeviceBuffer& dv = p->own(std::make_unique<DeviceBuffer>(mv.data(), mv.size() * 4));
    a.q = dq.as<float>(), a.k = dk.as<float>(), a.v = dv.as<float>();
    const int timed = prefill ? 2 : 1;
    std::vector<float> first_state;
    for (int version = 1; version <= timed; ++version) {
      if (prefill) reset_state();
      cuda::launch_linear(version, a, stream_);
      sync_check();
      double err = max_rel_error(in.checked(to_host<float>(out, in.bh * in.n * in.d)), in.want);
      const std::vector<float> final_state = to_host<float>(state, in.bh * in.d * in.d);
      if (version == 1) {
        first_state = final_state;
      } else {
        err = std::max(err, max_rel_error(final_state, std::vector<double>(first_state.begin(), first_state.end())));
      }
      m.record_check(err, 2e-3);
    }
    p->run = [a, prefill, timed, reset_state, this] {
      if (prefill) reset_state();  // a prefill starts from an empty state
      cuda::launch_linear(timed, a, stream_);
    };
    return p;
  }

  cudaDeviceProp prop_{};
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
  std::unique_ptr<DeviceBuffer> flush_, flush_sink_;
  std::string lost_;  // the error that made the context unusable; empty while it works
};

}  // namespace

// The module's entry points (cuda_loader.cc looks them up by name).
extern "C" __attribute__((visibility("default"))) int attncost_cuda_backend_abi() { return kBackendAbi; }

extern "C" __attribute__((visibility("default"))) Backend* attncost_cuda_backend_create(char* why, size_t why_size) {
  auto say = [&](const std::string& text) { std::snprintf(why, why_size, "%s", text.c_str()); };
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    say(err == cudaSuccess ? "no CUDA device is present" : std::string("CUDA reports ") + cudaGetErrorString(err));
    return nullptr;
  }
  try {
    return new CudaBackend();
  } catch (const CudaError& e) {
    say(e.what());
    return nullptr;
  } catch (const std::exception& e) {
    say(e.what());
    return nullptr;
  }
}

}  // namespace attncost::probe
