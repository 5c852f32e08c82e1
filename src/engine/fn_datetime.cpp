// Datetime and timespan functions (learn.microsoft.com/kusto/query/<name>-function): now, ago, bin,
// datetime_add, datetime_diff, datetime_part, startof*/endof*, dayof*, format_datetime,
// format_timespan, unixtime_*_todatetime, make_datetime, make_timespan.
#include <cmath>

#include "core/datetime.hpp"
#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

constexpr std::int64_t kTicksPerMs = 10'000;
constexpr std::int64_t kTicksPerMinute = 60 * kTicksPerSecond;
constexpr std::int64_t kTicksPerHour = 60 * kTicksPerMinute;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { std::int64_t q = a / b; if ((a % b != 0) && ((a < 0) != (b < 0))) --q; return q; }

struct Civil { std::int64_t y; unsigned m, d; std::int64_t tod; };
Civil civil(std::int64_t ticks) {
  Civil c;
  std::int64_t days = floor_div(ticks, kTicksPerDay);
  c.tod = ticks - days * kTicksPerDay;
  civil_from_days(days, c.y, c.m, c.d);
  return c;
}
std::int64_t ticks_of(std::int64_t y, unsigned m, unsigned d) { return days_from_civil(y, m, d) * kTicksPerDay; }

Value f_now(const CallArgs& a) {
  std::int64_t off = (a.size() > 0 && !a[0].is_null()) ? a[0].i : 0;
  return Value::of_datetime(a.ctx->now_ticks + off);
}
Value f_ago(const CallArgs& a) {
  if (a[0].is_null()) return Value::null_of(Type::DateTime);
  return Value::of_datetime(a.ctx->now_ticks - a[0].i);
}

// bin(value, roundTo) (learn.microsoft.com/kusto/query/bin-function): floor to a multiple.
Value f_bin(const CallArgs& a) {
  const Value& v = a[0];
  const Value& r = a[1];
  if (v.is_null() || r.is_null()) return Value::null_of(v.type);
  if (v.type == Type::DateTime || v.type == Type::TimeSpan) {
    std::int64_t step = r.type == Type::TimeSpan ? r.i : static_cast<std::int64_t>(r.type == Type::Real ? r.r : static_cast<double>(r.i));
    if (step <= 0) return Value::null_of(v.type);
    std::int64_t t = floor_div(v.i, step) * step;
    return v.type == Type::DateTime ? Value::of_datetime(t) : Value::of_timespan(t);
  }
  bool ok1, ok2;
  double x = number_of(v, ok1), s = number_of(r, ok2);
  if (!ok1 || !ok2 || s <= 0) return Value::null_of(v.type);
  if ((v.type == Type::Long || v.type == Type::Int) && r.type != Type::Real) {
    std::int64_t t = floor_div(v.i, r.i) * r.i;
    return v.type == Type::Int ? Value::of_int(static_cast<std::int32_t>(t)) : Value::of_long(t);
  }
  return Value::of_real(std::floor(x / s) * s);
}
Type bin_rule(const std::vector<Type>& t, std::string& err) {
  if (t[0] == Type::DateTime || t[0] == Type::TimeSpan) return t[0];
  if (is_numeric(t[0])) return (t[1] == Type::Real || t[0] == Type::Real) ? Type::Real : t[0];
  if (t[0] == Type::Dynamic) return Type::Real;
  err = "bin() expects a number, datetime or timespan";
  return t[0];
}

// bin_at(value, bin_size, fixed_point) (bin-at-function): value rounded down to a multiple of
// bin_size counted from fixed_point; datetime and timespan values need a timespan bin_size.
Value f_bin_at(const CallArgs& a) {
  const Value& v = a[0];
  const Value& r = a[1];
  const Value& f = a[2];
  if (v.is_null() || r.is_null() || f.is_null()) return Value::null_of(v.type);
  if (v.type == Type::DateTime || v.type == Type::TimeSpan) {
    if (r.type != Type::TimeSpan || r.i <= 0) return Value::null_of(v.type);
    if (f.type != Type::DateTime && f.type != Type::TimeSpan) return Value::null_of(v.type);
    const std::int64_t t = f.i + floor_div(v.i - f.i, r.i) * r.i;
    return v.type == Type::DateTime ? Value::of_datetime(t) : Value::of_timespan(t);
  }
  bool ok1, ok2, ok3;
  double x = number_of(v, ok1), s = number_of(r, ok2), p = number_of(f, ok3);
  if (!ok1 || !ok2 || !ok3 || s <= 0) return Value::null_of(v.type);
  if ((v.type == Type::Long || v.type == Type::Int) && (r.type == Type::Long || r.type == Type::Int) &&
      (f.type == Type::Long || f.type == Type::Int)) {
    std::int64_t t = f.i + floor_div(v.i - f.i, r.i) * r.i;
    return v.type == Type::Int ? Value::of_int(static_cast<std::int32_t>(t)) : Value::of_long(t);
  }
  return Value::of_real(p + std::floor((x - p) / s) * s);
}
Type bin_at_rule(const std::vector<Type>& t, std::string& err) {
  if (t[0] == Type::DateTime || t[0] == Type::TimeSpan) {
    if (t[1] != Type::TimeSpan) err = "bin_at() over a datetime or timespan needs a timespan bin size";
    return t[0];
  }
  if (is_numeric(t[0]))
    return (t[0] == Type::Real || t[1] == Type::Real || t[2] == Type::Real) ? Type::Real : t[0];
  if (t[0] == Type::Dynamic) return Type::Real;
  err = "bin_at() expects a number, datetime or timespan";
  return t[0];
}

std::int64_t add_months(std::int64_t ticks, std::int64_t months) {
  Civil c = civil(ticks);
  std::int64_t total = c.y * 12 + (c.m - 1) + months;
  std::int64_t y = floor_div(total, 12);
  unsigned m = static_cast<unsigned>(total - y * 12 + 1);
  static const unsigned dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  unsigned maxd = dim[m - 1] + ((m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) ? 1 : 0);
  return ticks_of(y, m, std::min(c.d, maxd)) + c.tod;
}

std::string part_name(const Value& v) { return to_lower(to_kusto_string(v)); }

std::int64_t unit_ticks(const std::string& p) {
  if (p == "week" || p == "weeks") return 7 * kTicksPerDay;
  if (p == "day" || p == "days") return kTicksPerDay;
  if (p == "hour" || p == "hours") return kTicksPerHour;
  if (p == "minute" || p == "minutes") return kTicksPerMinute;
  if (p == "second" || p == "seconds") return kTicksPerSecond;
  if (p == "millisecond" || p == "milliseconds") return kTicksPerMs;
  if (p == "microsecond" || p == "microseconds") return 10;
  if (p == "nanosecond" || p == "nanoseconds") return 1;
  return 0;
}

// datetime_add(period, amount, datetime)
Value f_datetime_add(const CallArgs& a) {
  if (a[1].is_null() || a[2].is_null()) return Value::null_of(Type::DateTime);
  const std::string p = part_name(a[0]);
  bool ok;
  auto n = static_cast<std::int64_t>(number_of(a[1], ok));
  if (p == "year" || p == "years") return Value::of_datetime(add_months(a[2].i, 12 * n));
  if (p == "quarter" || p == "quarters") return Value::of_datetime(add_months(a[2].i, 3 * n));
  if (p == "month" || p == "months") return Value::of_datetime(add_months(a[2].i, n));
  std::int64_t u = unit_ticks(p);
  if (!u) return Value::null_of(Type::DateTime);
  return Value::of_datetime(a[2].i + n * u);
}

// datetime_diff(period, datetime1, datetime2): the number of period boundaries from datetime2 to datetime1.
Value f_datetime_diff(const CallArgs& a) {
  if (a[1].is_null() || a[2].is_null()) return Value::null_of(Type::Long);
  const std::string p = part_name(a[0]);
  const std::int64_t t1 = a[1].i, t2 = a[2].i;
  Civil c1 = civil(t1), c2 = civil(t2);
  if (p == "year") return Value::of_long(c1.y - c2.y);
  if (p == "quarter") return Value::of_long((c1.y * 4 + (c1.m - 1) / 3) - (c2.y * 4 + (c2.m - 1) / 3));
  if (p == "month") return Value::of_long((c1.y * 12 + c1.m) - (c2.y * 12 + c2.m));
  if (p == "week") {
    // weeks start on Sunday; 1970-01-01 was a Thursday (4 days after Sunday)
    auto wk = [](std::int64_t t) { return floor_div(floor_div(t, kTicksPerDay) + 4, 7); };
    return Value::of_long(wk(t1) - wk(t2));
  }
  if (p == "nanosecond") return Value::of_long((t1 - t2) * 100);
  std::int64_t u = unit_ticks(p);
  if (!u) return Value::null_of(Type::Long);
  return Value::of_long(floor_div(t1, u) - floor_div(t2, u));
}

std::int64_t day_of_year(const Civil& c) { return days_from_civil(c.y, c.m, c.d) - days_from_civil(c.y, 1, 1) + 1; }
// ISO 8601 week number.
std::int64_t iso_week(std::int64_t ticks) {
  std::int64_t days = floor_div(ticks, kTicksPerDay);
  std::int64_t wd = ((days + 3) % 7 + 7) % 7;  // Monday = 0
  std::int64_t thursday = days - wd + 3;
  std::int64_t y; unsigned m, d;
  civil_from_days(thursday, y, m, d);
  return (thursday - days_from_civil(y, 1, 1)) / 7 + 1;
}

Value f_datetime_part(const CallArgs& a) {
  if (a[1].is_null()) return Value::null_of(Type::Int);
  const std::string p = part_name(a[0]);
  Civil c = civil(a[1].i);
  std::int64_t r;
  if (p == "year") r = c.y;
  else if (p == "quarter") r = (c.m - 1) / 3 + 1;
  else if (p == "month") r = c.m;
  else if (p == "week_of_year" || p == "weekofyear" || p == "week") r = iso_week(a[1].i);
  else if (p == "day") r = c.d;
  else if (p == "dayofyear") r = day_of_year(c);
  else if (p == "hour") r = c.tod / kTicksPerHour;
  else if (p == "minute") r = c.tod / kTicksPerMinute % 60;
  else if (p == "second") r = c.tod / kTicksPerSecond % 60;
  else if (p == "millisecond") r = c.tod % kTicksPerSecond / kTicksPerMs;
  else if (p == "microsecond") r = c.tod % kTicksPerSecond / 10;
  else if (p == "nanosecond") r = c.tod % kTicksPerSecond * 100;
  else return Value::null_of(Type::Int);
  return Value::of_int(static_cast<std::int32_t>(r));
}

std::int64_t offset_arg(const CallArgs& a) {
  if (a.size() < 2 || a[1].is_null()) return 0;
  bool ok;
  return static_cast<std::int64_t>(number_of(a[1], ok));
}
Value f_startofday(const CallArgs& a) { if (a[0].is_null()) return a[0]; return Value::of_datetime((floor_div(a[0].i, kTicksPerDay) + offset_arg(a)) * kTicksPerDay); }
Value f_endofday(const CallArgs& a) { if (a[0].is_null()) return a[0]; return Value::of_datetime((floor_div(a[0].i, kTicksPerDay) + offset_arg(a) + 1) * kTicksPerDay - 1); }
Value f_startofweek(const CallArgs& a) {
  if (a[0].is_null()) return a[0];
  std::int64_t days = floor_div(a[0].i, kTicksPerDay);
  std::int64_t sunday = days - ((days + 4) % 7 + 7) % 7;
  return Value::of_datetime((sunday + 7 * offset_arg(a)) * kTicksPerDay);
}
Value f_endofweek(const CallArgs& a) { Value s = f_startofweek(a); if (s.is_null()) return s; s.i += 7 * kTicksPerDay - 1; return s; }
Value f_startofmonth(const CallArgs& a) { if (a[0].is_null()) return a[0]; Civil c = civil(a[0].i); return Value::of_datetime(add_months(ticks_of(c.y, c.m, 1), offset_arg(a))); }
Value f_endofmonth(const CallArgs& a) { Value s = f_startofmonth(a); if (s.is_null()) return s; return Value::of_datetime(add_months(s.i, 1) - 1); }
Value f_startofyear(const CallArgs& a) { if (a[0].is_null()) return a[0]; Civil c = civil(a[0].i); return Value::of_datetime(ticks_of(c.y + offset_arg(a), 1, 1)); }
Value f_endofyear(const CallArgs& a) { if (a[0].is_null()) return a[0]; Civil c = civil(a[0].i); return Value::of_datetime(ticks_of(c.y + offset_arg(a) + 1, 1, 1) - 1); }

// dayofweek(): timespan of days since the preceding Sunday.
Value f_dayofweek(const CallArgs& a) {
  if (a[0].is_null()) return Value::null_of(Type::TimeSpan);
  std::int64_t days = floor_div(a[0].i, kTicksPerDay);
  return Value::of_timespan(((days + 4) % 7 + 7) % 7 * kTicksPerDay);
}
Value f_dayofmonth(const CallArgs& a) { if (a[0].is_null()) return Value::null_of(Type::Int); return Value::of_int(static_cast<std::int32_t>(civil(a[0].i).d)); }
Value f_dayofyear(const CallArgs& a) { if (a[0].is_null()) return Value::null_of(Type::Int); return Value::of_int(static_cast<std::int32_t>(day_of_year(civil(a[0].i)))); }
Value f_hourofday(const CallArgs& a) { if (a[0].is_null()) return Value::null_of(Type::Int); return Value::of_int(static_cast<std::int32_t>(civil(a[0].i).tod / kTicksPerHour)); }
Value f_monthofyear(const CallArgs& a) { if (a[0].is_null()) return Value::null_of(Type::Int); return Value::of_int(static_cast<std::int32_t>(civil(a[0].i).m)); }
Value f_getyear(const CallArgs& a) { if (a[0].is_null()) return Value::null_of(Type::Int); return Value::of_int(static_cast<std::int32_t>(civil(a[0].i).y)); }
Value f_week_of_year(const CallArgs& a) { if (a[0].is_null()) return Value::null_of(Type::Int); return Value::of_int(static_cast<std::int32_t>(iso_week(a[0].i))); }

// format_datetime(datetime, format) (learn.microsoft.com/kusto/query/format-datetime-function)
Value f_format_datetime(const CallArgs& a) {
  if (a[0].is_null()) return Value::of_string("");
  const std::string f = to_kusto_string(a[1]);
  Civil c = civil(a[0].i);
  const std::int64_t h = c.tod / kTicksPerHour, mi = c.tod / kTicksPerMinute % 60, s = c.tod / kTicksPerSecond % 60, frac = c.tod % kTicksPerSecond;
  std::string o;
  auto pad = [&](std::int64_t v, std::size_t w) { std::string x = std::to_string(v); while (x.size() < w) x = "0" + x; o += x; };
  for (std::size_t i = 0; i < f.size();) {
    char ch = f[i];
    std::size_t n = 1;
    while (i + n < f.size() && f[i + n] == ch) ++n;
    switch (ch) {
      case 'y': if (n >= 4) pad(c.y, n); else if (n == 2) pad(c.y % 100, 2); else pad(c.y % 100, 1); break;
      case 'M': pad(c.m, n >= 2 ? 2 : 1); break;
      case 'd': pad(c.d, n >= 2 ? 2 : 1); break;
      case 'H': pad(h, n >= 2 ? 2 : 1); break;
      case 'h': pad(h % 12 == 0 ? 12 : h % 12, n >= 2 ? 2 : 1); break;
      case 'm': pad(mi, n >= 2 ? 2 : 1); break;
      case 's': pad(s, n >= 2 ? 2 : 1); break;
      case 'f': case 'F': {
        std::string x = std::to_string(frac);
        while (x.size() < 7) x = "0" + x;
        x = x.substr(0, std::min<std::size_t>(n, 7));
        if (ch == 'F') while (!x.empty() && x.back() == '0') x.pop_back();
        o += x;
        break;
      }
      case 't': o += (h < 12 ? (n >= 2 ? "AM" : "A") : (n >= 2 ? "PM" : "P")); break;
      default: o.append(n, ch); break;
    }
    i += n;
  }
  return Value::of_string(o);
}

// format_timespan(timespan, format): d, h/hh, m/mm, s/ss, f..
Value f_format_timespan(const CallArgs& a) {
  if (a[0].is_null()) return Value::of_string("");
  const std::string f = to_kusto_string(a[1]);
  std::int64_t t = a[0].i;
  std::string o;
  if (t < 0) { o += '-'; t = -t; }
  const std::int64_t d = t / kTicksPerDay, h = t / kTicksPerHour % 24, mi = t / kTicksPerMinute % 60, s = t / kTicksPerSecond % 60, frac = t % kTicksPerSecond;
  auto pad = [&](std::int64_t v, std::size_t w) { std::string x = std::to_string(v); while (x.size() < w) x = "0" + x; o += x; };
  for (std::size_t i = 0; i < f.size();) {
    char ch = f[i];
    std::size_t n = 1;
    while (i + n < f.size() && f[i + n] == ch) ++n;
    switch (ch) {
      case 'd': pad(d, n); break;
      case 'h': case 'H': pad(h, n >= 2 ? 2 : 1); break;
      case 'm': pad(mi, n >= 2 ? 2 : 1); break;
      case 's': pad(s, n >= 2 ? 2 : 1); break;
      case 'f': case 'F': {
        std::string x = std::to_string(frac);
        while (x.size() < 7) x = "0" + x;
        x = x.substr(0, std::min<std::size_t>(n, 7));
        if (ch == 'F') while (!x.empty() && x.back() == '0') x.pop_back();
        o += x;
        break;
      }
      default: o.append(n, ch); break;
    }
    i += n;
  }
  return Value::of_string(o);
}

Value unix_to(const CallArgs& a, double ticks_per_unit) {
  bool ok;
  double v = number_of(a[0].type == Type::String ? convert_to(a[0], Type::Real) : a[0], ok);
  if (!ok) return Value::null_of(Type::DateTime);
  return Value::of_datetime(static_cast<std::int64_t>(std::llround(v * ticks_per_unit)));
}
Value f_unix_s(const CallArgs& a) { return unix_to(a, 1e7); }
Value f_unix_ms(const CallArgs& a) { return unix_to(a, 1e4); }
Value f_unix_us(const CallArgs& a) { return unix_to(a, 10); }
Value f_unix_ns(const CallArgs& a) { return unix_to(a, 0.01); }

Value f_make_datetime(const CallArgs& a) {
  bool ok = true;
  auto arg = [&](std::size_t k, double def) { if (k >= a.size()) return def; bool o; double v = number_of(a[k], o); ok = ok && o; return v; };
  double y = arg(0, 1), m = arg(1, 1), d = arg(2, 1), h = arg(3, 0), mi = arg(4, 0), s = arg(5, 0);
  if (!ok || m < 1 || m > 12 || d < 1 || d > 31) return Value::null_of(Type::DateTime);
  return Value::of_datetime(ticks_of(static_cast<std::int64_t>(y), static_cast<unsigned>(m), static_cast<unsigned>(d)) +
                            static_cast<std::int64_t>(h) * kTicksPerHour + static_cast<std::int64_t>(mi) * kTicksPerMinute +
                            static_cast<std::int64_t>(std::llround(s * 1e7)));
}
Value f_make_timespan(const CallArgs& a) {
  bool ok = true;
  std::vector<double> v;
  for (std::size_t k = 0; k < a.size(); ++k) { bool o; v.push_back(number_of(a[k], o)); ok = ok && o; }
  if (!ok) return Value::null_of(Type::TimeSpan);
  double t = 0;
  if (v.size() == 2) t = v[0] * 3600e7 + v[1] * 60e7;
  else if (v.size() == 3) t = v[0] * 3600e7 + v[1] * 60e7 + v[2] * 1e7;
  else if (v.size() == 4) t = v[0] * 864e9 + v[1] * 3600e7 + v[2] * 60e7 + v[3] * 1e7;
  return Value::of_timespan(static_cast<std::int64_t>(std::llround(t)));
}

}  // namespace

void add_datetime_functions(std::vector<ScalarFunction>& out) {
  std::string_view cat;  // the reference category of the entries below (empty: the family's)
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f, bool det = true) {
    out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, det}); out.back().category = cat;
  };
  // now() and ago() read the run's one clock; they are constant within a run.
  add("now", 0, 1, ret_datetime, f_now);
  add("ago", 1, 1, ret_datetime, f_ago);
  cat = "Rounding functions";
  add("bin", 2, 2, bin_rule, f_bin);
  cat = "rulelab";
  add("floor", 2, 2, bin_rule, f_bin);
  cat = "Rounding functions";
  add("bin_at", 3, 3, bin_at_rule, f_bin_at);
  cat = {};
  add("datetime_add", 3, 3, ret_datetime, f_datetime_add);
  add("datetime_diff", 3, 3, ret_long, f_datetime_diff);
  add("datetime_part", 2, 2, ret_int, f_datetime_part);
  add("startofday", 1, 2, ret_datetime, f_startofday);
  add("endofday", 1, 2, ret_datetime, f_endofday);
  add("startofweek", 1, 2, ret_datetime, f_startofweek);
  add("endofweek", 1, 2, ret_datetime, f_endofweek);
  add("startofmonth", 1, 2, ret_datetime, f_startofmonth);
  add("endofmonth", 1, 2, ret_datetime, f_endofmonth);
  add("startofyear", 1, 2, ret_datetime, f_startofyear);
  add("endofyear", 1, 2, ret_datetime, f_endofyear);
  add("dayofweek", 1, 1, ret_timespan, f_dayofweek);
  add("dayofmonth", 1, 1, ret_int, f_dayofmonth);
  add("dayofyear", 1, 1, ret_int, f_dayofyear);
  add("hourofday", 1, 1, ret_int, f_hourofday);
  add("monthofyear", 1, 1, ret_int, f_monthofyear);
  cat = "rulelab";
  add("getmonth", 1, 1, ret_int, f_monthofyear);
  cat = {};
  add("getyear", 1, 1, ret_int, f_getyear);
  cat = "rulelab";
  add("week_of_year", 1, 1, ret_int, f_week_of_year);
  cat = {};
  add("weekofyear", 1, 1, ret_int, f_week_of_year);  // the deprecated name (weekofyear-function)
  add("format_datetime", 2, 2, ret_string, f_format_datetime);
  add("format_timespan", 2, 2, ret_string, f_format_timespan);
  add("unixtime_seconds_todatetime", 1, 1, ret_datetime, f_unix_s);
  add("unixtime_milliseconds_todatetime", 1, 1, ret_datetime, f_unix_ms);
  add("unixtime_microseconds_todatetime", 1, 1, ret_datetime, f_unix_us);
  add("unixtime_nanoseconds_todatetime", 1, 1, ret_datetime, f_unix_ns);
  add("make_datetime", 1, 6, ret_datetime, f_make_datetime);
  add("make_timespan", 2, 4, ret_timespan, f_make_timespan);
}

}  // namespace rulelab::engine
