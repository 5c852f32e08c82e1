// EQL rules prepared as Kibana runs them (see eql_rule.hpp).
#include "app/eql_rule.hpp"

#include <functional>
#include "elastic/coerce.hpp"
#include "elastic/ip.hpp"

#include <filesystem>

#include "app/eql_read_filter.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "core/datetime.hpp"
#include "core/paths.hpp"
#include "core/selection.hpp"
#include "eql/parser.hpp"
#include "kuery/runner.hpp"
#include "elastic/exceptions.hpp"

namespace rulelab::app {

using eql::EventStore;
using eql::QueryResult;

namespace {
std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}



// --mapping FILE (every index) or INDEX=FILE[,INDEX=FILE...].
bool load_mappings(const std::string& spec, const std::vector<DataSpec>& data, EventStore& store, std::vector<std::string>& messages) {
  if (spec.empty()) return true;
  std::vector<std::pair<std::string, std::string>> items;
  std::stringstream ss(spec);
  std::string part;
  while (std::getline(ss, part, ',')) {
    auto eq = part.find('=');
    if (eq == std::string::npos) items.emplace_back("", part);
    else items.emplace_back(part.substr(0, eq), part.substr(eq + 1));
  }
  for (const auto& [index, file] : items) {
    auto text = read_text(file);
    if (!text) {
      messages.push_back(file + ": cannot read the index mapping");
      return false;
    }
    auto m = eql::Mapping::from_json(*text, file);
    if (!m) {
      { std::ostringstream m_; m_ << m.error().format(); messages.push_back(m_.str()); }
      return false;
    }
    for (const auto& d : data)
      if (index.empty() || index == d.name) store.set_mapping(d.name, m.value());
  }
  return true;
}

}  // namespace

// Types for every index of the store. `--mapping INDEX=FILE,...` gives each index its own mapping
// (nothing else); otherwise kql's field types (ECS + the optional mapping FILE + dynamic mapping)
// apply. Returns the kql per-index fields (for rule filters and exceptions), index by index.
bool setup_eql_types(const std::string& spec, const std::vector<DataSpec>& data, EventStore& store, EqlTyping& t,
                     std::vector<std::string>& messages) {
  bool per_index_files = spec.find('=') != std::string::npos;
  if (!spec.empty() && !per_index_files) {
    auto text = read_text(spec);
    if (!text) {
      messages.push_back(spec + ": cannot read the index mapping");
      return false;
    }
    auto n = t.types.add_mapping_json(*text, spec);
    if (!n) {
      { std::ostringstream m_; m_ << n.error().format(); messages.push_back(m_.str()); }
      return false;
    }
  }
  // With INDEX=FILE (or FILE among them), an index's filters and exception items read its file
  // too, as its documents are typed by it.
  std::map<std::string, std::string> file_of;
  if (per_index_files) {
    std::stringstream ss(spec);
    std::string part;
    while (std::getline(ss, part, ',')) {
      const auto eq = part.find('=');
      file_of[eq == std::string::npos ? std::string() : part.substr(0, eq)] = eq == std::string::npos ? part : part.substr(eq + 1);
    }
  }
  for (std::size_t ix = 0; ix < store.indexes().size(); ++ix) {
    const elastic::FieldTypes* types = &t.types;
    if (per_index_files) {
      auto it = file_of.find(store.indexes()[ix].name);
      if (it == file_of.end()) it = file_of.find("");
      if (it != file_of.end()) {
        auto own = std::make_unique<elastic::FieldTypes>(t.types);
        auto text = read_text(it->second);
        if (!text) {
          messages.push_back(it->second + ": cannot read the index mapping");
          return false;
        }
        auto n = own->add_mapping_json(*text, it->second);
        if (!n) {
          { std::ostringstream m_; m_ << n.error().format(); messages.push_back(m_.str()); }
          return false;
        }
        types = own.get();
        t.own_types.push_back(std::move(own));
      }
    }
    auto f = std::make_unique<elastic::IndexFields>(*types, store.indexes()[ix].name);
    for (const auto& d : store.docs())
      if (d.index == ix) f->observe(d.source, d.shape);
    if (!per_index_files) {
      // the field types kql resolves (user mapping, else ECS and integrations, else dynamic mapping)
      store.set_mapping(store.indexes()[ix].name, eql::Mapping::from_fields(*f));
    }
    t.per_index.push_back(std::move(f));
  }
  return !per_index_files || load_mappings(spec, data, store, messages);
}

// Field references a query reads (not written ?optional), the first of each name, in order.
void collect_fields(const eql::Expr& e, std::vector<const eql::Expr*>& out) {
  if (e.kind == eql::ExprKind::Field && !e.optional &&
      std::none_of(out.begin(), out.end(), [&](const eql::Expr* x) { return x->name == e.name; }))
    out.push_back(&e);
  for (const auto& a : e.args) collect_fields(*a, out);
}
// Each expression tree of a query: the filters' conditions and the join keys.
void for_each_tree(const eql::Query& q, const std::function<void(const eql::Expr&)>& fn) {
  auto filter = [&](const eql::EventFilter& f) {
    if (f.condition) fn(*f.condition);
  };
  filter(q.event);
  for (const auto& k : q.shared_keys) fn(*k);
  for (const auto& s : q.stages) {
    filter(s.filter);
    for (const auto& k : s.keys) fn(*k);
  }
  if (q.until) {
    filter(q.until->filter);
    for (const auto& k : q.until->keys) fn(*k);
  }
}
std::vector<const eql::Expr*> query_fields(const eql::Query& q) {
  std::vector<const eql::Expr*> out;
  for_each_tree(q, [&](const eql::Expr& e) { collect_fields(e, out); });
  return out;
}

// String literals a query compares with a field (==, !=, <, <=, >, >=, in): the field and the
// literal, for checks against the field's type.
void collect_field_terms(const eql::Expr& e, std::vector<std::pair<const eql::Expr*, const eql::Expr*>>& out) {
  const auto literal_string = [](const eql::Expr& x) { return x.kind == eql::ExprKind::Literal && x.value.kind == eql::Value::Kind::String; };
  if (e.kind == eql::ExprKind::Compare && e.args.size() == 2) {
    if (e.args[0]->kind == eql::ExprKind::Field && literal_string(*e.args[1])) out.emplace_back(e.args[0].get(), e.args[1].get());
    if (e.args[1]->kind == eql::ExprKind::Field && literal_string(*e.args[0])) out.emplace_back(e.args[1].get(), e.args[0].get());
  } else if (e.kind == eql::ExprKind::In && !e.args.empty() && e.args[0]->kind == eql::ExprKind::Field) {
    for (std::size_t i = 1; i < e.args.size(); ++i)
      if (literal_string(*e.args[i])) out.emplace_back(e.args[0].get(), e.args[i].get());
  }
  for (const auto& a : e.args) collect_field_terms(*a, out);
}

// Fields an operator or function reads as exact values (comparisons, `:`, like, regex, in, the
// string functions), with the expression and the argument position Elasticsearch's verifier
// names in its message (TypeResolutions.isExact: "first argument" of a comparison or of a
// function with several arguments, no ordinal for a single argument or `in`).
struct ExactUse {
  const eql::Expr* field;
  const eql::Expr* user;
  std::string ordinal;  // "first argument ", "second argument ", or empty
};
void collect_exact_uses(const eql::Expr& e, std::vector<ExactUse>& out) {
  static const char* const ordinals[] = {"first argument ", "second argument ", "third argument ", "fourth argument "};
  const bool positional = e.kind == eql::ExprKind::Compare || e.kind == eql::ExprKind::Match ||
                          (e.kind == eql::ExprKind::Call && e.args.size() > 1);
  if (e.kind == eql::ExprKind::Compare || e.kind == eql::ExprKind::Match || e.kind == eql::ExprKind::In || e.kind == eql::ExprKind::Call)
    for (std::size_t i = 0; i < e.args.size(); ++i)
      if (e.args[i]->kind == eql::ExprKind::Field)
        out.push_back({e.args[i].get(), &e, positional && i < 4 ? ordinals[i] : ""});
  for (const auto& a : e.args) collect_exact_uses(*a, out);
}

// Elasticsearch's EQL verifier rejects a query naming a field that no searched index maps
// ("Unknown column [f]"), unless it is written ?f (EQL syntax reference, "Optional fields").
// The index mappings here: the --mapping, the integration data stream's mapping, ECS (when the
// index is neither) and the documents' dynamic fields (not in `dynamic: false` data streams).
bool check_unknown_fields(const eql::Query& q, std::string_view query_text, const eql::SourceContext& where, const EqlTyping& t,
                          const EventStore& store, std::vector<std::string>& messages) {
  if (t.per_index.empty()) return true;
  bool ok = true;
  for (const eql::Expr* f : query_fields(q)) {
    bool mapped = false;
    for (std::size_t ix = 0; ix < t.per_index.size() && !mapped; ++ix) {
      if (t.per_index[ix]->resolve(f->name).origin != elastic::MappingOrigin::Unmapped) mapped = true;
      const auto& m = store.indexes()[ix].mapping;
      if (m && m->find(f->name)) mapped = true;
    }
    if (mapped) continue;
    ok = false;
    messages.push_back(eql::make_error("Unknown column [" + f->name + "]: no searched index maps it (not in the mapping, the data "
                                       "stream's mapping, ECS or the documents), as Elasticsearch's EQL verifier reports; write ?" +
                                       f->name + " to make the field optional",
                                       query_text, f->range.begin, where)
                           .format());
  }
  // A string compared with an ip field becomes a term or range query on it, which reads the
  // string as an address: a text that is none makes Elasticsearch refuse the search
  // (IpFieldMapper; InetAddresses: "'x' is not an IP string literal.").
  std::vector<std::pair<const eql::Expr*, const eql::Expr*>> terms;
  for_each_tree(q, [&](const eql::Expr& e) { collect_field_terms(e, terms); });
  for (const auto& [field, lit] : terms) {
    bool ip = false;
    for (const auto& ix : store.indexes())
      if (ix.mapping)
        if (const eql::FieldInfo* info = ix.mapping->find(ix.mapping->resolve(field->name)); info && info->type == eql::FieldType::Ip)
          ip = true;
    if (!ip || elastic::parse_ip(lit->value.s) || elastic::parse_cidr(lit->value.s)) continue;
    ok = false;
    messages.push_back(eql::make_error("'" + lit->value.s + "' is not an IP string literal: [" + field->name +
                                           "] is an ip field, and Elasticsearch refuses the search",
                                       query_text, lit->range.begin, where)
                           .format());
  }
  // A text field is compared through its keyword multi-field (TextEsField.getExactField): with
  // none, or with several, Elasticsearch's EQL verifier refuses the query (VerifierTests:
  // "[multi_field.english == 'bar'] cannot operate on first argument field of data type [text]:
  // No keyword/multi-field defined exact matches for [english]; define one or use MATCH/QUERY
  // instead"). match_only_text is text to it.
  std::vector<ExactUse> uses;
  for_each_tree(q, [&](const eql::Expr& e) { collect_exact_uses(e, uses); });
  std::vector<std::string> reported;
  for (const ExactUse& u : uses) {
    if (std::find(reported.begin(), reported.end(), u.field->name) != reported.end()) continue;
    for (const auto& fields : t.per_index) {
      elastic::ResolvedField rf = fields->resolve(u.field->name);
      if (rf.mapping.type == elastic::FieldType::Alias && !rf.mapping.alias_path.empty()) rf = fields->resolve(rf.mapping.alias_path);
      if (rf.origin == elastic::MappingOrigin::Unmapped || !elastic::is_text_like(rf.mapping.type)) continue;
      std::size_t exact = 0;
      for (const auto& [sub, m] : rf.mapping.multi_fields)
        if (elastic::is_keyword_like(m.type)) ++exact;
      if (exact == 1) continue;
      const std::string leaf = u.field->name.substr(u.field->name.rfind('.') == std::string::npos ? 0 : u.field->name.rfind('.') + 1);
      const std::string why = exact == 0 ? "No keyword/multi-field defined exact matches for [" + leaf + "]; define one or use MATCH/QUERY instead"
                                         : "Multiple exact keyword candidates available for [" + leaf + "]; specify which one to use";
      const std::string text(query_text.substr(u.user->range.begin, u.user->range.end - u.user->range.begin));
      ok = false;
      reported.push_back(u.field->name);
      messages.push_back(eql::make_error("[" + text + "] cannot operate on " + u.ordinal + "field of data type [text]: " + why +
                                             " (Elasticsearch's EQL verifier: a text field is matched through its keyword multi-field)",
                                         query_text, u.field->range.begin, where)
                             .format());
      break;
    }
  }
  return ok;
}


std::vector<std::string> eql_malformed_notes(const eql::Query& q, const EventStore& store) {
  std::vector<std::string> notes;
  const auto type_text = [](eql::FieldType t) {
    switch (t) {
      case eql::FieldType::Long: return "long";
      case eql::FieldType::Double: return "double";
      case eql::FieldType::Date: return "date";
      case eql::FieldType::Ip: return "ip";
      case eql::FieldType::Boolean: return "boolean";
      default: return "";
    }
  };
  std::vector<const eql::Expr*> fields = query_fields(q);
  std::vector<DynRef> vals;
  for (std::size_t ix = 0; ix < store.indexes().size(); ++ix) {
    const auto& index = store.indexes()[ix];
    if (!index.mapping) continue;
    for (const eql::Expr* f : fields) {
      const std::string path = index.mapping->resolve(f->name);
      const eql::FieldInfo* info = index.mapping->find(path);
      if (info && info->constant) {
        // A constant_keyword: documents holding another value are refused by Elasticsearch; the
        // run reads them with the index's value.
        elastic::MalformedCount other;
        for (const auto& d : store.docs()) {
          if (d.index != ix) continue;
          vals.clear();
          eql::collect_values(d.source, info->source_path.empty() ? path : info->source_path, vals);
          for (DynRef v : vals)
            if (const auto s = elastic::keyword_text(v); s && *s != *info->constant) {
              other.add(d.line, to_json(v));
              break;
            }
        }
        if (other.values) notes.push_back(elastic::constant_conflict_note(index.name, f->name, *info->constant, other, store.unread()));
        continue;
      }
      if (!info || !*type_text(info->type)) continue;
      const std::string& source = info->source_path.empty() ? path : info->source_path;
      elastic::MalformedCount bad;
      for (const auto& d : store.docs()) {
        if (d.index != ix) continue;
        vals.clear();
        eql::collect_values(d.source, source, vals);
        for (DynRef v : vals)
          if (!v.is_null() && !v.is_object() && !v.is_array() &&
              eql::typed_value(v, info->type, info->date_format.get()).kind == eql::Value::Kind::Null)
            bad.add(d.line, to_json(v));
      }
      if (bad.values)
        notes.push_back(elastic::malformed_note(index.name, f->name, type_text(info->type), bad, info->date_format.get(), store.unread()));
    }
  }
  return notes;
}

std::string iso_nanos(std::int64_t nanos) {
  std::int64_t ticks = nanos >= 0 ? nanos / 100 : -((-nanos + 99) / 100);
  return format_datetime(DateTime{ticks});
}

std::string event_timestamp_text(const eql::Doc& d, const std::string& field) {
  std::string text;
  any_value_at(d.source, field, [&](DynRef v) {
    text = v.is_string() ? std::string(v.as_string()) : to_json(v);
    return true;
  });
  return text;
}

// Rows of the result as JSON values.
std::vector<std::string> eql_json_rows(const QueryResult& r, const EventStore& store, std::size_t first, std::size_t count) {
  std::vector<std::string> rows;
  if (r.kind == eql::QueryKind::Event) {
    for (std::size_t i = first; i < r.events.size() && i - first < count; ++i) rows.push_back(to_json(r.events[i]->source));
    return rows;
  }
  for (std::size_t n = first; n < r.matches.size() && n - first < count; ++n) {
    const auto& m = r.matches[n];
    for (std::size_t i = 0; i < m.events.size(); ++i) {
      std::string row = "{\"sequence\":" + std::to_string(n + 1) + ",\"stage\":" + std::to_string(i);
      if (!m.events[i]) {
        row += ",\"missing\":true}";
      } else {
        row += ",\"_index\":";
        write_json_string(store.indexes()[m.events[i]->index].name, row);
        row += ",\"_source\":" + to_json(m.events[i]->source) + "}";
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}


std::size_t eql_result_count(const QueryResult& r) {
  return r.kind == eql::QueryKind::Event ? r.events.size() : r.matches.size();
}

bool load_eql_data(const std::vector<DataSpec>& data, bool strict, EventStore& store, std::vector<std::string>& messages,
                   const EqlReadFilters& filters) {
  for (const auto& d : data) {
    auto it = filters.find(d.name);
    const EqlIndexReadFilter none;
    const EqlIndexReadFilter& f = it != filters.end() ? it->second : none;
    store.prefilter = f.prefilter;
    if (auto err = store.load_file(d.name, d.file, strict, f.filter, f.lean)) {
      { std::ostringstream m_; m_ << err->format(); messages.push_back(m_.str()); }
      return false;
    }
  }
  for (const auto& w : store.warnings) { std::ostringstream m_; m_ << "warning: " << w; messages.push_back(m_.str()); }
  for (const auto& n : store.notes) messages.push_back("note: " + n);
  return true;
}


std::optional<std::string> hydrate_eql_result(const QueryResult& r, EventStore& store, std::size_t first, std::size_t count) {
  std::vector<const eql::Doc*> docs;
  for (std::size_t i = first; i < r.events.size() && i - first < count; ++i) docs.push_back(r.events[i]);
  for (std::size_t i = first; i < r.matches.size() && i - first < count; ++i)
    docs.insert(docs.end(), r.matches[i].events.begin(), r.matches[i].events.end());
  if (auto err = store.hydrate(docs)) return err->format();
  return std::nullopt;
}

bool eql_doc_kept(const EqlRuleRun& r, const eql::Doc& d, std::string* why) {
  if (d.index >= r.per_index.size()) return true;
  const EqlIndexFilters& f = r.per_index[d.index];
  for (std::size_t i = 0; i < f.filters.size(); ++i)
    if (f.filters[i].first.matches(d.source) == f.filters[i].second) {
      if (why) *why = "the rule's filter " + f.filter_texts[i] + " removes it";
      return false;
    }
  for (std::size_t i = 0; i < f.exceptions.size(); ++i)
    if (f.exceptions[i].matches(d.source)) {
      if (why) *why = "exception item " + f.exception_ids[i] + " removes it";
      return false;
    }
  return true;
}

bool load_eql_rule(const elastic::ElasticRule& rule, const std::string& text, const DataOptions& data, EqlRuleRun& out,
                   std::vector<std::string>& messages, bool filter_while_reading) {
  eql::SourceContext where;
  where.file = rule.file;
  // Kibana exports name a rule "file:line"; positions are reported against the file itself.
  if (const auto colon = where.file.rfind(':'); colon != std::string::npos && colon + 1 < where.file.size() &&
                                                  where.file.find_first_not_of("0123456789", colon + 1) == std::string::npos)
    where.file.resize(colon);
  where.file_text = text;
  where.offset = rule.query_source.offset;
  where.map = eql::escaped_query_map(text, rule.query_source.offset, rule.query);
  auto q = eql::parse_query(rule.query, where);
  if (!q) {
    messages.push_back(q.error().format());
    return false;
  }
  out.query = std::move(q.value());
  // The indexes the rule reads: those named INDEX=FILE that match its index patterns; a bare
  // FILE counts as matching (its name comes from the file).
  std::vector<DataSpec> used;
  for (const auto& d : data.data) {
    const bool match = !d.named || kuery::index_selected(rule.index.empty() ? kuery::default_security_indices() : rule.index, d.name);
    if (match) {
      used.push_back(d);
    } else {
      out.ignored.push_back(d.name);
      messages.push_back("note: index " + d.name + " does not match the rule's index patterns; not searched");
    }
  }
  // Documents that pass none of the query's event filters are dropped while reading (when every
  // field the filters read is typed without the data; with --mapping, everything is read).
  EqlReadFilters filters;
  // --mapping FILE and INDEX=FILE, as setup_eql_types reads them (comma-separated).
  std::string mapping_spec = data.mapping;
  for (const auto& im : data.index_mappings) {
    const std::string& index = im.first;  // (not a structured binding: clang 14 cannot capture one)
    if (std::none_of(data.data.begin(), data.data.end(), [&](const DataSpec& d) { return d.name == index; })) {
      messages.push_back("--mapping " + index + "=FILE names no index of --data");
      return false;
    }
    mapping_spec += (mapping_spec.empty() ? "" : ",") + index + "=" + im.second;
  }
  if (filter_while_reading && !data.no_pushdown && mapping_spec.empty()) {
    auto text_of = [&](const char* key, const char* fallback) {
      return rule.raw.contains(key) && rule.raw[key].is_string() ? rule.raw[key].get<std::string>() : std::string(fallback);
    };
    // One filter per index, with the fields typed as the run types them there.
    for (const auto& d : used) {
      EqlIndexReadFilter& f = filters[d.name];
      f.filter = eql_read_filter(out.query, out.typing.types, text_of("timestamp_field", "@timestamp"),
                                 text_of("event_category_override", "event.category"), d.name);
      // Sequences and samples keep projections when nothing but the EQL search reads the documents
      // (the rule's Kibana filters and exception items read any field).
      if (rule.filters.empty() && rule.exceptions.empty() && out.query.kind != eql::QueryKind::Event) {
        std::vector<std::string> fields{"@timestamp"};
        if (!rule.timestamp_override.empty()) fields.push_back(rule.timestamp_override);
        const std::string tiebreaker = text_of("tiebreaker_field", "");
        if (!tiebreaker.empty()) fields.push_back(tiebreaker);
        f.lean = eql_read_filter(out.query, out.typing.types, text_of("timestamp_field", "@timestamp"),
                                 text_of("event_category_override", "event.category"), d.name, true, fields);
      }
    }
  }
  if (!load_eql_data(used, data.strict, out.store, messages, filters) ||
      !setup_eql_types(mapping_spec, used, out.store, out.typing, messages))
    return false;
  std::vector<std::string> unknown;
  if (check_unknown_fields(out.query, rule.query, where, out.typing, out.store, unknown)) return true;
  if (!out.unknown_fields_are_notes) {
    messages.insert(messages.end(), unknown.begin(), unknown.end());
    return false;
  }
  for (const auto& u : unknown) messages.push_back("note: Elasticsearch would reject the rule: " + u);
  return true;
}

bool set_eql_clock(const elastic::ElasticRule& rule, std::int64_t now, const Limits& limits, EqlRuleRun& out,
                   std::vector<std::string>& messages) {
  eql::RunOptions& opts = out.opts;
  opts = eql::RunOptions{};
  opts.deadline = Deadline::after(limits.timeout_seconds);
  const DateTime now_dt{now >= 0 ? now / 100 : -((-now + 99) / 100)};
  // The rule's Kibana filters and exception items filter every event the EQL search sees.
  out.per_index.clear();
  bool any_filter = false;
  for (std::size_t ix = 0; ix < out.store.indexes().size(); ++ix) {
    EqlIndexFilters f;
    f.fields = out.typing.per_index[ix].get();
    for (const auto& flt : rule.filters) {
      if (!flt.is_object()) continue;
      const auto meta = flt.value("meta", nlohmann::json::object());
      if (meta.value("disabled", false)) continue;
      nlohmann::json fq;
      if (flt.contains("query")) {
        fq = flt["query"];
      } else {
        fq = flt;
        fq.erase("meta");
        fq.erase("$state");
      }
      f.filters.emplace_back(kuery::CompiledQuery::compile_dsl(fq, *f.fields, now_dt), meta.value("negate", false));
      f.filter_texts.push_back((meta.value("negate", false) ? "NOT " : "") + fq.dump());
      any_filter = true;
    }
    for (const auto& item : rule.exceptions) {
      if (!elastic::exception_item_active(item, now_dt)) {
        if (ix == 0) messages.push_back("note: exception item " + item.item_id + " expired: not applied");
        continue;
      }
      std::string why;
      auto dsl = elastic::exception_item_query(item, &why);
      if (!why.empty() && ix == 0) messages.push_back("note: exception item " + item.item_id + ": " + why);
      f.exceptions.push_back(kuery::CompiledQuery::compile_dsl(dsl, *f.fields, now_dt));
      f.exception_ids.push_back(item.item_id);
      any_filter = true;
    }
    out.per_index.push_back(std::move(f));
  }
  out.kept.clear();
  if (any_filter) {
    // Each index's documents a batch at a time: the filters (a negated one removes what it
    // matches), then the exception items (any that matches removes the document), clause by
    // clause (CompiledQuery::select); the run looks the answer up (eql_doc_kept's, per document).
    out.kept.assign(out.store.docs().size(), 1);
    std::vector<std::size_t> at;
    std::vector<DynRef> refs;
    SelectionVector sel;
    auto judge = [&](const EqlIndexFilters& f) {
      sel = selection_all(refs.size());
      kuery::select_filters(f.filters, refs, sel);
      for (const auto& q : f.exceptions) selection_not(sel, [&](SelectionVector& part) { q.select(refs, part); });
      for (const std::size_t o : at) out.kept[o] = 0;
      for (const std::uint32_t r : sel) out.kept[at[r]] = 1;
      at.clear();
      refs.clear();
    };
    for (std::size_t ix = 0; ix < out.per_index.size(); ++ix) {
      for (const auto& d : out.store.docs()) {
        if (d.index != ix) continue;
        at.push_back(d.order);
        refs.push_back(d.source);
        if (refs.size() == kBatchRows) judge(out.per_index[ix]);
      }
      if (!refs.empty()) judge(out.per_index[ix]);
    }
    opts.keep = [&out](const eql::Doc& d) { return d.order >= out.kept.size() || out.kept[d.order] != 0; };
  }
  auto from = elastic::eval_date_math(rule.from, now_dt);
  auto to = elastic::eval_date_math(rule.to, now_dt, true);
  if (!from || !to) {
    messages.push_back(rule.file + ": cannot evaluate the rule's time range from=" + rule.from + " to=" + rule.to);
    return false;
  }
  opts.from_nanos = from->ticks * 100;
  opts.to_nanos = to->ticks * 100 + 99;
  // Kibana's EQL request: the range filter is on timestamp_override (falling back to
  // @timestamp unless disabled); events are ordered by the rule's timestamp_field (default
  // @timestamp), which is a different parameter.
  if (!rule.timestamp_override.empty()) {
    opts.window_field = rule.timestamp_override;
    if (!rule.timestamp_override_fallback_disabled) opts.window_fallback_field = "@timestamp";
  }
  if (rule.raw.contains("timestamp_field") && rule.raw["timestamp_field"].is_string())
    opts.timestamp_field = rule.raw["timestamp_field"].get<std::string>();
  if (rule.raw.contains("event_category_override") && rule.raw["event_category_override"].is_string())
    opts.category_field = rule.raw["event_category_override"].get<std::string>();
  if (rule.raw.contains("tiebreaker_field") && rule.raw["tiebreaker_field"].is_string())
    opts.tiebreaker_field = rule.raw["tiebreaker_field"].get<std::string>();
  opts.size = rule.max_signals > 0 ? static_cast<std::size_t>(rule.max_signals) : 100;
  return true;
}

bool prepare_eql_rule(const elastic::ElasticRule& rule, const std::string& text, const DataOptions& data, std::int64_t now,
                      EqlRuleRun& out, std::vector<std::string>& messages) {
  return load_eql_rule(rule, text, data, out, messages, false) && set_eql_clock(rule, now, data.limits, out, messages);
}

}  // namespace rulelab::app
