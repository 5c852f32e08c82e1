#!/usr/bin/env bash
# ES|QL over --data files read at query time: a query whose result names its columns (STATS, KEEP)
# reads only the fields it references, a chunk of documents at a time through its leading WHERE /
# EVAL / ...; any other query, or one whose fields cannot be typed without reading every document,
# loads the index whole. Both must give exactly the answer of loading every field of every document
# (--no-pushdown): rows, columns, warnings, errors. A differential test over generated
# azure.auditlogs documents, plus answers worked out by hand for the fallbacks.
# Semantics: Elasticsearch's ES|QL reference ("Commands", "Multivalued fields", "Syntax"); both
# paths evaluate with the same commands, so any difference is the reader's fault.
set -euo pipefail
: "${RULELAB:?}" "${RULELAB_GEN:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$RULELAB_GEN" --rows 6000 --seed 11 --shape elastic --start 2026-03-01T00:00:00Z --out "$tmp/gen.ndjson"
data=logs-azure.auditlogs-default=$tmp/gen.ndjson
compared=0
same() {  # query [options]: JSON result and stderr the same streamed and loaded whole
  local q=$1 a b
  shift
  a=$("$RULELAB" query --dialect esql "$q" --data "$data" --format json --now 2026-03-02T00:00:00Z "$@" 2>"$tmp/e1") && ra=0 || ra=$?
  b=$("$RULELAB" query --dialect esql "$q" --data "$data" --format json --now 2026-03-02T00:00:00Z --no-pushdown "$@" 2>"$tmp/e2") && rb=0 || rb=$?
  [[ $ra == "$rb" ]] || fail "exit $ra vs $rb: $q"
  [[ "$a" == "$b" ]] || fail "streamed differs: $q: $(diff <(echo "$a") <(echo "$b") | head -5 | cut -c1-300)"
  diff "$tmp/e1" "$tmp/e2" >/dev/null || fail "stderr differs: $q: $(diff "$tmp/e1" "$tmp/e2" | head -5)"
  compared=$((compared + 1))
}
F='FROM logs-azure.auditlogs-*'
same "$F | WHERE event.outcome == \"success\" | STATS n = COUNT(*), actors = COUNT_DISTINCT(azure.auditlogs.identity) BY azure.auditlogs.operation_name | SORT n DESC, azure.auditlogs.operation_name"
same "$F METADATA _id, _index | WHERE azure.auditlogs.operation_name == \"Delete user\" | KEEP _id, _index, @timestamp, azure.auditlogs.identity | SORT @timestamp | LIMIT 50"
same "$F | EVAL h = DATE_TRUNC(1 hour, @timestamp) | STATS c = COUNT(*) BY h | SORT h | LIMIT 5"
same "$F | WHERE TO_LOWER(azure.auditlogs.operation_name) LIKE \"*user*\" | STATS VALUES(event.outcome), MIN(@timestamp), MAX(@timestamp)"
same "$F | KEEP azure.auditlogs.identity, event.outcome | WHERE event.outcome != \"success\" | STATS c = COUNT(*) BY azure.auditlogs.identity | SORT c DESC, azure.auditlogs.identity | LIMIT 3"
# errors: an unknown column, a type error in the leading WHERE
same "$F | WHERE no.such.field == 1 | STATS COUNT(*)"
same "$F | WHERE azure.auditlogs.operation_name + 1 > 2 | STATS COUNT(*)"
# no STATS or KEEP: loaded whole (same answer by construction, compared anyway)
same "$F | WHERE azure.auditlogs.operation_name == \"Reset user password\" | SORT @timestamp | LIMIT 2"

# A STATS of COUNT / COUNT_DISTINCT / MIN / MAX by fields is computed batch by batch (2,048
# documents each) and merged: over 20,000 documents (ten batches), with a multi-valued key
# (event.type), documents without the key (null group), no BY, and no row passing the WHERE.
"$RULELAB_GEN" --rows 20000 --seed 5 --shape elastic --start 2026-03-01T00:00:00Z --out "$tmp/big.ndjson"
printf '%s\n' '{"@timestamp":"2026-03-01T00:00:00Z","event":{"outcome":"success","type":["a","b"]}}' \
  '{"@timestamp":"2026-03-01T00:00:01Z","event":{"outcome":"success"},"azure":{"auditlogs":{"identity":["x@y","a@b"]}}}' >>"$tmp/big.ndjson"
data=logs-azure.auditlogs-default=$tmp/big.ndjson
same "$F | STATS n = COUNT(*), k = COUNT(event.type), d = COUNT_DISTINCT(azure.auditlogs.identity), lo = MIN(@timestamp), hi = MAX(azure.auditlogs.identity) BY event.type | SORT event.type"
same "$F | WHERE event.outcome == \"success\" | STATS COUNT(*), COUNT_DISTINCT(event.action), MIN(azure.auditlogs.identity) BY azure.auditlogs.operation_name, event.outcome | SORT \`COUNT(*)\` DESC, azure.auditlogs.operation_name"
same "$F | STATS c = COUNT(*), d = COUNT_DISTINCT(azure.auditlogs.identity), m = MAX(@timestamp)"
same "$F | WHERE event.outcome == \"nope\" | STATS c = COUNT(*), d = COUNT_DISTINCT(azure.auditlogs.identity), m = MIN(@timestamp)"
same "$F | WHERE event.outcome == \"nope\" | STATS c = COUNT(*) BY event.type"
same "$F | STATS c = COUNT(*) + 1, s = SUM(event.duration) BY event.outcome | SORT event.outcome"
{ cat "$tmp/gen.ndjson"
  printf '%s\n' '{"@timestamp":"2026-03-01T00:00:00Z","event":{"outcome":"success","type":["a","b"]}}' \
    '{"@timestamp":"2026-03-01T00:00:01Z","event":{"outcome":"success"},"azure":{"auditlogs":{"identity":["x@y","a@b"]}}}' \
    '{"@timestamp":"2026-03-01T00:00:02Z","event":{"outcome":"success","action":["x","y"]},"azure":{"auditlogs":{"identity":7}}}' \
    '{"@timestamp":"2026-03-01T00:00:03Z","event":{"outcome":"failure"},"azure":{"auditlogs":{"operation_name":"Add user"}}}'
} >"$tmp/odd.ndjson"
data=logs-azure.auditlogs-default=$tmp/odd.ndjson
# Over the 6,000 documents (three batches) and four odd ones after them (a multi-valued key, an
# array of identities, a number in a keyword field, a document without identity): without METADATA
# the leading commands and the partial STATS run on the reading threads, each
# batch of 2,048 documents on its own; their warnings are replayed in file order: the first 20
# failures of each expression over the whole file, each text once, as one run over every document.
same "$F | EVAL x = TO_INTEGER(azure.auditlogs.identity), y = TO_LONG(event.outcome) | WHERE x IS NULL | STATS n = COUNT(*) BY azure.auditlogs.operation_name | SORT n DESC, azure.auditlogs.operation_name"
same "$F | EVAL d = DATE_PARSE(\"yyyy\", azure.auditlogs.operation_name) | KEEP d, azure.auditlogs.identity | WHERE d IS NULL | STATS c = COUNT(*)"
same "$F | WHERE event.type == \"a\" | STATS c = COUNT(*) BY event.outcome | SORT event.outcome"
# A partial STATS of keyword fields that only the STATS reads, after WHEREs alone, groups views of
# the documents on the reading threads; a batch where such a field holds anything but one string
# (an array, a number, an object) runs the STATS as written. Keys and values absent (null group),
# a multi-valued key and a number in a keyword field (the odd documents, in the last batch),
# several keys, no BY, MIN/MAX of strings, no row passing the WHERE.
same "$F | WHERE event.outcome == \"success\" | STATS n = COUNT(*), a = COUNT_DISTINCT(azure.auditlogs.identity) BY azure.auditlogs.operation_name | SORT n DESC, azure.auditlogs.operation_name"
same "$F | WHERE event.outcome != \"x\" | STATS n = COUNT(*), c = COUNT(azure.auditlogs.identity), lo = MIN(azure.auditlogs.identity), hi = MAX(event.action) BY event.action, azure.auditlogs.operation_name | SORT n DESC, event.action, azure.auditlogs.operation_name | LIMIT 12"
same "$F | STATS n = COUNT(*), d = COUNT_DISTINCT(event.action), lo = MIN(azure.auditlogs.operation_name), hi = MAX(azure.auditlogs.operation_name)"
same "$F | WHERE event.outcome == \"failure\" | STATS d = COUNT_DISTINCT(azure.auditlogs.identity), n = COUNT(*) BY azure.auditlogs.operation_name | SORT azure.auditlogs.operation_name"
same "$F | WHERE event.outcome == \"none\" | STATS d = COUNT_DISTINCT(azure.auditlogs.identity), n = COUNT(*)"
same "$F | WHERE @timestamp > \"2026-03-01T05:00:00Z\" | STATS n = COUNT(*) BY key = azure.auditlogs.operation_name | SORT key"
data=logs-azure.auditlogs-default=$tmp/gen.ndjson

# Over 4,200 documents of a mapping of keyword fields a, b, c (three batches of 2,048 on the
# reading threads): an aggregate reading a key's name reads the key (BY b = a: MAX(b) is the key's
# value, not field b's); warnings in the order of one run over all rows, each expression's
# failures before the next's (bad values in documents 10 and 3,000 for x, 11 for y); MV_EXPAND's
# --max-rows and a later LIMIT counting all rows at once; blank lines, and a line that is no JSON
# object (the whole-index read's error).
printf '{"idx":{"mappings":{"properties":{"@timestamp":{"type":"date"},"a":{"type":"keyword"},"b":{"type":"keyword"},"c":{"type":"keyword"},"n":{"type":"long"}}}}}' >"$tmp/abc.json"
for i in $(seq 0 4199); do
  a=\"$((i % 5))\" b=\"$((i % 3 + 10))\"
  ((i == 10 || i == 3000)) && a=\"bad$i\"
  ((i == 11)) && b=\"worse$i\"
  ((i == 2048)) && a='["1","2"]'
  printf '{"@timestamp":"2026-03-01T00:00:00Z","a":%s,"b":%s,"c":"c%d","n":%d}\n' "$a" "$b" $((i % 7)) "$i"
done >"$tmp/abc.ndjson"
data=idx=$tmp/abc.ndjson
same 'FROM idx | STATS m = MAX(b), d = COUNT_DISTINCT(b), n = COUNT(*) BY b = a | SORT b' --mapping "idx=$tmp/abc.json"
same 'FROM idx | EVAL x = TO_INTEGER(a), y = TO_INTEGER(b) | STATS s = AVG(x)' --mapping "idx=$tmp/abc.json"
same 'FROM idx | EVAL x = TO_INTEGER(a), y = TO_INTEGER(b) | STATS s = COUNT(x), t = COUNT(y) BY c | SORT c' --mapping "idx=$tmp/abc.json"
same 'FROM idx | EVAL x = TO_INTEGER(a), y = TO_INTEGER(b) | KEEP x, y, n | WHERE n > 4190' --mapping "idx=$tmp/abc.json"
# WHEREs of ==, !=, IN, NOT IN, IS [NOT] NULL, AND, OR, NOT over keyword fields are judged on views
# of the documents before such a STATS (null: a missing field, never kept); the batch holding the
# multi-valued `a` (document 2,048) runs as written, with its warning.
same 'FROM idx | WHERE a == "1" OR b != "10" | WHERE NOT (c IN ("c1", "c2")) | STATS n = COUNT(*), d = COUNT_DISTINCT(c) BY a | SORT a' --mapping "idx=$tmp/abc.json"
same 'FROM idx | WHERE a NOT IN ("2", "3") AND "11" == b | STATS n = COUNT(*), lo = MIN(c) BY b | SORT b' --mapping "idx=$tmp/abc.json"
same 'FROM idx | WHERE NOT (a == "x") | WHERE c IS NOT NULL | STATS n = COUNT(*) BY c | SORT c' --mapping "idx=$tmp/abc.json"
same 'FROM idx | WHERE nope IS NULL OR a != "0" | STATS n = COUNT(*), k = COUNT(a)' --mapping "idx=$tmp/abc.json"
same 'FROM idx | WHERE a == "4" | STATS n = COUNT(*), d = COUNT_DISTINCT(b) BY c | SORT c' --mapping "idx=$tmp/abc.json"
same 'FROM idx | MV_EXPAND a | STATS n = AVG(n)' --mapping "idx=$tmp/abc.json" --max-rows 3000
same 'FROM idx | MV_EXPAND a | EVAL x = TO_INTEGER(a) | KEEP x | LIMIT 5' --mapping "idx=$tmp/abc.json"
awk 'NR == 100 || NR == 4000 { print "" } NR == 3000 { print "\f \v" } { print } END { for (i = 0; i < 5; i++) print "" }' "$tmp/abc.ndjson" >"$tmp/blank.ndjson"
data=idx=$tmp/blank.ndjson
same 'FROM idx | STATS n = COUNT(*) BY a | SORT a' --mapping "idx=$tmp/abc.json"
# a field spelled as a nested object, a dotted key and an array of objects in one document
printf '%s\n' '{"a.b":"y","a":{"b":"x"},"c":"1"}' '{"a":{"b":["p","q"]},"a.b":["r"],"c":"2"}' '{"a":[{"b":"s"},{"b":"t"}],"c":"3"}' \
  '{"a":{"b":5},"c":"4"}' '{"a.b":null,"c":"5","a":{}}' >"$tmp/dot.ndjson"
printf '{"idx":{"mappings":{"properties":{"a":{"properties":{"b":{"type":"keyword"}}},"c":{"type":"keyword"}}}}}' >"$tmp/dot.json"
data=idx=$tmp/dot.ndjson
same 'FROM idx | KEEP a.b, c | SORT c' --mapping "idx=$tmp/dot.json"
same 'FROM idx | STATS n = COUNT(*), v = COUNT(a.b), d = COUNT_DISTINCT(a.b) BY c | SORT c' --mapping "idx=$tmp/dot.json"
# As text (values in the order read, not sorted as a keyword's): the dotted key and the object
# both on the path, in either order in the document; with a second field read beside them.
printf '{"idx":{"mappings":{"properties":{"a":{"properties":{"b":{"type":"text"}}},"c":{"type":"keyword"}}}}}' >"$tmp/dottext.json"
same 'FROM idx | KEEP a.b, c | SORT c' --mapping "idx=$tmp/dottext.json"
# Pretty-printed documents one after another, and a JSON array of documents (one with a key
# written twice, which Elasticsearch refuses): read as documents by both paths, each starting on
# its own line, the refused one left out with the same note.
printf '{\n  "a": "1",\n  "b": "10", "c": "x"\n}\n{"a": "2", "b": "11", "c": "y"}\n  {\n"a":"1","c":"z"}\n' >"$tmp/pretty.ndjson"
printf '[\n {"a": "1", "b": "10", "c": "x"},\n {"a": "2",\n  "a": "3", "c": "y"},\n {"a": "1", "c": "z"}\n]\n' >"$tmp/array.json"
for f in pretty.ndjson array.json; do
  data=idx=$tmp/$f
  same 'FROM idx | STATS n = COUNT(*), d = COUNT_DISTINCT(c) BY a | SORT a' --mapping "idx=$tmp/abc.json"
  same 'FROM idx | WHERE a == "1" | KEEP a, b, c | SORT c' --mapping "idx=$tmp/abc.json"
done
[[ $("$RULELAB" query --dialect esql 'FROM idx | KEEP c | SORT c' --data "idx=$tmp/pretty.ndjson" --mapping "idx=$tmp/abc.json" --format csv) == $'"x"\n"y"\n"z"' ]] ||
  fail "pretty-printed documents not read whole"
# Documents without the key first in each batch: its null group is the batch's first group.
awk 'NR % 2048 == 1 || NR % 2048 == 2 { sub(/"a":"[^"]*",/, "") } { print }' "$tmp/abc.ndjson" >"$tmp/nokey.ndjson"
data=idx=$tmp/nokey.ndjson
same 'FROM idx | STATS n = COUNT(*), d = COUNT_DISTINCT(c), lo = MIN(b) BY a | SORT a' --mapping "idx=$tmp/abc.json"
awk 'NR == 3001 { print "[1]" } { print }' "$tmp/abc.ndjson" >"$tmp/bad.ndjson"
data=idx=$tmp/bad.ndjson
same 'FROM idx | STATS n = COUNT(*) BY a | SORT a' --mapping "idx=$tmp/abc.json"
data=logs-azure.auditlogs-default=$tmp/gen.ndjson

# Keyword fields as indexed (tests/data/esql/keyword_mapping.test: null_value, ignore_above,
# a normalizer, constant_keyword): the in-place paths (WHERE and STATS on views) give the
# answers of the whole read, over three batches of such documents.
cat >"$tmp/kw.json" <<'JSON'
{"mappings":{"properties":{"id":{"type":"integer"},"k":{"type":"keyword","ignore_above":5,"null_value":"NA"},"c":{"type":"constant_keyword","value":"fixed"},"n":{"type":"keyword","normalizer":"lc"},"e":{"type":"keyword","ignore_above":2}}},"settings":{"analysis":{"normalizer":{"lc":{"type":"custom","filter":["lowercase"]}}}}}
JSON
for ((i = 0; i < 900; i++)); do
  printf '%s\n' "{\"id\":$i,\"k\":\"abc\",\"n\":\"MiXeD\"}" "{\"id\":$i,\"k\":\"abcdefgh\",\"n\":\"mixed\"}" "{\"id\":$i,\"k\":null,\"e\":\"a\ud83d\ude00\"}" \
    "{\"id\":$i,\"k\":[\"zz\",\"abcdefg\",null]}" "{\"id\":$i,\"c\":\"fixed\",\"e\":\"\ud83d\ude00\"}"
done >"$tmp/kw.ndjson"
data=idx=$tmp/kw.ndjson
same 'FROM idx | STATS n = COUNT(*) BY k | SORT k' --mapping "idx=$tmp/kw.json"
same 'FROM idx | WHERE k == "NA" OR k IS NULL | STATS n = COUNT(*), d = COUNT_DISTINCT(n) BY c' --mapping "idx=$tmp/kw.json"
same 'FROM idx | STATS n = COUNT(*), m = MAX(e) BY n | SORT n' --mapping "idx=$tmp/kw.json"
same 'FROM idx | WHERE n == "mixed" | STATS COUNT(*)' --mapping "idx=$tmp/kw.json"
out=$("$RULELAB" query --dialect esql 'FROM idx | STATS n = COUNT(*) BY k | SORT k' --data "$data" --mapping "idx=$tmp/kw.json" --format json)
[[ $(jq -c .values <<<"$out") == '[[1800,"NA"],[900,"abc"],[900,"zz"],[1800,null]]' ]] || fail "keyword rules: $out"
# A constant_keyword with no mapped value takes the first value indexed (every document reads
# it); the streamed read cannot know it ahead and reads the index whole once a document holds one.
# A document with another value is one Elasticsearch refuses: read with the index's value, noted.
printf '%s\n' '{"mappings":{"properties":{"ds":{"type":"constant_keyword"},"n":{"type":"long"}}}}' >"$tmp/ck.json"
for ((i = 0; i < 3000; i++)); do
  if ((i == 0)); then echo "{\"n\":$i}"; elif ((i == 2500)); then echo "{\"n\":$i,\"ds\":\"other\"}"; else echo "{\"n\":$i,\"ds\":\"okta.system\"}"; fi
done >"$tmp/ck.ndjson"
data=idx=$tmp/ck.ndjson
same 'FROM idx | STATS c = COUNT(*) BY ds' --mapping "idx=$tmp/ck.json"
out=$("$RULELAB" query --dialect esql 'FROM idx | STATS c = COUNT(*) BY ds' --data "$data" --mapping "idx=$tmp/ck.json" --format json 2>"$tmp/err")
[[ $(jq -c .values <<<"$out") == '[[3000,"okta.system"]]' ]] || fail "constant_keyword: $out"
grep -q '1 document(s) hold a value of constant_keyword field ds other than the index.s "okta.system" (the first at line 2501: "other"); Elasticsearch refuses' "$tmp/err" ||
  fail "constant_keyword note: $(cat "$tmp/err")"
# null_value on a long, a boolean and an IP field (null-value.html): an explicit null reads as it.
printf '%s\n' '{"mappings":{"properties":{"l":{"type":"long","null_value":0},"b":{"type":"boolean","null_value":true},"ip":{"type":"ip","null_value":"0.0.0.0"}}}}' >"$tmp/nv.json"
for ((i = 0; i < 1500; i++)); do echo '{"l":null,"b":null,"ip":null}'; echo '{"l":5,"b":false,"ip":"10.0.0.1"}'; echo '{}'; done >"$tmp/nv.ndjson"
data=idx=$tmp/nv.ndjson
same 'FROM idx | STATS c = COUNT(*), s = SUM(l) BY b, ip | SORT b, ip' --mapping "idx=$tmp/nv.json"
out=$("$RULELAB" query --dialect esql 'FROM idx | STATS c = COUNT(*), s = SUM(l) BY b, ip | SORT b, ip' --data "$data" --mapping "idx=$tmp/nv.json" --format json)
[[ $(jq -c .values <<<"$out") == '[[1500,7500,false,"10.0.0.1"],[1500,0,true,"0.0.0.0"],[1500,null,null,null]]' ]] || fail "null_value: $out"
data=idx=$tmp/ck.ndjson
# With a mapped value the query streams; the note on the document with another value is the same.
printf '%s\n' '{"mappings":{"properties":{"ds":{"type":"constant_keyword","value":"okta.system"},"n":{"type":"long"}}}}' >"$tmp/ck2.json"
same 'FROM idx | STATS c = COUNT(*) BY ds' --mapping "idx=$tmp/ck2.json"
grep -q 'other than the index.s "okta.system"' "$tmp/e1" || fail "constant_keyword note, streamed: $(cat "$tmp/e1")"
data=logs-azure.auditlogs-default=$tmp/gen.ndjson

# Aggregates other than COUNT written with * or no argument read a column of nulls (they once
# read past an empty one): an answer or a positioned error, never a crash.
for q in 'ROW a = 1 | STATS m = MAX(*)' 'ROW a = 1 | STATS v = VALUES()' 'ROW a = 1 | STATS c = COUNT_DISTINCT(*)'; do
  "$RULELAB" query --dialect esql "$q" --format json >/dev/null 2>&1 && rc=0 || rc=$?
  ((rc <= 1)) || fail "exit $rc (a crash?): $q"
done

# A field no mapping types, first held by the last document: the streamed read cannot type it in
# advance and falls back to loading the index whole, so STATS sees its one value.
printf '%s\n' '{"@timestamp":"2026-03-01T00:00:00Z","event":{"outcome":"success"}}' \
  '{"@timestamp":"2026-03-01T00:00:01Z","event":{"outcome":"failure"}}' \
  '{"@timestamp":"2026-03-01T00:00:02Z","event":{"outcome":"success"},"custom":{"score":7}}' >"$tmp/small.ndjson"
out=$("$RULELAB" query --dialect esql 'FROM logs-x | STATS n = COUNT(*), s = SUM(custom.score) BY event.outcome | SORT event.outcome' \
  --data logs-x="$tmp/small.ndjson" --format json)
[[ $(jq -c .values <<<"$out") == '[[1,null,"failure"],[2,7,"success"]]' ]] || fail "unmapped late field: $out"
# Lines Elasticsearch would not index (not a JSON object, invalid JSON, a key written twice:
# strict duplicate detection) are left out, counted and named in a note, streamed or not, as the
# kuery and EQL readers count the records they cannot read; the query runs over the others.
printf '%s\n' '{"@timestamp":"2026-03-01T00:00:00Z"}' '42' '{"@timestamp":' '{"a":1,"a":2}' '{"@timestamp":"2026-03-01T00:00:03Z"}' >"$tmp/bad.ndjson"
for flag in "" --no-pushdown; do
  out=$("$RULELAB" query --dialect esql 'FROM logs-x METADATA _id | KEEP _id, @timestamp | SORT @timestamp' --data logs-x="$tmp/bad.ndjson" --format csv $flag 2>"$tmp/err") ||
    fail "lines that are not documents failed the query ($flag): $(cat "$tmp/err")"
  [[ $out == $'"1","2026-03-01T00:00:00.000Z"\n"2","2026-03-01T00:00:03.000Z"' ]] || fail "the documents ($flag): $out"
  grep -q "3 line(s) are not a document Elasticsearch indexes and are left out (the first at line 2: not a JSON object)" "$tmp/err" ||
    fail "the note ($flag): $(cat "$tmp/err")"
done
echo "esql_stream: $compared queries the same streamed and loaded whole; fallbacks and errors as expected"
