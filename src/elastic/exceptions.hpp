// Rule exceptions as Kibana applies them (x-pack lists plugin, build_exception_filter.ts): each
// exception item becomes a bool query whose entries must all match (match -> match_phrase,
// match_any -> should of match_phrase, exists, wildcard -> wildcard query, nested -> nested query,
// operator "excluded" -> must_not); an alert is suppressed when ANY item matches.
// Value-list entries ("list") need the lists index and are not evaluated: the item is reported.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "elastic/elastic_rule.hpp"

namespace rulelab::elastic {

// The query DSL of one exception item; nullopt-like empty object when it cannot be evaluated
// (a value-list entry), with the reason in *why.
nlohmann::json exception_item_query(const ExceptionItem& item, std::string* why);
// Items in effect at `now` (expire_time in the past: not applied, as Kibana 8.7+ does).
bool exception_item_active(const ExceptionItem& item, DateTime now);

}  // namespace rulelab::elastic
