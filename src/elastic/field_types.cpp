// Field mapping types: ECS table, user mappings, dynamic mapping.
#include "elastic/field_types.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/datetime.hpp"
#include "core/paths.hpp"

namespace rulelab::elastic {

namespace {
const char* const kEcsRows[] = {
#include "elastic/ecs_field_table.inc"
};

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t b = 0;
  while (true) {
    const auto e = s.find(sep, b);
    out.push_back(s.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  return out;
}

FieldMapping simple(std::string_view type, std::int64_t ignore_above = -1) {
  FieldMapping m;
  m.type_name = std::string(type);
  m.type = field_type_from_name(type);
  m.ignore_above = ignore_above;
  return m;
}

FieldMapping dynamic_string() {
  FieldMapping m = simple("text");
  m.multi_fields.push_back({"keyword", simple("keyword", 256)});
  return m;
}
}  // namespace

FieldType field_type_from_name(std::string_view n) {
  static const std::pair<std::string_view, FieldType> kTypes[] = {
      {"keyword", FieldType::Keyword}, {"constant_keyword", FieldType::ConstantKeyword}, {"wildcard", FieldType::Wildcard},
      {"text", FieldType::Text}, {"match_only_text", FieldType::MatchOnlyText}, {"long", FieldType::Long},
      {"integer", FieldType::Integer}, {"short", FieldType::Short}, {"byte", FieldType::Byte},
      {"unsigned_long", FieldType::UnsignedLong}, {"double", FieldType::Double}, {"float", FieldType::Float},
      {"half_float", FieldType::HalfFloat}, {"scaled_float", FieldType::ScaledFloat}, {"date", FieldType::Date},
      {"date_nanos", FieldType::DateNanos}, {"ip", FieldType::Ip}, {"boolean", FieldType::Boolean},
      {"flattened", FieldType::Flattened}, {"nested", FieldType::Nested}, {"object", FieldType::Object},
      {"geo_point", FieldType::GeoPoint}, {"alias", FieldType::Alias}};
  for (const auto& [name, t] : kTypes)
    if (name == n) return t;
  return FieldType::Other;
}
bool is_keyword_like(FieldType t) {
  return t == FieldType::Keyword || t == FieldType::ConstantKeyword || t == FieldType::Wildcard || t == FieldType::Flattened;
}
bool is_text_like(FieldType t) { return t == FieldType::Text || t == FieldType::MatchOnlyText; }
bool is_integral(FieldType t) {
  return t == FieldType::Long || t == FieldType::Integer || t == FieldType::Short || t == FieldType::Byte || t == FieldType::UnsignedLong;
}
bool is_numeric(FieldType t) {
  return is_integral(t) || t == FieldType::Double || t == FieldType::Float || t == FieldType::HalfFloat || t == FieldType::ScaledFloat;
}

std::string_view to_string(MappingOrigin o) {
  switch (o) {
    case MappingOrigin::User: return "mapping";
    case MappingOrigin::Ecs: return "ecs";
    case MappingOrigin::Dynamic: return "dynamic";
    case MappingOrigin::Unmapped: return "unmapped";
  }
  return "";
}

namespace {
FieldMapping parse_row(std::string_view row) {
  const auto cols = split(row, '\t');
  if (cols.size() < 4) return FieldMapping{};
  FieldMapping m = simple(cols[1], std::stoll(std::string(cols[2])));
  if (!cols[3].empty())
    for (auto mf : split(cols[3], ',')) {
      const auto eq = mf.find('=');
      if (eq != std::string_view::npos) m.multi_fields.push_back({std::string(mf.substr(0, eq)), simple(mf.substr(eq + 1))});
    }
  return m;
}
std::string_view row_name(const char* row) {
  std::string_view r(row);
  return r.substr(0, r.find('\t'));
}
}  // namespace

// The table is sorted by name (the generator sorts it): exact names are found by binary search
// when looked up, so building the set costs only a scan for the pattern rows.
FieldTypes FieldTypes::builtin() {
  FieldTypes t;
  t.builtin_ = true;
  for (const char* row : kEcsRows)
    if (row_name(row).find('*') != std::string_view::npos)
      t.patterns_.push_back({std::string(row_name(row)), Entry{parse_row(row), MappingOrigin::Ecs}});
  return t;
}

std::optional<FieldTypes::Entry> FieldTypes::builtin_entry(std::string_view name) const {
  if (!builtin_) return std::nullopt;
  const char* const* b = std::begin(kEcsRows);
  const char* const* e = std::end(kEcsRows);
  const char* const* it = std::lower_bound(b, e, name, [](const char* row, std::string_view n) { return row_name(row) < n; });
  if (it == e || row_name(*it) != name) return std::nullopt;
  return Entry{parse_row(*it), MappingOrigin::Ecs};
}

void FieldTypes::add(const std::string& name, FieldMapping m, MappingOrigin origin) {
  if (name.find('*') != std::string::npos) {
    patterns_.push_back({name, Entry{std::move(m), origin}});
    return;
  }
  auto it = exact_.find(name);
  if (it != exact_.end() && it->second.origin == MappingOrigin::User && origin != MappingOrigin::User) return;
  exact_[name] = Entry{std::move(m), origin};
}

namespace {
FieldMapping mapping_of(const nlohmann::json& spec) {
  FieldMapping m;
  const std::string type = spec.value("type", spec.contains("properties") ? "object" : "object");
  m = simple(type);
  if (auto it = spec.find("ignore_above"); it != spec.end() && it->is_number_integer()) m.ignore_above = it->get<std::int64_t>();
  if (auto it = spec.find("index"); it != spec.end() && it->is_boolean()) m.index = it->get<bool>();
  if (auto it = spec.find("normalizer"); it != spec.end() && it->is_string()) m.lowercase_normalizer = it->get<std::string>() == "lowercase";
  if (auto it = spec.find("value"); it != spec.end()) m.constant_value = it->is_string() ? it->get<std::string>() : it->dump();
  if (auto it = spec.find("path"); it != spec.end() && it->is_string()) m.alias_path = it->get<std::string>();
  if (auto it = spec.find("fields"); it != spec.end() && it->is_object())
    for (auto f = it->begin(); f != it->end(); ++f)
      if (f.value().is_object()) m.multi_fields.push_back({f.key(), mapping_of(f.value())});
  return m;
}

void walk_properties(const nlohmann::json& props, const std::string& prefix, FieldTypes& out, std::size_t& n, int depth) {
  if (!props.is_object() || depth > 64) return;
  for (auto it = props.begin(); it != props.end(); ++it) {
    if (!it.value().is_object()) continue;
    const std::string name = prefix.empty() ? it.key() : prefix + "." + it.key();
    const auto& spec = it.value();
    FieldMapping m = mapping_of(spec);
    if (spec.contains("properties")) {
      out.add(name, m, MappingOrigin::User);  // object or nested
      ++n;
      walk_properties(spec["properties"], name, out, n, depth + 1);
      continue;
    }
    out.add(name, std::move(m), MappingOrigin::User);
    ++n;
  }
}
}  // namespace

Result<std::size_t> FieldTypes::add_mapping_json(std::string_view text, const std::string& file) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error("not a JSON object: expected the response of GET index/_mapping", file);
  std::size_t n = 0;
  auto take = [&](const nlohmann::json& mappings) {
    if (mappings.contains("properties")) walk_properties(mappings["properties"], "", *this, n, 0);
  };
  if (j.contains("properties")) take(j);
  else if (j.contains("mappings")) take(j["mappings"]);
  else
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.value().is_object() && it.value().contains("mappings")) take(it.value()["mappings"]);
  if (n == 0) return Error("no field mappings found (expected {\"index\":{\"mappings\":{\"properties\":{...}}}})", file);
  return n;
}

std::string FieldTypes::nested_ancestor(std::string_view name) const {
  for (std::size_t dot = name.rfind('.'); dot != std::string_view::npos && dot > 0; dot = name.rfind('.', dot - 1)) {
    auto r = lookup_plain(name.substr(0, dot));
    if (r && r->mapping.type == FieldType::Nested) return r->name;
    if (dot == 0) break;
  }
  return {};
}

std::vector<std::string> FieldTypes::user_fields() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : exact_) {
    if (e.origin != MappingOrigin::User || e.mapping.type == FieldType::Nested || e.mapping.type == FieldType::Object) continue;
    out.push_back(name);
    for (const auto& [sub, m] : e.mapping.multi_fields) out.push_back(name + "." + sub);
  }
  return out;
}

std::optional<ResolvedField> FieldTypes::lookup_plain(std::string_view name) const {
  auto make = [&](const Entry& e) {
    ResolvedField r;
    r.name = std::string(name);
    r.source_path = std::string(name);
    r.mapping = e.mapping;
    r.origin = e.origin;
    return r;
  };
  if (auto it = exact_.find(name); it != exact_.end()) return make(it->second);
  if (auto b = builtin_entry(name)) return make(*b);
  for (const auto& [pat, e] : patterns_)
    if (field_pattern_matches(pat, name)) return make(e);
  return std::nullopt;
}

std::optional<ResolvedField> FieldTypes::lookup(std::string_view name) const {
  if (auto r = lookup_plain(name)) {
    if (r->mapping.type == FieldType::Alias && !r->mapping.alias_path.empty()) {
      auto target = lookup_plain(r->mapping.alias_path);
      if (target) {
        target->name = std::string(name);
        return target;
      }
    }
    return r;
  }
  // A multi-field: parent mapped with fields {sub: ...}.
  for (std::size_t dot = name.rfind('.'); dot != std::string_view::npos && dot > 0; dot = name.rfind('.', dot - 1)) {
    const std::string_view parent = name.substr(0, dot), sub = name.substr(dot + 1);
    if (auto p = lookup_plain(parent)) {
      for (const auto& [s, m] : p->mapping.multi_fields)
        if (s == sub) {
          ResolvedField r;
          r.name = std::string(name);
          r.source_path = p->source_path;
          r.mapping = m;
          r.origin = p->origin;
          return r;
        }
      if (p->mapping.type == FieldType::Flattened) {  // keys under a flattened field are keywords
        ResolvedField r;
        r.name = std::string(name);
        r.source_path = std::string(name);
        r.mapping = simple("keyword", p->mapping.ignore_above);
        r.mapping.type = FieldType::Flattened;
        r.origin = p->origin;
        return r;
      }
      return std::nullopt;  // a leaf field has no sub-fields other than its multi-fields
    }
    if (dot == 0) break;
  }
  return std::nullopt;
}

// ---- dynamic mapping ---------------------------------------------------------------------------
bool looks_like_dynamic_date(std::string_view s) {
  // strict_date_optional_time: yyyy[-MM[-dd['T'HH[:mm[:ss[.S+]]][zone]]]] with 4-digit year
  auto digits = [&](std::size_t pos, std::size_t n) {
    if (pos + n > s.size()) return false;
    for (std::size_t i = 0; i < n; ++i)
      if (!std::isdigit(static_cast<unsigned char>(s[pos + i]))) return false;
    return true;
  };
  if (s.size() >= 10 && digits(0, 4) && s[4] == '/' && digits(5, 2) && s[7] == '/' && digits(8, 2))
    return parse_datetime(std::string(s.substr(0, 10)) .replace(4, 1, "-").replace(7, 1, "-")).has_value() &&
           (s.size() == 10 || s[10] == ' ');
  if (!digits(0, 4)) return false;
  if (s.size() == 4) return false;  // a bare year is a number-looking string, not detected
  if (s.size() < 7 || s[4] != '-' || !digits(5, 2)) return false;
  return parse_datetime(s).has_value() || (s.size() == 7 && parse_datetime(std::string(s) + "-01").has_value());
}

void IndexFields::add_name(const std::string& n) {
  if (known_.emplace(n, true).second) all_.push_back(n);
}

void IndexFields::observe(DynRef doc) {
  for (const std::string& path : leaf_paths(doc)) {
    if (known_.count(path)) continue;
    auto st = types_->lookup(path);
    if (st) {
      // constant_keyword without a mapped value takes the first value indexed (Elasticsearch docs)
      if (st->mapping.type == FieldType::ConstantKeyword && st->mapping.constant_value.empty())
        for_each_value_at(doc, path, [&](DynRef v) {
          if (v.is_string() && !constants_.count(path)) constants_[path] = std::string(v.as_string());
        });
      add_name(path);
      for (const auto& [sub, m] : st->mapping.multi_fields) add_name(path + "." + sub);
      continue;
    }
    DynRef first;
    for_each_value_at(doc, path, [&](DynRef v) {
      if (!first.valid() && !v.is_null()) first = v;
    });
    if (!first.valid()) continue;  // only nulls so far: no mapping yet
    FieldMapping m;
    if (first.is_string()) m = looks_like_dynamic_date(first.as_string()) ? simple("date") : dynamic_string();
    else if (first.kind() == DynKind::Int) m = simple("long");
    else if (first.kind() == DynKind::Real) m = simple("float");
    else if (first.is_bool()) m = simple("boolean");
    else continue;
    dynamic_[path] = m;
    add_name(path);
    for (const auto& [sub, mm] : m.multi_fields) add_name(path + "." + sub);
  }
}

ResolvedField IndexFields::resolve(std::string_view name) const {
  if (auto st = types_->lookup(name)) {
    if (st->mapping.type == FieldType::ConstantKeyword && st->mapping.constant_value.empty())
      if (auto it = constants_.find(st->source_path); it != constants_.end()) st->mapping.constant_value = it->second;
    return *st;
  }
  if (auto it = dynamic_.find(name); it != dynamic_.end()) {
    ResolvedField r;
    r.name = r.source_path = std::string(name);
    r.mapping = it->second;
    r.origin = MappingOrigin::Dynamic;
    return r;
  }
  const auto dot = name.rfind('.');
  if (dot != std::string_view::npos)
    if (auto it = dynamic_.find(name.substr(0, dot)); it != dynamic_.end())
      for (const auto& [sub, m] : it->second.multi_fields)
        if (sub == name.substr(dot + 1)) {
          ResolvedField r;
          r.name = std::string(name);
          r.source_path = std::string(name.substr(0, dot));
          r.mapping = m;
          r.origin = MappingOrigin::Dynamic;
          return r;
        }
  ResolvedField r;
  r.name = r.source_path = std::string(name);
  r.origin = MappingOrigin::Unmapped;
  return r;
}

std::vector<std::string> IndexFields::expand(std::string_view pattern) const {
  if (data_view_) return data_view_->expand(pattern);
  std::vector<std::string> out;
  for (const auto& f : all_)
    if (field_pattern_matches(pattern, f)) out.push_back(f);
  for (const auto& f : types_->user_fields())
    if (!known_.count(f) && field_pattern_matches(pattern, f)) out.push_back(f);
  return out;
}

std::vector<std::string> IndexFields::dynamic_fields() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : dynamic_) out.push_back(k);
  return out;
}

}  // namespace rulelab::elastic
