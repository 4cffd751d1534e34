// `attncost sweep`: every flag takes a comma-separated list; the full grid is estimated, one row
// per point, streamed as CSV or JSON lines, with crossover points and an optional SVG chart.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "cli/commands.h"
#include "estimators/crossover.h"
#include "model/error.h"
#include "model/presets.h"
#include "reports/reports.h"
#include "reports/svg_chart.h"

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

struct Point {
  size_t model, gpu, design;
};

std::string tokens_axis(double v) { return v >= 1024 ? fmt::format("{:g}k", v / 1024) : fmt::format("{:g}", v); }
std::string ms_axis(double v) { return fmt::format("{:g} ms", v * 1e3); }

}  // namespace

int run_sweep(const Flags& f) {
  if (f.format != "csv" && f.format != "json" && f.format != "text")
    throw InputError(fmt::format("--format '{}': expected one of csv, json (JSON lines), text", f.format));
  // Resolve every axis up front so a bad value fails before any output.
  std::vector<ModelConfig> models;
  for (const auto& name : split(f.model)) {
    Flags one = f;
    one.model = name;
    models.push_back(resolve_model(one));
  }
  std::vector<GpuSpec> gpus;
  for (const auto& name : split(f.gpu)) gpus.push_back(load_gpu(name));
  std::vector<uint64_t> ctxs, batches, gens;
  for (const auto& v : split(f.ctx)) ctxs.push_back(parse_count(v, "--ctx"));
  for (const auto& v : split(f.batch)) batches.push_back(parse_count(v, "--batch"));
  for (const auto& v : split(f.gen)) gens.push_back(parse_count(v, "--gen", true));
  for (uint64_t c : ctxs)
    for (uint64_t g : gens)
      if (c + g > (uint64_t{1} << 40)) throw InputError(fmt::format("--ctx {} + --gen {}: the sequence exceeds 2^40 tokens", c, g));

  // Designs per model: the product of the design axes.
  std::vector<std::vector<Design>> designs(models.size());
  for (size_t mi = 0; mi < models.size(); ++mi) {
    for (const auto& gqa : values(f.gqa))
      for (const auto& attn : values(f.attn))
        for (const auto& kv : values(f.kv_dtype))
          for (const auto& tp : values(f.tp))
            for (const auto& kernel : values(f.kernel))
              for (const auto& page : values(f.page_size)) {
                Flags one = f;
                one.gqa = gqa, one.attn = attn, one.kv_dtype = kv, one.tp = tp, one.kernel = kernel, one.page_size = page;
                designs[mi].push_back(make_design(models[mi], resolve_choice(one, models[mi], nullptr)));
              }
  }
  std::vector<Point> lines;  // every combination but the workload axes
  for (size_t mi = 0; mi < models.size(); ++mi)
    for (size_t gi = 0; gi < gpus.size(); ++gi)
      for (size_t di = 0; di < designs[mi].size(); ++di) lines.push_back({mi, gi, di});
  const double total = static_cast<double>(lines.size() * ctxs.size() * batches.size() * gens.size());
  const bool progress = ::isatty(2) && total >= 200000;

  OutputStream out(f.output);
  std::string buffer;
  buffer.reserve(1 << 20);
  if (f.format == "csv") buffer += estimate_csv_header();
  if (f.format == "text") buffer += fmt::format("{:<28} {:<40} {:<24} {:>9} {:>6} {:>12} {:>12} {:>12}\n", "model", "design", "gpu", "ctx",
                                                "batch", "KV/seq", "prefill", "decode");
  uint64_t rows = 0;
  for (const Point& line : lines) {
    const ModelConfig& m = models[line.model];
    const Design& d = designs[line.model][line.design];
    const GpuSpec& g = gpus[line.gpu];
    for (uint64_t ctx : ctxs)
      for (uint64_t batch : batches)
        for (uint64_t gen : gens) {
          Workload w;
          w.ctx = ctx, w.batch = batch, w.gen = gen;
          const Estimate e = estimate(m, d, w, g);
          const EstimateInputs in{m, d, w, g};
          if (f.format == "csv") append_estimate_csv_row(buffer, in, e);
          else if (f.format == "json") append_estimate_jsonl(buffer, in, e);
          else
            buffer += fmt::format("{:<28} {:<40} {:<24} {:>9} {:>6} {:>12} {:>12} {:>12}\n", m.name, design_label(d), g.origin, ctx, batch,
                                  human_bytes(e.kv.bytes_per_sequence), human_time(e.prefill.time_s), human_time(e.decode.time_s));
          if (buffer.size() > (1 << 20) - 4096) {
            out.write(buffer);
            buffer.clear();
          }
          if (progress && (++rows & 0xFFFF) == 0)
            std::fprintf(stderr, "\rsweep: %llu / %.0f rows", static_cast<unsigned long long>(rows), total);
        }
  }
  if (progress) std::fprintf(stderr, "\rsweep: %.0f / %.0f rows\n", total, total);

  // Crossovers per line (at the first batch and gen of the grid), when the sweep varies ctx.
  if (f.format != "csv") {
    const uint64_t lo = *std::min_element(ctxs.begin(), ctxs.end()), hi = *std::max_element(ctxs.begin(), ctxs.end());
    for (const Point& line : lines) {
      const ModelConfig& m = models[line.model];
      const Design& d = designs[line.model][line.design];
      const GpuSpec& g = gpus[line.gpu];
      Workload w;
      w.ctx = lo, w.batch = batches.front(), w.gen = gens.front();
      const auto kv = kv_overtakes_weights(m, d, w, g);
      const auto bound = prefill_bound_change(m, d, w, g, lo, hi);
      Workload at_hi = w;
      at_hi.ctx = hi;
      const std::string end_bound(bound_name(estimate(m, d, at_hi, g).prefill.bound));
      if (f.format == "json") {
        buffer += fmt::format("{{\"type\":\"crossover\",\"model\":{},\"design\":\"{}\",\"gpu\":{},\"batch\":{},"
                              "\"decode_kv_reads_exceed_weights_at_ctx\":{},\"prefill_bound_changes_at_ctx\":{},\"prefill_bound_after\":\"{}\"}}\n",
                              nlohmann::json(m.name).dump(), design_label(d), nlohmann::json(g.origin).dump(), w.batch,
                              kv ? fmt::format("{}", *kv) : "null", bound ? fmt::format("{}", *bound) : "null", end_bound);
      } else {
        buffer += fmt::format("crossover {} · {} · {} (batch {}): decode KV reads exceed weight reads {}; prefill {}\n", m.name,
                              design_label(d), g.origin, w.batch, kv ? fmt::format("from ctx {}", *kv) : "never (up to 2^40)",
                              bound ? fmt::format("turns {}-bound at ctx {}", end_bound, *bound)
                                    : fmt::format("stays {}-bound over ctx {}..{}", end_bound, lo, hi));
      }
    }
  }
  out.write(buffer);

  if (!f.chart.empty()) {
    const bool by_ctx = ctxs.size() >= 2;
    if (!by_ctx && batches.size() < 2) throw InputError("--chart: the sweep needs at least two --ctx or two --batch values to draw");
    LineChart c{by_ctx ? "Decode step time vs context" : "Decode step time vs batch", by_ctx ? "context (tokens)" : "batch",
                "decode step", {}, true, tokens_axis, ms_axis, 0, "", 1e-3};
    for (const Point& line : lines) {
      if (c.series.size() == 8) break;  // a legend past eight lines is unreadable; the CSV has them all
      const ModelConfig& m = models[line.model];
      const Design& d = designs[line.model][line.design];
      const GpuSpec& g = gpus[line.gpu];
      Series s{fmt::format("{} {}{}", models.size() > 1 ? m.name : "", design_label(d), gpus.size() > 1 ? " " + g.origin : ""), {}};
      for (uint64_t x : by_ctx ? ctxs : batches) {
        Workload w;
        w.ctx = by_ctx ? x : ctxs.front(), w.batch = by_ctx ? batches.front() : x, w.gen = gens.front();
        s.points.emplace_back(static_cast<double>(x), estimate(m, d, w, g).decode.time_s);
      }
      std::sort(s.points.begin(), s.points.end());
      c.series.push_back(std::move(s));
    }
    write_output(f.chart, render_line_chart(c));
  }
  out.commit();
  return 0;
}

}  // namespace attncost::cli
