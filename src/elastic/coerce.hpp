// Numbers as Elasticsearch's integral field types index them: shared by kuery, EQL and ES|QL.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "core/dynamic.hpp"
#include "elastic/field_types.hpp"

namespace rulelab::elastic {

// Whether a number fits the integral field type t (long, integer, short, byte, unsigned_long) once
// coerced, the fraction dropped as Elasticsearch indexes it; false for NaN, infinities and values
// beyond the type's range, which Elasticsearch refuses as malformed ("out of range for a long").
bool fits_integral(double d, FieldType t);

// The text a keyword field indexes for a JSON scalar (a string as is, numbers and booleans as
// text: Jackson's textOrNull, as KeywordFieldMapper and constant_keyword read them); nullopt for
// null, an object or an array.
std::optional<std::string> keyword_text(DynRef v);

// A value's JSON text as the notes show it: at most 80 bytes, cut on a character boundary and
// ended with "..." when longer.
std::string shortened_value(std::string json_text);

// Values of one field that its type cannot take (malformed: Elasticsearch indexes the document
// without them where ignore_malformed is set, and refuses it otherwise), counted for a note.
struct MalformedCount {
  std::size_t values = 0;
  std::size_t first_line = 0;  // 0: unknown
  std::string first_value;     // its JSON text, shortened
  void add(std::size_t line, std::string json_text);
};

// The note all three dialects give: "index I: N value(s) of F cannot be read as T ... (the first at
// line L: V); the field is read as missing there, as Elasticsearch ...". `format`: the field's
// date format, whose alternatives rulelab cannot read are named; `unread`: documents the read
// filter skipped unparsed (the count covers the others).
std::string malformed_note(std::string_view index, std::string_view field, std::string_view type, std::size_t values,
                           std::size_t first_line, std::string_view first_value, const DateFormats* format = nullptr,
                           std::size_t unread = 0);
inline std::string malformed_note(std::string_view index, std::string_view field, std::string_view type, const MalformedCount& m,
                                  const DateFormats* format = nullptr, std::size_t unread = 0) {
  return malformed_note(index, field, type, m.values, m.first_line, m.first_value, format, unread);
}

// The note all three dialects give on documents holding a value of a constant_keyword field other
// than the index's (its mapped value, or else the first indexed): Elasticsearch refuses to index
// such a document (keyword.html, constant_keyword); rulelab reads it, with the index's value.
// `unread`: documents the read filter skipped unparsed (not counted).
std::string constant_conflict_note(std::string_view index, std::string_view field, std::string_view index_value, std::size_t documents,
                                   std::size_t first_line, std::string_view first_value, std::size_t unread = 0);
inline std::string constant_conflict_note(std::string_view index, std::string_view field, std::string_view index_value, const MalformedCount& m,
                                          std::size_t unread = 0) {
  return constant_conflict_note(index, field, index_value, m.values, m.first_line, m.first_value, unread);
}

}  // namespace rulelab::elastic
