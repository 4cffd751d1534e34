#include "model/kernel_model.h"

#include "model/gemm_library.h"

#include <cmath>
#include <map>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"
#include "model/json_input.h"
#include "model/last_answer.h"
#include "model/presets.h"

namespace attncost {
namespace {

using nlohmann::json;

double number(const json& j, const char* key, const std::string& what) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number() || !(it->get<double>() >= 0) || it->get<double>() > 1e6)
    throw InputError(fmt::format("{}: missing or invalid '{}'", what, key));
  return it->get<double>();
}

PrefillCurve curve_from(const json& j, const std::string& what) {
  PrefillCurve c;
  const json& by_dim = j.at("peak_fraction_by_head_dim");
  const char* dims[] = {"64", "128", "256"};
  for (size_t i = 0; i < 3; ++i)
    if (by_dim.contains(dims[i])) c.peak_fraction[i] = by_dim[dims[i]].get<double>();
  c.causal_fraction = number(j, "causal_fraction", what);
  c.half_saturation_keys = number(j, "half_saturation_keys", what);
  c.tile_rows = static_cast<int64_t>(number(j, "tile_rows", what));
  if (j.contains("fp8_fraction")) c.fp8_fraction = number(j, "fp8_fraction", what);
  return c;
}

// Every (arch, family) model, built once from the embedded presets.
struct Registry {
  std::map<std::string, std::map<std::string, KernelModel>> models;  // arch → family → model
  std::map<std::string, std::string> defaults;                       // arch → default family
  struct Gemm {
    double compute_fp8 = 1, bandwidth_fp8 = 1;
    std::string source;
  };
  std::map<std::string, std::map<std::string, Gemm>> gemm_libraries;  // arch → library → fp8 fractions
  struct Mla {
    double compute = 1, bandwidth = 1, fixed_s = 0;
    std::string source;
  };
  std::map<std::string, std::map<std::string, Mla>> mla;                   // arch → MLA decode kernel → fractions
  std::map<std::string, std::map<std::string, std::string>> mla_engines;   // arch → engine → its default MLA decode kernel
};

const Registry& registry() {
  static const Registry r = [] {
    Registry out;
    for (const EmbeddedFile& f : presets_data::kernels()) {
      const std::string what = fmt::format("kernel preset '{}'", f.name);
      const json j = parse_user_json(f.text, what);
      KernelModel base;
      base.arch = j.at("arch").get<std::string>();
      base.measured = j.at("measured").get<bool>();
      const json& dec = j.at("decode");
      base.decode_bandwidth = number(dec, "bandwidth_fraction", what);
      base.decode_compute = number(dec, "compute_fraction", what);
      base.decode_fixed_s = number(dec, "fixed_s", what);
      const json& g = j.at("gemm");
      base.gemm_compute_16bit = number(g, "compute_fraction_16bit", what);
      base.gemm_compute_fp8 = number(g, "compute_fraction_fp8", what);
      base.gemm_bandwidth = number(g, "bandwidth_fraction", what);
      base.gemm_bandwidth_fp8 = g.contains("bandwidth_fraction_fp8") ? number(g, "bandwidth_fraction_fp8", what) : base.gemm_bandwidth;
      base.dequant_int8 = number(g, "dequant_int8", what);
      base.dequant_int4 = number(g, "dequant_int4", what);
      const json& o = j.at("other");
      base.other_compute = number(o, "compute_fraction", what);
      base.other_bandwidth = number(o, "bandwidth_fraction", what);
      auto& arch = out.models[base.arch];
      for (const auto& [family, p] : j.at("prefill").items()) {
        KernelModel m = base;
        m.family = m.requested = family;
        m.prefill = curve_from(p, what);
        // The release a family describes, where its preset names one (kernels change between releases).
        const std::string release = p.contains("release") ? fmt::format(" ({})", p["release"].get<std::string>()) : "";
        // A family fit to measurements on an architecture whose other kernels are assumed (Blackwell's
        // cuDNN): the label says which part is which; `measured` stays the architecture's.
        const bool family_measured = p.contains("measured") ? p["measured"].get<bool>() : base.measured;
        const char* label = base.measured ? "" : family_measured ? " (attention fit to measurements; GEMMs and other kernels assumed)" : " (assumed)";
        m.provenance = fmt::format("{}{} on {}{}: {}", family, release, base.arch, label, p.at("source").get<std::string>());
        arch[family] = m;
      }
      if (j.contains("aliases"))
        for (const auto& [alias, target] : j["aliases"].items()) {
          KernelModel m = arch.at(target.get<std::string>());
          m.requested = alias;
          m.provenance = fmt::format("{} on {} = {}'s parameters: {}", alias, base.arch, m.family, j.at("alias_source").get<std::string>());
          arch[alias] = m;
        }
      // Eager attention: the score GEMMs run at the GEMM rates; no flash curve.
      KernelModel naive = base;
      naive.family = naive.requested = "naive";
      naive.naive = true;
      naive.provenance = fmt::format("naive (eager) attention on {}: cuBLAS GEMM rates{}", base.arch, base.measured ? "" : " (assumed)");
      arch["naive"] = naive;
      out.defaults[base.arch] = j.at("default_family").get<std::string>();
      if (j.contains("gemm_libraries"))
        for (const auto& [lib, p] : j["gemm_libraries"].items())
          out.gemm_libraries[base.arch][lib] = {number(p, "compute_fraction_fp8", what), number(p, "bandwidth_fraction_fp8", what),
                                                p.at("source").get<std::string>()};
      if (j.contains("mla_decode")) {
        const json& mla = j["mla_decode"];
        for (const auto& [impl, p] : mla.at("implementations").items())
          out.mla[base.arch][impl] = {number(p, "compute_fraction", what), number(p, "bandwidth_fraction", what),
                                      p.contains("fixed_s") ? number(p, "fixed_s", what) : base.decode_fixed_s, p.at("source").get<std::string>()};
        for (const auto& [engine, impl] : mla.at("engines").items()) {
          if (!out.mla[base.arch].count(impl.get<std::string>()))
            throw InputError(fmt::format("{}: mla_decode.engines.{} names '{}', which has no fractions", what, engine, impl.get<std::string>()));
          out.mla_engines[base.arch][engine] = impl.get<std::string>();
        }
      }
    }
    return out;
  }();
  return r;
}

}  // namespace

std::string_view kernel_family_name(KernelFamily f) {
  switch (f) {
    case KernelFamily::automatic: return "auto";
    case KernelFamily::fa2: return "fa2";
    case KernelFamily::fa3: return "fa3";
    case KernelFamily::cudnn: return "cudnn";
    case KernelFamily::flashinfer: return "flashinfer";
    case KernelFamily::naive: return "naive";
    case KernelFamily::peak: return "peak";
  }
  return "auto";
}

KernelFamily parse_kernel_family(std::string_view text) {
  for (KernelFamily f : {KernelFamily::automatic, KernelFamily::fa2, KernelFamily::fa3, KernelFamily::cudnn, KernelFamily::flashinfer,
                         KernelFamily::naive, KernelFamily::peak})
    if (kernel_family_name(f) == text) return f;
  throw InputError(fmt::format("--kernels '{}': expected auto, fa2, fa3, cudnn, flashinfer, naive or peak", text));
}

double KernelModel::prefill_fraction(double head_dim, double keys_per_query, bool causal) const {
  // Peak fraction by head dim, log-linear between the measured 64, 128, 256 (clamped outside).
  const double log_dims[] = {6, 7, 8};  // log2 of 64, 128, 256
  double known_x[3], known_y[3];
  size_t n = 0;
  for (size_t i = 0; i < 3; ++i)
    if (prefill.peak_fraction[i] > 0) known_x[n] = log_dims[i], known_y[n++] = prefill.peak_fraction[i];
  if (n == 0) return 1;
  const double x = head_dim == 64 ? 6 : head_dim == 128 ? 7 : head_dim == 256 ? 8 : std::log2(std::max(1.0, head_dim));
  double peak = known_y[0];
  if (x >= known_x[n - 1]) peak = known_y[n - 1];
  else
    for (size_t i = 0; i + 1 < n; ++i)
      if (x >= known_x[i] && x <= known_x[i + 1]) {
        const double t = (x - known_x[i]) / (known_x[i + 1] - known_x[i]);
        peak = known_y[i] + t * (known_y[i + 1] - known_y[i]);
      }
  const double k = std::max(1.0, keys_per_query), h = prefill.half_saturation_keys;
  const double saturation = h > 0 ? k / (k + h) : 1;
  return peak * (causal ? prefill.causal_fraction : 1) * saturation;
}

double KernelModel::gemm_bandwidth_for(int dequant_bits, bool fp8) const {
  if (fp8) return gemm_bandwidth_fp8;
  if (dequant_bits == 4) return gemm_bandwidth * dequant_int4;
  if (dequant_bits == 8) return gemm_bandwidth * dequant_int8;
  return gemm_bandwidth;
}

double wave_efficiency(double units, double sms) {
  if (units <= 0 || sms <= 0) return 1;
  const double waves = std::ceil(units / sms);
  return units / (waves * sms);
}

namespace {

const KernelModel* find_kernel_model(std::string_view arch, KernelFamily family) {
  const Registry& r = registry();
  const auto a = r.models.find(std::string(arch));
  if (a == r.models.end()) return nullptr;  // a profile without an architecture: the plain roofline
  const std::string name = family == KernelFamily::automatic ? r.defaults.at(a->first) : std::string(kernel_family_name(family));
  const auto m = a->second.find(name);
  if (m == a->second.end()) {
    std::string have;
    for (const auto& [k, v] : a->second) have += (have.empty() ? "" : ", ") + k;
    throw InputError(fmt::format("--kernels {}: not available on {} GPUs (available: {}, peak)", name, arch, have));
  }
  return &m->second;
}

}  // namespace

const KernelModel* kernel_model(std::string_view arch, KernelFamily family) {
  if (family == KernelFamily::peak) return nullptr;
  thread_local LastAnswer<std::pair<std::string, KernelFamily>, const KernelModel*> last;
  return last.get({std::string(arch), family}, [&] { return find_kernel_model(arch, family); });
}

std::string_view gemm_library_name(GemmLibrary l) {
  switch (l) {
    case GemmLibrary::automatic: return "auto";
    case GemmLibrary::deepgemm: return "deepgemm";
    case GemmLibrary::cutlass: return "cutlass";
    case GemmLibrary::cublaslt: return "cublaslt";
    case GemmLibrary::tensorrt: return "tensorrt";
  }
  return "auto";
}

GemmLibrary parse_gemm_library(std::string_view text) {
  for (GemmLibrary l : {GemmLibrary::automatic, GemmLibrary::deepgemm, GemmLibrary::cutlass, GemmLibrary::cublaslt, GemmLibrary::tensorrt})
    if (gemm_library_name(l) == text) return l;
  throw InputError(fmt::format("--kernels gemm={}: expected deepgemm, cutlass, cublaslt, tensorrt or auto", text));
}

KernelsFlag parse_kernels_flag(std::string_view text) {
  KernelsFlag out;
  size_t start = 0;
  while (true) {
    const size_t plus = text.find('+', start);
    const std::string_view part = text.substr(start, plus == std::string_view::npos ? std::string_view::npos : plus - start);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      // The family comes first (before any +part), at most once; empty only when a +part follows.
      if (start != 0 || (part.empty() && plus == std::string_view::npos))
        throw InputError(fmt::format("--kernels '{}': expected FAMILY[+gemm=LIB][+mla=IMPL] (the family first)", text));
      if (!part.empty()) out.family = parse_kernel_family(part);
    } else {
      const std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
      if (value.empty()) throw InputError(fmt::format("--kernels '{}': '{}=' needs a value", text, key));
      if (key == "gemm") {
        if (out.gemm) throw InputError(fmt::format("--kernels '{}': gemm= given twice", text));
        const GemmLibrary l = parse_gemm_library(value);
        out.gemm = l;
      } else if (key == "mla") {
        if (out.mla) throw InputError(fmt::format("--kernels '{}': mla= given twice", text));
        out.mla = std::string(value);
      } else {
        throw InputError(fmt::format("--kernels '{}': unknown part '{}' (expected gemm=LIB or mla=IMPL)", text, key));
      }
    }
    if (plus == std::string_view::npos) break;
    start = plus + 1;
  }
  return out;
}

GemmLibrary gemm_library_for(EngineKind engine, bool block_scaled_fp8) {
  switch (engine) {
    case EngineKind::plain: return GemmLibrary::automatic;
    case EngineKind::vllm: return block_scaled_fp8 ? GemmLibrary::cutlass : GemmLibrary::cublaslt;
    case EngineKind::sglang:
    case EngineKind::trtllm: return block_scaled_fp8 ? GemmLibrary::deepgemm : GemmLibrary::cublaslt;
  }
  return GemmLibrary::automatic;
}

std::string mla_kernel_for(EngineKind engine, std::string_view arch) {
  if (engine == EngineKind::plain) return "";
  const Registry& r = registry();
  const auto a = r.mla_engines.find(std::string(arch));
  if (a == r.mla_engines.end()) return "";
  const auto e = a->second.find(std::string(engine_name(engine)));
  return e == a->second.end() ? "" : e->second;
}

std::vector<std::string> mla_kernel_names(std::string_view arch) {
  std::vector<std::string> out;
  const Registry& r = registry();
  const auto a = r.mla.find(std::string(arch));
  if (a != r.mla.end())
    for (const auto& [k, v] : a->second) out.push_back(k);
  return out;
}

void check_mla_kernel(std::string_view arch, std::string_view mla) {
  if (mla.empty() || mla == "auto") return;
  const std::vector<std::string> have = mla_kernel_names(arch);
  for (const std::string& h : have)
    if (h == mla) return;
  std::string list;
  for (const std::string& h : have) list += (list.empty() ? "" : ", ") + h;
  throw InputError(fmt::format("--kernels mla={}: no measured MLA decode kernel of that name on {} GPUs (available: {})", mla, arch,
                               list.empty() ? "none" : list));
}

const KernelModel* kernel_model(std::string_view arch, KernelFamily family, GemmLibrary library, std::string_view rule) {
  return kernel_model(arch, family, library, rule, "", "");
}

const KernelModel* kernel_model(std::string_view arch, KernelFamily family, GemmLibrary library, std::string_view rule, std::string_view mla,
                                std::string_view mla_rule) {
  const KernelModel* base = kernel_model(arch, family);
  if (!base) return base;
  const Registry& r = registry();
  const Registry::Gemm* gemm = nullptr;
  std::string gemm_name;
  if (library != GemmLibrary::automatic)
    if (const auto a = r.gemm_libraries.find(std::string(arch)); a != r.gemm_libraries.end())
      if (const auto lib = a->second.find(std::string(gemm_library_name(library))); lib != a->second.end()) gemm = &lib->second, gemm_name = lib->first;
  const Registry::Mla* mla_fractions = nullptr;
  if (!mla.empty())
    if (const auto a = r.mla.find(std::string(arch)); a != r.mla.end())
      if (const auto m = a->second.find(std::string(mla)); m != a->second.end()) mla_fractions = &m->second;
  if (!gemm && !mla_fractions) return base;
  // One variant per (arch, family, library, rule, mla, mla rule), built on first use and kept: callers hold the pointer.
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<KernelModel>> variants;
  const std::string key = fmt::format("{}/{}/{}/{}/{}/{}", arch, base->requested, gemm_name, gemm ? rule : "", mla_fractions ? mla : "",
                                      mla_fractions ? mla_rule : "");
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = variants[key];
  if (!slot) {
    slot = std::make_unique<KernelModel>(*base);
    if (gemm) {
      slot->gemm_compute_fp8 = gemm->compute_fp8;
      slot->gemm_bandwidth_fp8 = gemm->bandwidth_fp8;
      slot->provenance += fmt::format("; fp8 GEMMs: {} ({}; {} of the fp8 peak, {} of bandwidth)", gemm_name, rule, gemm->compute_fp8,
                                      gemm->bandwidth_fp8);
    }
    if (mla_fractions) {
      slot->mla_decode_compute = mla_fractions->compute;
      slot->mla_decode_bandwidth = mla_fractions->bandwidth;
      slot->mla_decode_fixed_s = mla_fractions->fixed_s;
      slot->provenance += fmt::format("; MLA decode: {} ({}; {} of the 16-bit peak, {} of bandwidth, {} µs fixed)", mla, mla_rule, mla_fractions->compute,
                                      mla_fractions->bandwidth, mla_fractions->fixed_s * 1e6);
    }
  }
  return slot.get();
}

std::vector<std::string> kernel_arch_names() {
  std::vector<std::string> out;
  for (const auto& [k, v] : registry().models) out.push_back(k);
  return out;
}

}  // namespace attncost
