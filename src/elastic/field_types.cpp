// Field mapping types: ECS table, user mappings, dynamic mapping.
#include "elastic/field_types.hpp"
#include "elastic/coerce.hpp"
#include "elastic/date.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/datetime.hpp"
#include "core/paths.hpp"
#include "elastic/analyzer.hpp"

namespace rulelab::elastic {

namespace {
const char* const kEcsRows[] = {
#include "elastic/ecs_field_table.inc"
};
#include "elastic/integration_table.inc"
#include "elastic/alerts_table.inc"

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
      {"date_nanos", FieldType::DateNanos}, {"ip", FieldType::Ip}, {"boolean", FieldType::Boolean}, {"version", FieldType::Version},
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
    case MappingOrigin::Integration: return "integration";
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
std::vector<std::string> string_list(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  if (it->is_string()) out.push_back(it->get<std::string>());
  else if (it->is_array())
    for (const auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}
bool any_glob(const std::vector<std::string>& globs, std::string_view s) {
  for (const auto& g : globs)
    if (field_pattern_matches(g, s)) return true;
  return false;
}
}  // namespace

std::vector<std::string> FieldMapping::index_tokens(std::string_view v) const {
  return analyzer ? analyzer->tokens(v) : standard_tokens(v);
}
std::vector<std::string> FieldMapping::query_tokens(std::string_view v) const {
  if (search_analyzer) return search_analyzer->tokens(v);
  return index_tokens(v);
}
bool FieldMapping::lowercases_terms() const {
  const Analyzer* a = search_analyzer ? search_analyzer.get() : analyzer.get();
  return a ? a->lowercases() : true;
}

bool DynamicTemplate::applies(std::string_view path, std::string_view json_type) const {
  const auto dot = path.rfind('.');
  const std::string_view leaf = dot == std::string_view::npos ? path : path.substr(dot + 1);
  if (!match.empty() && !any_glob(match, leaf)) return false;
  if (!unmatch.empty() && any_glob(unmatch, leaf)) return false;
  if (!path_match.empty() && !any_glob(path_match, path)) return false;
  if (!path_unmatch.empty() && any_glob(path_unmatch, path)) return false;
  auto type_in = [&](const std::vector<std::string>& ts) {
    for (const auto& t : ts)
      if (t == "*" || t == json_type) return true;
    return false;
  };
  if (!match_mapping_type.empty() && !type_in(match_mapping_type)) return false;
  if (!unmatch_mapping_type.empty() && type_in(unmatch_mapping_type)) return false;
  return true;
}

FieldMapping FieldTypes::parse_mapping(const nlohmann::json& spec) const {
  FieldMapping m;
  const std::string type = spec.value("type", "object");
  m = simple(type);
  if (auto it = spec.find("ignore_above"); it != spec.end() && it->is_number_integer()) m.ignore_above = it->get<std::int64_t>();
  if (auto it = spec.find("index"); it != spec.end() && it->is_boolean()) m.index = it->get<bool>();
  if (auto it = spec.find("normalizer"); it != spec.end() && it->is_string()) m.normalizer = analysis_.normalizer(it->get<std::string>());
  if (auto it = spec.find("analyzer"); it != spec.end() && it->is_string()) m.analyzer = analysis_.analyzer(it->get<std::string>());
  if (auto it = spec.find("search_analyzer"); it != spec.end() && it->is_string())
    m.search_analyzer = analysis_.analyzer(it->get<std::string>());
  if (auto it = spec.find("null_value"); it != spec.end() && !it->is_null())
    m.null_value = it->is_string() ? it->get<std::string>() : it->dump();
  if (auto it = spec.find("value"); it != spec.end()) m.constant_value = it->is_string() ? it->get<std::string>() : it->dump();
  if (auto it = spec.find("path"); it != spec.end() && it->is_string()) m.alias_path = it->get<std::string>();
  if (auto it = spec.find("format"); it != spec.end() && it->is_string() && (m.type == FieldType::Date || m.type == FieldType::DateNanos))
    m.date_format = std::make_shared<const DateFormats>(it->get<std::string>());
  if (auto it = spec.find("fields"); it != spec.end() && it->is_object())
    for (auto f = it->begin(); f != it->end(); ++f)
      if (f.value().is_object()) m.multi_fields.push_back({f.key(), parse_mapping(f.value())});
  return m;
}

void FieldTypes::walk_properties(const nlohmann::json& props, const std::string& prefix, std::size_t& n, int depth, MappingOrigin origin) {
  if (!props.is_object() || depth > 64) return;
  for (auto it = props.begin(); it != props.end(); ++it) {
    if (!it.value().is_object()) continue;
    const std::string name = prefix.empty() ? it.key() : prefix + "." + it.key();
    const auto& spec = it.value();
    FieldMapping m = parse_mapping(spec);
    if (spec.contains("properties")) {
      add(name, m, origin);  // object or nested
      ++n;
      walk_properties(spec["properties"], name, n, depth + 1, origin);
      continue;
    }
    add(name, std::move(m), origin);
    ++n;
  }
}

Result<std::size_t> FieldTypes::add_mapping_json(std::string_view text, const std::string& file, MappingOrigin origin) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error("not a JSON object: expected the response of GET index/_mapping", file);
  std::size_t n = 0;
  std::optional<Error> failed;
  auto settings = [&](const nlohmann::json& s) {
    if (!s.is_object() || failed) return;
    const nlohmann::json* a = nullptr;
    if (s.contains("analysis")) a = &s["analysis"];
    else if (s.contains("index") && s["index"].is_object() && s["index"].contains("analysis")) a = &s["index"]["analysis"];
    if (!a) return;
    auto r = analysis_.add_settings(*a, file);
    if (!r) failed = r.error();
  };
  auto take = [&](const nlohmann::json& mappings) {
    if (!mappings.is_object()) return;
    if (auto it = mappings.find("dynamic"); it != mappings.end())
      dynamic_ = !(it->is_boolean() ? !it->get<bool>() : it->is_string() && (*it == "false" || *it == "strict" || *it == "runtime"));
    if (auto it = mappings.find("date_detection"); it != mappings.end() && it->is_boolean()) date_detection_ = it->get<bool>();
    if (auto it = mappings.find("dynamic_templates"); it != mappings.end() && it->is_array())
      for (const auto& entry : *it) {
        if (!entry.is_object() || entry.size() != 1) continue;
        // (iterate the object itself: a binding to *entry.items().begin() dangles, the proxy
        // value is a temporary)
        const auto first = entry.begin();
        const std::string& tname = first.key();
        const nlohmann::json& spec = first.value();
        if (!spec.is_object()) continue;
        DynamicTemplate d;
        d.name = tname;
        d.match = string_list(spec, "match");
        d.unmatch = string_list(spec, "unmatch");
        d.path_match = string_list(spec, "path_match");
        d.path_unmatch = string_list(spec, "path_unmatch");
        d.match_mapping_type = string_list(spec, "match_mapping_type");
        d.unmatch_mapping_type = string_list(spec, "unmatch_mapping_type");
        if (spec.contains("mapping") && spec["mapping"].is_object()) {
          nlohmann::json ms = spec["mapping"];
          if (!ms.contains("type")) ms["type"] = "keyword";
          d.mapping = parse_mapping(ms);
        }
        templates_.push_back(std::move(d));
        ++n;
      }
    if (mappings.contains("properties")) walk_properties(mappings["properties"], "", n, 0, origin);
  };
  if (j.contains("properties") || j.contains("dynamic_templates")) take(j);
  else if (j.contains("mappings")) {
    if (j.contains("settings")) settings(j["settings"]);
    take(j["mappings"]);
  } else
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.value().is_object() && it.value().contains("mappings")) {
        if (it.value().contains("settings")) settings(it.value()["settings"]);
        take(it.value()["mappings"]);
      }
  if (failed) return *failed;
  if (n == 0) return Error("no field mappings found (expected {\"index\":{\"mappings\":{\"properties\":{...}}}})", file);
  if (origin == MappingOrigin::User) has_user_ = true;
  return n;
}

namespace {
// The compiled-in mappings are stored in pieces (see integration_table.inc).
std::string joined(const char* const* parts) {
  std::string s;
  for (; *parts; ++parts) s += *parts;
  return s;
}
}  // namespace

namespace {
// Kibana's security detection alerts index (the alias and its backing indices).
bool alerts_index(std::string_view index) {
  return index.starts_with(".alerts-security.alerts-") || index.starts_with(".internal.alerts-security.alerts-");
}
// The compiled-in integration data stream an index name belongs to, if any.
const IntegrationMapping* integration_of(std::string_view index) {
  for (const auto& e : kIntegrationMappings)
    if (field_pattern_matches(e.data_stream, index)) return &e;
  return nullptr;
}
constexpr const char* kAlertsSource =
    "Kibana's security alerts index (alerts-as-data mapping: every ECS field and the kibana.* fields, dynamic false)";
}  // namespace

std::shared_ptr<const FieldTypes> FieldTypes::data_stream(std::string_view index, std::string* source) const {
  if (alerts_index(index)) {
    std::lock_guard<std::mutex> lock(stream_cache_->mutex);
    auto it = stream_cache_->by_pattern.find(".alerts-security");
    if (it == stream_cache_->by_pattern.end()) {
      auto t = std::make_shared<FieldTypes>();
      std::string note = kAlertsSource;
      if (auto ok = t->add_mapping_json(joined(kAlertsMapping), "Kibana alerts-as-data", MappingOrigin::Integration); !ok)
        note += " (its compiled-in mapping failed to load: " + ok.error().message + ")";
      it = stream_cache_->by_pattern.emplace(".alerts-security", std::make_pair(std::shared_ptr<const FieldTypes>(std::move(t)), note)).first;
    }
    if (source) *source = it->second.second;
    return it->second.first;
  }
  // Fleet data streams are named <type>-<dataset>-<namespace>; the table's patterns end in "-*".
  const IntegrationMapping* hit = integration_of(index);
  if (!hit) return nullptr;
  std::lock_guard<std::mutex> lock(stream_cache_->mutex);
  auto it = stream_cache_->by_pattern.find(hit->data_stream);
  if (it == stream_cache_->by_pattern.end()) {
    auto t = std::make_shared<FieldTypes>();
    const std::string name = std::string("integration ") + hit->package + " " + hit->data_stream;
    // logs@mappings, the package's mapping (its own dynamic templates first), then ecs@mappings.
    std::string note = "data stream " + std::string(hit->data_stream) + " (Elastic integration package " + hit->package + ")";
    auto ok = t->add_mapping_json(joined(kLogsMappings), name, MappingOrigin::Integration);
    if (ok) ok = t->add_mapping_json(joined(hit->mapping), name, MappingOrigin::Integration);
    if (ok) ok = t->add_mapping_json(joined(kEcsMappings), name, MappingOrigin::Integration);
    if (!ok) note += " (its compiled-in mapping failed to load: " + ok.error().message + ")";
    it = stream_cache_->by_pattern.emplace(hit->data_stream, std::make_pair(std::shared_ptr<const FieldTypes>(std::move(t)), note)).first;
  }
  if (source) *source = it->second.second;
  return it->second.first;
}

bool FieldTypes::add_data_stream(std::string_view index, std::string* source) {
  if (alerts_index(index)) {
    auto ok = add_mapping_json(joined(kAlertsMapping), "Kibana alerts-as-data", MappingOrigin::Integration);
    if (source) *source = std::string(kAlertsSource) + (ok ? "" : " (its compiled-in mapping failed to load: " + ok.error().message + ")");
    return static_cast<bool>(ok);
  }
  const IntegrationMapping* hit = integration_of(index);
  if (!hit) return false;
  auto ok = add_mapping_json(joined(hit->mapping), std::string("integration ") + hit->package + " " + hit->data_stream, MappingOrigin::Integration);
  if (source)
    *source = "data stream " + std::string(hit->data_stream) + " (Elastic integration package " + hit->package + ")" +
              (ok ? "" : " (its compiled-in mapping failed to load: " + ok.error().message + ")");
  return static_cast<bool>(ok);
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
    if ((e.origin != MappingOrigin::User && e.origin != MappingOrigin::Integration) || e.mapping.type == FieldType::Nested || e.mapping.type == FieldType::Object) continue;
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
// The second of Elasticsearch's default dynamic_date_formats.
constexpr std::string_view kSlashDateFormat = "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis";

bool looks_like_dynamic_date(std::string_view s) {
  // strict_date_optional_time: yyyy[-MM[-dd['T'HH[:mm[:ss[.S+]]][zone]]]] with 4-digit year
  auto digits = [&](std::size_t pos, std::size_t n) {
    if (pos + n > s.size()) return false;
    for (std::size_t i = 0; i < n; ++i)
      if (!std::isdigit(static_cast<unsigned char>(s[pos + i]))) return false;
    return true;
  };
  if (s.size() >= 10 && digits(0, 4) && s[4] == '/')
    return DateFormats(kSlashDateFormat).read(s).has_value() && s.find_first_not_of("0123456789") != std::string_view::npos;
  if (!digits(0, 4)) return false;
  if (s.size() == 4) return false;  // a bare year is a number-looking string, not detected
  if (s.size() < 7 || s[4] != '-' || !digits(5, 2)) return false;
  auto d = parse_date(s);  // strict_date_optional_time (elastic/date.hpp), not epoch_millis
  return d && d->precision != DatePrecision::EpochMillis;
}

IndexFields::IndexFields(const FieldTypes& types, std::string_view index) : types_(&types) {
  stream_ = types.data_stream(index, &source_);
  if (stream_) {
    if (types.has_user_mapping()) source_ = "the --mapping, then " + source_;
    return;
  }
  if (types.has_user_mapping()) source_ = "the --mapping";
  else if (types.builtin_ecs()) {
    source_ = "no mapping given and no integration data stream matches the index name: guessed ECS 9.5 field types, "
              "dynamic mapping for other fields";
    guessed_ = true;
  } else {
    source_ = "dynamic mapping";
  }
  if (types.has_user_mapping() && types.builtin_ecs()) source_ += " (ECS 9.5 for fields it does not map)";
}

// User mapping first, then the data stream's, then (no data stream) ECS.
std::optional<ResolvedField> IndexFields::lookup(std::string_view name) const {
  if (!stream_) return types_->lookup(name);
  if (types_->has_user_mapping())
    if (auto r = types_->lookup(name); r && r->origin == MappingOrigin::User) return r;
  return stream_->lookup(name);
}

void IndexFields::add_name(const std::string& n) {
  if (known_.emplace(n, true).second) all_.push_back(n);
}

void IndexFields::observe(DynRef doc) { observe(doc, std::nullopt); }

void IndexFields::observe(DynRef doc, std::optional<std::uint64_t> shape) {
  if (shape) {
    if (!shapes_.insert(*shape).second) return;
  } else if (std::uint64_t h = 0; dyn_shape(doc, h) && !shapes_.insert(h).second) {
    return;
  }
  // constant_keyword without a mapped value takes the first value indexed (keyword.html,
  // constant_keyword), as the mapper reads it: a string, a number or a boolean as text; a null is
  // no value, so a later document's value may be the first.
  const auto take_constant = [&](const std::string& path) {
    for_each_value_at(doc, path, [&](DynRef v) {
      if (constants_.count(path)) return;
      if (auto text = keyword_text(v)) {
        constants_[path] = std::move(*text);
        unset_constants_.erase(path);
      }
    });
  };
  for (const std::string& path : leaf_paths(doc)) {
    if (known_.count(path)) {
      if (unset_constants_.count(path)) take_constant(path);
      continue;
    }
    auto st = lookup(path);
    if (st) {
      if (st->mapping.type == FieldType::ConstantKeyword && st->mapping.constant_value.empty()) {
        unset_constants_.insert(path);
        take_constant(path);
      }
      add_name(path);
      for (const auto& [sub, m] : st->mapping.multi_fields) add_name(path + "." + sub);
      continue;
    }
    DynRef first;  // (values at a path are never JSON null)
    any_value_at(doc, path, [&](DynRef v) {
      first = v;
      return true;
    });
    if (!first.valid()) continue;  // only nulls so far: no mapping yet
    const FieldTypes& rules = stream_ ? *stream_ : *types_;
    // `dynamic: false` (Elastic Defend): fields the mapping does not list are not indexed.
    if (!rules.dynamic()) continue;
    const char* json_type = first.is_string() ? "string" : first.kind() == DynKind::Int ? "long" : first.kind() == DynKind::Real ? "double"
                            : first.is_bool() ? "boolean" : "object";
    FieldMapping m;
    bool templated = false;
    for (const auto& d : rules.dynamic_templates())
      if (d.applies(path, json_type)) {
        m = d.mapping;
        templated = true;
        break;
      }
    if (templated) {
    } else if (first.is_string()) {
      m = rules.date_detection() && looks_like_dynamic_date(first.as_string()) ? simple("date") : dynamic_string();
      // a field detected by the yyyy/MM/dd form is mapped with that format (RootObjectMapper's
      // dynamic_date_formats)
      if (m.type == FieldType::Date && first.as_string().find('/') != std::string_view::npos)
        m.date_format = std::make_shared<const DateFormats>(kSlashDateFormat);
    }
    else if (first.kind() == DynKind::Int) m = simple("long");
    else if (first.kind() == DynKind::Real) m = simple("float");
    else if (first.is_bool()) m = simple("boolean");
    else continue;
    dynamic_[path] = m;
    add_name(path);
    for (const auto& [sub, mm] : m.multi_fields) add_name(path + "." + sub);
  }
}

std::string IndexFields::nested_ancestor(std::string_view name) const {
  std::string n = types_->nested_ancestor(name);
  if (n.empty() && stream_) n = stream_->nested_ancestor(name);
  return n;
}

ResolvedField IndexFields::resolve(std::string_view name) const {
  if (auto st = lookup(name)) {
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
  if (stream_)
    for (const auto& f : stream_->user_fields())
      if (!known_.count(f) && field_pattern_matches(pattern, f) && std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  return out;
}

std::vector<std::string> IndexFields::dynamic_fields() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : dynamic_) out.push_back(k);
  return out;
}

}  // namespace rulelab::elastic
