#include "elastic/json_scan.hpp"

#include <cctype>

namespace rulelab::elastic {

namespace {
std::size_t skip_ws(std::string_view t, std::size_t p) {
  while (p < t.size() && (t[p] == ' ' || t[p] == '\t' || t[p] == '\r' || t[p] == '\n')) ++p;
  return p;
}
// Skips a string starting at its opening quote; returns the offset after the closing quote or npos.
std::size_t skip_string(std::string_view t, std::size_t p) {
  for (++p; p < t.size(); ++p) {
    if (t[p] == '\\') ++p;
    else if (t[p] == '"') return p + 1;
  }
  return std::string_view::npos;
}
// Skips any value; nesting tracked with a counter.
std::size_t skip_value(std::string_view t, std::size_t p) {
  int depth = 0;
  while (p < t.size()) {
    const char c = t[p];
    if (c == '"') {
      p = skip_string(t, p);
      if (p == std::string_view::npos) return p;
    } else if (c == '{' || c == '[') {
      ++depth;
      ++p;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return p;
      --depth;
      ++p;
    } else if (c == ',' && depth == 0) {
      return p;
    } else {
      ++p;
    }
    if (depth == 0 && p < t.size()) {
      const std::size_t q = skip_ws(t, p);
      if (q < t.size() && (t[q] == ',' || t[q] == '}' || t[q] == ']')) return q;
    }
  }
  return p;
}
void put_utf8(DecodedString& d, std::size_t at, unsigned cp) {
  auto push = [&](unsigned c) {
    d.text.push_back(static_cast<char>(c));
    d.map.push_back(at);
  };
  if (cp < 0x80) push(cp);
  else if (cp < 0x800) { push(0xC0 | (cp >> 6)); push(0x80 | (cp & 0x3F)); }
  else if (cp < 0x10000) { push(0xE0 | (cp >> 12)); push(0x80 | ((cp >> 6) & 0x3F)); push(0x80 | (cp & 0x3F)); }
  else { push(0xF0 | (cp >> 18)); push(0x80 | ((cp >> 12) & 0x3F)); push(0x80 | ((cp >> 6) & 0x3F)); push(0x80 | (cp & 0x3F)); }
}
std::optional<unsigned> hex4(std::string_view t, std::size_t p) {
  if (p + 4 > t.size()) return std::nullopt;
  unsigned v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const char h = t[p + i];
    if (!std::isxdigit(static_cast<unsigned char>(h))) return std::nullopt;
    v = v * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : std::tolower(h) - 'a' + 10);
  }
  return v;
}
}  // namespace

JsonScan scan_top_level(std::string_view t) {
  JsonScan s;
  std::size_t p = skip_ws(t, 0);
  if (p >= t.size() || t[p] != '{') { s.error_offset = p; return s; }
  p = skip_ws(t, p + 1);
  if (p < t.size() && t[p] == '}') { s.ok = true; return s; }
  while (p < t.size()) {
    if (t[p] != '"') { s.error_offset = p; return s; }
    auto key = decode_json_string(t, p);
    const std::size_t after = skip_string(t, p);
    if (!key || after == std::string_view::npos) { s.error_offset = p; return s; }
    p = skip_ws(t, after);
    if (p >= t.size() || t[p] != ':') { s.error_offset = p; return s; }
    p = skip_ws(t, p + 1);
    s.members[key->text] = p;
    p = skip_value(t, p);
    if (p == std::string_view::npos || p >= t.size()) { s.error_offset = t.size(); return s; }
    p = skip_ws(t, p);
    if (p < t.size() && t[p] == ',') { p = skip_ws(t, p + 1); continue; }
    if (p < t.size() && t[p] == '}') { s.ok = true; return s; }
    s.error_offset = p;
    return s;
  }
  s.error_offset = p;
  return s;
}

std::optional<DecodedString> decode_json_string(std::string_view t, std::size_t p) {
  if (p >= t.size() || t[p] != '"') return std::nullopt;
  DecodedString d;
  for (++p; p < t.size(); ++p) {
    const char c = t[p];
    if (c == '"') { d.map.push_back(p); return d; }
    if (c != '\\') { d.text.push_back(c); d.map.push_back(p); continue; }
    if (p + 1 >= t.size()) return std::nullopt;
    const std::size_t at = p;
    const char e = t[++p];
    switch (e) {
      case 'n': d.text.push_back('\n'); d.map.push_back(at); break;
      case 't': d.text.push_back('\t'); d.map.push_back(at); break;
      case 'r': d.text.push_back('\r'); d.map.push_back(at); break;
      case 'b': d.text.push_back('\b'); d.map.push_back(at); break;
      case 'f': d.text.push_back('\f'); d.map.push_back(at); break;
      case '/': case '\\': case '"': d.text.push_back(e); d.map.push_back(at); break;
      case 'u': {
        auto v = hex4(t, p + 1);
        if (!v) return std::nullopt;
        unsigned cp = *v;
        p += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && p + 2 < t.size() && t[p + 1] == '\\' && t[p + 2] == 'u') {
          auto lo = hex4(t, p + 3);
          if (lo && *lo >= 0xDC00 && *lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (*lo - 0xDC00);
            p += 6;
          }
        }
        put_utf8(d, at, cp);
        break;
      }
      default: return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace rulelab::elastic
