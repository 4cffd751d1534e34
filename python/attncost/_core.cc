// attncost._core: the native half of the Python API. Two entry points over the CLI's own code:
// run() runs any command line in-process (cli/run_in_process.h) and returns its exit code and
// captured output; estimate() is the fast path for one estimate: the kwargs fill the CLI's Flags
// directly (no CLI11 parse), the CLI's resolve functions and estimate_document() do the rest, and
// the JSON document is turned into Python objects without a text round trip. No formula here.
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/run_in_process.h"
#include "model/error.h"
#include "model/version.h"

namespace nb = nanobind;

namespace {

using attncost::cli::Flags;

// The estimate flags the fast path fills: the snake_case name, the CLI's long flag and the field.
// Anything else (an unknown name, an option CLI11 would reshape) goes through run() instead.
struct StringFlag {
  const char* flag;
  std::string Flags::*field;
};

const std::unordered_map<std::string_view, StringFlag>& string_flags() {
  static const std::unordered_map<std::string_view, StringFlag> table = {
      {"model", {"--model", &Flags::model}},
      {"gpu", {"--gpu", &Flags::gpu}},
      {"layers", {"--layers", &Flags::layers}},
      {"heads", {"--heads", &Flags::heads}},
      {"kv_heads", {"--kv-heads", &Flags::kv_heads}},
      {"head_dim", {"--head-dim", &Flags::head_dim}},
      {"hidden", {"--hidden", &Flags::hidden}},
      {"ffn", {"--ffn", &Flags::ffn}},
      {"vocab", {"--vocab", &Flags::vocab}},
      {"gqa", {"--gqa", &Flags::gqa}},
      {"mla", {"--mla", &Flags::mla}},
      {"attn", {"--attn", &Flags::attn}},
      {"kv_dtype", {"--kv-dtype", &Flags::kv_dtype}},
      {"kv_group", {"--kv-group", &Flags::kv_group}},
      {"weight_dtype", {"--weight-dtype", &Flags::weight_dtype}},
      {"act_dtype", {"--act-dtype", &Flags::act_dtype}},
      {"kernel", {"--kernel", &Flags::kernel}},
      {"kernels", {"--kernels", &Flags::kernels}},
      {"page_size", {"--page-size", &Flags::page_size}},
      {"tp", {"--tp", &Flags::tp}},
      {"pp", {"--pp", &Flags::pp}},
      {"cp", {"--cp", &Flags::cp}},
      {"ep", {"--ep", &Flags::ep}},
      {"dp", {"--dp", &Flags::dp}},
      {"ctx", {"--ctx", &Flags::ctx}},
      {"batch", {"--batch", &Flags::batch}},
      {"gen", {"--gen", &Flags::gen}},
      {"phase", {"--phase", &Flags::phase}},
      {"slo_ms", {"--slo-ms", &Flags::slo_ms}},
      {"ttft_slo_ms", {"--ttft-slo-ms", &Flags::ttft_slo_ms}},
      {"shared_prefix", {"--shared-prefix", &Flags::shared_prefix}},
      {"engine", {"--engine", &Flags::engine}},
      {"gpu_memory_utilization", {"--gpu-memory-utilization", &Flags::gpu_memory_utilization}},
      {"max_num_batched_tokens", {"--max-num-batched-tokens", &Flags::max_num_batched_tokens}},
      {"max_num_seqs", {"--max-num-seqs", &Flags::max_num_seqs}},
      {"chunk_size", {"--chunk-size", &Flags::chunk_size}},
      {"spec", {"--spec", &Flags::spec}},
      {"usd_per_gpu_hour", {"--usd-per-gpu-hour", &Flags::usd_per_gpu_hour}},
      {"budget_gb", {"--budget-gb", &Flags::budget_gb}},
      {"reserve", {"--reserve", &Flags::reserve}},
  };
  return table;
}

// nlohmann::json → Python objects, as json.loads reads the CLI's text: non-finite numbers are
// written as null by the dump, so they are None here too.
nb::object to_python(const nlohmann::json& j) {
  using T = nlohmann::json::value_t;
  switch (j.type()) {
    case T::boolean: return nb::bool_(j.get<bool>());
    case T::number_integer: return nb::cast(j.get<int64_t>());
    case T::number_unsigned: return nb::cast(j.get<uint64_t>());
    case T::number_float: {
      const double v = j.get<double>();
      return std::isfinite(v) ? nb::object(nb::float_(v)) : nb::none();
    }
    case T::string: {
      const auto& s = j.get_ref<const std::string&>();
      return nb::str(s.data(), s.size());
    }
    case T::array: {
      nb::list out;
      for (const auto& e : j) out.append(to_python(e));
      return out;
    }
    case T::object: {
      nb::dict out;
      for (const auto& [k, v] : j.items()) out[nb::str(k.data(), k.size())] = to_python(v);
      return out;
    }
    default: return nb::none();
  }
}

// Returns the estimate's JSON document as Python objects, or None when the kwargs need the
// generic path (run()): a name the table lacks, a value CLI11 would read differently.
nb::object estimate_fast(const nb::dict& kwargs) {
  Flags f;
  f.format = "json";
  int sharing = 0;  // --mha/--mqa/--gqa/--mla: CLI11 allows one; its message for more comes from run()
  for (const auto& [key, value] : kwargs) {
    const std::string name = nb::cast<std::string>(key);
    if (name == "mha" || name == "mqa" || name == "text_only" || name == "explain") {
      if (!nb::isinstance<nb::bool_>(value)) return nb::none();
      if (!nb::cast<bool>(value)) continue;
      bool& field = name == "mha" ? f.mha : name == "mqa" ? f.mqa : name == "text_only" ? f.text_only : f.explain;
      field = true;
      f.given.insert("--" + (name == "text_only" ? std::string("text-only") : name));
      sharing += name == "mha" || name == "mqa";
      continue;
    }
    const auto it = string_flags().find(name);
    if (it == string_flags().end() || !nb::isinstance<nb::str>(value)) return nb::none();
    std::string text = nb::cast<std::string>(value);
    if (text.empty() || text[0] == '-') return nb::none();  // CLI11's own reading (an empty argument, a negative)
    f.*(it->second.field) = std::move(text);
    f.given.insert(it->second.flag);
    sharing += name == "gqa" || name == "mla";
  }
  if (sharing > 1) return nb::none();
  try {
    return to_python(attncost::cli::estimate_document(f));
  } catch (const attncost::InputError& e) {
    throw nb::value_error((std::string("attncost: error: ") + e.what()).c_str());
  } catch (const attncost::RuntimeError& e) {
    throw std::runtime_error(std::string("attncost: error: ") + e.what());
  } catch (const nb::python_error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("attncost: internal error: ") + e.what() + " (please report it)");
  }
}

nb::tuple run(const std::vector<std::string>& args) {
  std::string out, err;
  int code = 0;
  {
    nb::gil_scoped_release unlocked;  // a long sweep or simulation lets other Python threads run
    code = attncost::cli::run_captured(args, out, err);
  }
  return nb::make_tuple(code, nb::str(out.data(), out.size()), nb::str(err.data(), err.size()));
}

}  // namespace

NB_MODULE(_core, m) {
  m.doc() = "attncost's native core (see the attncost package)";
  m.attr("version") = attncost::kVersion;
  m.attr("commit") = attncost::kCommit;
  m.def("run", &run, nb::arg("args"), "Run `attncost ARGS...` in-process: (exit code, stdout text, stderr text).");
  m.def("estimate_fast", &estimate_fast, nb::arg("kwargs"),
        "The estimate's JSON document as Python objects, or None when the kwargs need run().");
}
