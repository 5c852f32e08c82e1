// ES|QL full-text functions: KQL(query), MATCH(field, query[, options]) and the `field : query`
// operator. Elasticsearch pushes them down to Lucene: they are queries over the indexed document,
// not expressions over the page's columns. rulelab evaluates them the same way, on each row's
// source document (Page::origin) with the index's field model (elastic::IndexFields): KQL through
// rulelab's kuery engine (the query Kibana would build from the text, per field mapping type),
// MATCH as Elasticsearch's `match` query (text fields analyzed with the field's search analyzer,
// keyword fields one exact term after the normalizer, numbers/dates/IPs/booleans by value).
//
// Consequences, as in Elasticsearch: columns that EVAL, RENAME, DISSECT or GROK made are not seen
// by KQL() (it names index fields); after STATS or ROW rows are no longer documents, which is an
// error. Reference pages: "ES|QL full-text search functions" (KQL, MATCH, match operator) and
// "Match query" (operator, fuzziness: AUTO is 0 edits for terms of 1-2 characters, 1 for 3-5, 2
// above; transpositions count as one edit; prefix_length).
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/paths.hpp"
#include "elastic/analyzer.hpp"
#include "elastic/field_types.hpp"
#include "core/selection.hpp"
#include "esql/eval.hpp"
#include "kuery/ast.hpp"
#include "kuery/matcher.hpp"

namespace rulelab::esql {
namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The query argument: a constant (a literal, or a foldable expression over no column).
std::string constant_text(const Expr& a, EvalCtx& ctx, const std::string& fname) {
  Page one;
  one.origin = {-1};
  EvalCtx c1{one, ctx.warn, ctx.now_ms, ctx.query};
  Column v;
  try {
    v = eval(a, c1);
  } catch (const QueryError&) {
    throw QueryError("second argument of [" + fname + "] must be a constant, received [" + expr_text(a, ctx.query) + "]", a.begin);
  }
  if (v.cells.empty() || v.cells[0].size() != 1)
    throw QueryError("argument of [" + fname + "] cannot be null, received [" + expr_text(a, ctx.query) + "]", a.begin);
  return to_text(v.type, v.cells[0][0]);
}

// Where the text of a string literal starts (after `"` or `"""`), for positions inside it.
std::size_t literal_text_offset(const Expr& a, std::string_view q) {
  if (a.kind != ExprKind::Literal) return a.begin;
  if (q.substr(a.begin, 3) == "\"\"\"") return a.begin + 3;
  return a.begin + 1;
}

// Where character `at` of a string literal's value lies in the query text: an escape (\", \\,
// \n, \r, \t) is two characters there and one in the value; a triple-quoted string has none.
std::size_t literal_pos(const Expr& a, std::string_view q, std::size_t at) {
  const std::size_t start = literal_text_offset(a, q);
  if (a.kind != ExprKind::Literal || q.substr(a.begin, 3) == "\"\"\"") return start + at;
  std::size_t i = start;
  for (std::size_t d = 0; d < at && i < q.size(); ++d) i += q[i] == '\\' ? 2 : 1;
  return i;
}

void need_source_rows(const Expr& e, const EvalCtx& ctx, const std::string& fname) {
  const char* kind = fname == ":" ? "operator" : "function";  // (the match operator is named so)
  if (ctx.not_source && std::string_view(ctx.not_source) == "FORK")  // (Elasticsearch's verifier: use it in the branches)
    throw QueryError("[" + fname + "] " + kind + " cannot be used after FORK", e.begin);
  if (ctx.not_source)
    throw QueryError("[" + fname + "] " + kind + " cannot be used after " + ctx.not_source +
                         ": it is a query on the index's documents, and rows after " + ctx.not_source + " are not documents",
                     e.begin);
  if (!ctx.indices) throw QueryError("[" + fname + "] function is only allowed in WHERE and STATS commands", e.begin);
}

// One index's fields (mapping + the documents' dynamic fields) and what was compiled against them.
struct IndexState {
  std::shared_ptr<const elastic::FieldTypes> types;
  std::unique_ptr<elastic::IndexFields> fields;
  std::optional<kuery::CompiledQuery> query;
  elastic::ResolvedField field;  // MATCH: the field
};

const Index& row_index(const EvalCtx& ctx, std::int64_t origin, const Expr& e, const std::string& fname) {
  if (origin < 0) throw QueryError("[" + fname + "] function needs rows that are documents of an index (FROM)", e.begin);
  std::size_t k = static_cast<std::size_t>(origin >> 32);
  if (k >= ctx.indices->size()) throw QueryError("[" + fname + "] function: row of an unknown index", e.begin);
  return *(*ctx.indices)[k];
}

IndexState& state_for(std::map<std::size_t, IndexState>& cache, std::size_t k, const Index& idx) {
  IndexState& st = cache[k];
  if (!st.fields) {
    // No field model given: every field dynamic.
    st.types = idx.types ? idx.types : std::make_shared<const elastic::FieldTypes>();
    st.fields = std::make_unique<elastic::IndexFields>(*st.types, idx.name);
    for (const auto& d : idx.sources) st.fields->observe(d.ref());
  }
  return st;
}

DateTime now_of(const EvalCtx& ctx) { return DateTime{ctx.now_ms * 10000}; }

// The page's rows with the source document each comes from: f(r, index, key, row, state) in
// row order (row within index `key`; the state made once per index), into a boolean column.
template <class F>
Column over_source_rows(const Expr& e, EvalCtx& ctx, const std::string& fname, std::map<std::size_t, IndexState>& cache, F&& f) {
  need_source_rows(e, ctx, fname);
  const std::size_t n = ctx.page.rows();
  Column out;
  out.type = Type::Boolean;
  out.cells.resize(n);
  for (std::size_t r = 0; r < n; ++r) {
    const Index& idx = row_index(ctx, ctx.page.origin[r], e, fname);
    const std::size_t k = static_cast<std::size_t>(ctx.page.origin[r] >> 32);
    const std::size_t row = static_cast<std::size_t>(ctx.page.origin[r] & 0xffffffff);
    out.cells[r] = {Scalar::of_int(f(r, idx, k, row, state_for(cache, k, idx)) != e.negated)};
  }
  return out;
}

// The full-text functions' loop: one boolean per row of the page, `matches(index, key, row,
// state)` for the source document the row comes from (false when the row is past the index's
// documents), negated for NOT.
template <class Matches>
Column per_source_row(const Expr& e, EvalCtx& ctx, const std::string& fname, Matches&& matches) {
  std::map<std::size_t, IndexState> cache;
  return over_source_rows(e, ctx, fname, cache, [&](std::size_t, const Index& idx, std::size_t k, std::size_t row, IndexState& st) {
    return matches(idx, k, row, st);
  });
}

// per_source_row for a query compiled once per index (prepare(index, state) sets state.query,
// or throws its error, at the index's first row as per_source_row would): each index's rows of the
// page are then evaluated together, clause by clause (kuery::CompiledQuery::select).
template <class Prepare>
Column per_source_query(const Expr& e, EvalCtx& ctx, const std::string& fname, Prepare&& prepare) {
  std::map<std::size_t, IndexState> cache;
  struct Rows {
    IndexState* state = nullptr;
    std::vector<std::size_t> rows;  // of the page
    std::vector<DynRef> docs;
  };
  std::map<std::size_t, Rows> by_index;
  Column out = over_source_rows(e, ctx, fname, cache, [&](std::size_t r, const Index& idx, std::size_t k, std::size_t row, IndexState& st) {
    prepare(idx, st);
    if (row < idx.sources.size()) {
      Rows& g = by_index[k];
      g.state = &st;
      g.rows.push_back(r);
      g.docs.push_back(idx.sources[row].ref());
    }
    return false;  // (no match, unless selected below)
  });
  for (auto& [k, g] : by_index) {
    SelectionVector sel = selection_all(g.docs.size());
    g.state->query->select(g.docs, sel);
    for (const std::uint32_t s : sel) out.cells[g.rows[s]] = {Scalar::of_int(!e.negated)};
  }
  return out;
}

// ---- fuzzy terms -------------------------------------------------------------------------------

std::u32string code_points(std::string_view s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (int k = 1; k < len && i + static_cast<std::size_t>(k) < s.size(); ++k) cp = cp << 6 | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3f);
    out.push_back(cp);
    i += static_cast<std::size_t>(len);
  }
  return out;
}

// Edit distance over code points; with transpositions, a swap of two adjacent characters is one
// edit (Lucene's FuzzyQuery, transpositions=true by default).
std::size_t edit_distance(const std::u32string& a, const std::u32string& b, bool transpositions) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (transpositions && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

struct Fuzzy {
  bool set = false;
  bool automatic = false;  // AUTO (low 3, high 6)
  std::size_t low = 3, high = 6;
  std::size_t edits = 0;
  std::size_t prefix_length = 0;
  bool transpositions = true;
  std::size_t max_edits(std::size_t term_len) const {
    if (!automatic) return std::min<std::size_t>(edits, 2);
    return term_len < low ? 0 : term_len < high ? 1 : 2;
  }
  bool matches(const std::string& indexed, const std::string& term) const {
    if (indexed == term) return true;
    std::u32string a = code_points(indexed), b = code_points(term);
    std::size_t k = max_edits(b.size());
    if (k == 0) return false;
    std::size_t p = std::min(prefix_length, b.size());
    if (a.size() < p || a.compare(0, p, b, 0, p) != 0) return false;
    return edit_distance(a, b, transpositions) <= k;
  }
};

struct MatchOptions {
  bool and_op = false;
  Fuzzy fuzzy;
  std::string minimum_should_match;
  // How many of the query's terms must match: `minimum_should_match` as a count or a percentage
  // of them (Elasticsearch's "minimum_should_match parameter": a negative value counts from the
  // number of terms; a percentage is rounded down).
  std::size_t needed(std::size_t terms) const {
    if (and_op) return terms;
    if (minimum_should_match.empty()) return 1;
    std::string m = minimum_should_match;
    bool pct = !m.empty() && m.back() == '%';
    if (pct) m.pop_back();
    long v = 0;
    try {
      v = std::stol(m);
    } catch (...) {
      return 1;
    }
    long t = static_cast<long>(terms);
    long k = pct ? t * std::labs(v) / 100 : std::labs(v);
    long need = v < 0 ? t - k : k;
    return static_cast<std::size_t>(std::clamp(need, 1L, std::max(1L, t)));
  }
};

MatchOptions read_options(const Expr& e, const EvalCtx& ctx) {
  MatchOptions o;
  if (e.args.size() < 3) return o;
  const Expr& m = *e.args[2];
  if (m.kind != ExprKind::Map) throw QueryError("third argument of [" + expr_text(e, ctx.query) + "] must be a map of options", m.begin);
  for (const auto& [key, cell] : m.options) {
    std::string v = cell.empty() ? "" : !cell[0].s.empty() ? cell[0].s : std::to_string(cell[0].i);
    if (key == "operator") {
      std::string u = upper(v);
      if (u != "AND" && u != "OR") throw QueryError("Invalid option [operator] in [" + expr_text(e, ctx.query) + "], expected one of [OR, AND]", m.begin);
      o.and_op = u == "AND";
    } else if (key == "fuzziness") {
      o.fuzzy.set = true;
      std::string u = upper(v);
      if (u.rfind("AUTO", 0) == 0) {
        o.fuzzy.automatic = true;
        if (u.size() > 4) {  // AUTO:low,high
          auto comma = u.find(',');
          if (u[4] != ':' || comma == std::string::npos) throw QueryError("Invalid fuzziness [" + v + "]", m.begin);
          o.fuzzy.low = std::stoul(u.substr(5, comma - 5));
          o.fuzzy.high = std::stoul(u.substr(comma + 1));
        }
      } else {
        try {
          o.fuzzy.edits = std::stoul(v);
        } catch (...) {
          throw QueryError("Invalid fuzziness [" + v + "]", m.begin);
        }
      }
    } else if (key == "prefix_length") {
      o.fuzzy.prefix_length = static_cast<std::size_t>(cell.empty() ? 0 : cell[0].i);
    } else if (key == "fuzzy_transpositions") {
      o.fuzzy.transpositions = cell.empty() || cell[0].i != 0;
    } else if (key == "max_expansions" || key == "boost" || key == "lenient" || key == "auto_generate_synonyms_phrase_query") {
      // max_expansions caps how many index terms a fuzzy term expands to (the closest first):
      // rulelab matches every term within the edit distance. boost only changes scores.
    } else {
      throw QueryError("option [" + key + "] of MATCH is not supported by rulelab", m.begin, true);
    }
  }
  return o;
}

// A value of a keyword or text field against the query, with fuzziness (the one case the kuery
// engine's `match` does not cover).
bool fuzzy_field_match(DynRef doc, const elastic::ResolvedField& f, const std::string& query, const MatchOptions& o) {
  const auto& m = f.mapping;
  if (elastic::is_keyword_like(m.type)) {
    std::string term = m.normalize(query);
    bool hit = false;
    for_each_value_at(doc, f.source_path, [&](DynRef v) {
      if (hit) return;
      auto s = kuery::keyword_text(v);
      if (!s || (m.ignore_above >= 0 && static_cast<std::int64_t>(elastic::java_length(*s)) > m.ignore_above)) return;
      hit = o.fuzzy.matches(m.normalize(*s), term);
    });
    return hit;
  }
  std::vector<std::string> qt = m.query_tokens(query);
  if (qt.empty()) return false;
  std::vector<bool> found(qt.size(), false);
  for_each_value_at(doc, f.source_path, [&](DynRef v) {
    auto s = kuery::keyword_text(v);
    if (!s) return;
    for (const auto& tok : m.index_tokens(*s))
      for (std::size_t i = 0; i < qt.size(); ++i)
        if (!found[i] && o.fuzzy.matches(tok, qt[i])) found[i] = true;
  });
  std::size_t n = static_cast<std::size_t>(std::count(found.begin(), found.end(), true));
  return n >= o.needed(qt.size());
}

}  // namespace

Column eval_kql(const Expr& e, EvalCtx& ctx) {
  if (e.args.size() != 1) throw QueryError("function [kql] takes one argument, the query", e.begin);
  std::string text = constant_text(*e.args[0], ctx, "KQL");
  auto parsed = kuery::parse_kuery(text);
  if (!parsed.query) throw QueryError("Invalid KQL query: " + parsed.failure->message, literal_pos(*e.args[0], ctx.query, parsed.failure->offset));
  return per_source_query(e, ctx, "KQL", [&](const Index& idx, IndexState& st) {
    if (st.query) return;
    st.query.emplace(kuery::CompiledQuery::compile(*parsed.query->root, *st.fields, now_of(ctx)));
    if (!st.query->errors().empty()) {
      const auto& err = st.query->errors().front();
      throw QueryError("KQL query rejected by Elasticsearch over index [" + idx.name + "]: " + err.message,
                       literal_pos(*e.args[0], ctx.query, err.range.begin));
    }
  });
}

// MATCH_PHRASE's options: slop 0 (the tokens adjacent, in order) and zero_terms_query none are
// what rulelab evaluates (Elasticsearch's match_phrase query); boost only changes scores.
void read_phrase_options(const Expr& e, const EvalCtx& ctx) {
  if (e.args.size() < 3) return;
  const Expr& m = *e.args[2];
  if (m.kind != ExprKind::Map) throw QueryError("third argument of [" + expr_text(e, ctx.query) + "] must be a map of options", m.begin);
  for (const auto& [key, cell] : m.options) {
    const std::string v = cell.empty() ? "" : !cell[0].s.empty() ? cell[0].s : std::to_string(cell[0].i);
    if (key == "boost") continue;
    if (key == "slop" && v == "0") continue;
    if (key == "zero_terms_query" && upper(v) == "NONE") continue;
    if (key == "slop" || key == "zero_terms_query" || key == "analyzer")
      throw QueryError("option [" + key + "] = " + v + " of MATCH_PHRASE is not supported by rulelab (slop 0, zero_terms_query none and the field's analyzer are)",
                       m.begin, true);
    throw QueryError("Invalid option [" + key + "] in [" + expr_text(e, ctx.query) + "], expected one of [analyzer, boost, slop, zero_terms_query]", m.begin);
  }
}

Column eval_match(const Expr& e, EvalCtx& ctx) {
  const bool op = e.kind == ExprKind::Match;
  const bool phrase = !op && e.name == "match_phrase";
  const std::string fname = op ? ":" : phrase ? "MATCH_PHRASE" : "MATCH";
  if (!op && (e.args.size() < 2 || e.args.size() > 3))
    throw QueryError(std::string("function [") + (phrase ? "match_phrase" : "match") + "] takes 2 or 3 arguments", e.begin);
  const Expr* f = e.args[0].get();
  if (f->kind == ExprKind::Cast && f->args.size() == 1) f = f->args[0].get();  // match(f::STRING, q): the field itself
  if (f->kind != ExprKind::Field)
    throw QueryError("[" + fname + "] cannot operate on [" + expr_text(*e.args[0], ctx.query) +
                         "], which is not a field from an index mapping",
                     e.args[0]->begin);
  if (ctx.page.find(f->name) < 0) throw QueryError("Unknown column [" + f->name + "]", f->begin);
  std::string query = constant_text(*e.args[1], ctx, fname);
  MatchOptions o;
  if (phrase) read_phrase_options(e, ctx);
  else o = read_options(e, ctx);
  if (!o.fuzzy.set)  // the match or match_phrase query, a batch at a time
    return per_source_query(e, ctx, fname, [&](const Index& idx, IndexState& st) {
      if (st.query) return;
      nlohmann::json body = {{"query", query}};
      if (!phrase) body["operator"] = o.and_op ? "and" : "or";
      nlohmann::json dsl = {{phrase ? "match_phrase" : "match", {{f->name, body}}}};
      st.query.emplace(kuery::CompiledQuery::compile_dsl(dsl, *st.fields, now_of(ctx)));
      if (!st.query->errors().empty())
        throw QueryError("[" + fname + "] query rejected by Elasticsearch over index [" + idx.name + "]: " + st.query->errors().front().message,
                         e.args[1]->begin);
    });
  return per_source_row(e, ctx, fname, [&](const Index& idx, std::size_t, std::size_t row, IndexState& st) {
    if (st.field.name.empty()) {
      st.field = st.fields->resolve(f->name);
      if (!elastic::is_keyword_like(st.field.mapping.type) && !elastic::is_text_like(st.field.mapping.type))
        throw QueryError("[" + fname + "] fuzziness on a field of type [" + st.field.mapping.type_name + "] is not supported by rulelab", e.begin, true);
    }
    if (row >= idx.sources.size()) return false;
    return fuzzy_field_match(idx.sources[row].ref(), st.field, query, o);
  });
}


// ---- QSTR: Lucene's query-string syntax ------------------------------------------------------
// Elasticsearch's query_string query ("Query string query" reference page, "Query string
// syntax"): Lucene's classic query parser. A query is a list of clauses; each clause may be
// introduced by AND / && / OR / || and by a modifier + (required), - / NOT / ! (prohibited).
// Lucene turns the list into one boolean query the way its parser does (QueryParserBase.addClause):
// AND makes the clause before it and the clause after it required; with the default operator OR
// an unmarked clause is optional, with AND it is required unless introduced by OR. Optional clauses
// beside a required one do not restrict the result; a list of prohibited clauses only matches
// what none of them matches (Elasticsearch adds match_all to a purely negative query).
//
// Clauses: field:value, field:(group), (group), "phrase", wildcard terms (* and ?), ranges
// [a TO b], {a TO b} (mixed brackets, * for an open end), field:>=v / >v / <v / <=v, _exists_:f,
// field names with wildcards, *:* and field:* (exists). Boosts (^n) change scores only and are
// accepted. Refused with a positioned "unsupported" error: regular expressions /.../, fuzzy
// terms and phrase proximity (~).
namespace {

struct QClause;

struct QNode {
  enum class Kind { Bool, Term, Phrase, Wildcard, Range, Exists, All };
  enum class Occur { Must, Should, MustNot };
  Kind kind = Kind::Bool;
  std::string field;  // empty: the default fields
  std::string text;   // Term: unescaped; Wildcard: pattern with `\` escapes; Phrase: the words
  std::string lo, hi;  // Range; empty = open
  bool lo_incl = true, hi_incl = true;
  std::vector<QClause> clauses;  // Bool
};

// A clause of a Bool node: how it occurs, and its query. (Not a std::pair: a pair's member of the
// type being defined is refused by clang with libstdc++.)
struct QClause {
  QClause(QNode::Occur o, QNode q) : first(o), second(std::move(q)) {}
  QNode::Occur first;
  QNode second;
};

class QstrParser {
 public:
  // pos(i): where character i of the query string lies in the ES|QL query text (literal_pos).
  QstrParser(std::string_view s, std::function<std::size_t(std::size_t)> pos, bool default_and)
      : s_(s), pos_(std::move(pos)), default_and_(default_and) {}
  QNode parse() {
    QNode q = query(std::string(), 0);
    skip_ws();
    if (i_ < s_.size()) fail("Cannot parse [" + std::string(s_) + "]: unexpected [" + std::string(1, s_[i_]) + "]", i_);
    return q;
  }

 private:
  enum class Conj { None, And, Or };
  enum class Mod { None, Req, Not };
  std::string_view s_;
  std::size_t i_ = 0;
  std::function<std::size_t(std::size_t)> pos_;
  bool default_and_;

  [[noreturn]] void fail(const std::string& m, std::size_t at, bool unsupported = false) const {
    throw QueryError("[QSTR] " + m, pos_(at), unsupported);
  }
  void skip_ws() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool word_is(std::string_view w) const {
    if (s_.substr(i_, w.size()) != w) return false;
    std::size_t e = i_ + w.size();
    return e >= s_.size() || std::isspace(static_cast<unsigned char>(s_[e])) || s_[e] == '(' || s_[e] == ')';
  }
  static bool term_stop(char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' ||
           c == ':' || c == '^' || c == '~' || c == '"';
  }

  QNode query(const std::string& field, int depth) {
    if (depth > 64) fail("query nested too deeply", i_);
    QNode b;
    b.kind = QNode::Kind::Bool;
    bool first = true;
    while (true) {
      skip_ws();
      if (i_ >= s_.size() || s_[i_] == ')') break;
      Conj conj = Conj::None;
      if (!first) {
        if (word_is("AND") || s_.substr(i_, 2) == "&&") {
          conj = Conj::And;
          i_ += s_[i_] == '&' ? 2 : 3;
        } else if (word_is("OR") || s_.substr(i_, 2) == "||") {
          conj = Conj::Or;
          i_ += 2;
        }
        skip_ws();
      }
      Mod mod = Mod::None;
      if (i_ < s_.size() && s_[i_] == '+') {
        mod = Mod::Req;
        ++i_;
      } else if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '!')) {
        mod = Mod::Not;
        ++i_;
      } else if (word_is("NOT")) {
        mod = Mod::Not;
        i_ += 3;
      }
      skip_ws();
      if (i_ >= s_.size() || s_[i_] == ')') fail("Cannot parse [" + std::string(s_) + "]: a clause expected after an operator", i_);
      if (conj == Conj::None && mod == Mod::None) {
        // Lucene's parser (split_on_whitespace false, as Elasticsearch sets it) hands a run of two
        // or more plain terms to the field's analyzer as one text: `job_positions:(Tech Lead)`
        // is the one keyword term "Tech Lead", on a text field the words of the run.
        std::size_t save = i_;
        std::vector<std::string> run;
        while (true) {
          std::size_t at = i_;
          skip_ws();
          std::string raw, t;
          if (i_ < s_.size() && !term_stop(s_[i_]) && s_[i_] != '/' && s_[i_] != '+' && s_[i_] != '-' && s_[i_] != '!' &&
              s_[i_] != '>' && s_[i_] != '<' && !word_is("AND") && !word_is("OR") && !word_is("NOT") && s_.substr(i_, 2) != "&&" &&
              s_.substr(i_, 2) != "||")
            t = read_term(raw);
          bool plain = !t.empty() && raw.find_first_of("*?") == std::string::npos &&
                       (i_ >= s_.size() || std::isspace(static_cast<unsigned char>(s_[i_])) || s_[i_] == ')');
          if (!plain) {
            i_ = at;
            break;
          }
          run.push_back(t);
        }
        if (run.size() >= 2) {
          QNode q;
          q.kind = QNode::Kind::Term;
          q.field = field;
          for (const auto& w : run) q.text += (q.text.empty() ? "" : " ") + w;
          add_clause(b, Conj::None, Mod::None, std::move(q));
          first = false;
          continue;
        }
        i_ = save;
      }
      QNode c = clause(field, depth);
      add_clause(b, conj, mod, std::move(c));
      first = false;
    }
    if (b.clauses.size() == 1 && b.clauses[0].first != QNode::Occur::MustNot) return std::move(b.clauses[0].second);
    return b;
  }

  void add_clause(QNode& b, Conj conj, Mod mod, QNode q) {
    auto& cl = b.clauses;
    if (!cl.empty() && conj == Conj::And && cl.back().first != QNode::Occur::MustNot) cl.back().first = QNode::Occur::Must;
    if (!cl.empty() && default_and_ && conj == Conj::Or && cl.back().first != QNode::Occur::MustNot) cl.back().first = QNode::Occur::Should;
    bool required, prohibited = mod == Mod::Not;
    if (!default_and_) required = mod == Mod::Req || (conj == Conj::And && !prohibited);
    else required = !prohibited && conj != Conj::Or;
    QNode::Occur o = required ? QNode::Occur::Must : prohibited ? QNode::Occur::MustNot : QNode::Occur::Should;
    cl.emplace_back(o, std::move(q));
  }

  // A term's text up to a stop character; `\` escapes the next character (kept in `raw`).
  std::string read_term(std::string& raw) {
    std::string out;
    while (i_ < s_.size() && !term_stop(s_[i_])) {
      if (s_[i_] == '\\') {
        if (i_ + 1 >= s_.size()) fail("Cannot parse [" + std::string(s_) + "]: a lone backslash at the end", i_);
        raw += s_.substr(i_, 2);
        out += s_[i_ + 1];
        i_ += 2;
        continue;
      }
      raw += s_[i_];
      out += s_[i_++];
    }
    return out;
  }

  void suffixes(bool phrase) {
    while (i_ < s_.size() && (s_[i_] == '~' || s_[i_] == '^')) {
      std::size_t at = i_;
      char c = s_[i_++];
      while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.')) ++i_;
      if (c == '~')
        fail(phrase ? "phrase proximity (\"...\"~N) is not supported by rulelab" : "fuzzy terms (term~N) are not supported by rulelab", at, true);
    }
  }

  QNode clause(const std::string& field_in, int depth) {
    std::string field = field_in;
    // field: prefix
    std::size_t save = i_;
    if (i_ < s_.size() && !term_stop(s_[i_]) && s_[i_] != '/') {
      std::string raw;
      std::string name = read_term(raw);
      if (i_ < s_.size() && s_[i_] == ':' && !name.empty()) {
        ++i_;
        if (name == "_exists_") {
          skip_ws();
          std::string r2;
          std::string f = read_term(r2);
          if (f.empty()) fail("Cannot parse [" + std::string(s_) + "]: a field name expected after _exists_:", i_);
          QNode q;
          q.kind = QNode::Kind::Exists;
          q.field = f;
          suffixes(false);
          return q;
        }
        field = name;
        skip_ws();
      } else i_ = save;
    }
    if (i_ >= s_.size()) fail("Cannot parse [" + std::string(s_) + "]: a value expected", i_);
    char c = s_[i_];
    if (c == '(') {
      ++i_;
      QNode q = query(field, depth + 1);
      if (i_ >= s_.size() || s_[i_] != ')') fail("Cannot parse [" + std::string(s_) + "]: missing [)]", i_);
      ++i_;
      suffixes(false);
      return q;
    }
    if (c == '/') fail("regular expressions (/.../) are not supported by rulelab", i_, true);
    if (c == '"') {
      QNode q;
      q.kind = QNode::Kind::Phrase;
      q.field = field;
      q.text = quoted();
      suffixes(true);
      return q;
    }
    if (c == '[' || c == '{') return range(field);
    if (c == '>' || c == '<') {
      QNode q;
      q.kind = QNode::Kind::Range;
      q.field = field;
      bool gt = c == '>';
      ++i_;
      bool eq = i_ < s_.size() && s_[i_] == '=';
      if (eq) ++i_;
      std::string raw;
      std::string v = i_ < s_.size() && s_[i_] == '"' ? quoted() : read_term(raw);
      if (v.empty()) fail("Cannot parse [" + std::string(s_) + "]: a value expected after the comparison", i_);
      (gt ? q.lo : q.hi) = v;
      (gt ? q.lo_incl : q.hi_incl) = eq;
      suffixes(false);
      return q;
    }
    std::size_t at = i_;
    std::string raw;
    std::string t = read_term(raw);
    if (t.empty()) fail("Cannot parse [" + std::string(s_) + "]: unexpected [" + std::string(1, s_[i_]) + "]", i_);
    suffixes(false);
    QNode q;
    q.field = field;
    bool wild = false;
    for (std::size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] == '\\') {
        ++k;
        continue;
      }
      if (raw[k] == '*' || raw[k] == '?') wild = true;
    }
    if (raw == "*") {
      q.kind = field.empty() || field == "*" ? QNode::Kind::All : QNode::Kind::Exists;
      return q;
    }
    (void)at;
    q.kind = wild ? QNode::Kind::Wildcard : QNode::Kind::Term;
    q.text = wild ? raw : t;
    return q;
  }

  std::string quoted() {
    std::size_t at = i_++;
    std::string t;
    while (i_ < s_.size() && s_[i_] != '"') {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
      t += s_[i_++];
    }
    if (i_ >= s_.size()) fail("Cannot parse [" + std::string(s_) + "]: unterminated phrase", at);
    ++i_;
    return t;
  }

  QNode range(const std::string& field) {
    QNode q;
    q.kind = QNode::Kind::Range;
    q.field = field;
    std::size_t at = i_;
    q.lo_incl = s_[i_++] == '[';
    auto bound = [&]() {
      skip_ws();
      if (i_ < s_.size() && s_[i_] == '"') return quoted();
      std::string v;
      while (i_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[i_])) && s_[i_] != ']' && s_[i_] != '}') {
        if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
        v += s_[i_++];
      }
      return v;
    };
    q.lo = bound();
    skip_ws();
    if (s_.substr(i_, 2) != "TO") fail("Cannot parse [" + std::string(s_) + "]: a range needs [lower TO upper]", at);
    i_ += 2;
    q.hi = bound();
    skip_ws();
    if (i_ >= s_.size() || (s_[i_] != ']' && s_[i_] != '}')) fail("Cannot parse [" + std::string(s_) + "]: unterminated range", at);
    q.hi_incl = s_[i_++] == ']';
    if (q.lo == "*") q.lo.clear();
    if (q.hi == "*") q.hi.clear();
    suffixes(false);
    return q;
  }
};

struct QstrOptions {
  std::vector<std::string> default_fields{"*"};
  bool default_and = false;
  bool allow_leading_wildcard = true;
};

QstrOptions read_qstr_options(const Expr& e, const EvalCtx& ctx) {
  QstrOptions o;
  if (e.args.size() < 2) return o;
  const Expr& m = *e.args[1];
  if (m.kind != ExprKind::Map) throw QueryError("second argument of [" + expr_text(e, ctx.query) + "] must be a map of options", m.begin);
  for (const auto& [key, cell] : m.options) {
    std::string v = cell.empty() ? "" : !cell[0].s.empty() ? cell[0].s : std::to_string(cell[0].i);
    if (key == "default_field") {
      o.default_fields = {v};
    } else if (key == "fields") {
      o.default_fields.clear();
      for (const auto& x : cell) o.default_fields.push_back(x.s);
    } else if (key == "default_operator") {
      std::string u = upper(v);
      if (u != "AND" && u != "OR") throw QueryError("Invalid option [default_operator] in [" + expr_text(e, ctx.query) + "], expected one of [OR, AND]", m.begin);
      o.default_and = u == "AND";
    } else if (key == "allow_leading_wildcard") {
      o.allow_leading_wildcard = cell.empty() || cell[0].i != 0;
    } else if (key == "phrase_slop" && (v == "0" || v.empty())) {
    } else if (key == "time_zone" && (upper(v) == "UTC" || v == "Z" || v == "+00:00")) {
    } else if (key == "boost" || key == "lenient" || key == "analyze_wildcard" || key == "auto_generate_synonyms_phrase_query" ||
               key == "enable_position_increments" || key == "max_determinized_states" || key == "rewrite" || key == "fuzziness" ||
               key == "fuzzy_max_expansions" || key == "fuzzy_prefix_length" || key == "fuzzy_transpositions" || key == "fuzzy_rewrite") {
      // Scores, or fuzzy terms (which rulelab refuses in the query itself): no effect on which
      // documents match here.
    } else {
      throw QueryError("option [" + key + "] of QSTR is not supported by rulelab", m.begin, true);
    }
  }
  return o;
}

// The fields a clause searches: its own (wildcards expanded) or the default ones. Expanded from a
// wildcard, a field whose type cannot hold the value is left out (Elasticsearch is lenient
// there): text and keyword fields always, numbers for numbers, booleans for true/false, IPs for
// IP addresses; dates only when named.
std::vector<std::string> clause_fields(const QNode& q, const QstrOptions& o, const elastic::IndexFields& f) {
  std::vector<std::string> names = q.field.empty() ? o.default_fields : std::vector<std::string>{q.field};
  std::vector<std::string> out;
  for (const auto& n : names) {
    if (n.find('*') == std::string::npos) {
      out.push_back(n);
      continue;
    }
    for (const auto& x : f.expand(n)) {
      if (!x.empty() && x[0] == '_') continue;
      elastic::FieldType t = f.resolve(x).mapping.type;
      bool ok = elastic::is_text_like(t) || elastic::is_keyword_like(t);
      if (!ok && q.kind != QNode::Kind::Exists) {
        const std::string& v = q.kind == QNode::Kind::Range ? (q.lo.empty() ? q.hi : q.lo) : q.text;
        if (elastic::is_numeric(t)) {
          char* end = nullptr;
          std::strtod(v.c_str(), &end);
          ok = !v.empty() && end && *end == '\0';
        } else if (t == elastic::FieldType::Boolean) ok = v == "true" || v == "false";
        else if (t == elastic::FieldType::Ip) ok = parse_ip(v).has_value() || v.find('/') != std::string::npos;
      }
      if (q.kind == QNode::Kind::Exists || ok) out.push_back(x);
    }
  }
  return out;
}

nlohmann::json to_dsl(const QNode& q, const QstrOptions& o, const elastic::IndexFields& f) {
  using json = nlohmann::json;
  if (q.kind == QNode::Kind::All) return json{{"match_all", json::object()}};
  if (q.kind == QNode::Kind::Bool) {
    json must = json::array(), should = json::array(), must_not = json::array();
    for (const auto& [occ, c] : q.clauses)
      (occ == QNode::Occur::Must ? must : occ == QNode::Occur::Should ? should : must_not).push_back(to_dsl(c, o, f));
    return json{{"bool", {{"must", must}, {"should", should}, {"must_not", must_not}}}};
  }
  json per = json::array();
  for (const auto& name : clause_fields(q, o, f)) {
    switch (q.kind) {
      case QNode::Kind::Term:
        per.push_back(json{{"match", {{name, {{"query", q.text}, {"operator", o.default_and ? "and" : "or"}}}}}});
        break;
      case QNode::Kind::Phrase: per.push_back(json{{"match_phrase", {{name, {{"query", q.text}}}}}}); break;
      case QNode::Kind::Wildcard: {
        elastic::FieldType t = f.resolve(name).mapping.type;
        // Wildcard terms are not analyzed, only normalized: lowercased for a text field whose
        // analyzer lowercases, a keyword field's normalizer.
        const auto rf = f.resolve(name);
        std::string pat = q.text;
        if (elastic::is_text_like(t) && rf.mapping.lowercases_terms()) pat = elastic::lowercase(pat);
        else if (elastic::is_keyword_like(t)) pat = rf.mapping.normalize(pat);
        if (elastic::is_text_like(t) || elastic::is_keyword_like(t) || rf.origin == elastic::MappingOrigin::Unmapped)
          per.push_back(json{{"wildcard", {{name, {{"value", pat}}}}}});
        break;
      }
      case QNode::Kind::Range: {
        json r = json::object();
        if (!q.lo.empty()) r[q.lo_incl ? "gte" : "gt"] = q.lo;
        if (!q.hi.empty()) r[q.hi_incl ? "lte" : "lt"] = q.hi;
        if (r.empty()) per.push_back(json{{"exists", {{"field", name}}}});
        else per.push_back(json{{"range", {{name, r}}}});
        break;
      }
      case QNode::Kind::Exists: per.push_back(json{{"exists", {{"field", name}}}}); break;
      default: break;
    }
  }
  if (per.size() == 1) return per[0];
  return json{{"bool", {{"should", per}}}};  // no field: matches nothing
}

void check_leading_wildcards(const QNode& q, const QstrOptions& o, std::size_t at) {
  if (q.kind == QNode::Kind::Wildcard && !o.allow_leading_wildcard && !q.text.empty() && (q.text[0] == '*' || q.text[0] == '?'))
    throw QueryError("[QSTR] Cannot parse [" + q.text + "]: '*' or '?' not allowed as first character in WildcardQuery", at);
  for (const auto& [occ, c] : q.clauses) check_leading_wildcards(c, o, at);
}

}  // namespace

Column eval_qstr(const Expr& e, EvalCtx& ctx) {
  if (e.args.empty() || e.args.size() > 2) throw QueryError("function [qstr] takes 1 or 2 arguments", e.begin);
  std::string text = constant_text(*e.args[0], ctx, "QSTR");
  std::size_t text_at = literal_text_offset(*e.args[0], ctx.query);
  QstrOptions o = read_qstr_options(e, ctx);
  QNode parsed = QstrParser(text, [&](std::size_t at) { return literal_pos(*e.args[0], ctx.query, at); }, o.default_and).parse();
  check_leading_wildcards(parsed, o, text_at);
  return per_source_query(e, ctx, "QSTR", [&](const Index& idx, IndexState& st) {
    if (st.query) return;
    st.query.emplace(kuery::CompiledQuery::compile_dsl(to_dsl(parsed, o, *st.fields), *st.fields, now_of(ctx)));
    if (!st.query->errors().empty())
      throw QueryError("[QSTR] query rejected by Elasticsearch over index [" + idx.name + "]: " + st.query->errors().front().message, text_at);
  });
}

// ---- MULTI_MATCH -------------------------------------------------------------------------------
// Elasticsearch's multi_match query ("Multi-match query"): the match query on each field, a
// document matching when one field matches (types best_fields, the default, and most_fields
// match the same documents; phrase runs match_phrase on each field). Options as MATCH's, plus
// minimum_should_match, type, tie_breaker and slop 0. The query is the one argument that is not a
// field, so both argument orders Elasticsearch has had are read: MULTI_MATCH(query, field...)
// (the documented form) and MULTI_MATCH(field..., query).
Column eval_multi_match(const Expr& e, EvalCtx& ctx) {
  const std::string fname = "MULTI_MATCH";
  std::vector<const Expr*> args;
  const Expr* opts = nullptr;
  for (const auto& a : e.args) args.push_back(a.get());
  if (!args.empty() && args.back()->kind == ExprKind::Map) {
    opts = args.back();
    args.pop_back();
  }
  auto field_of = [](const Expr* a) -> const Expr* {
    if (a->kind == ExprKind::Cast && a->args.size() == 1) a = a->args[0].get();
    return a->kind == ExprKind::Field ? a : nullptr;
  };
  std::vector<const Expr*> fields;
  const Expr* query_arg = nullptr;
  for (const Expr* a : args) {
    if (const Expr* f = field_of(a)) fields.push_back(f);
    else if (!query_arg) query_arg = a;
    else throw QueryError("[" + fname + "] takes one query and fields; [" + expr_text(*a, ctx.query) + "] is not a field from an index mapping", a->begin);
  }
  if (!query_arg || fields.empty())
    throw QueryError("function [multi_match] takes a query, one or more fields and an optional map of options", e.begin);
  if (args.front() != query_arg && args.back() != query_arg)
    throw QueryError("[" + fname + "] the query must be the first or the last argument before the options", query_arg->begin);
  for (const Expr* f : fields)
    if (ctx.page.find(f->name) < 0) throw QueryError("Unknown column [" + f->name + "]", f->begin);
  std::string query = constant_text(*query_arg, ctx, fname);
  MatchOptions o;
  bool phrase = false;
  if (opts) {
    for (const auto& [key, cell] : opts->options) {
      std::string v = cell.empty() ? "" : !cell[0].s.empty() ? cell[0].s : std::to_string(cell[0].i);
      if (key == "operator") {
        std::string u = upper(v);
        if (u != "AND" && u != "OR") throw QueryError("Invalid option [operator] in [" + expr_text(e, ctx.query) + "], expected one of [OR, AND]", opts->begin);
        o.and_op = u == "AND";
      } else if (key == "minimum_should_match") {
        o.minimum_should_match = v;
      } else if (key == "type") {
        std::string l = v;
        for (auto& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (l == "phrase") phrase = true;
        else if (l != "best_fields" && l != "most_fields")
          throw QueryError("option [type] = " + v + " of MULTI_MATCH is not supported by rulelab (best_fields, most_fields and phrase are)", opts->begin, true);
      } else if (key == "slop" && v == "0") {
      } else if (key == "fuzziness" || key == "prefix_length" || key == "fuzzy_transpositions" || key == "max_expansions" || key == "boost" ||
                 key == "lenient" || key == "auto_generate_synonyms_phrase_query" || key == "tie_breaker" || key == "fuzzy_rewrite") {
        Expr one = e;
        one.args = {e.args[0], e.args[0], std::make_shared<Expr>(*opts)};
        one.args[2]->options = {{key, cell}};
        MatchOptions x = read_options(one, ctx);
        if (key == "fuzziness") o.fuzzy = x.fuzzy, o.fuzzy.prefix_length = std::max(o.fuzzy.prefix_length, x.fuzzy.prefix_length);
        else if (key == "prefix_length") o.fuzzy.prefix_length = x.fuzzy.prefix_length;
        else if (key == "fuzzy_transpositions") o.fuzzy.transpositions = x.fuzzy.transpositions;
      } else {
        throw QueryError("option [" + key + "] of MULTI_MATCH is not supported by rulelab", opts->begin, true);
      }
    }
  }
  // Per index and field: the compiled match query, or the field itself when the options need
  // rulelab's own term counting (fuzziness, minimum_should_match on text and keyword fields).
  struct PerField {
    std::optional<kuery::CompiledQuery> q;
    elastic::ResolvedField f;
    bool own = false;
  };
  std::map<std::size_t, std::vector<PerField>> per;
  return per_source_row(e, ctx, fname, [&](const Index& idx, std::size_t k, std::size_t row, IndexState& st) {
    auto& pf = per[k];
    if (pf.empty()) {
      for (const Expr* f : fields) {
        PerField x;
        x.f = st.fields->resolve(f->name);
        bool textual = elastic::is_keyword_like(x.f.mapping.type) || elastic::is_text_like(x.f.mapping.type);
        x.own = !phrase && textual && (o.fuzzy.set || !o.minimum_should_match.empty());
        if (!x.own) {
          nlohmann::json body = {{"query", query}};
          if (!phrase) body["operator"] = o.and_op ? "and" : "or";
          nlohmann::json dsl = {{phrase ? "match_phrase" : "match", {{f->name, body}}}};
          x.q.emplace(kuery::CompiledQuery::compile_dsl(dsl, *st.fields, now_of(ctx)));
          if (!x.q->errors().empty())
            throw QueryError("[" + fname + "] query rejected by Elasticsearch over index [" + idx.name + "]: " + x.q->errors().front().message,
                             query_arg->begin);
        }
        pf.push_back(std::move(x));
      }
    }
    if (row >= idx.sources.size()) return false;
    DynRef doc = idx.sources[row].ref();
    for (const auto& x : pf)
      if (x.own ? fuzzy_field_match(doc, x.f, query, o) : x.q->matches(doc)) return true;
    return false;
  });
}

}  // namespace rulelab::esql
