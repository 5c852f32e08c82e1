// Type functions (learn.microsoft.com/kusto/query/scalar-functions#type-functions): gettype.

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

Value f_gettype(const CallArgs& a) {
  if (a[0].type != Type::Dynamic) return Value::of_string(a[0].is_null() && a[0].type != Type::String ? std::string(type_name(a[0].type)) : std::string(type_name(a[0].type)));
  switch (a[0].dyn().kind()) {
    case DynKind::Null: return Value::of_string("null");
    case DynKind::True: case DynKind::False: return Value::of_string("bool");
    case DynKind::Int: return Value::of_string("long");
    case DynKind::Real: return Value::of_string("real");
    case DynKind::String: return Value::of_string("string");
    case DynKind::Array: return Value::of_string("array");
    case DynKind::Object: return Value::of_string("dictionary");
  }
  return Value::of_string("");
}

}  // namespace

void add_type_functions(std::vector<ScalarFunction>& out) {
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); };
  add("gettype", 1, 1, ret_string, f_gettype);
}

}  // namespace rulelab::engine
