// `attncost sweep`: every flag takes a comma-separated list; the grid is checked (every value
// parsed, its size within --max-rows, the output paths writable) before any row is estimated,
// then streamed as CSV, JSON lines or text, with crossover points and an optional SVG chart.
#include <algorithm>
#include <array>
#include <cstdint>
#include <exception>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/resolve.h"
#include "estimators/explain.h"
#include "estimators/sweep.h"
#include "model/error.h"
#include "model/presets.h"
#include "reports/sweep_report.h"

namespace attncost::cli {
namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(',', start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// One list-valued flag: its values, or {""} (= the single default) when not given.
std::vector<std::string> values(const std::string& flag_text) { return flag_text.empty() ? std::vector<std::string>{""} : split(flag_text); }

// A legend past eight lines is unreadable; the rows hold every line.
constexpr size_t kChartLines = 8;

}  // namespace

SweepGrid resolve_sweep_grid(const Flags& f, double max_rows) {
  // Every axis resolved up front so a bad value fails before any output.
  SweepGrid g;
  for (const auto& name : split(f.model)) {
    Flags one = f;
    one.model = name;
    g.models.push_back(resolve_model(one));
  }
  for (const auto& name : split(f.gpu)) g.gpus.push_back(load_gpu(name));
  for (const auto& v : split(f.ctx)) g.ctxs.push_back(parse_count(v, "--ctx"));
  for (const auto& v : split(f.batch)) g.batches.push_back(parse_count(v, "--batch"));
  for (const auto& v : split(f.gen)) g.gens.push_back(parse_count(v, "--gen", true));
  for (uint64_t c : g.ctxs)
    for (uint64_t n : g.gens)
      if (c + n > (uint64_t{1} << 40)) throw InputError(fmt::format("--ctx {} + --gen {}: the sequence exceeds 2^40 tokens", c, n));
  if (!f.chart.empty() && g.ctxs.size() < 2 && g.batches.size() < 2)
    throw InputError("--chart: the sweep needs at least two --ctx or two --batch values to draw");
  g.prefixes.clear();
  for (const auto& v : split(f.shared_prefix.empty() ? "0" : f.shared_prefix)) g.prefixes.push_back(parse_count(v, "--shared-prefix", true));
  for (uint64_t c : g.ctxs)
    for (uint64_t p : g.prefixes)
      if (p >= c && p > 0) throw InputError(fmt::format("--shared-prefix {}: must be shorter than the prompt (--ctx {})", p, c));
  // Every design and serving flag is an axis: the grid is their product.
  std::string Flags::*const axes[] = {&Flags::gqa,           &Flags::attn,        &Flags::kv_dtype, &Flags::tp, &Flags::pp, &Flags::cp, &Flags::ep, &Flags::dp,
                                      &Flags::kernel,        &Flags::kernels,     &Flags::page_size, &Flags::engine,
                                      &Flags::gpu_memory_utilization, &Flags::max_num_batched_tokens, &Flags::max_num_seqs,
                                      &Flags::chunk_size,    &Flags::spec,        &Flags::usd_per_gpu_hour};
  constexpr size_t kAxes = std::size(axes);
  std::array<std::vector<std::string>, kAxes> axis_values;
  double design_count = 1;
  for (size_t a = 0; a < kAxes; ++a) {
    axis_values[a] = values(f.*axes[a]);
    design_count *= static_cast<double>(axis_values[a].size());
  }
  const double rows = design_count * static_cast<double>(g.models.size() * g.gpus.size() * g.ctxs.size() * g.batches.size() * g.gens.size() *
                                                         g.prefixes.size());
  if (rows > max_rows)
    throw InputError(fmt::format("sweep: the grid has {:.0f} rows, more than --max-rows {:.0f} (raise --max-rows to run it)", rows, max_rows));
  // Every design is built (and held) before the first row: a design axis is capped by itself, or
  // a grid under --max-rows could still take tens of GB before printing anything.
  constexpr double kMaxDesigns = 100000;
  if (design_count * static_cast<double>(g.models.size()) > kMaxDesigns)
    throw InputError(fmt::format("sweep: {:.0f} designs (the product of the design and serving axes, per model) is more than {:.0f}; split the sweep",
                                 design_count * static_cast<double>(g.models.size()), kMaxDesigns));
  g.designs.resize(g.models.size());
  for (size_t mi = 0; mi < g.models.size(); ++mi) {
    std::array<size_t, kAxes> at{};
    while (true) {
      Flags one = f;
      for (size_t a = 0; a < kAxes; ++a) one.*axes[a] = axis_values[a][at[a]];
      if (one.engine.empty()) one.engine = "plain";
      g.designs[mi].push_back(make_design(g.models[mi], resolve_choice(one, g.models[mi], nullptr)));
      for (const GpuSpec& gpu : g.gpus) check_design_runs(g.designs[mi].back(), gpu, *std::min_element(g.ctxs.begin(), g.ctxs.end()));
      size_t a = kAxes;  // odometer over the axes, the last fastest
      while (a > 0 && ++at[a - 1] == axis_values[a - 1].size()) at[--a] = 0;
      if (a == 0) break;
    }
  }
  return g;
}

int run_sweep(const Flags& f) {
  const std::string format = f.has("--format") ? f.format : "csv";
  check_format(format, {"csv", "json", "text"});
  if (f.explain && format == "csv") throw InputError("--explain: not available with --format csv (use text or json)");
  const SweepFormat sf = format == "csv" ? SweepFormat::csv : format == "json" ? SweepFormat::jsonl : SweepFormat::text;
  const double max_rows = static_cast<double>(parse_count(f.max_rows, "--max-rows"));
  Outputs out(f);

  const SweepGrid g = resolve_sweep_grid(f, max_rows);
  std::string buffer = sweep_header(sf);
  Progress progress("sweep", "rows", sweep_rows(g));
  // Rows in blocks, the blocks of a round on every core at once, written in grid order.
  const double total = sweep_rows(g);
  const size_t threads = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
  constexpr double kBlock = 8192;
  std::vector<std::string> blocks(threads);
  std::vector<std::exception_ptr> failures(threads);
  for (double round = 0; round < total; round += kBlock * static_cast<double>(threads)) {
    auto render = [&](size_t t) {
      try {
        std::string& b = blocks[t];
        b.clear();
        const double first = round + kBlock * static_cast<double>(t);
        sweep_each(g, first, std::min(total, first + kBlock), [&](const SweepLine& line, const Workload& w, const Estimate& e) {
          const EstimateInputs in{g.models[line.model], g.designs[line.model][line.design], w, g.gpus[line.gpu]};
          if (f.explain) {
            const auto sections = explain(in.model, in.design, w, in.gpu, e);
            append_sweep_row(b, sf, in, e, &sections);
          } else {
            append_sweep_row(b, sf, in, e);
          }
        });
      } catch (...) {
        failures[t] = std::current_exception();  // rethrown on the main thread, after the join
      }
    };
    std::vector<std::thread> workers;
    for (size_t t = 1; t < threads && round + kBlock * static_cast<double>(t) < total; ++t) workers.emplace_back(render, t);
    render(0);
    for (std::thread& w : workers) w.join();
    for (const std::exception_ptr& e : failures)
      if (e) std::rethrow_exception(e);
    out.stream(buffer);
    buffer.clear();
    for (size_t t = 0; t < threads; ++t) out.stream(blocks[t]), blocks[t].clear();
    progress.update(std::min(total, round + kBlock * static_cast<double>(threads)));
  }
  // Crossovers along the context axis go with the JSON lines and the text, not into a CSV table.
  if (sf != SweepFormat::csv) buffer += sweep_crossovers_text(g, sweep_crossovers(g), sf);
  out.stream(buffer);
  if (!f.chart.empty()) out.set(f.chart, sweep_chart_svg(g, sweep_curves(g, kChartLines)));
  out.commit();
  return kExitOk;
}

}  // namespace attncost::cli
