// Kibana Query Language (kuery) grammar, after Kibana's grammar.peggy
// (packages/kbn-es-query/src/kuery/grammar/grammar.peggy): same rules, same order of alternatives,
// so that the same texts parse, with the same oddities (an unquoted value may hold spaces and stops
// before " or ", " and " and "not "; a value is trimmed; a backslash before other characters is an
// error outside quotes and a plain character inside them).
//
// PEG rules, no actions: the parser (src/kuery/parser.cpp) builds a parse tree from the
// selected rules and converts it into the typed AST.
#pragma once
#include <tao/pegtl.hpp>

namespace rulelab::kuery_grammar {
using namespace tao::pegtl;

// Space "whitespace" = [\ \t\r\n\u00A0]
struct nbsp : string<'\xC2', '\xA0'> {};
struct space_char : sor<one<' ', '\t', '\r', '\n'>, nbsp> {};
struct spaces : star<space_char> {};

// Or "OR" = Space+ 'or'i Space+ ; And "AND" = Space+ 'and'i Space+ ; Not "NOT" = 'not'i Space+
struct or_kw : seq<plus<space_char>, istring<'o', 'r'>, plus<space_char>> {};
struct and_kw : seq<plus<space_char>, istring<'a', 'n', 'd'>, plus<space_char>> {};
struct not_kw : seq<istring<'n', 'o', 't'>, plus<space_char>> {};
struct keyword : sor<or_kw, and_kw, not_kw> {};

// SpecialCharacter = [\\():<>"*{}]
struct special_char : one<'\\', '(', ')', ':', '<', '>', '"', '*', '{', '}'> {};
struct backslash : one<'\\'> {};
struct escaped_whitespace : seq<backslash, one<'t', 'r', 'n'>> {};
struct escaped_special : seq<backslash, special_char> {};
struct unicode_sequence : seq<one<'u'>, rep<4, xdigit>> {};
struct escaped_unicode : seq<backslash, unicode_sequence> {};
struct escaped_keyword : seq<backslash, sor<istring<'o', 'r'>, istring<'a', 'n', 'd'>, istring<'n', 'o', 't'>>> {};
struct wildcard : one<'*'> {};
struct plain_char : seq<not_at<special_char>, not_at<keyword>, utf8::any> {};
struct unquoted_char : sor<escaped_whitespace, escaped_special, escaped_unicode, escaped_keyword, wildcard, plain_char> {};
struct unquoted_literal : plus<unquoted_char> {};

// QuotedCharacter = EscapedWhitespace / EscapedUnicodeSequence / '\\' [\\"] / [^"]
struct quote : one<'"'> {};
struct escaped_quote_or_backslash : seq<backslash, one<'\\', '"'>> {};
struct quoted_char : sor<escaped_whitespace, escaped_unicode, escaped_quote_or_backslash, seq<not_at<quote>, utf8::any>> {};
struct quoted_string : seq<quote, star<quoted_char>, quote> {};

struct literal : sor<quoted_string, unquoted_literal> {};
struct field : sor<quoted_string, unquoted_literal> {};
struct value : sor<quoted_string, unquoted_literal> {};

struct lparen : one<'('> {};
struct rparen : one<')'> {};
struct lbrace : one<'{'> {};
struct rbrace : one<'}'> {};
struct colon : one<':'> {};
struct range_op : sor<string<'<', '='>, string<'>', '='>, one<'<'>, one<'>'>> {};

struct or_list;
struct paren_list : seq<lparen, spaces, or_list, spaces, rparen> {};
struct list_of_values : sor<paren_list, value> {};
struct not_list_prefixed : seq<not_kw, list_of_values> {};
struct not_list : sor<not_list_prefixed, list_of_values> {};
struct and_list : seq<not_list, star<and_kw, not_list>> {};
struct or_list : seq<and_list, star<or_kw, and_list>> {};

struct field_range_expr : seq<field, spaces, range_op, spaces, literal> {};
struct field_value_expr : seq<field, spaces, colon, spaces, list_of_values> {};
struct value_expr : seq<value> {};
struct expression : sor<field_range_expr, field_value_expr, value_expr> {};

struct or_query;
struct nested_query : seq<field, spaces, colon, spaces, lbrace, spaces, or_query, spaces, rbrace> {};
struct paren_query : seq<lparen, spaces, or_query, spaces, rparen> {};
struct sub_query : sor<paren_query, nested_query, expression> {};
struct not_prefixed : seq<not_kw, sub_query> {};
struct not_query : sor<not_prefixed, sub_query> {};
struct and_query : seq<not_query, star<and_kw, not_query>> {};
struct or_query : seq<and_query, star<or_kw, and_query>> {};

// start = Space* OrQuery? OptionalSpace, then the end of the input
struct grammar : seq<spaces, opt<or_query>, spaces, eof> {};

}  // namespace rulelab::kuery_grammar
