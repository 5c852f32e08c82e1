// datetime_utc_to_local(from, timezone) and datetime_local_to_utc(from, timezone)
// (learn.microsoft.com/kusto/query/datetime-utc-to-local-function, datetime-local-to-utc-function).
// Zones are the IANA names of the reference's timezone page, read from the system's time zone
// database: TZif files under $TZDIR or /usr/share/zoneinfo (Debian's tzdata package; libstdc++ 12
// has no std::chrono::tzdb). Times past a file's last transition follow its POSIX TZ footer
// ("CET-1CEST,M3.5.0,M10.5.0/3"). A zone that is not in the database gives null; a machine without
// the database is an error that says so, never a silent wrong answer.
#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

constexpr std::int64_t kTicksPerSecond = 10000000;

std::string zoneinfo_dir() {
  const char* env = std::getenv("TZDIR");
  return env && *env ? std::string(env) : std::string("/usr/share/zoneinfo");
}
bool dir_exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
// IANA names only: letters, digits, '_', '-', '+', '/', no "..", not absolute.
bool valid_zone_name(std::string_view n) {
  if (n.empty() || n.front() == '/' || n.find("..") != std::string_view::npos) return false;
  for (char c : n)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+' || c == '/'))
      return false;
  return true;
}

// A POSIX TZ rule "STDoffset[DST[offset][,Mm.w.d[/time],Mm.w.d[/time]]]" (the TZif footer).
struct PosixRule {
  std::int32_t std_off = 0, dst_off = 0;  // seconds east of UTC
  bool has_dst = false;
  int sm = 0, sw = 0, sd = 0, em = 0, ew = 0, ed = 0;
  std::int32_t stime = 7200, etime = 7200;  // local times of the switches, seconds
};
bool parse_name(std::string_view s, std::size_t& i) {
  if (i < s.size() && s[i] == '<') {
    const std::size_t e = s.find('>', i);
    if (e == std::string_view::npos) return false;
    i = e + 1;
    return true;
  }
  const std::size_t b = i;
  while (i < s.size() && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))) ++i;
  return i - b >= 3;
}
bool parse_hms(std::string_view s, std::size_t& i, std::int32_t& out) {
  int sign = 1;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) { sign = s[i] == '-' ? -1 : 1; ++i; }
  std::int32_t parts[3] = {0, 0, 0};
  for (int k = 0; k < 3; ++k) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') { if (k == 0) return false; break; }
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') parts[k] = parts[k] * 10 + (s[i++] - '0');
    if (k < 2 && i < s.size() && s[i] == ':') ++i; else break;
  }
  out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  return true;
}
bool parse_mrule(std::string_view s, std::size_t& i, int& m, int& w, int& d, std::int32_t& t) {
  if (i >= s.size() || s[i] != 'M') return false;
  ++i;
  auto num = [&](int& v) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') v = v * 10 + (s[i++] - '0');
    return true;
  };
  if (!num(m) || i >= s.size() || s[i++] != '.' || !num(w) || i >= s.size() || s[i++] != '.' || !num(d)) return false;
  t = 7200;
  if (i < s.size() && s[i] == '/') { ++i; if (!parse_hms(s, i, t)) return false; }
  return m >= 1 && m <= 12 && w >= 1 && w <= 5 && d >= 0 && d <= 6;
}
std::optional<PosixRule> parse_posix(std::string_view s) {
  PosixRule r;
  std::size_t i = 0;
  std::int32_t off;
  if (!parse_name(s, i) || !parse_hms(s, i, off)) return std::nullopt;
  r.std_off = -off;  // POSIX offsets are west of UTC
  if (i == s.size()) return r;
  if (!parse_name(s, i)) return std::nullopt;
  r.has_dst = true;
  r.dst_off = r.std_off + 3600;
  if (i < s.size() && s[i] != ',') {
    if (!parse_hms(s, i, off)) return std::nullopt;
    r.dst_off = -off;
  }
  if (i >= s.size() || s[i++] != ',') return std::nullopt;
  if (!parse_mrule(s, i, r.sm, r.sw, r.sd, r.stime)) return std::nullopt;
  if (i >= s.size() || s[i++] != ',') return std::nullopt;
  if (!parse_mrule(s, i, r.em, r.ew, r.ed, r.etime)) return std::nullopt;
  return r;
}
// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
std::int64_t year_of(std::int64_t unix_seconds) {
  std::int64_t z = (unix_seconds >= 0 ? unix_seconds : unix_seconds - 86399) / 86400 + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}
// The UTC second of "day d of week w of month m" at local time t, in year y, with offset `off`.
std::int64_t rule_instant(std::int64_t y, int m, int w, int d, std::int32_t t, std::int32_t off) {
  const std::int64_t first = days_from_civil(y, static_cast<unsigned>(m), 1);
  const int wd_first = static_cast<int>(((first % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday (4)
  std::int64_t day = first + ((d - wd_first + 7) % 7) + 7 * (w - 1);
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int len = mdays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) len = 29;
  while (day >= first + len) day -= 7;  // w == 5: the last such day
  return day * 86400 + t - off;
}
std::int32_t posix_offset(const PosixRule& r, std::int64_t utc) {
  if (!r.has_dst) return r.std_off;
  const std::int64_t y = year_of(utc);
  const std::int64_t start = rule_instant(y, r.sm, r.sw, r.sd, r.stime, r.std_off);
  const std::int64_t end = rule_instant(y, r.em, r.ew, r.ed, r.etime, r.dst_off);
  const bool dst = start < end ? (utc >= start && utc < end) : !(utc >= end && utc < start);
  return dst ? r.dst_off : r.std_off;
}

// One zone of the database: its transitions and offsets.
struct Zone : FnState {
  std::vector<std::int64_t> times;    // UTC seconds of the transitions, ascending
  std::vector<std::int32_t> offsets;  // offset from each transition on
  std::int32_t initial = 0;           // before the first transition
  std::optional<PosixRule> footer;
  std::int32_t offset_at(std::int64_t utc) const {
    if (times.empty() || utc < times.front()) {
      if (times.empty() && footer) return posix_offset(*footer, utc);
      return initial;
    }
    if (utc >= times.back() && footer) return posix_offset(*footer, utc);
    std::size_t lo = 0, hi = times.size();
    while (hi - lo > 1) {
      const std::size_t mid = (lo + hi) / 2;
      (times[mid] <= utc ? lo : hi) = mid;
    }
    return offsets[lo];
  }
};

std::uint32_t be32(const unsigned char* p) { return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3]; }
std::int64_t be64(const unsigned char* p) { return static_cast<std::int64_t>((std::uint64_t{be32(p)} << 32) | be32(p + 4)); }

// Reads a TZif file (RFC 8536): the 64-bit data block of version 2+ files, and the footer.
std::shared_ptr<Zone> load_zone(const std::string& name) {
  if (!valid_zone_name(name)) return nullptr;
  std::ifstream in(zoneinfo_dir() + "/" + name, std::ios::binary);
  if (!in) return nullptr;
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto* b = reinterpret_cast<const unsigned char*>(data.data());
  const std::size_t n = data.size();
  struct Header { std::uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt; };
  auto header = [&](std::size_t at, Header& h) {
    if (at + 44 > n || data.compare(at, 4, "TZif") != 0) return false;
    h = {be32(b + at + 20), be32(b + at + 24), be32(b + at + 28), be32(b + at + 32), be32(b + at + 36), be32(b + at + 40)};
    return h.typecnt > 0;
  };
  Header h{};
  if (!header(0, h)) return nullptr;
  const char version = data[4];
  std::size_t at = 44;
  int tsize = 4;
  if (version >= '2') {
    // skip the version 1 block
    at += std::size_t{h.timecnt} * 5 + std::size_t{h.typecnt} * 6 + h.charcnt + std::size_t{h.leapcnt} * 8 + h.isstdcnt + h.isutcnt;
    if (!header(at, h)) return nullptr;
    at += 44;
    tsize = 8;
  }
  const std::size_t need = std::size_t{h.timecnt} * (tsize + 1) + std::size_t{h.typecnt} * 6 + h.charcnt +
                           std::size_t{h.leapcnt} * (tsize + 4) + h.isstdcnt + h.isutcnt;
  if (at + need > n) return nullptr;
  auto z = std::make_shared<Zone>();
  const unsigned char* t = b + at;
  const unsigned char* idx = t + std::size_t{h.timecnt} * tsize;
  const unsigned char* types = idx + h.timecnt;
  std::vector<std::int32_t> type_off(h.typecnt);
  for (std::uint32_t k = 0; k < h.typecnt; ++k) type_off[k] = static_cast<std::int32_t>(be32(types + 6 * k));
  for (std::uint32_t k = 0; k < h.timecnt; ++k) {
    if (idx[k] >= h.typecnt) return nullptr;
    z->times.push_back(tsize == 8 ? be64(t + 8 * k) : static_cast<std::int32_t>(be32(t + 4 * k)));
    z->offsets.push_back(type_off[idx[k]]);
  }
  z->initial = type_off[0];
  if (tsize == 8) {
    const std::size_t f = at + need;
    if (f < n && data[f] == '\n') {
      const std::size_t e = data.find('\n', f + 1);
      if (e != std::string::npos && e > f + 1) z->footer = parse_posix(std::string_view(data).substr(f + 1, e - f - 1));
    }
  }
  return z;
}

const char* kNoDatabase = "no time zone database: ";
std::string no_database_message() {
  return std::string(kNoDatabase) + zoneinfo_dir() + " does not exist (install the tzdata package, or set TZDIR)";
}

// Bind time: a constant zone is loaded once (an unknown zone stays null: every row gives null).
struct ZoneState : FnState {
  std::shared_ptr<Zone> zone;
};
std::shared_ptr<FnState> prepare_zone(const std::vector<const Value*>& consts, std::string& err) {
  if (!dir_exists(zoneinfo_dir())) { err = no_database_message(); return nullptr; }
  if (consts.size() < 2 || !consts[1] || consts[1]->type != Type::String) return nullptr;
  auto st = std::make_shared<ZoneState>();
  st->zone = load_zone(consts[1]->s);
  return st;
}
std::shared_ptr<Zone> zone_of(const CallArgs& a) {
  if (auto* st = dynamic_cast<const ZoneState*>(a.state)) return st->zone;
  if (!dir_exists(zoneinfo_dir())) {
    if (a.site) fail_at(*a.site, no_database_message());
    return nullptr;
  }
  return a[1].type == Type::String ? load_zone(a[1].s) : nullptr;
}
std::int64_t floor_seconds(std::int64_t ticks) { return ticks >= 0 ? ticks / kTicksPerSecond : -((-ticks + kTicksPerSecond - 1) / kTicksPerSecond); }

Value f_utc_to_local(const CallArgs& a) {
  if (a[0].is_null() || a[0].type != Type::DateTime) return Value::null_of(Type::DateTime);
  auto z = zone_of(a);
  if (!z) return Value::null_of(Type::DateTime);
  const std::int64_t off = z->offset_at(floor_seconds(a[0].i));
  return Value::of_datetime(a[0].i + off * kTicksPerSecond);
}
// Local to UTC: the offset in effect at the UTC instant it gives. Near a transition two offsets
// are candidates (the ones a day before and a day after); a local time they both fit (clocks set
// back) takes the later offset, and one neither fits (the hour skipped when clocks go forward)
// takes the later offset too: the page's Europe/Brussels example maps 2022-03-27 02:00 to 00:00 UTC.
Value f_local_to_utc(const CallArgs& a) {
  if (a[0].is_null() || a[0].type != Type::DateTime) return Value::null_of(Type::DateTime);
  auto z = zone_of(a);
  if (!z) return Value::null_of(Type::DateTime);
  const std::int64_t local = floor_seconds(a[0].i);
  const std::int64_t before = z->offset_at(local - 86400), after = z->offset_at(local + 86400);
  std::int64_t off = after;
  if (before != after && z->offset_at(local - before) == before && z->offset_at(local - after) != after) off = before;
  return Value::of_datetime(a[0].i - off * kTicksPerSecond);
}

}  // namespace

void add_tz_functions(std::vector<ScalarFunction>& out) {
  out.push_back(ScalarFunction{"datetime_utc_to_local", 2, 2, ret_datetime, f_utc_to_local, prepare_zone, true});
  out.push_back(ScalarFunction{"datetime_local_to_utc", 2, 2, ret_datetime, f_local_to_utc, prepare_zone, true});
}

}  // namespace rulelab::engine
