// Binary functions (learn.microsoft.com/kusto/query/<name>-function): binary_and, binary_or,
// binary_xor, binary_not, binary_shift_left, binary_shift_right, bitset_count_ones. All work on
// 64-bit longs; a null argument gives null.
#include <bit>
#include <cstdint>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

bool as_long(const Value& v, std::int64_t& out) {
  if (v.is_null()) return false;
  if (v.type == Type::Int || v.type == Type::Long) { out = v.i; return true; }
  bool ok;
  double d = number_of(v, ok);
  if (!ok) return false;
  out = static_cast<std::int64_t>(d);
  return true;
}
std::uint64_t u(std::int64_t x) { return static_cast<std::uint64_t>(x); }
Value of_bits(std::uint64_t x) { return Value::of_long(static_cast<std::int64_t>(x)); }

template <std::uint64_t (*OP)(std::uint64_t, std::uint64_t)>
Value binary2(const CallArgs& a) {
  std::int64_t x, y;
  if (!as_long(a[0], x) || !as_long(a[1], y)) return Value::null_of(Type::Long);
  return of_bits(OP(u(x), u(y)));
}
std::uint64_t op_and(std::uint64_t x, std::uint64_t y) { return x & y; }
std::uint64_t op_or(std::uint64_t x, std::uint64_t y) { return x | y; }
std::uint64_t op_xor(std::uint64_t x, std::uint64_t y) { return x ^ y; }

Value f_binary_not(const CallArgs& a) {
  std::int64_t x;
  if (!as_long(a[0], x)) return Value::null_of(Type::Long);
  return of_bits(~u(x));
}
// binary-shift-left-function / binary-shift-right-function: value << (shift % 64); a negative
// shift gives null. The right shift keeps the sign (arithmetic), as a signed 64-bit shift.
Value f_binary_shift_left(const CallArgs& a) {
  std::int64_t x, n;
  if (!as_long(a[0], x) || !as_long(a[1], n) || n < 0) return Value::null_of(Type::Long);
  return of_bits(u(x) << (n % 64));
}
Value f_binary_shift_right(const CallArgs& a) {
  std::int64_t x, n;
  if (!as_long(a[0], x) || !as_long(a[1], n) || n < 0) return Value::null_of(Type::Long);
  return Value::of_long(x >> (n % 64));
}
Value f_bitset_count_ones(const CallArgs& a) {
  std::int64_t x;
  if (!as_long(a[0], x)) return Value::null_of(Type::Long);
  return Value::of_long(std::popcount(u(x)));
}

Type long_args(const std::vector<Type>& t, std::string& err) {
  for (Type x : t)
    if (!is_numeric(x) && x != Type::Dynamic && x != Type::Bool) err = "expects integer arguments, got " + std::string(type_name(x));
  return Type::Long;
}

}  // namespace

void add_binary_functions(std::vector<ScalarFunction>& out) {
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); };
  add("binary_and", 2, 2, long_args, binary2<op_and>);
  add("binary_or", 2, 2, long_args, binary2<op_or>);
  add("binary_xor", 2, 2, long_args, binary2<op_xor>);
  add("binary_not", 1, 1, long_args, f_binary_not);
  add("binary_shift_left", 2, 2, long_args, f_binary_shift_left);
  add("binary_shift_right", 2, 2, long_args, f_binary_shift_right);
  add("bitset_count_ones", 1, 1, long_args, f_bitset_count_ones);
}

}  // namespace rulelab::engine
