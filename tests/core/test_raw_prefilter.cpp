// The raw-bytes prefilter (core/raw_prefilter.hpp): a record is skipped only when no string in it
// can hold a clause's literals. JSON escapes follow RFC 8259 section 7 (any character may be
// written \uXXXX; \" \\ \/ \b \f \n \r \t); the caseless rule follows Unicode's case folding
// (CaseFolding.txt: U+212A KELVIN SIGN folds to k, U+00DF LATIN SMALL LETTER SHARP S to ss).
#include <doctest/doctest.h>

#include "core/datetime.hpp"
#include "core/raw_prefilter.hpp"

#include <cctype>
#include <cstring>
#include <memory>
#include <sys/mman.h>
#include <unistd.h>
#include <string>
#include <vector>

using rulelab::RawLiteral;
using rulelab::RawPrefilter;
using rulelab::RawTimeWindow;

namespace {
RawPrefilter one(const char* s, bool caseless = false) { return RawPrefilter::literal(s, caseless); }
}  // namespace

TEST_CASE("raw prefilter: a literal written as such, or not at all") {
  auto p = one("Delete user");
  CHECK_FALSE(p.empty());
  CHECK(p.may_match(R"({"OperationName":"Delete user","x":1})"));
  CHECK_FALSE(p.may_match(R"({"OperationName":"Add user","x":1})"));
  CHECK_FALSE(p.may_match(R"({"OperationName":"delete user"})"));  // case-sensitive
  CHECK_FALSE(p.may_match(""));
  // Longer than 16 bytes on both sides of the vector loop's end.
  CHECK(p.may_match(std::string(40, ' ') + "Delete user" + std::string(3, ' ')));
  CHECK(p.may_match("Delete user"));
}

TEST_CASE("raw prefilter: escapes that may spell the literal keep the record") {
  auto p = one("Delete user");
  // \u0044 is 'D': the string value is "Delete user".
  CHECK(p.may_match(R"({"OperationName":"\u0044elete user"})"));
  // \" and \n stand for characters the literal does not hold: the record cannot match.
  CHECK_FALSE(p.may_match(R"({"a":"say \"hi\"\n","OperationName":"Add user"})"));
  // \/ stands for '/': relevant only to a literal holding '/'.
  CHECK_FALSE(p.may_match(R"({"a":"x\/y"})"));
  CHECK(one("x/y").may_match(R"({"a":"x\/y"})"));
  // A \u escape of a non-ASCII character matters only to non-ASCII literals.
  CHECK_FALSE(p.may_match(R"({"a":"\u00e9"})"));
  CHECK(one("caf\xc3\xa9").may_match(R"({"a":"caf\u00e9"})"));
  // Only \u and \/ can stand for a character a usable literal holds: an escape JSON does not have
  // (\q) is not looked at (the record is skipped unparsed, its error unreported); a \u without four
  // hex digits may mean anything, and the record is kept.
  CHECK_FALSE(p.may_match(R"({"a":"\q"})"));
  CHECK(p.may_match(R"({"a":"\u00"})"));
  CHECK(p.may_match(R"({"a":"\u00zz Delete"})"));
  // An escaped backslash before 'u' is taken as an escape too (kept, never lost).
  CHECK(p.may_match(R"({"a":"\\u0044"})"));
}

TEST_CASE("raw prefilter: caseless literals") {
  auto p = one("Delete User", true);
  CHECK(p.may_match(R"({"OperationName":"DELETE USER"})"));
  CHECK(p.may_match(R"({"OperationName":"delete user"})"));
  CHECK_FALSE(p.may_match(R"({"OperationName":"add user"})"));
  // \u0064 is 'd', \u0044 'D': either case may be meant.
  CHECK(p.may_match(R"({"OperationName":"\u0064elete user"})"));
  // The Kelvin sign (U+212A, bytes E2 84 AA) folds to 'k', the sharp s to "ss": a record with
  // non-ASCII characters is kept for a caseless literal holding a letter.
  CHECK(one("kill", true).may_match("{\"a\":\"\xe2\x84\xaaill\"}"));
  CHECK(one("kill", true).may_match(R"({"a":"\u212aill"})"));
  CHECK(one("strasse", true).may_match("{\"a\":\"stra\xc3\x9f" "e\"}"));
  CHECK_FALSE(one("kill", true).may_match(R"({"a":"mill"})"));
  CHECK_FALSE(one("kill", false).may_match("{\"a\":\"\xe2\x84\xaaill\"}"));
  CHECK_FALSE(one("#$%", true).may_match("{\"a\":\"\xe2\x84\xaa\"}"));
  // A caseless literal must be ASCII: a non-ASCII one gives no prefilter.
  CHECK(one("caf\xc3\xa9", true).empty());
  // Case folding of non-letters is not done: '@' and '`' differ by 0x20 only.
  CHECK_FALSE(one("a@b", true).may_match(R"({"x":"a`b"})"));
}

TEST_CASE("raw prefilter: usable literals") {
  CHECK(RawPrefilter::usable("Delete user"));
  CHECK_FALSE(RawPrefilter::usable(""));
  CHECK_FALSE(RawPrefilter::usable("100"));    // a number may be written 1e2
  CHECK_FALSE(RawPrefilter::usable("1.5e-3"));
  CHECK(RawPrefilter::usable("v1.5"));
  CHECK_FALSE(RawPrefilter::usable("a\"b"));
  CHECK_FALSE(RawPrefilter::usable("a:b"));
  CHECK_FALSE(RawPrefilter::usable("{x}"));
  CHECK_FALSE(RawPrefilter::usable("a\\b"));
  CHECK_FALSE(RawPrefilter::usable("a\tb"));
  CHECK(one("100").empty());
}

TEST_CASE("raw prefilter: and, or, never") {
  auto a = one("alpha"), b = one("beta"), c = one("gamma");
  auto ab = RawPrefilter::and_(a, b);
  CHECK(ab.may_match("alpha beta"));
  CHECK_FALSE(ab.may_match("alpha"));
  auto a_or_b = RawPrefilter::or_(a, b);
  CHECK(a_or_b.may_match("beta"));
  CHECK_FALSE(a_or_b.may_match("gamma"));
  // (a and b) or c = (a or c) and (b or c)
  auto x = RawPrefilter::or_(ab, c);
  CHECK(x.clauses.size() == 2);
  CHECK(x.may_match("gamma"));
  CHECK(x.may_match("alpha beta"));
  CHECK_FALSE(x.may_match("alpha"));
  // true (no clauses) absorbs an or
  CHECK(RawPrefilter::or_(a, RawPrefilter{}).empty());
  // an empty clause is false: nothing may match; false or a = a
  RawPrefilter never;
  never.clauses.emplace_back();
  CHECK_FALSE(never.may_match("anything"));
  CHECK(RawPrefilter::or_(never, a).may_match("alpha"));
  CHECK_FALSE(RawPrefilter::or_(never, a).may_match("beta"));
  CHECK(x.describe() == "(\"alpha\" or \"gamma\") and (\"beta\" or \"gamma\")");
}

TEST_CASE("raw prefilter: any of a list, and the note") {
  auto p = RawPrefilter::any_of({"alpha", "Beta"}, true);
  REQUIRE(p.clauses.size() == 1);
  CHECK(p.may_match("BETA"));
  CHECK(p.may_match("Alpha"));
  CHECK_FALSE(p.may_match("gamma"));
  // one literal that cannot be looked for (a number) leaves nothing to look for
  CHECK(RawPrefilter::any_of({"alpha", "100"}, false).empty());
  CHECK(RawPrefilter::any_of({}, false).empty());
  CHECK(p.skipped_note(3, 10, "record") == "3 of 10 record(s) skipped unparsed: they cannot hold (~\"alpha\" or ~\"beta\")");
}

// The window on a top-level datetime key (RawTimeWindow): a record is skipped only when its value
// is certainly outside. The column reader (core/ingest.cpp) reads a top-level key's JSON string
// through parse_export_datetime, keeps the last of duplicate keys, and a record without the key
// has a null TimeGenerated, which Sentinel's look-back window (queryPeriod) never keeps.
TEST_CASE("raw prefilter: a TimeGenerated window decided from the bytes only when exact") {
  RawPrefilter p;
  const auto lo = rulelab::parse_export_datetime("2026-03-01T00:00:00Z")->ticks;
  const auto hi = rulelab::parse_export_datetime("2026-03-02T00:00:00Z")->ticks;
  p.set_window(rulelab::RawTimeWindow{"TimeGenerated", lo, hi});
  CHECK_FALSE(p.empty());
  auto rec = [](const std::string& rest) { return R"({"TimeGenerated":)" + rest + R"(,"OperationName":"Add user"})"; };
  // outside, either side; inside; both bounds inclusive
  CHECK_FALSE(p.may_match(rec(R"("2026-02-28T23:59:59Z")")));
  CHECK_FALSE(p.may_match(rec(R"("2026-03-02T00:00:00.0000001Z")")));
  CHECK(p.may_match(rec(R"("2026-03-01T12:00:00Z")")));
  CHECK(p.may_match(rec(R"("2026-03-01T00:00:00Z")")));
  CHECK(p.may_match(rec(R"("2026-03-02T00:00:00Z")")));
  // read as the column reader reads it: an offset, a space instead of T
  CHECK(p.may_match(rec(R"("2026-03-02T01:00:00+02:00")")));
  CHECK_FALSE(p.may_match(rec(R"("2026-03-02 00:00:01")")));
  // JSON spacing around the colon
  CHECK_FALSE(p.may_match(R"({"TimeGenerated" :  "2020-01-01T00:00:00Z"})"));
  // Undecidable from the bytes: kept. The key twice (the last one counts), an escape that may
  // spell a character of the key anywhere (a second key "Time\u0047enerated"), an escape in the
  // value, a value that is not a string or not a date.
  CHECK(p.may_match(R"({"TimeGenerated":"2020-01-01T00:00:00Z","TimeGenerated":"2026-03-01T12:00:00Z"})"));
  CHECK(p.may_match(R"({"TimeGenerated":"2020-01-01T00:00:00Z","Time\u0047enerated":"2026-03-01T12:00:00Z"})"));
  CHECK(p.may_match(rec(R"("2020-01-01T00:00:00\u005a")")));
  CHECK(p.may_match(rec("20200101")));
  CHECK(p.may_match(rec("null")));
  CHECK(p.may_match(rec(R"("yesterday")")));
  CHECK(p.may_match(R"({"OperationName":"Add user"})"));  // no such key: null, the reader decides
  // "TimeGenerated" as a value is not the key (not followed by ':')
  CHECK(p.may_match(R"({"x":"TimeGenerated","y":"2020-01-01T00:00:00Z"})"));
  // \" and \n escapes do not spell the key's characters: still decided
  CHECK_FALSE(p.may_match(R"({"a":"say \"hi\"\n","TimeGenerated":"2020-01-01T00:00:00Z"})"));
  // Written once but nested: the top level has no TimeGenerated (null, dropped by the window);
  // skipping the record when the nested value is outside gives the same answer.
  CHECK_FALSE(p.may_match(R"({"AdditionalDetails":{"TimeGenerated":"2020-01-01T00:00:00Z"}})"));
  // With clauses: both must allow the record
  RawPrefilter q = RawPrefilter::literal("add user", true);
  q.set_window(rulelab::RawTimeWindow{"TimeGenerated", lo, hi});
  CHECK(q.may_match(rec(R"("2026-03-01T12:00:00Z")")));
  CHECK_FALSE(q.may_match(rec(R"("2020-03-01T12:00:00Z")")));
  CHECK_FALSE(q.may_match(R"({"TimeGenerated":"2026-03-01T12:00:00Z","OperationName":"Delete user"})"));
  CHECK(q.skipped_note(3, 10, "record") ==
        "3 of 10 record(s) skipped unparsed: their TimeGenerated is outside 2026-03-01T00:00:00Z .. 2026-03-02T00:00:00Z"
        " or they cannot hold ~\"add user\"");
}

// Clauses of one to five literals (one pass over the record for up to four: the found/not-found
// answer must be exactly a plain substring search's, at every position, tail included). Records
// without a backslash or a byte above 0x7F can spell nothing another way: may_match is then true
// exactly when every clause has a literal written in the record.
TEST_CASE("raw prefilter: clauses of several literals against a plain search") {
  const std::vector<std::string> words = {"delete user", "add user", "Invite external user", "Success", "x", "ab", "user"};
  std::uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33);
  };
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  auto contains = [&](const std::string& hay, const std::string& needle, bool caseless) {
    return caseless ? lower(hay).find(lower(needle)) != std::string::npos : hay.find(needle) != std::string::npos;
  };
  int kept = 0, dropped = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    // One or two clauses of 1..5 literals.
    const std::size_t nclauses = 1 + next() % 2;
    std::vector<std::vector<std::pair<std::string, bool>>> clauses;
    RawPrefilter p;
    for (std::size_t c = 0; c < nclauses; ++c) {
      const std::size_t nlits = 1 + next() % 5;
      std::vector<std::string> lits;
      const bool caseless = next() % 2;
      for (std::size_t l = 0; l < nlits; ++l) lits.push_back(words[next() % words.size()]);
      RawPrefilter one_clause = RawPrefilter::any_of(lits, caseless);
      REQUIRE(one_clause.clauses.size() == 1);
      p = RawPrefilter::and_(std::move(p), one_clause);
      std::vector<std::pair<std::string, bool>> cl;
      for (auto& l : lits) cl.emplace_back(l, caseless);
      clauses.push_back(cl);
    }
    // A record of 0..150 filler bytes with 0..2 words put in at random places, in random case.
    std::string rec;
    const std::size_t len = next() % 150;
    for (std::size_t i = 0; i < len; ++i) rec += "abcdeilnorstuvx {}\":,"[next() % 21];
    for (std::size_t w = next() % 3; w > 0; --w) {
      std::string word = words[next() % words.size()];
      if (next() % 2)
        for (auto& ch : word) ch = static_cast<char>(next() % 2 ? std::toupper(static_cast<unsigned char>(ch)) : ch);
      rec.insert(next() % (rec.size() + 1), word);
    }
    // Anchors chosen from a sample (half the time): the answer stays the same whichever they are.
    if (iter % 2) p.tune(rec + words[next() % words.size()] + rec);
    bool expect = true;
    for (auto& cl : clauses) {
      bool any = false;
      for (auto& [lit, caseless] : cl) any = any || contains(rec, lit, caseless);
      expect = expect && any;
    }
    CAPTURE(rec);
    CHECK(p.may_match(rec) == expect);
    (expect ? kept : dropped)++;
    // The same record with an escape that may spell any letter (\u followed by no hex digits), at
    // any place: kept.
    std::string esc = rec;
    esc.insert(next() % (esc.size() + 1), "\\u00zz");
    CHECK(p.may_match(esc));
  }
  CHECK(kept > 500);
  CHECK(dropped > 500);
}

// tune() moves a literal's anchors to the pair of bytes found together least often in a sample of
// the data; the records it keeps are the same.
TEST_CASE("raw prefilter: anchors tuned to a sample of the data") {
  RawPrefilter p = RawPrefilter::literal("delete user", true);
  const RawLiteral before = p.clauses[0][0];
  // A sample where the default pair (the first and last bytes, 'd' and 'r', ten apart) is everywhere.
  std::string sample;
  for (int i = 0; i < 500; ++i) sample += R"({"d":"d123456789r","x":"drive recorder"})" "\n";
  p.tune(sample);
  const RawLiteral& after = p.clauses[0][0];
  CHECK(before.anchor1 == 0);
  CHECK(before.anchor2 == 10);
  CHECK_FALSE((after.anchor1 == 0 && after.anchor2 == 10));
  CHECK(after.text == before.text);
  for (const char* rec : {R"({"OperationName":"Delete user"})", R"({"OperationName":"DELETE USER"})", R"({"d":"d123456789r"})",
                          R"({"a":"\u0064elete user"})", "delete use", "xdelete userx"}) {
    CAPTURE(rec);
    CHECK(p.may_match(rec) == RawPrefilter::literal("delete user", true).may_match(rec));
  }
  // An empty sample or a literal of one byte: nothing changes.
  RawPrefilter q = RawPrefilter::literal("x", false);
  q.tune(sample);
  CHECK(q.clauses[0][0].anchor1 == 0);
  CHECK(q.clauses[0][0].anchor2 == 0);
}

// The one-pass clause scan notes only the escapes that may spell a character of a usable literal
// (RFC 8259 section 7: \u followed by four hex digits; \/), wherever they lie in the record: at
// each offset around its 32-byte blocks and at its last byte. \" \\ \n \t escapes spell nothing a
// usable literal holds, and a record holding only those is skipped.
TEST_CASE("raw prefilter: escapes at every offset of the record's blocks") {
  const RawPrefilter d = RawPrefilter::literal("Delete user", false);
  const RawPrefilter slash = RawPrefilter::literal("a/b", false);
  const RawPrefilter two = RawPrefilter::any_of({"Delete user", "Add user"}, false);
  for (std::size_t len : {40u, 64u, 65u, 96u, 130u}) {
    for (std::size_t at = 0; at + 2 <= len; ++at) {
      CAPTURE(len);
      CAPTURE(at);
      std::string base(len, 'x');
      // Escapes that spell nothing of the literals: skipped.
      for (const char* e : {"\\\"", "\\n", "\\t", "\\\\"}) {
        std::string r = base;
        r.replace(at, 2, e);
        CHECK_FALSE(d.may_match(r));
        CHECK_FALSE(two.may_match(r));
      }
      // A \u escape (of 'D', or not followed by four hex digits) may spell a letter: kept; \/ may
      // spell the '/' of "a/b" only.
      std::string u = base;
      u.replace(at, 2, "\\u");
      CHECK(d.may_match(u));
      CHECK(two.may_match(u));
      std::string s = base;
      s.replace(at, 2, "\\/");
      CHECK_FALSE(d.may_match(s));
      CHECK(slash.may_match(s));
    }
    // A backslash as the record's last byte escapes nothing: skipped; before a last 'u', kept.
    std::string end(len, 'x');
    end.back() = '\\';
    CHECK_FALSE(d.may_match(end));
    end += 'u';
    CHECK(d.may_match(end));
  }
}

// may_match_line finds each line's end in the same pass as the first clause's literals: over a
// buffer of many lines (CRLF and LF endings, escapes next to the newlines, literals at a line's
// end and at the next line's start, lines of 0 to 300 bytes and of lengths that put the newline at
// the first and the last byte of a 32-byte block, literals longer than a block, a first clause of
// several literals with a second clause, a time window), each line's length and verdict are those
// of splitting at the newline and asking may_match. The buffer ends where an unreadable page
// begins: a read past its end faults.
namespace {
class GuardedBuffer {
 public:
  explicit GuardedBuffer(std::string_view text) {
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    size_ = (text.size() + page - 1) / page * page + page;
    void* m = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(m != MAP_FAILED);
    base_ = static_cast<char*>(m);
    REQUIRE(::mprotect(base_ + size_ - page, page, PROT_NONE) == 0);
    data_ = base_ + size_ - page - text.size();
    std::memcpy(data_, text.data(), text.size());
  }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;
  ~GuardedBuffer() { ::munmap(base_, size_); }
  const char* data() const { return data_; }

 private:
  char* base_ = nullptr;
  char* data_ = nullptr;
  std::size_t size_ = 0;
};
}  // namespace

TEST_CASE("raw prefilter: a line's end found while its literals are looked for") {
  const std::string long_lit = "Invite external user to the tenant directory";  // 44 bytes
  const std::vector<std::string> words = {"delete user", "Add user", "Invite external user", "x", "ab", "\\u0044", "\\\"", "\\/",
                                          "\xc3\xa9", long_lit, R"("TimeGenerated":"2025-03-01T00:00:00Z")",
                                          R"("TimeGenerated":"2025-03-09T00:00:00Z")"};
  std::uint64_t state = 777;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33);
  };
  RawPrefilter windowed = RawPrefilter::literal("user", true);
  windowed.set_window(RawTimeWindow{"TimeGenerated", rulelab::parse_datetime("2025-02-28T00:00:00Z")->ticks,
                                    rulelab::parse_datetime("2025-03-02T00:00:00Z")->ticks});
  std::vector<RawPrefilter> filters = {
      RawPrefilter::literal("delete user", true), RawPrefilter::literal("Add user", false), RawPrefilter::literal("x", false),
      RawPrefilter::any_of({"Invite external user", "delete user", "ab"}, false),
      RawPrefilter::and_(RawPrefilter::literal("user", true), RawPrefilter::literal("Add", false)),
      RawPrefilter::any_of({"a", "b", "c", "d", "e"}, false),  // five literals: not the fused scan
      RawPrefilter::literal(long_lit, true), RawPrefilter::any_of({long_lit, "x"}, false),
      RawPrefilter::and_(RawPrefilter::any_of({"delete user", "Add user", "ab"}, true), RawPrefilter::any_of({"x", "\xc3\xa9"}, false)),
      windowed};
  const std::size_t block_lengths[] = {0, 1, 30, 31, 32, 33, 62, 63, 64, 65, 95, 96, 97};
  int lines = 0, kept = 0;
  for (int iter = 0; iter < 300; ++iter) {
    std::string text;
    const std::size_t nlines = 1 + next() % 12;
    for (std::size_t l = 0; l < nlines; ++l) {
      std::string line;
      const bool exact = iter % 2;  // a length that puts the newline at a block's first or last byte
      std::size_t len = exact ? block_lengths[next() % std::size(block_lengths)] : next() % 300;
      for (std::size_t i = 0; i < len; ++i) line += "abcdeilnorstuvx {}\":,"[next() % 21];
      for (std::size_t w = next() % 3; w > 0; --w) line.insert(next() % (line.size() + 1), words[next() % words.size()]);
      if (exact) line.resize(len, 'x');
      text += line;
      if (l + 1 < nlines || next() % 2) text += next() % 4 ? "\n" : "\r\n";
    }
    const GuardedBuffer buf(text);
    const char* const end = buf.data() + text.size();
    for (std::size_t f = 0; f < filters.size(); ++f) {
      if (iter % 3 == 0) filters[f].tune(text);
      std::size_t at = 0;
      for (const char* p = buf.data(); p < end;) {
        const std::size_t nl = text.find('\n', at);
        const std::size_t want = (nl == std::string::npos ? text.size() : nl) - at;
        std::string_view rec(p, want);
        if (!rec.empty() && rec.back() == '\r') rec.remove_suffix(1);
        std::size_t len = 12345;
        const bool may = filters[f].may_match_line(p, end, len);
        CAPTURE(f);
        CAPTURE(rec);
        CHECK(len == want);
        CHECK(may == filters[f].may_match(rec));
        ++lines;
        kept += may;
        p += want + (p + want < end ? 1 : 0);
        at += want + 1;
      }
    }
  }
  CHECK(lines > 5000);
  CHECK(kept > 1000);
  CHECK(lines - kept > 1000);
}
