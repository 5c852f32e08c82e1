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
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/paths.hpp"
#include "elastic/field_types.hpp"
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

void need_source_rows(const Expr& e, const EvalCtx& ctx, const std::string& fname) {
  if (ctx.not_source)
    throw QueryError("[" + fname + "] function cannot be used after " + ctx.not_source +
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
      if (!s || (m.ignore_above >= 0 && static_cast<std::int64_t>(s->size()) > m.ignore_above)) return;
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
  return o.and_op ? n == qt.size() : n > 0;
}

}  // namespace

Column eval_kql(const Expr& e, EvalCtx& ctx) {
  if (e.args.size() != 1) throw QueryError("function [kql] takes one argument, the query", e.begin);
  std::string text = constant_text(*e.args[0], ctx, "KQL");
  std::size_t text_at = literal_text_offset(*e.args[0], ctx.query);
  auto parsed = kuery::parse_kuery(text);
  if (!parsed.query) throw QueryError("Invalid KQL query: " + parsed.failure->message, text_at + parsed.failure->offset);
  need_source_rows(e, ctx, "KQL");
  std::size_t n = ctx.page.rows();
  Column out;
  out.type = Type::Boolean;
  out.cells.resize(n);
  std::map<std::size_t, IndexState> cache;
  for (std::size_t r = 0; r < n; ++r) {
    const Index& idx = row_index(ctx, ctx.page.origin[r], e, "KQL");
    std::size_t k = static_cast<std::size_t>(ctx.page.origin[r] >> 32);
    std::size_t row = static_cast<std::size_t>(ctx.page.origin[r] & 0xffffffff);
    IndexState& st = state_for(cache, k, idx);
    if (!st.query) {
      st.query.emplace(kuery::CompiledQuery::compile(*parsed.query->root, *st.fields, now_of(ctx)));
      if (!st.query->errors().empty()) {
        const auto& err = st.query->errors().front();
        throw QueryError("KQL query rejected by Elasticsearch over index [" + idx.name + "]: " + err.message, text_at + err.range.begin);
      }
    }
    bool m = row < idx.sources.size() && st.query->matches(idx.sources[row].ref());
    out.cells[r] = {Scalar::of_int(m != e.negated)};
  }
  return out;
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
  need_source_rows(e, ctx, fname);
  std::size_t n = ctx.page.rows();
  Column out;
  out.type = Type::Boolean;
  out.cells.resize(n);
  std::map<std::size_t, IndexState> cache;
  for (std::size_t r = 0; r < n; ++r) {
    const Index& idx = row_index(ctx, ctx.page.origin[r], e, fname);
    std::size_t k = static_cast<std::size_t>(ctx.page.origin[r] >> 32);
    std::size_t row = static_cast<std::size_t>(ctx.page.origin[r] & 0xffffffff);
    IndexState& st = state_for(cache, k, idx);
    if (!st.query && !o.fuzzy.set) {
      nlohmann::json body = {{"query", query}};
      if (!phrase) body["operator"] = o.and_op ? "and" : "or";
      nlohmann::json dsl = {{phrase ? "match_phrase" : "match", {{f->name, body}}}};
      st.query.emplace(kuery::CompiledQuery::compile_dsl(dsl, *st.fields, now_of(ctx)));
      if (!st.query->errors().empty())
        throw QueryError("[" + fname + "] query rejected by Elasticsearch over index [" + idx.name + "]: " + st.query->errors().front().message,
                         e.args[1]->begin);
    }
    if (o.fuzzy.set && st.field.name.empty()) {
      st.field = st.fields->resolve(f->name);
      if (!elastic::is_keyword_like(st.field.mapping.type) && !elastic::is_text_like(st.field.mapping.type))
        throw QueryError("[" + fname + "] fuzziness on a field of type [" + st.field.mapping.type_name + "] is not supported by rulelab", e.begin, true);
    }
    bool m = false;
    if (row < idx.sources.size()) {
      DynRef doc = idx.sources[row].ref();
      m = o.fuzzy.set ? fuzzy_field_match(doc, st.field, query, o) : st.query->matches(doc);
    }
    out.cells[r] = {Scalar::of_int(m != e.negated)};
  }
  return out;
}

}  // namespace rulelab::esql
