#include "eql/value.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/datetime.hpp"
#include "core/dynamic.hpp"
#include "elastic/date.hpp"

namespace rulelab::eql {
namespace {

// Java's Double.toString, which EQL's string() and concat() follow: "7.5", "1.0", "1.0E10".
std::string java_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  double a = std::fabs(d);
  char buf[64];
  if (a == 0 || (a >= 1e-3 && a < 1e7)) {
    auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    std::string s(buf, r.ptr);
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string s(buf, r.ptr);  // 1e+10, 1.5e-05
  auto e = s.find('e');
  std::string mant = s.substr(0, e), ex = s.substr(e + 1);
  if (mant.find('.') == std::string::npos) mant += ".0";
  int exp = std::stoi(ex);
  return mant + "E" + std::to_string(exp);
}

struct Version {
  bool valid = false;
  std::vector<std::int64_t> main;
  std::string pre;
};

Version parse_version(std::string_view s) {
  Version v;
  auto plus = s.find('+');
  if (plus != std::string_view::npos) s = s.substr(0, plus);
  auto dash = s.find('-');
  std::string_view core = s.substr(0, dash);
  if (dash != std::string_view::npos) v.pre = std::string(s.substr(dash + 1));
  std::size_t start = 0;
  while (start <= core.size()) {
    auto dot = core.find('.', start);
    std::string_view part = core.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty()) return v;
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
    if (ec != std::errc() || p != part.data() + part.size()) return v;
    v.main.push_back(n);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  v.valid = !v.main.empty();
  return v;
}

int cmp3(auto a, auto b) { return a < b ? -1 : a > b ? 1 : 0; }

// Elasticsearch's version field: semantic-version precedence; invalid versions sort after
// valid ones, by their text.
int compare_versions(const std::string& a, const std::string& b) {
  Version x = parse_version(a), y = parse_version(b);
  if (x.valid != y.valid) return x.valid ? -1 : 1;
  if (!x.valid) return cmp3(a.compare(b), 0);
  for (std::size_t i = 0; i < std::max(x.main.size(), y.main.size()); ++i) {
    std::int64_t p = i < x.main.size() ? x.main[i] : 0, q = i < y.main.size() ? y.main[i] : 0;
    if (p != q) return cmp3(p, q);
  }
  if (x.pre.empty() != y.pre.empty()) return x.pre.empty() ? 1 : -1;  // 1.0.0-alpha < 1.0.0
  return cmp3(x.pre.compare(y.pre), 0);
}

std::optional<double> parse_number(std::string_view s) {
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return d;
}

}  // namespace

std::optional<std::int64_t> parse_date_nanos(std::string_view s) {
  auto d = elastic::parse_date(s);
  if (!d) return std::nullopt;
  return elastic::to_epoch_nanos(d->at);
}

std::string to_text(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Null: return "null";
    case Value::Kind::Bool: return v.b ? "true" : "false";
    case Value::Kind::Long: return std::to_string(v.i);
    case Value::Kind::Double: return java_double(v.d);
    case Value::Kind::String:
    case Value::Kind::Version: return v.s;
    case Value::Kind::Date: {
      std::int64_t ticks = v.i >= 0 ? v.i / 100 : -((-v.i + 99) / 100);
      return format_datetime(DateTime{ticks});
    }
  }
  return {};
}

std::string to_json_text(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Null: return "null";
    case Value::Kind::Bool:
    case Value::Kind::Long: return to_text(v);
    case Value::Kind::Double: return std::isfinite(v.d) ? to_text(v) : "null";
    default: {
      std::string out;
      write_json_string(to_text(v), out);
      return out;
    }
  }
}

std::optional<int> compare(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.is_null() || b.is_null()) return std::nullopt;
  if (a.kind == K::Long && b.kind == K::Long) return cmp3(a.i, b.i);
  if (a.is_number() && b.is_number()) return cmp3(a.number(), b.number());
  if (a.kind == K::Version || b.kind == K::Version) {
    if (a.is_text() && b.is_text()) return compare_versions(a.s, b.s);
    return std::nullopt;
  }
  if (a.kind == K::String && b.kind == K::String) return cmp3(a.s.compare(b.s), 0);
  if (a.kind == K::Bool && b.kind == K::Bool) return cmp3(a.b, b.b);
  if (a.kind == K::Date || b.kind == K::Date) {
    auto as_date = [](const Value& v) -> std::optional<std::int64_t> {
      if (v.kind == K::Date) return v.i;
      // epoch milliseconds; beyond the nanosecond range (years 1677-2262): not comparable
      std::int64_t n = 0;
      if (v.kind == K::Long) {
        if (__builtin_mul_overflow(v.i, std::int64_t{1'000'000}, &n)) return std::nullopt;
        return n;
      }
      if (v.kind == K::Double) {
        if (!(v.d * 1e6 > -9.2e18 && v.d * 1e6 < 9.2e18)) return std::nullopt;
        return static_cast<std::int64_t>(v.d * 1e6);
      }
      if (v.kind == K::String) return parse_date_nanos(v.s);
      return std::nullopt;
    };
    auto x = as_date(a), y = as_date(b);
    if (!x || !y) return std::nullopt;
    return cmp3(*x, *y);
  }
  // A number against a string: the string read as a number, when it is one.
  if (a.is_number() && b.kind == K::String) {
    auto d = parse_number(b.s);
    if (!d) return std::nullopt;
    return cmp3(a.number(), *d);
  }
  if (a.kind == K::String && b.is_number()) {
    auto d = parse_number(a.s);
    if (!d) return std::nullopt;
    return cmp3(*d, b.number());
  }
  return std::nullopt;
}

}  // namespace rulelab::eql
