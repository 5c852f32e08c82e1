#include "engine/parse_kv.hpp"

#include <cctype>
#include <map>

#include "engine/functions.hpp"
#include "engine/regex.hpp"

namespace rulelab::engine {
namespace {

struct KvState : FnState {
  ParseKvOptions o;
  std::unique_ptr<RegexState> re;
};

std::string trim(std::string_view s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

// A quoted token at s[i] (after optional spaces): fills out, advances i; false when not quoted.
bool read_quoted(const KvState& st, std::string_view s, std::size_t& i, std::string& out) {
  std::size_t j = i;
  while (j < s.size() && s[j] == ' ') ++j;
  if (j >= s.size()) return false;
  for (auto& q : st.o.quotes) {
    if (q.empty() || s[j] != q[0]) continue;
    const char close = q.size() > 1 ? q[1] : q[0];
    std::string v;
    std::size_t k = j + 1;
    for (; k < s.size() && s[k] != close; ++k) {
      bool esc = false;
      for (char e : st.o.escapes) esc = esc || s[k] == e;
      if (esc && k + 1 < s.size()) { v += s[++k]; continue; }
      v += s[k];
    }
    out = v;
    i = k < s.size() ? k + 1 : k;
    return true;
  }
  return false;
}

void put(std::map<std::string, std::string>& found, const KvState& st, const std::string& k, const std::string& v) {
  for (auto& key : st.o.keys)
    if (key == k && !found.count(k)) found[k] = v;
}

void with_delimiters(const KvState& st, std::string_view s, std::map<std::string, std::string>& found) {
  const std::string& pd = st.o.pair_delimiter;
  const std::string& kd = st.o.kv_delimiter;
  std::size_t i = 0;
  while (i < s.size()) {
    std::string key;
    if (!read_quoted(st, s, i, key)) {
      std::size_t e = s.find(kd, i);
      if (e == std::string::npos) break;
      // the key is what follows the last pair delimiter before the kv delimiter
      std::size_t b = i;
      if (e > i) {
        std::size_t lp = s.rfind(pd, e - 1);
        if (lp != std::string::npos && lp >= i) b = lp + pd.size();
      }
      key = std::string(s.substr(b, e - b));
      i = e;
    }
    key = trim(key);
    if (s.compare(i, kd.size(), kd) != 0) {
      // no kv delimiter right after a quoted key: skip to the next pair
      std::size_t n = s.find(pd, i);
      if (n == std::string::npos) break;
      i = n + pd.size();
      continue;
    }
    i += kd.size();
    std::string value;
    if (!read_quoted(st, s, i, value)) {
      std::size_t e = s.find(pd, i);
      if (st.o.greedy) {
        // greedy: the value runs to the next "pair_delimiter key kv_delimiter" (or the end)
        std::size_t p = e;
        while (p != std::string::npos) {
          std::size_t after = p + pd.size();
          std::size_t kv = s.find(kd, after);
          std::size_t nextpd = s.find(pd, after);
          if (kv != std::string::npos && (nextpd == std::string::npos || kv < nextpd)) break;
          p = nextpd;
        }
        e = p;
      }
      value = std::string(s.substr(i, e == std::string::npos ? std::string::npos : e - i));
      i = e == std::string::npos ? s.size() : e;
    }
    put(found, st, key, trim(value));
    std::size_t n = s.find(pd, i);
    if (n == std::string::npos) break;
    i = n + pd.size();
  }
}

// Any non-alphanumeric character delimits: a listed key at a term boundary, then delimiters, then
// a quoted value or a run of alphanumerics.
void without_delimiters(const KvState& st, std::string_view s, std::map<std::string, std::string>& found) {
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (auto& key : st.o.keys) {
    for (std::size_t p = s.find(key); p != std::string::npos; p = s.find(key, p + 1)) {
      if (p > 0 && alnum(s[p - 1])) continue;
      std::size_t i = p + key.size();
      if (i < s.size() && alnum(s[i])) continue;
      bool quote_next = false;
      while (i < s.size() && !alnum(s[i])) {
        for (auto& q : st.o.quotes) quote_next = quote_next || (!q.empty() && s[i] == q[0]);
        if (quote_next) break;
        ++i;
      }
      std::string v;
      if (!read_quoted(st, s, i, v)) {
        std::size_t b = i;
        while (i < s.size() && alnum(s[i])) ++i;
        v = std::string(s.substr(b, i - b));
      }
      put(found, st, key, v);
      break;
    }
  }
}

Value f_parse_kv(const CallArgs& a) {
  const auto* st = dynamic_cast<const KvState*>(a.state);
  std::map<std::string, std::string> found;
  const std::string text = to_kusto_string(a[0]);
  if (st) {
    if (st->re) {
      std::vector<std::string_view> g;
      std::size_t pos = 0;
      while (pos <= text.size() && st->re->match(text, g, pos)) {
        if (g.size() >= 3) put(found, *st, trim(g[1]), trim(g[2]));
        const std::size_t end = static_cast<std::size_t>(g[0].data() - text.data()) + g[0].size();
        pos = g[0].empty() ? end + 1 : end;
      }
    } else if (!st->o.kv_delimiter.empty()) {
      with_delimiters(*st, text, found);
    } else {
      without_delimiters(*st, text, found);
    }
  }
  std::string b;
  DynWriter w(b);
  w.begin_object();
  for (auto& [k, v] : found) { w.key(k); w.string(v); }
  w.end();
  return Value::of_dynamic(std::move(b));
}

}  // namespace

const ScalarFunction* parse_kv_function() {
  static const ScalarFunction fn{"parse-kv", 1, 1, rules::ret_dynamic, f_parse_kv, nullptr, true};  // immutable
  return &fn;
}

std::shared_ptr<FnState> make_parse_kv_state(ParseKvOptions options, std::string& err) {
  auto st = std::make_shared<KvState>();
  st->o = std::move(options);
  if (!st->o.regex.empty()) {
    st->re = std::make_unique<RegexState>(st->o.regex);
    if (!st->re->ok()) { err = "parse-kv: invalid regex: " + st->re->error(); return nullptr; }
    if (st->re->groups() != 2) { err = "parse-kv: the regex needs exactly two capturing groups (key, value)"; return nullptr; }
  }
  if (st->o.pair_delimiter.empty() != st->o.kv_delimiter.empty()) { err = "parse-kv: give both pair_delimiter and kv_delimiter"; return nullptr; }
  return st;
}

}  // namespace rulelab::engine
