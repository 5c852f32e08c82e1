#include "engine/decimal.hpp"

#include <charconv>

#include "engine/value.hpp"

namespace rulelab::engine {

std::optional<std::string> decimal_canonical(std::string_view t) {
  bool neg = false;
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
    neg = t[0] == '-';
    t.remove_prefix(1);
  }
  const auto dot = t.find('.');
  std::string_view ip = t.substr(0, dot), fp = dot == std::string_view::npos ? std::string_view{} : t.substr(dot + 1);
  if (ip.empty() && fp.empty()) return std::nullopt;
  for (char c : ip) if (c < '0' || c > '9') return std::nullopt;
  for (char c : fp) if (c < '0' || c > '9') return std::nullopt;
  while (ip.size() > 1 && ip[0] == '0') ip.remove_prefix(1);
  while (!fp.empty() && fp.back() == '0') fp.remove_suffix(1);
  std::string out;
  if (neg && !(fp.empty() && (ip.empty() || ip == "0"))) out.push_back('-');
  out.append(ip.empty() ? std::string_view("0") : ip);
  if (!fp.empty()) {
    out.push_back('.');
    out.append(fp);
  }
  return out;
}

int decimal_compare(std::string_view a, std::string_view b) {
  const bool na = !a.empty() && a[0] == '-', nb = !b.empty() && b[0] == '-';
  if (na != nb) return na ? -1 : 1;
  if (na) {
    a.remove_prefix(1);
    b.remove_prefix(1);
  }
  const auto da = a.find('.'), db = b.find('.');
  const std::string_view ia = a.substr(0, da), ib = b.substr(0, db);
  const std::string_view fa = da == std::string_view::npos ? std::string_view{} : a.substr(da + 1);
  const std::string_view fb = db == std::string_view::npos ? std::string_view{} : b.substr(db + 1);
  int r = 0;
  if (ia.size() != ib.size()) r = ia.size() < ib.size() ? -1 : 1;
  else if (int c = ia.compare(ib)) r = c < 0 ? -1 : 1;
  else if (int c = fa.compare(fb)) r = c < 0 ? -1 : 1;  // canonical fractions: no trailing zeros
  return na ? -r : r;
}

namespace {
double to_double(std::string_view t) {
  double d = 0;
  std::from_chars(t.data(), t.data() + t.size(), d);
  return d;
}
}  // namespace

std::string_view exact_decimal(const Value& v) {
  if (v.type != Type::Decimal || v.null || v.s.empty()) return {};
  if (to_double(v.s) != v.r) return {};
  return v.s;
}

std::optional<Value> decimal_of_text(std::string_view t) {
  auto c = decimal_canonical(t);
  if (!c) return std::nullopt;
  Value v = Value::of_real(to_double(*c));
  v.type = Type::Decimal;
  v.s = std::move(*c);
  return v;
}

}  // namespace rulelab::engine
