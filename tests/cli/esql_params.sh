#!/usr/bin/env bash
# ES|QL query parameters (the ES|QL API's `params`, "ES|QL query API: params"): `rulelab query
# --dialect esql --param NAME=VALUE` for `?NAME`, `--param VALUE` for `?` (in order) and `?N`
# (1-based, named ones counted). Values are typed as the API types JSON values (an integer is
# integer when it fits, else long; 1.5 double; "s" keyword; true boolean; null). Errors are those
# of Elasticsearch's parser (EsqlParser, ExpressionBuilder; its StatementParserTests and RestEsqlTestCase):
# one kind of parameter per query, "Not enough actual parameters", "No parameter is defined for
# position N", "Unknown query parameter [x]".
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' '{"key":1,"color":"red"}' '{"key":2,"color":"blue"}' '{"key":3,"color":"blue"}' >"$tmp/t.ndjson"
q() { "$RULELAB" query --dialect esql "$@" 2>&1; }

out=$(q 'FROM t | WHERE key > ? | KEEP key | SORT key' --data "t=$tmp/t.ndjson" --param 1)
check "anonymous" $'key:long\n2\n3' "$out"
out=$(q 'FROM t | WHERE color == ?c | SORT key | LIMIT ?n | KEEP key' --data "t=$tmp/t.ndjson" --param c=blue --param n=1)
check "named, and LIMIT ?n" $'key:long\n2' "$out"
out=$(q 'ROW a = ?1, b = ?2, c = ?1, d = ?3, e = ?4' --param 1.5 --param '"s"' --param 9999999999 --param true)
check "positional: types of the JSON values" $'a:double\tb:keyword\tc:double\td:long\te:boolean\n1.5\t"s"\t1.5\t9999999999\ttrue' "$out"
out=$(q 'ROW a = [?, ?]' --param 1 --param 2.5)
check "in a list literal" $'a:double\n[1.0,2.5]' "$out"
out=$(q 'ROW a = ?' --param user=admin --param 2)
check "named and unnamed refused (RequestXContent)" 'Params cannot contain both named and unnamed parameters; got [{user=admin}] and [{2}]' "$out"
out=$(q 'ROW a = 1 | LIMIT ?' --param -5)
check "a negative LIMIT" 'LIMIT must be an integer between 0 and 2147483647' "$out"
out=$(q 'ROW a = ?2' --param n1=v1 --param n2=v2)
check "a position counts named parameters" $'a:keyword\n"v2"' "$out"
out=$(q 'ROW a = ?' --param 'hello world')
check "not JSON: a string" $'a:keyword\n"hello world"' "$out"
out=$(q 'ROW a = ?')
check "none given" 'Not enough actual parameters 0' "$out"
check "none given: how" '--param NAME=VALUE' "$out"
out=$(q 'ROW a = ?, b = ?' --param 1)
check "not enough" '1:16: Not enough actual parameters 1' "$out"
out=$(q 'ROW a = ?x, b = ?' --param x=1)
check "mixed" '1:17: Inconsistent parameter declaration, use one of positional, named or anonymous params but not a combination of anonymous and named' "$out"
out=$(q 'ROW a = ?0, b = ?2' --param n1=v1)
check "position 0" 'No parameter is defined for position 0, did you mean position 1?' "$out"
out=$(q 'ROW a = ?3' --param 1 --param 2)
check "position beyond" 'No parameter is defined for position 3, did you mean any position between 1 and 2?' "$out"
out=$(q 'ROW a = ?n0' --param n1=v1)
check "unknown name" 'Unknown query parameter [n0]' "$out"
out=$(q 'ROW a = ?' --param '[1,2]')
check "an array refused" 'a parameter is one value' "$out"
out=$(q 'FROM t | LIMIT ?' --data "t=$tmp/t.ndjson" --param 1.5)
check "LIMIT takes an integer" 'LIMIT must be an integer' "$out"
out=$("$RULELAB" query --dialect kusto 'print 1' --param 1 2>&1)
check "ES|QL only" '--param applies to --dialect esql only' "$out"
exit $fail
