// Mathematical functions (learn.microsoft.com/kusto/query/<name>-function): sin, cos, tan, asin,
// acos, atan, atan2, erf, erfc, gamma, loggamma, rand, beta_cdf, beta_inv, beta_pdf, welch_test, pi, radians, degrees, cot.
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

}  // namespace

void add_math_functions(std::vector<ScalarFunction>& out) {
  auto add = [&](const char* n, int mn, int mx, ScalarImpl f, bool det = true) {
    out.push_back(ScalarFunction{n, mn, mx, ret_real, f, nullptr, det});
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
}

}  // namespace rulelab::engine
