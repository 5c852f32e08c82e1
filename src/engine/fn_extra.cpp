// Less common functions and legacy aliases met in Sentinel rules (learn.microsoft.com/kusto/query/
// <name>-function): parse_xml, extract_json, tohex, parse_urlquery, base64_decode_toarray,
// array_strcat, dynamic_to_json, indexof_regex, translate; arraylength, parsejson,
// notempty, extractjson.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "engine/functions.hpp"
#include "engine/regex.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

std::string S(const Value& v) { return to_kusto_string(v); }

// ---- parse_xml: elements -> objects; attributes "@name"; text "#text" (or the value itself when
// the element has only text); repeated child elements -> arrays. Depth-limited.
struct XmlNode {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::vector<XmlNode> kids;
  std::string text;
};
std::string xml_unescape(std::string_view s) {
  std::string o;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '&') {
      auto e = s.find(';', i);
      if (e != std::string_view::npos) {
        std::string_view ent = s.substr(i + 1, e - i - 1);
        if (ent == "lt") { o += '<'; i = e; continue; }
        if (ent == "gt") { o += '>'; i = e; continue; }
        if (ent == "amp") { o += '&'; i = e; continue; }
        if (ent == "quot") { o += '"'; i = e; continue; }
        if (ent == "apos") { o += '\''; i = e; continue; }
      }
    }
    o += s[i];
  }
  return o;
}
bool parse_element(std::string_view s, std::size_t& i, XmlNode& n, int depth);
void skip_misc(std::string_view s, std::size_t& i) {
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (s.compare(i, 4, "<!--") == 0) { auto e = s.find("-->", i); i = e == std::string_view::npos ? s.size() : e + 3; continue; }
    if (s.compare(i, 2, "<?") == 0) { auto e = s.find("?>", i); i = e == std::string_view::npos ? s.size() : e + 2; continue; }
    if (s.compare(i, 2, "<!") == 0) { auto e = s.find('>', i); i = e == std::string_view::npos ? s.size() : e + 1; continue; }
    break;
  }
}
bool parse_element(std::string_view s, std::size_t& i, XmlNode& n, int depth) {
  if (depth > 64 || i >= s.size() || s[i] != '<') return false;
  ++i;
  std::size_t st = i;
  while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != '>' && s[i] != '/') ++i;
  n.name = std::string(s.substr(st, i - st));
  if (n.name.empty()) return false;
  while (true) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size()) return false;
    if (s[i] == '/') { if (i + 1 < s.size() && s[i + 1] == '>') { i += 2; return true; } return false; }
    if (s[i] == '>') { ++i; break; }
    std::size_t a = i;
    while (i < s.size() && s[i] != '=' && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::string an(s.substr(a, i - a));
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size() || s[i] != '=') return false;
    ++i;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size() || (s[i] != '"' && s[i] != '\'')) return false;
    char q = s[i++];
    auto e = s.find(q, i);
    if (e == std::string_view::npos) return false;
    n.attrs.emplace_back(an, xml_unescape(s.substr(i, e - i)));
    i = e + 1;
  }
  while (i < s.size()) {
    if (s.compare(i, 2, "</") == 0) {
      auto e = s.find('>', i);
      if (e == std::string_view::npos) return false;
      i = e + 1;
      return true;
    }
    if (s.compare(i, 4, "<!--") == 0 || s.compare(i, 2, "<?") == 0) { skip_misc(s, i); continue; }
    if (s.compare(i, 9, "<![CDATA[") == 0) {
      auto e = s.find("]]>", i);
      if (e == std::string_view::npos) return false;
      n.text += std::string(s.substr(i + 9, e - i - 9));
      i = e + 3;
      continue;
    }
    if (s[i] == '<') {
      XmlNode k;
      if (!parse_element(s, i, k, depth + 1)) return false;
      n.kids.push_back(std::move(k));
      continue;
    }
    auto e = s.find('<', i);
    if (e == std::string_view::npos) return false;
    n.text += xml_unescape(s.substr(i, e - i));
    i = e;
  }
  return false;
}
std::string trim_ws(const std::string& t) {
  std::size_t a = t.find_first_not_of(" \t\r\n"), b = t.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : t.substr(a, b - a + 1);
}
void write_node_value(DynWriter& w, const XmlNode& n) {
  const std::string text = trim_ws(n.text);
  if (n.attrs.empty() && n.kids.empty()) {
    if (text.empty()) w.null();
    else w.string(text);
    return;
  }
  w.begin_object();
  for (auto& [k, v] : n.attrs) { w.key("@" + k); w.string(v); }
  std::vector<std::string> order;
  for (auto& k : n.kids) if (std::find(order.begin(), order.end(), k.name) == order.end()) order.push_back(k.name);
  for (auto& name : order) {
    std::vector<const XmlNode*> same;
    for (auto& k : n.kids) if (k.name == name) same.push_back(&k);
    w.key(name);
    if (same.size() == 1) write_node_value(w, *same[0]);
    else { w.begin_array(); for (auto* k : same) write_node_value(w, *k); w.end(); }
  }
  if (!text.empty()) { w.key("#text"); w.string(text); }
  w.end();
}
Value f_parse_xml(const CallArgs& a) {
  const std::string s = S(a[0]);
  std::size_t i = 0;
  skip_misc(s, i);
  XmlNode root;
  if (!parse_element(s, i, root, 0)) return Value::null_of(Type::Dynamic);
  std::string b;
  DynWriter w(b);
  w.begin_object();
  w.key(root.name);
  write_node_value(w, root);
  w.end();
  return Value::of_dynamic(std::move(b));
}

// extract_json(jsonPath, dataSource[, type]): $.a.b[0]['c'] paths.
Value f_extract_json(const CallArgs& a) {
  const std::string path = S(a[0]);
  std::string bytes;
  JsonParser jp;
  if (a[1].type == Type::Dynamic) bytes = a[1].s;
  else if (jp.parse(S(a[1]), bytes)) return Value::of_string("");
  DynRef cur(std::string_view{bytes});
  std::size_t i = 0;
  if (i < path.size() && path[i] == '$') ++i;
  while (i < path.size() && cur.valid()) {
    if (path[i] == '.') {
      ++i;
      std::size_t st = i;
      while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
      cur = cur.is_object() ? cur.get(path.substr(st, i - st)) : DynRef();
    } else if (path[i] == '[') {
      auto e = path.find(']', i);
      if (e == std::string::npos) return Value::of_string("");
      std::string in = path.substr(i + 1, e - i - 1);
      i = e + 1;
      if (!in.empty() && (in[0] == '\'' || in[0] == '"')) cur = cur.is_object() ? cur.get(in.substr(1, in.size() - 2)) : DynRef();
      else {
        Value idx = convert_to(Value::of_string(in), Type::Long);
        cur = (!idx.is_null() && cur.is_array()) ? cur.at(idx.i) : DynRef();
      }
    } else return Value::of_string("");
  }
  if (!cur.valid()) return Value::of_string("");
  Value v = Value::of_dynamic(cur);
  if (a.size() > 2) return v;
  return Value::of_string(to_kusto_string(v));
}
Type extract_json_rule(const std::vector<Type>& t, std::string&) { return t.size() > 2 ? t[2] : Type::String; }

Value f_tohex(const CallArgs& a) {
  bool ok;
  double d = number_of(a[0], ok);
  if (!ok) return Value::of_string("");
  // tohex-function: an int is its 32-bit two's complement (tohex(toint(-256)) is "ffffff00"), a
  // long its 64-bit one; minLength pads with zeros up to at most 16 characters.
  auto v = static_cast<std::uint64_t>(static_cast<std::int64_t>(d));
  if (a[0].type == Type::Int) v &= 0xffffffffULL;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  std::string s = buf;
  if (a.size() > 1 && !a[1].is_null()) {
    std::int64_t w = std::min<std::int64_t>(16, static_cast<std::int64_t>(number_of(a[1], ok)));
    if (static_cast<std::int64_t>(s.size()) < w) s.insert(0, static_cast<std::size_t>(w) - s.size(), '0');
  }
  return Value::of_string(s);
}
int hexv(char c) { return c >= '0' && c <= '9' ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1; }
std::string url_dec(const std::string& s) {
  std::string o;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexv(s[i + 1]) >= 0 && hexv(s[i + 2]) >= 0) { o += static_cast<char>(hexv(s[i + 1]) * 16 + hexv(s[i + 2])); i += 2; }
    else if (s[i] == '+') o += ' ';
    else o += s[i];
  }
  return o;
}
// parse_urlquery(query): {"Query Parameters": {k: v}}
Value f_parse_urlquery(const CallArgs& a) {
  std::string q = S(a[0]);
  if (!q.empty() && q[0] == '?') q.erase(0, 1);
  std::string b;
  DynWriter w(b);
  w.begin_object();
  w.key("Query Parameters");
  w.begin_object();
  std::size_t st = 0;
  while (!q.empty() && st <= q.size()) {
    auto amp = q.find('&', st);
    std::string kv = q.substr(st, amp == std::string::npos ? std::string::npos : amp - st);
    auto eq = kv.find('=');
    w.key(url_dec(kv.substr(0, eq)));
    w.string(eq == std::string::npos ? "" : url_dec(kv.substr(eq + 1)));
    if (amp == std::string::npos) break;
    st = amp + 1;
  }
  w.end();
  w.end();
  return Value::of_dynamic(std::move(b));
}
Value f_base64_decode_toarray(const CallArgs& a) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string s = S(a[0]);
  std::string b;
  DynWriter w(b);
  w.begin_array();
  unsigned acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    const char* p = c ? std::strchr(k, c) : nullptr;
    if (!p) return Value::null_of(Type::Dynamic);
    acc = acc << 6 | static_cast<unsigned>(p - k);
    bits += 6;
    if (bits >= 8) { bits -= 8; w.integer(acc >> bits & 0xFF); }
  }
  w.end();
  return Value::of_dynamic(std::move(b));
}
Value f_array_strcat(const CallArgs& a) {
  std::string o;
  bool first = true;
  const std::string d = S(a[1]);
  if (a[0].type == Type::Dynamic)
    a[0].dyn().for_each_element([&](DynRef e) { if (!first) o += d; first = false; o += to_kusto_string(Value::of_dynamic(e)); });
  return Value::of_string(o);
}
Value f_dynamic_to_json(const CallArgs& a) {
  Value d = to_dynamic(a[0]);
  return Value::of_string(to_json(d.dyn()));
}
Value f_indexof_regex(const CallArgs& a) {
  RegexState re(S(a[1]));
  fail_if_too_large(re, a);
  if (!re.ok()) return Value::null_of(Type::Long);
  const std::string s = S(a[0]);
  std::vector<std::string_view> g;
  if (!re.match(s, g)) return Value::of_long(-1);
  return Value::of_long(static_cast<std::int64_t>(g[0].data() - s.data()));
}
// translate(searchList, replacementList, source): character mapping; a shorter replacement list
// repeats its last character; an empty one deletes.
Value f_translate(const CallArgs& a) {
  const std::string from = S(a[0]), to = S(a[1]), s = S(a[2]);
  std::string o;
  for (char c : s) {
    auto p = from.find(c);
    if (p == std::string::npos) { o += c; continue; }
    if (to.empty()) continue;
    o += p < to.size() ? to[p] : to.back();
  }
  return Value::of_string(o);
}

// make_string(code points...): UTF-8 of the code points (arrays of them flattened).
void put_utf8(std::string& o, std::int64_t cp) {
  if (cp < 0 || cp > 0x10FFFF) return;
  const auto c = static_cast<std::uint32_t>(cp);
  if (c < 0x80) o += static_cast<char>(c);
  else if (c < 0x800) { o += static_cast<char>(0xC0 | c >> 6); o += static_cast<char>(0x80 | (c & 0x3F)); }
  else if (c < 0x10000) { o += static_cast<char>(0xE0 | c >> 12); o += static_cast<char>(0x80 | (c >> 6 & 0x3F)); o += static_cast<char>(0x80 | (c & 0x3F)); }
  else { o += static_cast<char>(0xF0 | c >> 18); o += static_cast<char>(0x80 | (c >> 12 & 0x3F)); o += static_cast<char>(0x80 | (c >> 6 & 0x3F)); o += static_cast<char>(0x80 | (c & 0x3F)); }
}
Value f_make_string(const CallArgs& a) {
  std::string o;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].type == Type::Dynamic && a[k].dyn().is_array())
      a[k].dyn().for_each_element([&](DynRef e) { if (e.is_number()) put_utf8(o, static_cast<std::int64_t>(e.as_number())); });
    else { bool ok; double d = number_of(a[k], ok); if (ok) put_utf8(o, static_cast<std::int64_t>(d)); }
  }
  return Value::of_string(o);
}
// parse_command_line(command_line, "windows"): the arguments as CommandLineToArgvW splits them
// (whitespace separates; quotes group; 2n backslashes + quote -> n backslashes and a quote toggle,
// 2n+1 -> n backslashes and a literal quote).
Value f_parse_command_line(const CallArgs& a) {
  const std::string s = S(a[0]);
  std::vector<std::string> args;
  std::string cur;
  bool in_arg = false, quoted = false;
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (!quoted && (c == ' ' || c == '\t')) {
      if (in_arg) { args.push_back(cur); cur.clear(); in_arg = false; }
      ++i;
      continue;
    }
    in_arg = true;
    if (c == '\\') {
      std::size_t n = 0;
      while (i < s.size() && s[i] == '\\') { ++n; ++i; }
      if (i < s.size() && s[i] == '"') {
        cur.append(n / 2, '\\');
        if (n % 2) { cur += '"'; ++i; }
      } else {
        cur.append(n, '\\');
      }
      continue;
    }
    if (c == '"') {
      if (quoted && i + 1 < s.size() && s[i + 1] == '"') { cur += '"'; i += 2; continue; }
      quoted = !quoted;
      ++i;
      continue;
    }
    cur += c;
    ++i;
  }
  if (in_arg) args.push_back(cur);
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (auto& x : args) w.string(x);
  w.end();
  return Value::of_dynamic(std::move(b));
}

}  // namespace

void add_extra_functions(std::vector<ScalarFunction>& out) {
  std::string_view cat;  // the reference category of the entries below (empty: the family's)
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); out.back().category = cat; };
  cat = "rulelab";
  add("parse_xml", 1, 1, ret_dynamic, f_parse_xml);
  cat = "String functions";
  add("extract_json", 2, 3, extract_json_rule, f_extract_json);
  cat = "rulelab";
  add("extractjson", 2, 3, extract_json_rule, f_extract_json);
  cat = "String functions";
  add("tohex", 1, 2, ret_string, f_tohex);
  add("parse_urlquery", 1, 1, ret_dynamic, f_parse_urlquery);
  add("base64_decode_toarray", 1, 1, ret_dynamic, f_base64_decode_toarray);
  cat = "rulelab";
  add("array_strcat", 2, 2, ret_string, f_array_strcat);
  add("dynamic_to_json", 1, 1, ret_string, f_dynamic_to_json);
  add("indexof_regex", 2, 5, ret_long, f_indexof_regex);
  cat = "String functions";
  add("translate", 3, 3, ret_string, f_translate);
  cat = "rulelab";
  add("make_string", 1, 64, ret_string, f_make_string);
  cat = "String functions";
  add("parse_command_line", 2, 2, ret_dynamic, f_parse_command_line);
}

}  // namespace rulelab::engine
