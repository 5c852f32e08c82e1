// Series functions (learn.microsoft.com/kusto/query/<name>-function): series_stats(_dynamic),
// series_fit_line(_dynamic), series_outliers, series_decompose, series_decompose_anomalies,
// series_decompose_forecast, series_periods_detect's use in them, series_fill_forward/backward/
// const/linear, the element-wise series_add/subtract/multiply/divide/abs/greater/less/equals...,
// series_fft/ifft, series_fir, series_iir, series_fit_poly, series_fit_2lines(_dynamic) and
// series_seasonal.
// A function that returns several columns (series_stats, series_fit_line, series_decompose,
// series_decompose_anomalies, series_fft, series_ifft, series_fit_poly, series_fit_2lines) returns
// them here as one dynamic array, which the binder splits into columns (`extend (a, b) = f(x)`, or
// names series_stats_x_min ... when none are given).
#include <algorithm>
#include <cmath>
#include <optional>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

using Series = std::vector<std::optional<double>>;

// The elements of a dynamic array as numbers (null for a non-numeric element); nullopt when the
// value is not an array.
std::optional<Series> series_of(const Value& v) {
  if (v.type != Type::Dynamic || !v.dyn().is_array()) return std::nullopt;
  Series s;
  v.dyn().for_each_element([&](DynRef e) {
    if (e.is_number()) s.push_back(e.as_number());
    else s.push_back(std::nullopt);
  });
  return s;
}
bool finite(const std::optional<double>& d) { return d && std::isfinite(*d); }

void write_real_or_null(DynWriter& w, double d) {
  if (std::isfinite(d)) w.real(d);
  else w.null();
}
Value dyn_reals(const std::vector<double>& xs) {
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (double d : xs) write_real_or_null(w, d);
  w.end();
  return Value::of_dynamic(std::move(b));
}
// A tuple of a multi-column function: its columns in order, as one dynamic array.
Value tuple_of(const std::vector<Value>& vals) {
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (auto& v : vals) write_dynamic(w, v);
  w.end();
  return Value::of_dynamic(std::move(b));
}
Value null_tuple(std::size_t n) { return tuple_of(std::vector<Value>(n, Value::null_of(Type::Real))); }

// ---- series_stats (series-stats-function): min, min_idx, max, max_idx, avg, stdev, variance
// (sample variance); with a non-finite element the result is null unless ignore_nonfinite.
struct Stats {
  double min = 0, max = 0, avg = 0, stdev = 0, variance = 0;
  std::int64_t min_idx = -1, max_idx = -1;
  bool ok = false;
};
Stats stats_of(const Series& s, bool ignore_nonfinite) {
  Stats st;
  double sum = 0;
  std::int64_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!finite(s[i])) {
      if (!ignore_nonfinite) return Stats{};
      continue;
    }
    const double d = *s[i];
    if (n == 0 || d < st.min) { st.min = d; st.min_idx = static_cast<std::int64_t>(i); }
    if (n == 0 || d > st.max) { st.max = d; st.max_idx = static_cast<std::int64_t>(i); }
    sum += d;
    ++n;
  }
  if (n == 0) return Stats{};
  st.avg = sum / static_cast<double>(n);
  double ss = 0;
  for (auto& d : s) if (finite(d)) ss += (*d - st.avg) * (*d - st.avg);
  st.variance = n > 1 ? ss / static_cast<double>(n - 1) : 0;
  st.stdev = std::sqrt(st.variance);
  st.ok = true;
  return st;
}
bool flag_arg(const CallArgs& a, std::size_t i) { return a.size() > i && a[i].truthy(); }
Value f_series_stats(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return null_tuple(7);
  const Stats st = stats_of(*s, flag_arg(a, 1));
  if (!st.ok) {
    return tuple_of({Value::null_of(Type::Real), Value::null_of(Type::Long), Value::null_of(Type::Real), Value::null_of(Type::Long),
                     Value::null_of(Type::Real), Value::null_of(Type::Real), Value::null_of(Type::Real)});
  }
  return tuple_of({Value::of_real(st.min), Value::of_long(st.min_idx), Value::of_real(st.max), Value::of_long(st.max_idx),
                   Value::of_real(st.avg), Value::of_real(st.stdev), Value::of_real(st.variance)});
}
Value f_series_stats_dynamic(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return Value::null_of(Type::Dynamic);
  const Stats st = stats_of(*s, flag_arg(a, 1));
  std::string b;
  DynWriter w(b);
  w.begin_object();
  auto real = [&](const char* k, double d) { w.key(k); if (st.ok) write_real_or_null(w, d); else w.null(); };
  auto idx = [&](const char* k, std::int64_t i) { w.key(k); if (st.ok) w.integer(i); else w.null(); };
  real("min", st.min);
  idx("min_idx", st.min_idx);
  real("max", st.max);
  idx("max_idx", st.max_idx);
  real("avg", st.avg);
  real("stdev", st.stdev);
  real("variance", st.variance);
  w.end();
  return Value::of_dynamic(std::move(b));
}

// ---- series_fit_line (series-fit-line-function): least squares over x = 1..n. variance is the
// sample variance of the data, rvariance the residuals' sum of squares over n - 1 (the documented
// example: 98.628 and 1.686 for its 12 points), rsquare 1 - SSres/SStot.
struct Line {
  double slope = 0, intercept = 0, rsquare = 0, variance = 0, rvariance = 0;
  bool ok = false;
};
Line fit_line(const Series& s, std::size_t n_learn) {
  Line l;
  double sx = 0, sy = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < n_learn && i < s.size(); ++i)
    if (finite(s[i])) { sx += static_cast<double>(i + 1); sy += *s[i]; ++n; }
  if (n == 0) return l;
  const double mx = sx / static_cast<double>(n), my = sy / static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n_learn && i < s.size(); ++i)
    if (finite(s[i])) {
      const double dx = static_cast<double>(i + 1) - mx, dy = *s[i] - my;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
  l.slope = sxx > 0 ? sxy / sxx : 0;
  l.intercept = my - l.slope * mx;
  double ssr = 0;
  for (std::size_t i = 0; i < n_learn && i < s.size(); ++i)
    if (finite(s[i])) {
      const double r = *s[i] - (l.slope * static_cast<double>(i + 1) + l.intercept);
      ssr += r * r;
    }
  l.variance = n > 1 ? syy / static_cast<double>(n - 1) : 0;
  l.rvariance = n > 1 ? ssr / static_cast<double>(n - 1) : 0;
  l.rsquare = syy > 0 ? 1 - ssr / syy : 1;
  l.ok = true;
  return l;
}
Value f_series_fit_line(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return null_tuple(6);
  const Line l = fit_line(*s, s->size());
  if (!l.ok) return null_tuple(6);
  std::vector<double> fit(s->size());
  for (std::size_t i = 0; i < fit.size(); ++i) fit[i] = l.slope * static_cast<double>(i + 1) + l.intercept;
  return tuple_of({Value::of_real(l.rsquare), Value::of_real(l.slope), Value::of_real(l.variance), Value::of_real(l.rvariance),
                   Value::of_real(l.intercept), dyn_reals(fit)});
}
Value f_series_fit_line_dynamic(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return Value::null_of(Type::Dynamic);
  const Line l = fit_line(*s, s->size());
  std::string b;
  DynWriter w(b);
  w.begin_object();
  w.key("rsquare"); write_real_or_null(w, l.rsquare);
  w.key("slope"); write_real_or_null(w, l.slope);
  w.key("variance"); write_real_or_null(w, l.variance);
  w.key("rvariance"); write_real_or_null(w, l.rvariance);
  w.key("interception"); write_real_or_null(w, l.intercept);
  w.key("line_fit");
  w.begin_array();
  for (std::size_t i = 0; i < s->size(); ++i) write_real_or_null(w, l.slope * static_cast<double>(i + 1) + l.intercept);
  w.end();
  w.end();
  return Value::of_dynamic(std::move(b));
}

// ---- series_outliers (series-outliers-function): Tukey's fences. With the quantiles Q1, Q3 of
// the series (25/75 for "tukey", 10/90 or the given ones for "ctukey", the default), a point above
// Q3 scores (x - Q3) / (Q3 - Q1), one below Q1 (x - Q1) / (Q3 - Q1), others 0, so a score beyond
// +-1.5 lies beyond the fences. rulelab takes the quantiles by linear interpolation between the
// sorted values (the reference does not say how Kusto interpolates). Nulls and ignore_val score 0.
double quantile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double pos = p / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}
std::vector<double> outlier_scores(const Series& s, bool tukey, double pmin, double pmax, std::optional<double> ignore) {
  std::vector<double> vals;
  for (auto& d : s) if (finite(d) && (!ignore || *d != *ignore)) vals.push_back(*d);
  std::sort(vals.begin(), vals.end());
  const double q1 = quantile(vals, tukey ? 25 : pmin), q3 = quantile(vals, tukey ? 75 : pmax), iqr = q3 - q1;
  std::vector<double> out(s.size(), 0.0);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!finite(s[i]) || (ignore && *s[i] == *ignore)) continue;
    const double x = *s[i];
    if (iqr <= 0) {
      // a flat series: anything off the flat value is an outlier of any size
      out[i] = x > q3 ? HUGE_VAL : x < q1 ? -HUGE_VAL : 0;
      continue;
    }
    out[i] = x > q3 ? (x - q3) / iqr : x < q1 ? (x - q1) / iqr : 0;
  }
  for (auto& d : out) if (!std::isfinite(d)) d = d > 0 ? 1e308 : -1e308;
  return out;
}
Value f_series_outliers(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return Value::null_of(Type::Dynamic);
  const std::string kind = a.size() > 1 && !a[1].is_null() ? to_kusto_string(a[1]) : "ctukey";
  std::optional<double> ignore;
  bool ok = true;
  if (a.size() > 2 && !a[2].is_null()) ignore = number_of(a[2], ok);
  const double pmin = a.size() > 3 && !a[3].is_null() ? number_of(a[3], ok) : 10, pmax = a.size() > 4 && !a[4].is_null() ? number_of(a[4], ok) : 90;
  if (!ok || (kind != "tukey" && kind != "ctukey") || pmin < 2 || pmax > 98 || pmin >= pmax) return Value::null_of(Type::Dynamic);
  return dyn_reals(outlier_scores(*s, kind == "tukey", pmin, pmax, ignore));
}

// ---- series_periods_detect / series_periods_validate (series-periods-detect-function,
// series-periods-validate-function). Kusto does not publish how it scores a period. rulelab's
// score, a reconstruction that gives every documented output (detect: [14, 0] with 0.84 on the
// pages' series; validate: 0.84 for 14 and 0 for 10; series_seasonal's page: periods 6 and 5 and
// none for its three series at threshold 0.7): with r(k) the autocorrelation at lag k normalised
// by the number of pairs (sum over the n - k pairs of (x_i - m)(x_i+k - m) / (n - k), over the
// variance), a period p scores min(r(p), r(2p)), clipped to [0, 1]: a real period repeats at least
// twice more. A period needs 4 <= p and 2p < n (both pages: "at least 4 points and at most half of
// the series length"); a real period reads r between the whole lags around it. Null and
// non-numeric elements read as 0.
struct PeriodScorer {
  std::vector<double> d;  // the series minus its mean
  double var = 0;         // the mean square of d
  explicit PeriodScorer(const Series& s) {
    const std::size_t n = s.size();
    d.resize(n);
    double mean = 0;
    for (std::size_t i = 0; i < n; ++i) {
      d[i] = finite(s[i]) ? *s[i] : 0.0;
      mean += d[i];
    }
    if (n) mean /= static_cast<double>(n);
    for (double& v : d) {
      v -= mean;
      var += v * v;
    }
    if (n) var /= static_cast<double>(n);
  }
  double r(std::size_t k) const {
    const std::size_t n = d.size();
    if (k >= n || var <= 0) return 0;
    double c = 0;
    for (std::size_t i = 0; i + k < n; ++i) c += d[i] * d[i + k];
    return c / static_cast<double>(n - k) / var;
  }
  double r_at(double lag) const {
    const double lo = std::floor(lag);
    const double f = lag - lo;
    const double a = r(static_cast<std::size_t>(lo));
    return f == 0 ? a : a + (r(static_cast<std::size_t>(lo) + 1) - a) * f;
  }
  bool valid(double p) const { return p >= 4 && 2 * p < static_cast<double>(d.size()); }
  double score(double p) const {
    if (!valid(p) || var <= 0) return 0;
    const double sc = std::min(r_at(p), r_at(2 * p));
    return std::isfinite(sc) ? std::clamp(sc, 0.0, 1.0) : 0.0;
  }
};

// The periods series_periods_detect finds in [min_period, max_period] (whole periods): the local
// maxima of the score with a score above 0, best first (the shorter of equal scores first), a
// multiple of a period already taken left out (its harmonic: the pages' series scores 28 too).
std::vector<std::pair<double, double>> detect_periods(const Series& s, double min_period, double max_period, std::size_t count) {
  std::vector<std::pair<double, double>> out;
  const PeriodScorer sc(s);
  const double lo_d = std::max(4.0, std::ceil(min_period));
  const double hi_d = std::min(std::floor(max_period), std::floor((static_cast<double>(s.size()) - 1) / 2));
  if (!(lo_d <= hi_d) || count == 0) return out;
  const auto lo = static_cast<std::size_t>(lo_d), hi = static_cast<std::size_t>(hi_d);
  std::vector<double> score(hi - lo + 1);
  for (std::size_t p = lo; p <= hi; ++p) score[p - lo] = sc.score(static_cast<double>(p));
  std::vector<std::pair<double, std::size_t>> peaks;
  for (std::size_t i = 0; i < score.size(); ++i) {
    const bool left = i == 0 || score[i] >= score[i - 1];
    const bool right = i + 1 == score.size() || score[i] > score[i + 1];
    if (score[i] > 0 && left && right) peaks.push_back({score[i], lo + i});
  }
  std::stable_sort(peaks.begin(), peaks.end(), [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
  std::vector<std::size_t> taken;
  for (const auto& peak : peaks) {
    if (out.size() >= count) break;
    const std::size_t p = peak.second;  // (a structured binding cannot be captured by clang 14)
    if (std::any_of(taken.begin(), taken.end(), [p](std::size_t t) { return p % t == 0; })) continue;
    taken.push_back(p);
    out.push_back({static_cast<double>(p), peak.first});
  }
  return out;
}

constexpr std::size_t kMaxPeriodsOut = 100000;

Value f_series_periods_detect(const CallArgs& a) {
  auto s = series_of(a[0]);
  bool ok1 = false, ok2 = false, ok3 = false;
  const double mn = a[1].is_null() ? 0 : number_of(a[1], ok1), mx = a[2].is_null() ? 0 : number_of(a[2], ok2);
  const double num = a[3].is_null() ? -1 : number_of(a[3], ok3);
  if (!s || !ok1 || !ok2 || !ok3 || !std::isfinite(mn) || !std::isfinite(mx) || num < 0 || num > static_cast<double>(kMaxPeriodsOut))
    return null_tuple(2);
  const auto count = static_cast<std::size_t>(num);
  auto found = detect_periods(*s, mn, mx, count);
  std::vector<double> periods(count, 0.0), scores(count, 0.0);
  for (std::size_t i = 0; i < found.size(); ++i) {
    periods[i] = found[i].first;
    scores[i] = found[i].second;
  }
  return tuple_of({dyn_reals(periods), dyn_reals(scores)});
}

Value f_series_periods_validate(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return null_tuple(2);
  const PeriodScorer sc(*s);
  std::vector<double> periods, scores;
  for (std::size_t i = 1; i < a.size(); ++i) {
    bool ok = false;
    const double p = a[i].is_null() ? std::nan("") : number_of(a[i], ok);
    periods.push_back(ok ? p : std::nan(""));
    // outside [4, n/2] the score is 0 (the page)
    scores.push_back(ok && std::isfinite(p) ? sc.score(p) : 0.0);
  }
  return tuple_of({dyn_reals(periods), dyn_reals(scores)});
}

// ---- series_decompose (series-decompose-function): baseline = seasonal + trend, residual =
// x - baseline. trend: "avg" (the mean), "linefit" (linear regression), "none". seasonal: the
// median of the detrended points of the same phase, for a period given or detected (-1: the
// default). Test points at the end are left out of the learning and get the extrapolated baseline.
// Period detection: series_periods_detect (above) over the detrended learning points; its best
// period when its score reaches the seasonality threshold (0.6 by default), else no seasonality.
double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}
struct Decomposition {
  std::vector<double> baseline, seasonal, trend, residual;
  bool ok = false;
};
Decomposition decompose(const Series& s, std::int64_t seasonality, const std::string& trend_kind, std::int64_t test_points, double seas_threshold) {
  Decomposition d;
  const std::size_t n = s.size();
  if (n == 0 || test_points < 0 || static_cast<std::size_t>(test_points) >= n) return d;
  const std::size_t learn = n - static_cast<std::size_t>(test_points);
  // missing points are read as 0 (make-series' default fills them already)
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = finite(s[i]) ? *s[i] : 0.0;
  d.trend.assign(n, 0.0);
  if (trend_kind == "avg") {
    double m = 0;
    for (std::size_t i = 0; i < learn; ++i) m += x[i];
    m /= static_cast<double>(learn);
    d.trend.assign(n, m);
  } else if (trend_kind == "linefit") {
    Series xs(x.begin(), x.end());
    const Line l = fit_line(xs, learn);
    for (std::size_t i = 0; i < n; ++i) d.trend[i] = l.slope * static_cast<double>(i + 1) + l.intercept;
  } else if (trend_kind != "none") {
    return d;
  }
  std::vector<double> detrended(learn);
  for (std::size_t i = 0; i < learn; ++i) detrended[i] = x[i] - d.trend[i];
  std::int64_t period = seasonality;
  if (period < 0) {
    // series_periods_detect over the detrended learning points (rulelab's period score, above):
    // its best period when it reaches the seasonality threshold.
    Series ds(detrended.begin(), detrended.end());
    auto found = detect_periods(ds, 0, static_cast<double>(learn), 1);
    period = !found.empty() && found[0].second >= seas_threshold ? static_cast<std::int64_t>(found[0].first) : 0;
  }
  d.seasonal.assign(n, 0.0);
  if (period > 1) {
    const auto p = static_cast<std::size_t>(period);
    std::vector<double> phase_median(p, 0.0);
    for (std::size_t ph = 0; ph < p; ++ph) {
      std::vector<double> same;
      for (std::size_t i = ph; i < learn; i += p) same.push_back(detrended[i]);
      phase_median[ph] = median_of(std::move(same));
    }
    for (std::size_t i = 0; i < n; ++i) d.seasonal[i] = phase_median[i % p];
  }
  d.baseline.resize(n);
  d.residual.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    d.baseline[i] = d.seasonal[i] + d.trend[i];
    d.residual[i] = x[i] - d.baseline[i];
  }
  d.ok = true;
  return d;
}
std::string str_arg(const CallArgs& a, std::size_t i, const char* dflt) { return a.size() > i && !a[i].is_null() ? to_kusto_string(a[i]) : dflt; }
double num_arg(const CallArgs& a, std::size_t i, double dflt) {
  if (a.size() <= i || a[i].is_null()) return dflt;
  bool ok;
  const double d = number_of(a[i], ok);
  return ok ? d : dflt;
}
Value f_series_decompose(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return null_tuple(4);
  const Decomposition d = decompose(*s, static_cast<std::int64_t>(num_arg(a, 1, -1)), str_arg(a, 2, "avg"),
                                    static_cast<std::int64_t>(num_arg(a, 3, 0)), num_arg(a, 4, 0.6));
  if (!d.ok) return null_tuple(4);
  return tuple_of({dyn_reals(d.baseline), dyn_reals(d.seasonal), dyn_reals(d.trend), dyn_reals(d.residual)});
}
// series_decompose_anomalies (series-decompose-anomalies-function): the residual of
// series_decompose scored by series_outliers (ctukey by default); ad_flag is +1 / -1 where the
// score is above Threshold / below -Threshold (1.5 by default), else 0.
Value f_series_decompose_anomalies(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return null_tuple(3);
  const double threshold = num_arg(a, 1, 1.5);
  const Decomposition d = decompose(*s, static_cast<std::int64_t>(num_arg(a, 2, -1)), str_arg(a, 3, "avg"),
                                    static_cast<std::int64_t>(num_arg(a, 4, 0)), num_arg(a, 6, 0.6));
  const std::string method = str_arg(a, 5, "ctukey");
  if (!d.ok || (method != "ctukey" && method != "tukey")) return null_tuple(3);
  Series res(d.residual.begin(), d.residual.end());
  const std::vector<double> score = outlier_scores(res, method == "tukey", 10, 90, std::nullopt);
  std::string fb;
  DynWriter fw(fb);
  fw.begin_array();
  for (double sc : score) fw.integer(sc > threshold ? 1 : sc < -threshold ? -1 : 0);
  fw.end();
  return tuple_of({Value::of_dynamic(std::move(fb)), dyn_reals(score), dyn_reals(d.baseline)});
}

// ---- series_fill_* (series-fill-forward-function, -backward-, -const-, -linear-): missing values
// (null, or missing_value_placeholder when given) are replaced.
bool missing(const std::optional<double>& d, const std::optional<double>& placeholder) {
  if (!d || std::isnan(*d)) return true;
  return placeholder && *d == *placeholder;
}
std::optional<double> placeholder_arg(const CallArgs& a, std::size_t i) {
  if (a.size() <= i || a[i].is_null()) return std::nullopt;
  bool ok;
  const double d = number_of(a[i], ok);
  return ok ? std::optional<double>(d) : std::nullopt;
}
// Writes integers as integers when the input's numbers are (series of counts stay longs).
Value dyn_filled(const Series& s, bool ints) {
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (auto& d : s) {
    if (!d || !std::isfinite(*d)) w.null();
    else if (ints && *d == std::floor(*d) && std::fabs(*d) < 9.2e18) w.integer(static_cast<std::int64_t>(*d));
    else w.real(*d);
  }
  w.end();
  return Value::of_dynamic(std::move(b));
}
bool all_ints(const Value& v) {
  bool ints = true;
  v.dyn().for_each_element([&](DynRef e) { if (e.kind() == DynKind::Real) ints = false; });
  return ints;
}
Value f_series_fill_forward(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return Value::null_of(Type::Dynamic);
  const auto ph = placeholder_arg(a, 1);
  std::optional<double> last;
  for (auto& d : *s) {
    if (missing(d, ph)) d = last;
    else last = d;
  }
  return dyn_filled(*s, all_ints(a[0]));
}
Value f_series_fill_backward(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return Value::null_of(Type::Dynamic);
  const auto ph = placeholder_arg(a, 1);
  std::optional<double> next;
  for (auto it = s->rbegin(); it != s->rend(); ++it) {
    if (missing(*it, ph)) *it = next;
    else next = *it;
  }
  return dyn_filled(*s, all_ints(a[0]));
}
Value f_series_fill_const(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return Value::null_of(Type::Dynamic);
  bool ok = true;
  const double c = a.size() > 1 && !a[1].is_null() ? number_of(a[1], ok) : 0.0;
  const auto ph = placeholder_arg(a, 2);
  for (auto& d : *s) if (missing(d, ph)) d = c;
  return dyn_filled(*s, all_ints(a[0]) && c == std::floor(c));
}
// series_fill_linear(series [, missing_value_placeholder [, fill_edges [, constant_value]]]):
// linear interpolation between known points; edges take the nearest known value when fill_edges
// (the default), else stay missing.
Value f_series_fill_linear(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return Value::null_of(Type::Dynamic);
  const auto ph = placeholder_arg(a, 1);
  const bool fill_edges = a.size() <= 2 || a[2].is_null() || a[2].truthy();
  // a series with no value at all becomes constant_value (0 by default); an integer series stays
  // integer (interpolated values truncated: 111, null, 36 gives 73), as the documented example.
  const double constant = placeholder_arg(a, 3).value_or(0.0);
  std::vector<std::size_t> known;
  for (std::size_t i = 0; i < s->size(); ++i) if (!missing((*s)[i], ph)) known.push_back(i);
  Series out(s->size());
  if (known.empty()) {
    for (auto& d : out) d = constant;
    return dyn_filled(out, false);
  }
  const bool ints = all_ints(a[0]);
  for (std::size_t i = 0; i < s->size(); ++i) {
    if (!missing((*s)[i], ph)) { out[i] = (*s)[i]; continue; }
    auto hi = std::lower_bound(known.begin(), known.end(), i);
    if (hi == known.begin()) { out[i] = fill_edges ? (*s)[known.front()] : std::optional<double>(); continue; }
    if (hi == known.end()) { out[i] = fill_edges ? (*s)[known.back()] : std::optional<double>(); continue; }
    const std::size_t l = *(hi - 1), h = *hi;
    const double y0 = *(*s)[l], y1 = *(*s)[h];
    const double v = y0 + (y1 - y0) * static_cast<double>(i - l) / static_cast<double>(h - l);
    out[i] = ints ? std::trunc(v) : v;
  }
  return dyn_filled(out, ints);
}

// ---- element-wise arithmetic and comparisons (series-add-function, ...): two series, or a series
// and a scalar; the result is as long as the longer input, null where either side has no number.
template <class Op>
Value elementwise(const CallArgs& a, Op op, bool boolean) {
  auto x = series_of(a[0]), y = series_of(a[1]);
  std::optional<double> xs, ys;
  bool ok = true;
  if (!x) { if (a[0].type == Type::Dynamic || !is_numeric(a[0].type) || a[0].is_null()) return Value::null_of(Type::Dynamic); xs = number_of(a[0], ok); }
  if (!y) { if (a[1].type == Type::Dynamic || !is_numeric(a[1].type) || a[1].is_null()) return Value::null_of(Type::Dynamic); ys = number_of(a[1], ok); }
  const std::size_t n = std::max(x ? x->size() : 0, y ? y->size() : 0);
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (std::size_t i = 0; i < n; ++i) {
    const std::optional<double> l = x ? (i < x->size() ? (*x)[i] : std::nullopt) : xs;
    const std::optional<double> r = y ? (i < y->size() ? (*y)[i] : std::nullopt) : ys;
    if (!l || !r) { w.null(); continue; }
    const double v = op(*l, *r);
    if (boolean) v != 0 ? w.boolean(true) : w.boolean(false);
    else write_real_or_null(w, v);
  }
  w.end();
  return Value::of_dynamic(std::move(b));
}
Value f_series_add(const CallArgs& a) { return elementwise(a, [](double l, double r) { return l + r; }, false); }
Value f_series_subtract(const CallArgs& a) { return elementwise(a, [](double l, double r) { return l - r; }, false); }
Value f_series_multiply(const CallArgs& a) { return elementwise(a, [](double l, double r) { return l * r; }, false); }
Value f_series_divide(const CallArgs& a) { return elementwise(a, [](double l, double r) { return l / r; }, false); }
Value f_series_greater(const CallArgs& a) { return elementwise(a, [](double l, double r) { return l > r ? 1.0 : 0.0; }, true); }
Value f_series_greater_equals(const CallArgs& a) { return elementwise(a, [](double l, double r) { return l >= r ? 1.0 : 0.0; }, true); }
Value f_series_less(const CallArgs& a) { return elementwise(a, [](double l, double r) { return l < r ? 1.0 : 0.0; }, true); }
Value f_series_less_equals(const CallArgs& a) { return elementwise(a, [](double l, double r) { return l <= r ? 1.0 : 0.0; }, true); }
Value f_series_equals(const CallArgs& a) { return elementwise(a, [](double l, double r) { return l == r ? 1.0 : 0.0; }, true); }
Value f_series_not_equals(const CallArgs& a) { return elementwise(a, [](double l, double r) { return l != r ? 1.0 : 0.0; }, true); }
Value f_series_abs(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return Value::null_of(Type::Dynamic);
  for (auto& d : *s) if (d) d = std::fabs(*d);
  return dyn_filled(*s, all_ints(a[0]));
}

// series-sign-function, series-floor-, -ceiling-, -exp-, -log-, -sin-, ... (series element-wise
// functions): the scalar function over each element; null where an element is not a number.
template <class F>
Value unary_reals(const CallArgs& a, F f) {
  auto s = series_of(a[0]);
  if (!s) return Value::null_of(Type::Dynamic);
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (auto& d : *s) {
    if (!d) { w.null(); continue; }
    write_real_or_null(w, f(*d));
  }
  w.end();
  return Value::of_dynamic(std::move(b));
}
Value f_series_sign(const CallArgs& a) { return unary_reals(a, [](double d) { return d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0; }); }
Value f_series_floor(const CallArgs& a) { return unary_reals(a, [](double d) { return std::floor(d); }); }
Value f_series_ceiling(const CallArgs& a) { return unary_reals(a, [](double d) { return std::ceil(d); }); }
Value f_series_exp(const CallArgs& a) { return unary_reals(a, [](double d) { return std::exp(d); }); }
Value f_series_log(const CallArgs& a) { return unary_reals(a, [](double d) { return std::log(d); }); }
Value f_series_sin(const CallArgs& a) { return unary_reals(a, [](double d) { return std::sin(d); }); }
Value f_series_cos(const CallArgs& a) { return unary_reals(a, [](double d) { return std::cos(d); }); }
Value f_series_tan(const CallArgs& a) { return unary_reals(a, [](double d) { return std::tan(d); }); }
Value f_series_asin(const CallArgs& a) { return unary_reals(a, [](double d) { return std::asin(d); }); }
Value f_series_acos(const CallArgs& a) { return unary_reals(a, [](double d) { return std::acos(d); }); }
Value f_series_atan(const CallArgs& a) { return unary_reals(a, [](double d) { return std::atan(d); }); }
Value f_series_pow(const CallArgs& a) { return elementwise(a, [](double l, double r) { return std::pow(l, r); }, false); }
// series-sum-function, series-product-, series-magnitude-, series-dot-product-,
// series-cosine-similarity-, series-pearson-correlation-function: reductions to one real; elements
// that are not numbers are left out (sum, product, magnitude) or make the result null.
Value f_series_sum(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return Value::null_of(Type::Real);
  double t = 0;
  for (auto& d : *s) if (d) t += *d;
  return Value::of_real(t);
}
Value f_series_product(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return Value::null_of(Type::Real);
  double t = 1;
  for (auto& d : *s) if (d) t *= *d;
  return Value::of_real(t);
}
Value f_series_magnitude(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return Value::null_of(Type::Real);
  double t = 0;
  for (auto& d : *s) if (d) t += *d * *d;
  return Value::of_real(std::sqrt(t));
}
std::optional<std::pair<std::vector<double>, std::vector<double>>> pair_of(const CallArgs& a) {
  auto x = series_of(a[0]), y = series_of(a[1]);
  if (!x || !y || x->size() != y->size()) return std::nullopt;
  std::vector<double> xs, ys;
  for (std::size_t i = 0; i < x->size(); ++i) {
    if (!finite((*x)[i]) || !finite((*y)[i])) return std::nullopt;
    xs.push_back(*(*x)[i]);
    ys.push_back(*(*y)[i]);
  }
  return std::make_pair(xs, ys);
}
Value f_series_dot_product(const CallArgs& a) {
  auto p = pair_of(a);
  if (!p) return Value::null_of(Type::Real);
  double t = 0;
  for (std::size_t i = 0; i < p->first.size(); ++i) t += p->first[i] * p->second[i];
  return Value::of_real(t);
}
Value f_series_cosine_similarity(const CallArgs& a) {
  auto p = pair_of(a);
  if (!p) return Value::null_of(Type::Real);
  double xy = 0, xx = 0, yy = 0;
  for (std::size_t i = 0; i < p->first.size(); ++i) {
    xy += p->first[i] * p->second[i];
    xx += p->first[i] * p->first[i];
    yy += p->second[i] * p->second[i];
  }
  if (xx == 0 || yy == 0) return Value::null_of(Type::Real);
  return Value::of_real(xy / std::sqrt(xx * yy));
}
Value f_series_pearson_correlation(const CallArgs& a) {
  auto p = pair_of(a);
  if (!p || p->first.empty()) return Value::null_of(Type::Real);
  const double n = static_cast<double>(p->first.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < p->first.size(); ++i) { mx += p->first[i]; my += p->second[i]; }
  mx /= n;
  my /= n;
  double xy = 0, xx = 0, yy = 0;
  for (std::size_t i = 0; i < p->first.size(); ++i) {
    const double dx = p->first[i] - mx, dy = p->second[i] - my;
    xy += dx * dy;
    xx += dx * dx;
    yy += dy * dy;
  }
  if (xx == 0 || yy == 0) return Value::null_of(Type::Real);
  return Value::of_real(xy / std::sqrt(xx * yy));
}

// ---- series_seasonal (series-seasonal-function): the median of the values at the same position
// of the period, over the whole series (null elements left out); a period of 0 or below other than
// -1 gives zeros (the page). Period -1 (the default) is detected as the page says, with
// series_periods_detect at threshold 0.7: the best period of the series (rulelab's period score,
// above) if it scores at least 0.7, else zeros. This gives the page's three examples (6, 5, none).
Value f_series_seasonal(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return Value::null_of(Type::Dynamic);
  double given = -1;
  if (a.size() > 1) {
    bool ok = false;
    if (a[1].is_null()) return Value::null_of(Type::Dynamic);
    given = number_of(a[1], ok);
    if (!ok) return Value::null_of(Type::Dynamic);
  }
  std::int64_t period = given > 0 && given == std::floor(given) ? static_cast<std::int64_t>(given) : 0;
  if (given == -1) {
    auto found = detect_periods(*s, 0, static_cast<double>(s->size()), 1);
    period = !found.empty() && found[0].second >= 0.7 ? static_cast<std::int64_t>(found[0].first) : 0;
  }
  std::vector<double> out(s->size(), 0.0);
  if (period > 0) {
    const auto p = static_cast<std::size_t>(period);
    for (std::size_t ph = 0; ph < p && ph < s->size(); ++ph) {
      std::vector<double> same;
      for (std::size_t i = ph; i < s->size(); i += p) if (finite((*s)[i])) same.push_back(*(*s)[i]);
      const double m = median_of(std::move(same));
      for (std::size_t i = ph; i < s->size(); i += p) out[i] = m;
    }
  }
  return dyn_reals(out);
}

// ---- series_fft / series_ifft (series-fft-function, series-ifft-function): the discrete Fourier
// transform X_k = sum_n x_n e^(-2 pi i k n / N) and its inverse (scaled by 1/N), of any length
// (radix 2, or Bluestein's chirp transform for other lengths). Both return (real, imaginary).
// A missing imaginary part is zeros; a null or non-numeric element reads as 0.
using Cplx = std::pair<std::vector<double>, std::vector<double>>;
void fft_pow2(std::vector<double>& re, std::vector<double>& im, bool inverse) {
  const std::size_t n = re.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) { std::swap(re[i], re[j]); std::swap(im[i], im[j]); }
  }
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const double ang = (inverse ? kTwoPi : -kTwoPi) / static_cast<double>(len);
    for (std::size_t i = 0; i < n; i += len)
      for (std::size_t k = 0; k < len / 2; ++k) {
        const double wr = std::cos(ang * static_cast<double>(k)), wi = std::sin(ang * static_cast<double>(k));
        const std::size_t u = i + k, v = i + k + len / 2;
        const double xr = re[v] * wr - im[v] * wi, xi = re[v] * wi + im[v] * wr;
        re[v] = re[u] - xr; im[v] = im[u] - xi;
        re[u] += xr; im[u] += xi;
      }
  }
}
Cplx dft(std::vector<double> re, std::vector<double> im, bool inverse) {
  const std::size_t n = re.size();
  if (n == 0) return {re, im};
  if ((n & (n - 1)) == 0) {
    fft_pow2(re, im, inverse);
  } else {
    // Bluestein: X_k = conj(w_k) * sum_n (x_n conj(w_n)) w_(k-n), w_m = e^(i pi m^2 / N) (forward).
    std::size_t m = 1;
    while (m < 2 * n - 1) m <<= 1;
    constexpr double kPi = 3.14159265358979323846;
    std::vector<double> wr(n), wi(n);
    for (std::size_t k = 0; k < n; ++k) {
      const auto kk = static_cast<unsigned long long>(k) * k % (2 * n);  // exact angle reduction
      const double ang = kPi * static_cast<double>(kk) / static_cast<double>(n) * (inverse ? -1 : 1);
      wr[k] = std::cos(ang);
      wi[k] = std::sin(ang);
    }
    std::vector<double> ar(m, 0), ai(m, 0), br(m, 0), bi(m, 0);
    for (std::size_t k = 0; k < n; ++k) {  // a = x * conj(w)
      ar[k] = re[k] * wr[k] + im[k] * wi[k];
      ai[k] = im[k] * wr[k] - re[k] * wi[k];
    }
    br[0] = wr[0]; bi[0] = wi[0];
    for (std::size_t k = 1; k < n; ++k) { br[k] = br[m - k] = wr[k]; bi[k] = bi[m - k] = wi[k]; }
    fft_pow2(ar, ai, false);
    fft_pow2(br, bi, false);
    for (std::size_t k = 0; k < m; ++k) {
      const double r = ar[k] * br[k] - ai[k] * bi[k], i = ar[k] * bi[k] + ai[k] * br[k];
      ar[k] = r; ai[k] = i;
    }
    fft_pow2(ar, ai, true);
    for (std::size_t k = 0; k < n; ++k) {
      const double r = ar[k] / static_cast<double>(m), i = ai[k] / static_cast<double>(m);
      re[k] = r * wr[k] + i * wi[k];  // times conj(w)
      im[k] = i * wr[k] - r * wi[k];
    }
  }
  if (inverse)
    for (std::size_t k = 0; k < n; ++k) { re[k] /= static_cast<double>(n); im[k] /= static_cast<double>(n); }
  return {re, im};
}
std::vector<double> zeros_for_missing(const Series& s) {
  std::vector<double> v(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) v[i] = finite(s[i]) ? *s[i] : 0.0;
  return v;
}
Value fft_call(const CallArgs& a, bool inverse) {
  auto re = series_of(a[0]);
  if (!re) return null_tuple(2);
  std::vector<double> im(re->size(), 0.0);
  if (a.size() > 1 && !a[1].is_null()) {
    auto s = series_of(a[1]);
    if (!s || s->size() != re->size()) return null_tuple(2);
    im = zeros_for_missing(*s);
  }
  const Cplx r = dft(zeros_for_missing(*re), std::move(im), inverse);
  return tuple_of({dyn_reals(r.first), dyn_reals(r.second)});
}
Value f_series_fft(const CallArgs& a) { return fft_call(a, false); }
Value f_series_ifft(const CallArgs& a) { return fft_call(a, true); }

// ---- series_fir (series-fir-function): y_i = sum_k f_k x_(i-k) (points before the start read as
// 0), the filter divided by its sum when normalize (default: true unless a coefficient is
// negative; normalize=true with a negative coefficient gives null). center=true shifts the window
// by (length - 1) / 2 (rounded down) so the filter's peak stays in place (the page's five-point
// moving average). Null elements read as 0.
Value f_series_fir(const CallArgs& a) {
  auto x = series_of(a[0]);
  auto f = series_of(a[1]);
  if (!x || !f || f->empty()) return Value::null_of(Type::Dynamic);
  std::vector<double> h = zeros_for_missing(*f);
  const bool negative = std::any_of(h.begin(), h.end(), [](double d) { return d < 0; });
  const bool given = a.size() > 2 && !a[2].is_null();
  const bool normalize = given ? a[2].truthy() : !negative;
  if (normalize) {
    if (negative) return Value::null_of(Type::Dynamic);
    double sum = 0;
    for (double d : h) sum += d;
    if (sum == 0) return Value::null_of(Type::Dynamic);
    for (double& d : h) d /= sum;
  }
  const bool center = flag_arg(a, 3);
  const std::vector<double> v = zeros_for_missing(*x);
  const auto n = static_cast<std::int64_t>(v.size()), m = static_cast<std::int64_t>(h.size());
  const std::int64_t shift = center ? (m - 1) / 2 : 0;
  std::vector<double> y(v.size(), 0.0);
  for (std::int64_t i = 0; i < n; ++i) {
    double acc = 0;
    for (std::int64_t k = 0; k < m; ++k) {
      const std::int64_t j = i + shift - k;
      if (j >= 0 && j < n) acc += h[static_cast<std::size_t>(k)] * v[static_cast<std::size_t>(j)];
    }
    y[static_cast<std::size_t>(i)] = acc;
  }
  return dyn_reals(y);
}

// ---- series_iir (series-iir-function): y_i = (sum_k b_k x_(i-k) - sum_(k>=1) a_k y_(i-k)) / a_0,
// points before the start read as 0; a_0 = 0 gives null. Null elements read as 0.
Value f_series_iir(const CallArgs& a) {
  auto x = series_of(a[0]);
  auto b = series_of(a[1]);
  auto d = series_of(a[2]);
  if (!x || !b || !d || d->empty() || !finite((*d)[0]) || *(*d)[0] == 0) return Value::null_of(Type::Dynamic);
  const std::vector<double> v = zeros_for_missing(*x), num = zeros_for_missing(*b), den = zeros_for_missing(*d);
  std::vector<double> y(v.size(), 0.0);
  for (std::size_t i = 0; i < v.size(); ++i) {
    double acc = 0;
    for (std::size_t k = 0; k < num.size() && k <= i; ++k) acc += num[k] * v[i - k];
    for (std::size_t k = 1; k < den.size() && k <= i; ++k) acc -= den[k] * y[i - k];
    y[i] = acc / den[0];
  }
  return dyn_reals(y);
}

// ---- series_fit_poly (series-fit-poly-function): least-squares polynomial of the given degree
// (1 by default) over x (1..n by default), solved by Householder QR. Columns: rsquare,
// coefficients (highest power first), variance, rvariance, poly_fit; variance and rvariance are
// taken as in series_fit_line (over n - 1), so degree 1 gives series_fit_line's values, as the
// page's second example shows. Points whose x or y is missing are left out of the fit.
Value f_series_fit_poly(const CallArgs& a) {
  auto y = series_of(a[0]);
  if (!y) return null_tuple(5);
  Series xs;
  if (a.size() > 1 && !a[1].is_null()) {
    auto x = series_of(a[1]);
    if (!x || x->size() != y->size()) return null_tuple(5);
    xs = *x;
  } else {
    for (std::size_t i = 0; i < y->size(); ++i) xs.push_back(static_cast<double>(i + 1));
  }
  const double deg_d = num_arg(a, 2, 1);
  if (deg_d < 1 || deg_d > 64 || deg_d != std::floor(deg_d)) return null_tuple(5);
  const auto p = static_cast<std::size_t>(deg_d) + 1;  // unknowns
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < y->size(); ++i)
    if (finite((*y)[i]) && finite(xs[i])) rows.push_back(i);
  const std::size_t m = rows.size();
  if (m < p) return null_tuple(5);
  // A (m x p), column j = x^(p-1-j); b = y. Column-major.
  std::vector<double> A(m * p), bvec(m);
  for (std::size_t r = 0; r < m; ++r) {
    const double xv = *xs[rows[r]];
    double pw = 1;
    for (std::size_t j = p; j-- > 0;) { A[j * m + r] = pw; pw *= xv; }
    bvec[r] = *(*y)[rows[r]];
  }
  for (std::size_t k = 0; k < p; ++k) {
    double norm = 0;
    for (std::size_t r = k; r < m; ++r) norm += A[k * m + r] * A[k * m + r];
    norm = std::sqrt(norm);
    if (norm == 0) return null_tuple(5);
    const double alpha = A[k * m + k] > 0 ? -norm : norm;
    std::vector<double> v(m, 0.0);
    for (std::size_t r = k; r < m; ++r) v[r] = A[k * m + r];
    v[k] -= alpha;
    double vv = 0;
    for (std::size_t r = k; r < m; ++r) vv += v[r] * v[r];
    if (vv == 0) continue;
    auto reflect = [&](double* col) {
      double dot = 0;
      for (std::size_t r = k; r < m; ++r) dot += v[r] * col[r];
      const double f = 2 * dot / vv;
      for (std::size_t r = k; r < m; ++r) col[r] -= f * v[r];
    };
    for (std::size_t j = k; j < p; ++j) reflect(&A[j * m]);
    reflect(bvec.data());
  }
  std::vector<double> coef(p, 0.0);
  for (std::size_t k = p; k-- > 0;) {
    double acc = bvec[k];
    for (std::size_t j = k + 1; j < p; ++j) acc -= A[j * m + k] * coef[j];
    if (A[k * m + k] == 0) return null_tuple(5);
    coef[k] = acc / A[k * m + k];
  }
  auto eval = [&](double xv) {
    double acc = 0;
    for (double c : coef) acc = acc * xv + c;
    return acc;
  };
  double my = 0;
  for (std::size_t r : rows) my += *(*y)[r];
  my /= static_cast<double>(m);
  double syy = 0, ssr = 0;
  for (std::size_t r : rows) {
    const double dy = *(*y)[r] - my, e = *(*y)[r] - eval(*xs[r]);
    syy += dy * dy;
    ssr += e * e;
  }
  std::vector<double> fit(y->size());
  for (std::size_t i = 0; i < fit.size(); ++i) fit[i] = finite(xs[i]) ? eval(*xs[i]) : std::nan("");
  const double nm1 = m > 1 ? static_cast<double>(m - 1) : 1;
  return tuple_of({Value::of_real(syy > 0 ? 1 - ssr / syy : 1), dyn_reals(coef), Value::of_real(syy / nm1), Value::of_real(ssr / nm1),
                   dyn_reals(fit)});
}

// ---- series_fit_2lines(_dynamic) (series-fit-2lines-function): for each split, a line
// (series_fit_line's fit, x = 1..n over the whole series) through the points left of the split and
// one through the points from the split on; the split with the highest total r-square
// 1 - (SSres_left + SSres_right) / SStot wins. The page does not say which side holds the split
// point nor the smallest segment: rulelab puts the split index first in the right segment and
// wants two points on each side (so a series of fewer than 4 points gives nulls). variance and
// rvariance are over n - 1, as in series_fit_line.
struct TwoLines {
  double rsquare = 0, variance = 0, rvariance = 0;
  std::int64_t split = -1;
  std::vector<double> fit;
  Line left, right;
  bool ok = false;
};
Line fit_range(const std::vector<double>& x, std::size_t from, std::size_t to, double& ssr) {
  Line l;
  const double n = static_cast<double>(to - from);
  double sx = 0, sy = 0;
  for (std::size_t i = from; i < to; ++i) { sx += static_cast<double>(i + 1); sy += x[i]; }
  const double mx = sx / n, my = sy / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = from; i < to; ++i) {
    const double dx = static_cast<double>(i + 1) - mx, dy = x[i] - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  l.slope = sxx > 0 ? sxy / sxx : 0;
  l.intercept = my - l.slope * mx;
  ssr = 0;
  for (std::size_t i = from; i < to; ++i) {
    const double r = x[i] - (l.slope * static_cast<double>(i + 1) + l.intercept);
    ssr += r * r;
  }
  l.variance = n > 1 ? syy / (n - 1) : 0;
  l.rvariance = n > 1 ? ssr / (n - 1) : 0;
  l.rsquare = syy > 0 ? 1 - ssr / syy : 1;
  l.ok = true;
  return l;
}
TwoLines fit_2lines(const Series& s) {
  TwoLines t;
  const std::size_t n = s.size();
  if (n < 4) return t;
  const std::vector<double> x = zeros_for_missing(s);
  double my = 0;
  for (double d : x) my += d;
  my /= static_cast<double>(n);
  double syy = 0;
  for (double d : x) syy += (d - my) * (d - my);
  double best_ssr = 0;
  for (std::size_t k = 2; k + 2 <= n; ++k) {
    double sl = 0, sr = 0;
    Line l = fit_range(x, 0, k, sl), r = fit_range(x, k, n, sr);
    if (t.split < 0 || sl + sr < best_ssr) {
      best_ssr = sl + sr;
      t.split = static_cast<std::int64_t>(k);
      t.left = l;
      t.right = r;
    }
  }
  t.variance = syy / static_cast<double>(n - 1);
  t.rvariance = best_ssr / static_cast<double>(n - 1);
  t.rsquare = syy > 0 ? 1 - best_ssr / syy : 1;
  t.fit.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Line& l = static_cast<std::int64_t>(i) < t.split ? t.left : t.right;
    t.fit[i] = l.slope * static_cast<double>(i + 1) + l.intercept;
  }
  t.ok = true;
  return t;
}
Value f_series_fit_2lines(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return null_tuple(15);
  const TwoLines t = fit_2lines(*s);
  if (!t.ok) return null_tuple(15);
  auto r = [](double d) { return Value::of_real(d); };
  return tuple_of({r(t.rsquare), Value::of_long(t.split), r(t.variance), r(t.rvariance), dyn_reals(t.fit),
                   r(t.right.rsquare), r(t.right.slope), r(t.right.intercept), r(t.right.variance), r(t.right.rvariance),
                   r(t.left.rsquare), r(t.left.slope), r(t.left.intercept), r(t.left.variance), r(t.left.rvariance)});
}
Value f_series_fit_2lines_dynamic(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s) return Value::null_of(Type::Dynamic);
  const TwoLines t = fit_2lines(*s);
  std::string b;
  DynWriter w(b);
  w.begin_object();
  auto real = [&](const char* k, double d) { w.key(k); if (t.ok) write_real_or_null(w, d); else w.null(); };
  auto side = [&](const char* k, const Line& l) {
    w.key(k);
    w.begin_object();
    real("rsquare", l.rsquare);
    real("slope", l.slope);
    real("interception", l.intercept);
    real("variance", l.variance);
    real("rvariance", l.rvariance);
    w.end();
  };
  real("rsquare", t.rsquare);
  w.key("split_idx");
  if (t.ok) w.integer(t.split); else w.null();
  real("variance", t.variance);
  real("rvariance", t.rvariance);
  w.key("line_fit");
  w.begin_array();
  for (double d : t.fit) write_real_or_null(w, d);
  w.end();
  side("right", t.right);
  side("left", t.left);
  w.end();
  return Value::of_dynamic(std::move(b));
}

// ---- series_decompose_forecast (series-decompose-forecast-function): series_decompose with the
// last Points left out of the learning; the forecast is the baseline (seasonal + trend) over the
// whole series.
Value f_series_decompose_forecast(const CallArgs& a) {
  auto s = series_of(a[0]);
  if (!s || a[1].is_null()) return Value::null_of(Type::Dynamic);
  const Decomposition d = decompose(*s, static_cast<std::int64_t>(num_arg(a, 2, -1)), str_arg(a, 3, "avg"),
                                    static_cast<std::int64_t>(num_arg(a, 1, 0)), num_arg(a, 4, 0.6));
  if (!d.ok) return Value::null_of(Type::Dynamic);
  return dyn_reals(d.baseline);
}

}  // namespace

const std::vector<MultiOutputFunction>& multi_output_functions() {
  static const std::vector<MultiOutputFunction> table = {
      {"series_stats", {{"min", Type::Real}, {"min_idx", Type::Long}, {"max", Type::Real}, {"max_idx", Type::Long},
                        {"avg", Type::Real}, {"stdev", Type::Real}, {"variance", Type::Real}}},
      {"series_fit_line", {{"rsquare", Type::Real}, {"slope", Type::Real}, {"variance", Type::Real}, {"rvariance", Type::Real},
                           {"interception", Type::Real}, {"line_fit", Type::Dynamic}}},
      {"series_decompose", {{"baseline", Type::Dynamic}, {"seasonal", Type::Dynamic}, {"trend", Type::Dynamic}, {"residual", Type::Dynamic}}},
      {"series_decompose_anomalies", {{"ad_flag", Type::Dynamic}, {"ad_score", Type::Dynamic}, {"baseline", Type::Dynamic}}},
      {"series_fft", {{"real", Type::Dynamic}, {"imag", Type::Dynamic}}},
      // the pages' column names: detect's second is `..._periods_scores`, validate's `..._scores`
      {"series_periods_detect", {{"periods", Type::Dynamic}, {"periods_scores", Type::Dynamic}}},
      {"series_periods_validate", {{"periods", Type::Dynamic}, {"scores", Type::Dynamic}}},
      {"series_ifft", {{"real", Type::Dynamic}, {"imag", Type::Dynamic}}},
      {"series_fit_poly", {{"rsquare", Type::Real}, {"coefficients", Type::Dynamic}, {"variance", Type::Real}, {"rvariance", Type::Real},
                           {"poly_fit", Type::Dynamic}}},
      {"series_fit_2lines", {{"rsquare", Type::Real}, {"split_idx", Type::Long}, {"variance", Type::Real}, {"rvariance", Type::Real},
                             {"line_fit", Type::Dynamic}, {"right_rsquare", Type::Real}, {"right_slope", Type::Real},
                             {"right_interception", Type::Real}, {"right_variance", Type::Real}, {"right_rvariance", Type::Real},
                             {"left_rsquare", Type::Real}, {"left_slope", Type::Real}, {"left_interception", Type::Real},
                             {"left_variance", Type::Real}, {"left_rvariance", Type::Real}}},
  };
  return table;
}
const MultiOutputFunction* find_multi_output(std::string_view name) {
  for (auto& f : multi_output_functions()) if (f.name == name) return &f;
  return nullptr;
}

void add_series_functions(std::vector<ScalarFunction>& out) {
  std::string_view cat;  // the reference category of the entries below (empty: the family's)
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); out.back().category = cat; };
  add("series_stats", 1, 2, ret_dynamic, f_series_stats);
  add("series_stats_dynamic", 1, 2, ret_dynamic, f_series_stats_dynamic);
  add("series_fit_line", 1, 2, ret_dynamic, f_series_fit_line);
  add("series_fit_line_dynamic", 1, 2, ret_dynamic, f_series_fit_line_dynamic);
  add("series_outliers", 1, 5, ret_dynamic, f_series_outliers);
  add("series_decompose", 1, 5, ret_dynamic, f_series_decompose);
  add("series_decompose_anomalies", 1, 7, ret_dynamic, f_series_decompose_anomalies);
  add("series_fill_forward", 1, 2, ret_dynamic, f_series_fill_forward);
  add("series_fill_backward", 1, 2, ret_dynamic, f_series_fill_backward);
  add("series_fill_const", 1, 3, ret_dynamic, f_series_fill_const);
  add("series_fill_linear", 1, 4, ret_dynamic, f_series_fill_linear);
  cat = "Series element-wise functions";
  add("series_add", 2, 2, ret_dynamic, f_series_add);
  add("series_subtract", 2, 2, ret_dynamic, f_series_subtract);
  add("series_multiply", 2, 2, ret_dynamic, f_series_multiply);
  add("series_divide", 2, 2, ret_dynamic, f_series_divide);
  add("series_greater", 2, 2, ret_dynamic, f_series_greater);
  add("series_greater_equals", 2, 2, ret_dynamic, f_series_greater_equals);
  add("series_less", 2, 2, ret_dynamic, f_series_less);
  add("series_less_equals", 2, 2, ret_dynamic, f_series_less_equals);
  add("series_equals", 2, 2, ret_dynamic, f_series_equals);
  add("series_not_equals", 2, 2, ret_dynamic, f_series_not_equals);
  add("series_abs", 1, 1, ret_dynamic, f_series_abs);
  add("series_sign", 1, 1, ret_dynamic, f_series_sign);
  add("series_floor", 1, 1, ret_dynamic, f_series_floor);
  add("series_ceiling", 1, 1, ret_dynamic, f_series_ceiling);
  add("series_exp", 1, 1, ret_dynamic, f_series_exp);
  add("series_log", 1, 1, ret_dynamic, f_series_log);
  add("series_sin", 1, 1, ret_dynamic, f_series_sin);
  add("series_cos", 1, 1, ret_dynamic, f_series_cos);
  add("series_tan", 1, 1, ret_dynamic, f_series_tan);
  add("series_asin", 1, 1, ret_dynamic, f_series_asin);
  add("series_acos", 1, 1, ret_dynamic, f_series_acos);
  add("series_atan", 1, 1, ret_dynamic, f_series_atan);
  add("series_pow", 2, 2, ret_dynamic, f_series_pow);
  cat = {};
  add("series_sum", 1, 1, ret_real, f_series_sum);
  add("series_product", 1, 1, ret_real, f_series_product);
  add("series_magnitude", 1, 1, ret_real, f_series_magnitude);
  add("series_dot_product", 2, 2, ret_real, f_series_dot_product);
  add("series_cosine_similarity", 2, 2, ret_real, f_series_cosine_similarity);
  add("series_pearson_correlation", 2, 2, ret_real, f_series_pearson_correlation);
  add("series_fft", 1, 2, ret_dynamic, f_series_fft);
  add("series_ifft", 1, 2, ret_dynamic, f_series_ifft);
  add("series_fir", 2, 4, ret_dynamic, f_series_fir);
  add("series_iir", 3, 3, ret_dynamic, f_series_iir);
  add("series_fit_poly", 1, 3, ret_dynamic, f_series_fit_poly);
  add("series_fit_2lines", 1, 1, ret_dynamic, f_series_fit_2lines);
  add("series_fit_2lines_dynamic", 1, 1, ret_dynamic, f_series_fit_2lines_dynamic);
  add("series_decompose_forecast", 2, 5, ret_dynamic, f_series_decompose_forecast);
  add("series_periods_detect", 4, 4, ret_dynamic, f_series_periods_detect);
  add("series_periods_validate", 2, 17, ret_dynamic, f_series_periods_validate);  // up to 16 periods (the page)
  add("series_seasonal", 1, 2, ret_dynamic, f_series_seasonal);
  // one column of a multi-column function's tuple (the binder's split)
  cat = "rulelab";
  add(".tuple_item", 2, 2, ret_dynamic, [](const CallArgs& a) -> Value {
    if (a[0].type != Type::Dynamic || !a[0].dyn().is_array() || a[1].is_null()) return Value::null_of(Type::Dynamic);
    DynRef e = a[0].dyn().at(a[1].i);
    return e.valid() ? Value::of_dynamic(e) : Value::null_of(Type::Dynamic);
  });
}

}  // namespace rulelab::engine
