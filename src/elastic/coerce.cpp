#include "elastic/coerce.hpp"

#include <charconv>
#include <cmath>

namespace rulelab::elastic {

bool fits_integral(double d, FieldType t) {
  if (!std::isfinite(d)) return false;
  const double x = std::trunc(d);
  double lo = -9223372036854775808.0, hi = 9223372036854775808.0;  // [lo, hi)
  if (t == FieldType::Integer) lo = -2147483648.0, hi = 2147483648.0;
  else if (t == FieldType::Short) lo = -32768.0, hi = 32768.0;
  else if (t == FieldType::Byte) lo = -128.0, hi = 128.0;
  else if (t == FieldType::UnsignedLong) lo = 0.0, hi = 18446744073709551616.0;
  return x >= lo && x < hi;
}

std::string shortened_value(std::string json_text) {
  if (json_text.size() <= 80) return json_text;
  std::size_t cut = 77;
  while (cut > 0 && (static_cast<unsigned char>(json_text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
  json_text.resize(cut);
  return json_text + "...";
}

void MalformedCount::add(std::size_t line, std::string json_text) {
  if (values++ != 0) return;
  first_line = line;
  first_value = shortened_value(std::move(json_text));
}

std::string malformed_note(std::string_view index, std::string_view field, std::string_view type, std::size_t values,
                           std::size_t first_line, std::string_view first_value, const DateFormats* format, std::size_t unread) {
  std::string out = "index " + std::string(index) + ": " + std::to_string(values) + " value(s) of " + std::string(field) +
                    " cannot be read as " + std::string(type);
  if (format && !format->unreadable().empty()) {
    out += " (rulelab does not read the mapping's format alternative(s) ";
    for (std::size_t i = 0; i < format->unreadable().size(); ++i) out += (i ? ", " : "") + format->unreadable()[i];
    out += ")";
  }
  out += first_line ? " (the first at line " + std::to_string(first_line) + ": " : std::string(" (the first: ");
  out += std::string(first_value) +
         "); the field is read as missing there, as Elasticsearch indexes such documents where the index ignores malformed "
         "values (index.mapping.ignore_malformed, set on logs-*-* data streams); an index without that setting refuses them";
  if (unread)
    out += " (counted over the documents read whole: " + std::to_string(unread) +
           " that the query cannot match were skipped while reading; --no-pushdown counts them all)";
  return out;
}

std::optional<std::string> keyword_text(DynRef v) {
  switch (v.kind()) {
    case DynKind::String: return std::string(v.as_string());
    case DynKind::True: return std::string("true");
    case DynKind::False: return std::string("false");
    case DynKind::Int: return std::to_string(v.as_int());
    case DynKind::Real: {
      char buf[64];
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v.as_real());
      std::string s(buf, p);
      if (s.find_first_of(".eE") == std::string::npos && s.find("inf") == std::string::npos) s += ".0";
      return s;
    }
    default: return std::nullopt;
  }
}

std::string constant_conflict_note(std::string_view index, std::string_view field, std::string_view index_value, std::size_t documents,
                                   std::size_t first_line, std::string_view first_value, std::size_t unread) {
  std::string value;
  write_json_string(index_value, value);
  std::string out = "index " + std::string(index) + ": " + std::to_string(documents) + " document(s) hold a value of constant_keyword field " +
                    std::string(field) + " other than the index's " + value + " (the first at line " + std::to_string(first_line) + ": " +
                    std::string(first_value) + "); Elasticsearch refuses to index such a document (keyword.html, constant_keyword); rulelab reads it, with " +
                    value;
  if (unread)
    out += " (counted over the documents read whole: " + std::to_string(unread) +
           " that the query cannot match were skipped while reading; --no-pushdown counts them all)";
  return out;
}

}  // namespace rulelab::elastic
