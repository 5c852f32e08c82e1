// Kuery evaluation per field mapping type (see matcher.hpp for the rules and their sources).
#include "kuery/matcher.hpp"
#include "core/unicode_case.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <cstring>
#include <optional>

#include "core/datetime.hpp"
#include "core/paths.hpp"
#include "core/selection.hpp"
#include "elastic/analyzer.hpp"
#include "elastic/elastic_rule.hpp"
#include "elastic/coerce.hpp"
#include "elastic/date.hpp"
#include "elastic/ip.hpp"

namespace rulelab::kuery {

using namespace rulelab::elastic;

// ---- values -----------------------------------------------------------------------------------------
namespace {

constexpr std::int64_t kTicksPerMs = kTicksPerSecond / 1000;

// A term on an ip field: an address (all its bits) or a CIDR block (elastic/ip.hpp).
std::optional<Cidr> parse_ip_or_cidr(std::string_view s) {
  if (s.find('/') != std::string_view::npos) return parse_cidr(s);
  auto ip = parse_ip(s);
  if (!ip) return std::nullopt;
  return Cidr{*ip, 128};
}

std::optional<double> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string t(s);
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || t.find_first_of("xXpP") != std::string::npos || std::isspace(static_cast<unsigned char>(t[0])))
    return std::nullopt;
  if (std::isnan(d) || std::isinf(d)) return std::nullopt;
  return d;
}

std::optional<double> doc_number(DynRef v) {
  if (v.kind() == DynKind::Int) return static_cast<double>(v.as_int());
  if (v.kind() == DynKind::Real) return v.as_real();
  if (v.is_string()) return parse_number(v.as_string());
  return std::nullopt;
}

// A document's number as a field of type t indexes it; nullopt for a value an integral type
// refuses as malformed (elastic::fits_integral: not indexed).
std::optional<double> doc_number_as(DynRef v, FieldType t) {
  auto d = doc_number(v);
  if (d && is_integral(t) && !fits_integral(*d, t)) return std::nullopt;
  return d;
}

double as_type(double d, FieldType t) {
  if (t == FieldType::Float || t == FieldType::HalfFloat) return static_cast<double>(static_cast<float>(d));
  if (is_integral(t)) return std::trunc(d);  // coerced on indexing
  return d;
}

std::optional<bool> parse_bool(std::string_view s) {
  if (s == "true") return true;
  if (s == "false" || s.empty()) return false;
  return std::nullopt;
}

std::optional<bool> doc_bool(DynRef v) {
  if (v.is_bool()) return v.as_bool();
  if (v.is_string()) return parse_bool(v.as_string());
  return std::nullopt;
}

std::optional<IpBytes> doc_ip(DynRef v) {
  if (!v.is_string()) return std::nullopt;
  return parse_ip(v.as_string());
}

// Wildcard matching over a sequence of literal segments separated by '*'.
bool glob_impl(const std::vector<std::string>& seg, std::string_view s) {
  if (seg.size() == 1) return s == seg[0];
  const std::string& first = seg.front();
  const std::string& last = seg.back();
  if (s.size() < first.size() + last.size()) return false;
  if (s.substr(0, first.size()) != first) return false;
  if (s.substr(s.size() - last.size()) != last) return false;
  std::size_t pos = first.size();
  const std::size_t end = s.size() - last.size();
  for (std::size_t i = 1; i + 1 < seg.size(); ++i) {
    if (seg[i].empty()) continue;
    const auto f = s.substr(0, end).find(seg[i], pos);
    if (f == std::string_view::npos) return false;
    pos = f + seg[i].size();
  }
  return pos <= end;
}

// One OR-ed term of a query_string query: literal text or wildcard segments.
struct QsTerm {
  bool wildcard = false;
  std::vector<std::string> segments;  // wildcard: literal pieces; plain: one piece
};

// Splits Kibana's query_string (segments joined by '*') at Lucene whitespace into terms.
std::vector<QsTerm> query_string_terms(const std::vector<std::string>& segments) {
  std::vector<QsTerm> out;
  QsTerm cur;
  cur.segments.push_back({});
  bool has_content = false;
  auto flush = [&]() {
    if (has_content) {
      cur.wildcard = cur.segments.size() > 1;
      out.push_back(cur);
    }
    cur = QsTerm{};
    cur.segments.push_back({});
    has_content = false;
  };
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i) {
      cur.segments.push_back({});
      has_content = true;
    }
    const std::string& s = segments[i];
    for (std::size_t k = 0; k < s.size(); ++k) {
      const char c = s[k];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        flush();
        continue;
      }
      if (s.compare(k, 3, "\xE3\x80\x80") == 0) {  // U+3000 ideographic space
        flush();
        k += 2;
        continue;
      }
      cur.segments.back() += c;
      has_content = true;
    }
  }
  flush();
  return out;
}

// ---- dates --------------------------------------------------------------------------------------------
// A date text as the field's format reads it (elastic/date.hpp); round_up moves it to the end of
// the precision written, as Elasticsearch's round-up parser does for a range's upper bound
// (2024-05 -> 2024-05-31T23:59:59.999).
std::optional<DateTime> parse_date_text(std::string_view s, bool round_up, const elastic::DateFormats* format) {
  auto pd = format ? format->read_parsed(s) : elastic::parse_date(s);
  if (!pd) return std::nullopt;
  auto ticks = elastic::to_ticks(pd->at);
  if (!ticks) return std::nullopt;
  const DateTime start{*ticks};
  if (!round_up) return start;
  std::int64_t add = 0;
  switch (pd->precision) {
    case elastic::DatePrecision::Year: return eval_date_math("now/y", start, true);
    case elastic::DatePrecision::Month: return eval_date_math("now/M", start, true);
    case elastic::DatePrecision::Day: add = kTicksPerDay; break;
    case elastic::DatePrecision::Hour: add = 3600 * kTicksPerSecond; break;
    case elastic::DatePrecision::Minute: add = 60 * kTicksPerSecond; break;
    case elastic::DatePrecision::Second: add = kTicksPerSecond; break;
    case elastic::DatePrecision::Fraction:
    case elastic::DatePrecision::EpochMillis: {  // the rest of the millisecond
      const std::int64_t ms = (start.ticks / kTicksPerMs) * kTicksPerMs;
      return DateTime{ms + kTicksPerMs - 1};
    }
  }
  return DateTime{start.ticks + add - kTicksPerMs};
}

// Epoch milliseconds as a DateTime; none beyond rulelab's date range (about 29,000 years either
// side of 1970), which holds no such date.
std::optional<DateTime> from_epoch_ms(std::int64_t ms) {
  std::int64_t ticks = 0;
  if (__builtin_mul_overflow(ms, kTicksPerMs, &ticks) || ticks == std::numeric_limits<std::int64_t>::min()) return std::nullopt;
  return DateTime{ticks};
}
}  // namespace

std::optional<DateTime> parse_es_date(std::string_view text, DateTime now, bool round_up, const elastic::DateFormats* format) {
  if (text.substr(0, 3) == "now" || text.find("||") != std::string_view::npos) {
    auto d = eval_date_math(text, now, round_up);
    if (!d) return std::nullopt;
    return round_up ? d : DateTime{(d->ticks / kTicksPerMs) * kTicksPerMs};
  }
  if (!format && !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos && text.size() != 4) {
    std::int64_t ms = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec == std::errc() && p == text.data() + text.size()) {
      // A bound beyond rulelab's date range lies beyond every date a document can hold here:
      // it stands at the range's end (Elasticsearch's dates reach further; none of them is in
      // the documents rulelab reads).
      if (auto d = from_epoch_ms(ms)) return d;
      // (one tick inside the range: a range query moves an exclusive bound by one tick)
      return DateTime{ms < 0 ? std::numeric_limits<std::int64_t>::min() + 1 : std::numeric_limits<std::int64_t>::max() - 1};
    }
  }
  auto d = parse_date_text(text, round_up, format);
  if (d && !round_up) d->ticks = (d->ticks / kTicksPerMs) * kTicksPerMs;
  return d;
}

std::optional<DateTime> doc_date(DynRef v, bool nanos, const elastic::DateFormats* format) {
  const std::optional<elastic::Instant> t =
      elastic::date_of_value(v, format, nanos ? elastic::DateFormat::DateNanos : elastic::DateFormat::Date);
  if (!t) return std::nullopt;
  auto ticks = elastic::to_ticks(*t);
  if (!ticks) return std::nullopt;
  DateTime d{*ticks};
  if (!nanos) d.ticks = d.ticks >= 0 ? (d.ticks / kTicksPerMs) * kTicksPerMs : -(((-d.ticks) + kTicksPerMs - 1) / kTicksPerMs) * kTicksPerMs;
  return d;
}

bool doc_value_malformed(DynRef v, const FieldMapping& m) {
  const FieldType t = m.type;
  if (!v.valid() || v.is_null() || v.is_object() || v.is_array()) return false;
  if (is_numeric(t)) return !doc_number_as(v, t).has_value();
  if (t == FieldType::Date || t == FieldType::DateNanos) return !doc_date(v, t == FieldType::DateNanos, m.date_format.get()).has_value();
  if (t == FieldType::Ip) return !doc_ip(v).has_value();
  if (t == FieldType::Boolean) return !doc_bool(v).has_value();
  return false;
}

bool glob_segments_match(const std::vector<std::string>& segments, std::string_view s) { return glob_impl(segments, s); }

bool lucene_wildcard_match(std::string_view pattern, std::string_view s, bool ci) {
  // Iterative matcher with backtracking on the last '*'; '?' matches one code point.
  // case_insensitive: Lucene's case-insensitive automaton (simple case folding)
  std::string p = ci ? fold_simple(pattern) : std::string(pattern);
  std::string t = ci ? fold_simple(s) : std::string(s);
  struct Tok { int kind; std::string lit; };  // 0 literal char(s), 1 '?', 2 '*'
  std::vector<Tok> toks;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size()) { toks.push_back({0, std::string(1, p[++i])}); continue; }
    if (p[i] == '*') { toks.push_back({2, {}}); continue; }
    if (p[i] == '?') { toks.push_back({1, {}}); continue; }
    std::size_t n = 1;
    while (i + n < p.size() && (static_cast<unsigned char>(p[i + n]) & 0xC0) == 0x80) ++n;
    toks.push_back({0, p.substr(i, n)});
    i += n - 1;
  }
  std::size_t ti = 0, si = 0, star_t = std::string::npos, star_s = 0;
  auto cp_len = [&](std::size_t at) {
    std::size_t n = 1;
    while (at + n < t.size() && (static_cast<unsigned char>(t[at + n]) & 0xC0) == 0x80) ++n;
    return n;
  };
  while (si < t.size()) {
    if (ti < toks.size() && toks[ti].kind == 0 && t.compare(si, toks[ti].lit.size(), toks[ti].lit) == 0) {
      si += toks[ti].lit.size();
      ++ti;
    } else if (ti < toks.size() && toks[ti].kind == 1) {
      si += cp_len(si);
      ++ti;
    } else if (ti < toks.size() && toks[ti].kind == 2) {
      star_t = ti++;
      star_s = si;
    } else if (star_t != std::string::npos) {
      ti = star_t + 1;
      star_s += cp_len(star_s);
      si = star_s;
    } else {
      return false;
    }
  }
  while (ti < toks.size() && toks[ti].kind == 2) ++ti;
  return ti == toks.size();
}

std::optional<std::string> keyword_text(DynRef v) { return elastic::keyword_text(v); }

// ---- plan ---------------------------------------------------------------------------------------------
namespace {
enum class Op { Match, Phrase, QueryString, Range, Exists, Term, Wildcard };
}

struct FieldPred {
  ResolvedField f;
  std::string rel;  // source path relative to the object evaluated (root or nested element)
  Op op = Op::Match;
  bool never = false;
  std::string key;                    // keyword: the exact term
  std::vector<std::string> tokens;    // text: analyzed query tokens
  double num = 0;
  DateTime lo{}, hi{};                // dates: inclusive bounds
  Cidr cidr;
  bool boolean = false;
  std::vector<QsTerm> qs;             // query_string terms
  std::vector<std::vector<std::string>> qs_tokens;  // text: analyzed plain terms
  RangeOp rop = RangeOp::Lt;
  std::string rkey;
  bool match_all_tokens = false;      // match with operator "and"
  bool case_insensitive = false;      // term / wildcard
  std::vector<std::string> terms;     // Term: any of these exact terms; Wildcard: the pattern
  IpBytes rip{};
  int column = -1;  // its batch column (BatchColumns), shared by the predicates on the same values; -1: none
};

struct Plan {
  enum class Kind { Or, And, Not, All, None, Fields, Nested, Bool };
  Kind kind = Kind::All;
  std::size_t min_should = 0;  // Bool: children[0..must) must match, then should clauses
  std::size_t must = 0;
  std::size_t must_not = 0;    // Bool: the last must_not children must not match
  std::vector<std::unique_ptr<Plan>> children;
  std::vector<FieldPred> preds;
  std::string nested_rel;
  std::size_t columns = 0;  // the root: how many batch columns its predicates use
};

namespace {

template <class F>
void each_value(DynRef obj, const std::string& path, F&& f) {
  for_each_value_at(obj, path, [&](DynRef v) { f(v); });
}

// The values of a number, date, IP or boolean field: an explicit null is indexed as the mapping's
// null_value ("a value of the same type as the field", null-value.html), read as the field reads
// a document's value.
template <class F>
void typed_values(const FieldPred& p, DynRef obj, F&& f) {
  if (!p.f.mapping.null_value) {
    each_value(obj, p.rel, f);
    return;
  }
  std::string enc;
  for_each_value_or_null_at(obj, p.rel, [&](DynRef v) {
    if (!v.is_null()) {
      f(v);
      return;
    }
    if (enc.empty()) {
      JsonParser parser;
      const std::string& text = *p.f.mapping.null_value;
      const bool scalar = !text.empty() && (text[0] == '-' || (text[0] >= '0' && text[0] <= '9') || text == "true" || text == "false");
      if (!scalar || parser.parse(text, enc)) {
        enc.clear();
        DynWriter(enc).string(text);
      }
    }
    f(DynRef(enc));
  });
}

bool keyword_indexed(const FieldPred& p, const std::string& s) {
  return p.f.mapping.ignore_above < 0 || static_cast<std::int64_t>(elastic::java_length(s)) <= p.f.mapping.ignore_above;
}

// Calls f(term) for each indexed keyword term of the field (an explicit null is indexed as the
// mapping's null_value, which ignore_above and the normalizer then treat as any value:
// KeywordFieldMapper).
template <class F>
bool any_keyword(const FieldPred& p, DynRef obj, F&& f) {
  if (p.f.mapping.type == FieldType::ConstantKeyword && !p.f.mapping.constant_value.empty()) return f(p.f.mapping.constant_value);
  bool hit = false;
  auto one = [&](DynRef v) {
    if (hit) return;
    auto s = keyword_text(v);
    if (!s && v.is_null() && p.f.mapping.null_value) s = *p.f.mapping.null_value;
    if (!s || !keyword_indexed(p, *s)) return;
    if (p.f.mapping.normalizer) *s = p.f.mapping.normalize(*s);
    if (f(*s)) hit = true;
  };
  if (p.f.mapping.null_value) for_each_value_or_null_at(obj, p.rel, one);
  else each_value(obj, p.rel, one);
  return hit;
}

template <class F>  // f(tokens of one value)
bool any_text(const FieldPred& p, DynRef obj, F&& f) {
  bool hit = false;
  each_value(obj, p.rel, [&](DynRef v) {
    if (hit) return;
    auto s = keyword_text(v);
    if (!s) return;
    if (f(p.f.mapping.index_tokens(*s))) hit = true;
  });
  return hit;
}

bool contains_phrase(const std::vector<std::string>& doc, const std::vector<std::string>& q) {
  if (q.empty() || doc.size() < q.size()) return false;
  for (std::size_t i = 0; i + q.size() <= doc.size(); ++i) {
    bool ok = true;
    for (std::size_t k = 0; k < q.size() && ok; ++k) ok = doc[i + k] == q[k];
    if (ok) return true;
  }
  return false;
}

bool in_range(int cmp, RangeOp op) {
  switch (op) {
    case RangeOp::Lt: return cmp < 0;
    case RangeOp::Lte: return cmp <= 0;
    case RangeOp::Gt: return cmp > 0;
    case RangeOp::Gte: return cmp >= 0;
  }
  return false;
}
template <class T>
int cmp3(const T& a, const T& b) { return a < b ? -1 : (b < a ? 1 : 0); }

// The values of one field in one document (or nested object) as the field's mapping indexes them,
// one enumerator per kind: each calls f on the values until f returns true, and says whether one
// did. Numbers come as the field's type coerces them, dates as ticks; a value the type cannot
// take (malformed) is not indexed and not enumerated.
struct DocValues {
  const FieldPred& p;
  DynRef obj;
  template <class F>
  bool keyword(F&& f) const { return any_keyword(p, obj, f); }
  template <class F>  // f(tokens of one value)
  bool text(F&& f) const { return any_text(p, obj, f); }
  // f on each value `read` gives (a value it refuses, malformed, is not indexed).
  template <class Read, class F>
  bool read_values(Read&& read, F&& f) const {
    bool hit = false;
    typed_values(p, obj, [&](DynRef v) {
      if (hit) return;
      if (auto x = read(v)) hit = f(*x);
    });
    return hit;
  }
  template <class F>
  bool number(F&& f) const {
    const FieldType t = p.f.mapping.type;
    return read_values([t](DynRef v) -> std::optional<double> {
      auto d = doc_number_as(v, t);
      if (!d) return std::nullopt;
      return as_type(*d, t);
    }, f);
  }
  template <class F>
  bool date(F&& f) const {
    const bool nanos = p.f.mapping.type == FieldType::DateNanos;
    const elastic::DateFormats* format = p.f.mapping.date_format.get();
    return read_values([&](DynRef v) -> std::optional<std::int64_t> {
      auto d = doc_date(v, nanos, format);
      if (!d) return std::nullopt;
      return d->ticks;
    }, f);
  }
  template <class F>
  bool ip(F&& f) const { return read_values([](DynRef v) { return doc_ip(v); }, f); }
  template <class F>
  bool boolean(F&& f) const { return read_values([](DynRef v) { return doc_bool(v); }, f); }
  // A field of any other type (or text, for exists): whether it holds a value that is not null.
  bool present() const {
    bool hit = false;
    typed_values(p, obj, [&](DynRef v) { hit = hit || !v.is_null(); });
    return hit;
  }
};

// What kind of values a predicate reads (the store of its batch column, see FieldColumn).
enum class ValueKind { Keyword, Text, Number, Date, Ip, Boolean, Present };
ValueKind value_kind(const FieldPred& p) {
  const FieldType t = p.f.mapping.type;
  if (is_keyword_like(t)) return ValueKind::Keyword;
  if (is_text_like(t) && p.op != Op::Exists) return ValueKind::Text;
  if (is_numeric(t)) return ValueKind::Number;
  if (t == FieldType::Date || t == FieldType::DateNanos) return ValueKind::Date;
  if (t == FieldType::Ip) return ValueKind::Ip;
  if (t == FieldType::Boolean) return ValueKind::Boolean;
  return ValueKind::Present;
}

// A predicate on a field's values (V: DocValues, or ColValues for a batch column).
template <class V>
bool eval_pred_on(const FieldPred& p, const V& vals) {
  if (p.never) return false;
  const FieldType t = p.f.mapping.type;
  if (p.op == Op::Exists) {
    // Only a value the field indexes: a malformed one (a word in a long field, a string that is no
    // IP) is not indexed (ignore_malformed; without it the document is refused), so `exists`
    // does not see it.
    const auto any = [](const auto&) { return true; };
    switch (value_kind(p)) {
      case ValueKind::Keyword: return vals.keyword(any);
      case ValueKind::Number: return vals.number(any);
      case ValueKind::Date: return vals.date(any);
      case ValueKind::Ip: return vals.ip(any);
      case ValueKind::Boolean: return vals.boolean(any);
      default: return vals.present();
    }
  }
  if (p.f.origin == MappingOrigin::Unmapped) return false;
  if (is_keyword_like(t)) {
    switch (p.op) {
      case Op::Match:
      case Op::Phrase: return vals.keyword([&](const std::string& s) { return s == p.key; });
      case Op::QueryString:
        return vals.keyword([&](const std::string& s) {
          for (const auto& q : p.qs)
            if (q.wildcard ? glob_impl(q.segments, s) : s == q.segments[0]) return true;
          return false;
        });
      case Op::Range: return vals.keyword([&](const std::string& s) { return in_range(s.compare(p.rkey) < 0 ? -1 : s == p.rkey ? 0 : 1, p.rop); });
      case Op::Term:
        return vals.keyword([&](const std::string& s) {
          for (const auto& t : p.terms)
            if (p.case_insensitive ? fold_simple(s) == fold_simple(t) : s == t) return true;
          return false;
        });
      case Op::Wildcard:
        return vals.keyword([&](const std::string& s) { return lucene_wildcard_match(p.terms.at(0), s, p.case_insensitive); });
      default: return false;
    }
  }
  if (is_text_like(t)) {
    switch (p.op) {
      case Op::Match:
        return vals.text([&](const std::vector<std::string>& toks) {
          std::size_t found = 0;
          for (const auto& q : p.tokens)
            if (std::find(toks.begin(), toks.end(), q) != toks.end()) ++found;
          return p.match_all_tokens ? found == p.tokens.size() && found > 0 : found > 0;
        });
      case Op::Term:
        return vals.text([&](const std::vector<std::string>& toks) {
          for (const auto& t : p.terms)
            for (const auto& tok : toks)
              if (p.case_insensitive ? fold_simple(tok) == fold_simple(t) : tok == t) return true;
          return false;
        });
      case Op::Wildcard:
        return vals.text([&](const std::vector<std::string>& toks) {
          for (const auto& tok : toks)
            if (lucene_wildcard_match(p.terms.at(0), tok, p.case_insensitive)) return true;
          return false;
        });
      case Op::Phrase: return vals.text([&](const std::vector<std::string>& toks) { return contains_phrase(toks, p.tokens); });
      case Op::QueryString:
        return vals.text([&](const std::vector<std::string>& toks) {
          for (std::size_t i = 0; i < p.qs.size(); ++i) {
            if (p.qs[i].wildcard) {
              for (const auto& tok : toks)
                if (glob_impl(p.qs[i].segments, tok)) return true;
            } else {
              for (const auto& q : p.qs_tokens[i])
                if (std::find(toks.begin(), toks.end(), q) != toks.end()) return true;
            }
          }
          return false;
        });
      case Op::Range:
        return vals.text([&](const std::vector<std::string>& toks) {
          for (const auto& tok : toks)
            if (in_range(tok.compare(p.rkey) < 0 ? -1 : tok == p.rkey ? 0 : 1, p.rop)) return true;
          return false;
        });
      default: return false;
    }
  }
  if (is_numeric(t)) return vals.number([&](double x) { return p.op == Op::Range ? in_range(cmp3(x, p.num), p.rop) : x == p.num; });
  if (t == FieldType::Date || t == FieldType::DateNanos)
    return vals.date([&](std::int64_t ticks) { return ticks >= p.lo.ticks && ticks <= p.hi.ticks; });
  if (t == FieldType::Ip)
    return vals.ip([&](const IpBytes& ip) { return p.op == Op::Range ? in_range(cmp3(ip, p.rip), p.rop) : p.cidr.contains(ip); });
  if (t == FieldType::Boolean)
    return vals.boolean([&](bool b) { return p.op == Op::Range ? in_range(cmp3(b, p.boolean), p.rop) : b == p.boolean; });
  return false;
}

bool eval_pred(const FieldPred& p, DynRef obj) { return eval_pred_on(p, DocValues{p, obj}); }

// One field's values over a batch (a column of one kind, multi-valued: each row's values are
// [begin, end) of the store of its kind), read as DocValues reads them. A row is read the first
// time a clause on the field asks for it, and every clause on the field shares what was read.
struct FieldColumn {
  std::vector<std::uint8_t> built;
  std::vector<std::uint32_t> begin, end;
  std::vector<std::string> terms;
  std::vector<std::vector<std::string>> tokens;
  std::vector<double> numbers;
  std::vector<std::int64_t> dates;
  std::vector<IpBytes> ips;
  std::vector<std::uint8_t> bools;
};

template <class T, class F>
bool any_of_range(const std::vector<T>& store, std::uint32_t b, std::uint32_t e, F&& f) {
  for (std::uint32_t i = b; i < e; ++i)
    if (f(store[i])) return true;
  return false;
}

struct ColValues {
  const FieldColumn& c;
  std::uint32_t r;
  template <class F>
  bool keyword(F&& f) const { return any_of_range(c.terms, c.begin[r], c.end[r], f); }
  template <class F>
  bool text(F&& f) const { return any_of_range(c.tokens, c.begin[r], c.end[r], f); }
  template <class F>
  bool number(F&& f) const { return any_of_range(c.numbers, c.begin[r], c.end[r], f); }
  template <class F>
  bool date(F&& f) const { return any_of_range(c.dates, c.begin[r], c.end[r], f); }
  template <class F>
  bool ip(F&& f) const { return any_of_range(c.ips, c.begin[r], c.end[r], f); }
  template <class F>
  bool boolean(F&& f) const {
    return any_of_range(c.bools, c.begin[r], c.end[r], [&](std::uint8_t b) { return f(b != 0); });
  }
  bool present() const { return c.end[r] > c.begin[r]; }
};

// The batch columns of one select(): one per column id the compiler gave the predicates.
class BatchColumns {
 public:
  BatchColumns(std::span<const DynRef> docs, std::size_t count) : docs_(docs), cols_(count) {}
  // The predicate's column, read for the rows of `sel` not read yet.
  const FieldColumn& get(const FieldPred& p, const SelectionVector& sel) {
    FieldColumn& c = cols_[static_cast<std::size_t>(p.column)];
    if (c.built.empty()) {
      c.built.assign(docs_.size(), 0);
      c.begin.assign(docs_.size(), 0);
      c.end.assign(docs_.size(), 0);
    }
    const ValueKind kind = value_kind(p);
    for (const std::uint32_t r : sel) {
      if (c.built[r]) continue;
      c.built[r] = 1;
      const DocValues v{p, docs_[r]};
      const auto all = [](auto& store) {
        return [&store](const auto& x) {
          store.push_back(x);
          return false;
        };
      };
      std::size_t n = 0;
      switch (kind) {
        case ValueKind::Keyword: n = c.terms.size(); v.keyword(all(c.terms)); break;
        case ValueKind::Text: n = c.tokens.size(); v.text(all(c.tokens)); break;
        case ValueKind::Number: n = c.numbers.size(); v.number(all(c.numbers)); break;
        case ValueKind::Date: n = c.dates.size(); v.date(all(c.dates)); break;
        case ValueKind::Ip: n = c.ips.size(); v.ip(all(c.ips)); break;
        case ValueKind::Boolean: n = c.bools.size(); v.boolean([&](bool b) { c.bools.push_back(b ? 1 : 0); return false; }); break;
        case ValueKind::Present:
          n = c.bools.size();
          if (v.present()) c.bools.push_back(1);
          break;
      }
      c.begin[r] = static_cast<std::uint32_t>(n);
      c.end[r] = static_cast<std::uint32_t>(kind == ValueKind::Keyword  ? c.terms.size()
                                            : kind == ValueKind::Text   ? c.tokens.size()
                                            : kind == ValueKind::Number ? c.numbers.size()
                                            : kind == ValueKind::Date   ? c.dates.size()
                                            : kind == ValueKind::Ip     ? c.ips.size()
                                                                        : c.bools.size());
    }
    return c;
  }

 private:
  std::span<const DynRef> docs_;
  std::vector<FieldColumn> cols_;
};

bool eval(const Plan& p, DynRef obj) {
  switch (p.kind) {
    case Plan::Kind::All: return true;
    case Plan::Kind::None: return false;
    case Plan::Kind::Or:
      for (const auto& c : p.children)
        if (eval(*c, obj)) return true;
      return false;
    case Plan::Kind::And:
      for (const auto& c : p.children)
        if (!eval(*c, obj)) return false;
      return true;
    case Plan::Kind::Not: return !eval(*p.children.at(0), obj);
    case Plan::Kind::Fields:
      for (const auto& pr : p.preds)
        if (eval_pred(pr, obj)) return true;
      return false;
    case Plan::Kind::Bool: {
      const std::size_t n = p.children.size();
      for (std::size_t i = 0; i < p.must; ++i)
        if (!eval(*p.children[i], obj)) return false;
      for (std::size_t i = n - p.must_not; i < n; ++i)
        if (eval(*p.children[i], obj)) return false;
      std::size_t should = 0;
      for (std::size_t i = p.must; i < n - p.must_not; ++i)
        if (eval(*p.children[i], obj)) ++should;
      return should >= p.min_should;
    }
    case Plan::Kind::Nested: {
      return any_value_at(obj, p.nested_rel, [&](DynRef el) { return el.is_object() && eval(*p.children.at(0), el); });
    }
  }
  return false;
}

// eval() a batch at a time: `sel` (rows of docs) narrowed clause by clause (core/selection.hpp),
// each predicate on its field's batch column (a nested query's, object by object).
void select(const Plan& p, std::span<const DynRef> docs, SelectionVector& sel, BatchColumns& cols) {
  if (sel.empty()) return;
  switch (p.kind) {
    case Plan::Kind::All: return;
    case Plan::Kind::None: sel.clear(); return;
    case Plan::Kind::Or:
      selection_any(sel, p.children.size(), [&](std::size_t i, SelectionVector& s) { select(*p.children[i], docs, s, cols); });
      return;
    case Plan::Kind::And:
      for (const auto& c : p.children) {
        select(*c, docs, sel, cols);
        if (sel.empty()) return;
      }
      return;
    case Plan::Kind::Not: selection_not(sel, [&](SelectionVector& s) { select(*p.children.at(0), docs, s, cols); }); return;
    case Plan::Kind::Fields:
      selection_any(sel, p.preds.size(), [&](std::size_t i, SelectionVector& s) {
        const FieldPred& pr = p.preds[i];
        if (pr.column < 0) {
          selection_keep_if(s, [&](std::uint32_t r) { return eval_pred(pr, docs[r]); });
          return;
        }
        const FieldColumn& c = cols.get(pr, s);  // the field's values, typed, for these rows
        selection_keep_if(s, [&](std::uint32_t r) { return eval_pred_on(pr, ColValues{c, r}); });
      });
      return;
    case Plan::Kind::Bool: {
      const std::size_t n = p.children.size();
      for (std::size_t i = 0; i < p.must && !sel.empty(); ++i) select(*p.children[i], docs, sel, cols);
      for (std::size_t i = n - p.must_not; i < n && !sel.empty(); ++i)
        selection_not(sel, [&](SelectionVector& s) { select(*p.children[i], docs, s, cols); });
      if (p.min_should == 0 || sel.empty()) return;
      // Each row's count of should clauses matched (by its position in sel).
      std::vector<std::uint32_t> count(sel.size(), 0);
      SelectionVector part;
      for (std::size_t i = p.must; i < n - p.must_not; ++i) {
        part = sel;
        select(*p.children[i], docs, part, cols);
        std::size_t k = 0;
        for (const std::uint32_t r : part) {
          while (sel[k] != r) ++k;
          ++count[k];
        }
      }
      std::size_t k = 0;
      selection_keep_if(sel, [&](std::uint32_t) { return count[k++] >= p.min_should; });
      return;
    }
    case Plan::Kind::Nested:
      selection_keep_if(sel, [&](std::uint32_t r) { return eval(p, docs[r]); });
      return;
  }
}

// Gives the predicates outside nested queries their batch columns: one per field, source path and
// kind of values; a predicate that reads no values (never, or on an unmapped field) has none.
void assign_columns(Plan& p, std::map<std::string, int>& ids) {
  for (auto& pr : p.preds) {
    if (pr.never || (pr.op != Op::Exists && (pr.f.origin == MappingOrigin::Unmapped || value_kind(pr) == ValueKind::Present))) continue;
    const std::string key = pr.f.name + '\x1f' + pr.rel + '\x1f' + std::to_string(static_cast<int>(value_kind(pr)));
    pr.column = ids.emplace(key, static_cast<int>(ids.size())).first->second;
  }
  if (p.kind == Plan::Kind::Nested) return;
  for (auto& c : p.children) assign_columns(*c, ids);
}

void assign_columns(Plan& root) {
  std::map<std::string, int> ids;
  assign_columns(root, ids);
  root.columns = ids.size();
}

class Compiler {
 public:
  Compiler(const IndexFields& f, DateTime now, std::vector<QueryIssue>& errors, std::vector<QueryIssue>& notes)
      : fields_(f), now_(now), errors_(errors), notes_(notes) {}

  std::unique_ptr<Plan> compile(const Node& n, const std::string& prefix) {
    auto p = std::make_unique<Plan>();
    switch (n.kind) {
      case Node::Kind::MatchAll: p->kind = Plan::Kind::All; return p;
      case Node::Kind::Or:
      case Node::Kind::And:
      case Node::Kind::Not:
        p->kind = n.kind == Node::Kind::Or ? Plan::Kind::Or : n.kind == Node::Kind::And ? Plan::Kind::And : Plan::Kind::Not;
        for (const auto& c : n.children) p->children.push_back(compile(*c, prefix));
        return p;
      case Node::Kind::Nested: {
        const std::string path = join(prefix, n.field->text);
        const ResolvedField rf = fields_.resolve(path);
        if (rf.origin == MappingOrigin::Unmapped && rf.mapping.type != FieldType::Nested)
          errors_.push_back({n.range, "[nested] failed to create query: [nested] failed to find nested object under path [" + path +
                                          "] (give its mapping, \"type\": \"nested\", with --mapping)"});
        else if (rf.mapping.type != FieldType::Nested)
          errors_.push_back({n.range, "[nested] failed to create query: [nested] nested object under path [" + path +
                                          "] is not of nested type (map it as \"type\": \"nested\" with --mapping)"});
        p->kind = Plan::Kind::Nested;
        p->nested_rel = relative(prefix, path);
        p->children.push_back(compile(*n.children.at(0), path));
        return p;
      }
      case Node::Kind::Is:
      case Node::Kind::Range: break;
    }
    p->kind = Plan::Kind::Fields;
    const bool exists = n.kind == Node::Kind::Is && n.value.is_lone_wildcard();
    const Op op = n.kind == Node::Kind::Range ? Op::Range
                  : exists                    ? Op::Exists
                  : n.value.is_wildcard()     ? Op::QueryString
                  : n.value.quoted            ? Op::Phrase
                                              : Op::Match;
    bool lenient = false;
    std::vector<std::string> names;
    if (!n.field || n.field->is_lone_wildcard()) {  // free text or *:value: every field, leniently
      lenient = true;
      for (const auto& f : fields_.all_fields())
        if (prefix.empty() || f.rfind(prefix + ".", 0) == 0) names.push_back(f);
    } else if (n.field->is_wildcard()) {
      const std::string pattern = join(prefix, n.field->text);
      names = fields_.expand(pattern);
      if (names.empty()) {
        notes_.push_back({n.field->range, "field pattern " + pattern + " matches no field of the data: it matches no document"});
        names.push_back(pattern);
      }
    } else {
      names.push_back(join(prefix, n.field->text));
    }
    for (const auto& name : names) {
      FieldPred pr;
      pr.f = fields_.resolve(name);
      pr.rel = relative(prefix, pr.f.source_path);
      pr.op = op;
      if (pr.f.origin == MappingOrigin::Unmapped && !lenient && op != Op::Exists && n.field && !n.field->is_wildcard())
        notes_.push_back({n.field->range, "field " + name + " is in no mapping and in no document: it matches nothing"});
      prepare(pr, n, lenient);
      // Fields inside nested objects are only reachable through a nested query on their path.
      const std::string nested = fields_.types().nested_ancestor(pr.f.source_path);
      if (!nested.empty() && nested != prefix && prefix.rfind(nested + ".", 0) != 0) pr.never = true;
      p->preds.push_back(std::move(pr));
    }
    return p;
  }

 private:
  static std::string join(const std::string& prefix, const std::string& name) { return prefix.empty() ? name : prefix + "." + name; }
  static std::string relative(const std::string& prefix, const std::string& path) {
    if (!prefix.empty() && path.rfind(prefix + ".", 0) == 0) return path.substr(prefix.size() + 1);
    return path;
  }

  void fail(FieldPred& pr, const Node& n, bool lenient, const std::string& msg) {
    pr.never = true;
    if (!lenient) errors_.push_back({n.range, msg});
  }

  void prepare(FieldPred& pr, const Node& n, bool lenient) {
    const FieldType t = pr.f.mapping.type;
    const std::string v = n.value.as_text();
    const std::string& fname = pr.f.name;
    if (pr.op == Op::Exists || pr.f.origin == MappingOrigin::Unmapped) return;
    if (n.kind == Node::Kind::Is && n.value.kind == Term::Kind::Null) {
      fail(pr, n, lenient, "[match] query does not accept a null value (unquoted null in kuery)");
      return;
    }
    if (pr.op == Op::QueryString) {
      // Kibana (is.ts): on a field whose only type is keyword the value goes into a `wildcard`
      // query (whitespace is literal); on every other field into `query_string`, which splits it.
      if (t == FieldType::Keyword) {
        QsTerm whole;
        whole.wildcard = true;
        whole.segments = n.value.segments;
        pr.qs = {whole};
      } else {
        pr.qs = query_string_terms(n.value.segments);
      }
      if (is_keyword_like(t)) {
        if (pr.f.mapping.normalizer)
          for (auto& q : pr.qs)
            for (auto& s : q.segments) s = pr.f.mapping.normalize(s);
        return;
      }
      if (is_text_like(t)) {
        for (auto& q : pr.qs) {
          if (q.wildcard && pr.f.mapping.lowercases_terms())
            for (auto& s : q.segments) s = lowercase(s);
          pr.qs_tokens.push_back(q.wildcard ? std::vector<std::string>{} : pr.f.mapping.query_tokens(q.segments[0]));
        }
        return;
      }
      for (const auto& q : pr.qs)
        if (q.wildcard) {
          fail(pr, n, lenient,
               "Can only use wildcard queries on keyword and text fields - not on [" + fname + "] which is of type [" + pr.f.mapping.type_name + "]");
          return;
        }
      // plain terms on other types: treat as a match of the (single) term
      if (pr.qs.size() != 1) {
        fail(pr, n, lenient, "query_string: more than one term for field [" + fname + "] of type [" + pr.f.mapping.type_name + "]");
        return;
      }
      pr.op = Op::Match;
      prepare_exact(pr, n, lenient, pr.qs[0].segments[0]);
      return;
    }
    if (pr.op == Op::Range) {
      pr.rop = n.op;
      if (is_keyword_like(t) || is_text_like(t)) {
        pr.rkey = pr.f.mapping.normalize(v);
        return;
      }
      if (is_numeric(t)) {
        auto d = parse_number(v);
        if (!d) return fail(pr, n, lenient, "failed to create query: For input string: \"" + v + "\" (field [" + fname + "] is " + pr.f.mapping.type_name + ")");
        pr.num = *d;
        return;
      }
      if (t == FieldType::Date || t == FieldType::DateNanos) {
        const bool up = n.op == RangeOp::Lte || n.op == RangeOp::Gt;
        const elastic::DateFormats* fmt = pr.f.mapping.date_format.get();
        auto d = parse_es_date(v, now_, up, fmt);
        if (!d) return fail(pr, n, lenient, "failed to parse date field [" + v + "] with format [" + (fmt ? fmt->text() : "strict_date_optional_time||epoch_millis") + "]");
        pr.lo = DateTime{INT64_MIN};
        pr.hi = DateTime{INT64_MAX};
        switch (n.op) {
          case RangeOp::Lt: pr.hi = DateTime{d->ticks - 1}; break;
          case RangeOp::Lte: pr.hi = *d; break;
          case RangeOp::Gt: pr.lo = DateTime{d->ticks + 1}; break;
          case RangeOp::Gte: pr.lo = *d; break;
        }
        return;
      }
      if (t == FieldType::Ip) {
        auto ip = parse_ip(v);
        if (!ip) return fail(pr, n, lenient, "'" + v + "' is not an IP string literal.");
        pr.rip = *ip;
        return;
      }
      if (t == FieldType::Boolean) {
        auto b = parse_bool(v);
        if (!b) return fail(pr, n, lenient, "Can't parse boolean value [" + v + "], expected [true] or [false]");
        pr.boolean = *b;
        return;
      }
      pr.never = true;
      return;
    }
    prepare_exact(pr, n, lenient, v);
  }

  void prepare_exact(FieldPred& pr, const Node& n, bool lenient, const std::string& v) {
    const FieldType t = pr.f.mapping.type;
    const std::string& fname = pr.f.name;
    if (is_keyword_like(t)) {
      pr.key = pr.f.mapping.normalize(v);
      return;
    }
    if (is_text_like(t)) {
      pr.tokens = pr.f.mapping.query_tokens(v);
      if (pr.tokens.empty()) pr.never = true;  // zero_terms_query: none
      return;
    }
    if (is_numeric(t)) {
      auto d = parse_number(v);
      if (!d) return fail(pr, n, lenient, "failed to create query: For input string: \"" + v + "\" (field [" + fname + "] is " + pr.f.mapping.type_name + ")");
      if (is_integral(t) && std::trunc(*d) != *d) {  // "Value [1.5] has a decimal part": no document
        pr.never = true;
        return;
      }
      pr.num = as_type(*d, t);
      return;
    }
    if (t == FieldType::Date || t == FieldType::DateNanos) {
      const elastic::DateFormats* fmt = pr.f.mapping.date_format.get();
      auto lo = parse_es_date(v, now_, false, fmt), hi = parse_es_date(v, now_, true, fmt);
      if (!lo || !hi) return fail(pr, n, lenient, "failed to parse date field [" + v + "] with format [" + (fmt ? fmt->text() : "strict_date_optional_time||epoch_millis") + "]");
      pr.lo = *lo;
      pr.hi = *hi;
      return;
    }
    if (t == FieldType::Ip) {
      auto c = parse_ip_or_cidr(v);
      if (!c) return fail(pr, n, lenient, "'" + v + "' is not an IP string literal.");
      pr.cidr = *c;
      return;
    }
    if (t == FieldType::Boolean) {
      auto b = parse_bool(v);
      if (!b) return fail(pr, n, lenient, "Can't parse boolean value [" + v + "], expected [true] or [false]");
      pr.boolean = *b;
      return;
    }
    pr.never = true;  // geo_point, object, ...: no term matches
  }

  // ---- Elasticsearch query DSL (Kibana filters, exception items) ----
 public:
  std::unique_ptr<Plan> dsl(const nlohmann::json& q, const std::string& prefix, int depth) {
    auto p = std::make_unique<Plan>();
    if (depth > 64 || !q.is_object() || q.size() != 1) {
      unsupported(q);
      p->kind = Plan::Kind::None;
      return p;
    }
    const std::string kind = q.begin().key();
    const nlohmann::json& body = q.begin().value();
    if (kind == "match_all") { p->kind = Plan::Kind::All; return p; }
    if (kind == "match_none") { p->kind = Plan::Kind::None; return p; }
    if (kind == "bool") {
      auto clauses = [&](const char* key) {
        std::vector<nlohmann::json> out;
        if (auto it = body.find(key); it != body.end()) {
          if (it->is_array()) for (const auto& c : *it) out.push_back(c);
          else if (it->is_object()) out.push_back(*it);
        }
        return out;
      };
      auto must = clauses("must"), filter = clauses("filter"), should = clauses("should"), must_not = clauses("must_not");
      must.insert(must.end(), filter.begin(), filter.end());
      p->kind = Plan::Kind::Bool;
      for (const auto& c : must) p->children.push_back(dsl(c, prefix, depth + 1));
      for (const auto& c : should) p->children.push_back(dsl(c, prefix, depth + 1));
      for (const auto& c : must_not) p->children.push_back(dsl(c, prefix, depth + 1));
      p->must = must.size();
      p->must_not = must_not.size();
      p->min_should = must.empty() && !should.empty() ? 1 : 0;
      if (auto it = body.find("minimum_should_match"); it != body.end()) {
        if (it->is_number_integer()) p->min_should = it->get<std::size_t>();
        else if (it->is_string()) {
          const std::string m = it->get<std::string>();
          if (m == "100%") p->min_should = should.size();
          else if (!m.empty() && m.find_first_not_of("0123456789") == std::string::npos) p->min_should = std::stoul(m);
        }
      }
      return p;
    }
    if (kind == "nested") {
      const std::string path = body.value("path", "");
      if (fields_.resolve(path).mapping.type != FieldType::Nested)
        errors_.push_back({{}, "[nested] nested object under path [" + path + "] is not of nested type"});
      p->kind = Plan::Kind::Nested;
      p->nested_rel = relative(prefix, path);
      p->children.push_back(body.contains("query") ? dsl(body["query"], path, depth + 1) : std::make_unique<Plan>());
      return p;
    }
    p->kind = Plan::Kind::Fields;
    if (kind == "exists") {
      const std::string field = body.value("field", "");
      std::vector<std::string> names = field.find('*') != std::string::npos ? fields_.expand(field) : std::vector<std::string>{field};
      for (const auto& name : names) {
        FieldPred pr = pred(name, prefix);
        pr.op = Op::Exists;
        p->preds.push_back(std::move(pr));
      }
      return p;
    }
    if (!body.is_object() || body.size() != 1) {
      unsupported(q);
      p->kind = Plan::Kind::None;
      return p;
    }
    const std::string field = body.begin().key();
    const nlohmann::json& spec = body.begin().value();
    auto text_of = [](const nlohmann::json& v) {
      if (v.is_string()) return v.get<std::string>();
      if (v.is_boolean()) return std::string(v.get<bool>() ? "true" : "false");
      return v.dump();
    };
    auto value_of = [&](const char* key) -> nlohmann::json { return spec.is_object() ? spec.value(key, nlohmann::json()) : spec; };
    const bool ci = spec.is_object() && spec.value("case_insensitive", false);
    if (kind == "match" || kind == "match_phrase") {
      FieldPred pr = pred(field, prefix);
      Node n;
      n.kind = Node::Kind::Is;
      n.value.text = text_of(value_of("query"));
      n.value.quoted = kind == "match_phrase";
      pr.op = kind == "match" ? Op::Match : Op::Phrase;
      pr.match_all_tokens = spec.is_object() && spec.value("operator", "or") == "and";
      if (pr.f.origin != MappingOrigin::Unmapped) prepare_exact(pr, n, false, n.value.text);
      p->preds.push_back(std::move(pr));
      return p;
    }
    if (kind == "term" || kind == "terms") {
      std::vector<std::string> values;
      if (kind == "terms" && spec.is_array()) for (const auto& v : spec) values.push_back(text_of(v));
      else values.push_back(text_of(value_of("value")));
      for (const auto& v : values) {
        FieldPred pr = pred(field, prefix);
        const FieldType t = pr.f.mapping.type;
        if (is_text_like(t) || is_keyword_like(t)) {
          pr.op = Op::Term;
          pr.terms = {v};
          pr.case_insensitive = ci;
        } else if (pr.f.origin != MappingOrigin::Unmapped) {
          Node n;
          n.kind = Node::Kind::Is;
          pr.op = Op::Match;
          prepare_exact(pr, n, false, v);
        }
        p->preds.push_back(std::move(pr));
      }
      return p;
    }
    if (kind == "wildcard" || kind == "prefix") {
      FieldPred pr = pred(field, prefix);
      const FieldType t = pr.f.mapping.type;
      std::string pattern = text_of(value_of(spec.is_object() && spec.contains("wildcard") ? "wildcard" : "value"));
      if (kind == "prefix") {
        std::string esc;
        for (char c : pattern) {
          if (c == '*' || c == '?' || c == '\\') esc += '\\';
          esc += c;
        }
        pattern = esc + "*";
      }
      if (pr.f.origin != MappingOrigin::Unmapped && !is_text_like(t) && !is_keyword_like(t))
        errors_.push_back({{}, "Can only use wildcard queries on keyword and text fields - not on [" + field + "] which is of type [" + pr.f.mapping.type_name + "]"});
      pr.op = Op::Wildcard;
      pr.terms = {pattern};
      pr.case_insensitive = ci;
      p->preds.push_back(std::move(pr));
      return p;
    }
    if (kind == "range" && spec.is_object()) {
      p->kind = Plan::Kind::And;
      static const std::pair<const char*, RangeOp> kOps[] = {{"gt", RangeOp::Gt}, {"gte", RangeOp::Gte}, {"lt", RangeOp::Lt}, {"lte", RangeOp::Lte}};
      for (const auto& [key, op] : kOps) {
        auto it = spec.find(key);
        if (it == spec.end() || it->is_null()) continue;
        auto child = std::make_unique<Plan>();
        child->kind = Plan::Kind::Fields;
        FieldPred pr = pred(field, prefix);
        pr.op = Op::Range;
        Node n;
        n.kind = Node::Kind::Range;
        n.op = op;
        n.value.text = text_of(*it);
        prepare(pr, n, false);
        child->preds.push_back(std::move(pr));
        p->children.push_back(std::move(child));
      }
      return p;
    }
    unsupported(q);
    p->kind = Plan::Kind::None;
    return p;
  }

 private:
  FieldPred pred(const std::string& name, const std::string& prefix) {
    FieldPred pr;
    pr.f = fields_.resolve(name);
    pr.rel = relative(prefix, pr.f.source_path);
    const std::string nested = fields_.types().nested_ancestor(pr.f.source_path);
    if (!nested.empty() && nested != prefix && prefix.rfind(nested + ".", 0) != 0) pr.never = true;
    return pr;
  }
  void unsupported(const nlohmann::json& q) {
    std::string text = q.dump();
    if (text.size() > 200) text = text.substr(0, 200) + "...";
    errors_.push_back({{}, "query DSL not supported by rulelab: " + text});
  }

  const IndexFields& fields_;
  DateTime now_;
  std::vector<QueryIssue>& errors_;
  std::vector<QueryIssue>& notes_;
};

}  // namespace

CompiledQuery::CompiledQuery() = default;
CompiledQuery::CompiledQuery(CompiledQuery&&) noexcept = default;
CompiledQuery& CompiledQuery::operator=(CompiledQuery&&) noexcept = default;
CompiledQuery::~CompiledQuery() = default;

CompiledQuery CompiledQuery::compile(const Node& root, const IndexFields& fields, DateTime now) {
  CompiledQuery q;
  Compiler c(fields, now, q.errors_, q.notes_);
  q.plan_ = c.compile(root, "");
  if (q.plan_) assign_columns(*q.plan_);
  return q;
}

CompiledQuery CompiledQuery::compile_dsl(const nlohmann::json& query, const IndexFields& fields, DateTime now) {
  CompiledQuery q;
  Compiler c(fields, now, q.errors_, q.notes_);
  q.plan_ = c.dsl(query, "", 0);
  if (q.plan_) assign_columns(*q.plan_);
  return q;
}

bool CompiledQuery::matches(DynRef doc) const { return plan_ && eval(*plan_, doc); }
void CompiledQuery::select(std::span<const DynRef> docs, SelectionVector& sel) const {
  if (!plan_) {
    sel.clear();
    return;
  }
  BatchColumns cols(docs, plan_->columns);
  kuery::select(*plan_, docs, sel, cols);
}

void select_filters(const std::vector<std::pair<CompiledQuery, bool>>& filters, std::span<const DynRef> docs, SelectionVector& sel) {
  for (const auto& filter : filters) {
    const CompiledQuery& q = filter.first;
    if (filter.second) selection_not(sel, [&](SelectionVector& part) { q.select(docs, part); });
    else q.select(docs, sel);
  }
}

namespace {

// The longest run of literal characters of a Lucene wildcard pattern ('*', '?' wild, '\' escapes).
std::string longest_wildcard_piece(std::string_view pattern) {
  std::string best, cur;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '*' || c == '?') {
      if (cur.size() > best.size()) best = cur;
      cur.clear();
    } else if (c == '\\' && i + 1 < pattern.size()) {
      cur += pattern[++i];
    } else {
      cur += c;
    }
  }
  return cur.size() > best.size() ? cur : best;
}

RawPrefilter pred_prefilter(const FieldPred& p) {
  if (p.never) return RawPrefilter::never();
  if (p.f.origin == MappingOrigin::Unmapped || !p.f.mapping.terms_as_written()) return {};
  switch (p.op) {
    case Op::Match:
    case Op::Phrase: return RawPrefilter::any_of({p.key}, false);
    case Op::Term: return RawPrefilter::any_of(p.terms, p.case_insensitive);
    case Op::Wildcard:
      if (p.terms.empty()) return {};
      return RawPrefilter::any_of({longest_wildcard_piece(p.terms[0])}, p.case_insensitive);
    case Op::QueryString: {
      std::vector<std::string> lits;
      for (const auto& q : p.qs) {
        if (q.segments.empty()) return {};
        std::string best;
        for (const auto& seg : q.segments)
          if (seg.size() > best.size()) best = seg;
        lits.push_back(q.wildcard ? best : q.segments[0]);
      }
      return RawPrefilter::any_of(lits, false);
    }
    default: return {};
  }
}

RawPrefilter plan_prefilter(const Plan& p, int depth = 0) {
  if (depth > 100) return {};
  switch (p.kind) {
    case Plan::Kind::All: return {};
    case Plan::Kind::None: return RawPrefilter::never();
    case Plan::Kind::Or: {
      if (p.children.empty()) return RawPrefilter::never();
      RawPrefilter acc = plan_prefilter(*p.children[0], depth + 1);
      for (std::size_t i = 1; i < p.children.size(); ++i) acc = RawPrefilter::or_(acc, plan_prefilter(*p.children[i], depth + 1));
      return acc;
    }
    case Plan::Kind::And: {
      RawPrefilter acc;
      for (const auto& c : p.children) acc = RawPrefilter::and_(std::move(acc), plan_prefilter(*c, depth + 1));
      return acc;
    }
    case Plan::Kind::Not: return {};
    case Plan::Kind::Fields: {
      if (p.preds.empty()) return RawPrefilter::never();
      RawPrefilter acc = pred_prefilter(p.preds[0]);
      for (std::size_t i = 1; i < p.preds.size(); ++i) acc = RawPrefilter::or_(acc, pred_prefilter(p.preds[i]));
      return acc;
    }
    case Plan::Kind::Bool: {
      RawPrefilter acc;
      for (std::size_t i = 0; i < p.must; ++i) acc = RawPrefilter::and_(std::move(acc), plan_prefilter(*p.children[i], depth + 1));
      const std::size_t should_end = p.children.size() - p.must_not;
      if (p.min_should >= 1 && should_end > p.must) {
        RawPrefilter any = plan_prefilter(*p.children[p.must], depth + 1);
        for (std::size_t i = p.must + 1; i < should_end; ++i) any = RawPrefilter::or_(any, plan_prefilter(*p.children[i], depth + 1));
        acc = RawPrefilter::and_(std::move(acc), any);
      }
      return acc;
    }
    case Plan::Kind::Nested: return p.children.empty() ? RawPrefilter{} : plan_prefilter(*p.children[0], depth + 1);
  }
  return {};
}

}  // namespace

RawPrefilter CompiledQuery::raw_prefilter() const { return plan_ ? plan_prefilter(*plan_) : RawPrefilter{}; }

}  // namespace rulelab::kuery
