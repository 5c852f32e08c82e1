// The typed syntax tree of a Kusto query, as the front end builds it from the PEGTL parse tree.
//
// Conventions an executor can rely on:
// - Every node carries a SourceRange: byte offsets [begin, end) into the query text (Query::text).
//   QueryLocation (parser.hpp) maps such an offset to line/column in the rule file.
// - Kusto keywords are case-sensitive; names are kept exactly as written (brackets and quotes of
//   ['a b'] removed, Name::quoted tells).
// - Syntax that cannot be told apart without a schema is left to the binder and documented at the
//   node (e.g. `let T = SigninLogs;` is a scalar-looking Name that denotes a table).
// - Trees own their children through std::unique_ptr; nodes are move-only.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/dynamic.hpp"
#include "core/types.hpp"

namespace rulelab::kusto {

// Byte offsets [begin, end) into the query text.
struct SourceRange {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

struct Expr;
struct TabularExpr;
using ExprPtr = std::unique_ptr<Expr>;
using TabularPtr = std::unique_ptr<TabularExpr>;

// =============================== scalar expressions ===============================

// A literal with its typed value. `type` is the Kusto type (Int for int(5), Long for 5, Real for
// 1.5 and real(...), Decimal for decimal(...) kept as double). A typed null such as long(null),
// datetime(null), dynamic(null) has value == monostate. String literals are never null; adjacent
// string literals ('a' 'b') are concatenated into one Literal. Dynamic literals (dynamic([...]),
// dynamic({...}), dynamic(5)) hold core Dynamic; dynamic(null) is a Dynamic holding JSON null
// (Kusto's dynamic null), not monostate.
struct Literal {
  Type type = Type::String;
  std::variant<std::monostate, bool, std::int64_t, double, std::string, DateTime, TimeSpan, Guid, Dynamic> value;
  bool is_null() const { return std::holds_alternative<std::monostate>(value); }
};

// A name: a column, a let-bound variable, a function parameter. `quoted` for ['x'] / ["x"] / [x].
// A bare name may also denote a table or a tabular let (e.g. `x in (T)`, `let A = SigninLogs;`):
// the binder resolves it.
struct Name {
  std::string name;
  bool quoted = false;
};

// $left / $right (join and lookup conditions). Used as the object of a Member node: $left.Col.
struct JoinSideRef {
  bool right = false;
};

// a.b and a['b'] / a["b"] (bracketed = true). object may be a JoinSideRef.
struct Member {
  ExprPtr object;
  std::string member;
  bool bracketed = false;
};

// a[0], a[-1], a[expr] (index is any scalar expression other than a string literal).
struct Index {
  ExprPtr object;
  ExprPtr index;
};

enum class UnaryOp : std::uint8_t { Negate, Plus };

struct Unary {
  UnaryOp op = UnaryOp::Negate;
  ExprPtr operand;
};

// Binary operators. String operators: the plain form is case-insensitive unless its name ends in
// Cs; Not* is the negation (e.g. `!has_cs` is NotHasCs). `=~`/`!~` are EqCi/NeCi.
enum class BinaryOp : std::uint8_t {
  // arithmetic
  Add, Sub, Mul, Div, Mod,
  // comparison
  Lt, Le, Gt, Ge, Eq, Ne, EqCi, NeCi,
  // logical
  And, Or,
  // string predicates
  Has, NotHas, HasCs, NotHasCs,
  HasPrefix, NotHasPrefix, HasPrefixCs, NotHasPrefixCs,
  HasSuffix, NotHasSuffix, HasSuffixCs, NotHasSuffixCs,
  Contains, NotContains, ContainsCs, NotContainsCs,
  StartsWith, NotStartsWith, StartsWithCs, NotStartsWithCs,
  EndsWith, NotEndsWith, EndsWithCs, NotEndsWithCs,
  MatchesRegex,
};

struct Binary {
  BinaryOp op = BinaryOp::Eq;
  ExprPtr lhs;
  ExprPtr rhs;
};

// Set membership: `x in (1, 2)`, `x !in~ ("a", "b")`, `x has_any ("a", "b")`, `x has_all (...)`.
// Exactly one of `items` / `subquery` is used. Each item is a scalar expression; an item that
// evaluates to a dynamic array contributes its elements (Kusto flattens `in (dynamic([..]))`);
// an item that is a Name may denote a tabular let or a table (its first column), binder decides.
// `subquery` is set when the parenthesised operand is a pipeline (`x in (T | project y)`).
enum class InOp : std::uint8_t { In, NotIn, InCi, NotInCi, HasAny, HasAll };

struct InExpr {
  InOp op = InOp::In;
  ExprPtr lhs;
  std::vector<ExprPtr> items;
  TabularPtr subquery;
};

// x between (low .. high), x !between (low .. high): inclusive on both ends.
struct Between {
  ExprPtr lhs;
  ExprPtr low;
  ExprPtr high;
  bool negated = false;
};

// An argument of a function call. `name` is set for named arguments (f(x, kind=1)).
struct Arg {
  std::optional<std::string> name;
  ExprPtr value;
};

// f(args). Built-in scalar and aggregation functions and calls of user (let) functions alike.
// count(*) and similar have a single Star argument. iff/case/coalesce/materialize/toscalar are
// ordinary calls here; a tabular argument (toscalar(T | count), materialize(T | ...)) is a
// TabularArg expression, while a bare table name as argument (materialize(T), MyFunc(SigninLogs))
// stays a Name that the binder resolves. Type-converting literal forms (datetime(...), long(5), dynamic(...)) are
// Literals, not calls.
struct Call {
  std::string name;
  std::vector<Arg> args;
  SourceRange name_range;
};

// `*` where Kusto accepts it: count(*)-style arguments and `project`-free contexts (distinct *).
struct Star {};

// A tabular expression in a scalar position: argument of toscalar()/materialize()/a user function
// with a tabular parameter, or the operand of `in (...)` when written as a pipeline.
struct TabularArg {
  TabularPtr query;
};

using ExprNode = std::variant<Literal, Name, JoinSideRef, Member, Index, Unary, Binary, InExpr, Between, Call, Star, TabularArg>;

struct Expr {
  SourceRange range;
  ExprNode node;

  template <class T>
  const T* as() const { return std::get_if<T>(&node); }
  template <class T>
  T* as() { return std::get_if<T>(&node); }
};

// `name = expr` in extend/project/summarize/print..., `(a, b) = expr` for functions returning
// several columns, or a bare `expr` (names empty: Kusto derives the column name, e.g. `Col`,
// `count_`, `Column1`; the binder applies those rules).
struct Assignment {
  SourceRange range;
  std::vector<std::string> names;
  ExprPtr value;
};

// =============================== tabular expressions ===============================

// A column declaration `name:type` (datatable, externaldata, parse, parse-kv, function parameters).
struct ColumnDecl {
  SourceRange range;
  std::string name;
  Type type = Type::String;
};

// `hint.strategy=shuffle`, `kind=inner`, `isfuzzy=true`, `withsource=T`, `with_itemindex=i`,
// `bagexpansion=array`, ...: operator parameters as written, value kept as text (unquoted when
// it was a string literal).
struct OperatorParam {
  SourceRange range;
  std::string name;
  std::string value;
};

struct Where {
  ExprPtr predicate;
};
struct Extend {
  std::vector<Assignment> items;
};
struct Project {
  std::vector<Assignment> items;
};
// Column name patterns as written: names or wildcards (`Prop*`, `*_s`).
struct ProjectAway {
  std::vector<std::string> columns;
};
struct ProjectKeep {
  std::vector<std::string> columns;
};
struct ProjectRename {
  struct Item {
    SourceRange range;
    std::string new_name;
    std::string old_name;
  };
  std::vector<Item> items;
};
struct ProjectReorder {
  struct Item {
    SourceRange range;
    std::string pattern;
    std::optional<std::string> order;  // "asc", "desc", "granny-asc", "granny-desc"
  };
  std::vector<Item> items;
};
struct Summarize {
  std::vector<OperatorParam> params;  // hint.strategy, hint.shufflekey, hint.num_partitions
  std::vector<Assignment> aggregates;
  std::vector<Assignment> by;
};

// The join kinds; Default is what Kusto does without kind= (innerunique).
enum class JoinKind : std::uint8_t {
  Default, InnerUnique, Inner, LeftOuter, RightOuter, FullOuter, LeftAnti, RightAnti, LeftSemi, RightSemi
};

// join kind=... hint.*=... (right) on Col, $left.A == $right.B, ...
// Each `on` entry is either a Name (same column on both sides) or an equality Binary whose sides
// are Member{JoinSideRef,...} expressions; several entries are ANDed (`and` is also accepted and
// flattened into separate entries).
struct Join {
  JoinKind kind = JoinKind::Default;
  std::vector<OperatorParam> params;  // hints and any other name=value parameters
  TabularPtr right;
  std::vector<ExprPtr> on;
};

// lookup kind=leftouter|inner (right) on ... (same `on` form as join).
struct Lookup {
  bool inner = false;  // kind=inner; default leftouter
  std::vector<OperatorParam> params;
  TabularPtr right;
  std::vector<ExprPtr> on;
};

// One expanded column of mv-expand / mv-apply: `[name =] expr [to typeof(type)]`.
struct ExpandItem {
  SourceRange range;
  std::optional<std::string> name;
  ExprPtr value;
  std::optional<Type> to_type;
};

struct MvExpand {
  std::vector<OperatorParam> params;  // bagexpansion=..., kind=...
  std::optional<std::string> with_itemindex;
  std::vector<ExpandItem> items;
  ExprPtr limit;  // `limit N`, may be null
};

// mv-apply [with_itemindex=i] items [limit N] [id=...] on (subquery)
struct MvApply {
  std::vector<OperatorParam> params;
  std::optional<std::string> with_itemindex;
  std::vector<ExpandItem> items;
  ExprPtr limit;
  TabularPtr subquery;  // source: ApplyInput (each row's expanded items), then the operators
};

// parse / parse-where: `parse [kind=simple|regex|relaxed [flags=...]] expr with pattern`.
// The pattern alternates string literals and column declarations; `*` skips text.
enum class ParseKind : std::uint8_t { Simple, Regex, Relaxed };
struct ParsePart {
  SourceRange range;
  enum class Kind : std::uint8_t { Text, Column, Star } kind = Kind::Text;
  std::string text;          // Text: the literal
  std::string column;        // Column: its name
  std::optional<Type> type;  // Column: declared type (string when absent)
};
struct Parse {
  bool where = false;  // parse-where: drops rows that do not match
  ParseKind kind = ParseKind::Simple;
  std::string flags;  // regex flags (kind=regex flags=Ui)
  std::vector<OperatorParam> params;
  ExprPtr source;
  std::vector<ParsePart> pattern;
};

// parse-kv expr as (col:type, ...) with (pair_delimiter=..., kv_delimiter=..., quote=..., ...)
struct ParseKv {
  ExprPtr source;
  std::vector<ColumnDecl> columns;
  std::vector<Arg> with;
};

// make-series [kind=nonempty] agg [default=v], ... on axis [from a] [to b] step s | in range(a,b,s) [by ...]
struct MakeSeries {
  struct Aggregate {
    Assignment agg;
    ExprPtr default_value;  // may be null
  };
  std::vector<OperatorParam> params;
  std::vector<Aggregate> aggregates;
  ExprPtr axis;
  ExprPtr from;  // may be null
  ExprPtr to;    // may be null
  ExprPtr step;
  std::vector<Assignment> by;
};

// evaluate [hint.*=...] plugin(args): bag_unpack, pivot, ipv4_lookup, any plugin by name.
struct Evaluate {
  std::vector<OperatorParam> params;
  Call plugin;
  SourceRange plugin_range;
};

struct SortKey {
  SourceRange range;
  ExprPtr value;
  bool descending = true;           // Kusto's default order is desc
  std::optional<bool> nulls_first;  // default: nulls last for desc, first for asc
};
struct Sort {  // sort by / order by
  std::vector<SortKey> keys;
};
struct Top {
  ExprPtr count;
  SortKey by;
};
// top-nested N of Expr [with others = v] by Agg [asc|desc], ...
struct TopNested {
  struct Level {
    SourceRange range;
    ExprPtr count;  // may be null (top-nested of X by ...)
    Assignment of;
    ExprPtr others;  // `with others = v`, may be null
    Assignment by;
    bool descending = true;
  };
  std::vector<Level> levels;
};
struct Take {  // take / limit
  ExprPtr count;
};
struct Distinct {  // distinct a, b / distinct *
  std::vector<Assignment> items;  // a single item holding Star for `distinct *`
};
struct Count {
  std::string name = "Count";  // count as Name
};
struct Serialize {
  std::vector<Assignment> items;
};
struct As {
  std::vector<OperatorParam> params;
  std::string name;
};
struct Invoke {
  Call function;
};
struct Getschema {};
struct Sample {
  ExprPtr count;
};
struct SampleDistinct {
  ExprPtr count;
  ExprPtr of;
};
// union as an operator: `T | union [kind=..] [withsource=..] [isfuzzy=..] A, B`.
struct UnionOp {
  std::vector<OperatorParam> params;
  std::vector<TabularPtr> tables;
};
// render: accepted and ignored (visualisation only).
struct Render {
  std::string chart;
};

// consume [decodeblocks=...]: runs the input, returns no rows.
struct Consume {
  std::vector<OperatorParam> params;
};
// project-by-names Spec, ...: each a column name, a name pattern with '*', or a dynamic array of names.
struct ProjectByNames {
  std::vector<ExprPtr> specs;
};
// top-hitters N of Expr [by SumExpr]
struct TopHitters {
  ExprPtr count;
  ExprPtr of;
  ExprPtr by;  // may be null: counts
};
// scan [with_match_id=Name] [declare (c:type [= v], ...)] with (step ...; ...)
struct Scan {
  struct Declared {
    ColumnDecl column;
    ExprPtr default_value;  // may be null (null of the type)
  };
  struct Step {
    SourceRange range;
    std::string name;
    std::string output = "all";  // all, last, none
    ExprPtr condition;
    std::vector<Assignment> assignments;
  };
  std::optional<std::string> match_id;
  std::vector<Declared> declared;
  std::vector<Step> steps;
};

// partition [hint.*=...] by Column (operators): the operators run over each value's rows.
struct Partition {
  std::vector<OperatorParam> params;
  std::string column;
  TabularPtr subquery;  // source: ApplyInput (one partition's rows)
};

// search [kind=case_sensitive] [in (T1, T2, A*)] Predicate (search-operator), as an operator
// (`T | search ...`) or as a source. The parser has turned the search syntax into an ordinary
// predicate: a free term is `* has "x"` (Binary with a Star lhs; hasprefix / hassuffix /
// contains / matches regex for `*` in the term), `Col:"x"` is `Col has "x"`, `search *` is true;
// with kind=case_sensitive every string operator is its _cs form.
struct Search {
  std::vector<OperatorParam> params;
  bool has_in = false;               // `in (...)` given (tables may still be empty: no match)
  std::vector<TabularPtr> tables;    // as union's legs (wildcards are TableRefs with wildcard)
  ExprPtr predicate;
};
// facet by c1, c2 [with (operators)] (facet-operator): one table per column, and one for `with`.
struct Facet {
  struct Column {
    SourceRange range;
    std::string name;
  };
  std::vector<Column> columns;
  TabularPtr with;  // may be null; source: ApplyInput (facet's input)
};
// fork [name=](operators) ... (fork-operator): one result table per leg.
struct Fork {
  struct Leg {
    SourceRange range;
    std::optional<std::string> name;
    TabularPtr query;  // source: ApplyInput (fork's input)
  };
  std::vector<Leg> legs;
};
// reduce [kind=source] by Expr [with threshold=T, characters=C] (reduce-operator)
struct Reduce {
  std::vector<OperatorParam> params;  // kind, threshold, characters as written
  ExprPtr by;
};

using OperatorNode = std::variant<Where, Extend, Project, ProjectAway, ProjectKeep, ProjectRename, ProjectReorder,
                                  Summarize, Join, Lookup, MvExpand, MvApply, Parse, ParseKv, MakeSeries, Evaluate,
                                  Sort, Top, TopNested, Take, Distinct, Count, Serialize, As, Invoke, Getschema,
                                  Sample, SampleDistinct, UnionOp, Render, Consume, ProjectByNames, TopHitters, Scan, Partition,
                                  Search, Facet, Fork, Reduce>;

// One `| operator` of a pipeline. `name` is the operator as written ("filter", "order", "mvexpand").
struct Operator {
  SourceRange range;
  std::string name;
  OperatorNode op;

  template <class T>
  const T* as() const { return std::get_if<T>(&op); }
};

// ---- tabular sources ----

// A table (or tabular let, or parameterless function) by name: SigninLogs, ['My Table'],
// wildcard names in union (Syslog*).
struct TableRef {
  std::string name;
  bool quoted = false;
  bool wildcard = false;
};
// A function call as a source: MyFunc(1, "a"), table("SigninLogs"), materialize(...).
struct CallSource {
  Call call;
};
// union [kind=inner|outer] [withsource=Col] [isfuzzy=true] T1, T2, (T3 | ...)
struct UnionSource {
  std::vector<OperatorParam> params;
  std::vector<TabularPtr> tables;
};
// datatable (a:string, b:long) [ "x", 1, "y", 2 ]: values row-major, all Literals (or unary minus
// of a literal folded in).
struct DatatableSource {
  std::vector<ColumnDecl> schema;
  std::vector<ExprPtr> values;
};
// externaldata (a:string, ...) [ "https://...", h@"..." ] [with (format="csv", ...)]
struct ExternalDataSource {
  std::vector<ColumnDecl> schema;
  std::vector<ExprPtr> uris;
  std::vector<Arg> with;
};
// print [name =] expr, ...
struct PrintSource {
  std::vector<Assignment> items;
};
// range x from a to b step s
struct RangeSource {
  std::string column;
  ExprPtr from;
  ExprPtr to;
  ExprPtr step;
};
// (pipeline)
struct ParenSource {
  TabularPtr query;
};
// find [withsource=Name] [in (Tables)] where Predicate [project-smart | project ...] (find-operator).
// The predicate is converted as search's (a free term is `* has "x"`).
struct Find {
  struct Column {
    SourceRange range;
    std::string name;
    std::optional<Type> type;
    bool pack_all = false;  // pack_all()
  };
  std::string withsource = "source_";
  bool has_in = false;
  std::vector<TabularPtr> tables;
  ExprPtr predicate;
  bool project_smart = true;     // false: `project` with `columns`
  std::vector<Column> columns;
};
// The input of an mv-apply subquery (`mv-apply x = arr on (where x > 1 | ...)`): the table of one
// row's expanded items. Only ever the source of MvApply::subquery.
struct ApplyInput {};

using SourceNode = std::variant<TableRef, CallSource, UnionSource, DatatableSource, ExternalDataSource, PrintSource,
                                RangeSource, ParenSource, ApplyInput, Search, Find>;

struct Source {
  SourceRange range;
  SourceNode node;

  template <class T>
  const T* as() const { return std::get_if<T>(&node); }
};

// source | op | op ...
struct TabularExpr {
  SourceRange range;
  Source source;
  std::vector<Operator> operators;
};

// =============================== statements ===============================

// A function parameter: `name: type [= default]` for scalars, `T: (col:type, ...)` or `T: (*)`
// for tabular parameters.
struct Param {
  SourceRange range;
  std::string name;
  bool tabular = false;
  std::optional<Type> type;          // scalar parameters
  std::vector<ColumnDecl> columns;   // tabular: declared columns
  bool any_columns = false;          // tabular: (*)
  ExprPtr default_value;             // may be null
};

struct Statement;

// The body of a user function: let statements, then one final expression (scalar or tabular).
struct FunctionBody {
  std::vector<Statement> statements;
};

struct FunctionDef {
  std::vector<Param> params;
  std::unique_ptr<FunctionBody> body;
};

// let name = value;
// - scalar: an expression. NOTE a bare Name or Call may be tabular (`let T = SigninLogs;`,
//   `let T = MyTableFunction();`): the binder decides.
// - tabular: a pipeline with at least one operator, or a source only tabular syntax can produce
//   (datatable, externaldata, union, range, print, parenthesised pipeline, materialize(...)).
// - function: (params) { body }.
struct Let {
  std::string name;
  SourceRange name_range;
  std::variant<ExprPtr, TabularPtr, FunctionDef> value;
};

// declare query_parameters(name:type [= default], ...);
struct DeclareQueryParameters {
  std::vector<Param> params;
};

// A tabular expression statement (the query's result is the last one).
struct TabularStatement {
  TabularPtr query;
};
// A scalar expression statement: only as the last statement of a function body.
struct ScalarStatement {
  ExprPtr value;
};

using StatementNode = std::variant<Let, DeclareQueryParameters, TabularStatement, ScalarStatement>;

struct Statement {
  SourceRange range;
  StatementNode node;

  template <class T>
  const T* as() const { return std::get_if<T>(&node); }
};

// A parsed query: statements separated by `;`. The result is the last TabularStatement.
struct Query {
  std::string text;  // the query text the ranges point into
  std::vector<Statement> statements;
  // `set NAME [= value]` statements (request options): their ranges, in order. rulelab applies
  // none of them and says so.
  std::vector<SourceRange> set_options;

  const TabularExpr* result() const {
    for (auto it = statements.rbegin(); it != statements.rend(); ++it)
      if (auto* t = it->as<TabularStatement>()) return t->query.get();
    return nullptr;
  }
};

// Names for diagnostics and JSON.
std::string_view to_string(BinaryOp op);  // "has_cs", "!contains", "=~", "and", ...
std::string_view to_string(InOp op);      // "in", "!in~", "has_any", ...
std::string_view to_string(JoinKind k);   // "innerunique", "leftouter", ...

// The AST as JSON (for `rulelab parse --ast` and tests): {"statements": [...]}, each node an
// object with "kind" and "range": [begin, end].
std::string to_json(const Query& q);

}  // namespace rulelab::kusto
