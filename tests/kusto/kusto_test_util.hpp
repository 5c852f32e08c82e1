// Helpers shared by the Kusto front-end tests.
#pragma once
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "kusto/ast.hpp"
#include "kusto/parser.hpp"

namespace kusto_test {

using namespace rulelab::kusto;

// Parses `text`; fails the test (with the diagnostic) when it does not parse.
inline Query parse_ok(std::string_view text) {
  auto r = parse_query(text);
  if (!r) FAIL_CHECK("does not parse: " << r.error().format() << "\nquery: " << text);
  REQUIRE(r.ok());
  return std::move(r.value());
}

// The error of a query that must not parse.
inline rulelab::Error parse_err(std::string_view text) {
  auto r = parse_query(text);
  if (r) FAIL_CHECK("parsed but should not: " << text);
  REQUIRE(!r.ok());
  return r.error();
}

// The result pipeline of a query.
inline const TabularExpr& result(const Query& q) {
  const TabularExpr* t = q.result();
  REQUIRE(t != nullptr);
  return *t;
}

// Operator i of the result pipeline, as T.
template <class T>
const T& op(const Query& q, std::size_t i) {
  const auto& ops = result(q).operators;
  REQUIRE(i < ops.size());
  const T* p = ops[i].as<T>();
  REQUIRE(p != nullptr);
  return *p;
}

// The scalar of `print x = <expr>` / the predicate of `T | where <expr>`.
inline const Expr& where_expr(const Query& q) { return *op<Where>(q, 0).predicate; }

// The source text a node covers.
inline std::string_view text_of(const Query& q, SourceRange r) { return std::string_view(q.text).substr(r.begin, r.end - r.begin); }

template <class T>
const T& as(const Expr& e) {
  const T* p = e.as<T>();
  REQUIRE(p != nullptr);
  return *p;
}

// The literal of `T | where x == <literal>`.
inline const Literal& literal_of(const Query& q) {
  const auto& b = as<Binary>(where_expr(q));
  return as<Literal>(*b.rhs);
}

}  // namespace kusto_test
