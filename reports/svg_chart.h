// Small, dependency-free SVG charts for memos and sweeps: a line chart (log or linear x, linear
// or log y) with labelled reference lines, workload markers and infeasible stretches drawn
// dotted, and horizontal bars with their values printed and a labelled limit line. Well-formed
// XML, readable when rendered (tests/check_svg.py parses them; memos are looked at as PNG).
#pragma once
#include <string>
#include <vector>

namespace attncost {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), x > 0
  std::vector<bool> feasible;                     // per point; empty = all. Infeasible stretches are dotted and grey-marked
};

struct RefLine {
  double value = 0;
  std::string label;  // printed on the line, with its value
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
  bool log_x = true;
  double x_unit = 1;                           // linear x ticks fall on 1-2-5 multiples of this unit (1024 for tokens)
  std::vector<RefLine> h_lines;                // more labelled horizontal lines (targets, budgets)
  std::vector<RefLine> x_markers;              // labelled vertical lines (the workloads' contexts)
  std::string note;                            // one line under the plot (e.g. what dotted means)
};
std::string render_line_chart(const LineChart& c);

struct Segment {
  std::string name;
  double value = 0;
};
struct Bar {
  std::string label;
  std::vector<Segment> segments;
  std::string value_text;  // printed after the bar (e.g. "15.9 GiB — fits"); empty = none
  bool highlight = false;  // drawn with a frame (the recommendation)
};
struct BarChart {
  std::string title, x_label;
  std::vector<Bar> bars;
  double limit = 0;
  std::string limit_label;
  std::string (*format_x)(double) = nullptr;
  double tick_unit = 1;  // ticks fall on round multiples of this unit (e.g. 2^30 for GiB)
  std::vector<std::string> group_breaks;  // a heading before bar i when group_breaks[i] is non-empty
};
std::string render_bar_chart(const BarChart& c);

// Several charts one above the other in one SVG document (each keeps its own size).
std::string stack_charts(const std::vector<std::string>& charts);

// Escapes &, <, >, " for XML text and attributes.
std::string xml_escape(const std::string& s);

}  // namespace attncost
