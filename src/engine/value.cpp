#include "engine/value.hpp"

#include "engine/decimal.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/datetime.hpp"

namespace rulelab::engine {

Value Value::null_of(Type t) {
  Value v;
  v.type = t;
  v.null = t != Type::String;
  if (t == Type::Dynamic) v.s.assign(1, static_cast<char>(DynKind::Null));
  return v;
}

Value Value::of_dynamic(std::string bytes) {
  Value x;
  x.type = Type::Dynamic;
  if (bytes.empty()) bytes.assign(1, static_cast<char>(DynKind::Null));
  x.null = static_cast<DynKind>(bytes[0]) == DynKind::Null;
  x.s = std::move(bytes);
  return x;
}

bool is_numeric(Type t) { return t == Type::Int || t == Type::Long || t == Type::Real || t == Type::Decimal; }

Type promote_numeric(Type a, Type b) {
  if (a == Type::Real || b == Type::Real || a == Type::Decimal || b == Type::Decimal) return Type::Real;
  if (a == Type::Long || b == Type::Long) return Type::Long;
  return Type::Int;
}

Value get_value(const Column& c, std::size_t row) {
  const Type t = c.type();
  if (t == Type::String) return Value::of_string(std::string(c.get_string(row)));
  if (c.is_null(row)) return Value::null_of(t);
  switch (t) {
    case Type::Bool: return Value::of_bool(c.get_bool(row));
    case Type::Int: return Value::of_int(c.get_int(row));
    case Type::Long: return Value::of_long(c.get_long(row));
    case Type::Real: return Value::of_real(c.get_real(row));
    case Type::Decimal: {
      if (auto d = decimal_of_text(c.get_decimal_text(row))) return *d;
      Value v = Value::of_real(c.get_real(row));  // a double's text with an exponent, inf, nan
      v.type = t;
      return v;
    }
    case Type::DateTime: return Value::of_datetime(c.get_long(row));
    case Type::TimeSpan: return Value::of_timespan(c.get_long(row));
    case Type::Guid: return Value::of_guid(c.get_guid(row));
    case Type::Dynamic: return Value::of_dynamic(std::string(c.get_string(row)));
    default: return Value::null_of(t);
  }
}

void append_value(Column& c, const Value& v) {
  const Type t = c.type();
  if (t == Type::String) { c.append_string(v.type == Type::String ? std::string_view(v.s) : std::string_view(to_kusto_string(v))); return; }
  if (v.is_null()) { c.append_null(); return; }
  if (v.type != t) { append_value(c, convert_to(v, t)); return; }
  switch (t) {
    case Type::Bool: c.append_bool(v.i != 0); break;
    case Type::Int: c.append_int(static_cast<std::int32_t>(v.i)); break;
    case Type::Long: case Type::DateTime: case Type::TimeSpan: c.append_long(v.i); break;
    case Type::Real: c.append_real(v.r); break;
    case Type::Decimal: {
      const std::string_view x = exact_decimal(v);
      if (x.empty()) c.append_real(v.r);
      else c.append_decimal_text(x);
      break;
    }
    case Type::Guid: c.append_guid(v.g); break;
    case Type::Dynamic: c.append_dynamic_bytes(v.s); break;
    default: c.append_null();
  }
}

std::string format_real(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

std::string to_kusto_string(const Value& v) {
  if (v.type == Type::String) return v.s;
  if (v.is_null()) return {};
  switch (v.type) {
    case Type::Bool: return v.i ? "true" : "false";
    case Type::Int: case Type::Long: return std::to_string(v.i);
    case Type::Real: return format_real(v.r);
    case Type::Decimal: {
      const std::string_view x = exact_decimal(v);
      return x.empty() ? format_real(v.r) : std::string(x);
    }
    case Type::DateTime: return format_datetime(DateTime{v.i});
    case Type::TimeSpan: return format_timespan(TimeSpan{v.i});
    case Type::Guid: return format_guid(v.g);
    case Type::Dynamic: {
      DynRef r = v.dyn();
      if (r.is_string()) return std::string(r.as_string());
      return to_json(r);
    }
    default: return {};
  }
}

namespace {
std::optional<std::int64_t> parse_long(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::int64_t x = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), x);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty()) return x;
  // "1.5" -> tolong gives 1 (via real)
  double d = 0;
  auto r2 = std::from_chars(s.data(), s.data() + s.size(), d);
  // beyond the range of long (a string of more digits than fit, "1e30"): no long, so null
  if (r2.ec == std::errc() && r2.ptr == s.data() + s.size() && !s.empty() && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
    return static_cast<std::int64_t>(d);
  return std::nullopt;
}
std::optional<double> parse_double(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (iequals(s, "nan")) return NAN;
  if (iequals(s, "inf") || iequals(s, "infinity")) return INFINITY;
  if (iequals(s, "-inf") || iequals(s, "-infinity")) return -INFINITY;
  double d = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), d);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty()) return d;
  return std::nullopt;
}
}  // namespace

Value dyn_to_value(DynRef r) { return Value::of_dynamic(std::string(r.bytes())); }

double number_of(const Value& v, bool& ok) {
  ok = !v.is_null();
  switch (v.type) {
    case Type::Int: case Type::Long: case Type::Bool: return static_cast<double>(v.i);
    case Type::Real: case Type::Decimal: return v.r;
    case Type::DateTime: case Type::TimeSpan: return static_cast<double>(v.i);
    case Type::Dynamic: {
      DynRef r = v.dyn();
      if (r.is_number()) return r.as_number();
      ok = false;
      return 0;
    }
    default: ok = false; return 0;
  }
}

Value convert_to(const Value& v, Type t) {
  if (v.type == t) return v;
  if (t == Type::String) return Value::of_string(to_kusto_string(v));
  if (t == Type::Dynamic) return to_dynamic(v);
  if (v.is_null()) return Value::null_of(t);
  if (v.type == Type::Dynamic) {
    DynRef r = v.dyn();
    switch (r.kind()) {
      case DynKind::String: return convert_to(Value::of_string(std::string(r.as_string())), t);
      case DynKind::Int: return convert_to(Value::of_long(r.as_int()), t);
      case DynKind::Real: return convert_to(Value::of_real(r.as_real()), t);
      case DynKind::True: case DynKind::False: return convert_to(Value::of_bool(r.as_bool()), t);
      default: return Value::null_of(t);
    }
  }
  if (v.type == Type::String) {
    const std::string& s = v.s;
    switch (t) {
      case Type::Bool: {
        if (iequals(s, "true")) return Value::of_bool(true);
        if (iequals(s, "false")) return Value::of_bool(false);
        if (auto x = parse_long(s)) return Value::of_bool(*x != 0);
        return Value::null_of(t);
      }
      case Type::Int: {  // text of a number beyond the int range is no int: null, not a truncated value
        if (auto x = parse_long(s); x && *x >= INT32_MIN && *x <= INT32_MAX) return Value::of_int(static_cast<std::int32_t>(*x));
        return Value::null_of(t);
      }
      case Type::Long: { if (auto x = parse_long(s)) return Value::of_long(*x); return Value::null_of(t); }
      case Type::Decimal: if (auto d = decimal_of_text(s)) return *d; [[fallthrough]];
      case Type::Real: { if (auto x = parse_double(s)) { Value r = Value::of_real(*x); r.type = t; return r; } return Value::null_of(t); }
      case Type::DateTime: { if (auto x = parse_datetime(s)) return Value::of_datetime(x->ticks); return Value::null_of(t); }
      case Type::TimeSpan: { if (auto x = parse_timespan(s)) return Value::of_timespan(x->ticks); return Value::null_of(t); }
      case Type::Guid: { if (auto x = parse_guid(s)) return Value::of_guid(*x); return Value::null_of(t); }
      default: return Value::null_of(t);
    }
  }
  // numeric / bool / datetime / timespan sources
  bool ok = false;
  double d = number_of(v, ok);
  const bool integral = v.type == Type::Int || v.type == Type::Long || v.type == Type::Bool || v.type == Type::DateTime || v.type == Type::TimeSpan;
  switch (t) {
    case Type::Bool: return Value::of_bool(integral ? v.i != 0 : d != 0);
    case Type::Int: if (!integral && !std::isfinite(d)) return Value::null_of(t); return Value::of_int(static_cast<std::int32_t>(integral ? v.i : static_cast<std::int64_t>(d)));
    case Type::Long: if (!integral && !std::isfinite(d)) return Value::null_of(t); return Value::of_long(integral ? v.i : static_cast<std::int64_t>(d));
    case Type::Real: case Type::Decimal: { Value r = Value::of_real(integral ? static_cast<double>(v.i) : d); r.type = t; return r; }
    case Type::DateTime:
      if (v.type == Type::TimeSpan) return Value::null_of(t);
      return Value::of_datetime(integral ? v.i : static_cast<std::int64_t>(d));
    case Type::TimeSpan:
      if (v.type == Type::DateTime) return Value::null_of(t);
      return Value::of_timespan(integral ? v.i : static_cast<std::int64_t>(d));
    default: return Value::null_of(t);
  }
}

void write_dynamic(DynWriter& w, const Value& v) {
  if (v.is_null()) { w.null(); return; }
  switch (v.type) {
    case Type::Bool: w.boolean(v.i != 0); break;
    case Type::Int: case Type::Long: w.integer(v.i); break;
    case Type::Real: case Type::Decimal: w.real(v.r); break;
    case Type::String: w.string(v.s); break;
    case Type::Dynamic: w.raw(v.dyn()); break;
    default: w.string(to_kusto_string(v)); break;
  }
}

Value to_dynamic(const Value& v) {
  if (v.type == Type::Dynamic) return v;
  std::string b;
  DynWriter w(b);
  write_dynamic(w, v);
  return Value::of_dynamic(std::move(b));
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
std::string to_lower(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = ascii_lower(c);
  return o;
}
std::string to_upper(std::string_view s) {
  std::string o(s);
  for (char& c : o) if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  return o;
}
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

namespace {
template <class T>
int cmp3(T a, T b) { return a < b ? -1 : (b < a ? 1 : 0); }

// Dynamic value against a typed value: the dynamic side is read as that type.
std::optional<int> compare_dyn(const Value& d, const Value& o, bool dyn_left) {
  Value c;
  if (o.type == Type::Dynamic) {
    DynRef a = d.dyn(), b = o.dyn();
    if (a.is_null() || b.is_null()) return std::nullopt;
    if (a.is_number() && b.is_number()) {
      const double x = a.as_number(), y = b.as_number();
      if (std::isnan(x) || std::isnan(y)) return std::nullopt;
      int r = cmp3(x, y);
      return dyn_left ? r : -r;
    }
    if (a.is_string() && b.is_string()) { int r = a.as_string().compare(b.as_string()); r = r < 0 ? -1 : r > 0; return dyn_left ? r : -r; }
    if (a.is_bool() && b.is_bool()) { int r = cmp3(a.as_bool(), b.as_bool()); return dyn_left ? r : -r; }
    if (a == b) return 0;
    std::string ja = to_json(a), jb = to_json(b);
    if (ja == jb) return 0;
    return std::nullopt;
  }
  c = convert_to(d, o.type);
  if (o.type == Type::String) {
    if (d.dyn().is_null()) return std::nullopt;
  }
  if (c.is_null() && o.type != Type::String) return std::nullopt;
  auto r = dyn_left ? compare_values(c, o) : compare_values(o, c);
  return r;
}
}  // namespace

std::optional<int> compare_values(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return std::nullopt;
  if (a.type == Type::Dynamic) return compare_dyn(a, b, true);
  if (b.type == Type::Dynamic) return compare_dyn(b, a, false);
  if (is_numeric(a.type) && is_numeric(b.type)) {
    const bool ar = a.type == Type::Real || a.type == Type::Decimal, br = b.type == Type::Real || b.type == Type::Decimal;
    if (!ar && !br) return cmp3(a.i, b.i);
    // an exact decimal against another exact decimal or an integer compares digit by digit
    const std::string_view xa = exact_decimal(a), xb = exact_decimal(b);
    if ((!xa.empty() || !xb.empty()) && (!xa.empty() || !ar) && (!xb.empty() || !br)) {
      const std::string sa = xa.empty() ? std::to_string(a.i) : std::string(xa);
      const std::string sb = xb.empty() ? std::to_string(b.i) : std::string(xb);
      return decimal_compare(sa, sb);
    }
    double x = ar ? a.r : static_cast<double>(a.i), y = br ? b.r : static_cast<double>(b.i);
    if (std::isnan(x) || std::isnan(y)) return std::nullopt;
    return cmp3(x, y);
  }
  if (a.type == Type::String && b.type == Type::String) {
    int r = a.s.compare(b.s);
    return r < 0 ? -1 : (r > 0 ? 1 : 0);
  }
  if (a.type == Type::String || b.type == Type::String) {
    // a string against another scalar type: the string is read as that type (EventID == "4624");
    // a string that does not convert compares as null (== false).
    if (a.type == Type::String) {
      Value c = convert_to(a, b.type == Type::Int ? Type::Long : b.type);
      if (c.is_null()) return std::nullopt;
      return compare_values(c, b);
    }
    Value c = convert_to(b, a.type == Type::Int ? Type::Long : a.type);
    if (c.is_null()) return std::nullopt;
    return compare_values(a, c);
  }
  if (a.type == b.type) {
    switch (a.type) {
      case Type::Bool: case Type::DateTime: case Type::TimeSpan: return cmp3(a.i, b.i);
      case Type::Guid: return a.g == b.g ? 0 : (a.g < b.g ? -1 : 1);
      default: return std::nullopt;
    }
  }
  if ((a.type == Type::Bool && is_numeric(b.type)) || (b.type == Type::Bool && is_numeric(a.type))) {
    // bool reads as 0 or 1; against a real NaN it is unordered like any number pair (== false)
    bool ok1, ok2;
    const double x = number_of(a, ok1), y = number_of(b, ok2);
    if (std::isnan(x) || std::isnan(y)) return std::nullopt;
    return cmp3(x, y);
  }
  return std::nullopt;
}

std::optional<bool> equal_values(const Value& a, const Value& b) {
  const bool an = a.is_null(), bn = b.is_null();
  if (an && bn) return std::nullopt;
  if (an || bn) return false;
  auto c = compare_values(a, b);
  if (!c) return false;
  return *c == 0;
}

void append_key(std::string& key, const Value& v) {
  if (v.is_null()) { key.push_back('\0'); return; }
  switch (v.type) {
    case Type::Int: case Type::Long: case Type::Real: case Type::Decimal: {
      double d = (v.type == Type::Real || v.type == Type::Decimal) ? v.r : static_cast<double>(v.i);
      // an exact decimal that the double does not hold (more digits) keys by its text
      if (const std::string_view x = exact_decimal(v); !x.empty() && format_real(d) != x) {
        key.push_back('d');
        std::uint32_t n = static_cast<std::uint32_t>(x.size());
        key.append(reinterpret_cast<const char*>(&n), 4);
        key.append(x);
        return;
      }
      if (d == static_cast<double>(static_cast<std::int64_t>(d)) && std::fabs(d) < 9e18) {
        key.push_back('n');
        std::int64_t x = static_cast<std::int64_t>(d);
        key.append(reinterpret_cast<const char*>(&x), 8);
      } else {
        key.push_back('r');
        key.append(reinterpret_cast<const char*>(&d), 8);
      }
      return;
    }
    case Type::String: {
      key.push_back('s');
      std::uint32_t n = static_cast<std::uint32_t>(v.s.size());
      key.append(reinterpret_cast<const char*>(&n), 4);
      key.append(v.s);
      return;
    }
    case Type::Dynamic: {
      DynRef r = v.dyn();
      if (r.is_string()) { append_key(key, Value::of_string(std::string(r.as_string()))); return; }
      if (r.kind() == DynKind::Int) { append_key(key, Value::of_long(r.as_int())); return; }
      if (r.kind() == DynKind::Real) { append_key(key, Value::of_real(r.as_real())); return; }
      key.push_back('d');
      std::string j = to_json(r);
      std::uint32_t n = static_cast<std::uint32_t>(j.size());
      key.append(reinterpret_cast<const char*>(&n), 4);
      key.append(j);
      return;
    }
    case Type::Guid: key.push_back('g'); key.append(reinterpret_cast<const char*>(v.g.bytes), 16); return;
    default:
      key.push_back(static_cast<char>('A' + static_cast<int>(v.type)));
      key.append(reinterpret_cast<const char*>(&v.i), 8);
      return;
  }
}

}  // namespace rulelab::engine
