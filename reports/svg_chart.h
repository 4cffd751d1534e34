// Small, dependency-free SVG charts for memos and sweeps: a line chart (log-scaled x, linear or
// log y) and horizontal stacked bars with a limit line. Well-formed XML, readable when rendered.
#pragma once
#include <string>
#include <vector>

namespace attncost {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), x > 0
};

struct LineChart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool log_y = false;
  std::string (*format_x)(double) = nullptr;  // tick labels; nullptr = plain numbers
  std::string (*format_y)(double) = nullptr;
  double y_limit = 0;                          // a dashed horizontal line (e.g. the budget); 0 = none
  std::string y_limit_label;
  double y_unit = 1;                           // y ticks fall on 1-2-5 multiples of this unit (2^30 for GiB)
};
std::string render_line_chart(const LineChart& c);

struct Segment {
  std::string name;
  double value = 0;
};
struct Bar {
  std::string label;
  std::vector<Segment> segments;
};
struct BarChart {
  std::string title, x_label;
  std::vector<Bar> bars;
  double limit = 0;
  std::string limit_label;
  std::string (*format_x)(double) = nullptr;
  double tick_unit = 1;  // ticks fall on round multiples of this unit (e.g. 2^30 for GiB)
};
std::string render_bar_chart(const BarChart& c);

// Escapes &, <, >, " for XML text and attributes.
std::string xml_escape(const std::string& s);

}  // namespace attncost
