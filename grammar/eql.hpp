// PEGTL grammar of Elasticsearch EQL (event queries, sequences, samples, pipes), after the
// Elasticsearch "EQL syntax reference". Only the grammar lives here; src/eql/parser.cpp instantiates
// it (the only translation unit that does) and turns the parse tree into the AST of src/eql/ast.hpp.
#pragma once
#include <tao/pegtl.hpp>

namespace rulelab::eql::grammar {
namespace pg = tao::pegtl;

// ---- lexical -----------------------------------------------------------------------------------
struct line_comment : pg::seq<pg::two<'/'>, pg::until<pg::eolf>> {};
struct block_comment_end : pg::until<pg::string<'*', '/'>> {};
struct block_comment : pg::if_must<pg::string<'/', '*'>, block_comment_end> {};
struct ws : pg::sor<pg::space, line_comment, block_comment> {};
struct sp : pg::star<ws> {};

struct ident_first : pg::sor<pg::alpha, pg::one<'_', '@'>> {};
struct ident_other : pg::sor<pg::alnum, pg::one<'_', '@'>> {};
struct ident_chars : pg::seq<ident_first, pg::star<ident_other>> {};

template <char... Cs>
struct kw : pg::seq<pg::string<Cs...>, pg::not_at<ident_other>> {};
struct kw_and : kw<'a', 'n', 'd'> {};
struct kw_or : kw<'o', 'r'> {};
struct kw_not : kw<'n', 'o', 't'> {};
struct kw_in : kw<'i', 'n'> {};
struct kw_like : kw<'l', 'i', 'k', 'e'> {};
struct kw_regex : kw<'r', 'e', 'g', 'e', 'x'> {};
struct kw_where : kw<'w', 'h', 'e', 'r', 'e'> {};
struct kw_by : kw<'b', 'y'> {};
struct kw_with : kw<'w', 'i', 't', 'h'> {};
struct kw_until : kw<'u', 'n', 't', 'i', 'l'> {};
struct kw_sequence : kw<'s', 'e', 'q', 'u', 'e', 'n', 'c', 'e'> {};
struct kw_sample : kw<'s', 'a', 'm', 'p', 'l', 'e'> {};
struct kw_join : kw<'j', 'o', 'i', 'n'> {};
struct kw_any : kw<'a', 'n', 'y'> {};
struct kw_true : kw<'t', 'r', 'u', 'e'> {};
struct kw_false : kw<'f', 'a', 'l', 's', 'e'> {};
struct kw_null : kw<'n', 'u', 'l', 'l'> {};
struct kw_of : kw<'o', 'f'> {};
struct keyword : pg::sor<kw_and, kw_or, kw_not, kw_in, kw_like, kw_regex, kw_where, kw_by, kw_with, kw_until,
                         kw_sequence, kw_sample, kw_join, kw_any, kw_true, kw_false, kw_null, kw_of> {};

// `in~`, `like~`, `regex~`: the insensitive forms.
struct tilde : pg::one<'~'> {};

// ---- literals ------------------------------------------------------------------------------------
struct digits : pg::plus<pg::digit> {};
struct exponent : pg::seq<pg::one<'e', 'E'>, pg::opt<pg::one<'+', '-'>>, digits> {};
struct real_literal : pg::sor<pg::seq<digits, pg::one<'.'>, pg::star<pg::digit>, pg::opt<exponent>>,
                              pg::seq<pg::one<'.'>, digits, pg::opt<exponent>>, pg::seq<digits, exponent>> {};
struct int_literal : pg::seq<digits> {};
struct number_body : pg::sor<real_literal, int_literal> {};
struct number : pg::seq<number_body, pg::not_at<ident_other>> {};

struct raw_body : pg::until<pg::string<'"', '"', '"'>> {};
struct raw_string : pg::if_must<pg::string<'"', '"', '"'>, raw_body> {};
struct escape : pg::seq<pg::one<'\\'>, pg::any> {};
struct dq_char : pg::sor<escape, pg::not_one<'"', '\\', '\r', '\n'>> {};
struct dq_close : pg::one<'"'> {};
struct dq_body : pg::seq<pg::star<dq_char>, dq_close> {};
struct dq_string : pg::if_must<pg::one<'"'>, dq_body> {};
// Elasticsearch rejects single-quoted and ?"..." strings; matched only to say so.
struct sq_string : pg::seq<pg::at<pg::one<'\''>>, pg::raise<sq_string>> {};
struct string_literal : pg::sor<raw_string, dq_string, sq_string> {};

struct constant : pg::sor<kw_null, kw_true, kw_false, number, string_literal> {};

// ---- field names ---------------------------------------------------------------------------------
struct bq_body : pg::star<pg::sor<pg::two<'`'>, pg::not_one<'`', '\n'>>> {};
struct bq_close : pg::one<'`'> {};
struct backquoted : pg::if_must<pg::one<'`'>, bq_body, bq_close> {};
struct name_segment : pg::seq<ident_chars> {};
struct first_segment : pg::seq<pg::not_at<keyword>, ident_chars> {};
struct segment : pg::sor<backquoted, name_segment> {};
struct optional_mark : pg::one<'?'> {};
struct field : pg::seq<pg::opt<optional_mark>, pg::sor<backquoted, first_segment>,
                       pg::star<pg::one<'.'>, segment>> {};

// ---- expressions ---------------------------------------------------------------------------------
struct expression;
struct paren_close : pg::one<')'> {};
struct paren_inner : pg::seq<expression> {};
struct paren_expr : pg::if_must<pg::one<'('>, sp, paren_inner, sp, paren_close> {};

struct func_name : pg::seq<ident_chars, pg::opt<tilde>> {};
struct arg_list : pg::opt<expression, pg::star<sp, pg::one<','>, sp, expression>> {};
struct call : pg::seq<func_name, sp, pg::one<'('>, sp, pg::must<arg_list, sp, paren_close>> {};

struct primary : pg::sor<paren_expr, constant, call, field> {};
struct neg : pg::one<'-'> {};
struct pos : pg::one<'+'> {};
struct unary;
struct unary_operand : pg::seq<unary> {};
struct neg_form : pg::if_must<neg, sp, unary_operand> {};
struct unary : pg::sor<neg_form, pg::if_must<pos, sp, unary_operand>, primary> {};
struct mul_op : pg::one<'*', '/', '%'> {};
struct term_operand : pg::seq<unary> {};
struct term : pg::seq<unary, pg::star<sp, mul_op, sp, pg::must<term_operand>>> {};
struct add_op : pg::one<'+', '-'> {};
struct arith_operand : pg::seq<term> {};
struct arith : pg::seq<term, pg::star<sp, add_op, sp, pg::must<arith_operand>>> {};

struct cmp_op : pg::sor<pg::two<'='>, pg::string<'!', '='>, pg::string<'<', '='>, pg::string<'>', '='>, pg::one<'<'>,
                        pg::one<'>'>> {};
// A lone `=` is a common mistake: Elasticsearch asks for `==`.
struct single_eq : pg::seq<pg::at<pg::one<'='>, pg::not_at<pg::one<'='>>>, pg::raise<single_eq>> {};
struct cmp_operand : pg::seq<arith> {};

struct not_in : pg::seq<kw_not, sp, kw_in, pg::opt<tilde>> {};
struct in_op : pg::seq<kw_in, pg::opt<tilde>> {};
struct in_close : pg::one<')'> {};
struct in_item : pg::seq<expression> {};
struct in_list : pg::seq<pg::one<'('>, sp, pg::must<in_item, pg::star<sp, pg::one<','>, sp, in_item>, sp, in_close>> {};
struct colon_op : pg::seq<pg::one<':'>, pg::not_at<pg::one<':'>>> {};
struct like_op : pg::seq<kw_like, pg::opt<tilde>> {};
struct regex_op : pg::seq<kw_regex, pg::opt<tilde>> {};
struct match_op : pg::sor<colon_op, like_op, regex_op> {};
struct pattern_close : pg::one<')'> {};
struct pattern_item : pg::seq<constant> {};
struct pattern_list : pg::sor<pg::seq<pg::one<'('>, sp, pg::must<pattern_item, pg::star<sp, pg::one<','>, sp, pattern_item>, sp, pattern_close>>,
                              constant> {};
struct in_predicate : pg::seq<pg::sor<not_in, in_op>, sp, pg::must<in_list>> {};
struct match_predicate : pg::seq<match_op, sp, pg::must<pattern_list>> {};
struct comparison : pg::seq<cmp_op, sp, pg::must<cmp_operand>> {};
struct value_expr : pg::seq<arith, pg::opt<sp, pg::sor<comparison, in_predicate, match_predicate, single_eq>>> {};

struct not_expr;
struct not_operand : pg::seq<not_expr> {};
struct not_form : pg::seq<kw_not, sp, pg::must<not_operand>> {};
struct not_expr : pg::sor<not_form, value_expr> {};
struct and_operand : pg::seq<not_expr> {};
struct and_expr : pg::seq<not_expr, pg::star<sp, kw_and, sp, pg::must<and_operand>>> {};
struct or_operand : pg::seq<and_expr> {};
struct or_expr : pg::seq<and_expr, pg::star<sp, kw_or, sp, pg::must<or_operand>>> {};
struct expression : pg::seq<or_expr> {};

// ---- queries -------------------------------------------------------------------------------------
struct category : pg::sor<kw_any, string_literal, first_segment> {};
struct condition : pg::seq<expression> {};
struct where_kw : pg::seq<kw_where> {};
struct event_filter : pg::seq<category, sp, pg::must<where_kw>, sp, pg::must<condition>> {};

struct join_key : pg::seq<expression> {};
struct by_clause : pg::if_must<kw_by, sp, join_key, pg::star<sp, pg::one<','>, sp, pg::must<join_key>>> {};

struct unit : pg::seq<ident_chars> {};
struct param_value : pg::seq<number_body, pg::opt<unit>> {};
struct param_name : pg::seq<ident_chars> {};
struct param_eq : pg::one<'='> {};
struct param : pg::seq<param_name, sp, pg::must<param_eq>, sp, pg::must<param_value>> {};
struct with_clause : pg::if_must<kw_with, sp, param> {};

struct missing_mark : pg::one<'!'> {};
struct bracket_close : pg::one<']'> {};
struct stage_filter : pg::seq<event_filter> {};
struct subquery : pg::seq<pg::opt<missing_mark, sp>, pg::one<'['>, sp, pg::must<stage_filter, sp, bracket_close>> {};
struct seq_term : pg::seq<subquery, pg::opt<sp, by_clause>, pg::opt<sp, with_clause>> {};
struct until_term : pg::seq<seq_term> {};
struct until_clause : pg::if_must<kw_until, sp, until_term> {};
struct seq_header : pg::seq<pg::opt<sp, by_clause>, pg::opt<sp, with_clause>, pg::opt<sp, by_clause>> {};
struct seq_terms : pg::plus<sp, seq_term> {};
struct sequence : pg::if_must<kw_sequence, seq_header, seq_terms, pg::opt<sp, until_clause>> {};
struct sample : pg::if_must<kw_sample, pg::opt<sp, by_clause>, seq_terms> {};
// Recognised only to report that Elasticsearch does not support it.
struct join : pg::seq<pg::at<kw_join>, pg::raise<join>> {};

struct pipe_arg : pg::seq<expression> {};
struct pipe_name : pg::seq<ident_chars> {};
struct pipe : pg::if_must<pg::one<'|'>, sp, pipe_name, pg::star<sp, pipe_arg, pg::star<sp, pg::one<','>, sp, pipe_arg>>> {};
struct end_of_query : pg::seq<pg::eof> {};
struct body : pg::sor<sequence, sample, join, event_filter> {};
struct query : pg::seq<sp, pg::must<body>, pg::star<sp, pipe>, sp, pg::must<end_of_query>> {};

}  // namespace rulelab::eql::grammar
