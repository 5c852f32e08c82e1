// parse_version (learn.microsoft.com/kusto/query/parse-version-function): a version text of one to
// four dot-separated parts, each of up to eight digits, as one comparable decimal number: the
// parts are base-10^8 digits, missing parts count as trailing zeros (1.0 == 1.0.0.0), so "1.2.3.4"
// is 1,000,000,020,000,000,300,000,004. Anything else gives null. The result is an exact decimal
// (engine/decimal.hpp): 32 digits, beyond what a double holds.
#include <string>
#include <string_view>

#include "engine/decimal.hpp"
#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {

Value f_parse_version(const CallArgs& a) {
  if (a[0].is_null()) return Value::null_of(Type::Decimal);
  const std::string text = to_kusto_string(a[0]);
  std::string_view t = text;
  std::string parts[4];
  int n = 0;
  while (true) {
    const auto dot = t.find('.');
    const std::string_view p = t.substr(0, dot);
    if (n == 4 || p.empty() || p.size() > 8) return Value::null_of(Type::Decimal);
    for (char c : p)
      if (c < '0' || c > '9') return Value::null_of(Type::Decimal);
    parts[n++] = std::string(p);
    if (dot == std::string_view::npos) break;
    t.remove_prefix(dot + 1);
  }
  std::string digits;
  for (int i = 0; i < 4; ++i) digits += std::string(8 - parts[i].size(), '0') + parts[i];  // missing: 8 zeros
  auto v = decimal_of_text(digits);
  return v ? *v : Value::null_of(Type::Decimal);
}

Type ret_decimal(const std::vector<Type>&, std::string&) { return Type::Decimal; }

}  // namespace

void add_version_functions(std::vector<ScalarFunction>& out) {
  out.push_back(ScalarFunction{"parse_version", 1, 1, ret_decimal, f_parse_version, nullptr, true});
}

}  // namespace rulelab::engine
