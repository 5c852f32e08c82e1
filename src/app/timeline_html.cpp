// The simulate timeline page: one self-contained HTML document (inline CSS and SVG, no scripts, no
// external resources). Layout, top to bottom: a summary, a legend, the chart (a labelled time axis
// at round times, one lane of event marks per table, one bar per run window), then a table of the
// events and a table of the runs. Large inputs are capped (marks, bars and table rows) so the page
// stays small; the caps keep alerted and unseen events first and say how many were left out.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string_view>

#include "app/timeline.hpp"
#include "core/datetime.hpp"

namespace rulelab::app {

namespace {

constexpr std::size_t kMaxMarks = 2000;        // event marks drawn in the chart
constexpr std::size_t kMaxMarkLabels = 60;     // marks get a visible number up to this many
constexpr std::size_t kMaxRunBars = 1000;      // run bars drawn in the chart
constexpr std::size_t kMaxTableEvents = 500;   // rows of the events table
constexpr std::size_t kMaxTableRuns = 500;     // rows of the runs table
constexpr std::size_t kMaxText = 300;          // bytes of one field value, table name, ...
constexpr std::size_t kMaxTooltipValue = 120;  // bytes of one field value in a mark's tooltip
constexpr std::size_t kMaxTicks = 12;

constexpr double kWidth = 1200, kLeft = 200, kRight = 24;
constexpr double kAxisY = 44, kLaneH = 30, kGap = 18;

// ---- text -------------------------------------------------------------------------------------

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// At most n bytes, not cutting a UTF-8 sequence, with an ellipsis when cut.
std::string shorten(std::string_view s, std::size_t n = kMaxText) {
  if (s.size() <= n) return std::string(s);
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "…";
}

// Escaped and shortened: what every piece of input text goes through before it reaches the page.
std::string text(std::string_view s, std::size_t n = kMaxText) { return esc(shorten(s, n)); }

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// ---- time -------------------------------------------------------------------------------------

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return -floor_div(-a, b); }

struct Civil {
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  std::int64_t hh = 0, mm = 0, ss = 0;
  std::int64_t day = 0;  // days since the epoch
};

Civil civil(std::int64_t ticks) {
  Civil c;
  c.day = floor_div(ticks, kTicksPerDay);
  const std::int64_t secs = (ticks - c.day * kTicksPerDay) / kTicksPerSecond;
  civil_from_days(c.day, c.y, c.m, c.d);
  c.hh = secs / 3600;
  c.mm = secs / 60 % 60;
  c.ss = secs % 60;
  return c;
}

std::string month_day(const Civil& c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02u-%02u", c.m, c.d);
  return buf;
}

std::string clock(const Civil& c, bool seconds) {
  char buf[32];
  if (seconds)
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", static_cast<long long>(c.hh), static_cast<long long>(c.mm),
                  static_cast<long long>(c.ss));
  else
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(c.hh), static_cast<long long>(c.mm));
  return buf;
}

// "09-03 14:00": short enough for a row label.
std::string short_time(DateTime t) {
  const Civil c = civil(t.ticks);
  return month_day(c) + " " + clock(c, c.ss != 0);
}

// ---- the time scale and its ticks -------------------------------------------------------------

struct Scale {
  std::int64_t t0 = 0, t1 = 1;  // ticks at the two ends (t1 > t0)
  double x0 = kLeft, x1 = kWidth - kRight;
  double x(DateTime t) const {
    return x0 + (x1 - x0) * (static_cast<double>(t.ticks - t0) / static_cast<double>(t1 - t0));
  }
};

// The earliest and latest time the page shows: event times, run times and window ends.
std::optional<Scale> scale_of(const Timeline& t) {
  std::optional<std::int64_t> lo, hi;
  auto take = [&](DateTime d) {
    lo = lo ? std::min(*lo, d.ticks) : d.ticks;
    hi = hi ? std::max(*hi, d.ticks) : d.ticks;
  };
  for (const auto& e : t.events)
    if (e.time) take(*e.time);
  for (const auto& r : t.runs) {
    take(r.now);
    take(r.window.from);
    take(r.window.to);
  }
  if (!lo) return std::nullopt;
  Scale s;
  s.t0 = *lo;
  s.t1 = *hi;
  if (s.t1 == s.t0) {  // one instant: show half an hour either side
    s.t0 -= 1800 * kTicksPerSecond;
    s.t1 += 1800 * kTicksPerSecond;
  }
  return s;
}

std::size_t tick_count(const Scale& s, std::int64_t step) {
  const std::int64_t first = ceil_div(s.t0, step), last = floor_div(s.t1, step);
  return last < first ? 0 : static_cast<std::size_t>(last - first + 1);
}

// The smallest round step that puts at most kMaxTicks ticks between the ends.
std::int64_t tick_step(const Scale& s) {
  static constexpr std::array<std::int64_t, 21> kSeconds = {
      1,    5,     10,    15,    30,    60,    300,    600,    900,     1800,   3600,
      7200, 10800, 21600, 43200, 86400, 172800, 259200, 604800, 1209600, 2419200};
  std::int64_t step = 0;
  for (std::int64_t secs : kSeconds) {
    step = secs * kTicksPerSecond;
    if (tick_count(s, step) <= kMaxTicks) return step;
  }
  while (tick_count(s, step) > kMaxTicks) step *= 2;
  return step;
}

struct Tick {
  DateTime at;
  std::string label;  // the clock time, or the date for steps of a day or more
  std::string date;   // the date (or year) under it where it changes; empty otherwise
};

std::vector<Tick> ticks(const Scale& s) {
  const std::int64_t step = tick_step(s);
  const bool days = step >= kTicksPerDay, seconds = step < 60 * kTicksPerSecond;
  std::vector<Tick> out;
  std::optional<Civil> prev;
  for (std::int64_t k = ceil_div(s.t0, step); k <= floor_div(s.t1, step); ++k) {
    const Civil c = civil(k * step);
    Tick tk{DateTime{k * step}, days ? month_day(c) : clock(c, seconds), {}};
    if (days && (!prev || prev->y != c.y)) tk.date = std::to_string(c.y);
    if (!days && (!prev || prev->day != c.day)) tk.date = month_day(c);
    out.push_back(std::move(tk));
    prev = c;
  }
  return out;
}

// ---- what the page says about events and runs -------------------------------------------------

enum class Seen { yes, suppressed_only, no };

// Seen when the window of a run that happened holds it; runs suppressed did not read anything.
Seen seen(const Timeline& t, const TimelineEvent& e) {
  bool any = false;
  for (std::size_t r : e.runs) {
    if (r >= t.runs.size()) continue;
    any = true;
    if (!t.runs[r].suppressed) return Seen::yes;
  }
  return any ? Seen::suppressed_only : Seen::no;
}

std::string status(const Timeline& t, const TimelineEvent& e) {
  std::string s;
  if (!e.time) s = "no readable time; ";
  switch (seen(t, e)) {
    case Seen::yes: s += "seen"; break;
    case Seen::suppressed_only: s += "unseen (only suppressed runs hold it)"; break;
    case Seen::no: s += "unseen (no run's window holds it)"; break;
  }
  if (e.alerted) s += "; led to an alert";
  return s;
}

// Run numbers as ranges, 1-based as the chart shows them: "#1–#3, #7".
std::string run_ranges(const Timeline& t, std::vector<std::size_t> runs) {
  std::erase_if(runs, [&](std::size_t r) { return r >= t.runs.size(); });
  std::sort(runs.begin(), runs.end());
  runs.erase(std::unique(runs.begin(), runs.end()), runs.end());
  if (runs.empty()) return "none";
  std::string out;
  std::size_t pieces = 0;
  for (std::size_t i = 0; i < runs.size();) {
    std::size_t j = i;
    while (j + 1 < runs.size() && runs[j + 1] == runs[j] + 1) ++j;
    if (++pieces > 20) return out + ", … (" + std::to_string(runs.size()) + " runs)";
    if (!out.empty()) out += ", ";
    out += "#" + std::to_string(runs[i] + 1);
    if (j > i) out += "–#" + std::to_string(runs[j] + 1);
    i = j + 1;
  }
  return out;
}

std::string event_name(const TimelineEvent& e) { return e.table + "  " + e.file + ":" + std::to_string(e.line); }

std::string fields_text(const TimelineEvent& e, std::string_view sep, std::size_t max_value = kMaxText) {
  std::string out;
  for (const auto& [name, value] : e.fields) {
    if (!out.empty()) out += sep;
    out += text(name) + " = " + text(value, max_value);
  }
  return out;
}

std::string event_tooltip(const Timeline& t, const TimelineEvent& e, std::size_t number) {
  std::string s = "E" + std::to_string(number) + "  " + text(event_name(e), 2 * kMaxText) + "\n";
  s += e.time ? format_datetime(*e.time) : std::string("no readable time");
  if (!e.fields.empty()) s += "\n" + fields_text(e, "\n", kMaxTooltipValue);
  s += "\nruns whose window holds it: " + run_ranges(t, e.runs);
  s += "\n" + esc(status(t, e));
  return s;
}

std::string run_status(const TimelineRun& r) {
  if (r.suppressed) return "suppressed";
  if (r.alert) return "ALERT (" + std::to_string(r.alerts) + ")";
  return "no alert";
}

std::string run_tooltip(const Timeline& t, std::size_t i, std::size_t held) {
  const TimelineRun& r = t.runs[i];
  std::string s = "run #" + std::to_string(i + 1) + " at " + format_datetime(r.now);
  s += "\nwindow " + text(r.window.text()) + " on " + text(r.window.field.empty() ? t.time_field : r.window.field);
  s += "\nevents held: " + std::to_string(held) + ", rows: " + std::to_string(r.rows) +
       ", alerts: " + std::to_string(r.alerts);
  s += "\n" + run_status(r);
  if (r.suppressed) s += ": suppression was on, the run did not happen";
  return s;
}

// Events held per run, for the run tooltips and the runs table.
std::vector<std::size_t> held_per_run(const Timeline& t) {
  std::vector<std::size_t> held(t.runs.size(), 0);
  for (const auto& e : t.events)
    for (std::size_t r : e.runs)
      if (r < held.size()) ++held[r];
  return held;
}

// ---- which events, in which order -------------------------------------------------------------

// Event indexes by time (events without a time last), then input order. Position + 1 is the
// event's number (E1, E2, ...) in the chart and the table.
std::vector<std::size_t> time_order(const Timeline& t) {
  std::vector<std::size_t> order(t.events.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto& ta = t.events[a].time;
    const auto& tb = t.events[b].time;
    if (ta.has_value() != tb.has_value()) return ta.has_value();
    return ta && *ta < *tb;
  });
  return order;
}

// At most `cap` positions of `order`, alerted and unseen events first, returned in time order.
std::vector<std::size_t> pick(const Timeline& t, const std::vector<std::size_t>& order, std::size_t cap) {
  std::vector<std::size_t> pos(order.size());
  for (std::size_t i = 0; i < pos.size(); ++i) pos[i] = i;
  if (pos.size() <= cap) return pos;
  auto rank = [&](std::size_t p) {
    const TimelineEvent& e = t.events[order[p]];
    return e.alerted ? 0 : seen(t, e) != Seen::yes ? 1 : 2;
  };
  std::stable_sort(pos.begin(), pos.end(), [&](std::size_t a, std::size_t b) { return rank(a) < rank(b); });
  pos.resize(cap);
  std::sort(pos.begin(), pos.end());
  return pos;
}

// ---- the chart --------------------------------------------------------------------------------

struct Layout {
  Scale scale;
  std::vector<std::string> tables;  // one lane each, sorted
  double lanes_y = kAxisY + 12;     // top of the first lane
  double runs_y = 0;                // top of the first run row
  double row_h = 18;
  std::size_t bars = 0;             // run bars drawn
  double plot_bottom = 0;           // where the grid lines end
  bool bottom_labels = false;       // tall charts repeat the tick labels under the grid
  double bottom = 0;                // last y used

  double lane_y(const std::string& table) const {  // centre of the table's lane
    const auto it = std::lower_bound(tables.begin(), tables.end(), table);
    return lanes_y + kLaneH * (static_cast<double>(it - tables.begin()) + 0.5);
  }
  double row_y(std::size_t run) const { return runs_y + row_h * static_cast<double>(run); }
};

Layout layout(const Timeline& t, const Scale& s) {
  Layout l;
  l.scale = s;
  for (const auto& e : t.events)
    if (e.time) l.tables.push_back(e.table);
  std::sort(l.tables.begin(), l.tables.end());
  l.tables.erase(std::unique(l.tables.begin(), l.tables.end()), l.tables.end());
  l.runs_y = l.lanes_y + kLaneH * static_cast<double>(l.tables.size()) + kGap;
  l.bars = std::min(t.runs.size(), kMaxRunBars);
  if (l.bars > 40) l.row_h = std::max(2.0, 720.0 / static_cast<double>(l.bars));
  l.plot_bottom = l.row_y(l.bars) + 6;
  l.bottom_labels = l.plot_bottom - kAxisY > 400;
  l.bottom = l.plot_bottom + (l.bottom_labels ? 18 : 0);
  return l;
}

void svg_defs(std::string& out) {
  out +=
      "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>"
      "<pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#edf2f7\"/>"
      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#718096\" stroke-width=\"2.5\"/></pattern>"
      "</defs></svg>\n";
}

void svg_axis(std::string& out, const Layout& l) {
  const Scale& s = l.scale;
  out += "<g class=\"axis\"><line x1=\"" + num(s.x0) + "\" y1=\"" + num(kAxisY) + "\" x2=\"" + num(s.x1) + "\" y2=\"" +
         num(kAxisY) + "\" class=\"axis-line\"/>\n";
  for (const Tick& tk : ticks(s)) {
    const std::string x = num(s.x(tk.at));
    const bool day = !tk.date.empty();
    out += "<line x1=\"" + x + "\" y1=\"" + num(kAxisY) + "\" x2=\"" + x + "\" y2=\"" + num(l.plot_bottom) + "\" class=\"" +
           (day ? "grid day" : "grid") + "\"/>";
    out += "<text x=\"" + x + "\" y=\"" + num(kAxisY - 20) + "\" class=\"tick\">" + esc(tk.label) + "</text>";
    if (day) out += "<text x=\"" + x + "\" y=\"" + num(kAxisY - 6) + "\" class=\"tick-date\">" + esc(tk.date) + "</text>";
    if (l.bottom_labels)
      out += "<text x=\"" + x + "\" y=\"" + num(l.plot_bottom + 13) + "\" class=\"tick again\">" + esc(tk.label) + "</text>";
    out += "\n";
  }
  out += "</g>\n";
}

void svg_lane_labels(std::string& out, const Timeline& t, const Layout& l) {
  std::map<std::string, std::size_t> counts;
  for (const auto& e : t.events)
    if (e.time) ++counts[e.table];
  for (const auto& table : l.tables) {
    const double y = l.lane_y(table);
    out += "<line x1=\"" + num(l.scale.x0) + "\" y1=\"" + num(y) + "\" x2=\"" + num(l.scale.x1) + "\" y2=\"" + num(y) +
           "\" class=\"lane\"/><text x=\"" + num(l.scale.x0 - 10) + "\" y=\"" + num(y + 4) + "\" class=\"label\">" +
           text(table, 24) + " (" + std::to_string(counts[table]) + ")</text>\n";
  }
}

void svg_event(std::string& out, const Timeline& t, const Layout& l, std::size_t index, std::size_t number,
               bool label) {
  const TimelineEvent& e = t.events[index];
  const double x = l.scale.x(*e.time), y = l.lane_y(e.table);
  const bool unseen = seen(t, e) != Seen::yes;
  out += std::string("<g class=\"ev ") + (unseen ? "unseen" : "seen") + (e.alerted ? " alerted" : "") + "\"><title>" +
         event_tooltip(t, e, number) + "</title>";
  if (e.alerted) out += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"9\" class=\"ring\"/>";
  if (unseen)
    out += "<path d=\"M" + num(x) + " " + num(y - 6) + "l6 6l-6 6l-6 -6z\" class=\"mark\"/>";
  else
    out += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"5\" class=\"mark\"/>";
  if (label)  // alternate above and below, so neighbours overlap less
    out += "<text x=\"" + num(x) + "\" y=\"" + num(number % 2 ? y - 9 : y + 16) + "\" class=\"evno\">E" +
           std::to_string(number) + "</text>";
  out += "</g>\n";
}

void svg_events(std::string& out, const Timeline& t, const Layout& l, const std::vector<std::size_t>& order) {
  std::vector<std::size_t> timed;  // the events with a time, in time order (they lead `order`)
  for (std::size_t p = 0; p < order.size() && t.events[order[p]].time; ++p) timed.push_back(order[p]);
  const std::vector<std::size_t> shown = pick(t, timed, kMaxMarks);
  const bool labels = shown.size() <= kMaxMarkLabels;
  for (std::size_t p : shown) svg_event(out, t, l, timed[p], p + 1, labels);
}

void svg_run(std::string& out, const Timeline& t, const Layout& l, std::size_t i, std::size_t held) {
  const TimelineRun& r = t.runs[i];
  const double y = l.row_y(i), h = std::max(1.5, l.row_h - (l.row_h >= 8 ? 4 : 1));
  const double xa = l.scale.x(r.window.from), xb = l.scale.x(r.window.to), xn = l.scale.x(r.now);
  const char* cls = r.suppressed ? "run suppressed" : r.alert ? "run alert" : "run";
  out += std::string("<g class=\"") + cls + "\"><title>" + run_tooltip(t, i, held) + "</title>";
  out += "<rect x=\"" + num(xa) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(1.5, xb - xa)) + "\" height=\"" +
         num(h) + "\" class=\"bar\"/>";
  out += "<line x1=\"" + num(xn) + "\" y1=\"" + num(y - 1) + "\" x2=\"" + num(xn) + "\" y2=\"" + num(y + h + 1) +
         "\" class=\"now\"/>";
  if (l.row_h >= 11) {
    out += "<text x=\"" + num(l.scale.x0 - 10) + "\" y=\"" + num(y + h - 3) + "\" class=\"label\">#" +
           std::to_string(i + 1) + " " + short_time(r.now);
    if (r.suppressed) out += " <tspan class=\"st-suppressed\">suppressed</tspan>";
    if (!r.suppressed && r.alert) out += " <tspan class=\"st-alert\">ALERT</tspan>";
    out += "</text>";
  }
  out += "</g>\n";
}

void svg_runs(std::string& out, const Timeline& t, const Layout& l, const std::vector<std::size_t>& held) {
  if (l.bars == 0) return;
  out += "<text x=\"" + num(l.scale.x0 - 10) + "\" y=\"" + num(l.runs_y - 5) + "\" class=\"label head\">runs (now)</text>\n";
  for (std::size_t i = 0; i < l.bars; ++i) svg_run(out, t, l, i, held[i]);
}

void chart(std::string& out, const Timeline& t, const Scale& s, const std::vector<std::size_t>& order,
           const std::vector<std::size_t>& held) {
  const Layout l = layout(t, s);
  out += "<div class=\"chart\"><svg width=\"" + num(kWidth) + "\" height=\"" + num(l.bottom + 4) + "\" viewBox=\"0 0 " +
         num(kWidth) + " " + num(l.bottom + 4) + "\" role=\"img\" aria-label=\"timeline\">\n";
  svg_axis(out, l);
  svg_lane_labels(out, t, l);
  svg_runs(out, t, l, held);  // bars first, so event marks stay on top
  svg_events(out, t, l, order);
  out += "</svg></div>\n";
}

// ---- the page around the chart ----------------------------------------------------------------

constexpr std::string_view kStyle = R"(<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:20px;color:#1a202c;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 6px}
.meta{color:#4a5568;margin:2px 0}.note{color:#744210;background:#fefcbf;padding:4px 8px;display:inline-block;margin:6px 0}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin:10px 0;font-size:13px}.legend span{display:inline-flex;align-items:center;gap:6px}
.chart{overflow-x:auto;border:1px solid #e2e8f0;padding:4px 0}
svg text{font-size:11px;fill:#2d3748}
.tick{text-anchor:middle}.tick.again{fill:#718096}.tick-date{text-anchor:middle;font-weight:600}
.axis-line{stroke:#4a5568}.grid{stroke:#e2e8f0}.grid.day{stroke:#a0aec0}.lane{stroke:#edf2f7}
.label{text-anchor:end}.label.head{font-weight:600}.evno{text-anchor:middle;font-size:9px;fill:#4a5568}
.ev.seen .mark{fill:#2b6cb0;stroke:#fff;stroke-width:1}
.ev.unseen .mark{fill:#dd6b20;stroke:#7b341e;stroke-width:1.2}
.ring{fill:none;stroke:#c53030;stroke-width:2.5}
.run .bar{fill:#bee3f8;stroke:#3182ce;stroke-width:1}
.run.alert .bar{fill:#feb2b2;stroke:#c53030;stroke-width:1.5}
.run.suppressed .bar{fill:url(#hatch);stroke:#718096;stroke-dasharray:3 2}
.now{stroke:#1a202c;stroke-width:2}
.st-alert{fill:#c53030;font-weight:700}.st-suppressed{fill:#718096;font-style:italic}
table{border-collapse:collapse;font-size:12px;margin-top:4px}
th,td{border:1px solid #e2e8f0;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f7fafc}
td.fields{white-space:pre-wrap;word-break:break-all;max-width:520px;font-family:ui-monospace,monospace}
tr.unseen td{background:#fffaf0}tr.unseen td.status{color:#c05621;font-weight:600}
tr.alerted td.status,tr.alert td.status{color:#c53030;font-weight:700}tr.suppressed td{color:#718096;font-style:italic}
</style>
)";

void head(std::string& out, const Timeline& t) {
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>rulelab timeline: " +
         text(t.rule_name) + "</title>\n" + std::string(kStyle) + "</head><body>\n";
}

void summary(std::string& out, const Timeline& t, const std::optional<Scale>& s) {
  std::size_t alerting = 0, suppressed = 0, unseen = 0, alerted = 0;
  for (const auto& r : t.runs) {
    suppressed += r.suppressed;
    alerting += !r.suppressed && r.alert;
  }
  for (const auto& e : t.events) {
    unseen += seen(t, e) != Seen::yes;
    alerted += e.alerted;
  }
  out += "<h1>" + text(t.rule_name) + "</h1>\n";
  out += "<p class=\"meta\">" + text(t.rule_file) + " · " + text(t.family) + " rule · time field " +
         text(t.time_field) + " · runs every " + format_timespan(t.frequency) + ", each looking back " +
         format_timespan(t.period) + "</p>\n";
  out += "<p class=\"meta\">" + std::to_string(t.runs.size()) + " runs (" + std::to_string(alerting) + " alerting, " +
         std::to_string(suppressed) + " suppressed) · " + std::to_string(t.events.size()) + " events (" +
         std::to_string(unseen) + " unseen by every run, " + std::to_string(alerted) + " led to alerts)</p>\n";
  if (s)
    out += "<p class=\"meta\">time axis from " + format_datetime(DateTime{s->t0}) + " to " +
           format_datetime(DateTime{s->t1}) + " (UTC)</p>\n";
}

std::string swatch(std::string_view shape) {
  return "<svg width=\"30\" height=\"18\" viewBox=\"0 0 30 18\">" + std::string(shape) + "</svg>";
}

void legend(std::string& out) {
  out += "<div class=\"legend\">";
  out += "<span>" + swatch("<g class=\"ev seen\"><circle cx=\"15\" cy=\"9\" r=\"5\" class=\"mark\"/></g>") +
         "event seen by a run</span>";
  out += "<span>" + swatch("<g class=\"ev unseen\"><path d=\"M15 3l6 6l-6 6l-6 -6z\" class=\"mark\"/></g>") +
         "event no run sees (unseen)</span>";
  out += "<span>" +
         swatch("<g class=\"ev seen\"><circle cx=\"15\" cy=\"9\" r=\"8\" class=\"ring\"/>"
                "<circle cx=\"15\" cy=\"9\" r=\"5\" class=\"mark\"/></g>") +
         "event that led to an alert</span>";
  out += "<span>" + swatch("<g class=\"run\"><rect x=\"1\" y=\"4\" width=\"28\" height=\"10\" class=\"bar\"/></g>") +
         "run window, no alert</span>";
  out += "<span>" + swatch("<g class=\"run alert\"><rect x=\"1\" y=\"4\" width=\"28\" height=\"10\" class=\"bar\"/></g>") +
         "alerting run</span>";
  out += "<span>" +
         swatch("<g class=\"run suppressed\"><rect x=\"1\" y=\"4\" width=\"28\" height=\"10\" class=\"bar\"/></g>") +
         "suppressed run (did not happen)</span>";
  out += "<span>" + swatch("<line x1=\"15\" y1=\"2\" x2=\"15\" y2=\"16\" class=\"now\"/>") + "run time (now)</span>";
  out += "</div>\n<p class=\"meta\">Hover a mark or a bar for its details; E numbers match the events table.</p>\n";
}

void chart_notes(std::string& out, const Timeline& t, const std::vector<std::size_t>& order) {
  std::size_t timed = 0;
  for (std::size_t i : order) timed += t.events[i].time.has_value();
  const std::size_t untimed = order.size() - timed;
  if (timed > kMaxMarks)
    out += "<p class=\"note\">" + std::to_string(kMaxMarks) + " of " + std::to_string(timed) +
           " events drawn (alerted and unseen first); " + std::to_string(timed - kMaxMarks) + " more not drawn.</p>\n";
  if (t.runs.size() > kMaxRunBars)
    out += "<p class=\"note\">The first " + std::to_string(kMaxRunBars) + " of " + std::to_string(t.runs.size()) +
           " runs drawn; " + std::to_string(t.runs.size() - kMaxRunBars) + " more not drawn.</p>\n";
  if (untimed)
    out += "<p class=\"note\">" + std::to_string(untimed) +
           " events have no readable time and are not on the chart (see the table).</p>\n";
}

void events_table(std::string& out, const Timeline& t, const std::vector<std::size_t>& order) {
  out += "<h2>Events</h2>\n";
  if (order.empty()) {
    out += "<p class=\"meta\">No events.</p>\n";
    return;
  }
  const std::vector<std::size_t> shown = pick(t, order, kMaxTableEvents);
  out += "<table class=\"events\"><tr><th>#</th><th>time</th><th>table</th><th>file:line</th><th>fields the rule reads</th>"
         "<th>runs whose window holds it</th><th>status</th></tr>\n";
  for (std::size_t p : shown) {
    const TimelineEvent& e = t.events[order[p]];
    const bool unseen = seen(t, e) != Seen::yes;
    std::string cls = std::string(unseen ? "unseen" : "seen") + (e.alerted ? " alerted" : "");
    out += "<tr class=\"" + cls + "\"><td>E" + std::to_string(p + 1) + "</td><td>" +
           (e.time ? format_datetime(*e.time) : std::string("(none)")) + "</td><td>" + text(e.table) + "</td><td>" +
           text(e.file) + ":" + std::to_string(e.line) + "</td><td class=\"fields\">" + fields_text(e, "\n") +
           "</td><td>" + run_ranges(t, e.runs) + "</td><td class=\"status\">" + esc(status(t, e)) + "</td></tr>\n";
  }
  out += "</table>\n";
  if (shown.size() < order.size())
    out += "<p class=\"note\">" + std::to_string(order.size() - shown.size()) + " more events not listed (the table lists " +
           std::to_string(shown.size()) + ", alerted and unseen first).</p>\n";
}

void runs_table(std::string& out, const Timeline& t, const std::vector<std::size_t>& held) {
  out += "<h2>Runs</h2>\n";
  if (t.runs.empty()) {
    out += "<p class=\"meta\">No runs.</p>\n";
    return;
  }
  const std::size_t n = std::min(t.runs.size(), kMaxTableRuns);
  out += "<table class=\"runs\"><tr><th>#</th><th>run at (now)</th><th>window</th><th>events held</th><th>rows</th>"
         "<th>alerts</th><th>status</th></tr>\n";
  for (std::size_t i = 0; i < n; ++i) {
    const TimelineRun& r = t.runs[i];
    const char* cls = r.suppressed ? "suppressed" : r.alert ? "alert" : "run";
    out += std::string("<tr class=\"") + cls + "\"><td>#" + std::to_string(i + 1) + "</td><td>" +
           format_datetime(r.now) + "</td><td>" + text(r.window.text()) + "</td><td>" + std::to_string(held[i]) +
           "</td><td>" + std::to_string(r.rows) + "</td><td>" + std::to_string(r.alerts) + "</td><td class=\"status\">" +
           run_status(r) + "</td></tr>\n";
  }
  out += "</table>\n";
  if (n < t.runs.size())
    out += "<p class=\"note\">" + std::to_string(t.runs.size() - n) + " more runs not listed.</p>\n";
}

}  // namespace

std::string timeline_html(const Timeline& t) {
  const std::optional<Scale> s = scale_of(t);
  const std::vector<std::size_t> order = time_order(t);
  const std::vector<std::size_t> held = held_per_run(t);
  std::string out;
  head(out, t);
  svg_defs(out);
  summary(out, t, s);
  legend(out);
  if (s) {
    chart(out, t, *s, order, held);
    chart_notes(out, t, order);
  } else {
    out += "<p class=\"note\">Nothing to draw: no run and no event with a readable time.</p>\n";
  }
  events_table(out, t, order);
  runs_table(out, t, held);
  out += "</body></html>\n";
  return out;
}

}  // namespace rulelab::app
