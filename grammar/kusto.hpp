// PEGTL grammar of Kusto (KQL) as Microsoft Sentinel analytic rules use it.
//
// Reference: the Kusto query language reference (MicrosoftDocs/dataexplorer-docs,
// data-explorer/kusto/query/): statements, tabular operators, scalar operators and literals.
//
// Conventions:
// - one struct per rule; every rule skips the whitespace/comments BEFORE it (`sep`), never after,
//   so parse-tree nodes start at their first token;
// - keywords are case-sensitive (Kusto) and must not run into an identifier character;
// - `must<>`/`raise<>` only at committed points; their messages live in kusto::grammar::errors,
//   used through tao::pegtl::must_if (see src/kusto/parser.cpp);
// - a tabular expression and a scalar expression share one rule (`pipe_expr`): its head is a
//   scalar expression (a Name is a table, a Call a table function, a parenthesised pipe_expr a
//   subquery) or a tabular-only source (datatable, union, ...), followed by `| operator`s. The
//   converter decides what each occurrence is, so nothing is ever parsed twice;
// - recursion (parentheses, calls, subqueries) goes through `nested<>`, which the parser's action
//   counts to limit nesting depth.
#pragma once
#include <tao/pegtl.hpp>

namespace rulelab::kusto::grammar {

namespace pegtl = tao::pegtl;
using namespace tao::pegtl;  // NOLINT: the combinators are the vocabulary of this file

// ----------------------------------------------------------------- lexical
struct line_comment : seq< two< '/' >, until< eolf > > {};
struct nbsp : string< '\xC2', '\xA0' > {};  // U+00A0, found in copy-pasted queries
struct bom : string< '\xEF', '\xBB', '\xBF' > {};
struct ws_item : sor< space, line_comment, nbsp, bom > {};
struct sep : star< ws_item > {};

struct ident_first : sor< alpha, one< '_' > > {};
struct ident_char : sor< alnum, one< '_' > > {};
template< typename Str >
struct kw : seq< Str, not_at< ident_char > > {};
// Operator names may contain '-' (project-away): "project" must not match its prefix.
template< typename Str >
struct op_kw : seq< Str, not_at< sor< ident_char, one< '-' > > > > {};

// Words that end an expression and therefore cannot be bare names.
struct reserved_word
   : sor< kw< TAO_PEGTL_STRING( "and" ) >, kw< TAO_PEGTL_STRING( "or" ) >, kw< TAO_PEGTL_STRING( "by" ) >,
          kw< TAO_PEGTL_STRING( "on" ) >, kw< TAO_PEGTL_STRING( "with" ) >, kw< TAO_PEGTL_STRING( "in" ) >,
          kw< TAO_PEGTL_STRING( "between" ) >, kw< TAO_PEGTL_STRING( "has" ) >, kw< TAO_PEGTL_STRING( "has_cs" ) >,
          kw< TAO_PEGTL_STRING( "has_any" ) >, kw< TAO_PEGTL_STRING( "has_all" ) >,
          kw< TAO_PEGTL_STRING( "hasprefix" ) >, kw< TAO_PEGTL_STRING( "hasprefix_cs" ) >,
          kw< TAO_PEGTL_STRING( "hassuffix" ) >, kw< TAO_PEGTL_STRING( "hassuffix_cs" ) >,
          kw< TAO_PEGTL_STRING( "contains" ) >, kw< TAO_PEGTL_STRING( "contains_cs" ) >, kw< TAO_PEGTL_STRING( "containscs" ) >,
          kw< TAO_PEGTL_STRING( "notcontains" ) >, kw< TAO_PEGTL_STRING( "notcontainscs" ) >,
          kw< TAO_PEGTL_STRING( "startswith" ) >, kw< TAO_PEGTL_STRING( "startswith_cs" ) >,
          kw< TAO_PEGTL_STRING( "endswith" ) >, kw< TAO_PEGTL_STRING( "endswith_cs" ) >,
          kw< TAO_PEGTL_STRING( "matches" ) >, kw< TAO_PEGTL_STRING( "asc" ) >, kw< TAO_PEGTL_STRING( "desc" ) >,
          kw< TAO_PEGTL_STRING( "nulls" ) >, kw< TAO_PEGTL_STRING( "to" ) >, kw< TAO_PEGTL_STRING( "step" ) >,
          kw< TAO_PEGTL_STRING( "of" ) >, kw< TAO_PEGTL_STRING( "from" ) >, kw< TAO_PEGTL_STRING( "let" ) >,
          kw< TAO_PEGTL_STRING( "limit" ) >, kw< TAO_PEGTL_STRING( "default" ) > > {};

struct identifier : seq< not_at< reserved_word >, ident_first, star< ident_char > > {};
// Any word, reserved or not (after '.', as a parameter name, a type name).
struct word : seq< ident_first, star< ident_char > > {};

// ----------------------------------------------------------------- string literals
struct esc_char : seq< one< '\\' >, any > {};
struct sq_body : star< sor< esc_char, not_one< '\'', '\n', '\r' > > > {};
struct dq_body : star< sor< esc_char, not_one< '"', '\n', '\r' > > > {};
struct sq_string : seq< one< '\'' >, sq_body, one< '\'' > > {};
struct dq_string : seq< one< '"' >, dq_body, one< '"' > > {};
struct vsq_body : star< sor< two< '\'' >, not_one< '\'' > > > {};
struct vdq_body : star< sor< two< '"' >, not_one< '"' > > > {};
struct vsq_string : seq< one< '@' >, one< '\'' >, vsq_body, one< '\'' > > {};
struct vdq_string : seq< one< '@' >, one< '"' >, vdq_body, one< '"' > > {};
struct ml_body : star< not_at< string< '`', '`', '`' > >, any > {};
struct ml_string : seq< string< '`', '`', '`' >, ml_body, string< '`', '`', '`' > > {};
// h'...' / H"..." / h@'...': obfuscated (not logged) strings; same value.
struct hidden_mark : one< 'h', 'H' > {};
struct plain_string : sor< ml_string, vsq_string, vdq_string, sq_string, dq_string > {};
struct string_piece : seq< opt< hidden_mark >, plain_string > {};
struct string_start : sor< seq< opt< hidden_mark >, opt< one< '@' > >, one< '\'', '"' > >, string< '`', '`', '`' > > {};
// A quote that does not close: the error points at the opening quote.
struct unterminated_string : seq< at< string_start >, raise< unterminated_string > > {};
struct string_token : sor< string_piece, unterminated_string > {};
struct string_literal : seq< string_token, star< sep, at< string_start >, string_token > > {};

// ----------------------------------------------------------------- numbers and typed literals
struct digits : plus< digit > {};
struct exponent : seq< one< 'e', 'E' >, opt< one< '+', '-' > >, digits > {};
struct real_number : sor< seq< digits, one< '.' >, digits, opt< exponent > >, seq< digits, exponent >,
                          seq< one< '.' >, digits, opt< exponent > > > {};
struct hex_number : seq< one< '0' >, one< 'x', 'X' >, plus< xdigit > > {};
struct timespan_unit
   : sor< TAO_PEGTL_STRING( "days" ), TAO_PEGTL_STRING( "day" ), TAO_PEGTL_STRING( "d" ), TAO_PEGTL_STRING( "hours" ),
          TAO_PEGTL_STRING( "hour" ), TAO_PEGTL_STRING( "hrs" ), TAO_PEGTL_STRING( "hr" ), TAO_PEGTL_STRING( "h" ),
          TAO_PEGTL_STRING( "minutes" ), TAO_PEGTL_STRING( "minute" ), TAO_PEGTL_STRING( "min" ),
          TAO_PEGTL_STRING( "microseconds" ), TAO_PEGTL_STRING( "microsecond" ), TAO_PEGTL_STRING( "milliseconds" ),
          TAO_PEGTL_STRING( "millisecond" ), TAO_PEGTL_STRING( "millis" ), TAO_PEGTL_STRING( "milli" ), TAO_PEGTL_STRING( "ms" ),
          TAO_PEGTL_STRING( "m" ), TAO_PEGTL_STRING( "seconds" ), TAO_PEGTL_STRING( "second" ), TAO_PEGTL_STRING( "sec" ),
          TAO_PEGTL_STRING( "s" ), TAO_PEGTL_STRING( "ticks" ), TAO_PEGTL_STRING( "tick" ) > {};
struct timespan_literal : seq< sor< seq< digits, opt< one< '.' >, digits > >, seq< one< '.' >, digits > >, timespan_unit, not_at< ident_char > > {};
struct real_literal : seq< real_number, not_at< ident_char > > {};
struct long_literal : seq< sor< hex_number, digits >, not_at< ident_char > > {};
struct bool_literal : sor< kw< TAO_PEGTL_STRING( "true" ) >, kw< TAO_PEGTL_STRING( "false" ) >,
                           kw< TAO_PEGTL_STRING( "True" ) >, kw< TAO_PEGTL_STRING( "False" ) > > {};
struct null_word : kw< TAO_PEGTL_STRING( "null" ) > {};

struct open_paren : one< '(' > {};
struct close_paren : one< ')' > {};
struct open_bracket : one< '[' > {};
struct close_bracket : one< ']' > {};
struct comma : one< ',' > {};

// The raw text between the parentheses of datetime(...), timespan(...), guid(...).
struct raw_text : plus< not_one< ')', '\n' > > {};
struct literal_body : opt< sor< null_word, string_literal, raw_text > > {};  // datetime() is now
struct datetime_kw : sor< kw< TAO_PEGTL_STRING( "datetime" ) >, kw< TAO_PEGTL_STRING( "date" ) > > {};
struct timespan_kw : sor< kw< TAO_PEGTL_STRING( "timespan" ) >, kw< TAO_PEGTL_STRING( "time" ) > > {};
struct guid_kw : sor< kw< TAO_PEGTL_STRING( "guid" ) >, kw< TAO_PEGTL_STRING( "uuid" ) >, kw< TAO_PEGTL_STRING( "uniqueid" ) > > {};
struct datetime_literal : seq< datetime_kw, sep, open_paren, sep, literal_body, sep, close_paren > {};
struct timespan_typed : seq< timespan_kw, sep, open_paren, sep, literal_body, sep, close_paren > {};
struct guid_literal : seq< guid_kw, sep, open_paren, sep, literal_body, sep, close_paren > {};

struct signed_number : seq< opt< one< '-', '+' > >, sep, sor< real_number, hex_number, digits, TAO_PEGTL_STRING( "nan" ), TAO_PEGTL_STRING( "inf" ) > > {};
struct number_kw : sor< kw< TAO_PEGTL_STRING( "long" ) >, kw< TAO_PEGTL_STRING( "int" ) >, kw< TAO_PEGTL_STRING( "real" ) >,
                        kw< TAO_PEGTL_STRING( "double" ) >, kw< TAO_PEGTL_STRING( "decimal" ) >,
                        kw< TAO_PEGTL_STRING( "int64" ) >, kw< TAO_PEGTL_STRING( "int32" ) > > {};
struct number_typed : seq< number_kw, sep, open_paren, sep, sor< null_word, signed_number >, sep, close_paren > {};
struct bool_typed : seq< sor< kw< TAO_PEGTL_STRING( "bool" ) >, kw< TAO_PEGTL_STRING( "boolean" ) > >, sep, open_paren, sep,
                         sor< null_word, bool_literal, signed_number >, sep, close_paren > {};
struct string_typed : seq< kw< TAO_PEGTL_STRING( "string" ) >, sep, open_paren, sep, sor< null_word, string_literal >, sep, close_paren > {};

// dynamic(...): JSON with Kusto literals inside.
struct dyn_value;
struct dyn_number : seq< opt< one< '-', '+' > >, sor< real_number, hex_number, digits > > {};
struct dyn_key : sor< string_literal, word > {};
template< typename R >
struct nested;
struct dyn_member : seq< sep, dyn_key, sep, one< ':' >, sep, nested< dyn_value > > {};
struct dyn_object : seq< one< '{' >, sep, opt< list< dyn_member, comma, ws_item > >, sep, opt< comma >, sep, one< '}' > > {};
struct dyn_array : seq< one< '[' >, sep, opt< list< seq< sep, nested< dyn_value > >, comma, ws_item > >, sep, opt< comma >, sep, one< ']' > > {};
struct dyn_value : sor< dyn_object, dyn_array, string_literal, bool_literal, null_word, datetime_literal, timespan_typed,
                        guid_literal, timespan_literal, dyn_number > {};
struct dynamic_kw : kw< TAO_PEGTL_STRING( "dynamic" ) > {};
struct dynamic_literal : seq< dynamic_kw, sep, open_paren, sep, dyn_value, sep, close_paren > {};

// Guards (`at<>` of unselected rules) keep the parser from starting parse-tree nodes that cannot match:
// speed only, they accept nothing the guarded rule would not.
struct typed_start : seq< sor< kw< TAO_PEGTL_STRING( "datetime" ) >, kw< TAO_PEGTL_STRING( "date" ) >, kw< TAO_PEGTL_STRING( "timespan" ) >,
                               kw< TAO_PEGTL_STRING( "time" ) >, kw< TAO_PEGTL_STRING( "guid" ) >, kw< TAO_PEGTL_STRING( "uuid" ) >,
                               kw< TAO_PEGTL_STRING( "uniqueid" ) >, kw< TAO_PEGTL_STRING( "long" ) >, kw< TAO_PEGTL_STRING( "int" ) >,
                               kw< TAO_PEGTL_STRING( "real" ) >, kw< TAO_PEGTL_STRING( "double" ) >, kw< TAO_PEGTL_STRING( "decimal" ) >,
                               kw< TAO_PEGTL_STRING( "int64" ) >, kw< TAO_PEGTL_STRING( "int32" ) >, kw< TAO_PEGTL_STRING( "bool" ) >,
                               kw< TAO_PEGTL_STRING( "boolean" ) >, kw< TAO_PEGTL_STRING( "string" ) >, kw< TAO_PEGTL_STRING( "dynamic" ) > >,
                          sep, one< '(' > > {};
struct number_start : sor< digit, seq< one< '.' >, digit > > {};
struct typed_literal : sor< datetime_literal, timespan_typed, guid_literal, number_typed, bool_typed, string_typed, dynamic_literal > {};
struct literal : sor< seq< at< typed_start >, typed_literal >, seq< at< string_start >, string_literal >,
                      seq< at< number_start >, sor< timespan_literal, real_literal, long_literal > >, bool_literal > {};

// ----------------------------------------------------------------- names and types
struct bracket_name : seq< one< '[' >, sep, sor< sq_string, dq_string, vsq_string, vdq_string >, sep, one< ']' > > {};
struct bracket_word : seq< one< '[' >, sep, word, sep, one< ']' > > {};  // [Name]
// $table: the column search adds (search-operator), usable by name (`summarize count() by $table`).
struct dollar_table : seq< TAO_PEGTL_STRING( "$table" ), not_at< ident_char > > {};
struct name : sor< bracket_name, bracket_word, identifier, dollar_table > {};
struct any_name : sor< bracket_name, word > {};  // where keywords are fine (after '.', in schemas)
struct type_name : seq< word > {};

// ----------------------------------------------------------------- scalar expressions
struct pipe_expr;
struct expr;
// Nesting points; the parser's action counts them (depth limit).
template< typename R >
struct nested : seq< R > {};

struct paren_expr : seq< open_paren, sep, nested< pipe_expr >, sep, must< close_paren > > {};
struct star_arg : seq< one< '*' >, not_at< sep, sor< one< '=' >, ident_char > > > {};
struct arg_name : seq< word, sep, one< '=' >, not_at< one< '=', '~' > > > {};
struct arg_name_start : seq< word, sep, one< '=' >, not_at< one< '=', '~' > > > {};
struct arg : seq< opt< at< arg_name_start >, arg_name, sep >, sor< star_arg, nested< pipe_expr > > > {};
struct arg_list : opt< list< seq< sep, arg >, seq< sep, comma > > > {};
struct call_name : seq< identifier > {};
struct call : seq< call_name, sep, open_paren, arg_list, sep, must< close_paren > > {};
struct left_right : sor< TAO_PEGTL_STRING( "$left" ), TAO_PEGTL_STRING( "$right" ) > {};
struct call_start : seq< identifier, sep, one< '(' > > {};
// '@' not followed by a quote (e.g. an unquoted regular expression @(\.\w+)$): a clear error at the '@'.
struct bad_verbatim : seq< at< one< '@' > >, raise< bad_verbatim > > {};
struct primary : sor< literal, seq< at< call_start >, call >, paren_expr, left_right, name, bad_verbatim > {};

struct index_tail : seq< open_bracket, sep, nested< expr >, sep, must< close_bracket > > {};
struct member_tail : seq< one< '.' >, sep, sor< any_name, index_tail > > {};  // a.b, a.['b'], a.[0]
struct postfix_expr : seq< primary, star< sep, sor< seq< at< one< '.' >, not_at< two< '.' > > >, member_tail >, seq< at< one< '[' > >, index_tail > > > > {};

struct neg_op : one< '-' > {};
struct plus_op : one< '+' > {};
struct unary_expr : seq< star< at< one< '-', '+' > >, sor< neg_op, plus_op >, sep >, postfix_expr > {};

struct mul_op : sor< one< '*' >, seq< one< '/' >, not_at< one< '/' > > >, one< '%' > > {};
struct operand_expected_mul : seq< unary_expr > {};
struct mul_expr : seq< unary_expr, star< sep, at< one< '*', '/', '%' > >, mul_op, sep, must< operand_expected_mul > > > {};
struct add_op : one< '+', '-' > {};
struct operand_expected_add : seq< mul_expr > {};
struct add_expr : seq< mul_expr, star< sep, at< one< '+', '-' > >, add_op, sep, must< operand_expected_add > > > {};

// Comparison-level operators (one precedence level, left to right).
template< typename Str >
struct word_op : seq< Str, not_at< ident_char > > {};
struct cmp_op
   : sor< string< '=', '=' >, string< '!', '=' >, string< '=', '~' >, string< '!', '~' >, string< '<', '>' >,
          string< '<', '=' >, string< '>', '=' >, one< '<' >, one< '>' >,
          seq< opt< one< '!' > >, sor< word_op< TAO_PEGTL_STRING( "has_cs" ) >, word_op< TAO_PEGTL_STRING( "has" ) >,
                                      word_op< TAO_PEGTL_STRING( "hasprefix_cs" ) >, word_op< TAO_PEGTL_STRING( "hasprefix" ) >,
                                      word_op< TAO_PEGTL_STRING( "hassuffix_cs" ) >, word_op< TAO_PEGTL_STRING( "hassuffix" ) >,
                                      word_op< TAO_PEGTL_STRING( "contains_cs" ) >, word_op< TAO_PEGTL_STRING( "containscs" ) >,
                                      word_op< TAO_PEGTL_STRING( "contains" ) >, word_op< TAO_PEGTL_STRING( "notcontainscs" ) >,
                                      word_op< TAO_PEGTL_STRING( "notcontains" ) >,
                                      word_op< TAO_PEGTL_STRING( "startswith_cs" ) >, word_op< TAO_PEGTL_STRING( "startswith" ) >,
                                      word_op< TAO_PEGTL_STRING( "endswith_cs" ) >, word_op< TAO_PEGTL_STRING( "endswith" ) > > >,
          seq< word_op< TAO_PEGTL_STRING( "matches" ) >, sep, word_op< TAO_PEGTL_STRING( "regex" ) > > > {};
struct operand_expected_cmp : seq< add_expr > {};
struct cmp_tail : seq< cmp_op, sep, must< operand_expected_cmp > > {};

struct in_op : sor< seq< one< '!' >, TAO_PEGTL_STRING( "in~" ) >, seq< one< '!' >, word_op< TAO_PEGTL_STRING( "in" ) > >,
                    TAO_PEGTL_STRING( "in~" ), word_op< TAO_PEGTL_STRING( "in" ) >, word_op< TAO_PEGTL_STRING( "has_any" ) >,
                    word_op< TAO_PEGTL_STRING( "has_all" ) > > {};
struct in_open : one< '(' > {};
struct in_list : seq< in_open, sep, list< seq< sep, nested< pipe_expr > >, seq< sep, comma > >, sep, must< close_paren > > {};
struct in_tail : seq< in_op, sep, in_list > {};

struct between_op : seq< opt< one< '!' > >, word_op< TAO_PEGTL_STRING( "between" ) > > {};
struct range_dots : two< '.' > {};
struct between_tail : seq< between_op, sep, must< in_open >, sep, nested< expr >, sep, must< range_dots >, sep, nested< expr >, sep,
                           must< close_paren > > {};

struct cmp_start : one< '=', '!', '<', '>', 'h', 'c', 's', 'e', 'm', 'n', 'i', 'b' > {};
struct cmp_expr : seq< add_expr, star< sep, at< cmp_start >, sor< in_tail, between_tail, cmp_tail > > > {};
struct and_kw : kw< TAO_PEGTL_STRING( "and" ) > {};
struct or_kw : kw< TAO_PEGTL_STRING( "or" ) > {};
struct operand_expected_and : seq< cmp_expr > {};
struct and_expr : seq< cmp_expr, star< sep, and_kw, sep, must< operand_expected_and > > > {};
struct operand_expected_or : seq< and_expr > {};
struct expr : seq< and_expr, star< sep, or_kw, sep, must< operand_expected_or > > > {};

// ----------------------------------------------------------------- assignments, parameters
struct assign_names : sor< seq< open_paren, sep, list< seq< sep, name >, seq< sep, comma > >, sep, close_paren >, name > {};
struct assign_eq : seq< one< '=' >, not_at< one< '=', '~' > > > {};
struct assignment : seq< opt< assign_names, sep, assign_eq, sep >, expr > {};
struct assignment_list : list< seq< sep, assignment >, seq< sep, comma > > {};

struct hint_name : seq< TAO_PEGTL_STRING( "hint." ), word > {};
struct param_value : sor< string_literal, bool_literal, timespan_literal, real_literal, long_literal, word > {};
template< typename... Names >
struct op_param : seq< sor< Names... >, sep, one< '=' >, not_at< one< '=' > >, sep, param_value > {};
template< typename... Names >
struct op_params : star< sep, op_param< Names... > > {};
struct kind_kw : kw< TAO_PEGTL_STRING( "kind" ) > {};

struct column_decl : seq< any_name, sep, one< ':' >, sep, type_name > {};
struct column_decls : seq< open_paren, sep, opt< list< seq< sep, column_decl >, seq< sep, comma > > >, sep, opt< comma >, sep, must< close_paren > > {};

// ----------------------------------------------------------------- tabular operators
struct by_kw : kw< TAO_PEGTL_STRING( "by" ) > {};
struct on_kw : kw< TAO_PEGTL_STRING( "on" ) > {};
struct with_kw : kw< TAO_PEGTL_STRING( "with" ) > {};

struct predicate_expected : seq< expr > {};
struct op_where : seq< sor< op_kw< TAO_PEGTL_STRING( "where" ) >, op_kw< TAO_PEGTL_STRING( "filter" ) > >, sep, must< predicate_expected > > {};
struct assignments_expected : seq< assignment_list > {};
struct op_extend : seq< op_kw< TAO_PEGTL_STRING( "extend" ) >, sep, must< assignments_expected > > {};
struct op_project : seq< op_kw< TAO_PEGTL_STRING( "project" ) >, sep, must< assignments_expected > > {};

struct column_pattern : sor< bracket_name, seq< sor< ident_char, one< '*' > >, star< sor< ident_char, one< '*' > > > > > {};
struct column_patterns : list< seq< sep, column_pattern >, seq< sep, comma > > {};
struct columns_expected : seq< column_patterns > {};
struct op_project_away : seq< op_kw< TAO_PEGTL_STRING( "project-away" ) >, sep, must< columns_expected > > {};
struct op_project_keep : seq< op_kw< TAO_PEGTL_STRING( "project-keep" ) >, sep, must< columns_expected > > {};
struct rename_item : seq< name, sep, one< '=' >, sep, name > {};
struct rename_items : list< seq< sep, rename_item >, seq< sep, comma > > {};
struct renames_expected : seq< rename_items > {};
struct op_project_rename : seq< op_kw< TAO_PEGTL_STRING( "project-rename" ) >, sep, must< renames_expected > > {};
struct reorder_order : sor< op_kw< TAO_PEGTL_STRING( "granny-asc" ) >, op_kw< TAO_PEGTL_STRING( "granny-desc" ) >,
                            kw< TAO_PEGTL_STRING( "asc" ) >, kw< TAO_PEGTL_STRING( "desc" ) > > {};
struct reorder_item : seq< column_pattern, opt< sep, reorder_order > > {};
struct reorder_items : list< seq< sep, reorder_item >, seq< sep, comma > > {};
struct reorders_expected : seq< reorder_items > {};
struct op_project_reorder : seq< op_kw< TAO_PEGTL_STRING( "project-reorder" ) >, sep, must< reorders_expected > > {};

struct by_clause : seq< by_kw, sep, must< assignments_expected > > {};
struct summarize_aggs : seq< assignment_list > {};
struct op_summarize : seq< op_kw< TAO_PEGTL_STRING( "summarize" ) >, op_params< hint_name >, sep, opt< summarize_aggs >, sep, opt< by_clause > > {};

struct join_right : sor< paren_expr, call, name > {};
struct join_right_expected : seq< join_right > {};
struct join_on_expected : seq< on_kw > {};
struct join_conditions : list< seq< sep, expr >, seq< sep, comma > > {};
struct join_conditions_expected : seq< join_conditions > {};
struct op_join : seq< op_kw< TAO_PEGTL_STRING( "join" ) >, op_params< kind_kw, hint_name >, sep, must< join_right_expected >, sep,
                      must< join_on_expected >, sep, must< join_conditions_expected > > {};
struct op_lookup : seq< op_kw< TAO_PEGTL_STRING( "lookup" ) >, op_params< kind_kw, hint_name >, sep, must< join_right_expected >, sep,
                        must< join_on_expected >, sep, must< join_conditions_expected > > {};

struct typeof_type : seq< kw< TAO_PEGTL_STRING( "typeof" ) >, sep, open_paren, sep, type_name, sep, must< close_paren > > {};
struct to_typeof : seq< kw< TAO_PEGTL_STRING( "to" ) >, sep, typeof_type > {};
struct expand_name : seq< name, sep, assign_eq > {};
struct expand_item : seq< opt< expand_name, sep >, expr, opt< sep, to_typeof > > {};
struct expand_items : list< seq< sep, expand_item >, seq< sep, comma > > {};
struct expand_items_expected : seq< expand_items > {};
struct limit_clause : seq< kw< TAO_PEGTL_STRING( "limit" ) >, sep, must< expr > > {};
struct with_itemindex_kw : kw< TAO_PEGTL_STRING( "with_itemindex" ) > {};
struct bagexpansion_kw : kw< TAO_PEGTL_STRING( "bagexpansion" ) > {};
struct op_mv_expand : seq< sor< op_kw< TAO_PEGTL_STRING( "mv-expand" ) >, op_kw< TAO_PEGTL_STRING( "mvexpand" ) > >,
                           op_params< bagexpansion_kw, with_itemindex_kw, kind_kw, hint_name >, sep, must< expand_items_expected >,
                           opt< sep, limit_clause > > {};
struct operator_chain;
struct apply_body : seq< open_paren, sep, opt< one< '|' >, sep >, nested< operator_chain >, sep, must< close_paren > > {};
struct apply_body_expected : seq< apply_body > {};
struct id_kw : kw< TAO_PEGTL_STRING( "id" ) > {};
struct op_mv_apply : seq< sor< op_kw< TAO_PEGTL_STRING( "mv-apply" ) >, op_kw< TAO_PEGTL_STRING( "mvapply" ) > >,
                          op_params< with_itemindex_kw, id_kw, hint_name >, sep, must< expand_items_expected >,
                          opt< sep, limit_clause >, op_params< id_kw >, sep, must< join_on_expected >, sep, must< apply_body_expected > > {};

// parse [kind=simple|regex|relaxed [flags=...]] expr with pattern
struct flags_kw : kw< TAO_PEGTL_STRING( "flags" ) > {};
struct parse_column : seq< name, opt< sep, one< ':' >, sep, type_name > > {};
struct parse_star : one< '*' > {};
struct parse_part : sor< string_literal, parse_star, parse_column > {};
struct parse_pattern : plus< sep, parse_part > {};
struct parse_with_expected : seq< with_kw > {};
struct parse_pattern_expected : seq< parse_pattern > {};
struct parse_source : seq< expr > {};
struct op_parse_body : seq< op_params< kind_kw, flags_kw >, sep, must< parse_source >, sep, must< parse_with_expected >, sep,
                            must< parse_pattern_expected > > {};
struct parse_where_kw : op_kw< TAO_PEGTL_STRING( "parse-where" ) > {};
struct op_parse : seq< sor< parse_where_kw, op_kw< TAO_PEGTL_STRING( "parse" ) > >, op_parse_body > {};
struct kv_with : seq< with_kw, sep, open_paren, arg_list, sep, must< close_paren > > {};
struct op_parse_kv : seq< op_kw< TAO_PEGTL_STRING( "parse-kv" ) >, sep, must< parse_source >, sep, kw< TAO_PEGTL_STRING( "as" ) >, sep,
                          must< column_decls >, opt< sep, kv_with > > {};

// make-series
struct default_clause : seq< kw< TAO_PEGTL_STRING( "default" ) >, sep, one< '=' >, sep, expr > {};
struct series_agg : seq< assignment, opt< sep, default_clause > > {};
struct series_aggs : list< seq< sep, series_agg >, seq< sep, comma > > {};
struct series_from : seq< kw< TAO_PEGTL_STRING( "from" ) >, sep, expr > {};
struct series_to : seq< kw< TAO_PEGTL_STRING( "to" ) >, sep, expr > {};
struct series_step : seq< kw< TAO_PEGTL_STRING( "step" ) >, sep, expr > {};
struct series_in_range : seq< kw< TAO_PEGTL_STRING( "in" ) >, sep, kw< TAO_PEGTL_STRING( "range" ) >, sep, open_paren, sep, expr, sep,
                              comma, sep, expr, sep, comma, sep, expr, sep, must< close_paren > > {};
struct series_axis : seq< expr > {};
struct op_make_series : seq< op_kw< TAO_PEGTL_STRING( "make-series" ) >, op_params< kind_kw, hint_name >, sep, must< series_aggs >, sep,
                             must< on_kw >, sep, must< series_axis >, sep,
                             sor< series_in_range, seq< opt< series_from, sep >, opt< series_to, sep >, series_step > >,
                             opt< sep, by_clause > > {};

struct plugin_expected : seq< call > {};
struct op_evaluate : seq< op_kw< TAO_PEGTL_STRING( "evaluate" ) >, op_params< hint_name >, sep, must< plugin_expected > > {};

struct sort_dir : sor< kw< TAO_PEGTL_STRING( "asc" ) >, kw< TAO_PEGTL_STRING( "desc" ) > > {};
struct nulls_pos : seq< kw< TAO_PEGTL_STRING( "nulls" ) >, sep, sor< kw< TAO_PEGTL_STRING( "first" ) >, kw< TAO_PEGTL_STRING( "last" ) > > > {};
struct sort_key : seq< expr, opt< sep, sort_dir >, opt< sep, nulls_pos > > {};
struct sort_keys : list< seq< sep, sort_key >, seq< sep, comma > > {};
struct sort_by_expected : seq< by_kw > {};
struct sort_keys_expected : seq< sort_keys > {};
struct op_sort : seq< sor< op_kw< TAO_PEGTL_STRING( "sort" ) >, op_kw< TAO_PEGTL_STRING( "order" ) > >, op_params< hint_name >, sep,
                      must< sort_by_expected >, sep, must< sort_keys_expected > > {};
struct count_expected : seq< expr > {};
struct op_top : seq< op_kw< TAO_PEGTL_STRING( "top" ) >, sep, must< count_expected >, sep, must< sort_by_expected >, sep, must< sort_key > > {};

struct others_clause : seq< with_kw, sep, kw< TAO_PEGTL_STRING( "others" ) >, sep, one< '=' >, sep, expr > {};
struct nested_count : seq< expr > {};
struct nested_of : seq< assignment > {};
struct nested_by : seq< assignment > {};
struct nested_level : seq< opt< nested_count, sep >, kw< TAO_PEGTL_STRING( "of" ) >, sep, nested_of, opt< sep, others_clause >, sep, must< by_kw >,
                           sep, nested_by, opt< sep, sort_dir > > {};
struct top_nested_kw : op_kw< TAO_PEGTL_STRING( "top-nested" ) > {};
// top-nested N of A by agg, top-nested M of B by agg: each level repeats the keyword.
struct op_top_nested : seq< top_nested_kw, list< seq< sep, nested_level >, seq< sep, comma, sep, top_nested_kw > > > {};
struct op_take : seq< sor< op_kw< TAO_PEGTL_STRING( "take" ) >, op_kw< TAO_PEGTL_STRING( "limit" ) > >, op_params< hint_name >, sep, must< count_expected > > {};
struct distinct_star : one< '*' > {};
struct op_distinct : seq< op_kw< TAO_PEGTL_STRING( "distinct" ) >, op_params< hint_name >, sep, sor< distinct_star, must< assignments_expected > > > {};
// `count [as Name]` (Kusto.Language's CountAsIdentifierClause): the column is named Name.
struct count_as : seq< kw< TAO_PEGTL_STRING( "as" ) >, sep, name > {};
struct op_count : seq< op_kw< TAO_PEGTL_STRING( "count" ) >, opt< sep, count_as > > {};
struct op_serialize : seq< op_kw< TAO_PEGTL_STRING( "serialize" ) >, opt< sep, assignment_list > > {};
struct op_as : seq< op_kw< TAO_PEGTL_STRING( "as" ) >, op_params< hint_name >, sep, must< name > > {};
struct op_invoke : seq< op_kw< TAO_PEGTL_STRING( "invoke" ) >, sep, must< plugin_expected > > {};
struct op_getschema : op_kw< TAO_PEGTL_STRING( "getschema" ) > {};
struct op_sample : seq< op_kw< TAO_PEGTL_STRING( "sample" ) >, sep, must< count_expected > > {};
struct op_sample_distinct : seq< op_kw< TAO_PEGTL_STRING( "sample-distinct" ) >, sep, must< count_expected >, sep,
                                 must< kw< TAO_PEGTL_STRING( "of" ) > >, sep, must< expr > > {};

struct isfuzzy_kw : kw< TAO_PEGTL_STRING( "isfuzzy" ) > {};
struct withsource_kw : sor< kw< TAO_PEGTL_STRING( "withsource" ) >, kw< TAO_PEGTL_STRING( "with_source" ) > > {};
struct wildcard_table : seq< star< ident_char >, one< '*' >, star< sor< ident_char, one< '*' > > > > {};
struct union_item : sor< wildcard_table, postfix_expr > {};
struct union_items : list< seq< sep, union_item >, seq< sep, comma > > {};
struct union_items_expected : seq< union_items > {};
struct op_union : seq< op_kw< TAO_PEGTL_STRING( "union" ) >, op_params< kind_kw, isfuzzy_kw, withsource_kw, hint_name >, sep,
                       must< union_items_expected > > {};

struct balanced;
struct balanced_paren : seq< open_paren, star< nested< balanced > >, must< close_paren > > {};
struct balanced : sor< string_literal, line_comment, balanced_paren, not_one< '(', ')' > > {};
struct render_chart : seq< word > {};
struct op_render : seq< op_kw< TAO_PEGTL_STRING( "render" ) >, sep, must< render_chart >, opt< sep, with_kw, sep, balanced_paren > > {};

// consume [decodeblocks=true] (consume-operator)
struct decodeblocks_kw : kw< TAO_PEGTL_STRING( "decodeblocks" ) > {};
struct op_consume : seq< op_kw< TAO_PEGTL_STRING( "consume" ) >, op_params< decodeblocks_kw > > {};
// project-by-names "a", dynamic(["b"]), "c*" (project-by-names-operator)
struct by_names_items : list< seq< sep, expr >, seq< sep, comma > > {};
struct op_project_by_names : seq< op_kw< TAO_PEGTL_STRING( "project-by-names" ) >, sep, must< by_names_items > > {};
// top-hitters N of Expr [by SumExpr] (top-hitters-operator)
struct hitters_by : seq< by_kw, sep, expr > {};
struct hitters_of : seq< expr > {};
struct op_top_hitters : seq< op_kw< TAO_PEGTL_STRING( "top-hitters" ) >, sep, must< count_expected >, sep,
                             must< kw< TAO_PEGTL_STRING( "of" ) > >, sep, must< hitters_of >, opt< sep, hitters_by > > {};
// scan [with_match_id=Name] [declare (c:type [= v], ...)] with (step s [output=all|last|none]: cond [=> c = e, ...]; ...)
// (scan-operator)
struct scan_match_id : seq< kw< TAO_PEGTL_STRING( "with_match_id" ) >, sep, one< '=' >, sep, name > {};
struct scan_decl : seq< column_decl, opt< sep, one< '=' >, sep, expr > > {};
struct scan_declare : seq< kw< TAO_PEGTL_STRING( "declare" ) >, sep, open_paren, list< seq< sep, scan_decl >, seq< sep, comma > >, sep,
                           must< close_paren > > {};
struct scan_output : seq< kw< TAO_PEGTL_STRING( "output" ) >, sep, one< '=' >, sep, word > {};
struct scan_assigns : seq< string< '=', '>' >, sep, assignment_list > {};
struct scan_condition : seq< expr > {};
struct scan_colon : one< ':' > {};
struct scan_step : seq< kw< TAO_PEGTL_STRING( "step" ) >, sep, must< name >, opt< sep, scan_output >, sep, must< scan_colon >, sep,
                        must< scan_condition >, opt< sep, scan_assigns >, opt< sep, one< ';' > > > {};
struct op_scan : seq< op_kw< TAO_PEGTL_STRING( "scan" ) >, opt< sep, scan_match_id >, opt< sep, scan_declare >, sep, must< with_kw >, sep,
                      must< open_paren >, sep, must< scan_step >, star< sep, scan_step >, sep, must< close_paren > > {};

// partition [hint.*=...] by Column ( subquery ) (partition-operator): the subquery runs once per
// value of Column over that value's rows.
struct partition_column : seq< name > {};
struct op_partition : seq< op_kw< TAO_PEGTL_STRING( "partition" ) >, op_params< hint_name >, sep, must< by_kw >, sep,
                           must< partition_column >, sep, must< apply_body_expected > > {};

// search [kind=...] [in (Tables)] Predicate (search-operator): a free string term matches any
// column (`has`; `*` at its ends or inside: hassuffix, hasprefix, contains, matches regex),
// `Column:"term"` one column, anything else is an ordinary predicate; and, or, not(), parentheses.
struct search_or;
struct search_term_op : sor< cmp_op, in_op, between_op, one< '+', '-', '*', '/', '%' > > {};
struct search_term : seq< string_literal, not_at< sep, search_term_op > > {};
struct search_column_term : seq< name, sep, one< ':' >, sep, string_literal > {};
struct search_star_cmp : seq< one< '*' >, sep, cmp_op, sep, must< operand_expected_cmp > > {};
struct search_all : seq< one< '*' >, not_at< sep, cmp_op > > {};
struct search_paren : seq< open_paren, sep, nested< search_or >, sep, close_paren, not_at< sep, search_term_op > > {};
struct search_not : seq< kw< TAO_PEGTL_STRING( "not" ) >, sep, search_paren > {};
struct search_primary : sor< search_column_term, search_term, search_star_cmp, search_all, search_not, search_paren, cmp_expr > {};
struct search_operand_expected : seq< search_primary > {};
struct search_and : seq< search_primary, star< sep, and_kw, sep, must< search_operand_expected > > > {};
struct search_or : seq< search_and, star< sep, or_kw, sep, must< search_operand_expected > > > {};
struct search_predicate : seq< search_or > {};
struct search_tables_expected : seq< union_items > {};
struct search_in : seq< kw< TAO_PEGTL_STRING( "in" ) >, sep, must< open_paren >, sep, must< search_tables_expected >, sep, must< close_paren > > {};
struct search_body : seq< op_params< kind_kw >, opt< sep, search_in >, sep, must< search_predicate > > {};
struct op_search : seq< op_kw< TAO_PEGTL_STRING( "search" ) >, search_body > {};

// facet by Column, ... [with (operators)] (facet-operator)
struct facet_column : seq< name > {};
struct facet_columns : list< seq< sep, facet_column >, seq< sep, comma > > {};
struct facet_with : seq< with_kw, sep, must< apply_body_expected > > {};
struct op_facet : seq< op_kw< TAO_PEGTL_STRING( "facet" ) >, sep, must< by_kw >, sep, must< facet_columns >, opt< sep, facet_with > > {};

// fork [name=](operators) [name=](operators) ... (fork-operator)
struct fork_name : seq< name, sep, one< '=' >, not_at< one< '=', '~' > > > {};
struct fork_leg : seq< opt< fork_name, sep >, apply_body > {};
struct fork_leg_expected : seq< fork_leg > {};
struct op_fork : seq< op_kw< TAO_PEGTL_STRING( "fork" ) >, sep, must< fork_leg_expected >, star< sep, fork_leg > > {};

// reduce [kind=source] by Expr [with threshold=T, characters=C] (reduce-operator)
struct threshold_kw : kw< TAO_PEGTL_STRING( "threshold" ) > {};
struct characters_kw : kw< TAO_PEGTL_STRING( "characters" ) > {};
struct reduce_by : seq< expr > {};
struct reduce_with : seq< with_kw, sep, list< seq< sep, op_param< threshold_kw, characters_kw > >, seq< sep, comma > > > {};
struct op_reduce : seq< op_kw< TAO_PEGTL_STRING( "reduce" ) >, op_params< kind_kw >, sep, must< by_kw >, sep, must< reduce_by >,
                        opt< sep, reduce_with > > {};

struct unknown_operator : raise< unknown_operator > {};
struct tabular_operator
   : sor< op_where, op_extend, op_project_away, op_project_keep, op_project_rename, op_project_reorder, op_project,
          op_summarize, op_join, op_lookup, op_mv_expand, op_mv_apply, op_parse_kv, op_parse, op_make_series, op_evaluate,
          op_sort, op_top_nested, op_top, op_take, op_distinct, op_count, op_serialize, op_as, op_invoke, op_getschema,
          op_sample_distinct, op_sample, op_union, op_render, op_consume, op_project_by_names, op_top_hitters, op_scan, op_partition,
          op_search, op_facet, op_fork, op_reduce, unknown_operator > {};
struct pipe : one< '|' > {};
struct operator_chain : seq< tabular_operator, star< sep, pipe, sep, tabular_operator > > {};

// ----------------------------------------------------------------- tabular sources
struct datatable_values : seq< open_bracket, sep, opt< list< seq< sep, expr >, seq< sep, comma > > >, sep, opt< comma >, sep, must< close_bracket > > {};
struct src_datatable : seq< kw< TAO_PEGTL_STRING( "datatable" ) >, sep, must< column_decls >, sep, must< datatable_values > > {};
struct externaldata_with : seq< with_kw, sep, open_paren, arg_list, sep, must< close_paren > > {};
struct src_externaldata : seq< kw< TAO_PEGTL_STRING( "externaldata" ) >, sep, must< column_decls >, sep, must< datatable_values >,
                               opt< sep, externaldata_with > > {};
struct src_union : seq< kw< TAO_PEGTL_STRING( "union" ) >, op_params< kind_kw, isfuzzy_kw, withsource_kw, hint_name >, sep,
                        must< union_items_expected > > {};
struct src_print : seq< kw< TAO_PEGTL_STRING( "print" ) >, sep, opt< assignment_list > > {};
struct range_column : seq< identifier > {};
struct src_range : seq< kw< TAO_PEGTL_STRING( "range" ) >, sep, range_column, sep, kw< TAO_PEGTL_STRING( "from" ) >, sep, must< expr >, sep,
                        must< kw< TAO_PEGTL_STRING( "to" ) > >, sep, must< expr >, sep, must< kw< TAO_PEGTL_STRING( "step" ) > >, sep,
                        must< expr > > {};
// search as the first operator: over the tables listed, or every table of the workspace.
struct src_search : seq< kw< TAO_PEGTL_STRING( "search" ) >, search_body > {};
// find [withsource=Name] [in (Tables)] [where] Predicate [project-smart | project Col[:type], ..., pack_all()]
// (find-operator)
struct find_withsource : seq< withsource_kw, sep, one< '=' >, sep, must< name > > {};
struct find_where : kw< TAO_PEGTL_STRING( "where" ) > {};
struct find_project_smart : op_kw< TAO_PEGTL_STRING( "project-smart" ) > {};
struct find_pack_all : seq< kw< TAO_PEGTL_STRING( "pack_all" ) >, sep, open_paren, sep, must< close_paren > > {};
struct find_column : seq< name, opt< sep, one< ':' >, sep, type_name > > {};
struct find_project_item : sor< find_pack_all, find_column > {};
struct find_project_items : list< seq< sep, find_project_item >, seq< sep, comma > > {};
struct find_project : seq< op_kw< TAO_PEGTL_STRING( "project" ) >, sep, must< find_project_items > > {};
struct src_find : seq< kw< TAO_PEGTL_STRING( "find" ) >, opt< sep, find_withsource >, opt< sep, search_in >, sep, opt< find_where, sep >,
                       must< search_predicate >, opt< sep, sor< find_project_smart, find_project > > > {};
struct tabular_source : sor< src_datatable, src_externaldata, src_union, src_print, src_range, src_search, src_find > {};

struct pipe_head : sor< tabular_source, expr > {};
struct pipe_expr : seq< pipe_head, star< sep, pipe, sep, tabular_operator > > {};

// ----------------------------------------------------------------- statements
struct let_name_expected : seq< name > {};
struct let_eq_expected : one< '=' > {};
struct tabular_param_schema : seq< open_paren, sep, sor< one< '*' >, opt< list< seq< sep, column_decl >, seq< sep, comma > > > >, sep, close_paren > {};
struct param_default : seq< one< '=' >, sep, expr > {};
struct param : seq< name, sep, one< ':' >, sep, sor< tabular_param_schema, type_name >, opt< sep, param_default > > {};
struct param_list : seq< open_paren, sep, opt< list< seq< sep, param >, seq< sep, comma > > >, sep, close_paren > {};
struct statement;
struct function_body : seq< one< '{' >, sep, list< seq< sep, nested< statement > >, seq< sep, one< ';' > > >, sep, opt< one< ';' >, sep >, must< one< '}' > > > {};
struct function_def : seq< opt< kw< TAO_PEGTL_STRING( "view" ) >, sep >, param_list, sep, function_body > {};
struct let_value_expected : sor< function_def, pipe_expr > {};
struct let_stmt : seq< kw< TAO_PEGTL_STRING( "let" ) >, sep, must< let_name_expected >, sep, must< let_eq_expected >, sep, must< let_value_expected > > {};
struct declare_stmt : seq< kw< TAO_PEGTL_STRING( "declare" ) >, sep, kw< TAO_PEGTL_STRING( "query_parameters" ) >, sep, param_list > {};
struct set_option_value : sor< string_literal, bool_literal, real_literal, long_literal, word > {};
struct set_stmt : seq< kw< TAO_PEGTL_STRING( "set" ) >, sep, word, star< one< '.' >, word >, opt< sep, one< '=' >, sep, set_option_value > > {};
struct statement : sor< let_stmt, declare_stmt, set_stmt, pipe_expr > {};
struct statement_end : sor< one< ';' >, eof > {};
struct query : seq< sep, star< sor< one< ';' >, seq< statement, sep, must< statement_end > > >, sep >, must< eof > > {};

}  // namespace rulelab::kusto::grammar
