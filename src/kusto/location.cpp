// QueryLocation: query byte offsets -> rule file positions.
#include <algorithm>

#include "kusto/parser.hpp"

namespace rulelab::kusto {

QueryLocation QueryLocation::identity(std::string file) {
  QueryLocation l;
  l.file = std::move(file);
  return l;
}

std::size_t QueryLocation::file_offset(std::size_t query_offset) const {
  if (segments.empty()) return query_offset;
  auto it = std::upper_bound(segments.begin(), segments.end(), query_offset,
                             [](std::size_t off, const Segment& s) { return off < s.query_begin; });
  if (it == segments.begin()) return segments.front().file_begin;
  --it;
  return it->file_begin + (query_offset - it->query_begin);
}

Error QueryLocation::error_at(std::string_view query_text, std::size_t query_offset, std::string message) const {
  query_offset = std::min(query_offset, query_text.size());
  if (file_text) {
    const std::size_t off = std::min(file_offset(query_offset), file_text->size());
    LineInfo li = locate(*file_text, off);
    return Error(std::move(message), file, li.line, li.column, std::move(li.text));
  }
  LineInfo li = locate(query_text, query_offset);
  return Error(std::move(message), file, li.line, li.column, std::move(li.text));
}

}  // namespace rulelab::kusto
