// Indices as typed ES|QL columns: each mapped field (and multi-field) of the index mapping one
// column; values in doc-values order (keyword sorted and de-duplicated, numbers, dates, IPs and
// booleans sorted, text in source order), as ES|QL reads them. Reference: ES|QL "Multivalued fields".
#include <nlohmann/json.hpp>

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <cmath>
#include <fstream>
#include <sstream>

#include "core/ingest.hpp"
#include "core/json_encode.hpp"
#include "esql/engine.hpp"
#include "esql/source.hpp"
#include "elastic/analyzer.hpp"
#include "elastic/coerce.hpp"
#include "elastic/date.hpp"
#include "elastic/field_types.hpp"

namespace rulelab::esql {

int Page::find(std::string_view name) const {
  for (std::size_t i = columns.size(); i-- > 0;)
    if (columns[i].name == name) return static_cast<int>(i);
  return -1;
}

namespace {

Type esql_type(const std::string& mapping_type) {
  if (mapping_type == "keyword" || mapping_type == "constant_keyword" || mapping_type == "wildcard") return Type::Keyword;
  if (mapping_type == "text" || mapping_type == "match_only_text") return Type::Text;
  if (mapping_type == "long") return Type::Long;
  if (mapping_type == "integer" || mapping_type == "short" || mapping_type == "byte") return Type::Integer;
  if (mapping_type == "unsigned_long") return Type::UnsignedLong;
  if (mapping_type == "double" || mapping_type == "float" || mapping_type == "half_float" || mapping_type == "scaled_float")
    return Type::Double;
  if (mapping_type == "date") return Type::Date;
  if (mapping_type == "ip") return Type::Ip;
  if (mapping_type == "boolean") return Type::Boolean;
  if (mapping_type == "version") return Type::Version;
  if (mapping_type == "geo_point") return Type::GeoPoint;
  return Type::Unsupported;
}

float to_half(float f) {
  // round to IEEE half precision (10-bit mantissa) and back
  if (f == 0 || !std::isfinite(f)) return f;
  int exp;
  float m = std::frexp(f, &exp);
  float scale = std::ldexp(1.0f, 11);
  return std::ldexp(std::nearbyint(m * scale) / scale, exp);
}

void collect(const nlohmann::json& doc, std::string_view path, std::vector<const nlohmann::json*>& out) {
  if (doc.is_array()) {
    for (const auto& e : doc) collect(e, path, out);
    return;
  }
  if (path.empty()) {
    if (doc.is_array())
      for (const auto& e : doc) out.push_back(&e);
    else
      out.push_back(&doc);
    return;
  }
  if (!doc.is_object()) return;
  // A document may spell a path nested or with dotted keys: try every split.
  for (std::size_t cut = path.find('.');; cut = path.find('.', cut + 1)) {
    std::string key(path.substr(0, cut == std::string_view::npos ? path.size() : cut));
    auto it = doc.find(key);
    if (it != doc.end()) {
      std::string_view rest = cut == std::string_view::npos ? std::string_view{} : path.substr(cut + 1);
      if (rest.empty() && it->is_array()) {
        for (const auto& e : *it) {
          if (e.is_array()) collect(e, {}, out);
          else out.push_back(&e);
        }
      } else {
        collect(*it, rest, out);
      }
    }
    if (cut == std::string_view::npos) break;
  }
}

// A number read into a long field as Elasticsearch coerces it (the fraction dropped) when it fits;
// nullopt for NaN, infinities and values beyond the range, which Elasticsearch refuses ("Value
// [1.0E300] is out of range for a long"): the value is malformed, as a non-numeric string is.
// (elastic::fits_integral, as kuery and EQL read such a field.)
std::optional<std::int64_t> long_of(double d) {
  if (!elastic::fits_integral(d, elastic::FieldType::Long)) return std::nullopt;
  return static_cast<std::int64_t>(std::trunc(d));
}
std::optional<std::uint64_t> unsigned_long_of(double d) {
  if (!elastic::fits_integral(d, elastic::FieldType::UnsignedLong)) return std::nullopt;
  return static_cast<std::uint64_t>(std::trunc(d));
}

std::optional<Scalar> convert(const nlohmann::json& v, Type t, const std::string& mtype, const std::string& field_name,
                              const elastic::DateFormats* date_format = nullptr) {
  Scalar s;
  (void)field_name;
  switch (t) {
    case Type::GeoPoint: {
      // "Geopoint field type": {"lat", "lon"}, GeoJSON {"type": "Point", "coordinates": [lon, lat]},
      // "lat,lon", WKT "POINT (lon lat)". Geohashes and [lon, lat] arrays are not read.
      std::optional<std::pair<double, double>> xy;  // lon, lat
      if (v.is_object()) {
        if (v.contains("lat") && v.contains("lon") && v["lat"].is_number() && v["lon"].is_number())
          xy = std::pair{v["lon"].get<double>(), v["lat"].get<double>()};
        else if (v.contains("coordinates") && v["coordinates"].is_array() && v["coordinates"].size() >= 2 &&
                 v["coordinates"][0].is_number() && v["coordinates"][1].is_number())
          xy = std::pair{v["coordinates"][0].get<double>(), v["coordinates"][1].get<double>()};
      } else if (v.is_string()) {
        if (auto p = parse_wkt_point(v.get<std::string>())) xy = p;
        else {
          std::string str = v.get<std::string>();
          std::size_t comma = str.find(',');
          if (comma != std::string::npos) {
            try {
              std::size_t u1 = 0, u2 = 0;
              double lat = std::stod(str.substr(0, comma), &u1);
              double lon = std::stod(str.substr(comma + 1), &u2);
              xy = std::pair{lon, lat};
            } catch (...) {
            }
          }
        }
      }
      if (!xy) return std::nullopt;
      s.s = wkt_point(xy->first, xy->second);
      return s;
    }
    case Type::Keyword:
    case Type::Text:
    case Type::Version:
      if (v.is_string()) s.s = v.get<std::string>();
      else if (v.is_boolean()) s.s = v.get<bool>() ? "true" : "false";
      else if (v.is_number_float()) {
        // keyword of a number: the text as written (kept by the NDJSON's raw form when possible)
        s.s = v.dump();
      } else if (v.is_number()) s.s = v.dump();
      else return std::nullopt;
      return s;
    case Type::Integer:
    case Type::Long: {
      // integer, short, byte: their own range ("Value [..] is out of range for an integer"),
      // whether the value is written as an integer, a real or a string
      const elastic::FieldType mt = elastic::field_type_from_name(mtype);
      const bool narrow = mt == elastic::FieldType::Integer || mt == elastic::FieldType::Short || mt == elastic::FieldType::Byte;
      if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
        return std::nullopt;  // beyond a long ("out of range of long"): malformed
      } else if (v.is_number_integer()) {
        s.i = v.get<std::int64_t>();
      } else if (v.is_number_float()) {
        const auto l = long_of(v.get<double>());
        if (!l) return std::nullopt;
        s.i = *l;
      } else if (v.is_string()) {
        std::optional<std::int64_t> l;
        try {
          l = long_of(std::stod(v.get<std::string>()));
        } catch (...) {
        }
        if (!l) return std::nullopt;
        s.i = *l;
      } else return std::nullopt;
      if (narrow && !elastic::fits_integral(static_cast<double>(s.i), mt)) return std::nullopt;
      return s;
    }
    case Type::UnsignedLong:
      if (v.is_number_unsigned()) s.u = v.get<std::uint64_t>();
      else if (v.is_number_integer() && v.get<std::int64_t>() >= 0) s.u = static_cast<std::uint64_t>(v.get<std::int64_t>());
      else if (const auto u = v.is_number_float() ? unsigned_long_of(v.get<double>()) : std::nullopt) s.u = *u;
      else return std::nullopt;
      return s;
    case Type::Double: {
      double d;
      if (v.is_number()) d = v.get<double>();
      else if (v.is_string()) {
        try {
          d = std::stod(v.get<std::string>());
        } catch (...) {
          return std::nullopt;
        }
      } else return std::nullopt;
      if (mtype == "float") d = static_cast<double>(static_cast<float>(d));
      else if (mtype == "half_float") d = static_cast<double>(to_half(static_cast<float>(d)));
      s.d = d;
      return s;
    }
    case Type::Boolean:
      if (v.is_boolean()) s.i = v.get<bool>();
      else if (v.is_string()) s.i = v.get<std::string>() == "true";
      else return std::nullopt;
      return s;
    case Type::Date: {
      // strict_date_optional_time||epoch_millis, the date field's default format (elastic/date.hpp)
      std::optional<elastic::Instant> t;
      if (date_format) {  // the mapping's `format`; a number read from its text
        if (v.is_string()) t = date_format->read(v.get<std::string>());
        else if (v.is_number()) t = date_format->read(v.dump());
      } else if (v.is_number_integer()) {
        if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        t = elastic::date_from_json_integer(v.get<std::int64_t>());
      } else if (v.is_number_float()) {
        t = elastic::date_from_json_real(v.get<double>());
      } else if (v.is_string()) {
        if (auto pd = elastic::parse_date(v.get<std::string>())) t = pd->at;
      }
      if (!t) return std::nullopt;
      auto ms = elastic::to_epoch_millis(*t);
      if (!ms) return std::nullopt;
      s.i = *ms;
      return s;
    }
    case Type::Ip:
      if (v.is_string()) {
        auto ip = parse_ip(v.get<std::string>());
        if (!ip) return std::nullopt;
        s.s = *ip;
        return s;
      }
      return std::nullopt;
    default: return std::nullopt;
  }
}

struct FieldSpec {
  std::string name, source_path, mtype;
  Type type;
  bool sub_keyword_of_number = false;
  std::shared_ptr<const elastic::DateFormats> date_format{};  // a date field's mapping `format`
  // A keyword or wildcard field's values as Elasticsearch indexes them into the doc values ES|QL
  // reads (KeywordFieldMapper): an explicit null as null_value; a value longer than ignore_above
  // (Java's String.length()) left out; the normalizer's output. constant_keyword with a mapped
  // value: that value, in every document of the index (a document with another value is one
  // Elasticsearch refuses to index).
  std::int64_t ignore_above = -1;
  std::optional<std::string> null_value{};
  std::shared_ptr<const elastic::Normalizer> normalizer{};
  std::optional<std::string> constant{};
  // Values read other than as written (beyond ignore_above): the in-place fast paths step aside.
  bool rewrites() const { return null_value || normalizer || constant; }
  bool too_long(std::string_view s) const {
    return ignore_above >= 0 && s.size() > static_cast<std::size_t>(ignore_above) &&
           static_cast<std::int64_t>(elastic::java_length(s)) > ignore_above;
  }
};

void take_mapping(FieldSpec& f, const elastic::FieldMapping& m) {
  f.date_format = m.date_format;
  if (m.type == elastic::FieldType::Keyword || m.type == elastic::FieldType::Wildcard) {
    f.ignore_above = m.ignore_above;
    if (m.type == elastic::FieldType::Keyword) f.normalizer = m.normalizer;
  }
  // (numbers, dates, IPs and booleans take a null_value too: null-value.html)
  if (m.type != elastic::FieldType::Text && m.type != elastic::FieldType::MatchOnlyText) f.null_value = m.null_value;
  if (m.type == elastic::FieldType::ConstantKeyword && !m.constant_value.empty()) f.constant = m.constant_value;
}

std::string dynamic_type(const nlohmann::json& v);

void leaf_paths(const nlohmann::json& v, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) leaf_paths(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    return;
  }
  if (v.is_array()) {
    for (const auto& e : v) leaf_paths(e, prefix, out);
    return;
  }
  if (!v.is_null() && !prefix.empty() && !out.count(prefix)) out.emplace(prefix, dynamic_type(v));
}

// Elasticsearch's dynamic mapping of an unmapped value, as ES|QL would see it (strings as keyword:
// rulelab's guess for ECS-style data, where the text field's .keyword sub-field is what rules use).
std::string dynamic_type(const nlohmann::json& v) {
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "long";
  if (v.is_number()) return "double";
  // Elasticsearch's date detection (strict_date_optional_time, elastic/field_types.hpp); the
  // yyyy/MM/dd forms it also detects map the field with that format, which rulelab does not read:
  // such a field stays a keyword here.
  if (v.is_string() && v.get<std::string>().find('/') == std::string::npos &&
      elastic::looks_like_dynamic_date(v.get<std::string>()))
    return "date";
  return "keyword";
}

// A key inside a flattened field's value (`labels.env` of a flattened `labels`): kuery queries it
// as a keyword, but ES|QL has no column for it (field_caps lists only the flattened field itself,
// whose type ES|QL does not support; ES|QL's "Limitations": flattened is unsupported), so a query
// naming it gets "Unknown column", as Elasticsearch answers.
bool flattened_key(const elastic::ResolvedField& rf) {
  return rf.mapping.type == elastic::FieldType::Flattened && rf.mapping.type_name != "flattened";
}

std::vector<FieldSpec> field_specs(const elastic::FieldTypes& types, const std::map<std::string, std::string>& seen = {},
                                   const std::vector<std::string>* wanted = nullptr) {
  std::vector<FieldSpec> out;
  std::vector<std::string> user = types.user_fields();
  std::vector<std::string> points;  // geo_point fields whose {lat, lon} objects were seen as leaves
  for (const auto& [path, v] : seen) {
    if (std::find(user.begin(), user.end(), path) != user.end()) continue;
    auto rf = types.lookup(path);
    if (rf && flattened_key(*rf)) continue;  // (inside a flattened field's value: not a column)
    // An index with `dynamic: false` indexes no field its mapping lacks: kept in _source, not a column.
    if (!rf && !types.dynamic()) {
      const auto pf = path.rfind('.') == std::string::npos ? std::nullopt : types.lookup(path.substr(0, path.rfind('.')));
      if (!pf || pf->mapping.type_name != "geo_point") continue;  // (a geo_point's {lat, lon} is its own value)
    }
    if (!rf) {
      std::size_t dot = path.rfind('.');
      if (dot != std::string::npos) {
        std::string parent = path.substr(0, dot);
        auto pf = types.lookup(parent);
        if (pf && pf->mapping.type_name == "geo_point") {
          if (std::find(points.begin(), points.end(), parent) == points.end() &&
              std::find(user.begin(), user.end(), parent) == user.end()) {
            points.push_back(parent);
            out.push_back(FieldSpec{parent, parent, "geo_point", Type::GeoPoint});
          }
          continue;
        }
      }
    }
    std::string mt = rf ? rf->mapping.type_name : v;
    if (mt == "object" || mt == "nested" || mt == "alias" || mt == "flattened") continue;
    FieldSpec f{path, path, mt, esql_type(mt)};
    if (rf) take_mapping(f, rf->mapping);
    out.push_back(std::move(f));
  }
  for (const auto& name : user) {
    auto rf = types.lookup(name);
    if (!rf) continue;
    // A field of an integration's (or the alerts index's) mapping that no document holds: a null
    // column Elasticsearch lists, kept only where the query names it (thousands of them otherwise).
    if (wanted && rf->origin == elastic::MappingOrigin::Integration && !seen.count(name) &&
        std::find(wanted->begin(), wanted->end(), name) == wanted->end())
      continue;
    const std::string& mt = rf->mapping.type_name;
    if (mt == "object" || mt == "nested" || mt == "alias") continue;
    FieldSpec f{name, rf->source_path, mt, esql_type(mt)};
    take_mapping(f, rf->mapping);
    out.push_back(f);
  }
  return out;
}

// A keyword multi-field of a number keeps the number's text as written in the document.
std::string raw_number_text(std::string_view line, std::string_view key, std::size_t nth) {
  std::string pat = "\"" + std::string(key) + "\":";
  std::size_t p = line.find(pat);
  if (p == std::string_view::npos) return {};
  p += pat.size();
  while (p < line.size() && line[p] == ' ') ++p;
  if (p < line.size() && line[p] == '[') {
    ++p;
    for (std::size_t k = 0; k < nth; ++k) {
      p = line.find(',', p);
      if (p == std::string_view::npos) return {};
      ++p;
    }
    while (p < line.size() && line[p] == ' ') ++p;
  }
  std::size_t e = p;
  while (e < line.size() && (std::isdigit(static_cast<unsigned char>(line[e])) || line[e] == '.' || line[e] == '-' || line[e] == 'e' || line[e] == 'E' || line[e] == '+')) ++e;
  return std::string(line.substr(p, e - p));
}

// A constant_keyword value as the mapper reads it (textOrNull: a string, a number or a boolean as
// text); nullopt for null, an object or an array.
std::optional<std::string> constant_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return std::nullopt;
}

// The cell of one field of one document: its values converted to the column's type, in
// doc-values order. `line` is the document's JSON text when known (a keyword multi-field of a
// number keeps the number as written), else empty.
// `bad` (when given) counts the values the field's type refuses, from the document at `line_no`.
Cell to_cell(const FieldSpec& f, const std::vector<const nlohmann::json*>& vals, std::string_view line, MalformedField* bad = nullptr,
             std::size_t line_no = 0) {
  Cell cell;
  std::size_t nth = 0;
  auto refused = [&](const nlohmann::json& v) {
    if (!bad) return;
    if (bad->values++ == 0) {
      bad->first_line = line_no;
      bad->first_value = elastic::shortened_value(v.dump());
    }
  };
  if (f.constant) {
    // (A document with another value is one Elasticsearch refuses to index: counted, for a note.)
    for (const auto* v : vals)
      if (const auto text = constant_text(*v); text && *text != *f.constant) {
        refused(*v);
        if (bad) bad->index_value = *f.constant;
        break;
      }
    Cell c(1);
    c.front().s = *f.constant;
    return c;
  }
  // A keyword value as indexed: left out beyond ignore_above, else normalized.
  auto keyword = [&](std::string text) {
    if (f.too_long(text)) return;
    Scalar s;
    s.s = f.normalizer ? f.normalizer->apply(text) : std::move(text);
    cell.push_back(std::move(s));
  };
  for (const auto* v : vals) {
    if (v->is_null()) {
      if (!f.null_value) continue;
      if (f.type == Type::Keyword) {
        keyword(*f.null_value);
        continue;
      }
      // The mapping's value (kept as JSON text: a number or boolean as such, else a string) read
      // as a value of the field.
      nlohmann::json nv = nlohmann::json::parse(*f.null_value, nullptr, false);
      if (nv.is_discarded() || !(nv.is_number() || nv.is_boolean())) nv = *f.null_value;
      if (auto s = convert(nv, f.type, f.mtype, f.name, f.date_format.get())) cell.push_back(std::move(*s));
      continue;
    }
    if (f.type == Type::Keyword && v->is_number() && f.name != f.source_path) {
      std::string leaf = f.source_path.substr(f.source_path.rfind('.') == std::string::npos ? 0 : f.source_path.rfind('.') + 1);
      std::string raw = raw_number_text(line, leaf, nth);
      keyword(raw.empty() ? v->dump() : raw);
      ++nth;
      continue;
    }
    ++nth;
    if (f.mtype == "scaled_float" && v->is_number()) {
      Scalar s;
      s.d = std::round(v->get<double>() * 100) / 100;
      cell.push_back(s);
      continue;
    }
    if (auto s = convert(*v, f.type, f.mtype, f.name, f.date_format.get())) {
      if (f.type == Type::Keyword) keyword(std::move(s->s));
      else cell.push_back(std::move(*s));
    } else if (f.type != Type::Unsupported && !v->is_object()) {
      refused(*v);
    }
  }
  if (f.type != Type::Text && f.type != Type::Unsupported && cell.size() > 1) {
    Type t = f.type;
    std::stable_sort(cell.begin(), cell.end(), [&](const Scalar& a, const Scalar& b) { return compare_scalar(t, a, t, b) < 0; });
    if (t == Type::Keyword || t == Type::Ip || t == Type::Version)
      cell.erase(std::unique(cell.begin(), cell.end(), [&](const Scalar& a, const Scalar& b) { return compare_scalar(t, a, t, b) == 0; }),
                 cell.end());
  }
  if (f.type == Type::Unsupported) cell.clear();
  return cell;
}

}  // namespace

void Catalog::add_empty_index(const std::string& name, const elastic::FieldTypes& types) {
  Index idx;
  idx.name = name;
  idx.types = std::make_shared<const elastic::FieldTypes>(types);
  for (const auto& f : field_specs(types)) idx.data.columns.push_back(Column{f.name, f.type, {}});
  indices_.push_back(std::move(idx));
}

void Catalog::add_fields_index(const std::string& name, const elastic::FieldTypes& types, const std::vector<std::string>& names) {
  Index idx;
  idx.name = name;
  idx.types = std::make_shared<const elastic::FieldTypes>(types);
  for (const auto& n : names) {
    // A field no mapping knows reads as null (as ES|QL's unmapped_fields="nullify" does): with
    // no documents it has no values, and its type cannot be guessed without a wrong error.
    auto rf = types.lookup(n);
    if (rf && flattened_key(*rf)) continue;  // "Unknown column", as in Elasticsearch
    Type t = rf ? esql_type(rf->mapping.type_name) : Type::Null;
    idx.data.columns.push_back(Column{n, t, {}});
  }
  indices_.push_back(std::move(idx));
}

namespace {
void expr_fields(const Expr& e, std::vector<std::string>& out) {
  if (e.kind == ExprKind::Field) out.push_back(e.name);
  for (const auto& a : e.args) expr_fields(*a, out);
}
}  // namespace

std::vector<std::string> referenced_fields(const Query& q) {
  std::vector<std::string> out;
  for (const Command* cp : all_commands(q)) {  // (a FORK's branches' too)
    const Command& c = *cp;
    for (const auto& f : c.fields) {
      expr_fields(*f.expr, out);
      if (f.where) expr_fields(*f.where, out);
    }
    for (const auto& f : c.by) expr_fields(*f.expr, out);
    if (c.expr) expr_fields(*c.expr, out);
    for (const auto& k : c.keys) expr_fields(*k.expr, out);
    for (const auto& p : c.patterns)
      if (c.kind != CommandKind::Dissect && c.kind != CommandKind::Grok && p.find('*') == std::string::npos) out.push_back(p);
    for (const auto& [a, b] : c.renames) out.push_back(a);
    if (!c.field.empty() && c.kind != CommandKind::Completion) out.push_back(c.field);  // (COMPLETION: its endpoint)
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<std::size_t> Catalog::add_index_file(const std::string& name, const std::string& file, const elastic::FieldTypes& types) {
  // Read at query time (source.hpp): only the fields the query needs, a chunk at a time.
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error("cannot read " + file);
  Index idx;
  idx.name = name;
  idx.file = file;
  idx.stream_types = std::make_shared<const elastic::FieldTypes>(types);
  indices_.push_back(std::move(idx));
  return std::size_t{0};
}

Result<Index> load_streamed(const Index& lazy, bool with_sources, const std::vector<std::string>* wanted) {
  auto read = read_text(lazy.file);  // (a gzip file decompressed, as the streamed reader reads it)
  if (!read) return Error("cannot read " + lazy.file + ": " + read.error().message);
  std::string text = std::move(*read);
  Catalog one;
  one.set_keep_sources(with_sources);
  // (each document as written: a key written twice in an array's element is Elasticsearch's
  // error, not the last one's value)
  auto docs = file_documents(lazy.file, text);
  if (!docs) return docs.error();
  auto r = one.add_documents(lazy.name, *docs, lazy.file, *lazy.stream_types, wanted);
  if (!r) return r.error();
  return one.indices()[0];
}

namespace {
// An NDJSON text's non-blank lines (as the scan layer's: a byte order mark skipped), with their numbers.
std::vector<std::pair<std::size_t, std::string_view>> ndjson_lines(std::string_view ndjson) {
  std::vector<std::pair<std::size_t, std::string_view>> lines;
  std::size_t ln = 0, st = 0;
  while (st < ndjson.size()) {
    std::size_t nl = ndjson.find('\n', st);
    std::string_view line = ndjson.substr(st, nl == std::string_view::npos ? std::string_view::npos : nl - st);
    st = nl == std::string_view::npos ? ndjson.size() : nl + 1;
    ++ln;
    if (ln == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // (the byte order mark, as the scan layer skips it)
    if (line.find_first_not_of(" \t\r\v\f") == std::string_view::npos) continue;  // (blank, as the scan layer's)
    lines.emplace_back(ln, line);
  }
  return lines;
}
}  // namespace

Result<std::vector<std::pair<std::size_t, std::string_view>>> file_documents(const std::string& file, std::string_view text) {
  auto split = split_documents(file, text);
  if (!split) return split.error();
  if (!*split) return ndjson_lines(text);
  std::vector<std::pair<std::size_t, std::string_view>> docs;
  for (const TextDocument& d : **split) docs.emplace_back(d.line, text.substr(d.offset, d.size));
  return docs;
}

namespace {

// collect() over the compact encoding of a parsed document. An object's members on the path (a
// key that is the path or a prefix of it ending before a dot: keys may hold dots) are found in one
// pass over its members and followed in the order of their keys' lengths.
void collect_dyn(DynRef doc, std::string_view path, std::vector<DynRef>& out) {
  if (doc.is_array()) {
    doc.for_each_element([&](DynRef e) { collect_dyn(e, path, out); });
    return;
  }
  if (path.empty()) {
    out.push_back(doc);
    return;
  }
  if (!doc.is_object()) return;
  struct Hit {
    std::size_t len;
    DynRef value;
  };
  boost::container::small_vector<Hit, 2> hits;
  doc.for_each_member([&](std::string_view k, DynRef v) {
    if (k.size() > path.size() || (k.size() < path.size() && path[k.size()] != '.') || path.compare(0, k.size(), k) != 0) return;
    hits.push_back({k.size(), v});
  });
  if (hits.size() > 1) std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.len < b.len; });
  for (const Hit& h : hits) {
    const std::string_view rest = h.len == path.size() ? std::string_view{} : path.substr(h.len + 1);
    if (rest.empty() && h.value.is_array()) {
      h.value.for_each_element([&](DynRef e) {
        if (e.is_array()) collect_dyn(e, {}, out);
        else out.push_back(e);
      });
    } else {
      collect_dyn(h.value, rest, out);
    }
  }
}

nlohmann::json scalar_json(DynRef v) {
  switch (v.kind()) {
    case DynKind::False: return false;
    case DynKind::True: return true;
    case DynKind::Int: return v.as_int();
    case DynKind::Real: return v.as_real();
    case DynKind::String: return std::string(v.as_string());
    case DynKind::Null: return nullptr;
    default: return nlohmann::json::parse(to_json(v), nullptr, false);
  }
}

// to_cell()'s answer where it needs no conversion: no value (null), or one string value of a
// keyword, text or version field, or one integer of a long or integer field, appended to `out`
// (built in place: one allocation for a long string). False (nothing appended) otherwise.
bool append_plain_cell(const FieldSpec& f, const std::vector<DynRef>& vals, std::vector<Cell>& out, bool& seen) {
  if (f.rewrites()) return false;
  const DynRef* one = nullptr;
  for (const DynRef& v : vals) {
    if (v.is_null()) continue;
    if (one) return false;
    one = &v;
  }
  if (!one) {
    out.emplace_back();
    return true;
  }
  const DynKind k = one->kind();
  if (k == DynKind::String && (f.type == Type::Keyword || f.type == Type::Text || f.type == Type::Version)) {
    const std::string_view s = one->as_string();
    if (f.type == Type::Keyword && f.too_long(s)) {
      out.emplace_back();  // (not indexed: no value)
      seen = true;
      return true;
    }
    out.emplace_back(1);
    out.back().front().s.assign(s.data(), s.size());
  } else if (k == DynKind::Int && (f.type == Type::Long || (f.type == Type::Integer && f.mtype == "integer" &&
                                                           one->as_int() >= INT32_MIN && one->as_int() <= INT32_MAX))) {
    // (short and byte, and an integer out of its range: to_cell, which counts malformed values)
    out.emplace_back(1);
    out.back().front().i = one->as_int();
  } else {
    return false;
  }
  seen = true;
  return true;
}

// Keeps every document, as its projection on `paths` (DocumentFilter::store_projection).
class Projector : public DocumentFilter {
 public:
  explicit Projector(std::vector<std::string> paths) : paths_(std::move(paths)) {}
  bool keep(DynRef, std::size_t) override { return true; }
  std::vector<std::string> paths() const override { return paths_; }
  bool judges_projections() const override { return true; }
  Keep judge(DynRef, std::optional<std::uint64_t>) override { return Keep::Projection; }
  bool wants_shape() const override { return false; }

 private:
  std::vector<std::string> paths_;
};

}  // namespace

StreamPlan stream_plan(const elastic::FieldTypes& types, const std::vector<std::string>& needed) {
  StreamPlan plan;
  std::vector<std::string> user = types.user_fields();
  for (const auto& n : needed) {
    auto rf = types.lookup(n);
    if (rf && flattened_key(*rf)) continue;  // never a column, whatever the documents hold
    bool is_user = std::find(user.begin(), user.end(), n) != user.end();
    if (!rf) {
      if (types.dynamic()) plan.watch.push_back(n);  // (`dynamic: false`: never a column)
      continue;
    }
    const std::string& mt = rf->mapping.type_name;
    if (mt == "object" || mt == "nested" || mt == "alias" || mt == "flattened") {
      if (!is_user) plan.watch.push_back(n);
      continue;
    }
    // A user field reads its source path (aliases, multi-fields); any other mapped field is a
    // column only when a document holds it, at its own path.
    plan.fields.push_back(StreamField{n, is_user ? rf->source_path : n, mt, esql_type(mt), is_user, rf->mapping.date_format});
    plan.fields.back().mapping = std::make_shared<const elastic::FieldMapping>(rf->mapping);
    // A constant_keyword with no mapped value takes the first value indexed, which every document
    // of the index then holds: a document holding one sends the query to the whole read, which
    // finds it first (with none, every document's value is null, as streamed).
    if (rf->mapping.type == elastic::FieldType::ConstantKeyword && rf->mapping.constant_value.empty())
      plan.watch.push_back(plan.fields.back().source_path);
  }
  return plan;
}

namespace {

// A batch of documents as the plan's columns, converted on the thread that read it.
struct ConvertedBatch : BatchPayload {
  std::vector<std::vector<Cell>> cells;  // per plan field, one cell per converted row
  std::size_t rows = 0;                  // rows converted: those before the first that is not an object
  bool bad = false;                      // row `rows` is not a JSON object
  std::vector<bool> field_seen;
  std::vector<MalformedField> malformed;  // first_line: the row in the batch (the reader knows its line)
  bool watch_seen = false;
  std::vector<ViewColumn> views;  // per plan field: a lazy field's values
  // With a reader stage: the converted rows as a page (origins from 0), after the stage, and
  // what the stage returned; `cells` is then empty.
  std::optional<Page> staged;
  std::unique_ptr<ChunkWork> work;
};

std::shared_ptr<BatchPayload> convert_batch(const Batch& b, const std::vector<FieldSpec>& specs, const std::vector<bool>& lazy,
                                           const std::vector<std::string>& watch) {
  auto out = std::make_shared<ConvertedBatch>();
  out->cells.resize(specs.size());
  out->views.resize(specs.size());
  for (std::size_t k = 0; k < specs.size(); ++k) {
    if (lazy[k]) {
      out->views[k].kind.reserve(b.rows());
      out->views[k].text.reserve(b.rows());
    } else {
      out->cells[k].reserve(b.rows());
    }
  }
  out->field_seen.assign(specs.size(), false);
  out->malformed.assign(specs.size(), MalformedField{});
  if (b.columns.empty()) return out;
  const auto& col = b.columns[0];  // "_source": a documents read's first column
  std::vector<DynRef> vals;
  std::vector<nlohmann::json> conv;
  std::vector<const nlohmann::json*> ptrs;
  for (std::size_t row = 0; row < b.rows(); ++row) {
    DynRef doc = col.get_dynamic(row);
    if (!doc.is_object()) {
      out->bad = true;
      break;
    }
    ++out->rows;
    for (std::size_t k = 0; k < specs.size(); ++k) {
      vals.clear();
      collect_dyn(doc, specs[k].source_path, vals);
      std::vector<Cell>& cells = out->cells[k];
      if (lazy[k]) {
        // One string (nulls aside) or none: a view; anything else: a cell, below.
        const DynRef* one = nullptr;
        bool plain = !specs[k].rewrites();
        for (const DynRef& v : vals) {
          if (v.is_null()) continue;
          if (one || !v.is_string()) plain = false;
          one = &v;
        }
        ViewColumn& vc = out->views[k];
        if (plain && one && specs[k].type == Type::Keyword && specs[k].too_long(one->as_string())) {
          vc.kind.push_back(ViewColumn::None);  // (not indexed: no value)
          vc.text.emplace_back();
          out->field_seen[k] = true;
          continue;
        }
        if (plain) {
          vc.kind.push_back(one ? ViewColumn::One : ViewColumn::None);
          vc.text.push_back(one ? one->as_string() : std::string_view{});
          if (one) out->field_seen[k] = true;
          continue;
        }
        vc.kind.push_back(ViewColumn::Other);
        vc.text.emplace_back();
        cells.clear();  // (a scratch vector: its cell goes to `other`)
      }
      [&] {
        {
          bool seen = false;
          if (append_plain_cell(specs[k], vals, cells, seen)) {
            if (seen) out->field_seen[k] = true;
            return;
          }
        }
        conv.clear();
        ptrs.clear();
        for (DynRef v : vals) {
          if (v.is_null()) {
            if (specs[k].null_value) conv.push_back(nullptr);  // (indexed as null_value)
            continue;
          }
          if (!v.is_object()) out->field_seen[k] = true;
          conv.push_back(scalar_json(v));
        }
        for (const auto& c : conv) ptrs.push_back(&c);
        cells.push_back(to_cell(specs[k], ptrs, {}, &out->malformed[k], row));
      }();
      if (lazy[k]) {
        out->views[k].other.emplace_back(row, std::move(cells.back()));
        cells.clear();
      }
    }
    if (!out->watch_seen)
      for (const auto& w : watch) {
        vals.clear();
        collect_dyn(doc, w, vals);
        for (DynRef v : vals)
          if (!v.is_null()) out->watch_seen = true;
      }
  }
  return out;
}

// The converted rows of `cb` as a page, run through the stage.
void run_stage(ConvertedBatch& cb, const std::vector<FieldSpec>& specs, const std::vector<bool>& lazy, std::size_t index_no,
               const ReaderStage& stage) {
  Page page;
  page.origin.resize(cb.rows);
  for (std::size_t r = 0; r < cb.rows; ++r) page.origin[r] = static_cast<std::int64_t>(index_no) << 32 | static_cast<std::int64_t>(r);
  for (std::size_t k = 0; k < specs.size(); ++k) {
    if (lazy[k]) continue;
    cb.cells[k].resize(cb.rows);  // (rows after a line that is not an object: none converted)
    page.columns.push_back(Column{specs[k].name, specs[k].type, std::move(cb.cells[k])});
    std::vector<Cell>().swap(cb.cells[k]);
  }
  cb.work = stage(page, cb.views);
  cb.staged = std::move(page);
  std::vector<ViewColumn>().swap(cb.views);  // (its views point into the batch's documents)
}

}  // namespace

Cell ViewColumn::cell(std::size_t row) const {
  switch (kind[row]) {
    case None: return {};
    case One: {
      Cell c(1);
      c.front().s.assign(text[row].data(), text[row].size());
      return c;
    }
    case Other: break;
  }
  auto it = std::lower_bound(other.begin(), other.end(), row, [](const auto& p, std::size_t r) { return p.first < r; });
  return it != other.end() && it->first == row ? it->second : Cell{};
}

namespace {

}  // namespace

Result<StreamStats> stream_documents(const Index& idx, std::size_t index_no, const StreamPlan& plan, std::size_t chunk_docs,
                                     std::vector<std::uint32_t>& lines,
                                     const std::function<void(Page&&, std::unique_ptr<ChunkWork>)>& each, const ReaderStage& stage) {
  StreamStats st;
  st.field_seen.assign(plan.fields.size(), false);
  st.malformed.assign(plan.fields.size(), MalformedField{});
  std::vector<FieldSpec> specs;
  for (const auto& f : plan.fields) {
    specs.push_back(FieldSpec{f.name, f.source_path, f.mtype, f.type});
    if (f.mapping) take_mapping(specs.back(), *f.mapping);
    else specs.back().date_format = f.date_format;
  }
  IngestOptions o;
  o.documents = true;
  // A line that is not a JSON document is an error, as add_index makes it; blank lines are
  // skipped, as there (checked below: the reader counts them as rejected records).
  o.strict = false;
  o.max_reported = 100000;  // (each blank line is a rejection to tell apart: more sends the query to the whole read)
  o.table = idx.name;
  // Each document is kept as its projection on the paths read below (the fields' source paths
  // and the watched names): the rest of it is never encoded.
  std::vector<std::string> paths;
  for (const auto& f : specs) paths.push_back(f.source_path);
  for (const auto& w : plan.watch) paths.push_back(w);
  o.make_document_filter = [paths]() -> std::unique_ptr<DocumentFilter> { return std::make_unique<Projector>(paths); };
  // The projections become the plan's columns on the reading threads, in parallel; this thread
  // only numbers the documents and joins the batches into chunks, in file order.
  std::vector<bool> lazy;
  for (const auto& f : plan.fields) lazy.push_back(f.lazy && stage);
  o.finish_batch = [&specs, &plan, &stage, &lazy, index_no](Batch& b) {
    auto cb = convert_batch(b, specs, lazy, plan.watch);
    if (stage) run_stage(static_cast<ConvertedBatch&>(*cb), specs, lazy, index_no, stage);
    b.payload = std::move(cb);
  };
  Page page;
  auto fresh = [&] {
    page = Page{};
    page.origin.reserve(chunk_docs + kBatchRows);
    for (const auto& f : specs) page.columns.push_back(Column{f.name, f.type, {}});
  };
  fresh();
  Schema schema;
  std::uint32_t bad_line = 0;
  // A converted batch's findings on plan field k: whether a document holds it, its malformed values.
  auto absorb = [&st](const ConvertedBatch& cb, const Batch& b, std::size_t k) {
    if (cb.field_seen[k]) st.field_seen[k] = true;
    const MalformedField& m = cb.malformed[k];
    if (m.values) {
      if (!st.malformed[k].values) {
        st.malformed[k].first_line = b.sources[m.first_line].line;
        st.malformed[k].first_value = m.first_value;
        st.malformed[k].index_value = m.index_value;
      }
      st.malformed[k].values += m.values;
    }
  };
  auto r = ingest_stream(idx.file, o, &schema, [&](Batch&& b) {
    if (bad_line) return;
    // (every batch comes converted: a reader that left one out is converted here, not dropped)
    if (!dynamic_cast<ConvertedBatch*>(b.payload.get())) {
      b.payload = convert_batch(b, specs, lazy, plan.watch);
      if (stage) run_stage(static_cast<ConvertedBatch&>(*b.payload), specs, lazy, index_no, stage);
    }
    auto* cb = static_cast<ConvertedBatch*>(b.payload.get());
    if (cb->staged) {
      const auto first = static_cast<std::int64_t>(st.documents);
      for (std::size_t row = 0; row < cb->rows; ++row) lines.push_back(b.sources[row].line);
      st.documents += cb->rows;
      for (auto& o : cb->staged->origin)
        if (o >= 0) o += first;
      for (std::size_t k = 0; k < specs.size(); ++k) {
        absorb(*cb, b, k);
      }
      if (cb->watch_seen) st.watch_seen = true;
      if (cb->bad) bad_line = b.sources[cb->rows].line;
      Page done = std::move(*cb->staged);
      std::unique_ptr<ChunkWork> work = std::move(cb->work);
      b.payload.reset();
      each(std::move(done), std::move(work));
      return;
    }
    for (std::size_t row = 0; row < cb->rows; ++row) {
      std::size_t ordinal = st.documents++;
      lines.push_back(b.sources[row].line);
      page.origin.push_back(static_cast<std::int64_t>(index_no) << 32 | static_cast<std::int64_t>(ordinal));
    }
    for (std::size_t k = 0; k < specs.size(); ++k) {
      auto& dst = page.columns[k].cells;
      // Chunks of at most a batch are the batches, their cells taken whole; a longer chunk is
      // sized once, and the batches' cells are moved into it.
      if (dst.empty() && cb->rows == cb->cells[k].size() && chunk_docs <= kBatchRows) {
        dst = std::move(cb->cells[k]);
      } else {
        if (dst.empty()) dst.reserve(chunk_docs + kBatchRows);
        dst.insert(dst.end(), std::make_move_iterator(cb->cells[k].begin()), std::make_move_iterator(cb->cells[k].end()));
      }
      std::vector<Cell>().swap(cb->cells[k]);  // (the batch may live on: a JSON array's are handed over at the end)
      absorb(*cb, b, k);
    }
    if (cb->watch_seen) st.watch_seen = true;
    if (cb->bad) bad_line = b.sources[cb->rows].line;
    b.payload.reset();
    if (page.rows() >= chunk_docs || (chunk_docs <= kBatchRows && page.rows() > 0)) {
      each(std::move(page), nullptr);
      fresh();
    }
  });
  if (!r) return r.error();
  if (r->rejected) {
    const auto& first = r->first_rejections;
    const bool blank_only = first.size() == r->rejected &&
                            std::all_of(first.begin(), first.end(), [](const Rejection& x) { return x.reason == "empty line"; });
    if (!blank_only) {
      for (const auto& x : first)
        if (x.reason != "empty line") return Error("cannot read record: " + x.reason, idx.file, x.line, 1);
      return Error("cannot read " + std::to_string(r->rejected) + " record(s)", idx.file);
    }
  }
  if (bad_line) return Error("not a JSON object (one document a line expected)", idx.file, bad_line, 1);
  if (page.rows() > 0) each(std::move(page), nullptr);
  return st;
}

struct DocumentChecker::Parser {
  simdjson::dom::parser parser;
};
DocumentChecker::DocumentChecker() : parser_(std::make_unique<Parser>()) {}
DocumentChecker::~DocumentChecker() = default;

bool DocumentChecker::indexable(std::string_view line, std::string* reason) {
  simdjson::dom::element e;
  std::string why;
  if (auto err = parser_->parser.parse(line.data(), line.size(), true).get(e)) {
    // An integer beyond 64 bits is valid JSON that Elasticsearch (Jackson) reads; simdjson does
    // not. Such a line is taken when its JSON is an object (its keys then go unchecked for
    // duplicates).
    if (err == simdjson::NUMBER_ERROR) {
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.is_object()) return true;
    }
    why = std::string("invalid JSON: ") + simdjson::error_message(err);
  } else if (!e.is_object()) why = "not a JSON object";
  else if (auto dup = find_duplicate_key(e)) why = "duplicate field \"" + *dup + "\" (Elasticsearch rejects such a document: json_parse_exception)";
  if (why.empty()) return true;
  if (reason) *reason = std::move(why);
  return false;
}

Result<std::size_t> Catalog::add_index(const std::string& name, std::string_view ndjson, const std::string& file,
                                       const elastic::FieldTypes& types, const std::vector<std::string>* wanted) {
  return add_documents(name, ndjson_lines(ndjson), file, types, wanted);
}

Result<std::size_t> Catalog::add_documents(const std::string& name, const std::vector<std::pair<std::size_t, std::string_view>>& documents,
                                           const std::string& file, const elastic::FieldTypes& types,
                                           const std::vector<std::string>* wanted) {
  Index idx;
  idx.name = name;
  idx.file = file;
  idx.types = std::make_shared<const elastic::FieldTypes>(types);
  JsonParser source_parser;
  // The documents that Elasticsearch would index. One that is not a JSON object, or one with a
  // key written twice (Elasticsearch's strict duplicate detection: json_parse_exception), is never
  // indexed, so no query reads it: it is counted and named in a note, as the kuery and EQL readers
  // count the records they cannot read.
  std::vector<std::pair<std::size_t, std::string_view>> docs;  // line number, text
  {
    DocumentChecker checker;
    for (const auto& [ln, text] : documents) {
      std::string reason;
      if (!checker.indexable(text, &reason)) {
        if (idx.unreadable++ == 0) {
          idx.first_unreadable_line = ln;
          idx.first_unreadable_reason = std::move(reason);
        }
        continue;
      }
      docs.emplace_back(ln, text);
    }
  }
  // Fields the documents hold that the mapping does not name: typed by ECS when the caller's
  // field types include it, else by Elasticsearch's dynamic mapping.
  std::map<std::string, std::string> seen;
  for (const auto& [ln, line] : docs) {
    nlohmann::json doc = nlohmann::json::parse(line, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())  // (simdjson read it: nlohmann reads the same)
      return Error("not a JSON object (one document a line expected)", file, ln, 1, std::string(line));
    leaf_paths(doc, "", seen);
  }
  auto specs = field_specs(types, seen, wanted);
  // A constant_keyword with no mapped value: the first string value indexed (in file order) is
  // the mapping's value from then on, and every document's (keyword.html, constant_keyword:
  // "If no value is provided in the mappings, the field will automatically configure itself
  // based on the value contained in the first indexed document").
  for (auto& f : specs) {
    if (f.mtype != "constant_keyword" || f.constant) continue;
    for (std::size_t d = 0; d < docs.size() && !f.constant; ++d) {
      nlohmann::json doc = nlohmann::json::parse(docs[d].second, nullptr, false);
      if (doc.is_discarded()) continue;
      std::vector<const nlohmann::json*> vals;
      collect(doc, f.source_path, vals);
      for (const auto* v : vals)
        if (!f.constant) f.constant = constant_text(*v);
    }
  }
  for (const auto& f : specs) idx.data.columns.push_back(Column{f.name, f.type, {}});
  std::vector<MalformedField> bad(specs.size());
  for (const auto& [line_no, line] : docs) {
    nlohmann::json doc = nlohmann::json::parse(line, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
      return Error("not a JSON object (one document a line expected)", file, line_no, 1, std::string(line));
    if (keep_sources_) {
      std::string bytes;
      if (auto err = source_parser.parse(line, bytes)) return Error("not a JSON object: " + *err, file, line_no, 1, std::string(line));
      idx.sources.emplace_back(std::move(bytes));
    }
    idx.doc_ids.push_back(std::to_string(idx.doc_ids.size() + 1));
    idx.lines.push_back(line_no);
    idx.data.origin.push_back(static_cast<std::int64_t>(indices_.size()) << 32 | static_cast<std::int64_t>(idx.doc_ids.size() - 1));
    for (std::size_t k = 0; k < specs.size(); ++k) {
      const FieldSpec& f = specs[k];
      std::vector<const nlohmann::json*> vals;
      collect(doc, f.source_path, vals);
      idx.data.columns[k].cells.push_back(to_cell(f, vals, line, &bad[k], line_no));
    }
  }
  for (std::size_t k = 0; k < specs.size(); ++k)
    if (bad[k].values) idx.malformed[specs[k].name] = std::move(bad[k]);
  std::size_t rows = idx.doc_ids.size();
  indices_.push_back(std::move(idx));
  return rows;
}

namespace {
Result<std::vector<CompletionAnswer>> read_completion_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error("cannot read " + file);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::vector<std::pair<nlohmann::json, std::size_t>> items;  // object, line (an array: its position)
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  const bool is_array = first != std::string::npos && text[first] == '[';
  if (is_array) {
    nlohmann::json arr = nlohmann::json::parse(text, nullptr, false);
    if (arr.is_discarded() || !arr.is_array()) return Error("not a JSON array of answers", file, 1, 1);
    for (auto& a : arr) items.emplace_back(std::move(a), items.size() + 1);  // (the element's position)
  } else {
    std::size_t line = 0, start = 0;
    while (start < text.size()) {
      std::size_t nl = text.find('\n', start);
      std::string_view l(text.data() + start, (nl == std::string::npos ? text.size() : nl) - start);
      start = nl == std::string::npos ? text.size() : nl + 1;
      ++line;
      if (l.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      nlohmann::json j = nlohmann::json::parse(l, nullptr, false);
      if (j.is_discarded()) return Error("not JSON (one answer a line expected)", file, line, 1, std::string(l));
      items.emplace_back(std::move(j), line);
    }
  }
  std::vector<CompletionAnswer> out;
  for (const auto& [j, line] : items) {
    if (!j.is_object()) return Error("an answer is a JSON object: {\"response\": \"...\"}", file, line, 1);
    CompletionAnswer a;
    a.file = file;
    (is_array ? a.element : a.line) = line;
    bool has_response = false;
    for (const auto& [k, v] : j.items()) {
      if (k == "response") {
        has_response = true;
        if (v.is_string()) a.response = v.get<std::string>();
        else if (!v.is_null()) return Error("\"response\" is a string or null", file, line, 1);
      } else if (k == "inference_id" || k == "prompt_contains") {
        if (!v.is_string()) return Error("\"" + k + "\" is a string", file, line, 1);
        (k == "inference_id" ? a.inference_id : a.prompt_contains) = v.get<std::string>();
      } else {
        return Error("unknown key \"" + k + "\" (an answer has response, and optionally inference_id and prompt_contains)", file, line, 1);
      }
    }
    if (!has_response) return Error("an answer needs \"response\" (a string, or null)", file, line, 1);
    out.push_back(std::move(a));
  }
  if (out.empty()) return Error("no answer in the file", file);
  return out;
}
}  // namespace

Result<std::shared_ptr<const std::vector<CompletionAnswer>>> read_completion_answers(const std::vector<std::string>& files) {
  auto answers = std::make_shared<std::vector<CompletionAnswer>>();
  for (const auto& f : files) {
    auto r = read_completion_file(f);
    if (!r) return r.error();
    answers->insert(answers->end(), r->begin(), r->end());
  }
  return std::shared_ptr<const std::vector<CompletionAnswer>>(std::move(answers));
}

bool value_is_malformed(DynRef v, const std::string& mapping_type) {
  if (!v.valid() || v.is_null() || v.is_object() || v.is_array()) return false;
  const Type t = esql_type(mapping_type);
  if (t == Type::Unsupported || t == Type::Keyword || t == Type::Text || t == Type::Version) return false;
  const nlohmann::json j = nlohmann::json::parse(to_json(v), nullptr, false);
  return !j.is_discarded() && !convert(j, t, mapping_type, "").has_value();
}

}  // namespace rulelab::esql
