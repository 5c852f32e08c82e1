// ES|QL scalar functions (string, date, math, conditional, multi-value, IP, conversion), each
// evaluated a column at a time. Reference: ES|QL "Functions and operators".
#pragma once
#include "esql/eval.hpp"

namespace rulelab::esql {

Column call_function(const Expr& e, EvalCtx& ctx);
// Calendar arithmetic on ms since epoch (UTC): adds months (clamped to the month's last day) and days.
// Why ms plus a date period has no answer: its year is beyond java.time's (+-999,999,999), or its
// milliseconds beyond a long.
struct PeriodOverflow {
  std::optional<std::int64_t> year;
  bool long_overflow = false;
};
// ms plus a date period; *overflow (when given) says why there is none (the result is then 0).
std::int64_t add_months_impl(std::int64_t ms, std::int64_t months, std::int64_t days, PeriodOverflow* overflow = nullptr);
// DATE_TRUNC of a date to a duration or period.
std::int64_t date_trunc(std::int64_t ms, Type span_type, const Scalar& span);

}  // namespace rulelab::esql
