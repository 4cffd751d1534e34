// The CUDA backend: the attached GPU's ceilings (streaming read, device copy, cuBLAS GEMM, an FMA
// loop, empty launches) and the probe's kernels, each version checked against the CPU reference
// on the same host-generated inputs, then timed with CUDA events (warm-up, L2 flushed before each
// repeat, median). CUDA failures become the case's skip reason; the run goes on.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <fmt/format.h>

#include "cuda_probe/cuda_kernels.h"
#include "cuda_probe/fp8_gemm.h"
#include "cuda_probe/inputs.h"
#include "cuda_probe/probe.h"

namespace attncost::probe {
namespace {

// A CUDA or cuBLAS failure: the case is skipped with it as the reason.
struct CudaError : CaseSkipped {
  using CaseSkipped::CaseSkipped;
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
  DeviceBuffer(const void* host, size_t n) : DeviceBuffer(n) { ATTNCOST_CUDA_CHECK(cudaMemcpy(ptr, host, n, cudaMemcpyHostToDevice)); }
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

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

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
    int clock_khz = 0, driver = 0, runtime = 0;
    cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, 0);
    d.clock_hz = clock_khz * 1e3;
    cudaDriverGetVersion(&driver);
    cudaRuntimeGetVersion(&runtime);
    d.driver = fmt::format("{}.{}", driver / 1000, driver % 1000 / 10);
    d.runtime = fmt::format("{}.{}", runtime / 1000, runtime % 1000 / 10);
    return d;
  }

  Ceilings measure_ceilings() override {
    Ceilings c;
    const size_t bytes = std::min<size_t>(size_t{1} << 30, free_bytes() / 4);
    DeviceBuffer a(bytes), b(bytes), sink(sizeof(float));
    ATTNCOST_CUDA_CHECK(cudaMemset(a.ptr, 0, bytes));
    c.read_Bps = static_cast<double>(bytes) /
                 time([&] { cuda::launch_read(a.as<float4>(), bytes / sizeof(float4), sink.as<float>(), prop_.multiProcessorCount, stream_); }, 5);
    c.copy_Bps = 2.0 * static_cast<double>(bytes) / time([&] { ATTNCOST_CUDA_CHECK(cudaMemcpyAsync(b.ptr, a.ptr, bytes, cudaMemcpyDeviceToDevice, stream_)); }, 5);
    c.gemm_fp16_flops = gemm_rate(CUDA_R_16F);
    c.gemm_bf16_flops = gemm_rate(CUDA_R_16BF);
    c.gemm_fp8_flops = gemm_fp8_rate(c.notes);
    const int blocks = prop_.multiProcessorCount * 8, iterations = 1 << 14;
    c.vector_flops = static_cast<double>(blocks) * 256 * iterations * 16 * 2 / time([&] { cuda::launch_fma(sink.as<float>(), blocks, iterations, stream_); }, 5);
    const int launches = 1000;
    c.launch_s = time([&] { for (int i = 0; i < launches; ++i) cuda::launch_empty(stream_); }, 3, false) / launches;
    return c;
  }

  void measure(const Case& c, int repeats, Measurement& m) override {
    try {
      switch (c.kernel) {
        case Kernel::decode:
        case Kernel::decode_paged: run_decode(c, repeats, m); break;
        case Kernel::prefill_flash: run_prefill_flash(c, repeats, m); break;
        case Kernel::prefill_naive: run_prefill_naive(c, repeats, m); break;
        case Kernel::linear_decode:
        case Kernel::linear_prefill: run_linear(c, repeats, m); break;
      }
    } catch (const CudaError&) {
      cudaGetLastError();  // clear a sticky launch error so the next case can run
      throw;
    }
  }

 private:
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

  // Median seconds of `launch` over `repeats` timed runs after one warm-up, the L2 flushed first.
  template <typename Fn>
  double time(Fn launch, int repeats, bool flush = true) {
    const auto warm = std::chrono::steady_clock::now();
    launch();
    ATTNCOST_CUDA_CHECK(cudaGetLastError());
    ATTNCOST_CUDA_CHECK(cudaStreamSynchronize(stream_));
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - warm).count();
    if (took > time_limit_s) throw TimeLimitExceeded(time_limit_reason(took, time_limit_s));
    std::vector<double> t;
    for (int r = 0; r < repeats; ++r) {
      if (flush) ATTNCOST_CUDA_CHECK(cudaMemsetAsync(flush_->ptr, r, flush_->bytes, stream_));
      ATTNCOST_CUDA_CHECK(cudaEventRecord(start_, stream_));
      launch();
      ATTNCOST_CUDA_CHECK(cudaEventRecord(stop_, stream_));
      ATTNCOST_CUDA_CHECK(cudaEventSynchronize(stop_));
      ATTNCOST_CUDA_CHECK(cudaGetLastError());
      float ms = 0;
      ATTNCOST_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
      t.push_back(ms * 1e-3);
    }
    last_times_ = t;
    return median(t);
  }

  void fill_timing(Measurement& m, double seconds) {
    m.ran = true;
    m.measured_s = seconds;
    m.min_s = *std::min_element(last_times_.begin(), last_times_.end());
    m.max_s = *std::max_element(last_times_.begin(), last_times_.end());
    m.repeats = static_cast<int>(last_times_.size());
  }

  double gemm_rate(cudaDataType type) {
    const int n = 8192;
    const size_t bytes = static_cast<size_t>(n) * n * 2;
    require(3 * bytes);
    DeviceBuffer a(bytes), b(bytes), c(bytes);
    ATTNCOST_CUDA_CHECK(cudaMemset(a.ptr, 0, bytes));
    ATTNCOST_CUDA_CHECK(cudaMemset(b.ptr, 0, bytes));
    const float one = 1, zero = 0;
    const double s = time([&] {
      ATTNCOST_CUBLAS_CHECK(cublasGemmEx(blas_, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a.ptr, type, n, b.ptr, type, n, &zero, c.ptr,
                                         type, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    }, 5);
    return 2.0 * n * static_cast<double>(n) * n / s;
  }

  // 0 with a note where the device has no fp8 tensor cores or cuBLASLt declines the shape.
  double gemm_fp8_rate(std::vector<std::string>& notes) {
    const int n = 8192;
    const size_t bytes = static_cast<size_t>(n) * n, workspace = size_t{32} << 20;
    require(4 * bytes + workspace);
    DeviceBuffer a(bytes), b(bytes), d(2 * bytes), ws(workspace);
    ATTNCOST_CUDA_CHECK(cudaMemset(a.ptr, 0, bytes));
    ATTNCOST_CUDA_CHECK(cudaMemset(b.ptr, 0, bytes));
    const cuda::Fp8Gemm gemm(n, a.ptr, b.ptr, d.ptr, ws.ptr, workspace);
    if (!gemm.error().empty()) {
      notes.push_back("GEMM fp8 not measured: " + gemm.error());
      return 0;
    }
    return gemm.flops() / time([&] { ATTNCOST_CUBLAS_CHECK(gemm.launch(stream_)); }, 5);
  }

  void run_decode(const Case& c, int repeats, Measurement& m) {
    if (c.shape.head_dim != 128) throw CudaError("the CUDA decode kernels are built for head_dim 128");
    const DecodeInputs in(c, 1);
    require(in.k.bytes() + in.v.bytes() + (size_t{64} << 20));
    DeviceBuffer k(in.k.data.data(), in.k.data.size()), v(in.v.data.data(), in.v.data.size());
    DeviceBuffer ks(in.k.scales.data(), in.k.scales.size() * 2), vs(in.v.scales.data(), in.v.scales.size() * 2);
    DeviceBuffer q(in.q.data(), in.q.size() * sizeof(float)), out(in.q.size() * sizeof(float));
    DeviceBuffer table(in.table.data(), in.table.size() * sizeof(uint32_t));
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
    DeviceBuffer ws(static_cast<size_t>(a.batch) * a.heads * a.splits * (a.head_dim + 2) * sizeof(float));
    a.workspace = ws.as<float>();
    const std::vector<double> want = in.reference();  // sequence 0, the query heads of KV head 0
    for (int version : {1, 2}) {  // every version is checked; the last is timed
      cuda::launch_decode(version, a, stream_);
      ATTNCOST_CUDA_CHECK(cudaGetLastError());
      ATTNCOST_CUDA_CHECK(cudaStreamSynchronize(stream_));
      m.record_check(max_rel_error(to_host<float>(out, want.size()), want), 2e-3);
    }
    fill_timing(m, time([&] { cuda::launch_decode(2, a, stream_); }, repeats));
  }

  void run_prefill_flash(const Case& c, int repeats, Measurement& m) {
    if (c.shape.head_dim != 128) throw CudaError("the CUDA prefill kernels are built for head_dim 128");
    PrefillInputs in(c, 7);
    const auto qh = round_to_half(in.q), kh = round_to_half(in.k), vh = round_to_half(in.v);
    require((qh.size() + kh.size() + vh.size()) * 2 + in.q.size() * 4);
    DeviceBuffer q(qh.data(), qh.size() * 2), k(kh.data(), kh.size() * 2), v(vh.data(), vh.size() * 2), out(in.q.size() * sizeof(float));
    cuda::PrefillArgs a;
    a.q = q.as<uint16_t>(), a.k = k.as<uint16_t>(), a.v = v.as<uint16_t>(), a.out = out.as<float>();
    a.batch = static_cast<int>(in.s.batch), a.heads = static_cast<int>(in.s.heads), a.kv_heads = static_cast<int>(in.s.kv_heads);
    a.head_dim = 128, a.n = static_cast<int>(in.n), a.window = static_cast<int>(in.s.window), a.sinks = static_cast<int>(in.s.sinks);
    for (int version = 1; version <= cuda::kPrefillFlashVersions; ++version) {  // every version is checked; the last is timed
      ATTNCOST_CUDA_CHECK(cudaMemsetAsync(out.ptr, 0xff, out.bytes, stream_));  // NaN: a row left unwritten fails
      cuda::launch_prefill_flash(version, a, stream_);
      ATTNCOST_CUDA_CHECK(cudaGetLastError());
      ATTNCOST_CUDA_CHECK(cudaStreamSynchronize(stream_));
      m.record_check(max_rel_error(in.checked(to_host<float>(out, in.q.size())), in.reference()), cuda::prefill_flash_tolerance(version));
    }
    fill_timing(m, time([&] { cuda::launch_prefill_flash(cuda::kPrefillFlashVersions, a, stream_); }, repeats));
  }

  void run_prefill_naive(const Case& c, int repeats, Measurement& m) {
    if (c.shape.kv_heads != c.shape.heads) throw CudaError("the naive prefill runs MHA shapes (repeat_kv is not modelled here)");
    PrefillInputs in(c, 7);
    const auto qh = round_to_half(in.q), kh = round_to_half(in.k), vh = round_to_half(in.v);
    const int n = static_cast<int>(in.n), d = static_cast<int>(in.s.head_dim), heads = static_cast<int>(in.s.batch * in.s.heads);
    const size_t score_bytes = static_cast<size_t>(heads) * n * n * 2;
    require(score_bytes + 4 * qh.size() * 2);
    DeviceBuffer q(qh.data(), qh.size() * 2), k(kh.data(), kh.size() * 2), v(vh.data(), vh.size() * 2), s(score_bytes), o(qh.size() * 2);
    const float one = 1, zero = 0;
    const long long nd = static_cast<long long>(n) * d, nn = static_cast<long long>(n) * n;
    auto launch = [&] {
      // Row-major S = Q·Kᵀ is column-major Sᵀ = K·Qᵀ; row-major O = P·V is column-major Oᵀ = Vᵀ·Pᵀ.
      ATTNCOST_CUBLAS_CHECK(cublasGemmStridedBatchedEx(blas_, CUBLAS_OP_T, CUBLAS_OP_N, n, n, d, &one, k.ptr, CUDA_R_16F, d, nd, q.ptr,
                                                       CUDA_R_16F, d, nd, &zero, s.ptr, CUDA_R_16F, n, nn, heads, CUBLAS_COMPUTE_32F,
                                                       CUBLAS_GEMM_DEFAULT));
      cuda::launch_masked_softmax(s.as<uint16_t>(), n, heads * n, 1.0f / std::sqrt(static_cast<float>(d)), static_cast<int>(in.s.window),
                                  static_cast<int>(in.s.sinks), stream_);
      ATTNCOST_CUBLAS_CHECK(cublasGemmStridedBatchedEx(blas_, CUBLAS_OP_N, CUBLAS_OP_N, d, n, n, &one, v.ptr, CUDA_R_16F, d, nd, s.ptr,
                                                       CUDA_R_16F, n, nn, &zero, o.ptr, CUDA_R_16F, d, nd, heads, CUBLAS_COMPUTE_32F,
                                                       CUBLAS_GEMM_DEFAULT));
    };
    launch();
    ATTNCOST_CUDA_CHECK(cudaGetLastError());
    ATTNCOST_CUDA_CHECK(cudaStreamSynchronize(stream_));
    const auto oh = to_host<uint16_t>(o, qh.size());
    std::vector<float> got(oh.size());
    for (size_t i = 0; i < oh.size(); ++i) got[i] = half_to_float(oh[i]);
    m.record_check(max_rel_error(in.checked(got), in.reference()), 1e-2);  // S and P are fp16, as in eager attention
    fill_timing(m, time(launch, repeats));
  }

  // Decode: v1 (the state read and written once). Prefill: v1 (scan) and v2 (chunked) are both
  // checked, outputs against the reference and v2's final state against v1's; v2 is timed.
  void run_linear(const Case& c, int repeats, Measurement& m) {
    const LinearInputs in(c);
    const bool prefill = in.history == 0;
    DeviceBuffer state(in.bh * in.d * in.d * sizeof(float)), z(in.bh * in.d * sizeof(float));
    DeviceBuffer out(in.bh * std::max(in.history, in.n) * in.d * sizeof(float));
    cuda::LinearArgs a;
    a.state = state.as<float>(), a.z = z.as<float>(), a.out = out.as<float>(), a.bh = static_cast<int>(in.bh), a.d = static_cast<int>(in.d);
    a.n = static_cast<int>(in.n);
    const size_t workspace_bytes = prefill ? cuda::linear_chunk_workspace_floats(a) * sizeof(float) : 0;
    require(workspace_bytes + 4 * in.q.size() * sizeof(float));
    DeviceBuffer workspace(workspace_bytes);
    a.workspace = workspace.as<float>();
    auto reset_state = [&] {
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
      ATTNCOST_CUDA_CHECK(cudaStreamSynchronize(stream_));
    }
    const auto mq = in.part(in.q, in.history, in.n), mk = in.part(in.k, in.history, in.n), mv = in.part(in.v, in.history, in.n);
    DeviceBuffer dq(mq.data(), mq.size() * 4), dk(mk.data(), mk.size() * 4), dv(mv.data(), mv.size() * 4);
    a.q = dq.as<float>(), a.k = dk.as<float>(), a.v = dv.as<float>();
    const int timed = prefill ? 2 : 1;
    std::vector<float> first_state;
    for (int version = 1; version <= timed; ++version) {
      if (prefill) reset_state();
      cuda::launch_linear(version, a, stream_);
      ATTNCOST_CUDA_CHECK(cudaGetLastError());
      ATTNCOST_CUDA_CHECK(cudaStreamSynchronize(stream_));
      double err = max_rel_error(in.checked(to_host<float>(out, in.bh * in.n * in.d)), in.want);
      const std::vector<float> final_state = to_host<float>(state, in.bh * in.d * in.d);
      if (version == 1) {
        first_state = final_state;
      } else {
        err = std::max(err, max_rel_error(final_state, std::vector<double>(first_state.begin(), first_state.end())));
      }
      m.record_check(err, 2e-3);
    }
    fill_timing(m, time([&] {
      if (prefill) reset_state();  // a prefill starts from an empty state
      cuda::launch_linear(timed, a, stream_);
    }, repeats));
  }

  cudaDeviceProp prop_{};
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
  std::unique_ptr<DeviceBuffer> flush_;
  std::vector<double> last_times_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(std::string* why) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    if (why) *why = err == cudaSuccess ? "no CUDA device is present" : std::string("CUDA reports ") + cudaGetErrorString(err);
    return nullptr;
  }
  try {
    return std::make_unique<CudaBackend>();
  } catch (const CudaError& e) {
    if (why) *why = e.what();
    return nullptr;
  }
}

}  // namespace attncost::probe
