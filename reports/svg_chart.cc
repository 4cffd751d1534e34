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
  if (c.y_limit > 0) y_hi = std::max(y_hi, c.y_limit), y_lo = std::min(y_lo, c.y_limit);
  if (!(x_hi > x_lo)) x_hi = x_lo * 2 + 1;
  if (!c.log_y) y_lo = 0;
  if (!(y_hi > y_lo)) y_hi = y_lo + 1;
  if (c.log_y)
    y_lo = c.y_unit * std::pow(10, std::floor(std::log10(y_lo / c.y_unit))), y_hi = c.y_unit * std::pow(10, std::ceil(std::log10(y_hi / c.y_unit)));
  else y_hi *= 1.05;
  const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + pw * (std::log(x / x_lo) / std::log(x_hi / x_lo)); };
  auto py = [&](double y) {
    const double f = c.log_y ? std::log(y / y_lo) / std::log(y_hi / y_lo) : (y - y_lo) / (y_hi - y_lo);
    return kTop + ph * (1 - f);
  };
  auto fx = c.format_x ? c.format_x : plain;
  auto fy = c.format_y ? c.format_y : plain;
  std::string out = header(c.title);
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>\n", kLeft, kTop, pw, ph);
  for (double t : ticks(x_lo, x_hi, true, true)) {
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#ddd\"/>\n", px(t), kTop, kTop + ph);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(t), kTop + ph + 18, xml_escape(fx(t)));
  }
  for (double t : ticks(y_lo, y_hi, c.log_y, false, c.y_unit)) {
    out += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>\n", kLeft, py(t), kLeft + pw);
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 6, py(t) + 4, xml_escape(fy(t)));
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", kLeft + pw / 2, kHeight - 15, xml_escape(c.x_label));
  out += fmt::format("<text x=\"16\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {0})\">{1}</text>\n", kTop + ph / 2,
                     xml_escape(c.y_label));
  if (c.y_limit > 0) {
    out += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#B00\" stroke-dasharray=\"6 4\"/>\n", kLeft,
                       py(c.y_limit), kLeft + pw);
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" fill=\"#B00\" text-anchor=\"end\">{}</text>\n", kLeft + pw - 4, py(c.y_limit) - 5,
                       xml_escape(c.y_limit_label));
  }
  for (size_t i = 0; i < c.series.size(); ++i) {
    const Series& s = c.series[i];
    const char* color = kColors[i % 8];
    std::string pts;
    for (auto [x, y] : s.points)
      if (!c.log_y || y > 0) pts += fmt::format("{:.1f},{:.1f} ", px(x), py(y));
    // Every other series dashed, so lines that coincide stay distinguishable.
    const char* dash = i % 2 == 1 ? " stroke-dasharray=\"8 5\"" : "";
    out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", pts, color, dash);
    const double ly = kTop + 10 + 20 * static_cast<double>(i);
    out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"3\"{4}/>\n", kLeft + pw + 12, ly,
                       kLeft + pw + 32, color, dash);
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>\n", kLeft + pw + 38, ly + 4, xml_escape(s.name));
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
  const double pw = kWidth - kLeft - kRight - 60, left = kLeft + 60;
  const double bar_h = std::min(40.0, (kHeight - kTop - kBottom) / std::max<double>(1, static_cast<double>(c.bars.size())) - 10);
  auto px = [&](double v) { return left + pw * v / hi; };
  auto fx = c.format_x ? c.format_x : plain;
  std::string out = header(c.title);
  for (double t : ticks(0, hi, false, false, c.tick_unit)) {
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#ddd\"/>\n", px(t), kTop, kHeight - kBottom);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(t), kHeight - kBottom + 18, xml_escape(fx(t)));
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", left + pw / 2, kHeight - 15, xml_escape(c.x_label));
  std::vector<std::string> legend;
  for (size_t i = 0; i < c.bars.size(); ++i) {
    const Bar& b = c.bars[i];
    const double y = kTop + 10 + static_cast<double>(i) * (bar_h + 10);
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", left - 6, y + bar_h / 2 + 4, xml_escape(b.label));
    double x0 = 0;
    for (size_t k = 0; k < b.segments.size(); ++k) {
      const Segment& s = b.segments[k];
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}: {}</title></rect>\n",
                         px(x0), y, std::max(0.0, px(x0 + s.value) - px(x0)), bar_h, kColors[k % 8], xml_escape(s.name),
                         xml_escape(fx(s.value)));
      x0 += s.value;
      if (k >= legend.size()) legend.push_back(s.name);
    }
  }
  if (c.limit > 0) {
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#B00\" stroke-dasharray=\"6 4\" stroke-width=\"2\"/>\n",
                       px(c.limit), kTop, kHeight - kBottom);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" fill=\"#B00\" text-anchor=\"middle\">{}</text>\n", px(c.limit), kTop - 4,
                       xml_escape(c.limit_label));
  }
  for (size_t k = 0; k < legend.size(); ++k) {
    const double ly = kTop + 10 + 20 * static_cast<double>(k);
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"16\" height=\"12\" fill=\"{}\"/>\n", left + pw + 20, ly - 8, kColors[k % 8]);
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", left + pw + 42, ly + 3, xml_escape(legend[k]));
  }
  return out + "</svg>\n";
}

}  // namespace attncost
