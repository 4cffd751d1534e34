// attncost._core: the native half of the Python API. Two entry points over the CLI's own code:
// run() runs any command line in-process (cli/run_in_process.h) and returns its exit code and
// captured output; estimate() is the fast path for one estimate: the kwargs fill the CLI's Flags
// directly (no CLI11 parse), the CLI's resolve functions and estimate_document() do the rest, and
// the JSON document is turned into Python objects without a text round trip. No formula here.
#include <ctime>
#include <map>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <algorithm>
#include <bit>
#include <climits>
#include <exception>
#include <thread>

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/resolve.h"
#include "cli/run_in_process.h"
#include "estimators/sweep.h"
#include "reports/estimate_fields.h"
#include "reports/sweep_report.h"
#include "model/error.h"
#include "model/presets.h"
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
// written as null by the dump, so they are None here too. Straight on the C API (a new reference
// per node, PyDict_SetItem rather than the generic item protocol): this walk is most of the
// fast path's cost beyond the core.
// The documents' keys are a fixed vocabulary: each made once as a Python str (its hash cached
// inside) and reused, which saves a string, a hash and a free per member. Bounded; the GIL guards it.
PyObject* key_object(const std::string& k) {
  static std::unordered_map<std::string, PyObject*> keys;
  const auto it = keys.find(k);
  if (it != keys.end()) {
    Py_INCREF(it->second);
    return it->second;
  }
  PyObject* key = PyUnicode_FromStringAndSize(k.data(), static_cast<Py_ssize_t>(k.size()));
  if (key && keys.size() < 8192) {
    PyUnicode_InternInPlace(&key);
    Py_INCREF(key);  // the cache's reference, kept for the process's life
    keys.emplace(k, key);
  }
  return key;
}

PyObject* to_python_raw(const nlohmann::json& j) {
  using T = nlohmann::json::value_t;
  switch (j.type()) {
    case T::boolean: return PyBool_FromLong(j.get<bool>() ? 1 : 0);
    case T::number_integer: return PyLong_FromLongLong(j.get<int64_t>());
    case T::number_unsigned: return PyLong_FromUnsignedLongLong(j.get<uint64_t>());
    case T::number_float: {
      const double v = j.get<double>();
      if (std::isfinite(v)) return PyFloat_FromDouble(v);
      Py_RETURN_NONE;
    }
    case T::string: {
      const auto& s = j.get_ref<const std::string&>();
      return PyUnicode_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
    }
    case T::array: {
      PyObject* out = PyList_New(static_cast<Py_ssize_t>(j.size()));
      if (!out) return nullptr;
      Py_ssize_t i = 0;
      for (const auto& e : j) {
        PyObject* item = to_python_raw(e);
        if (!item) {
          Py_DECREF(out);
          return nullptr;
        }
        PyList_SET_ITEM(out, i++, item);  // steals the reference
      }
      return out;
    }
    case T::object: {
      PyObject* out = PyDict_New();
      if (!out) return nullptr;
      for (const auto& [k, v] : j.get_ref<const nlohmann::json::object_t&>()) {
        PyObject* key = key_object(k);
        PyObject* value = key ? to_python_raw(v) : nullptr;
        const int failed = value ? PyDict_SetItem(out, key, value) : -1;
        Py_XDECREF(key);
        Py_XDECREF(value);
        if (failed) {
          Py_DECREF(out);
          return nullptr;
        }
      }
      return out;
    }
    default: Py_RETURN_NONE;
  }
}

nb::object to_python(const nlohmann::json& j) {
  PyObject* o = to_python_raw(j);
  if (!o) throw nb::python_error();
  return nb::steal(o);
}

// Fills `f` from the kwargs; false when they need the generic path (run()): a name the table
// lacks, a value CLI11 would read differently.
bool fill_flags(const nb::dict& kwargs, Flags& f, bool sweep = false) {
  f.format = "json";
  int sharing = 0;  // --mha/--mqa/--gqa/--mla: CLI11 allows one; its message for more comes from run()
  for (const auto& [key, value] : kwargs) {
    const std::string name = nb::cast<std::string>(key);
    if (name == "mha" || name == "mqa" || name == "text_only" || name == "explain") {
      if (!nb::isinstance<nb::bool_>(value)) return false;
      if (!nb::cast<bool>(value)) continue;
      bool& field = name == "mha" ? f.mha : name == "mqa" ? f.mqa : name == "text_only" ? f.text_only : f.explain;
      field = true;
      f.given.insert("--" + (name == "text_only" ? std::string("text-only") : name));
      sharing += name == "mha" || name == "mqa";
      continue;
    }
    if (sweep && name == "max_rows" && (nb::isinstance<nb::str>(value) || PyLong_CheckExact(value.ptr()))) {
      f.max_rows = nb::cast<std::string>(nb::str(value));
      f.given.insert("--max-rows");
      continue;
    }
    if (value.is_none()) continue;  // None leaves the option out, as in the generic path
    const auto it = string_flags().find(name);
    if (it == string_flags().end()) return false;
    std::string text;
    if (nb::isinstance<nb::str>(value)) text = nb::cast<std::string>(value);
    else if (PyLong_CheckExact(value.ptr()) || PyFloat_CheckExact(value.ptr())) text = nb::cast<std::string>(nb::str(value));  // as str() writes it
    else return false;  // a list, a Model, a path: the Python side turns it into text first
    if (text.empty() || text[0] == '-') return false;  // CLI11's own reading (an empty argument, a negative)
    f.*(it->second.field) = std::move(text);
    f.given.insert(it->second.flag);
    sharing += name == "gqa" || name == "mla";
  }
  return sharing <= 1;
}

// Runs `body`, turning attncost's errors into the Python exceptions the generic path raises.
template <typename Body>
auto translated(Body body) {
  try {
    return body();
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

// resolve_model and resolve_gpu of a built-in preset depend on the flags alone, and parsing the
// preset's JSON is most of their cost: kept between calls, keyed by those flags (a config.json or
// a profile path is read at every call: the file may change). A preset's warnings, if any, are
// printed the first time only. Bounded; the GIL guards it.
template <typename T, typename Resolve>
const T* remembered(std::map<std::string, T>& cache, const std::string& key, Resolve resolve) {
  const auto it = cache.find(key);
  if (it != cache.end()) return &it->second;
  if (cache.size() >= 256) cache.clear();
  return &cache.emplace(key, resolve()).first->second;
}

bool is_one_of(const std::string& name, const std::vector<std::string>& names) { return std::find(names.begin(), names.end(), name) != names.end(); }

nlohmann::json estimate_document_cached(const Flags& f) {
  static const std::vector<std::string> model_presets = attncost::model_preset_names(), gpu_presets = attncost::gpu_preset_names();
  static std::map<std::string, attncost::ModelConfig> models;
  static std::map<std::string, attncost::GpuSpec> gpus;
  if (!is_one_of(f.model, model_presets) || !is_one_of(f.gpu, gpu_presets)) return attncost::cli::estimate_document(f);
  std::string key = f.model;
  for (const std::string* field : {&f.layers, &f.heads, &f.kv_heads, &f.head_dim, &f.hidden, &f.ffn, &f.vocab}) key += '\x1f' + *field;
  key += f.text_only ? "\x1ft" : "\x1f";
  // In resolve order: a bad model is reported before a bad GPU, as the CLI does.
  const attncost::ModelConfig* m = remembered(models, key, [&] { return attncost::cli::resolve_model(f); });
  const attncost::GpuSpec* gpu = remembered(gpus, f.gpu, [&] { return attncost::cli::resolve_gpu(f); });
  return attncost::cli::estimate_document(f, *m, *gpu);
}

// The estimate's JSON document as Python objects, or None when the kwargs need run().
nb::object estimate_fast(const nb::dict& kwargs) {
  Flags f;
  if (!fill_flags(kwargs, f)) return nb::none();
  return translated([&] { return to_python(estimate_document_cached(f)); });
}

// For python/bench_estimate.py: CPU seconds per call of the C++ core alone (resolve, estimate, the
// JSON document, as estimate_fast runs them) over `n` calls, so that the Python call's overhead can be told apart.
double core_seconds_per_estimate(const nb::dict& kwargs, int n) {
  Flags f;
  if (!fill_flags(kwargs, f)) throw nb::value_error("core_seconds_per_estimate: these kwargs take the generic path");
  return translated([&] {
    nb::gil_scoped_release unlocked;
    size_t keep = 0;
    // This thread's CPU time, as the Python side measures with time.thread_time(): on a shared
    // machine wall time counts the other processes too.
    auto cpu_s = [] {
      timespec t{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
      return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
    };
    const double start = cpu_s();
    for (int i = 0; i < n; ++i) keep += estimate_document_cached(f).size();
    const double took = cpu_s() - start;
    if (keep == 0) throw std::runtime_error("empty document");
    return took / n;
  });
}

// sweep's flat rows (reports/estimate_fields.h) as columns, filled in parallel as run_sweep renders
// its blocks. Each cell keeps the kind the field wrote (what its JSON line would say).
enum Kind : uint8_t { kNone, kNumber, kInteger, kText, kBool };

struct Cells {
  size_t rows = 0, columns = 0;
  std::vector<uint8_t> kinds;   // column-major: [column * rows + row]
  std::vector<uint64_t> bits;   // the double's bits, the integer, the bool, or the text's (table, index)
  std::vector<std::vector<std::string>> texts;  // one intern table per block thread
};

class CellWriter final : public attncost::FieldWriter {
 public:
  CellWriter(Cells& c, size_t table) : c_(c), table_(table) {}
  void start(size_t row) { row_ = row, column_ = 0; }
  void number(double v) override { put(kNumber, std::bit_cast<uint64_t>(v)); }
  void integer(uint64_t v) override { put(kInteger, v); }
  void boolean(bool v) override { put(kBool, v ? 1 : 0); }
  void none() override { put(kNone, 0); }
  void text(std::string_view s) override {
    auto [it, added] = index_.try_emplace(std::string(s), c_.texts[table_].size());
    if (added) c_.texts[table_].emplace_back(s);
    put(kText, (uint64_t{table_} << 32) | it->second);
  }

 private:
  void put(Kind k, uint64_t b) {
    const size_t at = column_++ * c_.rows + row_;
    c_.kinds[at] = k;
    c_.bits[at] = b;
  }
  Cells& c_;
  size_t table_, row_ = 0, column_ = 0;
  std::unordered_map<std::string, uint64_t> index_;
};

void fill_cells(const attncost::SweepGrid& g, Cells& c) {
  const size_t threads = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
  const size_t block = (c.rows + threads - 1) / threads;
  c.texts.assign(threads, {});
  std::vector<std::exception_ptr> failures(threads);
  auto work = [&](size_t t) {
    try {
      CellWriter w(c, t);
      size_t row = t * block;
      const double first = static_cast<double>(row), last = static_cast<double>(std::min(c.rows, row + block));
      if (first >= last) return;
      attncost::sweep_each(g, first, last, [&](const attncost::SweepLine& line, const attncost::Workload& wl, const attncost::Estimate& e) {
        w.start(row++);
        const attncost::EstimateInputs in{g.models[line.model], g.designs[line.model][line.design], wl, g.gpus[line.gpu]};
        for (const attncost::EstimateField& field : attncost::estimate_fields()) field.write(w, in, e);
      });
    } catch (...) {
      failures[t] = std::current_exception();  // rethrown on the calling thread, after the join
    }
  };
  std::vector<std::thread> workers;
  for (size_t t = 1; t < threads; ++t) workers.emplace_back(work, t);
  work(0);
  for (std::thread& w : workers) w.join();
  for (const std::exception_ptr& e : failures)
    if (e) std::rethrow_exception(e);
}

template <typename T>
nb::object numpy_array(std::vector<T>&& v) {
  auto* heap = new std::vector<T>(std::move(v));
  nb::capsule owner(heap, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return nb::cast(nb::ndarray<nb::numpy, T, nb::ndim<1>>(heap->data(), {heap->size()}, owner));
}

// Text cells name (intern table, index); this numbers each distinct string once across tables.
struct TextIds {
  std::vector<std::vector<int32_t>> id;  // [table][index] → distinct string number
  std::vector<const std::string*> strings;
  explicit TextIds(const Cells& c) {
    std::unordered_map<std::string_view, int32_t> seen;
    for (const auto& table : c.texts) {
      id.emplace_back();
      for (const std::string& t : table) {
        const auto [it, added] = seen.try_emplace(t, static_cast<int32_t>(strings.size()));
        if (added) strings.push_back(&t);
        id.back().push_back(it->second);
      }
    }
  }
  int32_t of(uint64_t bits) const { return id[bits >> 32][bits & 0xffffffffu]; }
};

// One column to Python, as (kind, column): a numpy array when every cell has one numeric kind
// ("number": float64, "integer": int64, "bool": uint8), ("category": (int32 codes, [str])) when
// all are text (names repeat: a 10^6-row sweep has a handful of distinct ones), else ("object":
// the Python objects json.loads would give for each cell).
nb::tuple column_to_python(const Cells& c, size_t column, const TextIds& ids) {
  const uint8_t* kinds = c.kinds.data() + column * c.rows;
  const uint64_t* bits = c.bits.data() + column * c.rows;
  auto str = [&](uint64_t b) {
    const std::string& t = *ids.strings[static_cast<size_t>(ids.of(b))];
    return nb::str(t.data(), t.size());
  };
  bool same = c.rows > 0;
  for (size_t r = 1; r < c.rows && same; ++r) same = kinds[r] == kinds[0];
  const Kind kind = same ? static_cast<Kind>(kinds[0]) : kNone;
  if (same && kind == kNumber) {
    std::vector<double> v(c.rows);
    for (size_t r = 0; r < c.rows; ++r) v[r] = std::bit_cast<double>(bits[r]);
    return nb::make_tuple("number", numpy_array(std::move(v)));
  }
  if (same && kind == kInteger && std::all_of(bits, bits + c.rows, [](uint64_t b) { return b <= uint64_t{INT64_MAX}; })) {
    std::vector<int64_t> v(c.rows);
    for (size_t r = 0; r < c.rows; ++r) v[r] = static_cast<int64_t>(bits[r]);
    return nb::make_tuple("integer", numpy_array(std::move(v)));
  }
  if (same && kind == kBool) {
    std::vector<uint8_t> v(c.rows);
    for (size_t r = 0; r < c.rows; ++r) v[r] = static_cast<uint8_t>(bits[r]);
    return nb::make_tuple("bool", numpy_array(std::move(v)));
  }
  if (same && kind == kText) {
    std::vector<int32_t> code_of(ids.strings.size(), -1), codes(c.rows);
    nb::list categories;
    for (size_t r = 0; r < c.rows; ++r) {
      int32_t& code = code_of[static_cast<size_t>(ids.of(bits[r]))];
      if (code < 0) {
        code = static_cast<int32_t>(nb::len(categories));
        categories.append(str(bits[r]));
      }
      codes[r] = code;
    }
    return nb::make_tuple("category", nb::make_tuple(numpy_array(std::move(codes)), categories));
  }
  nb::list out;
  for (size_t r = 0; r < c.rows; ++r) {
    switch (kinds[r]) {
      case kNumber: {
        // As the JSON line writes it (reports/csv_report.cc write_number): integral values as integers.
        const double v = std::bit_cast<double>(bits[r]);
        if (!std::isfinite(v)) out.append(nb::none());
        else if (v == std::floor(v) && std::fabs(v) < 9.2e18) out.append(nb::cast(static_cast<int64_t>(v)));
        else out.append(nb::float_(v));
        break;
      }
      case kInteger: out.append(nb::cast(bits[r])); break;
      case kBool: out.append(nb::bool_(bits[r] != 0)); break;
      case kText: out.append(str(bits[r])); break;
      default: out.append(nb::none());
    }
  }
  return nb::make_tuple("object", out);
}

// The sweep as (names, [(kind, column)], crossover JSON lines, chart SVG or None), or None when
// the kwargs need the generic path. `chart`: also draw the chart run_sweep writes with --chart.
nb::object sweep_columns(const nb::dict& kwargs, bool chart) {
  Flags f;
  if (!fill_flags(kwargs, f, true)) return nb::none();
  if (chart) f.chart = "(inline)";  // resolve_sweep_grid checks the grid can be drawn
  Cells c;
  attncost::SweepGrid g;
  std::string crossovers, svg;
  translated([&] {
    const double max_rows = static_cast<double>(attncost::cli::parse_count(f.max_rows, "--max-rows"));
    g = attncost::cli::resolve_sweep_grid(f, max_rows);
    nb::gil_scoped_release unlocked;
    c.rows = static_cast<size_t>(attncost::sweep_rows(g));
    c.columns = attncost::estimate_fields().size();
    c.kinds.assign(c.rows * c.columns, kNone);
    c.bits.assign(c.rows * c.columns, 0);
    fill_cells(g, c);
    crossovers = attncost::sweep_crossovers_text(g, attncost::sweep_crossovers(g), attncost::SweepFormat::jsonl);
    if (chart) svg = attncost::sweep_chart_svg(g, attncost::sweep_curves(g, 8));
    return 0;
  });
  nb::list names, columns;
  const TextIds ids(c);
  for (size_t col = 0; col < c.columns; ++col) {
    names.append(attncost::estimate_fields()[col].name);
    columns.append(column_to_python(c, col, ids));
  }
  return nb::make_tuple(names, columns, nb::str(crossovers.data(), crossovers.size()),
                        chart ? nb::object(nb::str(svg.data(), svg.size())) : nb::none());
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
  m.def("sweep_columns", &sweep_columns, nb::arg("kwargs"), nb::arg("chart") = false,
        "sweep's rows as columns: (names, [(kind, column)], crossover JSON lines, SVG or None), or None when the kwargs need run().");
  m.def("core_seconds_per_estimate", &core_seconds_per_estimate, nb::arg("kwargs"), nb::arg("n"),
        "Seconds per call of the C++ core alone (resolve, estimate, JSON document), for the benchmark.");
}
