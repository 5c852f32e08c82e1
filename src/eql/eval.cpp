#include "eql/eval.hpp"

#include "elastic/analyzer.hpp"
#include "elastic/coerce.hpp"
#include "elastic/date.hpp"
#include "elastic/ip.hpp"

#include <boost/container/small_vector.hpp>

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/limits.hpp"
#include "core/selection.hpp"
#include "core/unicode_case.hpp"

namespace rulelab::eql {

// ---- mapping -------------------------------------------------------------------------------------
// One mapping model (elastic/field_types.hpp) for kuery, EQL and ES|QL: an EQL mapping is the
// Elastic field model's resolution of each field, as EQL reads it.
namespace {
FieldType eql_type_of(elastic::FieldType t) {
  using K = elastic::FieldType;
  if (elastic::is_keyword_like(t)) return FieldType::Keyword;
  if (elastic::is_text_like(t)) return FieldType::Text;
  if (elastic::is_integral(t)) return FieldType::Long;
  if (elastic::is_numeric(t)) return FieldType::Double;
  if (t == K::Date || t == K::DateNanos) return FieldType::Date;
  if (t == K::Ip) return FieldType::Ip;
  if (t == K::Boolean) return FieldType::Boolean;
  if (t == K::Version) return FieldType::Version;
  return FieldType::Unknown;
}
}  // namespace

FieldInfo field_info(const std::string& name, const elastic::ResolvedField& rf) {
  FieldInfo info;
  if (rf.mapping.type == elastic::FieldType::Alias) info.alias_of = rf.mapping.alias_path;
  else info.type = eql_type_of(rf.mapping.type);
  if (elastic::is_keyword_like(rf.mapping.type)) {
    info.ignore_above = rf.mapping.ignore_above;
    info.normalizer = rf.mapping.normalizer;
  }
  // EQL matches a text field exactly through its keyword sub-field.
  if (elastic::is_text_like(rf.mapping.type))
    for (const auto& [sub, sm] : rf.mapping.multi_fields)
      if (elastic::is_keyword_like(sm.type)) {
        info.ignore_above = sm.ignore_above;
        break;
      }
  info.null_value = rf.mapping.null_value;
  info.date_format = rf.mapping.date_format;
  if (rf.mapping.type == elastic::FieldType::ConstantKeyword && !rf.mapping.constant_value.empty()) info.constant = rf.mapping.constant_value;
  if (!rf.source_path.empty() && rf.source_path != name) info.source_path = rf.source_path;
  return info;
}

Mapping Mapping::from_fields(const elastic::IndexFields& fields) {
  Mapping m;
  // the documents' fields, and the mapped ones no document holds (an alias's name is one)
  for (const auto& name : fields.expand("*")) m.set(name, field_info(name, fields.resolve(name)));
  return m;
}

Result<Mapping> Mapping::from_json(std::string_view json, const std::string& file) {
  elastic::FieldTypes types;  // the mapping alone: no ECS
  auto n = types.add_mapping_json(json, file);
  if (!n) return n.error();
  return from_fields(elastic::IndexFields(types));
}

const FieldInfo* Mapping::find(std::string_view path) const {
  auto it = fields_.find(path);
  return it == fields_.end() ? nullptr : &it->second;
}

std::string Mapping::resolve(std::string_view path) const {
  std::string p(path);
  for (int hops = 0; hops < 8; ++hops) {
    const FieldInfo* f = find(p);
    if (!f || f->alias_of.empty()) break;
    p = f->alias_of;
  }
  return p;
}

FieldType Mapping::type_of(std::string_view path) const {
  const FieldInfo* f = find(resolve(path));
  return f ? f->type : FieldType::Unknown;
}

// ---- documents -----------------------------------------------------------------------------------
namespace {
void flatten(DynRef v, std::vector<DynRef>& out, int depth) {
  if (v.is_array()) {
    if (depth > 64) return;
    v.for_each_element([&](DynRef e) { flatten(e, out, depth + 1); });
  } else {
    out.push_back(v);
  }
}

void collect_at(DynRef node, std::string_view path, std::vector<DynRef>& out, int depth) {
  if (depth > 64) return;
  if (path.empty()) {
    flatten(node, out, 0);
    return;
  }
  if (node.is_array()) {
    node.for_each_element([&](DynRef e) { collect_at(e, path, out, depth + 1); });
    return;
  }
  if (!node.is_object()) return;
  // The path may be spelled with nested objects, dotted keys, or a mix: every split of it at a
  // dot is a key to look up, shortest first; a key written twice gives its last value (as
  // DynRef::get). One pass over the members finds them all.
  struct Split {
    std::size_t len;
    DynRef child;
  };
  boost::container::small_vector<Split, 4> found;
  node.for_each_member([&](std::string_view k, DynRef v) {
    if (k.size() > path.size()) return;
    if (!k.empty() && (k[0] != path[0] || k.back() != path[k.size() - 1])) return;  // (most keys differ here)
    if (path.compare(0, k.size(), k) != 0) return;
    if (k.size() < path.size() && path[k.size()] != '.') return;
    for (auto& f : found)
      if (f.len == k.size()) {
        f.child = v;
        return;
      }
    found.push_back({k.size(), v});
  });
  std::sort(found.begin(), found.end(), [](const Split& a, const Split& b) { return a.len < b.len; });
  for (const auto& f : found)
    collect_at(f.child, f.len == path.size() ? std::string_view{} : path.substr(f.len + 1), out, depth + 1);
}

std::optional<double> parse_double(std::string_view s) {
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return d;
}

std::string number_text(DynRef v) {
  if (v.kind() == DynKind::Int) return std::to_string(v.as_int());
  return to_json(v);
}
}  // namespace

void collect_values(DynRef doc, std::string_view path, std::vector<DynRef>& out) { collect_at(doc, path, out, 0); }

Value typed_value(DynRef v, FieldType type, const elastic::DateFormats* date_format) {
  if (!v.valid() || v.is_null() || v.is_object() || v.is_array()) return Value::null();
  // A value the field's type cannot take (a word in a long field, a string that is no IP, a
  // number beyond the type's range) is malformed: Elasticsearch does not index it (or refuses the
  // document), so it is null here.
  auto long_of = [](double d) -> std::optional<std::int64_t> {
    if (!elastic::fits_integral(d, elastic::FieldType::Long)) return std::nullopt;
    return static_cast<std::int64_t>(std::trunc(d));
  };
  switch (type) {
    case FieldType::Keyword:
    case FieldType::Text:
      if (v.is_string()) return Value::string(std::string(v.as_string()));
      if (v.is_number()) return Value::string(number_text(v));
      return Value::string(v.as_bool() ? "true" : "false");
    case FieldType::Ip:
      // The address as the ip field returns it (elastic/ip.hpp): "::ffff:10.0.0.5" is 10.0.0.5.
      if (v.is_string())
        if (auto ip = elastic::parse_ip(v.as_string())) return Value::string(elastic::format_ip(*ip));
      return Value::null();
    case FieldType::Version:
      if (v.is_string()) return Value::version(std::string(v.as_string()));
      return Value::version(v.is_number() ? number_text(v) : (v.as_bool() ? "true" : "false"));
    case FieldType::Long:
      if (v.kind() == DynKind::Int) return Value::integer(v.as_int());
      if (v.kind() == DynKind::Real) {
        if (auto l = long_of(v.as_real())) return Value::integer(*l);
        return Value::null();
      }
      if (v.is_string()) {
        if (auto d = parse_double(v.as_string()))
          if (auto l = long_of(*d)) return Value::integer(*l);
      }
      return Value::null();
    case FieldType::Double:
      if (v.is_number()) return Value::real(v.as_number());
      if (v.is_string()) {
        // Elasticsearch's numeric fields take finite values only ("NaN", "Infinity": malformed).
        if (auto d = parse_double(v.as_string()); d && std::isfinite(*d)) return Value::real(*d);
      }
      return Value::null();
    case FieldType::Boolean:
      // Boolean field type: true, "true"; false, "false" and "" (the empty string).
      if (v.is_bool()) return Value::boolean(v.as_bool());
      if (v.is_string() && (v.as_string() == "true" || v.as_string() == "false" || v.as_string().empty()))
        return Value::boolean(v.as_string() == "true");
      return Value::null();
    case FieldType::Date: {
      // strict_date_optional_time||epoch_millis, Elasticsearch's default date format (elastic/date.hpp).
      const std::optional<elastic::Instant> t = elastic::date_of_value(v, date_format);
      if (!t) return Value::null();
      // (nanoseconds since the epoch reach from 1677 to 2262; a date outside is null here)
      if (auto n = elastic::to_epoch_nanos(*t)) return Value::date(*n);
      return Value::null();
    }
    case FieldType::Unknown:
      break;
  }
  switch (v.kind()) {
    case DynKind::False:
    case DynKind::True: return Value::boolean(v.as_bool());
    case DynKind::Int: return Value::integer(v.as_int());
    case DynKind::Real: return Value::real(v.as_real());
    case DynKind::String: return Value::string(std::string(v.as_string()));
    default: return Value::null();
  }
}

// ---- helpers ---------------------------------------------------------------------------------------
// Case-insensitive matching (`:`, `~` functions) is fold_simple (core/unicode_case.hpp): simple
// Unicode case folding, as Lucene's case-insensitive automata accept it.

namespace {
std::size_t utf8_len(unsigned char c) { return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1; }
}  // namespace

bool wildcard_match(std::string_view p, std::string_view t) {
  std::size_t pi = 0, ti = 0, star_p = std::string_view::npos, star_t = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star_p = pi++;
      star_t = ti;
    } else if (pi < p.size() && p[pi] == '?') {
      ++pi;
      ti += utf8_len(static_cast<unsigned char>(t[ti]));
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi;
      ++ti;
    } else if (star_p != std::string_view::npos) {
      pi = star_p + 1;
      star_t += utf8_len(static_cast<unsigned char>(t[star_t]));
      ti = star_t;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size() && ti == t.size();
}

bool cidr_contains(std::string_view cidr, std::string_view ip) {
  // Both read as the ip field reads addresses and blocks (elastic/ip.hpp); an address without a
  // prefix is a block of its own.
  auto addr = elastic::parse_ip(ip);
  if (!addr) return false;
  if (cidr.find('/') == std::string_view::npos) {
    auto one = elastic::parse_ip(cidr);
    return one && *one == *addr;
  }
  auto block = elastic::parse_cidr(cidr);
  return block && block->contains(*addr);
}

namespace {
// Lucene regular expression syntax (Elasticsearch's regexp) to RE2: the match is anchored, `.`
// matches any character, "..." quotes literal text, and a backslash escapes any character.
std::string lucene_to_re2(std::string_view p) {
  std::string out = "(?s)^(?:";
  for (std::size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char n = p[++i];
      if (std::string_view("dDsSwW").find(n) != std::string_view::npos) {
        out += '\\';
        out += n;
      } else if ((n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') || (n >= '0' && n <= '9')) {
        out += n;
      } else {
        out += '\\';
        out += n;
      }
    } else if (c == '"') {
      std::size_t close = p.find('"', i + 1);
      if (close == std::string_view::npos) close = p.size();
      for (std::size_t k = i + 1; k < close; ++k) {
        char q = p[k];
        if (!((q >= 'a' && q <= 'z') || (q >= 'A' && q <= 'Z') || (q >= '0' && q <= '9') || (q & 0x80))) out += '\\';
        out += q;
      }
      i = close;
    } else if (c == '#' || c == '@' || c == '&' || c == '~' || c == '<' || c == '>') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  out += ")$";
  return out;
}

}  // namespace

// ---- evaluator -----------------------------------------------------------------------------------
struct Evaluator::Pattern {
  Value literal;                    // `:` with a non-string constant: equality
  std::string text;                 // wildcard (folded when insensitive) or plain text
  bool wildcard = false;
  std::unique_ptr<re2::RE2> regex;  // regex / regex~
};

Evaluator::Evaluator() = default;
Evaluator::~Evaluator() = default;

void Evaluator::prepare_expr(const Expr& e, std::optional<std::pair<std::string, std::size_t>>& err) {
  for (const auto& a : e.args) prepare_expr(*a, err);
  // a string that is an address: its form as an ip field's value, for terms on ip fields
  if (e.kind == ExprKind::Literal && e.value.kind == Value::Kind::String)
    if (auto ip = elastic::parse_ip(e.value.s)) ip_terms_[&e] = elastic::format_ip(*ip);
  if (e.kind != ExprKind::Match) return;
  std::vector<Pattern> ps;
  for (std::size_t i = 1; i < e.args.size(); ++i) {
    const Value& v = e.args[i]->value;
    Pattern p;
    if (v.kind != Value::Kind::String) {
      p.literal = v;
    } else if (e.op == Op::Regex) {
      RE2::Options o;
      o.set_log_errors(false);
      o.set_case_sensitive(!e.insensitive);
      o.set_max_mem(kRegexMaxMem);
      p.regex = std::make_unique<re2::RE2>(lucene_to_re2(v.s), o);
      if (!p.regex->ok() && !err)
        err = std::make_pair(p.regex->error_code() == RE2::ErrorPatternTooLarge ? regex_too_large_message()
                                                                                : "invalid regular expression: " + p.regex->error(),
                             e.args[i]->range.begin);
    } else {
      p.text = e.insensitive ? fold_simple(v.s) : v.s;
      p.wildcard = p.text.find_first_of("*?") != std::string::npos;
    }
    ps.push_back(std::move(p));
  }
  patterns_[&e] = std::move(ps);
}

std::optional<std::pair<std::string, std::size_t>> Evaluator::prepare(const Query& q) {
  std::optional<std::pair<std::string, std::size_t>> err;
  auto filter = [&](const EventFilter& f) {
    if (f.condition) prepare_expr(*f.condition, err);
  };
  auto stage = [&](const Stage& s) {
    filter(s.filter);
    for (const auto& k : s.keys) prepare_expr(*k, err);
  };
  filter(q.event);
  for (const auto& k : q.shared_keys) prepare_expr(*k, err);
  for (const auto& s : q.stages) stage(s);
  if (q.until) stage(*q.until);
  return err;
}

void Evaluator::field_values(std::string_view path, const EventView& ev, std::vector<Value>& out) const {
  std::string concrete = ev.mapping ? ev.mapping->resolve(path) : std::string(path);
  const FieldInfo* info = ev.mapping ? ev.mapping->find(concrete) : nullptr;
  FieldType type = info ? info->type : FieldType::Unknown;
  if (type == FieldType::Unknown && (concrete == "@timestamp")) type = FieldType::Date;
  if (info && info->constant) {
    out.push_back(Value::string(*info->constant));
    return;
  }
  std::vector<DynRef> raw;
  collect_values(ev.doc, info && !info->source_path.empty() ? std::string_view(info->source_path) : std::string_view(concrete), raw);
  for (DynRef r : raw) {
    if (r.is_null()) {
      if (info && info->null_value) {
        std::string enc;
        DynWriter(enc).string(*info->null_value);
        out.push_back(typed_value(DynRef(enc), type, info->date_format.get()));
      }
      continue;
    }
    if (info && info->ignore_above >= 0 && r.is_string() &&
        static_cast<std::int64_t>(elastic::java_length(r.as_string())) > info->ignore_above)
      continue;  // not indexed
    Value v = typed_value(r, type, info ? info->date_format.get() : nullptr);
    if (info && info->normalizer && v.kind == Value::Kind::String) v.s = info->normalizer->apply(v.s);
    if (!v.is_null()) out.push_back(std::move(v));
  }
}

bool translatable(const Expr& e) {
  auto is_field = [](const Expr& x) { return x.kind == ExprKind::Field; };
  auto is_lit = [](const Expr& x) { return x.kind == ExprKind::Literal; };
  switch (e.kind) {
    case ExprKind::And:
    case ExprKind::Or: return true;
    case ExprKind::Not: return translatable(*e.args[0]);
    case ExprKind::Literal: return true;
    case ExprKind::Field: return true;
    case ExprKind::Compare:
      return (is_field(*e.args[0]) && is_lit(*e.args[1])) || (is_lit(*e.args[0]) && is_field(*e.args[1]));
    case ExprKind::In:
    case ExprKind::Match:
      if (!is_field(*e.args[0])) return false;
      for (std::size_t i = 1; i < e.args.size(); ++i)
        if (!is_lit(*e.args[i])) return false;
      return true;
    case ExprKind::Call:
      if (e.name != "startsWith" && e.name != "endsWith" && e.name != "stringContains" && e.name != "cidrMatch") return false;
      if (!is_field(*e.args[0])) return false;
      for (std::size_t i = 1; i < e.args.size(); ++i)
        if (!is_lit(*e.args[i])) return false;
      return true;
    default: return false;
  }
}

namespace {
bool equal_values(const Value& a, const Value& b, bool insensitive) {
  if (insensitive && a.is_text() && b.is_text()) return fold_simple(a.s) == fold_simple(b.s);
  auto c = compare(a, b);
  return c && *c == 0;
}

bool compare_holds(Op op, int c) {
  switch (op) {
    case Op::Eq: return c == 0;
    case Op::Ne: return c != 0;
    case Op::Lt: return c < 0;
    case Op::Le: return c <= 0;
    case Op::Gt: return c > 0;
    case Op::Ge: return c >= 0;
    default: return false;
  }
}

Op flip(Op op) {
  switch (op) {
    case Op::Lt: return Op::Gt;
    case Op::Le: return Op::Ge;
    case Op::Gt: return Op::Lt;
    case Op::Ge: return Op::Le;
    default: return op;
  }
}

Value tri_not(const Value& v) { return v.kind == Value::Kind::Bool ? Value::boolean(!v.b) : Value::null(); }
bool is_true(const Value& v) { return v.kind == Value::Kind::Bool && v.b; }
bool is_false(const Value& v) { return v.kind == Value::Kind::Bool && !v.b; }
}  // namespace

namespace {
// Arithmetic as EQL does it: long op long stays long (integer division, Java remainder), any
// double makes a double; null or non-numbers give null, so do division by zero and overflow.
Value arith(Op op, const Value& a, const Value& b) {
  if (!a.is_number() || !b.is_number()) return Value::null();
  if (a.kind == Value::Kind::Long && b.kind == Value::Kind::Long) {
    std::int64_t x = a.i, y = b.i, r = 0;
    switch (op) {
      case Op::Add: if (__builtin_add_overflow(x, y, &r)) return Value::null(); return Value::integer(r);
      case Op::Sub: if (__builtin_sub_overflow(x, y, &r)) return Value::null(); return Value::integer(r);
      case Op::Mul: if (__builtin_mul_overflow(x, y, &r)) return Value::null(); return Value::integer(r);
      case Op::Div: if (y == 0 || (x == INT64_MIN && y == -1)) return Value::null(); return Value::integer(x / y);
      case Op::Mod: if (y == 0) return Value::null(); if (y == -1) return Value::integer(0); return Value::integer(x % y);
      default: return Value::null();
    }
  }
  double x = a.number(), y = b.number();
  switch (op) {
    case Op::Add: return Value::real(x + y);
    case Op::Sub: return Value::real(x - y);
    case Op::Mul: return Value::real(x * y);
    case Op::Div: return y == 0 ? Value::null() : Value::real(x / y);
    case Op::Mod: return y == 0 ? Value::null() : Value::real(std::fmod(x, y));
    default: return Value::null();
  }
}
}  // namespace

bool Evaluator::pattern_match(const Pattern& p, const Value& v, bool insensitive) const {
  if (!p.literal.is_null()) return equal_values(v, p.literal, false);
  if (v.is_null()) return false;
  std::string text = v.is_text() ? v.s : to_text(v);
  if (p.regex) return RE2::FullMatch(text, *p.regex);
  if (insensitive) text = fold_simple(text);
  return p.wildcard ? wildcard_match(p.text, text) : p.text == text;
}

// A condition Elasticsearch runs as a query: true when any value of the field satisfies it.
namespace {
const FieldInfo* info_of(std::string_view field, const EventView& ev) {
  return ev.mapping ? ev.mapping->find(ev.mapping->resolve(field)) : nullptr;
}

// A range on an ip field compares addresses (their 16 bytes), not their text.
std::optional<int> compare_ips(const Value& a, const Value& b) {
  if (a.kind != Value::Kind::String || b.kind != Value::Kind::String) return std::nullopt;
  auto x = elastic::parse_ip(a.s), y = elastic::parse_ip(b.s);
  if (!x || !y) return std::nullopt;
  return *x < *y ? -1 : (*x == *y ? 0 : 1);
}

}  // namespace

// A query term on a keyword field with a normalizer is normalized, as Elasticsearch's term query
// does; on an ip field it is the address in the form the field's values read (0:0:0:0:0:0:0:1 is
// ::1), as the ip field's term query parses it (prepared once per literal).
Value Evaluator::term_for(const Expr& lit, const FieldInfo* info) const {
  const Value& v = lit.value;
  if (!info || v.kind != Value::Kind::String) return v;
  if (info->type == FieldType::Ip) {
    if (auto it = ip_terms_.find(&lit); it != ip_terms_.end()) return Value::string(it->second);
    if (auto ip = elastic::parse_ip(v.s)) return Value::string(elastic::format_ip(*ip));  // (not prepared)
    return v;
  }
  if (info->type == FieldType::Date && info->date_format) {  // read with the field's `format`
    if (auto t = info->date_format->read(v.s))
      if (auto n = elastic::to_epoch_nanos(*t)) return Value::date(*n);
    return v;
  }
  if (!info->normalizer) return v;
  return Value::string(info->normalizer->apply(v.s));
}

// The field whose values a translatable atom tests (null: none, a literal or a script).
const Expr* atom_field(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Field: return &e;
    case ExprKind::Compare: return e.args[0]->kind == ExprKind::Field ? e.args[0].get() : e.args[1].get();
    case ExprKind::In:
    case ExprKind::Match:
    case ExprKind::Call: return e.args[0].get();
    default: return nullptr;
  }
}

bool Evaluator::query_atom(const Expr& e, const EventView& ev) const {
  std::vector<Value> vals;
  if (const Expr* f = atom_field(e)) field_values(f->name, ev, vals);
  return query_atom_values(e, ev, vals);
}

// The atom on the values of its field (atom_field) in the event.
bool Evaluator::query_atom_values(const Expr& e, const EventView& ev, const std::vector<Value>& vals) const {
  switch (e.kind) {
    case ExprKind::Literal: return is_true(e.value);
    case ExprKind::Field: return std::any_of(vals.begin(), vals.end(), is_true);
    case ExprKind::Compare: {
      bool field_left = e.args[0]->kind == ExprKind::Field;
      const Expr& f = field_left ? *e.args[0] : *e.args[1];
      const FieldInfo* info = info_of(f.name, ev);
      const Value lit = term_for(field_left ? *e.args[1] : *e.args[0], info);
      Op op = field_left ? e.op : flip(e.op);
      if (lit.is_null()) {
        if (op == Op::Eq) return vals.empty();
        if (op == Op::Ne) return !vals.empty();
        return false;
      }
      const bool ip = info && info->type == FieldType::Ip;
      // A term on an ip field may be a CIDR block ("10.0.0.0/8"): any address in it (ip field
      // type, "Querying ip fields").
      const bool block = ip && lit.kind == Value::Kind::String && lit.s.find('/') != std::string::npos;
      const auto equal = [&](const Value& v) {
        return block ? v.kind == Value::Kind::String && cidr_contains(lit.s, v.s) : equal_values(v, lit, false);
      };
      if (op == Op::Ne)  // must_not term: no value equal (a missing field passes)
        return std::none_of(vals.begin(), vals.end(), equal);
      if (op == Op::Eq && block) return std::any_of(vals.begin(), vals.end(), equal);
      return std::any_of(vals.begin(), vals.end(), [&](const Value& v) {
        auto c = ip ? compare_ips(v, lit) : compare(v, lit);
        return c && compare_holds(op, *c);
      });
    }
    case ExprKind::In: {
      if (vals.empty()) return e.negated;
      const FieldInfo* info = info_of(e.args[0]->name, ev);
      const bool ip = info && info->type == FieldType::Ip;
      std::vector<Value> terms;
      terms.reserve(e.args.size() - 1);
      for (std::size_t i = 1; i < e.args.size(); ++i) terms.push_back(term_for(*e.args[i], info));
      bool any = std::any_of(vals.begin(), vals.end(), [&](const Value& v) {
        for (const Value& term : terms) {
          if (ip && term.kind == Value::Kind::String && term.s.find('/') != std::string::npos) {  // a CIDR block
            if (v.kind == Value::Kind::String && cidr_contains(term.s, v.s)) return true;
            continue;
          }
          if (equal_values(v, term, e.insensitive)) return true;
        }
        return false;
      });
      return e.negated ? !any : any;
    }
    case ExprKind::Match: {
      const auto& ps = patterns_.at(&e);
      return std::any_of(vals.begin(), vals.end(), [&](const Value& v) {
        for (const auto& p : ps)
          if (pattern_match(p, v, e.insensitive)) return true;
        return false;
      });
    }
    case ExprKind::Call: {
      std::vector<Value> args;
      for (std::size_t i = 1; i < e.args.size(); ++i) args.push_back(e.args[i]->value);
      args.insert(args.begin(), Value::null());
      for (const auto& v : vals) {  // the function on each value of the field
        args[0] = v;
        if (is_true(apply_function(e.name, e.insensitive, args))) return true;
      }
      return false;
    }
    default: return is_true(eval(e, ev));
  }
}

bool Evaluator::matches(const Expr& e, const EventView& ev) const {
  switch (e.kind) {
    case ExprKind::And: return matches(*e.args[0], ev) && matches(*e.args[1], ev);
    case ExprKind::Or: return matches(*e.args[0], ev) || matches(*e.args[1], ev);
    case ExprKind::Not:
      if (translatable(*e.args[0])) return !matches(*e.args[0], ev);
      return is_false(eval(*e.args[0], ev));
    default:
      if (translatable(e)) return query_atom(e, ev);
      return is_true(eval(e, ev));
  }
}

struct Evaluator::RowError {
  std::uint32_t row;
  ScriptError error;
};

// The values of the fields a batch's atoms test (field_values, each event by its own mapping),
// per field a multi-valued column: read for a row the first time an atom on the field asks for
// it, shared by every atom on the field.
struct Evaluator::BatchFields {
  struct Column {
    std::vector<std::uint8_t> built;
    std::vector<std::vector<Value>> values;
  };
  std::unordered_map<std::string, Column> columns;
};

void Evaluator::select(const Expr& cond, std::span<const EventView> evs, SelectionVector& sel) const {
  std::optional<RowError> err;
  BatchFields fields;
  select_rows(cond, evs, sel, err, fields);
  if (err) throw err->error;
}

// A row whose evaluation fails leaves the selection (its answer no longer matters: the batch
// fails) and is remembered when it is the earliest row to fail.
void Evaluator::select_rows(const Expr& e, std::span<const EventView> evs, SelectionVector& sel, std::optional<RowError>& err,
                            BatchFields& fields) const {
  if (sel.empty()) return;
  auto each = [&](auto&& test) {  // test(row)
    selection_keep_if(sel, [&](std::uint32_t r) {
      try {
        return test(r);
      } catch (ScriptError& x) {
        if (!err || r < err->row) err = RowError{r, std::move(x)};
        return false;
      }
    });
  };
  switch (e.kind) {
    case ExprKind::And:
      select_rows(*e.args[0], evs, sel, err, fields);
      select_rows(*e.args[1], evs, sel, err, fields);
      return;
    case ExprKind::Or:
      selection_any(sel, 2, [&](std::size_t i, SelectionVector& s) { select_rows(*e.args[i], evs, s, err, fields); });
      return;
    case ExprKind::Not:
      if (translatable(*e.args[0])) {
        selection_not(sel, [&](SelectionVector& s) { select_rows(*e.args[0], evs, s, err, fields); });
        return;
      }
      each([&](std::uint32_t r) { return is_false(eval(*e.args[0], evs[r])); });
      return;
    default:
      if (!translatable(e)) {
        each([&](std::uint32_t r) { return is_true(eval(e, evs[r])); });
        return;
      }
      const Expr* f = atom_field(e);
      if (!f) {
        each([&](std::uint32_t r) { return query_atom(e, evs[r]); });
        return;
      }
      // The field's column, read for the rows not read yet, then the atom on each row's values.
      auto& col = fields.columns[f->name];
      if (col.built.empty()) {
        col.built.assign(evs.size(), 0);
        col.values.resize(evs.size());
      }
      for (const std::uint32_t r : sel)
        if (!col.built[r]) {
          col.built[r] = 1;
          field_values(f->name, evs[r], col.values[r]);
        }
      each([&](std::uint32_t r) { return query_atom_values(e, evs[r], col.values[r]); });
  }
}

Value Evaluator::eval(const Expr& e, const EventView& ev) const {
  switch (e.kind) {
    case ExprKind::Literal: return e.value;
    case ExprKind::Field: {
      // A script reads the first doc value: the smallest, doc values being sorted.
      std::vector<Value> vals;
      field_values(e.name, ev, vals);
      if (vals.empty()) return Value::null();
      const Value* best = &vals[0];
      for (const auto& v : vals) {
        auto c = compare(v, *best);
        if (c && *c < 0) best = &v;
      }
      return *best;
    }
    case ExprKind::Not: return tri_not(eval(*e.args[0], ev));
    case ExprKind::And: {
      Value a = eval(*e.args[0], ev);
      if (is_false(a)) return a;
      Value b = eval(*e.args[1], ev);
      if (is_false(b)) return b;
      if (a.is_null() || b.is_null()) return Value::null();
      return Value::boolean(true);
    }
    case ExprKind::Or: {
      Value a = eval(*e.args[0], ev);
      if (is_true(a)) return a;
      Value b = eval(*e.args[1], ev);
      if (is_true(b)) return b;
      if (a.is_null() || b.is_null()) return Value::null();
      return Value::boolean(false);
    }
    case ExprKind::Compare: {
      bool lnull = e.args[0]->kind == ExprKind::Literal && e.args[0]->value.is_null();
      bool rnull = e.args[1]->kind == ExprKind::Literal && e.args[1]->value.is_null();
      if ((lnull || rnull) && (e.op == Op::Eq || e.op == Op::Ne)) {
        // `x == null` is `x is null` in EQL; `x != null` is `x is not null`.
        Value other = eval(lnull ? *e.args[1] : *e.args[0], ev);
        return Value::boolean(other.is_null() == (e.op == Op::Eq));
      }
      Value a = eval(*e.args[0], ev), b = eval(*e.args[1], ev);
      if (a.is_null() && b.is_null() && (e.op == Op::Eq || e.op == Op::Ne)) return Value::boolean(e.op == Op::Eq);
      auto c = compare(a, b);
      if (!c) return Value::null();
      return Value::boolean(compare_holds(e.op, *c));
    }
    case ExprKind::Neg: {
      Value a = eval(*e.args[0], ev);
      if (a.kind == Value::Kind::Long) return Value::integer(-a.i);
      if (a.kind == Value::Kind::Double) return Value::real(-a.d);
      return Value::null();
    }
    case ExprKind::Arith: return arith(e.op, eval(*e.args[0], ev), eval(*e.args[1], ev));
    case ExprKind::In: {
      Value a = eval(*e.args[0], ev);
      if (a.is_null()) return Value::null();
      bool any = false;
      for (std::size_t i = 1; i < e.args.size() && !any; ++i) {
        Value b = eval(*e.args[i], ev);
        if (!b.is_null() && equal_values(a, b, e.insensitive)) any = true;
      }
      return Value::boolean(e.negated ? !any : any);
    }
    case ExprKind::Match: {
      Value a = eval(*e.args[0], ev);
      if (a.is_null()) return Value::null();
      for (const auto& p : patterns_.at(&e))
        if (pattern_match(p, a, e.insensitive)) return Value::boolean(true);
      return Value::boolean(false);
    }
    case ExprKind::Call: return call(e, ev);
  }
  return Value::null();
}

namespace {
// Java substring semantics over code points would differ from bytes only for non-ASCII text;
// the functions below index UTF-8 strings by code point.
std::vector<std::size_t> cp_offsets(const std::string& s) {
  std::vector<std::size_t> offs;
  for (std::size_t i = 0; i < s.size(); i += utf8_len(static_cast<unsigned char>(s[i]))) offs.push_back(i);
  offs.push_back(s.size());
  return offs;
}

std::string text_of(const Value& v) { return v.is_text() ? v.s : to_text(v); }

std::optional<std::int64_t> as_int(const Value& v) {
  if (v.kind == Value::Kind::Long) return v.i;
  if (v.kind == Value::Kind::Double && std::isfinite(v.d)) return static_cast<std::int64_t>(v.d);
  return std::nullopt;
}

}  // namespace

Value Evaluator::call(const Expr& e, const EventView& ev) const {
  std::vector<Value> a;
  a.reserve(e.args.size());
  for (const auto& x : e.args) a.push_back(eval(*x, ev));
  return apply_function(e.name, e.insensitive, a);
}

Value apply_function(std::string_view n, bool ci, const std::vector<Value>& a) {
  auto fold = [&](std::string s) { return ci ? fold_simple(s) : s; };

  if (n == "add") return arith(Op::Add, a[0], a[1]);
  if (n == "subtract") return arith(Op::Sub, a[0], a[1]);
  if (n == "multiply") return arith(Op::Mul, a[0], a[1]);
  if (n == "divide") return arith(Op::Div, a[0], a[1]);
  if (n == "modulo") return arith(Op::Mod, a[0], a[1]);

  if (n == "concat") {
    std::string out;
    for (const auto& v : a) {
      if (v.is_null()) return Value::null();
      out += text_of(v);
    }
    return Value::string(out);
  }
  if (n == "string") return a[0].is_null() ? Value::null() : Value::string(text_of(a[0]));
  if (n == "number") {
    // Elasticsearch's ToNumber: a string starting with "0x" is hexadecimal unless another base
    // is given; base 10 reads a long, else a double; other bases read a long. A string that does
    // not convert fails the search ("Unable to convert [x] to number of base [b]").
    if (a[0].is_null()) return Value::null();
    // A numeric field is rejected by Elasticsearch's verifier when the mapping types it; a
    // number read from an unmapped JSON value stays that number.
    if (a[0].is_number()) return a[0];
    if (!a[0].is_text()) throw ScriptError{"A string/char is required; received [" + to_text(a[0]) + "]"};
    std::string s = a[0].s;
    const bool hex_prefix = s.rfind("0x", 0) == 0;
    int base = hex_prefix ? 16 : 10;
    if (a.size() > 1 && !a[1].is_null()) {
      if (a[1].kind != Value::Kind::Long) throw ScriptError{"An integer base is required; received [" + to_text(a[1]) + "]"};
      base = static_cast<int>(a[1].i);
    }
    if (hex_prefix && base == 16) s.erase(0, 2);
    auto fail = [&]() -> Value {
      throw ScriptError{"Unable to convert [" + s + "] to number of base [" + std::to_string(base) + "]"};
    };
    if (base < 2 || base > 36) return fail();
    std::string_view t = s;
    bool neg = false;
    if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
      neg = t[0] == '-';
      t.remove_prefix(1);
    }
    std::uint64_t mag = 0;
    if (!t.empty() && t[0] != '-' && t[0] != '+') {
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), mag, base);
      const std::uint64_t limit = neg ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
      if (ec == std::errc() && p == t.data() + t.size() && mag <= limit)
        return Value::integer(neg ? static_cast<std::int64_t>(0 - mag) : static_cast<std::int64_t>(mag));
    }
    if (base != 10) return fail();
    // Java's Double.valueOf: surrounding whitespace ignored, a sign, decimal digits and exponent.
    std::string_view d = s;
    while (!d.empty() && static_cast<unsigned char>(d.front()) <= ' ') d.remove_prefix(1);
    while (!d.empty() && static_cast<unsigned char>(d.back()) <= ' ') d.remove_suffix(1);
    bool dneg = false;
    if (!d.empty() && (d[0] == '-' || d[0] == '+')) {
      dneg = d[0] == '-';
      d.remove_prefix(1);
    }
    if (!d.empty() && (d.back() == 'd' || d.back() == 'D' || d.back() == 'f' || d.back() == 'F')) d.remove_suffix(1);
    double v = 0;
    if (d == "Infinity") return Value::real(dneg ? -HUGE_VAL : HUGE_VAL);
    if (d == "NaN") return Value::real(std::nan(""));
    if (!d.empty() && d[0] != '-' && d[0] != '+') {
      auto [q, ec] = std::from_chars(d.data(), d.data() + d.size(), v, std::chars_format::general);
      if (ec == std::errc() && q == d.data() + d.size()) return Value::real(dneg ? -v : v);
    }
    return fail();
  }
  if (n == "length") {
    if (a[0].is_null()) return Value::null();
    return Value::integer(static_cast<std::int64_t>(cp_offsets(text_of(a[0])).size() - 1));
  }
  if (n == "startsWith" || n == "endsWith" || n == "stringContains") {
    if (a[0].is_null() || a[1].is_null()) return Value::null();
    std::string s = fold(text_of(a[0])), sub = fold(text_of(a[1]));
    if (n == "startsWith") return Value::boolean(s.compare(0, sub.size(), sub) == 0);
    if (n == "endsWith") return Value::boolean(s.size() >= sub.size() && s.compare(s.size() - sub.size(), sub.size(), sub) == 0);
    return Value::boolean(s.find(sub) != std::string::npos);
  }
  if (n == "indexOf") {
    if (a[0].is_null() || a[1].is_null()) return Value::null();
    std::string s = fold(text_of(a[0])), sub = fold(text_of(a[1]));
    std::int64_t start = 0;
    if (a.size() > 2 && !a[2].is_null()) {
      auto st = as_int(a[2]);
      if (!st) return Value::null();
      start = std::max<std::int64_t>(0, *st);
    }
    auto offs = cp_offsets(s);
    std::int64_t ncp = static_cast<std::int64_t>(offs.size()) - 1;
    if (start > ncp) return Value::null();
    std::size_t pos = s.find(sub, offs[static_cast<std::size_t>(start)]);
    if (pos == std::string::npos) return Value::null();
    return Value::integer(static_cast<std::int64_t>(std::lower_bound(offs.begin(), offs.end(), pos) - offs.begin()));
  }
  if (n == "substring") {
    if (a[0].is_null()) return Value::null();
    std::string s = text_of(a[0]);
    auto offs = cp_offsets(s);
    std::int64_t len = static_cast<std::int64_t>(offs.size()) - 1;
    // Elasticsearch's Substring: a null start gives the source string unchanged.
    if (a[1].is_null()) return a[0].is_text() ? a[0] : Value::string(s);
    auto st = as_int(a[1]);
    if (!st) return Value::null();
    std::int64_t start = *st, end = len;
    if (a.size() > 2 && !a[2].is_null()) {
      auto en = as_int(a[2]);
      if (!en) return Value::null();
      end = *en;
    }
    // Python-style: negative positions count from the end; out-of-range positions clamp.
    if (start < 0) start = std::max<std::int64_t>(0, len + start);
    if (end < 0) end = std::max<std::int64_t>(0, len + end);
    start = std::min(start, len);
    end = std::min(end, len);
    if (start >= end) return Value::string("");
    return Value::string(s.substr(offs[static_cast<std::size_t>(start)], offs[static_cast<std::size_t>(end)] - offs[static_cast<std::size_t>(start)]));
  }
  if (n == "between") {
    if (a[0].is_null() || a[1].is_null() || a[2].is_null()) return Value::null();
    bool greedy = a.size() > 3 && is_true(a[3]);
    std::string orig = text_of(a[0]);
    std::string s = fold(orig), left = fold(text_of(a[1])), right = fold(text_of(a[2]));
    std::size_t l = s.find(left);
    if (l == std::string::npos) return Value::string("");
    std::size_t start = l + left.size();
    std::size_t r = greedy ? s.rfind(right) : s.find(right, start);
    if (r == std::string::npos || r < start) return Value::string("");
    return Value::string(orig.substr(start, r - start));
  }
  if (n == "cidrMatch") {
    if (a[0].is_null()) return Value::null();
    std::string ip = text_of(a[0]);
    for (std::size_t i = 1; i < a.size(); ++i)
      if (!a[i].is_null() && cidr_contains(text_of(a[i]), ip)) return Value::boolean(true);
    return Value::boolean(false);
  }
  return Value::null();
}

std::vector<Value> Evaluator::key_values(const Expr& e, const EventView& ev) const {
  std::vector<Value> vals;
  if (e.kind == ExprKind::Field) {
    field_values(e.name, ev, vals);
    // Distinct values, in sorted order.
    std::stable_sort(vals.begin(), vals.end(), [](const Value& x, const Value& y) {
      auto c = compare(x, y);
      return c && *c < 0;
    });
    std::vector<Value> uniq;
    for (auto& v : vals)
      if (uniq.empty() || !equal_values(uniq.back(), v, false)) uniq.push_back(std::move(v));
    return uniq;
  }
  Value v = eval(e, ev);
  if (!v.is_null()) vals.push_back(std::move(v));
  return vals;
}

}  // namespace rulelab::eql
