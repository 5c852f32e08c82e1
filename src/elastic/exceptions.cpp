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
  } else if (e.type == "nested") {
    json filter = json::array();
    for (const auto& sub : e.entries) filter.push_back(entry_query(sub, e.field, why));
    return json{{"nested", {{"path", e.field}, {"query", {{"bool", {{"filter", filter}}}}}, {"score_mode", "none"}}}};
  } else {
    if (why) *why = "entry of type \"" + e.type + "\" on " + field + (e.type == "list" ? " (value list " + e.list_id + ")" : "") + " cannot be evaluated";
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
