// Elastic date math ("now-9m", "now-1h/d", "2024-01-01||+1M/d") and rule durations ("5m").
// Elasticsearch reference, "Date math": https://www.elastic.co/guide/en/elasticsearch/reference/current/common-options.html#date-math
#include <cctype>

#include "core/datetime.hpp"
#include "elastic/date.hpp"
#include "elastic/elastic_rule.hpp"

namespace rulelab::elastic {

namespace {
constexpr std::int64_t kMs = kTicksPerSecond / 1000;

std::optional<std::int64_t> unit_ticks(char u) {
  switch (u) {
    case 'w': return 7 * kTicksPerDay;
    case 'd': return kTicksPerDay;
    case 'h':
    case 'H': return 3600 * kTicksPerSecond;
    case 'm': return 60 * kTicksPerSecond;
    case 's': return kTicksPerSecond;
    default: return std::nullopt;
  }
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

DateTime add_months(DateTime t, std::int64_t months) {
  const std::int64_t day = floor_div(t.ticks, kTicksPerDay);
  const std::int64_t rem = t.ticks - day * kTicksPerDay;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  std::int64_t total = y * 12 + (m - 1) + months;
  std::int64_t ny = floor_div(total, 12);
  unsigned nm = static_cast<unsigned>(total - ny * 12) + 1;
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  unsigned maxd = kDays[nm - 1];
  if (nm == 2 && ((ny % 4 == 0 && ny % 100 != 0) || ny % 400 == 0)) maxd = 29;
  if (d > maxd) d = maxd;  // Jan 31 + 1M = Feb 28/29, as java.time does
  return DateTime{days_from_civil(ny, nm, d) * kTicksPerDay + rem};
}

DateTime round_down(DateTime t, char u) {
  const std::int64_t day = floor_div(t.ticks, kTicksPerDay);
  std::int64_t y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  switch (u) {
    case 'y': return DateTime{days_from_civil(y, 1, 1) * kTicksPerDay};
    case 'M': return DateTime{days_from_civil(y, m, 1) * kTicksPerDay};
    case 'w': {  // ISO weeks start on Monday; 1970-01-01 was a Thursday
      const std::int64_t dow = ((day % 7) + 7 + 3) % 7;  // 0 = Monday
      return DateTime{(day - dow) * kTicksPerDay};
    }
    default: {
      const std::int64_t unit = *unit_ticks(u);
      return DateTime{floor_div(t.ticks, unit) * unit};
    }
  }
}

DateTime round_up(DateTime t, char u) {
  DateTime start = round_down(t, u);
  DateTime next = u == 'y' ? add_months(start, 12) : u == 'M' ? add_months(start, 1) : DateTime{start.ticks + *unit_ticks(u)};
  return DateTime{next.ticks - kMs};  // the last millisecond of the unit
}

bool is_unit(char c) { return c == 'y' || c == 'M' || c == 'w' || c == 'd' || c == 'h' || c == 'H' || c == 'm' || c == 's'; }
}  // namespace

std::optional<TimeSpan> parse_elastic_duration(std::string_view s) {
  std::size_t i = 0;
  std::int64_t n = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  const std::size_t digits = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    if (n > 1'000'000'000'000) return std::nullopt;
    n = n * 10 + (s[i++] - '0');
  }
  if (i == digits) return std::nullopt;
  const std::string_view unit = s.substr(i);
  std::int64_t per;
  if (unit == "ms") per = kMs;
  else if (unit.size() == 1 && unit_ticks(unit[0])) per = *unit_ticks(unit[0]);
  else return std::nullopt;
  return TimeSpan{(neg ? -n : n) * per};
}

std::optional<DateTime> eval_date_math(std::string_view e, DateTime now, bool up) {
  std::size_t i = 0;
  DateTime t;
  if (e.substr(0, 3) == "now") {
    t = now;
    i = 3;
  } else {
    const auto bars = e.find("||");
    std::string_view anchor = bars == std::string_view::npos ? e : e.substr(0, bars);
    // the anchor as the date field's format reads it (strict_date_optional_time||epoch_millis)
    auto pd = parse_date(anchor);
    if (!pd) return std::nullopt;
    auto ticks = to_ticks(pd->at);
    if (!ticks) return std::nullopt;
    t = DateTime{*ticks};
    if (bars == std::string_view::npos) return t;
    i = bars + 2;
  }
  while (i < e.size()) {
    const char op = e[i++];
    if (op == '/') {
      if (i >= e.size() || !is_unit(e[i])) return std::nullopt;
      t = up ? round_up(t, e[i]) : round_down(t, e[i]);
      ++i;
      continue;
    }
    if (op != '+' && op != '-') return std::nullopt;
    std::int64_t n = 0;
    const std::size_t start = i;
    while (i < e.size() && std::isdigit(static_cast<unsigned char>(e[i]))) {
      if (n > 1'000'000'000) return std::nullopt;
      n = n * 10 + (e[i++] - '0');
    }
    if (i == start) return std::nullopt;  // a number is required: "now+d" is invalid
    if (i >= e.size() || !is_unit(e[i])) return std::nullopt;
    const char u = e[i++];
    if (op == '-') n = -n;
    if (u == 'y') t = add_months(t, 12 * n);
    else if (u == 'M') t = add_months(t, n);
    else t = DateTime{t.ticks + n * *unit_ticks(u)};
  }
  return t;
}

}  // namespace rulelab::elastic
