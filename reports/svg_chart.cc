#include "reports/svg_chart.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace attncost {
namespace {

constexpr double kWidth = 1000, kHeight = 460;
constexpr double kLeft = 110, kRight = 400, kTop = 50, kBottom = 60;
// Colour-blind-safe palette (Okabe & Ito 2008).
const char* const kColors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"};

std::string plain(double v) { return fmt::format("{:g}", v); }

std::string header(const std::string& title) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"28\" font-size=\"16\" font-weight=\"bold\">{3}</text>\n",
      kWidth, kHeight, kLeft, xml_escape(title));
}

// Tick values across [lo, hi]: powers of two (token counts) or 1-2-5 decades on log axes, ~6
// round steps of `unit` on linear ones.
std::vector<double> ticks(double lo, double hi, bool log_scale, bool powers_of_two = false, double unit = 1) {
  std::vector<double> out;
  if (log_scale && powers_of_two) {
    const double step = hi / lo > 4096 ? 4 : 2;
    for (double t = std::pow(2, std::floor(std::log2(lo))); t <= hi * 1.0001; t *= step)
      if (t >= lo * 0.9999) out.push_back(t);
    return out;
  }
  if (log_scale) {
    lo /= unit, hi /= unit;
    const bool sparse = hi / lo > 1e4;
    for (double decade = std::pow(10, std::floor(std::log10(lo))); decade <= hi; decade *= 10)
      for (double f : {1.0, 2.0, 5.0}) {
        if (sparse && f != 1.0) continue;
        const double t = decade * f;
        if (t >= lo * 0.9999 && t <= hi * 1.0001) out.push_back(t * unit);
      }
    return out;
  }
  lo /= unit, hi /= unit;
  const double raw = (hi - lo) / 6;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  const double step = raw / mag < 2 ? 2 * mag : raw / mag < 5 ? 5 * mag : 10 * mag;
  for (double t = std::ceil(lo / step) * step; t <= hi * 1.0001; t += step) out.push_back(t * unit);
  return out;
}

}  // namespace

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_line_chart(const LineChart& c) {
  double x_lo = INFINITY, x_hi = 0, y_lo = INFINITY, y_hi = 0;
  for (const auto& s : c.series)
    for (auto [x, y] : s.points) {
      x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x);
      if (!c.log_y || y > 0) y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
    }
  std::vector<RefLine> h_lines = c.h_lines;
  if (c.y_limit > 0) h_lines.insert(h_lines.begin(), {c.y_limit, c.y_limit_label});
  for (const RefLine& h : h_lines) y_hi = std::max(y_hi, h.value), y_lo = std::min(y_lo, h.value);
  for (const RefLine& m : c.x_markers) x_lo = std::min(x_lo, m.value), x_hi = std::max(x_hi, m.value);
  if (!(x_hi > x_lo)) x_hi = x_lo * 2 + 1;
  if (!c.log_y) y_lo = 0;
  if (!(y_hi > y_lo)) y_hi = y_lo + 1;
  if (c.log_y)
    y_lo = c.y_unit * std::pow(10, std::floor(std::log10(y_lo / c.y_unit))), y_hi = c.y_unit * std::pow(10, std::ceil(std::log10(y_hi / c.y_unit)));
  else y_hi *= 1.08;
  const double x_min = c.log_x ? x_lo : 0;
  const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
  auto px = [&](double x) {
    return kLeft + pw * (c.log_x ? std::log(x / x_min) / std::log(x_hi / x_min) : (x - x_min) / (x_hi - x_min));
  };
  auto py = [&](double y) {
    const double f = c.log_y ? std::log(y / y_lo) / std::log(y_hi / y_lo) : (y - y_lo) / (y_hi - y_lo);
    return kTop + ph * (1 - f);
  };
  auto fx = c.format_x ? c.format_x : plain;
  auto fy = c.format_y ? c.format_y : plain;
  std::string out = header(c.title);
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>\n", kLeft, kTop, pw, ph);
  for (double t : ticks(x_min, x_hi, c.log_x, c.log_x, c.log_x ? 1 : c.x_unit)) {
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#ddd\"/>\n", px(t), kTop, kTop + ph);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(t), kTop + ph + 18, xml_escape(fx(t)));
  }
  for (double t : ticks(y_lo, y_hi, c.log_y, false, c.y_unit)) {
    out += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>\n", kLeft, py(t), kLeft + pw);
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 6, py(t) + 4, xml_escape(fy(t)));
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", kLeft + pw / 2, kHeight - 28, xml_escape(c.x_label));
  out += fmt::format("<text x=\"16\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {0})\">{1}</text>\n", kTop + ph / 2,
                     xml_escape(c.y_label));
  if (!c.note.empty()) out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555\">{}</text>\n", kLeft, kHeight - 8, xml_escape(c.note));
  for (const RefLine& m : c.x_markers) {
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#555\" stroke-dasharray=\"2 3\"/>\n", px(m.value), kTop, kTop + ph);
    // The label beside the line's top, on the side with room.
    const bool right_half = px(m.value) > kLeft + pw / 2;
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" fill=\"#333\" text-anchor=\"{}\">{}</text>\n", px(m.value) + (right_half ? -4 : 4),
                       kTop + 14, right_half ? "end" : "start", xml_escape(m.label));
  }
  for (const RefLine& h : h_lines) {
    out += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#B00\" stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/>\n",
                       kLeft, py(h.value), kLeft + pw);
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" fill=\"#B00\" text-anchor=\"end\">{}</text>\n", kLeft + pw - 4, py(h.value) - 5, xml_escape(h.label));
  }
  bool any_infeasible = false;
  double legend_y = kTop + 10;
  for (size_t i = 0; i < c.series.size(); ++i) {
    const Series& s = c.series[i];
    const char* color = kColors[i % 8];
    // Each series its own dash pattern and marker shape, so lines that coincide stay
    // distinguishable; infeasible stretches dotted and thin.
    static const char* const kDashes[] = {"", " stroke-dasharray=\"8 5\"", " stroke-dasharray=\"14 4 3 4\"", " stroke-dasharray=\"4 3\""};
    const char* dash = kDashes[i % 4];
    auto marker = [&](double x, double y, bool filled) {
      const std::string fill = filled ? fmt::format("fill=\"{}\"", color) : fmt::format("fill=\"white\" stroke=\"{}\"", color);
      switch (i % 4) {
        case 1: return fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"5\" height=\"5\" {}/>\n", x - 2.5, y - 2.5, fill);
        case 2: return fmt::format("<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" {}/>\n", x, y - 3.5, x + 3.5, y, x, y + 3.5, x - 3.5, y, fill);
        case 3: return fmt::format("<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" {}/>\n", x, y - 3.5, x + 3.5, y + 3, x - 3.5, y + 3, fill);
        default: return fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" {}/>\n", x, y, filled ? "2.5" : "3", fill);
      }
    };
    auto ok = [&](size_t k) { return s.feasible.empty() || s.feasible[k]; };
    std::string solid, dotted;
    for (size_t k = 0; k < s.points.size(); ++k) {
      auto [x, y] = s.points[k];
      if (c.log_y && y <= 0) continue;
      const std::string pt = fmt::format("{:.1f},{:.1f} ", px(x), py(y));
      // A segment is drawn solid when both ends are feasible.
      if (k > 0) {
        auto [x0, y0] = s.points[k - 1];
        const std::string seg = fmt::format("M{:.1f},{:.1f} L{:.1f},{:.1f} ", px(x0), py(y0), px(x), py(y));
        (ok(k) && ok(k - 1) ? solid : dotted) += seg;
      }
      out += marker(px(x), py(y), ok(k));
      any_infeasible = any_infeasible || !ok(k);
    }
    if (!solid.empty()) out += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", solid, color, dash);
    if (!dotted.empty()) out += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1\" stroke-dasharray=\"1 3\"/>\n", dotted, color);
    // A polyline of every point too (kept for tools that look for one), drawn invisible.
    std::string pts;
    for (auto [x, y] : s.points)
      if (!c.log_y || y > 0) pts += fmt::format("{:.1f},{:.1f} ", px(x), py(y));
    out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"none\"/>\n", pts);
    // Legend entries wrap at ~60 characters, each further line 14 px below.
    const double ly = legend_y;
    out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"3\"{4}/>\n", kLeft + pw + 12, ly,
                       kLeft + pw + 32, color, dash);
    std::string rest = s.name;
    while (!rest.empty()) {
      size_t cut = rest.size();
      if (cut > 60) {
        cut = rest.rfind(' ', 60);
        if (cut == std::string::npos || cut == 0) cut = 60;
      }
      out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>\n", kLeft + pw + 38, legend_y + 4, xml_escape(rest.substr(0, cut)));
      rest = cut < rest.size() ? rest.substr(cut + (rest[cut] == ' ' ? 1 : 0)) : "";
      legend_y += 14;
    }
    legend_y += 6;
  }
  if (any_infeasible) {
    const double ly = legend_y;
    out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"white\" stroke=\"#333\"/>\n", kLeft + pw + 22, ly);
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">dotted, hollow: does not fit the memory budget</text>\n", kLeft + pw + 38, ly + 4);
  }
  return out + "</svg>\n";
}

std::string render_bar_chart(const BarChart& c) {
  double hi = c.limit;
  for (const auto& b : c.bars) {
    double total = 0;
    for (const auto& s : b.segments) total += s.value;
    hi = std::max(hi, total);
  }
  if (!(hi > 0)) hi = 1;
  hi *= 1.08;
  // The canvas fits the bars: 26 px each plus group headings.
  size_t headings = 0;
  for (const auto& g : c.group_breaks) headings += g.empty() ? 0 : 1;
  constexpr double kBar = 20, kGap = 6, kHeading = 22;
  const double body = static_cast<double>(c.bars.size()) * (kBar + kGap) + static_cast<double>(headings) * kHeading + 10;
  const double height = kTop + body + kBottom + 24;
  const double left = 430, pw = kWidth - left - 190;
  auto px = [&](double v) { return left + pw * v / hi; };
  auto fx = c.format_x ? c.format_x : plain;
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<text x=\"20\" y=\"28\" font-size=\"16\" font-weight=\"bold\">{2}</text>\n",
      kWidth, height, xml_escape(c.title));
  const double bottom = kTop + body;
  for (double t : ticks(0, hi, false, false, c.tick_unit)) {
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#ddd\"/>\n", px(t), kTop, bottom);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(t), bottom + 18, xml_escape(fx(t)));
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", left + pw / 2, bottom + 38, xml_escape(c.x_label));
  std::vector<std::string> legend;
  double y = kTop + 8;
  for (size_t i = 0; i < c.bars.size(); ++i) {
    if (i < c.group_breaks.size() && !c.group_breaks[i].empty()) {
      out += fmt::format("<text x=\"20\" y=\"{:.1f}\" font-weight=\"bold\">{}</text>\n", y + 14, xml_escape(c.group_breaks[i]));
      y += kHeading;
    }
    const Bar& b = c.bars[i];
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\">{}</text>\n", left - 6, y + kBar / 2 + 4, xml_escape(b.label));
    double x0 = 0;
    for (size_t k = 0; k < b.segments.size(); ++k) {
      const Segment& s = b.segments[k];
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}: {}</title></rect>\n",
                         px(x0), y, std::max(0.0, px(x0 + s.value) - px(x0)), kBar, kColors[k % 8], xml_escape(s.name),
                         xml_escape(fx(s.value)));
      x0 += s.value;
      if (k >= legend.size()) legend.push_back(s.name);
    }
    if (b.highlight)
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#000\" stroke-width=\"2\"/>\n",
                         px(0), y - 1, std::max(0.0, px(x0) - px(0)), kBar + 2);
    if (!b.value_text.empty())
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\">{}</text>\n", px(x0) + 5, y + kBar / 2 + 4, xml_escape(b.value_text));
    y += kBar + kGap;
  }
  if (c.limit > 0) {
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#B00\" stroke-dasharray=\"6 4\" stroke-width=\"2\"/>\n",
                       px(c.limit), kTop, bottom);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" fill=\"#B00\" text-anchor=\"middle\">{}</text>\n", px(c.limit), kTop - 6,
                       xml_escape(c.limit_label));
  }
  for (size_t k = 0; k < legend.size(); ++k) {
    const double ly = height - 10;
    const double lx = left + static_cast<double>(k) * 130;
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"16\" height=\"12\" fill=\"{}\"/>\n", lx, ly - 10, kColors[k % 8]);
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", lx + 22, ly, xml_escape(legend[k]));
  }
  return out + "</svg>\n";
}

std::string stack_charts(const std::vector<std::string>& charts) {
  // Each chart is a complete <svg width="W" height="H" ...>: nested at its offset, which SVG allows.
  auto attr = [](const std::string& svg, const char* name) {
    const std::string key = std::string(" ") + name + "=\"";
    const size_t at = svg.find(key);
    return at == std::string::npos ? 0.0 : std::stod(svg.substr(at + key.size()));
  };
  double width = 0, height = 0;
  std::string body;
  for (const std::string& c : charts) {
    const size_t open = c.find("<svg");
    if (open == std::string::npos) continue;
    body += fmt::format("<g transform=\"translate(0,{})\">", height) + c.substr(open) + "</g>\n";
    width = std::max(width, attr(c, "width"));
    height += attr(c, "height");
  }
  return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\">\n{2}</svg>\n", width, height, body);
}

}  // namespace attncost
