#include "core/error.hpp"

#include <string_view>

namespace rulelab {

std::string Error::format() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line) {
      out += ':' + std::to_string(line);
      if (column) out += ':' + std::to_string(column);
    }
    out += ": ";
  }
  out += message;
  if (!source_line.empty()) {
    out += '\n';
    out += source_line;
    out += '\n';
    // The caret sits under the column; tabs are kept so that it lines up in a terminal.
    for (std::size_t i = 1; i < column && i <= source_line.size(); ++i) out += source_line[i - 1] == '\t' ? '\t' : ' ';
    out += '^';
  }
  return out;
}

LineInfo locate(std::string_view text, std::size_t offset) {
  LineInfo info;
  if (offset > text.size()) offset = text.size();
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++info.line;
      line_start = i + 1;
    }
  }
  // Columns count characters, not bytes: UTF-8 continuation bytes are skipped.
  for (std::size_t i = line_start; i < offset; ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++info.column;
  std::size_t end = text.find('\n', line_start);
  if (end == std::string_view::npos) end = text.size();
  std::string_view l = text.substr(line_start, end - line_start);
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  info.text = std::string(l);
  return info;
}

}  // namespace rulelab
