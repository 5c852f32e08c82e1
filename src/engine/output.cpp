#include "engine/output.hpp"

#include <algorithm>

#include "core/utf8.hpp"
#include "engine/engine.hpp"
#include "engine/value.hpp"

namespace rulelab::engine {

namespace {
// JSON text must be UTF-8: invalid bytes in a string (or a key) are written as U+FFFD, so that
// serialising a result never fails.
std::string json_text(std::string_view s) { return is_valid_utf8(s) ? std::string(s) : utf8_replace_invalid(s); }

nlohmann::json dyn_json(DynRef r) {
  switch (r.kind()) {
    case DynKind::Null: return nullptr;
    case DynKind::True: return true;
    case DynKind::False: return false;
    case DynKind::Int: return r.as_int();
    case DynKind::Real: return r.as_real();
    case DynKind::String: return json_text(r.as_string());
    case DynKind::Array: {
      nlohmann::json a = nlohmann::json::array();
      r.for_each_element([&](DynRef e) { a.push_back(dyn_json(e)); });
      return a;
    }
    case DynKind::Object: {
      nlohmann::json o = nlohmann::json::object();
      r.for_each_member([&](std::string_view k, DynRef v) { o[json_text(k)] = dyn_json(v); });
      return o;
    }
  }
  return nullptr;
}
}  // namespace

nlohmann::json cell_json(const Column& c, std::size_t row) {
  if (c.type() == Type::String) return json_text(c.get_string(row));
  if (c.is_null(row)) return nullptr;
  switch (c.type()) {
    case Type::Bool: return c.get_bool(row);
    case Type::Int: return c.get_int(row);
    case Type::Long: return c.get_long(row);
    case Type::Real: return c.get_real(row);
    case Type::Decimal: {
      // a decimal with more digits than a double holds (parse_version's) is written as its exact
      // text in a JSON string, as Kusto's REST API writes decimals, rather than rounded
      const double d = c.get_real(row);
      const std::string_view t = c.get_decimal_text(row);
      if (format_real(d) == t) return d;
      return std::string(t);
    }
    case Type::Dynamic: return dyn_json(c.get_dynamic(row));
    default: return format_cell(c, row);
  }
}

nlohmann::ordered_json rows_json(const Table& t) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (auto& b : t.batches)
    for (std::size_t r = 0; r < b.rows(); ++r) {
      nlohmann::ordered_json o = nlohmann::ordered_json::object();
      for (std::size_t c = 0; c < t.schema.fields.size(); ++c) o[json_text(t.schema.fields[c].name)] = cell_json(b.columns[c], r);
      rows.push_back(std::move(o));
    }
  return rows;
}

void write_table_text(const Table& t, std::ostream& out) {
  const std::size_t n = t.schema.fields.size();
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> width(n);
  for (std::size_t c = 0; c < n; ++c) width[c] = t.schema.fields[c].name.size();
  for (auto& b : t.batches)
    for (std::size_t r = 0; r < b.rows(); ++r) {
      std::vector<std::string> row;
      for (std::size_t c = 0; c < n; ++c) {
        std::string s = utf8_replace_invalid(format_cell(b.columns[c], r));
        for (char& ch : s) if (ch == '\n' || ch == '\t' || ch == '\r') ch = ' ';
        if (s.size() > 80) {
          std::size_t cut = 77;  // not inside a character
          while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
          s = s.substr(0, cut) + "...";
        }
        width[c] = std::max(width[c], s.size());
        row.push_back(std::move(s));
      }
      cells.push_back(std::move(row));
    }
  auto line = [&](const std::vector<std::string>& v) {
    for (std::size_t c = 0; c < n; ++c) {
      out << v[c];
      if (c + 1 < n) out << std::string(width[c] - v[c].size() + 2, ' ');
    }
    out << "\n";
  };
  std::vector<std::string> hdr;
  for (auto& f : t.schema.fields) hdr.push_back(f.name);
  line(hdr);
  std::vector<std::string> sep;
  for (std::size_t c = 0; c < n; ++c) sep.push_back(std::string(width[c], '-'));
  line(sep);
  for (auto& r : cells) line(r);
  out << "(" << cells.size() << " row" << (cells.size() == 1 ? "" : "s") << ")\n";
}

void write_csv(const Table& t, std::ostream& out) {
  auto quote = [](const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) { if (c == '"') q += '"'; q += c; }
    return q + "\"";
  };
  for (std::size_t c = 0; c < t.schema.fields.size(); ++c) out << (c ? "," : "") << quote(t.schema.fields[c].name);
  out << "\n";
  for (auto& b : t.batches)
    for (std::size_t r = 0; r < b.rows(); ++r) {
      for (std::size_t c = 0; c < t.schema.fields.size(); ++c) out << (c ? "," : "") << quote(format_cell(b.columns[c], r));
      out << "\n";
    }
}

void write_ndjson(const Table& t, std::ostream& out) {
  for (auto& row : rows_json(t)) out << row.dump() << "\n";
}

}  // namespace rulelab::engine
