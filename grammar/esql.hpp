// PEGTL grammar of Elasticsearch ES|QL, after Elasticsearch's EsqlBaseParser.g4 / EsqlBaseLexer.g4
// and the ES|QL reference ("ES|QL syntax", "Commands", "Operators"): a source command (FROM, ROW),
// then processing commands separated by `|`. Keywords are case-insensitive. Only the grammar lives
// here; src/esql/parser.cpp instantiates it (the only translation unit that does) and turns the
// parse tree into the typed AST of src/esql/ast.hpp.
#pragma once
#include <tao/pegtl.hpp>

namespace rulelab::esql::grammar {
namespace pg = tao::pegtl;

// ---- lexical -----------------------------------------------------------------------------------
struct line_comment : pg::seq<pg::two<'/'>, pg::until<pg::eolf>> {};
struct block_comment_end : pg::until<pg::string<'*', '/'>> {};
struct block_comment : pg::if_must<pg::string<'/', '*'>, block_comment_end> {};
struct ws : pg::sor<pg::space, line_comment, block_comment> {};
struct sp : pg::star<ws> {};

struct id_first : pg::sor<pg::alpha, pg::one<'_', '@'>> {};
struct id_other : pg::sor<pg::alnum, pg::one<'_', '@'>> {};

template <char... Cs>
struct kw : pg::seq<pg::istring<Cs...>, pg::not_at<id_other>> {};
struct kw_and : kw<'a', 'n', 'd'> {};
struct kw_or : kw<'o', 'r'> {};
struct kw_not : kw<'n', 'o', 't'> {};
struct kw_in : kw<'i', 'n'> {};
struct kw_is : kw<'i', 's'> {};
struct kw_like : kw<'l', 'i', 'k', 'e'> {};
struct kw_rlike : kw<'r', 'l', 'i', 'k', 'e'> {};
struct kw_null : kw<'n', 'u', 'l', 'l'> {};
struct kw_nulls : kw<'n', 'u', 'l', 'l', 's'> {};
struct kw_true : kw<'t', 'r', 'u', 'e'> {};
struct kw_false : kw<'f', 'a', 'l', 's', 'e'> {};
struct kw_by : kw<'b', 'y'> {};
struct kw_as : kw<'a', 's'> {};
struct kw_on : kw<'o', 'n'> {};
struct kw_with : kw<'w', 'i', 't', 'h'> {};
struct kw_asc : kw<'a', 's', 'c'> {};
struct kw_desc : kw<'d', 'e', 's', 'c'> {};
struct kw_first : kw<'f', 'i', 'r', 's', 't'> {};
struct kw_last : kw<'l', 'a', 's', 't'> {};
struct kw_where : kw<'w', 'h', 'e', 'r', 'e'> {};
struct kw_metadata : kw<'m', 'e', 't', 'a', 'd', 'a', 't', 'a'> {};
struct reserved : pg::sor<kw_and, kw_or, kw_not, kw_in, kw_is, kw_like, kw_rlike, kw_null, kw_true, kw_false,
                          kw_by, kw_as, kw_asc, kw_desc, kw_nulls, kw_with, kw_on, kw_where, kw_metadata> {};

// ---- literals ----------------------------------------------------------------------------------
struct digits : pg::plus<pg::digit> {};
struct exponent : pg::seq<pg::one<'e', 'E'>, pg::opt<pg::one<'+', '-'>>, digits> {};
struct decimal_literal : pg::sor<pg::seq<digits, pg::one<'.'>, pg::star<pg::digit>, pg::opt<exponent>>,
                                 pg::seq<pg::one<'.'>, digits, pg::opt<exponent>>, pg::seq<digits, exponent>> {};
struct integer_literal : pg::seq<digits> {};
struct number_body : pg::sor<decimal_literal, integer_literal> {};
struct number : pg::seq<number_body, pg::not_at<pg::sor<pg::alpha, pg::one<'_'>>>> {};
// `1 hour`, `2days`, `1h`: a number with a time unit (time_duration or date_period).
struct unit_name : pg::sor<pg::istring<'m', 'i', 'l', 'l', 'i', 's', 'e', 'c', 'o', 'n', 'd', 's'>,
                          pg::istring<'m', 'i', 'l', 'l', 'i', 's', 'e', 'c', 'o', 'n', 'd'>,
                          pg::istring<'m', 's'>,
                          pg::istring<'s', 'e', 'c', 'o', 'n', 'd', 's'>,
                          pg::istring<'s', 'e', 'c', 'o', 'n', 'd'>,
                          pg::istring<'s', 'e', 'c'>,
                          pg::istring<'s'>,
                          pg::istring<'m', 'i', 'n', 'u', 't', 'e', 's'>,
                          pg::istring<'m', 'i', 'n', 'u', 't', 'e'>,
                          pg::istring<'m', 'i', 'n'>,
                          pg::istring<'h', 'o', 'u', 'r', 's'>,
                          pg::istring<'h', 'o', 'u', 'r'>,
                          pg::istring<'h'>,
                          pg::istring<'d', 'a', 'y', 's'>,
                          pg::istring<'d', 'a', 'y'>,
                          pg::istring<'d'>,
                          pg::istring<'w', 'e', 'e', 'k', 's'>,
                          pg::istring<'w', 'e', 'e', 'k'>,
                          pg::istring<'w'>,
                          pg::istring<'m', 'o', 'n', 't', 'h', 's'>,
                          pg::istring<'m', 'o', 'n', 't', 'h'>,
                          pg::istring<'m', 'o'>,
                          pg::istring<'q', 'u', 'a', 'r', 't', 'e', 'r', 's'>,
                          pg::istring<'q', 'u', 'a', 'r', 't', 'e', 'r'>,
                          pg::istring<'q'>,
                          pg::istring<'y', 'e', 'a', 'r', 's'>,
                          pg::istring<'y', 'e', 'a', 'r'>,
                          pg::istring<'y', 'r'>,
                          pg::istring<'y'>, pg::istring<'m'>> {};
struct qualified_number : pg::seq<number_body, sp, unit_name, pg::not_at<id_other>> {};

struct triple_body : pg::until<pg::at<pg::string<'"', '"', '"'>, pg::not_at<pg::string<'"', '"', '"', '"'>>>> {};
struct triple_string : pg::if_must<pg::string<'"', '"', '"'>, triple_body, pg::string<'"', '"', '"'>> {};
struct escape : pg::seq<pg::one<'\\'>, pg::any> {};
struct dq_char : pg::sor<escape, pg::not_one<'"', '\\', '\r', '\n'>> {};
struct dq_close : pg::one<'"'> {};
struct dq_body : pg::seq<pg::star<dq_char>, dq_close> {};
struct dq_string : pg::if_must<pg::one<'"'>, dq_body> {};
struct string_literal : pg::sor<triple_string, dq_string> {};

// `?`, `?name`, `?1`: parameters of the request.
struct param : pg::seq<pg::one<'?'>, pg::opt<pg::sor<pg::seq<id_first, pg::star<id_other>>, digits>>> {};

// ---- names -------------------------------------------------------------------------------------
struct bq_body : pg::star<pg::sor<pg::two<'`'>, pg::not_one<'`', '\n'>>> {};
struct bq_close : pg::one<'`'> {};
struct quoted_id : pg::if_must<pg::one<'`'>, bq_body, bq_close> {};
struct plain_id : pg::seq<pg::not_at<reserved>, id_first, pg::star<id_other>> {};
struct ident : pg::sor<quoted_id, plain_id> {};
// In a dotted name, segments after the first may be keywords (`x.in` is a field).
struct later_id : pg::sor<quoted_id, pg::seq<id_first, pg::star<id_other>>, digits> {};
struct qualified_name : pg::seq<ident, pg::star<pg::one<'.'>, later_id>> {};
// KEEP/DROP patterns: segments may hold `*`.
struct pattern_chars : pg::plus<pg::sor<id_other, pg::one<'*'>>> {};
struct pattern_seg : pg::sor<quoted_id, pattern_chars> {};
// (Elasticsearch lexes KEEP and DROP in a mode of their own, where every word is a name pattern:
// `KEEP null` keeps the column named null; RENAME's mode has the token AS.)
struct name_pattern : pg::seq<pattern_seg, pg::star<pg::one<'.'>, pattern_seg>> {};

// ---- expressions -------------------------------------------------------------------------------
struct bool_expr;
struct list_item;
struct list_literal : pg::seq<pg::one<'['>, sp, pg::opt<list_item, pg::star<sp, pg::one<','>, sp, list_item>>, sp, pg::one<']'>> {};
struct signed_number : pg::seq<pg::one<'-', '+'>, sp, number> {};
struct list_item : pg::sor<kw_null, kw_true, kw_false, signed_number, number, string_literal, param> {};
struct null_lit : pg::seq<kw_null> {};
struct true_lit : pg::seq<kw_true> {};
struct false_lit : pg::seq<kw_false> {};
struct constant : pg::sor<null_lit, true_lit, false_lit, qualified_number, number, string_literal, list_literal, param> {};

struct star_arg : pg::one<'*'> {};
struct close_paren : pg::one<')'> {};
struct map_entry : pg::seq<string_literal, sp, pg::one<':'>, sp, constant> {};
struct map_expr : pg::seq<pg::one<'{'>, sp, pg::opt<map_entry, pg::star<sp, pg::one<','>, sp, map_entry>>, sp, pg::one<'}'>> {};
struct arg : pg::sor<map_expr, bool_expr> {};
struct args : pg::opt<pg::sor<star_arg, pg::seq<arg, pg::star<sp, pg::one<','>, sp, arg>>>> {};
struct fn_name : pg::seq<pg::sor<quoted_id, pg::seq<id_first, pg::star<id_other>>>> {};
struct call : pg::seq<fn_name, sp, pg::one<'('>, sp, args, sp, pg::must<close_paren>> {};
struct paren : pg::seq<pg::one<'('>, sp, bool_expr, sp, pg::must<close_paren>> {};
struct field_ref : pg::seq<qualified_name> {};
struct primary : pg::sor<paren, call, constant, field_ref> {};
struct type_name : pg::seq<id_first, pg::star<id_other>> {};
struct cast_op : pg::two<':'> {};
struct cast : pg::seq<primary, pg::star<sp, cast_op, sp, type_name>> {};
struct neg_op : pg::one<'-'> {};
struct pos_op : pg::one<'+'> {};
struct unary;
struct unary_neg : pg::seq<neg_op, sp, unary> {};
struct unary : pg::sor<unary_neg, pg::seq<pos_op, sp, unary>, cast> {};
struct mul_op : pg::one<'*', '/', '%'> {};
struct term : pg::seq<unary, pg::star<sp, mul_op, sp, unary>> {};
struct add_op : pg::seq<pg::one<'+', '-'>, pg::not_at<pg::one<'>'>>> {};
struct arith : pg::seq<term, pg::star<sp, add_op, sp, term>> {};
struct cmp_op : pg::sor<pg::two<'='>, pg::string<'!', '='>, pg::string<'<', '='>, pg::string<'>', '='>, pg::one<'<'>, pg::one<'>'>,
                        pg::string<'=', '~'>> {};
struct comparison : pg::seq<arith, pg::opt<sp, cmp_op, sp, arith>> {};

struct not_mark : pg::seq<kw_not> {};
struct is_null : pg::seq<kw_is, sp, pg::opt<not_mark, sp>, kw_null> {};
struct in_list : pg::seq<pg::opt<not_mark, sp>, kw_in, sp, pg::one<'('>, sp, pg::seq<bool_expr, pg::star<sp, pg::one<','>, sp, bool_expr>>, sp, pg::must<close_paren>> {};
struct pattern_list : pg::seq<pg::one<'('>, sp, string_literal, pg::star<sp, pg::one<','>, sp, string_literal>, sp, pg::must<close_paren>> {};
struct like_pattern : pg::sor<pattern_list, arith> {};
struct like : pg::seq<pg::opt<not_mark, sp>, kw_like, sp, pg::must<like_pattern>> {};
struct rlike : pg::seq<pg::opt<not_mark, sp>, kw_rlike, sp, pg::must<like_pattern>> {};
struct match_op : pg::seq<pg::one<':'>, pg::not_at<pg::one<':'>>, sp, constant> {};
struct predicate_tail : pg::sor<is_null, in_list, like, rlike, match_op> {};
struct predicate : pg::seq<comparison, pg::opt<sp, predicate_tail>> {};
struct not_expr;
struct logical_not : pg::seq<kw_not, sp, not_expr> {};
struct not_expr : pg::sor<logical_not, predicate> {};
struct and_expr : pg::seq<not_expr, pg::star<sp, kw_and, sp, not_expr>> {};
struct or_expr : pg::seq<and_expr, pg::star<sp, kw_or, sp, and_expr>> {};
struct bool_expr : pg::seq<or_expr> {};

// ---- commands ----------------------------------------------------------------------------------
struct assign_name : pg::seq<qualified_name> {};
struct assign_op : pg::seq<pg::one<'='>, pg::not_at<pg::one<'=', '~'>>> {};
struct field_def : pg::seq<pg::opt<assign_name, sp, assign_op, sp>, bool_expr> {};
struct agg_where : pg::seq<kw_where, sp, pg::must<bool_expr>> {};
struct agg_def : pg::seq<field_def, pg::opt<sp, agg_where>> {};
struct fields : pg::seq<field_def, pg::star<sp, pg::one<','>, sp, pg::must<field_def>>> {};

struct comma : pg::one<','> {};
struct index_chars : pg::plus<pg::sor<id_other, pg::one<'*', '-', '.', ':', '+', '<', '>', '{', '}', '/', '%'>>> {};
struct index_pattern : pg::sor<triple_string, pg::seq<pg::one<'"'>, pg::star<pg::not_one<'"', '\n'>>, pg::one<'"'>>, index_chars> {};
struct index_list : pg::seq<index_pattern, pg::star<sp, comma, sp, index_pattern>> {};
struct metadata_field : pg::seq<id_first, pg::star<id_other>> {};
struct metadata : pg::seq<kw_metadata, sp, pg::must<metadata_field>, pg::star<sp, comma, sp, pg::must<metadata_field>>> {};
template <char... Cs>
struct cmd : pg::seq<pg::istring<Cs...>, pg::not_at<id_other>> {};
struct from_cmd : pg::seq<cmd<'f', 'r', 'o', 'm'>, sp, pg::must<index_list>, pg::opt<sp, metadata>> {};
struct row_cmd : pg::seq<cmd<'r', 'o', 'w'>, sp, pg::must<fields>> {};
struct source_cmd : pg::sor<from_cmd, row_cmd> {};

struct where_cmd : pg::seq<cmd<'w', 'h', 'e', 'r', 'e'>, sp, pg::must<bool_expr>> {};
struct eval_cmd : pg::seq<cmd<'e', 'v', 'a', 'l'>, sp, pg::must<fields>> {};
struct by_clause : pg::seq<kw_by, sp, pg::must<fields>> {};
struct agg_list : pg::seq<pg::not_at<kw_by>, agg_def, pg::star<sp, pg::one<','>, sp, pg::must<agg_def>>> {};
struct stats_body : pg::seq<pg::opt<agg_list>, pg::opt<sp, by_clause>> {};
struct stats_cmd : pg::seq<cmd<'s', 't', 'a', 't', 's'>, sp, stats_body> {};
struct inline_stats_cmd : pg::seq<pg::sor<pg::seq<cmd<'i', 'n', 'l', 'i', 'n', 'e'>, sp, cmd<'s', 't', 'a', 't', 's'>>,
                                          cmd<'i', 'n', 'l', 'i', 'n', 'e', 's', 't', 'a', 't', 's'>>, sp, stats_body> {};
struct patterns : pg::seq<name_pattern, pg::star<sp, pg::one<','>, sp, pg::must<name_pattern>>> {};
struct keep_cmd : pg::seq<pg::sor<cmd<'k', 'e', 'e', 'p'>, cmd<'p', 'r', 'o', 'j', 'e', 'c', 't'>>, sp, pg::must<patterns>> {};
struct drop_cmd : pg::seq<cmd<'d', 'r', 'o', 'p'>, sp, pg::must<patterns>> {};
struct rename_old : pg::seq<pg::not_at<kw_as>, name_pattern> {};
struct rename_new : pg::seq<pg::not_at<kw_as>, name_pattern> {};
struct rename_clause : pg::sor<pg::seq<rename_old, sp, kw_as, sp, pg::must<rename_new>>,
                               pg::seq<rename_new, sp, assign_op, sp, pg::must<rename_old>>> {};
struct rename_cmd : pg::seq<cmd<'r', 'e', 'n', 'a', 'm', 'e'>, sp, pg::must<rename_clause>, pg::star<sp, pg::one<','>, sp, pg::must<rename_clause>>> {};
struct asc : pg::seq<kw_asc> {};
struct desc : pg::seq<kw_desc> {};
struct nulls_first : pg::seq<kw_first> {};
struct nulls_last : pg::seq<kw_last> {};
struct sort_key : pg::seq<bool_expr, pg::opt<sp, pg::sor<asc, desc>>, pg::opt<sp, kw_nulls, sp, pg::must<pg::sor<nulls_first, nulls_last>>>> {};
struct sort_cmd : pg::seq<cmd<'s', 'o', 'r', 't'>, sp, pg::must<sort_key>, pg::star<sp, pg::one<','>, sp, pg::must<sort_key>>> {};
struct limit_value : pg::sor<integer_literal, param> {};
struct limit_cmd : pg::seq<cmd<'l', 'i', 'm', 'i', 't'>, sp, pg::must<limit_value>> {};
struct option_name : pg::seq<id_first, pg::star<id_other>> {};
struct command_option : pg::seq<option_name, sp, pg::one<'='>, sp, pg::must<constant>> {};
struct dissect_cmd : pg::seq<cmd<'d', 'i', 's', 's', 'e', 'c', 't'>, sp, pg::must<primary>, sp, pg::must<string_literal>,
                             pg::star<sp, command_option>> {};
struct grok_cmd : pg::seq<cmd<'g', 'r', 'o', 'k'>, sp, pg::must<primary>, sp, pg::must<string_literal>,
                          pg::star<sp, pg::one<','>, sp, string_literal>> {};
struct mv_expand_cmd : pg::seq<cmd<'m', 'v', '_', 'e', 'x', 'p', 'a', 'n', 'd'>, sp, pg::must<qualified_name>> {};
// Commands that need a cluster (enrich policy, lookup index, inference endpoint): parsed as a span,
// refused by the binder with their position.
// (Parentheses are taken in balanced pairs, so that such a command ends a FORK branch at its ')'.)
struct paren_span;
struct rest_of_command : pg::star<pg::sor<string_literal, quoted_id, paren_span, pg::not_one<'|', '(', ')'>>> {};
struct paren_span : pg::seq<pg::one<'('>, rest_of_command, pg::opt<pg::one<')'>>> {};
struct enrich_cmd : pg::seq<cmd<'e', 'n', 'r', 'i', 'c', 'h'>, rest_of_command> {};
// LOOKUP JOIN <lookup_index> ON <field>[, <field>...], or ON an expression (predicates AND-ed:
// 9.2): the items are read as expressions, and the binder tells the two forms apart as
// Elasticsearch's LogicalPlanBuilder does (the first item a bare field: a list of fields). LOOKUP
// without JOIN (the tables of the request) is parsed as a span.
struct join_on_item : pg::seq<bool_expr> {};
struct lookup_join : pg::seq<cmd<'l', 'o', 'o', 'k', 'u', 'p'>, sp, cmd<'j', 'o', 'i', 'n'>, sp, pg::must<index_pattern>, sp,
                             pg::must<kw_on>, sp, pg::must<join_on_item>, pg::star<sp, pg::one<','>, sp, pg::must<join_on_item>>> {};
struct lookup_cmd : pg::sor<lookup_join, pg::seq<cmd<'l', 'o', 'o', 'k', 'u', 'p'>, rest_of_command>> {};
// COMPLETION [column =] prompt WITH { "inference_id" : "id" } (9.2), or WITH id (9.1); another
// form is parsed as a span (refused by the binder).
struct completion_endpoint : pg::seq<qualified_name> {};
struct completion_form : pg::seq<cmd<'c', 'o', 'm', 'p', 'l', 'e', 't', 'i', 'o', 'n'>, sp, field_def, sp, kw_with, sp,
                                 pg::sor<map_expr, completion_endpoint>, pg::at<sp, pg::sor<pg::one<'|', ')'>, pg::eof>>> {};
struct completion_cmd : pg::sor<completion_form, pg::seq<cmd<'c', 'o', 'm', 'p', 'l', 'e', 't', 'i', 'o', 'n'>, rest_of_command>> {};
struct other_cmd : pg::seq<pg::sor<cmd<'c', 'h', 'a', 'n', 'g', 'e', '_', 'p', 'o', 'i', 'n', 't'>,
                                   cmd<'s', 'a', 'm', 'p', 'l', 'e'>, cmd<'r', 'e', 'r', 'a', 'n', 'k'>,
                                   cmd<'f', 'u', 's', 'e'>>,
                           rest_of_command> {};
// FORK ( <processing commands> ) ( ... ) ...: each branch a pipeline of processing commands.
struct processing_cmd;
struct pipe : pg::one<'|'> {};
struct fork_close : pg::one<')'> {};
struct fork_branch : pg::seq<pg::one<'('>, sp, pg::must<processing_cmd>, pg::star<sp, pipe, sp, pg::must<processing_cmd>>, sp,
                             pg::must<fork_close>> {};
struct fork_branches : pg::seq<fork_branch, pg::star<sp, fork_branch>> {};
struct fork_cmd : pg::seq<cmd<'f', 'o', 'r', 'k'>, sp, pg::must<fork_branches>> {};
struct processing_cmd : pg::sor<where_cmd, eval_cmd, inline_stats_cmd, stats_cmd, keep_cmd, drop_cmd, rename_cmd, sort_cmd,
                                 limit_cmd, dissect_cmd, grok_cmd, mv_expand_cmd, enrich_cmd, lookup_cmd, completion_cmd,
                                 fork_cmd, other_cmd> {};
struct eof_expected : pg::eof {};
struct query : pg::seq<sp, pg::must<source_cmd>, pg::star<sp, pipe, sp, pg::must<processing_cmd>>, sp, pg::must<eof_expected>> {};

}  // namespace rulelab::esql::grammar
