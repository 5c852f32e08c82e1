// A necessary condition on a JSON record's bytes, tested before the record is parsed (DESIGN 7:
// filters applied while reading). A query that can only match a record holding certain strings
// (`OperationName =~ "Delete user"`, kuery `event.action:"logon"`, EQL `process.name == "x"`)
// names them as literals; a record in whose bytes no literal of some clause can occur is skipped
// unparsed, and counted as filtered. Both halves (Kusto tables, Elastic documents) use it.
//
// What keeps it exact: a literal is looked for in the record's raw bytes, where a string value
// holding it may be written with JSON escapes. A record is skipped only when the literal is absent
// as written AND no escape in the record stands for a character of the literal (`\"` stands for
// `"`, `\u0041` for `A`, a `\u` escape of a character above U+007F for any non-ASCII character).
// A caseless literal is looked for ignoring ASCII case, and a record with any non-ASCII character
// is kept for a caseless literal holding a letter (Unicode case folding takes some non-ASCII
// characters to ASCII letters: the Kelvin sign to k, the long s to s, the sharp s to ss, the
// ligature ﬁ to fi). Literals are usable only when a matching value must hold them as a
// whole string token (see usable()); the query's own evaluation still decides every record kept.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rulelab {

// A window on a top-level datetime key (the Sentinel rule's look-back on TimeGenerated): a record
// whose value for the key is read, as the column reader reads it (a JSON string through
// parse_export_datetime), and lies outside [lo, hi] is skipped. It is decided from the bytes only
// when that is exact: the key written once as such ("key" followed by ':'), no escape in the
// record that could spell one of its characters (a second, escaped spelling could be the real
// one), a string value without escapes that parses as a date. Written once but nested, the top
// level has no such key, its column is null and the window drops the row all the same.
struct RawTimeWindow {
  std::string key;
  std::int64_t lo = 0, hi = 0;  // ticks (100 ns), both inclusive
};

struct RawLiteral {
  std::string text;  // caseless: in lower case (RawPrefilter::literal() lowers it)
  bool caseless = false;
  // The two positions of `text` the search compares first (its rarest bytes, chosen by
  // RawPrefilter::literal()); any two positions give the same answer.
  std::size_t anchor1 = 0, anchor2 = 0;
};

class RawPrefilter {
 public:
  RawPrefilter();
  // A record may match only if every clause has one of its literals in it (conjunctive normal
  // form). No clauses: every record may match.
  std::vector<std::vector<RawLiteral>> clauses;
  // Tested before the clauses; and_ keeps the first operand's, or_ none.
  void set_window(RawTimeWindow w);
  const std::optional<RawTimeWindow>& window() const { return window_; }

  bool empty() const { return clauses.empty() && !window_; }
  // False only when the record cannot hold all clauses (see above).
  bool may_match(std::string_view record) const;
  // may_match() of the line that starts at p and ends at the first '\n' before `end` (or at `end`),
  // a '\r' before the newline left out; the line's length (the newline excluded, a '\r' included)
  // in `len`. The first clause's scan finds the newline in the same pass: a record is not read
  // once to find its end and again for the literals.
  bool may_match_line(const char* p, const char* end, std::size_t& len) const;
  // Chooses each literal's two anchor positions (and the window key's) from `sample`, the start of
  // the data to be read: the pair whose bytes are found together least often in it. may_match's
  // answer does not depend on the anchors, only the number of places it compares in full (a
  // caseless "delete user" anchored on 'd' and 'r' met 5 such places a line of AuditLogs JSON, the
  // best pair less than one).
  void tune(std::string_view sample);
  // "(\"a\" or \"b\") and \"c\"", caseless literals marked with ~.
  std::string describe() const;
  // "N of M <what>(s) skipped unparsed: they cannot hold <describe()>", for the notes of a load.
  std::string skipped_note(std::size_t skipped, std::size_t records, const char* what) const;

  // Whether a literal can stand for "the value holds this string": non-empty; no JSON structural
  // character, quote, backslash or control character (so that it lies inside one JSON token,
  // whatever spacing or rendering a value's JSON text has); not made only of number characters
  // (a number may be written as 1e2 and read as 100).
  static bool usable(std::string_view literal);

  // Combinators over "true" (no clauses). and_: clauses of both. or_: one clause per pair of
  // clauses (distribution), "true" when either side is true or the result exceeds `limit` clauses.
  static RawPrefilter and_(RawPrefilter a, const RawPrefilter& b);
  static RawPrefilter or_(const RawPrefilter& a, const RawPrefilter& b, std::size_t limit = 16);
  static RawPrefilter literal(std::string text, bool caseless);
  // One clause: any of the literals. "true" (no clauses) when one of them is not usable or there
  // are none: the record then cannot be judged by its bytes.
  static RawPrefilter any_of(const std::vector<std::string>& literals, bool caseless);
  // "false": one empty clause, which no record holds (a query that matches nothing).
  static RawPrefilter never();

 private:
  // may_match(), clause `held` taken as found (none: clauses.size()).
  bool may_match_but(std::string_view record, std::size_t held) const;
  std::optional<RawTimeWindow> window_;
  RawLiteral window_quoted_;  // "key", with its quotes (set with window_ by set_window)
  bool avx2_ = false;  // the CPU has AVX2: 32 bytes a step instead of 16
};

// Substring search ignoring ASCII case (needle bytes compared with | 0x20 on letters only).
bool contains_caseless(std::string_view hay, std::string_view needle);

}  // namespace rulelab
