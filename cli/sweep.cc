// `attncost sweep`: every flag takes a comma-separated list; the grid is checked (every value
// parsed, its size within --max-rows, the output paths writable) before any row is estimated,
// then streamed as CSV, JSON lines or text, with crossover points and an optional SVG chart.
#include <array>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/resolve.h"
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

int run_sweep(const Flags& f) {
  const std::string format = f.has("--format") ? f.format : "csv";
  check_format(format, {"csv", "json", "text"});
  const SweepFormat sf = format == "csv" ? SweepFormat::csv : format == "json" ? SweepFormat::jsonl : SweepFormat::text;
  const double max_rows = static_cast<double>(parse_count(f.max_rows, "--max-rows"));
  check_writable(f.output);
  if (!f.chart.empty()) check_writable(f.chart, "--chart");

  // Resolve every axis up front so a bad value fails before any output.
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
  g.designs.resize(g.models.size());
  for (size_t mi = 0; mi < g.models.size(); ++mi) {
    std::array<size_t, kAxes> at{};
    while (true) {
      Flags one = f;
      for (size_t a = 0; a < kAxes; ++a) one.*axes[a] = axis_values[a][at[a]];
      if (one.engine.empty()) one.engine = "plain";
      g.designs[mi].push_back(make_design(g.models[mi], resolve_choice(one, g.models[mi], nullptr)));
      for (const GpuSpec& gpu : g.gpus) (void)kernels_for(g.designs[mi].back(), gpu);
      size_t a = kAxes;  // odometer over the axes, the last fastest
      while (a > 0 && ++at[a - 1] == axis_values[a - 1].size()) at[--a] = 0;
      if (a == 0) break;
    }
  }

  OutputStream out(f.output);
  std::string buffer = sweep_header(sf);
  buffer.reserve(1 << 20);
  Progress progress("sweep", "rows", sweep_rows(g));
  double done = 0;
  sweep_each(g, [&](const SweepLine& line, const Workload& w, const Estimate& e) {
    append_sweep_row(buffer, sf, {g.models[line.model], g.designs[line.model][line.design], w, g.gpus[line.gpu]}, e);
    if (buffer.size() > (1 << 20) - 4096) {
      out.write(buffer);
      buffer.clear();
    }
    if ((static_cast<uint64_t>(++done) & 0x3FFF) == 0) progress.update(done);
  });
  // Crossovers along the context axis go with the JSON lines and the text, not into a CSV table.
  if (sf != SweepFormat::csv) buffer += sweep_crossovers_text(g, sweep_crossovers(g), sf);
  out.write(buffer);
  if (!f.chart.empty()) write_output(f.chart, sweep_chart_svg(g, sweep_curves(g, kChartLines)));
  out.commit();
  return kExitOk;
}

}  // namespace attncost::cli
