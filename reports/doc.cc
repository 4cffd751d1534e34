#include "reports/doc.h"

#include <cctype>

#include <fmt/format.h>

#include "reports/svg_chart.h"

namespace attncost {

void Doc::heading(int level, std::string text) {
  DocBlock b;
  b.kind = DocBlock::Kind::heading, b.level = level, b.text = std::move(text);
  blocks.push_back(std::move(b));
}
void Doc::paragraph(std::string text) {
  DocBlock b;
  b.kind = DocBlock::Kind::paragraph, b.text = std::move(text);
  blocks.push_back(std::move(b));
}
void Doc::bullets(std::vector<std::string> items) {
  if (items.empty()) return;
  DocBlock b;
  b.kind = DocBlock::Kind::bullets, b.items = std::move(items);
  blocks.push_back(std::move(b));
}
void Doc::table(std::vector<std::string> header, std::vector<bool> numeric, std::vector<std::vector<std::string>> rows) {
  DocBlock b;
  b.kind = DocBlock::Kind::table, b.items = std::move(header), b.numeric = std::move(numeric), b.rows = std::move(rows);
  b.numeric.resize(b.items.size(), false);
  blocks.push_back(std::move(b));
}
void Doc::code(std::string text) {
  DocBlock b;
  b.kind = DocBlock::Kind::code, b.text = std::move(text);
  blocks.push_back(std::move(b));
}
void Doc::image(std::string file, std::string alt, std::string svg) {
  DocBlock b;
  b.kind = DocBlock::Kind::image, b.file = std::move(file), b.text = std::move(alt), b.svg = std::move(svg);
  blocks.push_back(std::move(b));
}

namespace {

// A table cell must not break the Markdown row.
std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace

std::string to_markdown(const Doc& d) {
  std::string out;
  if (!d.title.empty()) out += "# " + d.title + "\n\n";
  for (const DocBlock& b : d.blocks) {
    switch (b.kind) {
      case DocBlock::Kind::heading:
        out.append(static_cast<size_t>(b.level) + 1, '#');
        out += ' ';
        out += b.text;
        out += "\n\n";
        break;
      case DocBlock::Kind::paragraph:
        out += b.text;
        out += "\n\n";
        break;
      case DocBlock::Kind::bullets:
        for (const std::string& item : b.items) {
          out += "- ";
          out += item;
          out += '\n';
        }
        out += "\n";
        break;
      case DocBlock::Kind::table: {
        out += "|";
        for (const std::string& h : b.items) {
          out += ' ';
          out += cell(h);
          out += " |";
        }
        out += "\n|";
        for (bool n : b.numeric) out += n ? "---:|" : "---|";
        out += "\n";
        for (const auto& row : b.rows) {
          out += "|";
          for (const std::string& c : row) {
            out += ' ';
            out += cell(c);
            out += " |";
          }
          out += "\n";
        }
        out += "\n";
        break;
      }
      case DocBlock::Kind::code: out += "```sh\n" + b.text + (b.text.ends_with("\n") ? "" : "\n") + "```\n\n"; break;
      case DocBlock::Kind::image: out += fmt::format("![{}]({})\n\n", b.text, b.file); break;
    }
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.resize(out.size() - 1);
  return out;
}

std::string inline_html(const std::string& text) {
  std::string out;
  bool bold = false, italic = false, code = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '`') {
      out += code ? "</code>" : "<code>";
      code = !code;
      continue;
    }
    if (!code && c == '*' && i + 1 < text.size() && text[i + 1] == '*') {
      out += bold ? "</strong>" : "<strong>";
      bold = !bold;
      ++i;
      continue;
    }
    // _italic_ only at word edges, so identifiers like kv_heads stay intact.
    if (!code && c == '_') {
      const bool opens = !italic && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '(') && i + 1 < text.size() && text[i + 1] != ' ';
      const bool closes = italic && (i + 1 == text.size() || !std::isalnum(static_cast<unsigned char>(text[i + 1])));
      if (opens || closes) {
        out += italic ? "</em>" : "<em>";
        italic = !italic;
        continue;
      }
    }
    if (!code && c == '\\' && i + 1 < text.size() && text[i + 1] == '*') {
      out += '*';
      ++i;
      continue;
    }
    out += xml_escape(std::string(1, c));
  }
  if (code) out += "</code>";
  if (bold) out += "</strong>";
  if (italic) out += "</em>";
  return out;
}

std::string to_html(const Doc& d) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n"
      "body {{ font-family: Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; line-height: 1.45; color: #222; }}\n"
      "table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.8em; width: 100%; table-layout: auto; }}\n"
      "th, td {{ border: 1px solid #ccc; padding: 0.25em 0.4em; vertical-align: top; overflow-wrap: anywhere; hyphens: auto; }}\n"
      "th {{ background: #f3f3f3; }} td.n {{ text-align: right; }}\n"
      "code {{ background: #f5f5f5; padding: 0 0.2em; }} pre {{ background: #f5f5f5; padding: 0.8em; overflow-x: auto; }}\n"
      "figure {{ margin: 1em 0; }} svg {{ max-width: 100%; height: auto; }}\n"
      "</style>\n</head>\n<body>\n",
      xml_escape(d.title));
  if (!d.title.empty()) out += "<h1>" + inline_html(d.title) + "</h1>\n";
  for (const DocBlock& b : d.blocks) {
    switch (b.kind) {
      case DocBlock::Kind::heading: out += fmt::format("<h{0}>{1}</h{0}>\n", b.level + 1, inline_html(b.text)); break;
      case DocBlock::Kind::paragraph: out += "<p>" + inline_html(b.text) + "</p>\n"; break;
      case DocBlock::Kind::bullets:
        out += "<ul>\n";
        for (const std::string& item : b.items) out += "<li>" + inline_html(item) + "</li>\n";
        out += "</ul>\n";
        break;
      case DocBlock::Kind::table:
        out += "<table>\n<tr>";
        for (const std::string& h : b.items) out += "<th>" + inline_html(h) + "</th>";
        out += "</tr>\n";
        for (const auto& row : b.rows) {
          out += "<tr>";
          for (size_t i = 0; i < row.size(); ++i)
            out += (i < b.numeric.size() && b.numeric[i] ? "<td class=\"n\">" : "<td>") + inline_html(row[i]) + "</td>";
          out += "</tr>\n";
        }
        out += "</table>\n";
        break;
      case DocBlock::Kind::code: out += "<pre><code>" + xml_escape(b.text) + "</code></pre>\n"; break;
      case DocBlock::Kind::image: {
        std::string svg = b.svg;
        if (svg.rfind("<?xml", 0) == 0) svg = svg.substr(svg.find("?>") + 2);
        out += "<figure>" + svg + "<figcaption>" + inline_html(b.text) + "</figcaption></figure>\n";
        break;
      }
    }
  }
  return out + "</body>\n</html>\n";
}

}  // namespace attncost
