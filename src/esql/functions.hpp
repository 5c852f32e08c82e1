// ES|QL scalar functions (string, date, math, conditional, multi-value, IP, conversion), each
// evaluated a column at a time. Reference: ES|QL "Functions and operators".
#pragma once
#include "esql/eval.hpp"

namespace rulelab::esql {

Column call_function(const Expr& e, EvalCtx& ctx);
// Calendar arithmetic on ms since epoch (UTC): adds months (clamped to the month's last day) and days.
// ms plus a date period; *overflow (when given) set when the result is beyond a long's milliseconds.
std::int64_t add_months_impl(std::int64_t ms, std::int64_t months, std::int64_t days, bool* overflow = nullptr);
// DATE_TRUNC of a date to a duration or period.
std::int64_t date_trunc(std::int64_t ms, Type span_type, const Scalar& span);

}  // namespace rulelab::esql
