// Mathematical functions (learn.microsoft.com/kusto/query/<name>-function): sin, cos, tan, asin,
// acos, atan, atan2, erf, erfc, gamma, loggamma, rand, beta_cdf, beta_inv, beta_pdf, welch_test, pi, radians, degrees, cot, abs, log,
// log10, log2, exp, exp2, exp10, sqrt, pow, round, sign, isnan, isfinite, isinf; ceiling (a Rounding
// function, beside its REAL_FN siblings).
// Every argument is a number (int, long, real, or a dynamic number); anything else gives null.
#include <cmath>
#include <limits>
#include <random>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

#define REAL1(NAME, EXPR)                                   \
  Value NAME(const CallArgs& a) {                           \
    bool ok;                                                \
    const double x = number_of(a[0], ok);                   \
    if (!ok || a[0].is_null()) return Value::null_of(Type::Real); \
    return Value::of_real(EXPR);                            \
  }
REAL1(f_sin, std::sin(x))
REAL1(f_cos, std::cos(x))
REAL1(f_tan, std::tan(x))
REAL1(f_atan, std::atan(x))
REAL1(f_erf, std::erf(x))
REAL1(f_erfc, std::erfc(x))
REAL1(f_gamma, std::tgamma(x))
REAL1(f_loggamma, std::lgamma(x))
#undef REAL1

// asin-function, acos-function: null outside [-1, 1].
Value f_asin(const CallArgs& a) {
  bool ok;
  const double x = number_of(a[0], ok);
  if (!ok || a[0].is_null() || x < -1 || x > 1) return Value::null_of(Type::Real);
  return Value::of_real(std::asin(x));
}
Value f_acos(const CallArgs& a) {
  bool ok;
  const double x = number_of(a[0], ok);
  if (!ok || a[0].is_null() || x < -1 || x > 1) return Value::null_of(Type::Real);
  return Value::of_real(std::acos(x));
}
Value f_atan2(const CallArgs& a) {
  bool o1, o2;
  const double y = number_of(a[0], o1), x = number_of(a[1], o2);
  if (!o1 || !o2 || a[0].is_null() || a[1].is_null()) return Value::null_of(Type::Real);
  return Value::of_real(std::atan2(y, x));
}

// rand-function: rand() is uniform in [0, 1); rand(N) is uniform over {0, 1, ..., N-1}, as a real.
// Not deterministic (never folded): each call draws from the operating system's random source.
Value f_rand(const CallArgs& a) {
  std::random_device rd;
  const std::uint64_t bits = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  const double u = static_cast<double>(bits >> 11) * 0x1.0p-53;  // 53 random bits: [0, 1)
  if (a.size() == 0) return Value::of_real(u);
  bool ok;
  const double n = number_of(a[0], ok);
  if (!ok || a[0].is_null() || !(n >= 1)) return Value::null_of(Type::Real);
  return Value::of_real(std::floor(u * std::floor(n)));
}

// The regularized incomplete beta function I_x(a, b), by the continued fraction of its
// series (modified Lentz), on the side of x where it converges fast.
double beta_cf(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-16) break;
  }
  return h;
}
// 1 / B(a, b): through tgamma while it does not overflow (more exact than lgamma's differences).
double inv_beta(double a, double b) {
  if (a + b < 170) return std::tgamma(a + b) / (std::tgamma(a) * std::tgamma(b));
  return std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b));
}
double ibeta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front = inv_beta(a, b) * std::pow(x, a) * std::pow(1 - x, b);
  if (x < (a + 1) / (a + b + 2)) return front * beta_cf(a, b, x) / a;
  return 1 - front * beta_cf(b, a, 1 - x) / b;
}

bool three(const CallArgs& a, double& x, double& al, double& be) {
  bool o1, o2, o3;
  x = number_of(a[0], o1);
  al = number_of(a[1], o2);
  be = number_of(a[2], o3);
  return o1 && o2 && o3 && !a[0].is_null() && !a[1].is_null() && !a[2].is_null();
}
// beta-cdf-function: NaN for x outside [0, 1] and for alpha or beta outside (0, 10000].
Value f_beta_cdf(const CallArgs& a) {
  double x, al, be;
  if (!three(a, x, al, be)) return Value::null_of(Type::Real);
  if (x < 0 || x > 1 || al <= 0 || al > 10000 || be <= 0 || be > 10000) return Value::of_real(kNaN);
  return Value::of_real(ibeta(al, be, x));
}
// beta-pdf-function: NaN for x outside (0, 1) and for alpha or beta <= 0.
Value f_beta_pdf(const CallArgs& a) {
  double x, al, be;
  if (!three(a, x, al, be)) return Value::null_of(Type::Real);
  if (x <= 0 || x >= 1 || al <= 0 || be <= 0) return Value::of_real(kNaN);
  return Value::of_real(inv_beta(al, be) * std::pow(x, al - 1) * std::pow(1 - x, be - 1));
}
// beta-inv-function: the x with beta_cdf(x, alpha, beta) = p, by bisection (the cdf is monotonic).
// The page's own example gives null for p > 1 and NaN for alpha < 0 (its bullet list says the
// opposite); rulelab follows the example's output.
Value f_beta_inv(const CallArgs& a) {
  double p, al, be;
  if (!three(a, p, al, be)) return Value::null_of(Type::Real);
  if (al <= 0 || be <= 0) return Value::of_real(kNaN);
  if (p <= 0 || p > 1) return Value::null_of(Type::Real);
  double lo = 0, hi = 1;
  for (int i = 0; i < 200 && hi - lo > 1e-17; ++i) {
    const double mid = (lo + hi) / 2;
    (ibeta(al, be, mid) < p ? lo : hi) = mid;
  }
  return Value::of_real((lo + hi) / 2);
}
// welch-test-function: the two-tailed p-value of Welch's t-test from the two samples' means,
// variances and counts (Welch-Satterthwaite degrees of freedom; Student's t distribution through
// the incomplete beta function).
Value f_welch_test(const CallArgs& a) {
  double v[6];
  for (int i = 0; i < 6; ++i) {
    bool ok;
    v[i] = number_of(a[static_cast<std::size_t>(i)], ok);
    if (!ok || a[static_cast<std::size_t>(i)].is_null()) return Value::null_of(Type::Real);
  }
  const double m1 = v[0], s1 = v[1] / v[2], m2 = v[3], s2 = v[4] / v[5];
  const double se2 = s1 + s2;
  if (!(se2 > 0) || v[2] < 2 || v[5] < 2) return Value::null_of(Type::Real);
  const double t = (m1 - m2) / std::sqrt(se2);
  const double dof = se2 * se2 / (s1 * s1 / (v[2] - 1) + s2 * s2 / (v[5] - 1));
  return Value::of_real(ibeta(dof / 2, 0.5, dof / (dof + t * t)));
}

constexpr double kPi = 3.14159265358979323846;

double num(const Value& v, bool& ok) { return number_of(v, ok); }

Value f_pi(const CallArgs&) { return Value::of_real(kPi); }
Value f_radians(const CallArgs& a) {
  bool ok;
  const double d = num(a[0], ok);
  return ok ? Value::of_real(d * kPi / 180.0) : Value::null_of(Type::Real);
}
Value f_degrees(const CallArgs& a) {
  bool ok;
  const double d = num(a[0], ok);
  return ok ? Value::of_real(d * 180.0 / kPi) : Value::null_of(Type::Real);
}
Value f_cot(const CallArgs& a) {
  bool ok;
  const double d = num(a[0], ok);
  return ok ? Value::of_real(1.0 / std::tan(d)) : Value::null_of(Type::Real);
}

Value f_abs(const CallArgs& a) {
  const Value& x = a[0];
  if (x.is_null()) return x;
  if (x.type == Type::Int || x.type == Type::Long) { Value r = x; r.i = x.i < 0 ? -x.i : x.i; return r; }
  if (x.type == Type::TimeSpan) return Value::of_timespan(x.i < 0 ? -x.i : x.i);
  bool ok; double d = num(x, ok);
  return ok ? Value::of_real(std::fabs(d)) : Value::null_of(Type::Real);
}
Type abs_rule(const std::vector<Type>& t, std::string&) { return t[0] == Type::Dynamic ? Type::Real : t[0]; }
#define REAL_FN(NAME, EXPR)                                  \
  Value NAME(const CallArgs& a) {                            \
    bool ok; double x = num(a[0], ok);                       \
    if (!ok) return Value::null_of(Type::Real);              \
    return Value::of_real(EXPR);                             \
  }
// log-function, log10-function, log2-function, sqrt-function: null for a negative argument
#define REAL_FN_NONNEG(NAME, EXPR)                           \
  Value NAME(const CallArgs& a) {                            \
    bool ok; double x = num(a[0], ok);                       \
    if (!ok || x < 0) return Value::null_of(Type::Real);     \
    return Value::of_real(EXPR);                             \
  }
REAL_FN_NONNEG(f_log, std::log(x))
REAL_FN_NONNEG(f_log10, std::log10(x))
REAL_FN_NONNEG(f_log2, std::log2(x))
REAL_FN_NONNEG(f_sqrt, std::sqrt(x))
#undef REAL_FN_NONNEG
REAL_FN(f_exp, std::exp(x))
REAL_FN(f_exp2, std::exp2(x))
REAL_FN(f_exp10, std::pow(10.0, x))
REAL_FN(f_ceiling, std::ceil(x))
#undef REAL_FN
Value f_pow(const CallArgs& a) {
  bool o1, o2; double x = num(a[0], o1), y = num(a[1], o2);
  if (!o1 || !o2) return Value::null_of(Type::Real);
  return Value::of_real(std::pow(x, y));
}
// round(number [, precision]): half away from zero.
Value f_round(const CallArgs& a) {
  bool ok; double x = num(a[0], ok);
  if (!ok) return Value::null_of(a[0].type == Type::Dynamic ? Type::Real : a[0].type);
  std::int64_t p = 0;
  if (a.size() > 1) { bool o; p = static_cast<std::int64_t>(num(a[1], o)); }
  if (a[0].type == Type::Int || a[0].type == Type::Long) {
    if (p >= 0) return a[0];
    double f = std::pow(10.0, static_cast<double>(-p));
    std::int64_t r = static_cast<std::int64_t>(std::round(static_cast<double>(a[0].i) / f) * f);
    return a[0].type == Type::Int ? Value::of_int(static_cast<std::int32_t>(r)) : Value::of_long(r);
  }
  double f = std::pow(10.0, static_cast<double>(p));
  return Value::of_real(std::round(x * f) / f);
}
Type round_rule(const std::vector<Type>& t, std::string&) { return t[0] == Type::Dynamic ? Type::Real : t[0]; }
Value f_sign(const CallArgs& a) { bool ok; double x = num(a[0], ok); if (!ok) return Value::null_of(Type::Real); return Value::of_real(x > 0 ? 1 : (x < 0 ? -1 : 0)); }
Value f_isnan(const CallArgs& a) { bool ok; double x = num(a[0], ok); return Value::of_bool(ok && std::isnan(x)); }
Value f_isfinite(const CallArgs& a) { bool ok; double x = num(a[0], ok); return Value::of_bool(ok && std::isfinite(x)); }
Value f_isinf(const CallArgs& a) { bool ok; double x = num(a[0], ok); return Value::of_bool(ok && std::isinf(x)); }

}  // namespace

void add_math_functions(std::vector<ScalarFunction>& out) {
  auto add = [&](const char* n, int mn, int mx, ScalarImpl f, bool det = true) {
    out.push_back(ScalarFunction{n, mn, mx, ret_real, f, nullptr, det});
  };
  std::string_view cat;  // the reference category of the entries below (empty: the family's)
  auto add_typed = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) {
    out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true});
    out.back().category = cat;
  };
  add("sin", 1, 1, f_sin);
  add("cos", 1, 1, f_cos);
  add("tan", 1, 1, f_tan);
  add("asin", 1, 1, f_asin);
  add("acos", 1, 1, f_acos);
  add("atan", 1, 1, f_atan);
  add("atan2", 2, 2, f_atan2);
  add("erf", 1, 1, f_erf);
  add("erfc", 1, 1, f_erfc);
  add("gamma", 1, 1, f_gamma);
  add("loggamma", 1, 1, f_loggamma);
  add("rand", 0, 1, f_rand, false);
  add("beta_cdf", 3, 3, f_beta_cdf);
  add("beta_inv", 3, 3, f_beta_inv);
  add("beta_pdf", 3, 3, f_beta_pdf);
  add("welch_test", 6, 6, f_welch_test);
  add("pi", 0, 0, f_pi);
  add("radians", 1, 1, f_radians);
  add("degrees", 1, 1, f_degrees);
  add("cot", 1, 1, f_cot);
  cat = {};
  add_typed("abs", 1, 1, abs_rule, f_abs);
  add_typed("log", 1, 1, ret_real, f_log);
  add_typed("log10", 1, 1, ret_real, f_log10);
  add_typed("log2", 1, 1, ret_real, f_log2);
  add_typed("exp", 1, 1, ret_real, f_exp);
  add_typed("exp2", 1, 1, ret_real, f_exp2);
  add_typed("exp10", 1, 1, ret_real, f_exp10);
  add_typed("sqrt", 1, 1, ret_real, f_sqrt);
  cat = "Rounding functions";
  add_typed("ceiling", 1, 1, ret_real, f_ceiling);
  cat = {};
  add_typed("pow", 2, 2, ret_real, f_pow);
  add_typed("round", 1, 2, round_rule, f_round);
  add_typed("sign", 1, 1, ret_real, f_sign);
  add_typed("isnan", 1, 1, ret_bool, f_isnan);
  add_typed("isfinite", 1, 1, ret_bool, f_isfinite);
  add_typed("isinf", 1, 1, ret_bool, f_isinf);
}

}  // namespace rulelab::engine
