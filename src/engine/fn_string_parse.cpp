// String functions (learn.microsoft.com/kusto/query/<name>-function): parse_csv,
// punycode_from_string, punycode_to_string.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

// parse_csv(text) (parse-csv-function): the fields of the first record, as a string array. A
// field in double quotes may hold commas, line feeds and doubled quotes (""); an unquoted line
// feed ends the record (only the first record is taken).
Value f_parse_csv(const CallArgs& a) {
  const std::string s = to_kusto_string(a[0]);
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < s.size() && s[i + 1] == '"') { fields.back() += '"'; ++i; }
        else quoted = false;
      } else {
        fields.back() += c;
      }
      continue;
    }
    if (c == '"') quoted = true;
    else if (c == ',') fields.emplace_back();
    else if (c == '\n') break;
    else if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') break;
    else fields.back() += c;
  }
  std::string out;
  DynWriter w(out);
  w.begin_array();
  for (auto& f : fields) w.string(f);
  w.end();
  return Value::of_dynamic(std::move(out));
}

// ---- Punycode (RFC 3492) of a whole string, without the "xn--" prefix (punycode-from-string-
// function: "académie-française" is "acadmie-franaise-npb1a"). Empty on failure.
constexpr std::uint32_t kBase = 36, kTMin = 1, kTMax = 26, kSkew = 38, kDamp = 700, kInitialBias = 72, kInitialN = 128;

std::uint32_t adapt(std::uint32_t delta, std::uint32_t points, bool first) {
  delta = first ? delta / kDamp : delta / 2;
  delta += delta / points;
  std::uint32_t k = 0;
  while (delta > ((kBase - kTMin) * kTMax) / 2) { delta /= kBase - kTMin; k += kBase; }
  return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
}
char digit_char(std::uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); }
bool char_digit(char c, std::uint32_t& d) {
  if (c >= 'a' && c <= 'z') d = static_cast<std::uint32_t>(c - 'a');
  else if (c >= 'A' && c <= 'Z') d = static_cast<std::uint32_t>(c - 'A');
  else if (c >= '0' && c <= '9') d = static_cast<std::uint32_t>(c - '0') + 26;
  else return false;
  return true;
}
bool utf8_decode(const std::string& s, std::vector<std::uint32_t>& out) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp;
    std::size_t n;
    if (c < 0x80) { cp = c; n = 1; }
    else if ((c >> 5) == 6) { cp = c & 0x1f; n = 2; }
    else if ((c >> 4) == 14) { cp = c & 0x0f; n = 3; }
    else if ((c >> 3) == 30) { cp = c & 0x07; n = 4; }
    else return false;
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d >> 6) != 2) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    out.push_back(cp);
    i += n;
  }
  return true;
}
bool utf8_encode(std::uint32_t cp, std::string& out) {
  if (cp < 0x80) out += static_cast<char>(cp);
  else if (cp < 0x800) { out += static_cast<char>(0xc0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3f)); }
  else if (cp < 0x10000) {
    if (cp >= 0xd800 && cp <= 0xdfff) return false;
    out += static_cast<char>(0xe0 | (cp >> 12)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f)); out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x110000) {
    out += static_cast<char>(0xf0 | (cp >> 18)); out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f)); out += static_cast<char>(0x80 | (cp & 0x3f));
  } else return false;
  return true;
}
bool punycode_encode(const std::string& in, std::string& out) {
  std::vector<std::uint32_t> cps;
  if (!utf8_decode(in, cps)) return false;
  for (auto c : cps) if (c < 0x80) out += static_cast<char>(c);
  const std::uint32_t b = static_cast<std::uint32_t>(out.size());
  std::uint32_t h = b;
  if (b > 0) out += '-';
  std::uint32_t n = kInitialN, delta = 0, bias = kInitialBias;
  while (h < cps.size()) {
    std::uint32_t m = UINT32_MAX;
    for (auto c : cps) if (c >= n && c < m) m = c;
    if (static_cast<std::uint64_t>(m - n) * (h + 1) + delta > UINT32_MAX) return false;
    delta += (m - n) * (h + 1);
    n = m;
    for (auto c : cps) {
      if (c < n && ++delta == 0) return false;
      if (c == n) {
        std::uint32_t q = delta;
        for (std::uint32_t k = kBase;; k += kBase) {
          const std::uint32_t t = k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
          if (q < t) break;
          out += digit_char(t + (q - t) % (kBase - t));
          q = (q - t) / (kBase - t);
        }
        out += digit_char(q);
        bias = adapt(delta, h + 1, h == b);
        delta = 0;
        ++h;
      }
    }
    ++delta;
    ++n;
  }
  return true;
}
bool punycode_decode(const std::string& in, std::string& out) {
  std::vector<std::uint32_t> cps;
  const std::size_t dash = in.rfind('-');
  std::size_t start = 0;
  if (dash != std::string::npos) {
    for (std::size_t i = 0; i < dash; ++i) {
      if (static_cast<unsigned char>(in[i]) >= 0x80) return false;
      cps.push_back(static_cast<unsigned char>(in[i]));
    }
    start = dash + 1;
  }
  std::uint32_t n = kInitialN, i = 0, bias = kInitialBias;
  for (std::size_t p = start; p < in.size();) {
    const std::uint32_t oldi = i;
    std::uint32_t w = 1;
    for (std::uint32_t k = kBase;; k += kBase) {
      if (p >= in.size()) return false;
      std::uint32_t d;
      if (!char_digit(in[p++], d)) return false;
      if (d > (UINT32_MAX - i) / w) return false;
      i += d * w;
      const std::uint32_t t = k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
      if (d < t) break;
      if (w > UINT32_MAX / (kBase - t)) return false;
      w *= kBase - t;
    }
    const auto len = static_cast<std::uint32_t>(cps.size() + 1);
    bias = adapt(i - oldi, len, oldi == 0);
    if (i / len > UINT32_MAX - n) return false;
    n += i / len;
    i %= len;
    cps.insert(cps.begin() + i, n);
    ++i;
  }
  for (auto c : cps) if (!utf8_encode(c, out)) return false;
  return true;
}
Value f_punycode_from_string(const CallArgs& a) {
  std::string out;
  if (!punycode_encode(to_kusto_string(a[0]), out)) return Value::of_string("");
  return Value::of_string(std::move(out));
}
Value f_punycode_to_string(const CallArgs& a) {
  std::string out;
  if (!punycode_decode(to_kusto_string(a[0]), out)) return Value::of_string("");
  return Value::of_string(std::move(out));
}

}  // namespace

void add_string_parse_functions(std::vector<ScalarFunction>& out) {
  auto add = [&](const char* n, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, 1, 1, t, f, nullptr, true}); };
  add("parse_csv", ret_dynamic, f_parse_csv);
  add("punycode_from_string", ret_string, f_punycode_from_string);
  add("punycode_to_string", ret_string, f_punycode_to_string);
}

}  // namespace rulelab::engine
