// Kusto parser: the only translation unit that instantiates the PEGTL grammar (grammar/kusto.hpp).
// Text -> PEGTL parse tree (selected rules only) -> typed AST (ast.hpp).
#include "kusto/parser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze.hpp>
#include <tao/pegtl/contrib/parse_tree.hpp>

#include "core/datetime.hpp"
#include "grammar/kusto.hpp"

namespace rulelab::kusto {
namespace {

namespace pegtl = tao::pegtl;
namespace g = grammar;

// ---------------------------------------------------------------- selected parse-tree nodes
#define KUSTO_NODES(X)                                                                                              \
  X(string_literal) X(string_piece) X(timespan_literal) X(real_literal) X(long_literal) X(bool_literal) X(null_word) \
  X(raw_text) X(datetime_literal) X(timespan_typed) X(guid_literal) X(number_kw) X(signed_number) X(number_typed)    \
  X(bool_typed) X(string_typed) X(dyn_object) X(dyn_member) X(dyn_key) X(dyn_array) X(dyn_number) X(dynamic_literal) \
  X(name) X(any_name) X(type_name) X(paren_expr) X(star_arg) X(arg_name) X(arg) X(call_name) X(call) X(left_right)   \
  X(member_tail) X(index_tail) X(postfix_expr) X(neg_op) X(plus_op) X(unary_expr) X(mul_op) X(mul_expr) X(add_op)   \
  X(add_expr) X(cmp_op) X(cmp_tail) X(in_op) X(in_tail) X(between_op) X(between_tail) X(cmp_expr) X(and_expr)       \
  X(expr) X(assign_names) X(assignment) X(param_value) X(column_decl) X(op_where) X(op_extend) X(op_project)        \
  X(column_pattern) X(op_project_away) X(op_project_keep) X(rename_item) X(op_project_rename) X(reorder_order)      \
  X(reorder_item) X(op_project_reorder) X(by_clause) X(summarize_aggs) X(op_summarize) X(join_right)                \
  X(join_conditions) X(op_join) X(op_lookup) X(to_typeof) X(expand_name) X(expand_item) X(limit_clause)             \
  X(op_mv_expand) X(apply_body) X(op_mv_apply) X(parse_column) X(parse_star) X(parse_source) X(parse_where_kw)      \
  X(op_parse) X(kv_with) X(op_parse_kv) X(default_clause) X(series_agg) X(series_from) X(series_to) X(series_step)  \
  X(series_in_range) X(series_axis) X(op_make_series) X(op_evaluate) X(sort_dir) X(nulls_pos) X(sort_key)           \
  X(op_sort) X(op_top) X(others_clause) X(nested_count) X(nested_of) X(nested_by) X(nested_level) X(op_top_nested)  \
  X(op_take) X(distinct_star) X(op_distinct) X(count_as) X(op_count) X(op_serialize) X(op_as) X(op_invoke) X(op_getschema)     \
  X(op_sample) X(op_sample_distinct) X(wildcard_table) X(union_item) X(op_union) X(render_chart) X(op_render)       \
  X(datatable_values) X(src_datatable) X(externaldata_with) X(src_externaldata) X(src_union) X(src_print)          \
  X(range_column) X(src_range) X(pipe_expr) X(tabular_param_schema) X(param_default) X(param) X(param_list)         \
  X(function_body) X(function_def) X(let_stmt) X(declare_stmt) X(set_stmt)                                          \
  X(op_consume) X(by_names_items) X(op_project_by_names) X(hitters_of) X(hitters_by) X(op_top_hitters) X(scan_match_id)     \
  X(scan_decl) X(scan_declare) X(scan_output) X(scan_condition) X(scan_assigns) X(scan_step) X(op_scan) X(partition_column) X(op_partition)    \
  X(search_term) X(search_column_term) X(search_star_cmp) X(search_all) X(search_paren) X(search_not) X(search_and)      \
  X(search_or) X(search_predicate) X(search_in) X(op_search) X(src_search) X(facet_column) X(facet_with) X(op_facet)    \
  X(fork_name) X(fork_leg) X(op_fork) X(reduce_by) X(op_reduce) X(find_withsource) X(find_project_smart)               \
  X(find_pack_all) X(find_column) X(find_project) X(src_find)

enum class K : std::uint8_t {
  none,
#define KUSTO_ENUM(r) r,
  KUSTO_NODES(KUSTO_ENUM)
#undef KUSTO_ENUM
};

template <typename R>
struct kind_of {
  static constexpr K value = K::none;
};
#define KUSTO_KIND(r)                     \
  template <>                             \
  struct kind_of<g::r> {                  \
    static constexpr K value = K::r;      \
  };
KUSTO_NODES(KUSTO_KIND)
#undef KUSTO_KIND

// Node: PEGTL's basic node plus our kind (a switchable enum instead of type-name comparisons).
struct Node : pegtl::parse_tree::basic_node<Node> {
  K kind = K::none;
  template <typename Rule, typename ParseInput, typename... States>
  void start(const ParseInput& in, States&&... st) {
    basic_node<Node>::start<Rule>(in, st...);
    kind = kind_of<Rule>::value;
  }
};

// Chains that collapse to their only child (a + b without '+' is just a).
template <typename R>
struct foldable : std::false_type {};
template <> struct foldable<g::expr> : std::true_type {};
template <> struct foldable<g::search_or> : std::true_type {};
template <> struct foldable<g::search_and> : std::true_type {};
template <> struct foldable<g::and_expr> : std::true_type {};
template <> struct foldable<g::cmp_expr> : std::true_type {};
template <> struct foldable<g::add_expr> : std::true_type {};
template <> struct foldable<g::mul_expr> : std::true_type {};
template <> struct foldable<g::unary_expr> : std::true_type {};
template <> struct foldable<g::postfix_expr> : std::true_type {};

template <typename Rule>
struct selector : std::bool_constant<kind_of<Rule>::value != K::none> {
  template <typename... States>
  static void transform(std::unique_ptr<Node>& n, States&&...) {
    if constexpr (foldable<Rule>::value) {
      if (n->children.size() == 1) n = std::move(n->children.front());
    }
  }
};

// ---------------------------------------------------------------- nesting depth
struct Depth {
  std::size_t current = 0;
  std::size_t max = 0;
};

template <typename Rule>
struct depth_action : pegtl::nothing<Rule> {};

inline Depth* pick_depth(Depth& d, Depth*) { return &d; }
template <typename T>
Depth* pick_depth(T&, Depth* found) { return found; }

template <typename R>
struct depth_action<g::nested<R>> : pegtl::maybe_nothing {
  // The parse tree reorders the states; find ours by type.
  template <typename Rule, pegtl::apply_mode A, pegtl::rewind_mode M, template <typename...> class Action,
            template <typename...> class Control, typename ParseInput, typename... States>
  static bool match(ParseInput& in, States&&... st) {
    Depth* found = nullptr;
    ((found = pick_depth(st, found)), ...);
    Depth& depth = *found;
    if (depth.current >= depth.max) throw pegtl::parse_error("query nests too deeply", in);
    ++depth.current;
    struct Guard {
      Depth& d;
      ~Guard() { --d.current; }
    } guard{depth};
    return pegtl::match<Rule, A, M, Action, Control>(in, st...);
  }
};

// ---------------------------------------------------------------- error messages (committed points only)
struct errors {
  template <typename Rule>
  static constexpr const char* message = nullptr;
  template <typename Rule>
  static constexpr bool raise_on_failure = false;  // messages apply to must<>/raise<> only
};
// clang-format off
template <> inline constexpr const char* errors::message<g::close_paren> = "expected ')'";
template <> inline constexpr const char* errors::message<g::close_bracket> = "expected ']'";
template <> inline constexpr const char* errors::message<g::in_open> = "expected '('";
template <> inline constexpr const char* errors::message<g::range_dots> = "expected '..' between the bounds of 'between (low .. high)'";
template <> inline constexpr const char* errors::message<g::unterminated_string> = "unterminated string literal";
template <> inline constexpr const char* errors::message<g::unknown_operator> = "unknown tabular operator";
template <> inline constexpr const char* errors::message<g::bad_verbatim> = "'@' must start a verbatim string literal: @'...' or @\"...\"";
template <> inline constexpr const char* errors::message<g::operand_expected_mul> = "expected an expression after the arithmetic operator";
template <> inline constexpr const char* errors::message<g::operand_expected_add> = "expected an expression after the arithmetic operator";
template <> inline constexpr const char* errors::message<g::operand_expected_cmp> = "expected an expression after the comparison operator";
template <> inline constexpr const char* errors::message<g::operand_expected_and> = "expected an expression after 'and'";
template <> inline constexpr const char* errors::message<g::operand_expected_or> = "expected an expression after 'or'";
template <> inline constexpr const char* errors::message<g::predicate_expected> = "expected a predicate after 'where'";
template <> inline constexpr const char* errors::message<g::assignments_expected> = "expected a column, or 'Name = expression'";
template <> inline constexpr const char* errors::message<g::columns_expected> = "expected column names";
template <> inline constexpr const char* errors::message<g::renames_expected> = "expected 'NewName = OldName'";
template <> inline constexpr const char* errors::message<g::reorders_expected> = "expected column names";
template <> inline constexpr const char* errors::message<g::join_right_expected> = "expected the right side: a table name or '(' subquery ')'";
template <> inline constexpr const char* errors::message<g::join_on_expected> = "expected 'on' and the columns to match";
template <> inline constexpr const char* errors::message<g::join_conditions_expected> = "expected the columns to match after 'on' (Col, or $left.A == $right.B)";
template <> inline constexpr const char* errors::message<g::expand_items_expected> = "expected the column or expression to expand";
template <> inline constexpr const char* errors::message<g::apply_body_expected> = "expected '(' and the subquery to apply after 'on'";
template <> inline constexpr const char* errors::message<g::parse_with_expected> = "expected 'with' and the pattern after the parsed expression";
template <> inline constexpr const char* errors::message<g::parse_pattern_expected> = "expected the parse pattern (string literals and Column:type)";
template <> inline constexpr const char* errors::message<g::parse_source> = "expected the expression to parse";
template <> inline constexpr const char* errors::message<g::plugin_expected> = "expected a plugin call such as bag_unpack(Column)";
template <> inline constexpr const char* errors::message<g::sort_by_expected> = "expected 'by'";
template <> inline constexpr const char* errors::message<g::sort_keys_expected> = "expected the columns to sort by";
template <> inline constexpr const char* errors::message<g::sort_key> = "expected the column to sort by";
template <> inline constexpr const char* errors::message<g::count_expected> = "expected a row count";
template <> inline constexpr const char* errors::message<g::union_items_expected> = "expected the tables to union";
template <> inline constexpr const char* errors::message<g::render_chart> = "expected a chart type after 'render'";
template <> inline constexpr const char* errors::message<g::let_name_expected> = "expected a name after 'let'";
template <> inline constexpr const char* errors::message<g::let_eq_expected> = "expected '=' after the name in 'let'";
template <> inline constexpr const char* errors::message<g::let_value_expected> = "expected a value after '=' in 'let'";
template <> inline constexpr const char* errors::message<g::statement_end> = "expected ';' or the end of the query";
template <> inline constexpr const char* errors::message<pegtl::eof> = "expected a query";
template <> inline constexpr const char* errors::message<g::column_decls> = "expected '(' and column declarations 'Name:type'";
template <> inline constexpr const char* errors::message<g::datatable_values> = "expected '[' and the values";
template <> inline constexpr const char* errors::message<g::series_aggs> = "expected the aggregations of make-series";
template <> inline constexpr const char* errors::message<g::on_kw> = "expected 'on'";
template <> inline constexpr const char* errors::message<g::by_kw> = "expected 'by'";
template <> inline constexpr const char* errors::message<g::series_axis> = "expected the axis column after 'on'";
template <> inline constexpr const char* errors::message<g::name> = "expected a name";
template <> inline constexpr const char* errors::message<g::expr> = "expected an expression";
template <> inline constexpr const char* errors::message<pegtl::one<'}'>> = "expected '}'";
template <> inline constexpr const char* errors::message<g::kw<TAO_PEGTL_STRING("of")>> = "expected 'of'";
template <> inline constexpr const char* errors::message<g::kw<TAO_PEGTL_STRING("to")>> = "expected 'to'";
template <> inline constexpr const char* errors::message<g::kw<TAO_PEGTL_STRING("step")>> = "expected 'step'";
template <> inline constexpr const char* errors::message<g::by_names_items> = "expected column names, name patterns or dynamic arrays of names";
template <> inline constexpr const char* errors::message<g::hitters_of> = "expected the expression whose values are counted";
template <> inline constexpr const char* errors::message<g::with_kw> = "expected 'with'";
template <> inline constexpr const char* errors::message<g::open_paren> = "expected '('";
template <> inline constexpr const char* errors::message<g::scan_step> = "expected 'step Name: Condition [=> Column = Value, ...];'";
template <> inline constexpr const char* errors::message<g::scan_colon> = "expected ':' after the step name";
template <> inline constexpr const char* errors::message<g::scan_condition> = "expected the step's condition";
template <> inline constexpr const char* errors::message<g::partition_column> = "expected the column to partition by";
template <> inline constexpr const char* errors::message<g::search_operand_expected> = "expected a search term (\"term\", Column:\"term\") or a predicate";
template <> inline constexpr const char* errors::message<g::search_predicate> = "expected the search predicate: a \"term\", Column:\"term\", or a predicate";
template <> inline constexpr const char* errors::message<g::search_tables_expected> = "expected the tables to search: names, wildcards or (subqueries)";
template <> inline constexpr const char* errors::message<g::facet_columns> = "expected the columns of facet";
template <> inline constexpr const char* errors::message<g::fork_leg_expected> = "expected a fork leg: [name=](operators)";
template <> inline constexpr const char* errors::message<g::reduce_by> = "expected the expression to reduce";
template <> inline constexpr const char* errors::message<g::find_project_items> = "expected the columns to project: Column[:type], ..., pack_all()";
// clang-format on

template <typename Rule>
struct control : pegtl::must_if<errors, pegtl::normal, false>::template control<Rule> {};

// ---------------------------------------------------------------- conversion
struct ConvertError {
  std::size_t offset;
  std::string message;
};

const char* const kOperators[] = {"where", "filter", "extend", "project", "project-away", "project-keep",
                                  "project-rename", "project-reorder", "summarize", "join", "lookup", "mv-expand",
                                  "mvexpand", "mv-apply", "parse", "parse-where", "parse-kv", "make-series",
                                  "evaluate", "sort", "order", "top", "top-nested", "take", "limit", "distinct",
                                  "count", "serialize", "as", "invoke", "getschema", "sample", "sample-distinct",
                                  "union", "render", "search", "facet", "fork", "reduce"};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t prev = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cur = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev = cur;
    }
  }
  return row[b.size()];
}

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

constexpr std::size_t kMaxBinaryOperators = 20000;

class Converter {
 public:
  explicit Converter(std::string_view text) : text_(text) {}

  std::vector<Statement> query(const Node& root, std::vector<SourceRange>* set_options = nullptr) {
    std::vector<Statement> out;
    for (const auto& c : root.children) {
      if (c->kind == K::set_stmt) {  // request options: recorded, applied by no one (the binder warns)
        if (set_options) set_options->push_back(range(*c));
        continue;
      }
      out.push_back(statement(*c, /*in_function=*/false));
    }
    return out;
  }

 private:
  std::string_view text_;
  mutable std::size_t binary_count_ = 0;

  [[noreturn]] void fail(const Node& n, std::string msg) const { throw ConvertError{offset(n), std::move(msg)}; }
  std::size_t offset(const Node& n) const { return static_cast<std::size_t>(n.m_begin.data - text_.data()); }
  SourceRange range(const Node& n) const {
    return {static_cast<std::uint32_t>(n.m_begin.data - text_.data()), static_cast<std::uint32_t>(n.m_end.data - text_.data())};
  }
  static std::string_view sv(const Node& n) { return n.string_view(); }
  static const Node* child(const Node& n, K k) {
    for (const auto& c : n.children)
      if (c->kind == k) return c.get();
    return nullptr;
  }

  // ---- strings
  std::string decode_string_token(const Node& at, std::string_view t) const {
    if (!t.empty() && (t.front() == 'h' || t.front() == 'H')) t.remove_prefix(1);
    if (t.size() >= 6 && t.substr(0, 3) == "```") return std::string(t.substr(3, t.size() - 6));
    std::string out;
    if (!t.empty() && t.front() == '@') {
      const char q = t[1];
      std::string_view body = t.substr(2, t.size() - 3);
      for (std::size_t i = 0; i < body.size(); ++i) {
        out.push_back(body[i]);
        if (body[i] == q && i + 1 < body.size() && body[i + 1] == q) ++i;
      }
      return out;
    }
    std::string_view body = t.substr(1, t.size() - 2);
    for (std::size_t i = 0; i < body.size(); ++i) {
      char c = body[i];
      if (c != '\\' || i + 1 >= body.size()) {
        out.push_back(c);
        continue;
      }
      const char e = body[++i];
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case '0': out.push_back('\0'); break;
        case '\\': case '\'': case '"': out.push_back(e); break;
        case 'u': {
          if (i + 4 >= body.size()) fail(at, "incomplete \\u escape in string literal");
          unsigned cp = 0;
          auto [p, ec] = std::from_chars(body.data() + i + 1, body.data() + i + 5, cp, 16);
          if (ec != std::errc() || p != body.data() + i + 5) fail(at, "invalid \\u escape in string literal");
          i += 4;
          if (cp < 0x80) out.push_back(static_cast<char>(cp));
          else if (cp < 0x800) { out.push_back(static_cast<char>(0xC0 | (cp >> 6))); out.push_back(static_cast<char>(0x80 | (cp & 0x3F))); }
          else { out.push_back(static_cast<char>(0xE0 | (cp >> 12))); out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F))); out.push_back(static_cast<char>(0x80 | (cp & 0x3F))); }
          break;
        }
        default:
          // Kusto keeps an unknown escape as written (regular expressions such as "\d" stay intact).
          out.push_back('\\');
          out.push_back(e);
      }
    }
    return out;
  }
  std::string string_value(const Node& n) const {  // string_literal
    std::string out;
    for (const auto& p : n.children) out += decode_string_token(*p, sv(*p));
    return out;
  }
  std::string name_text(const Node& n) const {  // name / any_name / column_pattern: [ 'x' ] or word
    std::string_view t = trim(sv(n));
    if (!t.empty() && t.front() == '[') {
      t = trim(t.substr(1, t.size() - 2));
      if (!t.empty() && t.front() != '\'' && t.front() != '"' && t.front() != '@') return std::string(t);  // [Name]
      return decode_string_token(n, t);
    }
    return std::string(t);
  }
  static std::string type_text(const Node& n) { return std::string(trim(sv(n))); }
  Type type_of(const Node& n) const {
    auto t = parse_type_name(type_text(n));
    if (!t) fail(n, "unknown type '" + type_text(n) + "'");
    return *t;
  }

  // ---- literals
  ExprPtr make(const Node& n, ExprNode node) const {
    auto e = std::make_unique<Expr>();
    e->range = range(n);
    e->node = std::move(node);
    return e;
  }
  Literal timespan_of(const Node& n, std::string_view t) const {
    auto ts = parse_timespan(trim(t));
    if (!ts) fail(n, "invalid timespan literal '" + std::string(trim(t)) + "'");
    return Literal{Type::TimeSpan, *ts};
  }
  const Node& body_of(const Node& n) const {
    if (n.children.empty()) fail(n, "expected a value between the parentheses");
    return *n.children.front();
  }
  Literal literal(const Node& n) const {
    switch (n.kind) {
      case K::string_literal: return Literal{Type::String, string_value(n)};
      case K::timespan_literal: return timespan_of(n, sv(n));
      case K::real_literal: {
        std::string s(sv(n));
        return Literal{Type::Real, std::strtod(s.c_str(), nullptr)};
      }
      case K::long_literal: {
        std::string_view t = sv(n);
        std::int64_t v = 0;
        std::from_chars_result r{};
        if (t.size() > 2 && (t[1] == 'x' || t[1] == 'X')) {
          std::uint64_t u = 0;
          r = std::from_chars(t.data() + 2, t.data() + t.size(), u, 16);
          v = static_cast<std::int64_t>(u);
        } else {
          r = std::from_chars(t.data(), t.data() + t.size(), v);
        }
        if (r.ec != std::errc()) fail(n, "integer literal out of range: " + std::string(t));
        return Literal{Type::Long, v};
      }
      case K::bool_literal: return Literal{Type::Bool, sv(n) == "true" || sv(n) == "True"};
      case K::datetime_literal: {
        const Node& body = body_of(n);
        if (body.kind == K::null_word) return Literal{Type::DateTime, std::monostate{}};
        std::string t = body.kind == K::string_literal ? string_value(body) : std::string(trim(sv(body)));
        auto dt = parse_datetime(t);
        if (!dt && t.find(" -") != std::string::npos) {
          // datetime(2017 - 08 - 01): Kusto reads the date's parts around spaced dashes (the
          // sliding_window_counts page's example writes it so).
          std::string c;
          for (std::size_t k = 0; k < t.size(); ++k) {
            if (t[k] == ' ' && ((k + 1 < t.size() && t[k + 1] == '-') || (!c.empty() && c.back() == '-'))) continue;
            c.push_back(t[k]);
          }
          dt = parse_datetime(c);
        }
        if (!dt) fail(body, "invalid datetime literal '" + t + "'");
        return Literal{Type::DateTime, *dt};
      }
      case K::timespan_typed: {
        const Node& body = body_of(n);
        if (body.kind == K::null_word) return Literal{Type::TimeSpan, std::monostate{}};
        if (body.kind == K::string_literal) return timespan_of(body, string_value(body));
        return timespan_of(body, sv(body));
      }
      case K::guid_literal: {
        const Node& body = body_of(n);
        if (body.kind == K::null_word) return Literal{Type::Guid, std::monostate{}};
        std::string t = body.kind == K::string_literal ? string_value(body) : std::string(trim(sv(body)));
        auto gd = parse_guid(t);
        if (!gd) fail(body, "invalid guid literal '" + t + "'");
        return Literal{Type::Guid, *gd};
      }
      case K::number_typed: {
        const std::string_view kw = trim(sv(*n.children.at(0)));
        const Type type = kw == "int" || kw == "int32" ? Type::Int
                          : kw == "long" || kw == "int64" ? Type::Long
                          : kw == "decimal" ? Type::Decimal : Type::Real;
        const Node& body = *n.children.at(1);
        if (body.kind == K::null_word) return Literal{type, std::monostate{}};
        std::string t;
        for (char c : sv(body))
          if (!std::isspace(static_cast<unsigned char>(c))) t.push_back(c);
        if (type == Type::Int || type == Type::Long) {
          std::int64_t v = 0;
          std::string_view d = t;
          bool neg = false;
          if (!d.empty() && (d.front() == '-' || d.front() == '+')) { neg = d.front() == '-'; d.remove_prefix(1); }
          const bool hex = d.size() > 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X');
          std::from_chars_result r{};
          if (hex) {
            std::uint64_t u = 0;
            r = std::from_chars(d.data() + 2, d.data() + d.size(), u, 16);
            // A hex literal is a bit pattern: int(0xf090013d) is the 32-bit value with those bits.
            v = type == Type::Int && u <= 0xFFFFFFFFull ? static_cast<std::int32_t>(static_cast<std::uint32_t>(u)) : static_cast<std::int64_t>(u);
          } else {
            r = std::from_chars(d.data(), d.data() + d.size(), v);
          }
          if (r.ec != std::errc() || r.ptr != d.data() + d.size()) fail(body, "invalid " + std::string(kw) + " literal '" + t + "'");
          if (type == Type::Int && !hex && (v > 2147483647LL + (neg ? 1 : 0))) fail(body, "int literal out of range: " + t);
          return Literal{type, neg ? -v : v};
        }
        double v = 0;
        if (t == "nan" || t == "+nan" || t == "-nan") v = std::nan("");
        else if (t == "inf" || t == "+inf") v = HUGE_VAL;
        else if (t == "-inf") v = -HUGE_VAL;
        else v = std::strtod(t.c_str(), nullptr);
        return Literal{type, v};
      }
      case K::bool_typed: {
        const Node& body = *n.children.at(0);
        if (body.kind == K::null_word) return Literal{Type::Bool, std::monostate{}};
        if (body.kind == K::bool_literal) return Literal{Type::Bool, sv(body) == "true" || sv(body) == "True"};
        std::string t(sv(body));
        return Literal{Type::Bool, std::strtod(t.c_str(), nullptr) != 0};
      }
      case K::string_typed: {
        const Node& body = *n.children.at(0);
        if (body.kind == K::null_word) return Literal{Type::String, std::string()};  // strings are never null
        return Literal{Type::String, string_value(body)};
      }
      case K::dynamic_literal: {
        std::string bytes;
        DynWriter w(bytes);
        dynamic(*n.children.at(0), w);
        return Literal{Type::Dynamic, Dynamic(std::move(bytes))};
      }
      default: fail(n, "internal error: not a literal");
    }
  }
  void dynamic(const Node& n, DynWriter& w) const {
    switch (n.kind) {
      case K::dyn_object:
        w.begin_object();
        for (const auto& m : n.children) {
          const Node& key = *m->children.at(0);
          const Node* ks = child(key, K::string_literal);
          w.key(ks ? string_value(*ks) : std::string(sv(key)));
          dynamic(*m->children.at(1), w);
        }
        w.end();
        return;
      case K::dyn_array:
        w.begin_array();
        for (const auto& e : n.children) dynamic(*e, w);
        w.end();
        return;
      case K::null_word: w.null(); return;
      case K::bool_literal: w.boolean(sv(n) == "true" || sv(n) == "True"); return;
      case K::string_literal: w.string(string_value(n)); return;
      case K::dyn_number: {
        std::string t(sv(n));
        if (t.find_first_of(".eE") == std::string::npos || t.find("0x") != std::string::npos) {
          std::int64_t v = 0;
          std::string_view d = t;
          bool neg = false;
          if (!d.empty() && (d.front() == '-' || d.front() == '+')) { neg = d.front() == '-'; d.remove_prefix(1); }
          std::from_chars_result r{};
          if (d.size() > 2 && (d[1] == 'x' || d[1] == 'X')) r = std::from_chars(d.data() + 2, d.data() + d.size(), v, 16);
          else r = std::from_chars(d.data(), d.data() + d.size(), v);
          if (r.ec == std::errc()) { w.integer(neg ? -v : v); return; }
        }
        w.real(std::strtod(t.c_str(), nullptr));
        return;
      }
      case K::datetime_literal: case K::timespan_typed: case K::guid_literal: case K::timespan_literal: {
        Literal l = literal(n);
        if (l.is_null()) { w.null(); return; }
        if (auto* d = std::get_if<DateTime>(&l.value)) w.string(format_datetime(*d));
        else if (auto* t = std::get_if<TimeSpan>(&l.value)) w.string(format_timespan(*t));
        else if (auto* gd = std::get_if<Guid>(&l.value)) w.string(format_guid(*gd));
        return;
      }
      default: fail(n, "internal error: not a dynamic value");
    }
  }

  // ---- scalar expressions
  static BinaryOp binary_op(std::string_view t) {
    std::string s;
    for (char c : t)
      if (!std::isspace(static_cast<unsigned char>(c))) s.push_back(c);
    static constexpr std::pair<std::string_view, BinaryOp> table[] = {
        {"+", BinaryOp::Add}, {"-", BinaryOp::Sub}, {"*", BinaryOp::Mul}, {"/", BinaryOp::Div}, {"%", BinaryOp::Mod},
        {"<", BinaryOp::Lt}, {"<=", BinaryOp::Le}, {">", BinaryOp::Gt}, {">=", BinaryOp::Ge}, {"==", BinaryOp::Eq},
        {"!=", BinaryOp::Ne}, {"<>", BinaryOp::Ne}, {"=~", BinaryOp::EqCi}, {"!~", BinaryOp::NeCi},
        {"has", BinaryOp::Has}, {"!has", BinaryOp::NotHas}, {"has_cs", BinaryOp::HasCs}, {"!has_cs", BinaryOp::NotHasCs},
        {"hasprefix", BinaryOp::HasPrefix}, {"!hasprefix", BinaryOp::NotHasPrefix},
        {"hasprefix_cs", BinaryOp::HasPrefixCs}, {"!hasprefix_cs", BinaryOp::NotHasPrefixCs},
        {"hassuffix", BinaryOp::HasSuffix}, {"!hassuffix", BinaryOp::NotHasSuffix},
        {"hassuffix_cs", BinaryOp::HasSuffixCs}, {"!hassuffix_cs", BinaryOp::NotHasSuffixCs},
        {"contains", BinaryOp::Contains}, {"!contains", BinaryOp::NotContains},
        {"contains_cs", BinaryOp::ContainsCs}, {"!contains_cs", BinaryOp::NotContainsCs},
        {"containscs", BinaryOp::ContainsCs}, {"!containscs", BinaryOp::NotContainsCs},
        {"notcontains", BinaryOp::NotContains}, {"notcontainscs", BinaryOp::NotContainsCs},
        {"startswith", BinaryOp::StartsWith}, {"!startswith", BinaryOp::NotStartsWith},
        {"startswith_cs", BinaryOp::StartsWithCs}, {"!startswith_cs", BinaryOp::NotStartsWithCs},
        {"endswith", BinaryOp::EndsWith}, {"!endswith", BinaryOp::NotEndsWith},
        {"endswith_cs", BinaryOp::EndsWithCs}, {"!endswith_cs", BinaryOp::NotEndsWithCs},
        {"matchesregex", BinaryOp::MatchesRegex}};
    for (const auto& [k, v] : table)
      if (k == s) return v;
    return BinaryOp::Eq;  // unreachable: the grammar admits only the operators above
  }
  static InOp in_op(std::string_view t) {
    if (t == "in") return InOp::In;
    if (t == "!in") return InOp::NotIn;
    if (t == "in~") return InOp::InCi;
    if (t == "!in~") return InOp::NotInCi;
    if (t == "has_any") return InOp::HasAny;
    return InOp::HasAll;
  }
  ExprPtr binary(SourceRange r, BinaryOp op, ExprPtr lhs, ExprPtr rhs) const {
    // Operator chains build left-deep trees: bound their total so that walking (and destroying)
    // the tree recursively stays within the stack. Sentinel limits a query to 10,000 characters.
    if (++binary_count_ > kMaxBinaryOperators)
      throw ConvertError{r.begin, "the query has more than " + std::to_string(kMaxBinaryOperators) + " binary operators"};
    auto e = std::make_unique<Expr>();
    e->range = r;
    e->node = Binary{op, std::move(lhs), std::move(rhs)};
    return e;
  }
  SourceRange span(const Node& n, std::size_t end_child) const {
    SourceRange r = range(n);
    r.end = range(*n.children[end_child]).end;
    return r;
  }

  // Is this pipe_expr a tabular expression (as opposed to a scalar one)?
  bool is_tabular(const Node& pipe) const {
    if (pipe.kind != K::pipe_expr) return false;
    if (pipe.children.size() > 1) return true;
    const Node& head = *pipe.children.front();
    switch (head.kind) {
      case K::src_datatable: case K::src_externaldata: case K::src_union: case K::src_print: case K::src_range:
      case K::src_search: case K::src_find: return true;
      case K::paren_expr: return is_tabular(*head.children.front());
      case K::call: {
        const std::string_view nm = sv(*head.children.front());
        return nm == "materialize" || nm == "table" || nm == "view" || nm == "database" || nm == "cluster";
      }
      default: return false;
    }
  }

  ExprPtr expr(const Node& n) const {
    switch (n.kind) {
      case K::pipe_expr: {
        if (is_tabular(n)) return make(n, TabularArg{tabular(n)});
        return expr(*n.children.front());
      }
      case K::parse_source: case K::series_axis: case K::nested_count: case K::scan_condition: case K::hitters_of:
        return expr(*n.children.front());
      case K::expr: case K::and_expr: {
        const BinaryOp op = n.kind == K::expr ? BinaryOp::Or : BinaryOp::And;
        ExprPtr acc = expr(*n.children[0]);
        for (std::size_t i = 1; i < n.children.size(); ++i) acc = binary(span(n, i), op, std::move(acc), expr(*n.children[i]));
        return acc;
      }
      case K::add_expr: case K::mul_expr: {
        ExprPtr acc = expr(*n.children[0]);
        for (std::size_t i = 1; i + 1 < n.children.size(); i += 2)
          acc = binary(span(n, i + 1), binary_op(sv(*n.children[i])), std::move(acc), expr(*n.children[i + 1]));
        return acc;
      }
      case K::cmp_expr: {
        ExprPtr acc = expr(*n.children[0]);
        for (std::size_t i = 1; i < n.children.size(); ++i) {
          const Node& t = *n.children[i];
          const SourceRange r = span(n, i);
          if (t.kind == K::cmp_tail) {
            acc = binary(r, binary_op(sv(*t.children[0])), std::move(acc), expr(*t.children[1]));
          } else if (t.kind == K::between_tail) {
            auto e = std::make_unique<Expr>();
            e->range = r;
            e->node = Between{std::move(acc), expr(*t.children[1]), expr(*t.children[2]), sv(*t.children[0]).front() == '!'};
            acc = std::move(e);
          } else {  // in_tail
            InExpr in;
            in.op = in_op(sv(*t.children[0]));
            in.lhs = std::move(acc);
            if (t.children.size() == 2 && is_tabular(*t.children[1])) {
              in.subquery = tabular(*t.children[1]);
            } else {
              for (std::size_t j = 1; j < t.children.size(); ++j) in.items.push_back(expr(*t.children[j]));
            }
            auto e = std::make_unique<Expr>();
            e->range = r;
            e->node = std::move(in);
            acc = std::move(e);
          }
        }
        return acc;
      }
      case K::unary_expr: {
        ExprPtr acc = expr(*n.children.back());
        for (std::size_t i = n.children.size() - 1; i-- > 0;) {
          auto e = std::make_unique<Expr>();
          e->range = range(*n.children[i]);
          e->range.end = acc->range.end;
          e->node = Unary{n.children[i]->kind == K::neg_op ? UnaryOp::Negate : UnaryOp::Plus, std::move(acc)};
          acc = std::move(e);
        }
        return acc;
      }
      case K::postfix_expr: {
        ExprPtr acc = expr(*n.children[0]);
        for (std::size_t i = 1; i < n.children.size(); ++i) {
          const Node& t = *n.children[i];
          auto e = std::make_unique<Expr>();
          e->range = span(n, i);
          const Node* tail = &t;
          if (t.kind == K::member_tail && t.children.at(0)->kind == K::index_tail) tail = t.children[0].get();  // a.[0]
          if (tail->kind == K::member_tail) {
            const Node& nm = *t.children.at(0);
            e->node = Member{std::move(acc), name_text(nm), trim(sv(nm)).front() == '['};
          } else {  // index_tail
            const Node& ix = *tail->children.at(0);
            if (ix.kind == K::string_literal) e->node = Member{std::move(acc), string_value(ix), true};
            else e->node = Index{std::move(acc), expr(ix)};
          }
          acc = std::move(e);
        }
        return acc;
      }
      case K::paren_expr: {
        const Node& inner = *n.children.front();
        if (is_tabular(inner)) return make(n, TabularArg{tabular(inner)});
        ExprPtr e = expr(inner);
        e->range = range(n);
        return e;
      }
      case K::call: return make(n, call(n));
      case K::datetime_literal:
        // datetime() and datetime(now) are the current time: the same as now().
        if (n.children.empty() || (n.children[0]->kind == K::raw_text && trim(sv(*n.children[0])) == "now")) {
          Call c;
          c.name = "now";
          c.name_range = range(n);
          return make(n, std::move(c));
        }
        return make(n, literal(n));
      case K::left_right: return make(n, JoinSideRef{sv(n) == "$right"});
      case K::name: return make(n, Name{name_text(n), trim(sv(n)).front() == '['});
      case K::star_arg: return make(n, Star{});
      default: return make(n, literal(n));
    }
  }
  Call call(const Node& n) const {
    Call c;
    c.name = std::string(sv(*n.children.at(0)));
    c.name_range = range(*n.children.at(0));
    for (std::size_t i = 1; i < n.children.size(); ++i) {
      const Node& a = *n.children[i];
      Arg arg;
      const Node* value = a.children.back().get();
      if (const Node* an = child(a, K::arg_name)) {
        std::string_view t = sv(*an);
        arg.name = std::string(trim(t.substr(0, t.find('='))));
      }
      arg.value = expr(*value);
      c.args.push_back(std::move(arg));
    }
    return c;
  }
  std::vector<Arg> args_of(const Node& n) const {  // kv_with / externaldata_with: children are arg nodes
    std::vector<Arg> out;
    for (const auto& a : n.children) {
      Arg arg;
      if (const Node* an = child(*a, K::arg_name)) {
        std::string_view t = sv(*an);
        arg.name = std::string(trim(t.substr(0, t.find('='))));
      }
      arg.value = expr(*a->children.back());
      out.push_back(std::move(arg));
    }
    return out;
  }
  Assignment assignment(const Node& n) const {  // assignment node
    Assignment a;
    a.range = range(n);
    for (const auto& c : n.children) {
      if (c->kind == K::assign_names) {
        for (const auto& nm : c->children) a.names.push_back(name_text(*nm));
      } else {
        a.value = expr(*c);
      }
    }
    return a;
  }
  std::vector<Assignment> assignments(const Node& n, std::size_t from = 0) const {
    std::vector<Assignment> out;
    for (std::size_t i = from; i < n.children.size(); ++i)
      if (n.children[i]->kind == K::assignment) out.push_back(assignment(*n.children[i]));
    return out;
  }
  ColumnDecl column_decl(const Node& n) const {
    return ColumnDecl{range(n), name_text(*n.children.at(0)), type_of(*n.children.at(1))};
  }

  // ---- tabular expressions
  Source source(const Node& head) const {
    Source s;
    s.range = range(head);
    switch (head.kind) {
      case K::name: s.node = TableRef{name_text(head), trim(sv(head)).front() == '[', false}; break;
      case K::call: s.node = CallSource{call(head)}; break;
      case K::paren_expr: s.node = ParenSource{tabular(*head.children.front())}; break;
      case K::src_datatable: {
        DatatableSource d;
        for (const auto& c : head.children) {
          if (c->kind == K::column_decl) d.schema.push_back(column_decl(*c));
          else if (c->kind == K::datatable_values)
            for (const auto& v : c->children) d.values.push_back(expr(*v));
        }
        s.node = std::move(d);
        break;
      }
      case K::src_externaldata: {
        ExternalDataSource d;
        for (const auto& c : head.children) {
          if (c->kind == K::column_decl) d.schema.push_back(column_decl(*c));
          else if (c->kind == K::datatable_values)
            for (const auto& v : c->children) d.uris.push_back(expr(*v));
          else if (c->kind == K::externaldata_with) d.with = args_of(*c);
        }
        s.node = std::move(d);
        break;
      }
      case K::src_union: {
        UnionSource u;
        u.params = op_params(head);
        u.tables = union_items(head);
        s.node = std::move(u);
        break;
      }
      case K::src_print: s.node = PrintSource{assignments(head)}; break;
      case K::src_range: {
        RangeSource r;
        r.column = std::string(trim(sv(*head.children.at(0))));
        r.from = expr(*head.children.at(1));
        r.to = expr(*head.children.at(2));
        r.step = expr(*head.children.at(3));
        s.node = std::move(r);
        break;
      }
      case K::src_search: s.node = search(head); break;
      case K::src_find: {
        Find f;
        for (const auto& c : head.children) {
          switch (c->kind) {
            case K::find_withsource: f.withsource = name_text(*c->children.at(0)); break;
            case K::search_in: f.has_in = true; f.tables = union_items(*c); break;
            case K::search_predicate: f.predicate = search_expr(*c, false); break;
            case K::find_project_smart: f.project_smart = true; break;
            case K::find_project:
              f.project_smart = false;
              for (const auto& it : c->children) {
                Find::Column col;
                col.range = range(*it);
                if (it->kind == K::find_pack_all) col.pack_all = true;
                else {
                  col.name = name_text(*it->children.at(0));
                  if (it->children.size() > 1) col.type = type_of(*it->children[1]);
                }
                f.columns.push_back(std::move(col));
              }
              break;
            default: break;
          }
        }
        s.node = std::move(f);
        break;
      }
      default: fail(head, "expected a table, a tabular expression or a tabular function call here");
    }
    return s;
  }
  std::vector<TabularPtr> union_items(const Node& n) const {
    std::vector<TabularPtr> out;
    for (const auto& c : n.children) {
      if (c->kind != K::union_item) continue;
      const Node& it = *c->children.at(0);
      auto t = std::make_unique<TabularExpr>();
      t->range = range(it);
      if (it.kind == K::wildcard_table) {
        t->source.range = range(it);
        t->source.node = TableRef{std::string(trim(sv(it))), false, true};
      } else {
        t->source = source(it);
      }
      out.push_back(std::move(t));
    }
    return out;
  }
  std::vector<OperatorParam> op_params(const Node& n) const {
    std::vector<OperatorParam> out;
    for (const auto& c : n.children) {
      if (c->kind != K::param_value) continue;
      // The parameter name precedes '=' before the value: scan back from the value.
      const char* v = c->m_begin.data;
      const char* p = v;
      while (p > text_.data() && std::isspace(static_cast<unsigned char>(p[-1]))) --p;
      if (p > text_.data() && p[-1] == '=') --p;
      while (p > text_.data() && std::isspace(static_cast<unsigned char>(p[-1]))) --p;
      const char* e = p;
      while (p > text_.data() && (is_ident_char(p[-1]) || p[-1] == '.')) --p;
      OperatorParam op;
      op.range = {static_cast<std::uint32_t>(p - text_.data()), range(*c).end};
      op.name = std::string(p, e);
      const Node* s = child(*c, K::string_literal);
      op.value = s ? string_value(*s) : std::string(trim(sv(*c)));
      out.push_back(std::move(op));
    }
    return out;
  }
  SortKey sort_key(const Node& n) const {
    SortKey k;
    k.range = range(n);
    k.value = expr(*n.children.at(0));
    for (std::size_t i = 1; i < n.children.size(); ++i) {
      const Node& c = *n.children[i];
      if (c.kind == K::sort_dir) k.descending = trim(sv(c)) == "desc";
      else if (c.kind == K::nulls_pos) k.nulls_first = sv(c).find("first") != std::string_view::npos;
    }
    return k;
  }
  std::vector<ExpandItem> expand_items(const Node& n) const {
    std::vector<ExpandItem> out;
    for (const auto& c : n.children) {
      if (c->kind != K::expand_item) continue;
      ExpandItem it;
      it.range = range(*c);
      for (const auto& p : c->children) {
        if (p->kind == K::expand_name) it.name = name_text(*p->children.at(0));
        else if (p->kind == K::to_typeof) it.to_type = type_of(*p->children.at(0));
        else it.value = expr(*p);
      }
      out.push_back(std::move(it));
    }
    return out;
  }
  static std::optional<std::string> itemindex(const std::vector<OperatorParam>& ps) {
    for (const auto& p : ps)
      if (p.name == "with_itemindex") return p.value;
    return std::nullopt;
  }
  std::vector<ExprPtr> join_on(const Node& n) const {
    std::vector<ExprPtr> out;
    const Node* conds = child(n, K::join_conditions);
    if (!conds) return out;
    for (const auto& c : conds->children) {
      ExprPtr e = expr(*c);
      flatten_and(std::move(e), out);
    }
    return out;
  }
  static void flatten_and(ExprPtr e, std::vector<ExprPtr>& out) {
    if (auto* b = e->as<Binary>(); b && b->op == BinaryOp::And) {
      flatten_and(std::move(b->lhs), out);
      flatten_and(std::move(b->rhs), out);
      return;
    }
    out.push_back(std::move(e));
  }
  TabularPtr join_right(const Node& n) const {
    const Node* jr = child(n, K::join_right);
    const Node& r = *jr->children.at(0);
    auto t = std::make_unique<TabularExpr>();
    if (r.kind == K::paren_expr) {
      const Node& inner = *r.children.front();
      return tabular(inner);
    }
    t->range = range(r);
    t->source = source(r);
    return t;
  }
  static JoinKind join_kind(std::string_view k) {
    static constexpr std::pair<std::string_view, JoinKind> table[] = {
        {"innerunique", JoinKind::InnerUnique}, {"inner", JoinKind::Inner}, {"leftouter", JoinKind::LeftOuter},
        {"rightouter", JoinKind::RightOuter}, {"fullouter", JoinKind::FullOuter}, {"outer", JoinKind::FullOuter},
        {"leftanti", JoinKind::LeftAnti}, {"anti", JoinKind::LeftAnti}, {"leftantisemi", JoinKind::LeftAnti},
        {"rightanti", JoinKind::RightAnti}, {"rightantisemi", JoinKind::RightAnti}, {"leftsemi", JoinKind::LeftSemi},
        {"semi", JoinKind::LeftSemi}, {"rightsemi", JoinKind::RightSemi}};
    for (const auto& [n, v] : table)
      if (n == k) return v;
    return JoinKind::Default;
  }

  // The operators of a parenthesised body over an ApplyInput source (facet's with, fork's legs).
  TabularPtr apply_input_chain(const Node& body) const {
    auto t = std::make_unique<TabularExpr>();
    t->range = range(body);
    t->source.range = range(body);
    t->source.node = ApplyInput{};
    for (const auto& c : body.children) t->operators.push_back(op(*c));
    return t;
  }
  Search search(const Node& n) const {
    Search s;
    s.params = op_params(n);
    bool cs = false;
    for (const auto& p : s.params) {
      if (p.name != "kind") continue;
      if (p.value == "case_sensitive") cs = true;
      else if (p.value != "default" && p.value != "case_insensitive")
        fail(n, "search kind must be default, case_insensitive or case_sensitive, not '" + p.value + "'");
    }
    for (const auto& c : n.children) {
      if (c->kind == K::search_in) { s.has_in = true; s.tables = union_items(*c); }
      else if (c->kind == K::search_predicate) s.predicate = search_expr(*c, cs);
    }
    return s;
  }
  // search-operator, "Search predicate syntax": a term's `*`s choose the operator.
  ExprPtr search_term(const Node& at, ExprPtr lhs, const std::string& text, bool cs) const {
    std::size_t b = 0, e = text.size();
    while (b < e && text[b] == '*') ++b;
    while (e > b && text[e - 1] == '*') --e;
    const bool lead = b > 0, trail = e < text.size();
    const std::string core = text.substr(b, e - b);
    if (core.empty() && (lead || trail)) return make(at, Literal{Type::Bool, true});  // "*": every record
    if (core.find('*') == std::string::npos) {
      const BinaryOp op = lead && trail ? BinaryOp::Contains : lead ? BinaryOp::HasSuffix : trail ? BinaryOp::HasPrefix : BinaryOp::Has;
      return binary(range(at), op, std::move(lhs), make(at, Literal{Type::String, core}));
    }
    // "Lab*PC" is `matches regex @"\bLab.*PC\b"`; case-insensitive unless kind=case_sensitive
    std::string re = cs ? "" : "(?i)";
    if (!lead) re += "\\b";
    for (char c : core) {
      if (c == '*') re += ".*";
      else {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && !(static_cast<unsigned char>(c) & 0x80)) re.push_back('\\');
        re.push_back(c);
      }
    }
    if (!trail) re += "\\b";
    return binary(range(at), BinaryOp::MatchesRegex, std::move(lhs), make(at, Literal{Type::String, re}));
  }
  static BinaryOp case_sensitive(BinaryOp op) {
    switch (op) {
      case BinaryOp::Has: return BinaryOp::HasCs;
      case BinaryOp::NotHas: return BinaryOp::NotHasCs;
      case BinaryOp::HasPrefix: return BinaryOp::HasPrefixCs;
      case BinaryOp::NotHasPrefix: return BinaryOp::NotHasPrefixCs;
      case BinaryOp::HasSuffix: return BinaryOp::HasSuffixCs;
      case BinaryOp::NotHasSuffix: return BinaryOp::NotHasSuffixCs;
      case BinaryOp::Contains: return BinaryOp::ContainsCs;
      case BinaryOp::NotContains: return BinaryOp::NotContainsCs;
      case BinaryOp::StartsWith: return BinaryOp::StartsWithCs;
      case BinaryOp::NotStartsWith: return BinaryOp::NotStartsWithCs;
      case BinaryOp::EndsWith: return BinaryOp::EndsWithCs;
      case BinaryOp::NotEndsWith: return BinaryOp::NotEndsWithCs;
      case BinaryOp::EqCi: return BinaryOp::Eq;
      case BinaryOp::NeCi: return BinaryOp::Ne;
      default: return op;
    }
  }
  static void make_case_sensitive(Expr& e) {
    if (auto* b = e.as<Binary>()) {
      b->op = case_sensitive(b->op);
      make_case_sensitive(*b->lhs);
      make_case_sensitive(*b->rhs);
    } else if (auto* u = e.as<Unary>()) {
      make_case_sensitive(*u->operand);
    } else if (auto* c = e.as<Call>()) {
      for (auto& a : c->args) make_case_sensitive(*a.value);
    }
  }
  ExprPtr search_expr(const Node& n, bool cs) const {
    ExprPtr e = search_node(n, cs);
    if (cs) make_case_sensitive(*e);
    return e;
  }
  ExprPtr search_node(const Node& n, bool cs) const {
    switch (n.kind) {
      case K::search_predicate: return search_node(*n.children.at(0), cs);
      case K::search_or: case K::search_and: {
        const BinaryOp op = n.kind == K::search_or ? BinaryOp::Or : BinaryOp::And;
        ExprPtr acc = search_node(*n.children[0], cs);
        for (std::size_t i = 1; i < n.children.size(); ++i) acc = binary(span(n, i), op, std::move(acc), search_node(*n.children[i], cs));
        return acc;
      }
      case K::search_term: return search_term(n, make(n, Star{}), string_value(*n.children.at(0)), cs);
      case K::search_column_term: {
        const Node& nm = *n.children.at(0);
        return search_term(n, make(nm, Name{name_text(nm), trim(sv(nm)).front() == '['}), string_value(*n.children.at(1)), cs);
      }
      case K::search_star_cmp: return binary(range(n), binary_op(sv(*n.children.at(0))), make(n, Star{}), expr(*n.children.at(1)));
      case K::search_all: return make(n, Literal{Type::Bool, true});
      case K::search_not: {
        Call c;
        c.name = "not";
        c.name_range = range(n);
        c.args.push_back(Arg{std::nullopt, search_node(*n.children.at(0), cs)});
        return make(n, std::move(c));
      }
      case K::search_paren: {
        ExprPtr e = search_node(*n.children.at(0), cs);
        e->range = range(n);
        return e;
      }
      default: return expr(n);
    }
  }

  Operator op(const Node& n) const {
    Operator o;
    o.range = range(n);
    {
      std::string_view t = sv(n);
      std::size_t i = 0;
      while (i < t.size() && (is_ident_char(t[i]) || t[i] == '-')) ++i;
      o.name = std::string(t.substr(0, i));
    }
    switch (n.kind) {
      case K::op_where: o.op = Where{expr(*n.children.at(0))}; break;
      case K::op_extend: o.op = Extend{assignments(n)}; break;
      case K::op_project: o.op = Project{assignments(n)}; break;
      case K::op_project_away: case K::op_project_keep: {
        std::vector<std::string> cols;
        for (const auto& c : n.children) cols.push_back(name_text(*c));
        if (n.kind == K::op_project_away) o.op = ProjectAway{std::move(cols)};
        else o.op = ProjectKeep{std::move(cols)};
        break;
      }
      case K::op_project_rename: {
        ProjectRename r;
        for (const auto& c : n.children)
          r.items.push_back({range(*c), name_text(*c->children.at(0)), name_text(*c->children.at(1))});
        o.op = std::move(r);
        break;
      }
      case K::op_project_reorder: {
        ProjectReorder r;
        for (const auto& c : n.children) {
          ProjectReorder::Item it{range(*c), name_text(*c->children.at(0)), std::nullopt};
          if (c->children.size() > 1) it.order = std::string(trim(sv(*c->children[1])));
          r.items.push_back(std::move(it));
        }
        o.op = std::move(r);
        break;
      }
      case K::op_summarize: {
        Summarize s;
        s.params = op_params(n);
        if (const Node* a = child(n, K::summarize_aggs)) s.aggregates = assignments(*a);
        if (const Node* b = child(n, K::by_clause)) s.by = assignments(*b);
        o.op = std::move(s);
        break;
      }
      case K::op_join: {
        Join j;
        j.params = op_params(n);
        for (const auto& p : j.params)
          if (p.name == "kind") {
            j.kind = join_kind(p.value);
            if (j.kind == JoinKind::Default) fail(n, "unknown join kind '" + p.value + "'");
          }
        j.right = join_right(n);
        j.on = join_on(n);
        o.op = std::move(j);
        break;
      }
      case K::op_lookup: {
        Lookup l;
        l.params = op_params(n);
        for (const auto& p : l.params)
          if (p.name == "kind") {
            if (p.value == "inner") l.inner = true;
            else if (p.value != "leftouter") fail(n, "lookup kind must be leftouter or inner, not '" + p.value + "'");
          }
        l.right = join_right(n);
        l.on = join_on(n);
        o.op = std::move(l);
        break;
      }
      case K::op_mv_expand: {
        MvExpand m;
        m.params = op_params(n);
        m.with_itemindex = itemindex(m.params);
        m.items = expand_items(n);
        if (const Node* l = child(n, K::limit_clause)) m.limit = expr(*l->children.at(0));
        o.op = std::move(m);
        break;
      }
      case K::op_mv_apply: {
        MvApply m;
        m.params = op_params(n);
        m.with_itemindex = itemindex(m.params);
        m.items = expand_items(n);
        if (const Node* l = child(n, K::limit_clause)) m.limit = expr(*l->children.at(0));
        const Node& body = *child(n, K::apply_body);
        auto t = std::make_unique<TabularExpr>();
        t->range = range(body);
        t->source.range = range(body);
        t->source.node = ApplyInput{};
        for (const auto& c : body.children) t->operators.push_back(op(*c));
        m.subquery = std::move(t);
        o.op = std::move(m);
        break;
      }
      case K::op_parse: {
        Parse p;
        p.where = child(n, K::parse_where_kw) != nullptr;
        p.params = op_params(n);
        for (const auto& pr : p.params) {
          if (pr.name == "kind") {
            if (pr.value == "simple") p.kind = ParseKind::Simple;
            else if (pr.value == "regex") p.kind = ParseKind::Regex;
            else if (pr.value == "relaxed") p.kind = ParseKind::Relaxed;
            else fail(n, "parse kind must be simple, regex or relaxed, not '" + pr.value + "'");
          } else if (pr.name == "flags") {
            p.flags = pr.value;
          }
        }
        for (const auto& c : n.children) {
          switch (c->kind) {
            case K::parse_source: p.source = expr(*c); break;
            case K::string_literal: p.pattern.push_back({range(*c), ParsePart::Kind::Text, string_value(*c), {}, {}}); break;
            case K::parse_star: p.pattern.push_back({range(*c), ParsePart::Kind::Star, {}, {}, {}}); break;
            case K::parse_column: {
              ParsePart part{range(*c), ParsePart::Kind::Column, {}, name_text(*c->children.at(0)), {}};
              if (c->children.size() > 1) part.type = type_of(*c->children[1]);
              p.pattern.push_back(std::move(part));
              break;
            }
            default: break;
          }
        }
        o.op = std::move(p);
        break;
      }
      case K::op_parse_kv: {
        ParseKv p;
        for (const auto& c : n.children) {
          if (c->kind == K::parse_source) p.source = expr(*c);
          else if (c->kind == K::column_decl) p.columns.push_back(column_decl(*c));
          else if (c->kind == K::kv_with) p.with = args_of(*c);
        }
        o.op = std::move(p);
        break;
      }
      case K::op_make_series: {
        MakeSeries m;
        m.params = op_params(n);
        for (const auto& c : n.children) {
          switch (c->kind) {
            case K::series_agg: {
              MakeSeries::Aggregate a{assignment(*c->children.at(0)), nullptr};
              if (c->children.size() > 1) a.default_value = expr(*c->children[1]->children.at(0));
              m.aggregates.push_back(std::move(a));
              break;
            }
            case K::series_axis: m.axis = expr(*c); break;
            case K::series_from: m.from = expr(*c->children.at(0)); break;
            case K::series_to: m.to = expr(*c->children.at(0)); break;
            case K::series_step: m.step = expr(*c->children.at(0)); break;
            case K::series_in_range:
              m.from = expr(*c->children.at(0));
              m.to = expr(*c->children.at(1));
              m.step = expr(*c->children.at(2));
              break;
            case K::by_clause: m.by = assignments(*c); break;
            default: break;
          }
        }
        o.op = std::move(m);
        break;
      }
      case K::op_evaluate: {
        Evaluate e;
        e.params = op_params(n);
        const Node& c = *child(n, K::call);
        e.plugin = call(c);
        e.plugin_range = range(c);
        o.op = std::move(e);
        break;
      }
      case K::op_sort: {
        Sort s;
        for (const auto& c : n.children)
          if (c->kind == K::sort_key) s.keys.push_back(sort_key(*c));
        o.op = std::move(s);
        break;
      }
      case K::op_top: o.op = Top{expr(*n.children.at(0)), sort_key(*n.children.at(1))}; break;
      case K::op_top_nested: {
        TopNested t;
        for (const auto& lv : n.children) {
          TopNested::Level l;
          l.range = range(*lv);
          for (const auto& c : lv->children) {
            switch (c->kind) {
              case K::nested_count: l.count = expr(*c); break;
              case K::nested_of: l.of = assignment(*c->children.at(0)); break;
              case K::others_clause: l.others = expr(*c->children.at(0)); break;
              case K::nested_by: l.by = assignment(*c->children.at(0)); break;
              case K::sort_dir: l.descending = trim(sv(*c)) == "desc"; break;
              default: break;
            }
          }
          t.levels.push_back(std::move(l));
        }
        o.op = std::move(t);
        break;
      }
      case K::op_take: o.op = Take{expr(*n.children.back())}; break;
      case K::op_distinct: {
        Distinct d;
        if (const Node* s = child(n, K::distinct_star)) {
          Assignment a;
          a.range = range(*s);
          a.value = make(*s, Star{});
          d.items.push_back(std::move(a));
        } else {
          d.items = assignments(n);
        }
        o.op = std::move(d);
        break;
      }
      case K::op_count: {
        Count c;
        if (const auto* ca = child(n, K::count_as)) c.name = name_text(*child(*ca, K::name));
        o.op = std::move(c);
        break;
      }
      case K::op_serialize: o.op = Serialize{assignments(n)}; break;
      case K::op_as: o.op = As{op_params(n), name_text(*child(n, K::name))}; break;
      case K::op_invoke: o.op = Invoke{call(*child(n, K::call))}; break;
      case K::op_getschema: o.op = Getschema{}; break;
      case K::op_sample: o.op = Sample{expr(*n.children.at(0))}; break;
      case K::op_sample_distinct: o.op = SampleDistinct{expr(*n.children.at(0)), expr(*n.children.at(1))}; break;
      case K::op_union: o.op = UnionOp{op_params(n), union_items(n)}; break;
      case K::op_render: o.op = Render{std::string(trim(sv(*n.children.at(0))))}; break;
      case K::op_partition: {
        Partition p;
        p.params = op_params(n);
        p.column = name_text(*child(n, K::partition_column)->children.at(0));
        const Node& body = *child(n, K::apply_body);
        auto t = std::make_unique<TabularExpr>();
        t->range = range(body);
        t->source.range = range(body);
        t->source.node = ApplyInput{};
        for (const auto& c : body.children) t->operators.push_back(op(*c));
        p.subquery = std::move(t);
        o.op = std::move(p);
        break;
      }
      case K::op_consume: o.op = Consume{op_params(n)}; break;
      case K::op_project_by_names: {
        ProjectByNames p;
        for (const auto& c : child(n, K::by_names_items)->children) p.specs.push_back(expr(*c));
        o.op = std::move(p);
        break;
      }
      case K::op_top_hitters: {
        TopHitters t;
        t.count = expr(*n.children.at(0));
        t.of = expr(*child(n, K::hitters_of));
        if (const Node* b = child(n, K::hitters_by)) t.by = expr(*b->children.back());
        o.op = std::move(t);
        break;
      }
      case K::op_scan: {
        Scan sc;
        for (const auto& c : n.children) {
          if (c->kind == K::scan_match_id) sc.match_id = name_text(*c->children.at(0));
          else if (c->kind == K::scan_declare) {
            for (const auto& d : c->children) {
              Scan::Declared x;
              x.column = column_decl(*d->children.at(0));
              if (d->children.size() > 1) x.default_value = expr(*d->children.at(1));
              sc.declared.push_back(std::move(x));
            }
          } else if (c->kind == K::scan_step) {
            Scan::Step st;
            st.range = range(*c);
            for (const auto& p : c->children) {
              switch (p->kind) {
                case K::name: st.name = name_text(*p); break;
                case K::scan_output: {
                  std::string_view v = trim(sv(*p));
                  st.output = std::string(trim(v.substr(v.find('=') + 1)));
                  break;
                }
                case K::scan_condition: st.condition = expr(*p); break;
                case K::scan_assigns: st.assignments = assignments(*p); break;
                default: break;
              }
            }
            sc.steps.push_back(std::move(st));
          }
        }
        o.op = std::move(sc);
        break;
      }

      case K::op_search: o.op = search(n); break;
      case K::op_facet: {
        Facet f;
        for (const auto& c : n.children) {
          if (c->kind == K::facet_column) f.columns.push_back({range(*c), name_text(*c->children.at(0))});
          else if (c->kind == K::facet_with) f.with = apply_input_chain(*c->children.at(0));
        }
        o.op = std::move(f);
        break;
      }
      case K::op_fork: {
        Fork f;
        for (const auto& c : n.children) {
          Fork::Leg leg;
          leg.range = range(*c);
          if (const Node* nm = child(*c, K::fork_name)) leg.name = name_text(*nm->children.at(0));
          leg.query = apply_input_chain(*child(*c, K::apply_body));
          f.legs.push_back(std::move(leg));
        }
        o.op = std::move(f);
        break;
      }
      case K::op_reduce: o.op = Reduce{op_params(n), expr(*child(n, K::reduce_by)->children.at(0))}; break;
      default: fail(n, "internal error: unknown operator node");
    }
    return o;
  }

  TabularPtr tabular(const Node& pipe) const {
    auto t = std::make_unique<TabularExpr>();
    t->range = range(pipe);
    if (pipe.kind != K::pipe_expr) {
      t->source = source(pipe);
      return t;
    }
    t->source = source(*pipe.children.front());
    for (std::size_t i = 1; i < pipe.children.size(); ++i) t->operators.push_back(op(*pipe.children[i]));
    return t;
  }

  Param param(const Node& n) const {
    Param p;
    p.range = range(n);
    p.name = name_text(*n.children.at(0));
    for (std::size_t i = 1; i < n.children.size(); ++i) {
      const Node& c = *n.children[i];
      if (c.kind == K::type_name) p.type = type_of(c);
      else if (c.kind == K::tabular_param_schema) {
        p.tabular = true;
        for (const auto& cd : c.children) p.columns.push_back(column_decl(*cd));
        p.any_columns = p.columns.empty();
      } else if (c.kind == K::param_default) {
        p.default_value = expr(*c.children.at(0));
      }
    }
    return p;
  }
  std::vector<Param> param_list(const Node& n) const {
    std::vector<Param> out;
    for (const auto& c : n.children) out.push_back(param(*c));
    return out;
  }

  Statement statement(const Node& n, bool in_function) const {
    Statement s;
    s.range = range(n);
    switch (n.kind) {
      case K::let_stmt: {
        Let l;
        const Node& nm = *n.children.at(0);
        l.name = name_text(nm);
        l.name_range = range(nm);
        const Node& v = *n.children.at(1);
        if (v.kind == K::function_def) {
          FunctionDef f;
          f.params = param_list(*child(v, K::param_list));
          f.body = std::make_unique<FunctionBody>();
          const Node& body = *child(v, K::function_body);
          for (const auto& c : body.children) {
            if (c->kind == K::set_stmt) continue;
            f.body->statements.push_back(statement(*c, true));
          }
          l.value = std::move(f);
        } else if (is_tabular(v)) {
          l.value = tabular(v);
        } else {
          l.value = expr(*v.children.front());
        }
        s.node = std::move(l);
        break;
      }
      case K::declare_stmt: s.node = DeclareQueryParameters{param_list(*n.children.at(0))}; break;
      case K::pipe_expr:
        if (in_function && !is_tabular(n)) s.node = ScalarStatement{expr(*n.children.front())};
        else s.node = TabularStatement{tabular(n)};
        break;
      default: fail(n, "internal error: unknown statement");
    }
    return s;
  }
};

// A message a user understands, from the raw PEGTL error at `offset`.
// The innermost '(' still open at `offset` (strings and comments skipped), or npos.
std::size_t open_paren_before(std::string_view text, std::size_t offset) {
  std::vector<std::size_t> stack;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    const char c = text[i];
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '\'' || c == '"') {
      const bool verbatim = i > 0 && text[i - 1] == '@';
      for (++i; i < text.size() && text[i] != c && text[i] != '\n'; ++i)
        if (!verbatim && text[i] == '\\') ++i;
    } else if (c == '(') {
      stack.push_back(i);
    } else if (c == ')' && !stack.empty()) {
      stack.pop_back();
    }
  }
  return stack.empty() ? std::string_view::npos : stack.back();
}

std::string explain(std::string_view text, std::size_t offset, std::string_view raw, const QueryLocation& loc) {
  if (raw == "expected ')'") {
    const std::size_t open = open_paren_before(text, offset);
    if (open != std::string_view::npos) {
      const Error at = loc.error_at(text, open, "");
      return "expected ')' to close the '(' at " + std::to_string(at.line) + ":" + std::to_string(at.column);
    }
  }
  auto word_at = [&](std::size_t at) {
    std::size_t e = at;
    while (e < text.size() && (is_ident_char(text[e]) || text[e] == '-')) ++e;
    return text.substr(at, e - at);
  };
  if (raw == "unknown tabular operator") {
    const std::string_view w = word_at(offset);
    if (w.empty()) {
      if (offset >= text.size()) return "expected a tabular operator after '|'";
      return "expected a tabular operator after '|', found '" + std::string(1, text[offset]) + "'";
    }
    std::string best;
    std::size_t best_d = 3;
    for (const char* o : kOperators) {
      const std::size_t d = edit_distance(w, o);
      if (d < best_d) { best_d = d; best = o; }
    }
    std::string msg = "unknown tabular operator '" + std::string(w) + "' after '|'";
    if (!best.empty()) msg += " (did you mean '" + best + "'?)";
    return msg;
  }
  if (raw == "expected ';' or the end of the query" && offset < text.size()) {
    const char c = text[offset];
    if (c == ')') return "unexpected ')' without a matching '('";
    if (c == ']') return "unexpected ']' without a matching '['";
    if (c == '=' && (offset + 1 >= text.size() || (text[offset + 1] != '=' && text[offset + 1] != '~')))
      return "unexpected '=': the comparison operator is '==' (or '=~' ignoring case)";
    const std::string_view w = word_at(offset);
    if (!w.empty()) return "unexpected '" + std::string(w) + "': expected '|', ';' or the end of the query";
    return "unexpected '" + std::string(1, c) + "': expected '|', ';' or the end of the query";
  }
  if (raw.substr(0, 20) == "parse error matching") return "syntax error";
  return std::string(raw);
}

}  // namespace

Result<Query> parse_query(std::string_view text, const ParseOptions& options) {
  if (text.size() > 0xFFFFFFF0u) return options.location.error_at(text, 0, "query too long");
  Depth depth{0, options.max_depth};
  pegtl::memory_input<pegtl::tracking_mode::lazy> in(text.data(), text.size(), options.location.file);
  try {
    auto root = pegtl::parse_tree::parse<g::query, Node, selector, depth_action, control>(in, depth);
    if (!root) return options.location.error_at(text, 0, "syntax error");
    Query q;
    q.text = std::string(text);
    // Ranges index the caller's text; Query::text is a copy with identical offsets.
    Converter conv(text);
    q.statements = conv.query(*root, &q.set_options);
    if (q.statements.empty()) return options.location.error_at(text, 0, "the query is empty");
    if (!q.result()) {
      const std::size_t end = q.statements.back().range.end;
      return options.location.error_at(text, end, "the query has no tabular expression after its let statements");
    }
    return q;
  } catch (const pegtl::parse_error& e) {
    const std::size_t off = e.positions().empty() ? 0 : e.positions().front().byte;
    return options.location.error_at(text, off, explain(text, off, e.message(), options.location));
  } catch (const ConvertError& e) {
    return options.location.error_at(text, e.offset, e.message);
  } catch (const std::exception& e) {
    return options.location.error_at(text, 0, std::string("internal error while parsing: ") + e.what());
  }
}

namespace detail {
std::size_t analyze_grammar() { return pegtl::analyze<g::query>(1); }
}  // namespace detail

}  // namespace rulelab::kusto
