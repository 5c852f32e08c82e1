#include "core/unicode_case.hpp"

#include <unicode/bytestream.h>
#include <unicode/casemap.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "core/utf8.hpp"

namespace rulelab {

bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }

// Each code point of s through map; bytes that do not start a valid sequence kept.
template <class Map>
std::string map_code_points(std::string_view s, Map map) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += s[i++];
      continue;
    }
    if (n == 1) {
      out += static_cast<char>(map(static_cast<unsigned char>(s[i++])));  // (ASCII maps to ASCII)
      continue;
    }
    UChar32 c = 0;
    std::size_t k = i;
    U8_NEXT_UNSAFE(s.data(), k, c);
    const UChar32 m = static_cast<UChar32>(map(static_cast<std::uint32_t>(c)));
    if (m == c) {
      out.append(s.substr(i, n));
    } else {
      char buf[U8_MAX_LENGTH];
      std::size_t len = 0;
      U8_APPEND_UNSAFE(buf, len, m);
      out.append(buf, len);
    }
    i += n;
  }
  return out;
}

// A full mapping of s (root locale) by ICU, run by run between bytes that are not valid UTF-8
// (kept as they are; ICU would turn them into U+FFFD).
template <class Call>
std::string map_full(std::string_view s, Call call) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  std::size_t run = 0;
  auto flush = [&](std::size_t end) {
    if (end <= run) return;
    icu::StringByteSink<std::string> sink(&out);
    UErrorCode err = U_ZERO_ERROR;
    call(icu::StringPiece(s.data() + run, static_cast<std::int32_t>(end - run)), sink, err);
    if (U_FAILURE(err)) out.append(s.substr(run, end - run));  // (ICU fails only on exhausted memory)
  };
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n) {
      i += n;
      continue;
    }
    flush(i);
    out += s[i];
    run = ++i;
  }
  flush(s.size());
  return out;
}

}  // namespace

std::uint32_t lower_code_point(std::uint32_t c) {
  if (c < 0x80) return static_cast<std::uint32_t>(ascii_lower(static_cast<char>(c)));
  return static_cast<std::uint32_t>(u_tolower(static_cast<UChar32>(c)));
}

std::string lower_simple(std::string_view s) {
  if (is_ascii(s)) {
    std::string o(s);
    for (char& c : o) c = ascii_lower(c);
    return o;
  }
  return map_code_points(s, [](std::uint32_t c) { return lower_code_point(c); });
}

std::string upper_simple(std::string_view s) {
  if (is_ascii(s)) {
    std::string o(s);
    for (char& c : o) c = ascii_upper(c);
    return o;
  }
  return map_code_points(s, [](std::uint32_t c) {
    return c < 0x80 ? static_cast<std::uint32_t>(ascii_upper(static_cast<char>(c))) : static_cast<std::uint32_t>(u_toupper(static_cast<UChar32>(c)));
  });
}

std::string fold_simple(std::string_view s) {
  if (is_ascii(s)) return lower_simple(s);
  return map_code_points(s, [](std::uint32_t c) {
    return c < 0x80 ? static_cast<std::uint32_t>(ascii_lower(static_cast<char>(c))) : static_cast<std::uint32_t>(u_foldCase(static_cast<UChar32>(c), U_FOLD_CASE_DEFAULT));
  });
}

std::string lower_full(std::string_view s) {
  if (is_ascii(s)) return lower_simple(s);
  return map_full(s, [](icu::StringPiece p, icu::ByteSink& sink, UErrorCode& err) { icu::CaseMap::utf8ToLower("", 0, p, sink, nullptr, err); });
}

std::string upper_full(std::string_view s) {
  if (is_ascii(s)) return upper_simple(s);
  return map_full(s, [](icu::StringPiece p, icu::ByteSink& sink, UErrorCode& err) { icu::CaseMap::utf8ToUpper("", 0, p, sink, nullptr, err); });
}

}  // namespace rulelab
