#include "app/events.hpp"

#include "core/datetime.hpp"
#include "elastic/date.hpp"
#include "core/ingest.hpp"
#include "core/schema.hpp"
#include "core/paths.hpp"
#include "engine/engine.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <filesystem>
#include <set>

namespace rulelab::app {

std::optional<DateTime> dyn_time(DynRef v) {
  // an Elastic document's date (strict_date_optional_time||epoch_millis, elastic/date.hpp)
  const std::optional<elastic::Instant> t = elastic::date_of_value(v, nullptr);
  if (!t) return std::nullopt;
  auto ticks = elastic::to_ticks(*t);
  if (!ticks) return std::nullopt;
  return DateTime{*ticks};
}

std::vector<std::string> rule_fields(const LoadedRule& rule) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  const std::string& q = rule.sentinel ? rule.sentinel->query : rule.elastic->query;
  // Identifier-like words of the query (dotted paths included); values are matched against
  // records below, so words that name no field are dropped there.
  static const std::set<std::string> kWords = {"and", "or", "not", "where", "by", "in", "with", "sequence", "any", "true",
                                               "false", "null", "let", "project", "extend", "summarize", "join", "on", "kind"};
  for (std::size_t i = 0; i < q.size();) {
    const auto word = [&](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '@'; };
    if (!word(q[i]) || (i > 0 && (q[i - 1] == '"' || q[i - 1] == '\''))) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < q.size() && word(q[j])) ++j;
    std::string w = q.substr(i, j - i);
    i = j;
    while (!w.empty() && w.back() == '.') w.pop_back();
    if (w.empty() || std::isdigit(static_cast<unsigned char>(w[0])) || kWords.count(w) || !seen.insert(w).second) continue;
    out.push_back(w);
  }
  return out;
}

namespace {

// Reads every record of the data files with its time by the rule's time field (Elastic: falling
// back as the rule does); records whose time `wanted` accepts reach `take` as an EventTime with the
// values of `fields`. Sentinel tables are read by those columns only.
std::optional<Error> scan_events(const LoadedRule& rule, const std::vector<DataSpec>& data, const std::vector<std::string>& fields,
                                 std::optional<DateOrder> date_order,
                                 const std::function<bool(const std::optional<DateTime>&)>& wanted,
                                 const std::function<void(EventTime&&)>& take) {
  const bool documents = rule.family == Family::Elastic;
  for (const auto& spec : data) {
    IngestOptions opt;
    opt.date_order = date_order;
    opt.table = spec.name;
    opt.documents = documents;
    if (!documents) {
      opt.columns = fields;
      opt.columns.push_back(rule.time_field);
    }
    auto res = ingest_file(spec.file, opt);
    if (!res) return res.error();
    const Table& t = res->table;
    const int col = documents ? 0 : t.schema.index_of(rule.time_field);
    for (const auto& b : t.batches) {
      for (std::size_t i = 0; i < b.rows(); ++i) {
        std::optional<DateTime> time;
        if (col >= 0) {
          const Column& c = b.columns[static_cast<std::size_t>(col)];
          if (documents) {
            DynRef doc = c.get_dynamic(i);
            for (const std::string& f : {rule.time_field, rule.fallback_time_field}) {
              if (f.empty() || time) continue;
              auto vals = values_at(doc, f);
              if (!vals.empty()) time = dyn_time(vals.front());
            }
          } else if (c.type() == Type::DateTime && !c.is_null(i)) {
            time = c.get_datetime(i);
          }
        }
        if (!wanted(time)) continue;
        EventTime e{spec.file, spec.name, b.sources[i].line, time, {}};
        for (const auto& f : fields) {
          if (documents) {
            if (col < 0) break;
            auto vals = values_at(b.columns[static_cast<std::size_t>(col)].get_dynamic(i), f);
            if (vals.empty()) continue;
            std::string v;
            for (const auto& x : vals) v += (v.empty() ? "" : ", ") + (x.is_string() ? std::string(x.as_string()) : to_json(x));
            e.fields.emplace_back(f, std::move(v));
          } else if (const int fc = t.schema.index_of(f); fc >= 0 && f != rule.time_field) {
            const Column& c = b.columns[static_cast<std::size_t>(fc)];
            if (!c.is_null(i)) e.fields.emplace_back(f, engine::format_cell(c, i));
          }
        }
        take(std::move(e));
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<EventTime>> event_times(const LoadedRule& rule, const std::vector<DataSpec>& data,
                                           const std::vector<std::string>& fields, std::optional<DateOrder> date_order) {
  std::vector<EventTime> out;
  if (auto err = scan_events(
          rule, data, fields, date_order, [](const std::optional<DateTime>&) { return true; },
          [&out](EventTime&& e) { out.push_back(std::move(e)); }))
    return *err;
  return out;
}

Result<EventSpan> events_in_span(const LoadedRule& rule, const std::vector<DataSpec>& data, DateTime from, DateTime to,
                                 const std::vector<std::string>& fields, std::optional<DateOrder> date_order) {
  EventSpan out;
  // Events outside [from, to] are all counted; only the first kOutsideKept become EventTimes.
  auto wanted = [&](const std::optional<DateTime>& time) {
    if (!time || (time->ticks >= from.ticks && time->ticks <= to.ticks)) return true;
    ++(time->ticks < from.ticks ? out.before : out.after);
    return out.outside.size() < EventSpan::kOutsideKept;
  };
  auto take = [&](EventTime&& e) {
    const bool outside = e.time && (e.time->ticks < from.ticks || e.time->ticks > to.ticks);
    (outside ? out.outside : out.events).push_back(std::move(e));
  };
  if (auto err = scan_events(rule, data, fields, date_order, wanted, take)) return *err;
  return out;
}

WindowMiss window_miss(const std::vector<EventTime>& events, const Window& w) {
  WindowMiss m;
  for (const auto& e : events) {
    if (!e.time) continue;
    if (!m.earliest || e.time->ticks < m.earliest->ticks) m.earliest = e.time;
    if (!m.latest || e.time->ticks > m.latest->ticks) m.latest = e.time;
    if (w.contains(*e.time)) continue;
    if (e.time->ticks < w.from.ticks || (e.time->ticks == w.from.ticks && !w.from_inclusive)) ++m.before;
    else ++m.after;
  }
  return m;
}

Result<FoundEvent> find_event(const std::string& selector, const std::vector<DataSpec>& data, const std::string& time_field,
                              bool documents, std::optional<DateOrder> date_order) {
  if (data.empty()) return Error{"--event needs --data"};
  // FILE:LINE, NAME:LINE or LINE (the first data file).
  std::string where, line_text = selector;
  if (const auto colon = selector.rfind(':'); colon != std::string::npos) {
    where = selector.substr(0, colon);
    line_text = selector.substr(colon + 1);
  }
  std::size_t line = 0;
  const bool by_line = !line_text.empty() && line_text.find_first_not_of("0123456789") == std::string::npos &&
                       selector.find('=') == std::string::npos;
  if (by_line) line = std::stoul(line_text);
  std::string field, value;
  if (!by_line) {
    const auto eq = selector.find('=');
    if (eq == std::string::npos || eq == 0)
      return Error{"--event " + selector + ": give LINE, FILE:LINE, TABLE:LINE or Field=Value"};
    field = selector.substr(0, eq);
    value = selector.substr(eq + 1);
  }
  for (std::size_t fi = 0; fi < data.size(); ++fi) {
    const std::string& name = data[fi].name;
    const std::string& file = data[fi].file;
    if (by_line && !where.empty() && where != name && where != file &&
        std::filesystem::path(file).filename().string() != where)
      continue;
    if (by_line && where.empty() && fi > 0) break;
    IngestOptions opt;
    opt.date_order = date_order;
    opt.table = name;
    opt.documents = documents;
    auto res = ingest_file(file, opt);
    if (!res) return res.error();
    const Table& t = res->table;
    const int tcol = documents ? 0 : t.schema.index_of(time_field);
    const int fcol = documents ? 0 : t.schema.index_of(field);
    if (!by_line && !documents && fcol < 0) continue;
    for (const auto& b : t.batches) {
      for (std::size_t i = 0; i < b.rows(); ++i) {
        bool hit = false;
        if (by_line) {
          hit = b.sources[i].line == line;
        } else if (documents) {
          for (DynRef v : values_at(b.columns[0].get_dynamic(i), field))
            if ((v.is_string() && v.as_string() == value) || (!v.is_string() && to_json(v) == value)) hit = true;
        } else {
          const Column& c = b.columns[static_cast<std::size_t>(fcol)];
          hit = engine::format_cell(c, i) == value;
        }
        if (!hit) continue;
        FoundEvent ev{file, name, fi, b.sources[i].line, std::nullopt};
        if (documents) {
          auto vals = values_at(b.columns[0].get_dynamic(i), time_field);
          if (vals.empty()) vals = values_at(b.columns[0].get_dynamic(i), "@timestamp");
          if (!vals.empty()) ev.time = dyn_time(vals.front());
        } else if (tcol >= 0 && b.columns[static_cast<std::size_t>(tcol)].type() == Type::DateTime &&
                   !b.columns[static_cast<std::size_t>(tcol)].is_null(i)) {
          ev.time = b.columns[static_cast<std::size_t>(tcol)].get_datetime(i);
        }
        return ev;
      }
    }
    if (by_line) return Error{"--event " + selector + ": " + file + " has no record on line " + std::to_string(line)};
  }
  return Error{"--event " + selector + ": no record matches"};
}

}  // namespace rulelab::app
