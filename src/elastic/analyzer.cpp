#include "elastic/analyzer.hpp"

#include <cstdint>

#include "core/unicode_case.hpp"

namespace rulelab::elastic {

namespace {
std::uint32_t decode(std::string_view s, std::size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) & 0x3F : 0u; };
  if (c < 0x80) { i += 1; return c; }
  if ((c >> 5) == 6 && i + 1 < s.size()) { std::uint32_t cp = ((c & 0x1Fu) << 6) | cont(1); i += 2; return cp; }
  if ((c >> 4) == 14 && i + 2 < s.size()) { std::uint32_t cp = ((c & 0x0Fu) << 12) | (cont(1) << 6) | cont(2); i += 3; return cp; }
  if ((c >> 3) == 30 && i + 3 < s.size()) { std::uint32_t cp = ((c & 0x07u) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3); i += 4; return cp; }
  i += 1;
  return 0xFFFD;
}
void encode(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) out += static_cast<char>(cp);
  else if (cp < 0x800) { out += static_cast<char>(0xC0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
  else if (cp < 0x10000) { out += static_cast<char>(0xE0 | (cp >> 12)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
  else { out += static_cast<char>(0xF0 | (cp >> 18)); out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
}
enum class WB { Other, ALetter, Numeric, ExtendNumLet, MidLetter, MidNum, MidNumLet, Ideo };
WB wb(std::uint32_t c) {
  if (c < 0x80) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return WB::ALetter;
    if (c >= '0' && c <= '9') return WB::Numeric;
    if (c == '_') return WB::ExtendNumLet;
    if (c == ':') return WB::MidLetter;
    if (c == '.' || c == '\'') return WB::MidNumLet;
    if (c == ',' || c == ';') return WB::MidNum;
    return WB::Other;
  }
  if (c == 0xAA || c == 0xB5 || c == 0xBA) return WB::ALetter;
  if (c == 0xB7) return WB::MidLetter;
  if (c < 0xC0 || c == 0xD7 || c == 0xF7) return WB::Other;
  if (c >= 0x2000 && c <= 0x206F) return c == 0x2018 || c == 0x2019 || c == 0x2024 ? WB::MidNumLet : c == 0x2027 ? WB::MidLetter : WB::Other;
  if (c >= 0x3000 && c <= 0x303F) return WB::Other;
  if (c >= 0xFF00 && c <= 0xFF0F) return WB::Other;
  if ((c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF))
    return WB::Ideo;
  if (c >= 0x1F000) return WB::Other;  // emoji and symbols
  if (c == 0xFFFD) return WB::Other;
  return WB::ALetter;
}
}  // namespace

std::size_t java_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // a character's first byte
    if (c >= 0xF0) ++n;           // a 4-byte character: a UTF-16 surrogate pair
  }
  return n;
}

std::string lowercase(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) encode(out, lower_code_point(decode(s, i)));  // Lucene's LowerCaseFilter
  return out;
}

std::vector<std::string> standard_tokens(std::string_view s) {
  std::vector<std::uint32_t> cps;
  for (std::size_t i = 0; i < s.size();) cps.push_back(decode(s, i));
  std::vector<std::string> out;
  auto is_word = [](WB w) { return w == WB::ALetter || w == WB::Numeric || w == WB::ExtendNumLet; };
  std::size_t i = 0;
  const std::size_t n = cps.size();
  while (i < n) {
    const WB w = wb(cps[i]);
    if (w == WB::Ideo) {
      std::string t;
      encode(t, lower_code_point(cps[i]));
      out.push_back(t);
      ++i;
      continue;
    }
    if (!is_word(w)) { ++i; continue; }
    std::size_t j = i + 1;
    bool has_alnum = w != WB::ExtendNumLet;
    while (j < n) {
      const WB cur = wb(cps[j]);
      if (is_word(cur)) {
        has_alnum |= cur != WB::ExtendNumLet;
        ++j;
        continue;
      }
      // WB6/7 (letters around MidLetter/MidNumLet) and WB11/12 (digits around MidNum/MidNumLet)
      if (j + 1 < n) {
        const WB prev = wb(cps[j - 1]), next = wb(cps[j + 1]);
        const bool letters = prev == WB::ALetter && next == WB::ALetter && (cur == WB::MidLetter || cur == WB::MidNumLet);
        const bool digits = prev == WB::Numeric && next == WB::Numeric && (cur == WB::MidNum || cur == WB::MidNumLet);
        if (letters || digits) { j += 2; continue; }
      }
      break;
    }
    if (has_alnum) {
      // max_token_length 255: longer tokens are split at 255 characters
      for (std::size_t k = i; k < j; k += 255) {
        std::string t;
        for (std::size_t m = k; m < j && m < k + 255; ++m) encode(t, lower_code_point(cps[m]));
        out.push_back(std::move(t));
      }
    }
    i = j;
  }
  return out;
}

}  // namespace rulelab::elastic
