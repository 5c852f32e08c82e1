#!/usr/bin/env bash
# JSON output never fails on the bytes a string holds. base64_decode_tostring of bytes that are
# not valid UTF-8 is null (learn.microsoft.com/kusto/query/base64-decode-tostring-function: the
# docs' example prints an empty cell); bytes that are not UTF-8 made by other functions
# (url_decode("%FF")) are written as U+FFFD.
set -euo pipefail
: "${RULELAB:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
q='print Quine=base64_decode_tostring("S3VzdG8="), Empty=base64_decode_tostring("U3RyaW5n0KHR0tGA0L7Rh9C60LA=")'
j=$("$RULELAB" query --dialect kusto "$q" --format json) || fail "json: $j"
[[ $(jq -c '.rows' <<<"$j") == '[{"Quine":"Kusto","Empty":""}]' ]] || fail "rows: $j"
t=$("$RULELAB" query --dialect kusto "$q") || fail "table: $t"
grep -q '^Kusto' <<<"$t" || fail "table: $t"
j=$("$RULELAB" query --dialect kusto 'print s = url_decode("a%FFb")' --format json) || fail "url_decode json: $j"
[[ $(jq -r '.rows[0].s' <<<"$j") == $'a\uFFFDb' ]] || fail "url_decode: $j"
# kuery's JSON output writes each matching document's own JSON into "rows": the same documents
# as --format ndjson, in order, with their provenance; none matching gives an empty array.
: "${SRC:?}"
d=$SRC/rules/sentinel/samples/member-created-deleted-within-hour.ndjson
j=$("$RULELAB" query --dialect kuery 'OperationName:*' --data x="$d" --format json) || fail "kuery json: $j"
n=$("$RULELAB" query --dialect kuery 'OperationName:*' --data x="$d" --format ndjson | jq -s -c '.') || fail "kuery ndjson"
[[ $(jq -c '.rows' <<<"$j") == "$n" ]] || fail "kuery json rows differ from ndjson: $j"
[[ $(jq '.rows | length' <<<"$j") -gt 0 && $(jq '.provenance | length' <<<"$j") == $(jq '.rows | length' <<<"$j") ]] || fail "kuery json provenance: $j"
[[ $(jq -c '.rows' <<<"$("$RULELAB" query --dialect kuery 'OperationName:"no such operation"' --data x="$d" --format json)") == '[]' ]] ||
  fail "kuery json with no match"
echo "json output: ok"
