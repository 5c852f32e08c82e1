#include "elastic/exceptions.hpp"

#include "core/datetime.hpp"

namespace rulelab::elastic {

namespace {
using json = nlohmann::json;

json exclusion(json clause) { return json{{"bool", {{"must_not", clause}}}}; }

json phrase_should(const std::string& field, const std::vector<std::string>& values) {
  json should = json::array();
  if (values.size() == 1) {
    should.push_back(json{{"match_phrase", {{field, values[0]}}}});
  } else {
    for (const auto& v : values)
      should.push_back(json{{"bool", {{"minimum_should_match", 1}, {"should", json::array({json{{"match_phrase", {{field, v}}}}})}}}});
  }
  return json{{"bool", {{"minimum_should_match", 1}, {"should", should}}}};
}

json entry_query(const ExceptionEntry& e, const std::string& parent, std::string* why) {
  const std::string field = parent.empty() ? e.field : parent + "." + e.field;
  json clause;
  if (e.type == "match" || e.type == "match_any") {
    clause = phrase_should(field, e.values);
  } else if (e.type == "exists") {
    clause = json{{"bool", {{"minimum_should_match", 1}, {"should", json::array({json{{"exists", {{"field", field}}}}})}}}};
  } else if (e.type == "wildcard") {
    clause = json{{"bool", {{"filter", json{{"wildcard", {{field, e.values.empty() ? "" : e.values[0]}}}}}}}};
  } else if (e.type == "list" && e.list_loaded && (e.list_type == "keyword" || e.list_type == "ip")) {
    // A value list small enough for the query (build_exception_filter.ts buildListClause):
    // a terms query on the field with the list's items.
    clause = json{{"bool", {{"filter", json{{"terms", {{field, e.values}}}}}}}};
  } else if (e.type == "list" && e.list_loaded && e.list_type == "ip_range") {
    // ip_range items: "a-b" an inclusive range, anything else (CIDR, one address) a term.
    json should = json::array(), terms = json::array();
    for (const auto& v : e.values) {
      const auto dash = v.find('-');
      if (dash == std::string::npos) {
        terms.push_back(v);
        continue;
      }
      json bounds = json::object();
      bounds["gte"] = v.substr(0, dash);
      bounds["lte"] = v.substr(dash + 1);
      json range = json::object();
      range[field] = bounds;
      should.push_back(json{{"range", range}});
    }
    if (!terms.empty()) should.push_back(json{{"terms", {{field, terms}}}});
    clause = should.empty() ? json{{"match_none", json::object()}} : json{{"bool", {{"minimum_should_match", 1}, {"should", should}}}};
  } else if (e.type == "nested") {
    json filter = json::array();
    for (const auto& sub : e.entries) filter.push_back(entry_query(sub, e.field, why));
    return json{{"nested", {{"path", e.field}, {"query", {{"bool", {{"filter", filter}}}}}, {"score_mode", "none"}}}};
  } else {
    if (why) {
      if (e.type == "list" && !e.list_loaded)
        *why = "entry on " + field + " names value list " + e.list_id + ", not given (--value-list " + e.list_id + "=FILE)";
      else if (e.type == "list")
        *why = "entry on " + field + ": value list " + e.list_id + " of type " + e.list_type +
               " (rulelab applies keyword, ip and ip_range lists, those Kibana puts into the query)";
      else
        *why = "entry of type \"" + e.type + "\" on " + field + " cannot be evaluated";
    }
    return json{{"match_none", json::object()}};
  }
  return e.op == "excluded" ? exclusion(clause) : clause;
}
}  // namespace

nlohmann::json exception_item_query(const ExceptionItem& item, std::string* why) {
  json filter = json::array();
  for (const auto& e : item.entries) filter.push_back(entry_query(e, "", why));
  return json{{"bool", {{"filter", filter}}}};
}

bool exception_item_active(const ExceptionItem& item, DateTime now) {
  if (item.expire_time.empty()) return true;
  auto t = parse_datetime(item.expire_time);
  return !t || t->ticks > now.ticks;
}

}  // namespace rulelab::elastic
