// A small document model for memos: headings, paragraphs, bullet lists, tables, code blocks and
// images, with inline **bold**, _italic_ and `code` in their text. One renderer builds it; two
// serializers write it as Markdown (images linked beside the file) or as one self-contained HTML
// file (images inline), so both formats say exactly the same thing.
#pragma once
#include <string>
#include <vector>

namespace attncost {

struct DocBlock {
  enum class Kind { heading, paragraph, bullets, table, code, image } kind = Kind::paragraph;
  int level = 1;                                 // heading
  std::string text;                              // heading, paragraph, code; image: alt text
  std::vector<std::string> items;                // bullets; table header
  std::vector<std::vector<std::string>> rows;    // table
  std::vector<bool> numeric;                     // table: right-aligned columns
  std::string file, svg;                         // image: file name beside the Markdown, its SVG
};

struct Doc {
  std::string title;
  std::vector<DocBlock> blocks;
  void heading(int level, std::string text);
  void paragraph(std::string text);
  void bullets(std::vector<std::string> items);
  void table(std::vector<std::string> header, std::vector<bool> numeric, std::vector<std::vector<std::string>> rows);
  void code(std::string text);
  void image(std::string file, std::string alt, std::string svg);
};

std::string to_markdown(const Doc& d);
// One HTML file: inline CSS, SVG images embedded (the XML prolog dropped), inline markup converted.
std::string to_html(const Doc& d);
// Inline markup (**bold**, _italic_, `code`) of one text run as escaped HTML.
std::string inline_html(const std::string& text);

}  // namespace attncost
