// Every version of every CUDA attention kernel, run by the CPU emulator on small shapes chosen to
// hit the edges (partial tiles and pages, windows that start mid-tile, sinks, GQA/MQA groups,
// one and several context splits), against the same double-precision references and tolerances
// the probe uses on a GPU. On a GPU machine the probe repeats these checks on the hardware.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "tests/cuda_emulation/emulator.h"
// The emulator must come first: it defines the launch macro cuda_kernels.h would otherwise define.
#include "cuda_probe/cuda_kernels.h"
#include "cuda_probe/inputs.h"

namespace attncost::probe {
namespace {

Case make_case(Kernel kernel, uint64_t batch, uint64_t ctx, uint64_t heads, uint64_t kv_heads, const std::string& attn,
               Dtype kv = Dtype::fp16) {
  Case c;
  c.kernel = kernel;
  c.shape.batch = batch, c.shape.ctx = ctx, c.shape.heads = heads, c.shape.kv_heads = kv_heads, c.shape.attn = attn;
  c.shape.kv_dtype = kv;
  c.name = fmt::format("{} b{} n{} h{}/{} {} {}", kernel_name(kernel), batch, ctx, heads, kv_heads, attn, dtype_name(kv));
  return c;
}

cuda::KvType kv_type(Dtype d) {
  switch (d) {
    case Dtype::bf16: return cuda::KvType::bf16;
    case Dtype::fp8: return cuda::KvType::fp8;
    case Dtype::int8: return cuda::KvType::int8;
    default: return cuda::KvType::fp16;
  }
}

TEST_CASE("emulator: shuffles exchange lanes and unwritten shared memory reads as NaN", "[emulation]") {
  std::vector<float> out(64, 0.0f);
  float* o = out.data();
  attncost::emu::launch(dim3(1), dim3(64), 64 * sizeof(float), [&] {
    ATTNCOST_DYNAMIC_SHARED(float, s);
    const unsigned t = threadIdx.x;
    const float mine = static_cast<float>(t);
    const float other = __shfl_xor_sync(0xffffffffu, mine, 1);
    if (t < 32) s[t] = other;
    __syncthreads();
    o[t] = s[t];  // threads 32..63 read slots nobody wrote
  });
  for (unsigned t = 0; t < 32; ++t) REQUIRE(out[t] == static_cast<float>(t ^ 1u));
  for (unsigned t = 32; t < 64; ++t) REQUIRE(std::isnan(out[t]));
}

TEST_CASE("CUDA decode v1 and v2 match the reference (emulated)", "[emulation]") {
  struct Variant {
    Kernel kernel;
    uint64_t heads, kv_heads;
    std::string attn;
    Dtype kv;
  };
  const Variant variants[] = {
      {Kernel::decode, 8, 8, "dense", Dtype::fp16},              // MHA: one head per block
      {Kernel::decode, 8, 2, "dense", Dtype::bf16},              // GQA-4
      {Kernel::decode, 8, 1, "dense", Dtype::fp8},               // MQA: eight heads share a K/V load
      {Kernel::decode, 16, 1, "dense", Dtype::fp16},             // a group of 16: two blocks of 8 heads per KV head
      {Kernel::decode, 8, 2, "dense", Dtype::int8},              // per-row scales
      {Kernel::decode, 8, 2, "window:100", Dtype::fp16},         // the window starts mid-page, mid-split
      {Kernel::decode, 8, 2, "sinks:4+window:100", Dtype::fp16},
      {Kernel::decode_paged, 8, 2, "dense", Dtype::fp16},        // shuffled block table, partial last page
      {Kernel::decode_paged, 8, 2, "sinks:4+window:100", Dtype::int8},
  };
  for (const Variant& v : variants)
    for (const int splits : {1, 3}) {  // one split, and several, merged by the combine kernel
      const Case c = make_case(v.kernel, 1, 150, v.heads, v.kv_heads, v.attn, v.kv);
      DecodeInputs in(c, 1);
      std::vector<float> out(in.q.size(), NAN);
      cuda::DecodeArgs a;
      a.k = in.k.data.data(), a.v = in.v.data.data(), a.k_scale = in.k.scales.data(), a.v_scale = in.v.scales.data();
      a.q = in.q.data(), a.out = out.data();
      std::vector<int32_t> table(in.table.begin(), in.table.end());
      a.block_table = in.paged ? table.data() : nullptr;
      a.batch = 1, a.heads = static_cast<int>(v.heads), a.kv_heads = static_cast<int>(v.kv_heads), a.head_dim = 128, a.ctx = 150;
      a.page_size = static_cast<int>(in.page), a.pages_per_seq = static_cast<int>((in.n + in.page - 1) / in.page);
      a.window = static_cast<int>(in.s.window), a.sinks = static_cast<int>(in.s.sinks), a.type = kv_type(v.kv);
      a.splits = splits;  // (decode_splits would pick one: at least 256 keys per split)
      std::vector<float> workspace(static_cast<size_t>(a.batch) * a.heads * a.splits * (a.head_dim + 2), NAN);
      a.workspace = workspace.data();
      const std::vector<double> want = in.reference();
      for (int version : {1, 2}) {
        if (version == 1 && splits > 1) continue;  // v1 does not split the context
        std::fill(out.begin(), out.end(), NAN);
        cuda::launch_decode(version, a, nullptr);
        INFO(c.name << " splits " << a.splits << " v" << version);
        REQUIRE(max_rel_error(std::vector<float>(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(want.size())), want) < 2e-3);
      }
    }
}

TEST_CASE("CUDA flash prefill v1 (SIMT), v2 (WMMA) and v3 (mma.sync) match the reference (emulated)", "[emulation]") {
  // v2's and v3's tolerance is looser: P is rounded to fp16 for the tensor cores, as in FlashAttention;
  // the first rows, which average a few values, see that rounding almost undiluted.
  REQUIRE(cuda::prefill_flash_tolerance(1) == 2e-3);
  REQUIRE(cuda::prefill_flash_tolerance(2) == 1e-2);
  REQUIRE(cuda::prefill_flash_tolerance(3) == 1e-2);
  // 200 tokens: three full 64-row tiles and a partial one; the windows start inside a tile.
  const Case cases[] = {
      make_case(Kernel::prefill_flash, 1, 200, 4, 4, "dense"),
      make_case(Kernel::prefill_flash, 2, 200, 4, 2, "window:70"),
      make_case(Kernel::prefill_flash, 1, 200, 4, 1, "sinks:4+window:70"),
      make_case(Kernel::prefill_flash, 1, 64, 2, 2, "dense"),
  };
  for (const Case& c : cases) {
    PrefillInputs in(c, 7);
    const auto qh = round_to_half(in.q), kh = round_to_half(in.k), vh = round_to_half(in.v);
    std::vector<float> out(in.q.size());
    cuda::PrefillArgs a;
    a.q = qh.data(), a.k = kh.data(), a.v = vh.data(), a.out = out.data();
    a.batch = static_cast<int>(in.s.batch), a.heads = static_cast<int>(in.s.heads), a.kv_heads = static_cast<int>(in.s.kv_heads);
    a.n = static_cast<int>(in.n), a.window = static_cast<int>(in.s.window), a.sinks = static_cast<int>(in.s.sinks);
    for (int version = 1; version <= cuda::kPrefillFlashVersions; ++version) {
      std::fill(out.begin(), out.end(), NAN);
      cuda::launch_prefill_flash(version, a, nullptr);
      INFO(c.name << " v" << version);
      REQUIRE(max_rel_error(in.checked(out), in.reference()) < cuda::prefill_flash_tolerance(version));
      // Every row of every head is written (the reference samples rows; this covers the rest).
      REQUIRE(std::none_of(out.begin(), out.end(), [](float x) { return std::isnan(x); }));
    }
  }
}

TEST_CASE("CUDA masked softmax (naive prefill) matches a direct softmax (emulated)", "[emulation]") {
  const int n = 40, heads = 2;
  const float scale = 0.125f;
  for (const auto& [window, sinks] : {std::pair{0, 0}, std::pair{9, 0}, std::pair{9, 3}}) {
    Rng rng(5);
    std::vector<float> s(static_cast<size_t>(heads) * n * n);
    for (auto& x : s) x = 4 * rng.uniform();
    std::vector<uint16_t> p = round_to_half(s);
    cuda::launch_masked_softmax(p.data(), n, heads * n, scale, window, sinks, nullptr);
    for (int r = 0; r < heads * n; ++r) {
      const int i = r % n;
      auto visible = [&](int j) { return j <= i && (window == 0 || i - j < window || j < sinks); };
      double mx = -INFINITY, sum = 0;
      for (int j = 0; j < n; ++j)
        if (visible(j)) mx = std::max(mx, scale * static_cast<double>(s[static_cast<size_t>(r) * n + j]));
      for (int j = 0; j < n; ++j)
        if (visible(j)) sum += std::exp(scale * static_cast<double>(s[static_cast<size_t>(r) * n + j]) - mx);
      for (int j = 0; j < n; ++j) {
        const double want = visible(j) ? std::exp(scale * static_cast<double>(s[static_cast<size_t>(r) * n + j]) - mx) / sum : 0.0;
        INFO("window " << window << " sinks " << sinks << " row " << r << " key " << j);
        REQUIRE(half_to_float(p[static_cast<size_t>(r) * n + j]) == Approx(want).margin(1e-3));
      }
    }
  }
}

TEST_CASE("CUDA linear attention: scan (v1) and chunked prefill (v2) match the reference (emulated)", "[emulation]") {
  // 150 tokens: two full 64-token chunks and a partial one.
  for (const Kernel kernel : {Kernel::linear_prefill, Kernel::linear_decode}) {
    const Case c = make_case(kernel, 1, 150, 2, 2, "linear", Dtype::fp32);
    const LinearInputs in(c);
    const bool prefill = in.history == 0;
    std::vector<float> state(in.bh * in.d * in.d, 0.0f), z(in.bh * in.d, 0.0f), out(in.bh * std::max(in.history, in.n) * in.d);
    cuda::LinearArgs a;
    a.state = state.data(), a.z = z.data(), a.out = out.data(), a.bh = static_cast<int>(in.bh), a.d = static_cast<int>(in.d);
    auto hq = in.part(in.q, 0, in.history), hk = in.part(in.k, 0, in.history), hv = in.part(in.v, 0, in.history);
    auto mq = in.part(in.q, in.history, in.n), mk = in.part(in.k, in.history, in.n), mv = in.part(in.v, in.history, in.n);
    a.n = static_cast<int>(in.n);
    std::vector<float> workspace(prefill ? cuda::linear_chunk_workspace_floats(a) : 0, NAN);
    a.workspace = workspace.data();
    std::vector<float> first_state;
    for (int version = 1; version <= (prefill ? 2 : 1); ++version) {
      std::fill(state.begin(), state.end(), 0.0f);
      std::fill(z.begin(), z.end(), 0.0f);
      if (!prefill) {  // the state a decode step starts from
        cuda::LinearArgs h = a;
        h.q = hq.data(), h.k = hk.data(), h.v = hv.data(), h.n = static_cast<int>(in.history);
        cuda::launch_linear(1, h, nullptr);
      }
      a.q = mq.data(), a.k = mk.data(), a.v = mv.data();
      std::fill(out.begin(), out.end(), NAN);
      cuda::launch_linear(version, a, nullptr);
      INFO(c.name << " v" << version);
      REQUIRE(max_rel_error(in.checked(out), in.want) < 2e-3);
      if (version == 1) first_state = state;
      else REQUIRE(max_rel_error(state, std::vector<double>(first_state.begin(), first_state.end())) < 1e-4);
    }
  }
}

}  // namespace
}  // namespace attncost::probe
