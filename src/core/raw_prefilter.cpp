#include "core/raw_prefilter.hpp"
#include "core/utf8.hpp"

#include "core/datetime.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <utility>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define RULELAB_AVX2 1
#endif

namespace rulelab {

namespace {

bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c | 0x20) : c; }

bool equal_caseless(const char* a, const unsigned char* lowered, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (lower(static_cast<unsigned char>(a[i])) != lowered[i]) return false;
  return true;
}

bool has_non_ascii(std::string_view s) {
  std::size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= s.size(); i += 16)
    if (_mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i))) != 0) return true;
#endif
  for (; i < s.size(); ++i)
    if (static_cast<unsigned char>(s[i]) >= 0x80) return true;
  return false;
}

// The characters the record's escapes may stand for, as far as a usable literal can hold them: a
// usable literal holds no quote, backslash or control character, so only \/ and \u escapes
// matter. A backslash before 'u' that is itself escaped ("\\u") is taken as an escape too
// (more is kept, never less).
struct Escapes {
  std::array<bool, 128> ascii{};
  bool non_ascii = false;  // a \u escape above U+007F
  bool unknown = false;    // a \u not followed by four hex digits: anything may be meant
  bool raw_non_ascii = false;  // a byte above 0x7F written as such (set unless `unknown`)
};

void note_escape(Escapes& e, const char* b, const char* end) {
  if (b[1] == '/') {
    e.ascii['/'] = true;
    return;
  }
  if (end - b < 6) {
    e.unknown = true;
    return;
  }
  int v = 0;
  for (int k = 2; k < 6; ++k) {
    const int h = hex_digit_value(b[k]);
    if (h < 0) {
      e.unknown = true;
      return;
    }
    v = v * 16 + h;
  }
  if (v < 0x80) e.ascii[static_cast<std::size_t>(v)] = true;
  else e.non_ascii = true;
}

#if RULELAB_AVX2
// The AVX2 form of escapes_of()'s loop: the position to go on from.
__attribute__((target("avx2"))) std::size_t escapes_avx2(std::string_view s, Escapes& e) {
  const char* p = s.data();
  const char* end = p + s.size();
  const std::size_t n = s.size();
  const __m256i bs = _mm256_set1_epi8('\\'), u = _mm256_set1_epi8('u'), sl = _mm256_set1_epi8('/');
  std::size_t i = 0;
  for (; i + 33 <= n; i += 32) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 1));
    if (_mm256_movemask_epi8(a) != 0) e.raw_non_ascii = true;
    unsigned mask = static_cast<unsigned>(_mm256_movemask_epi8(
        _mm256_and_si256(_mm256_cmpeq_epi8(a, bs), _mm256_or_si256(_mm256_cmpeq_epi8(b, u), _mm256_cmpeq_epi8(b, sl)))));
    while (mask) {
      note_escape(e, p + i + static_cast<unsigned>(__builtin_ctz(mask)), end);
      if (e.unknown) return n;
      mask &= mask - 1;
    }
  }
  return i;
}
#endif

Escapes escapes_of(std::string_view s, bool avx2) {
  Escapes e;
  const char* p = s.data();
  const char* end = p + s.size();
  std::size_t i = 0;
  const std::size_t n = s.size();
#if RULELAB_AVX2
  if (avx2) i = escapes_avx2(s, e);
  if (e.unknown) return e;
#endif
#if defined(__SSE2__)
  const __m128i bs = _mm_set1_epi8('\\'), u = _mm_set1_epi8('u'), sl = _mm_set1_epi8('/');
  for (; i + 17 <= n; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 1));
    if (_mm_movemask_epi8(a) != 0) e.raw_non_ascii = true;
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_and_si128(_mm_cmpeq_epi8(a, bs), _mm_or_si128(_mm_cmpeq_epi8(b, u), _mm_cmpeq_epi8(b, sl)))));
    while (mask) {
      note_escape(e, p + i + static_cast<unsigned>(__builtin_ctz(mask)), end);
      if (e.unknown) return e;
      mask &= mask - 1;
    }
  }
#endif
  for (; i < n; ++i) {
    if (static_cast<unsigned char>(p[i]) >= 0x80) e.raw_non_ascii = true;
    if (i + 1 < n && p[i] == '\\' && (p[i + 1] == 'u' || p[i + 1] == '/')) {
      note_escape(e, p + i, end);
      if (e.unknown) return e;
    }
  }
  return e;
}

bool has_letter(std::string_view lit) {
  for (unsigned char c : lit)
    if (is_alpha(c)) return true;
  return false;
}

}  // namespace

namespace {

constexpr std::size_t kFound = static_cast<std::size_t>(-1);

// How rarely a byte occurs in log text (higher: rarer), to choose the two needle bytes whose
// positions the vector loop compares: the fewer the candidates, the fewer full comparisons.
int rarity(unsigned char c, bool caseless) {
  if (caseless || (c >= 'a' && c <= 'z')) {
    const unsigned char l = lower(c);
    if (l >= 'a' && l <= 'z') return std::strchr("etaoinsrhldcum", l) ? 1 : 2;
  }
  if (c >= 'A' && c <= 'Z') return 3;
  if (c >= '0' && c <= '9') return 2;
  if (c == '"') return 0;  // every JSON key and string value has two
  if (c == '-' || c == ' ' || c == ':' || c == ',') return 1;
  if (c == '.' || c == '_') return 2;
  return 3;
}

// The two positions compared first (p1 < p2): the rarest bytes, far apart.
std::pair<std::size_t, std::size_t> anchors(const unsigned char* nl, std::size_t m, bool caseless) {
  if (m == 1) return {0, 0};
  std::size_t a = 0;
  for (std::size_t i = 1; i < m; ++i)
    if (rarity(nl[i], caseless) > rarity(nl[a], caseless)) a = i;
  std::size_t b = a == 0 ? 1 : 0;
  auto better = [&](std::size_t i, std::size_t j) {  // i better than j as the second anchor
    const int ri = rarity(nl[i], caseless), rj = rarity(nl[j], caseless);
    if (ri != rj) return ri > rj;
    const auto di = i > a ? i - a : a - i, dj = j > a ? j - a : a - j;
    return di > dj;
  };
  for (std::size_t i = 0; i < m; ++i)
    if (i != a && better(i, b)) b = i;
  return a < b ? std::make_pair(a, b) : std::make_pair(b, a);
}

#if RULELAB_AVX2
// The AVX2 form of search()'s loop (32 bytes at a time): kFound, or the position to go on from.
template <class Eq>
__attribute__((target("avx2"))) std::size_t search_avx2(std::string_view hay, const unsigned char* nl, std::size_t m,
                                                         bool caseless, std::size_t p1, std::size_t p2, const Eq& equal_at,
                                                         std::size_t& found_at) {
  const std::size_t last = hay.size() - m;
  const unsigned char f = nl[p1], l = nl[p2];
  const __m256i fold_f = _mm256_set1_epi8(static_cast<char>(caseless && is_alpha(f) ? 0x20 : 0));
  const __m256i fold_l = _mm256_set1_epi8(static_cast<char>(caseless && is_alpha(l) ? 0x20 : 0));
  const __m256i vf = _mm256_set1_epi8(static_cast<char>(f)), vl = _mm256_set1_epi8(static_cast<char>(l));
  std::size_t i = 0;
  for (; i + 32 <= last + 1; i += 32) {
    const __m256i a = _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(hay.data() + i + p1)), fold_f);
    const __m256i b = _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(hay.data() + i + p2)), fold_l);
    unsigned mask = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, vf), _mm256_cmpeq_epi8(b, vl))));
    while (mask) {
      const unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
      if (equal_at(hay.data() + i + bit)) {
        found_at = i + bit;
        return kFound;
      }
      mask &= mask - 1;
    }
  }
  return i;
}
#endif

// A literal's anchor positions as the searches read them (both inside the literal, else 0 and 0).
std::pair<std::size_t, std::size_t> anchors_of(const RawLiteral& lit) {
  const std::size_t m = lit.text.size();
  if (lit.anchor1 >= m || lit.anchor2 >= m) return {0, 0};
  return {lit.anchor1, lit.anchor2};
}

#if RULELAB_AVX2
// A clause's K literals as the AVX2 scans compare them: each literal's two anchor bytes (and the
// case bits to fold there) broadcast, their positions, and the longest literal's length.
template <std::size_t K>
struct ClauseAnchors {
  __attribute__((target("avx2"))) explicit ClauseAnchors(const RawLiteral* lits) {
    for (std::size_t k = 0; k < K; ++k) {
      maxm = std::max(maxm, lits[k].text.size());
      const auto* nl = reinterpret_cast<const unsigned char*>(lits[k].text.data());
      std::tie(at[0][k], at[1][k]) = anchors_of(lits[k]);
      const bool cl = lits[k].caseless;
      const unsigned char f = nl[at[0][k]], l = nl[at[1][k]];
      v[0][k] = _mm256_set1_epi8(static_cast<char>(f));
      v[1][k] = _mm256_set1_epi8(static_cast<char>(l));
      v[2][k] = _mm256_set1_epi8(static_cast<char>(cl && is_alpha(f) ? 0x20 : 0));
      v[3][k] = _mm256_set1_epi8(static_cast<char>(cl && is_alpha(l) ? 0x20 : 0));
    }
  }
  __m256i v[4][K];           // first anchor, second anchor, their case folds
  std::size_t at[2][K] = {};  // the two anchors' positions
  std::size_t maxm = 0;
};

// Whether p[i..n) holds what the clause scans note for escapes_of(): a backslash before 'u' or '/'
// (within p[0..n)), or a byte above 0x7F.
bool escapable_from(const char* p, std::size_t i, std::size_t n) {
  for (std::size_t j = i; j < n; ++j)
    if ((p[j] == '\\' && j + 1 < n && (p[j + 1] == 'u' || p[j + 1] == '/')) || static_cast<unsigned char>(p[j]) >= 0x80) return true;
  return false;
}

// Whether the literal is written at a (its whole length readable there).
bool literal_at(const RawLiteral& lit, const char* a) {
  const auto* nl = reinterpret_cast<const unsigned char*>(lit.text.data());
  const std::size_t m = lit.text.size();
  return lit.caseless ? equal_caseless(a, nl, m) : std::memcmp(a, nl, m) == 0;
}

// One pass over the record for a clause of K literals (search_avx2's loop, one anchor pair per
// literal): true when one of them occurs. Otherwise `escapable` tells whether the record holds an
// escape that escapes_of() reads (a backslash before 'u' or '/') or a byte above 0x7F anywhere:
// when it holds neither, escapes_of() finds nothing and no literal can be spelled another way.
// (Before, a record without any literal was read once per literal and once more for its escapes;
// and any backslash, such as the `\"` of a JSON string held in a string, sent it to that read.)
template <std::size_t K>
__attribute__((target("avx2"))) bool clause_scan_avx2(std::string_view hay, const RawLiteral* lits, bool& escapable) {
  const std::size_t n = hay.size();
  const char* p = hay.data();
  const ClauseAnchors<K> an(lits);
  const std::size_t maxm = an.maxm;
  const auto& [vf, vl, ff, fl] = an.v;
  const auto& [p1, p2] = an.at;
  auto equal_at = [&](std::size_t k, const char* a) { return literal_at(lits[k], a); };
  const __m256i bs = _mm256_set1_epi8('\\'), u = _mm256_set1_epi8('u'), sl = _mm256_set1_epi8('/');
  // High bit set where a byte was >= 0x80 or a backslash before 'u' or '/' (any backslash where the
  // byte after the block lies past the record).
  __m256i seen = _mm256_setzero_si256();
  std::size_t i = 0;
  if (n >= maxm) {
    const std::size_t last = n - maxm;  // every literal fits at each start position below
    for (; i + 32 <= last + 1; i += 32) {
      const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
      __m256i esc = _mm256_cmpeq_epi8(raw, bs);
      if (i + 33 <= n) {
        const __m256i next = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 1));
        esc = _mm256_and_si256(esc, _mm256_or_si256(_mm256_cmpeq_epi8(next, u), _mm256_cmpeq_epi8(next, sl)));
      }
      seen = _mm256_or_si256(seen, _mm256_or_si256(raw, esc));
      for (std::size_t k = 0; k < K; ++k) {
        const __m256i a = _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + p1[k])), ff[k]);
        const __m256i b = _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + p2[k])), fl[k]);
        unsigned mask = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, vf[k]), _mm256_cmpeq_epi8(b, vl[k]))));
        while (mask) {
          if (equal_at(k, p + i + static_cast<unsigned>(__builtin_ctz(mask)))) return true;
          mask &= mask - 1;
        }
      }
    }
  }
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t j = i; j + lits[k].text.size() <= n; ++j)
      if (equal_at(k, p + j)) return true;
  escapable = _mm256_movemask_epi8(seen) != 0 || escapable_from(p, i, n);
  return false;
}

// clause_scan_avx2 over the line that starts at p and ends at the first '\n' before `end` (or at
// `end`), found in the same pass: its length (the newline excluded) in `len` when no literal occurs
// (`escapable` set then, as clause_scan_avx2 sets it); true, with `len` unset, when one does. The
// loads stay inside [p, end): a literal cannot hold a newline, so a match found before the line's
// newline lies inside the line, and one past it is not looked at.
template <std::size_t K>
__attribute__((target("avx2"))) bool clause_line_scan_avx2(const char* p, const char* end, const RawLiteral* lits, std::size_t& len,
                                                            bool& escapable) {
  const std::size_t avail = static_cast<std::size_t>(end - p);
  const ClauseAnchors<K> an(lits);
  const std::size_t maxm = an.maxm;
  const auto& [vf, vl, ff, fl] = an.v;
  const auto& [p1, p2] = an.at;
  auto equal_at = [&](std::size_t k, const char* a) { return literal_at(lits[k], a); };
  const __m256i bs = _mm256_set1_epi8('\\'), u = _mm256_set1_epi8('u'), sl = _mm256_set1_epi8('/'), newline = _mm256_set1_epi8('\n');
  unsigned seen = 0;  // bits of bytes >= 0x80 or of backslashes before 'u' or '/', inside the line
  std::size_t i = 0;
  // Each block's loads (a literal at each of its 32 start positions, the byte after it) lie before `end`.
  const std::size_t reach = std::max<std::size_t>(maxm, 2) - 1;
  for (; i + 32 + reach <= avail; i += 32) {
    const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    const __m256i next = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 1));
    const unsigned nlmask = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(raw, newline)));
    // The start positions before the line's newline (all 32 when the block holds none).
    const unsigned inside = nlmask ? (nlmask & -nlmask) - 1 : ~0u;
    seen |= inside & static_cast<unsigned>(_mm256_movemask_epi8(_mm256_or_si256(
                         raw, _mm256_and_si256(_mm256_cmpeq_epi8(raw, bs), _mm256_or_si256(_mm256_cmpeq_epi8(next, u), _mm256_cmpeq_epi8(next, sl))))));
    for (std::size_t k = 0; k < K; ++k) {
      const __m256i a = _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + p1[k])), ff[k]);
      const __m256i b = _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + p2[k])), fl[k]);
      unsigned mask = inside & static_cast<unsigned>(_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, vf[k]), _mm256_cmpeq_epi8(b, vl[k]))));
      while (mask) {
        if (equal_at(k, p + i + static_cast<unsigned>(__builtin_ctz(mask)))) return true;
        mask &= mask - 1;
      }
    }
    if (nlmask) {
      len = i + static_cast<unsigned>(__builtin_ctz(nlmask));
      escapable = seen != 0;
      return false;
    }
  }
  // Near `end`: the rest of the line byte by byte.
  const void* nl = std::memchr(p + i, '\n', avail - i);
  const std::size_t n = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - p) : avail;
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t j = i; j + lits[k].text.size() <= n; ++j)
      if (equal_at(k, p + j)) return true;
  len = n;
  escapable = seen != 0 || escapable_from(p, i, n);
  return false;
}

// clause_scan_avx2 for clauses of 1 to 4 literals: 1 found, 0 not found (`escapable` set), -1 not
// scanned (more literals).
int clause_scan(std::string_view hay, const std::vector<RawLiteral>& lits, bool& escapable) {
  switch (lits.size()) {
    case 1: return clause_scan_avx2<1>(hay, lits.data(), escapable) ? 1 : 0;
    case 2: return clause_scan_avx2<2>(hay, lits.data(), escapable) ? 1 : 0;
    case 3: return clause_scan_avx2<3>(hay, lits.data(), escapable) ? 1 : 0;
    case 4: return clause_scan_avx2<4>(hay, lits.data(), escapable) ? 1 : 0;
    default: return -1;
  }
}
#endif

// Muła's substring search: positions where two of the needle's bytes agree (32 or 16 at a time;
// the rarest two, see anchors()), then a full comparison. Caseless: letters compared with | 0x20 (the needle is lowered).
std::size_t find_at(std::string_view hay, std::string_view needle, bool caseless, bool avx2, std::size_t p1 = 0, std::size_t p2 = 0) {
  constexpr std::size_t npos = std::string_view::npos;
  const std::size_t m = needle.size();
  if (m == 0) return 0;
  if (hay.size() < m) return npos;
  const auto* nl = reinterpret_cast<const unsigned char*>(needle.data());
  auto equal_at = [&](const char* a) {
    return caseless ? equal_caseless(a, nl, m) : std::memcmp(a, nl, m) == 0;
  };
  std::size_t i = 0;
  const std::size_t last = hay.size() - m;  // the last start position
  if (p1 >= m || p2 >= m) p1 = p2 = 0;
#if RULELAB_AVX2
  std::size_t found_at = 0;
  if (avx2) i = search_avx2(hay, nl, m, caseless, p1, p2, equal_at, found_at);
  if (i == kFound) return found_at;
#endif
#if defined(__SSE2__)
  const unsigned char f = nl[p1], l = nl[p2];
  const __m128i fold_f = _mm_set1_epi8(static_cast<char>(caseless && is_alpha(f) ? 0x20 : 0));
  const __m128i fold_l = _mm_set1_epi8(static_cast<char>(caseless && is_alpha(l) ? 0x20 : 0));
  const __m128i vf = _mm_set1_epi8(static_cast<char>(f)), vl = _mm_set1_epi8(static_cast<char>(l));
  for (; i + 16 <= last + 1; i += 16) {
    const __m128i a = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(hay.data() + i + p1)), fold_f);
    const __m128i b = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(hay.data() + i + p2)), fold_l);
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, vf), _mm_cmpeq_epi8(b, vl))));
    while (mask) {
      const unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
      if (equal_at(hay.data() + i + bit)) return i + bit;
      mask &= mask - 1;
    }
  }
#endif
  for (; i <= last; ++i)
    if (equal_at(hay.data() + i)) return i;
  return npos;
}

bool search(std::string_view hay, std::string_view needle, bool caseless, bool avx2, std::size_t p1 = 0, std::size_t p2 = 0) {
  return find_at(hay, needle, caseless, avx2, p1, p2) != std::string_view::npos;
}

}  // namespace

bool contains_caseless(std::string_view hay, std::string_view needle) {
  std::string low(needle);
  for (auto& c : low) c = static_cast<char>(lower(static_cast<unsigned char>(c)));
  return search(hay, low, true, false);
}

bool RawPrefilter::usable(std::string_view lit) {
  if (lit.empty()) return false;
  bool numeric = true;
  for (unsigned char c : lit) {
    if (c < 0x20 || c == 0x7f) return false;
    switch (c) {
      case '{':
      case '}':
      case '[':
      case ']':
      case ':':
      case ',':
      case '"':
      case '\\': return false;
      default: break;
    }
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) numeric = false;
  }
  return !numeric;
}

namespace {
// Whether an escape of the record could spell a character of `text` (read as written: no case).
bool escape_may_spell(const Escapes& esc, std::string_view text) {
  if (esc.unknown) return true;
  for (unsigned char c : text)
    if (c >= 0x80 ? esc.non_ascii : esc.ascii[c]) return true;
  return false;
}

bool json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The window's verdict from the bytes: true when the record's value for the key is certainly
// outside it (see RawTimeWindow); false when it is inside or the bytes cannot tell.
bool outside_window(std::string_view record, const RawTimeWindow& w, const RawLiteral& quoted, bool avx2, Escapes& esc,
                    bool& have_escapes) {
  const std::size_t at = find_at(record, quoted.text, false, avx2, quoted.anchor1, quoted.anchor2);
  if (at == std::string_view::npos) return false;
  // The value first (a record inside the window needs no more), then what makes it the real one.
  std::size_t i = at + quoted.text.size();
  while (i < record.size() && json_space(record[i])) ++i;
  if (i >= record.size() || record[i] != ':') return false;
  ++i;
  while (i < record.size() && json_space(record[i])) ++i;
  if (i >= record.size() || record[i] != '"') return false;
  ++i;
  const char* end = static_cast<const char*>(std::memchr(record.data() + i, '"', record.size() - i));
  if (!end) return false;
  const std::string_view value(record.data() + i, static_cast<std::size_t>(end - (record.data() + i)));
  if (value.find('\\') != std::string_view::npos) return false;
  const auto t = parse_export_datetime(value);
  if (!t || (t->ticks >= w.lo && t->ticks <= w.hi)) return false;
  if (search(record.substr(at + 1), quoted.text, false, avx2, quoted.anchor1, quoted.anchor2)) return false;  // written twice
  if (!have_escapes) {
    esc = escapes_of(record, avx2);
    have_escapes = true;
  }
  return !escape_may_spell(esc, w.key);
}
}  // namespace

bool RawPrefilter::may_match(std::string_view record) const { return may_match_but(record, clauses.size()); }

bool RawPrefilter::may_match_line(const char* p, const char* end, std::size_t& len) const {
  auto line_end = [&] {
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    return nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - p) : static_cast<std::size_t>(end - p);
  };
  std::size_t held = clauses.size();  // the first clause, when its scan found a literal
#if RULELAB_AVX2
  if (avx2_ && !clauses.empty() && !clauses[0].empty() && clauses[0].size() <= 4) {
    bool escapable = false, found = false;
    switch (clauses[0].size()) {
      case 1: found = clause_line_scan_avx2<1>(p, end, clauses[0].data(), len, escapable); break;
      case 2: found = clause_line_scan_avx2<2>(p, end, clauses[0].data(), len, escapable); break;
      case 3: found = clause_line_scan_avx2<3>(p, end, clauses[0].data(), len, escapable); break;
      default: found = clause_line_scan_avx2<4>(p, end, clauses[0].data(), len, escapable); break;
    }
    if (!found && !escapable) return false;  // as may_match() decides the first clause: see there
    if (found) {
      len = line_end();
      held = 0;
    }
  } else {
    len = line_end();
  }
#else
  len = line_end();
#endif
  std::size_t n = len;
  if (n && p[n - 1] == '\r') --n;
  return may_match_but({p, n}, held);
}

bool RawPrefilter::may_match_but(std::string_view record, std::size_t held) const {
  bool have_escapes = false;
  Escapes esc;
  if (window_ && outside_window(record, *window_, window_quoted_, avx2_, esc, have_escapes)) return false;
  for (std::size_t ci = 0; ci < clauses.size(); ++ci) {
    if (ci == held) continue;
    const auto& clause = clauses[ci];
    bool possible = false;
    bool searched = false;  // every literal searched for, none found
#if RULELAB_AVX2
    if (avx2_) {
      bool escapable = false;
      const int r = clause_scan(record, clause, escapable);
      if (r == 1) continue;
      if (r == 0 && !escapable) return false;  // escapes_of() would find nothing: see below
      searched = r == 0;
    }
#endif
    for (const auto& lit : clause) {
      const bool found = !searched && search(record, lit.text, lit.caseless, avx2_, lit.anchor1, lit.anchor2);
      if (found) {
        possible = true;
        break;
      }
      if (!have_escapes) {
        esc = escapes_of(record, avx2_);
        have_escapes = true;
      }
      if (esc.unknown) return true;
      for (unsigned char c : lit.text) {
        if (c >= 0x80 ? esc.non_ascii : (esc.ascii[c] || (lit.caseless && is_alpha(c) && esc.ascii[c ^ 0x20]))) {
          possible = true;
          break;
        }
      }
      if (!possible && lit.caseless && has_letter(lit.text)) possible = esc.raw_non_ascii || esc.non_ascii;
      if (possible) break;
    }
    if (!possible) return false;
  }
  return true;
}

std::string RawPrefilter::describe() const {
  std::string s;
  for (std::size_t i = 0; i < clauses.size(); ++i) {
    if (i) s += " and ";
    const auto& c = clauses[i];
    if (c.size() > 1) s += "(";
    for (std::size_t j = 0; j < c.size(); ++j) {
      if (j) s += " or ";
      if (c[j].caseless) s += "~";
      s += "\"" + c[j].text + "\"";
    }
    if (c.size() > 1) s += ")";
  }
  return s;
}

RawPrefilter::RawPrefilter() {
#if RULELAB_AVX2
  avx2_ = __builtin_cpu_supports("avx2");
#endif
}

std::string RawPrefilter::skipped_note(std::size_t skipped, std::size_t records, const char* what) const {
  std::string s = std::to_string(skipped) + " of " + std::to_string(records) + " " + what + "(s) skipped unparsed: ";
  if (window_) {
    s += "their " + window_->key + " is outside " + format_datetime(DateTime{window_->lo}) + " .. " + format_datetime(DateTime{window_->hi});
    if (!clauses.empty()) s += " or ";
  }
  if (!clauses.empty()) s += "they cannot hold " + describe();
  return s;
}

void RawPrefilter::set_window(RawTimeWindow w) {
  std::string q = "\"" + w.key + "\"";
  const auto [a1, a2] = anchors(reinterpret_cast<const unsigned char*>(q.data()), q.size(), false);
  window_quoted_ = RawLiteral{std::move(q), false, a1, a2};
  window_ = std::move(w);
}

namespace {
// The start positions of `sample` where the literal's bytes at p1 and p2 agree (as the search
// compares them: letters of a caseless literal with | 0x20).
std::size_t pair_hits(std::string_view sample, const RawLiteral& lit, std::size_t p1, std::size_t p2) {
  const std::size_t m = lit.text.size();
  if (sample.size() < m) return 0;
  const auto a = static_cast<unsigned char>(lit.text[p1]), b = static_cast<unsigned char>(lit.text[p2]);
  const unsigned char fa = lit.caseless && is_alpha(a) ? 0x20 : 0, fb = lit.caseless && is_alpha(b) ? 0x20 : 0;
  const auto* s = reinterpret_cast<const unsigned char*>(sample.data());
  std::size_t n = 0;
  for (std::size_t i = 0, last = sample.size() - m; i <= last; ++i)
    if ((s[i + p1] | fa) == a && (s[i + p2] | fb) == b) ++n;
  return n;
}

void tune_literal(RawLiteral& lit, std::string_view sample, const std::array<std::size_t, 256>& count) {
  const std::size_t m = lit.text.size();
  if (m < 2 || sample.size() < m) return;
  auto freq = [&](unsigned char c) {
    return lit.caseless && is_alpha(c) ? count[c | 0x20] + count[c & ~0x20] : count[c];
  };
  // The pairs that would meet the fewest candidates if bytes occurred independently; neighbouring
  // bytes do not ("us" in every "userPrincipalName"), so the best few are counted, and the current
  // pair kept unless one of them is found together less often.
  std::vector<std::pair<double, std::pair<std::size_t, std::size_t>>> est;
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = i + 1; j < m; ++j)
      est.push_back({static_cast<double>(freq(static_cast<unsigned char>(lit.text[i]))) *
                         static_cast<double>(freq(static_cast<unsigned char>(lit.text[j]))),
                     {i, j}});
  const std::size_t top = std::min<std::size_t>(6, est.size());
  std::partial_sort(est.begin(), est.begin() + static_cast<std::ptrdiff_t>(top), est.end());
  auto [a1, a2] = anchors_of(lit);
  std::size_t best = pair_hits(sample, lit, a1, a2);
  for (std::size_t k = 0; k < top && best > 0; ++k) {
    const auto [i, j] = est[k].second;
    const std::size_t h = pair_hits(sample, lit, i, j);
    if (h < best) {
      best = h;
      a1 = i;
      a2 = j;
    }
  }
  lit.anchor1 = a1;
  lit.anchor2 = a2;
}
}  // namespace

void RawPrefilter::tune(std::string_view sample) {
  if (sample.empty()) return;
  std::array<std::size_t, 256> count{};
  for (unsigned char c : sample) ++count[c];
  for (auto& clause : clauses)
    for (auto& lit : clause) tune_literal(lit, sample, count);
  if (window_) tune_literal(window_quoted_, sample, count);
}

RawPrefilter RawPrefilter::and_(RawPrefilter a, const RawPrefilter& b) {
  for (const auto& c : b.clauses) a.clauses.push_back(c);
  return a;
}

RawPrefilter RawPrefilter::or_(const RawPrefilter& a, const RawPrefilter& b, std::size_t limit) {
  RawPrefilter out;
  if (a.empty() || b.empty()) return out;
  if (a.clauses.size() * b.clauses.size() > limit) return out;
  for (const auto& x : a.clauses)
    for (const auto& y : b.clauses) {
      std::vector<RawLiteral> c = x;
      c.insert(c.end(), y.begin(), y.end());
      out.clauses.push_back(std::move(c));
    }
  return out;
}

RawPrefilter RawPrefilter::any_of(const std::vector<std::string>& literals, bool caseless) {
  std::vector<RawLiteral> clause;
  for (const auto& l : literals) {
    RawPrefilter one = literal(l, caseless);
    if (one.empty()) return {};
    clause.push_back(std::move(one.clauses[0][0]));
  }
  RawPrefilter p;
  if (!clause.empty()) p.clauses.push_back(std::move(clause));
  return p;
}

RawPrefilter RawPrefilter::never() {
  RawPrefilter p;
  p.clauses.emplace_back();
  return p;
}

RawPrefilter RawPrefilter::literal(std::string text, bool caseless) {
  RawPrefilter p;
  // ASCII case is all a caseless search ignores: a caseless literal must be ASCII.
  if (!usable(text) || (caseless && has_non_ascii(text))) return p;
  if (caseless)
    for (auto& c : text) c = static_cast<char>(lower(static_cast<unsigned char>(c)));
  const auto [a1, a2] = anchors(reinterpret_cast<const unsigned char*>(text.data()), text.size(), caseless);
  p.clauses.push_back({RawLiteral{std::move(text), caseless, a1, a2}});
  return p;
}

}  // namespace rulelab
