#!/usr/bin/env bash
# A constant_keyword field holds one value for the whole index: the mapping's `value`, or else the
# value of the first document indexed ("If no value is provided in the mappings, the field will
# automatically configure itself based on the value contained in the first indexed document";
# Elasticsearch's keyword field types page, constant_keyword). Every document matches that value,
# those without the field too, and Elasticsearch refuses to index a document holding another one.
# rulelab reads such a document with the index's value, and kuery, EQL and ES|QL all say so.
set -euo pipefail
: "${RULELAB:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

printf '%s\n' '{"mappings":{"properties":{"ds":{"type":"constant_keyword","value":"a"},"x":{"type":"keyword"},"@timestamp":{"type":"date"}}}}' >"$tmp/mapped.json"
printf '%s\n' '{"mappings":{"properties":{"ds":{"type":"constant_keyword"},"x":{"type":"keyword"},"@timestamp":{"type":"date"}}}}' >"$tmp/unset.json"
printf '%s\n' '{"@timestamp":"2024-01-01T00:00:00Z","ds":"a","x":"1"}' \
  '{"@timestamp":"2024-01-01T00:00:01Z","ds":"b","x":"2"}' \
  '{"@timestamp":"2024-01-01T00:00:02Z","x":"3"}' >"$tmp/d.ndjson"
want='1 document(s) hold a value of constant_keyword field ds other than the index'"'"'s "a" (the first at line 2: "b"); Elasticsearch refuses to index such a document'

for m in mapped unset; do
  for flag in "" --no-pushdown; do
    # kuery: every document holds "a" (the one without the field too)
    out=$("$RULELAB" query --dialect kuery 'ds:a' --data idx="$tmp/d.ndjson" --mapping "$tmp/$m.json" --format ndjson $flag 2>"$tmp/err")
    [[ $(grep -c . <<<"$out") == 3 ]] || fail "kuery ds:a ($m $flag): $out"
    grep -qF "$want" "$tmp/err" || fail "kuery note ($m $flag): $(cat "$tmp/err")"
    out=$("$RULELAB" query --dialect eql 'any where ds == "a"' --data idx="$tmp/d.ndjson" --mapping "$tmp/$m.json" --format ndjson $flag 2>"$tmp/err")
    [[ $(grep -c . <<<"$out") == 3 ]] || fail "EQL ds == a ($m $flag): $out"
    grep -qF "$want" "$tmp/err" || fail "EQL note ($m $flag): $(cat "$tmp/err")"
  done
  out=$("$RULELAB" query --dialect esql 'FROM idx | WHERE ds == "a" | KEEP x' --data idx="$tmp/d.ndjson" --mapping "$tmp/$m.json" 2>"$tmp/err")
  grep -q "^3 rows" <<<"$out" || fail "ES|QL ds == a ($m): $out"
  grep -qF "$want" "$tmp/err" || fail "ES|QL note ($m): $(cat "$tmp/err")"
done
# The first value indexed as the mapper reads it (textOrNull): a number is its text, and a null is
# no value (the next document's value is the first). kuery, EQL and ES|QL take the same one.
printf '%s\n' '{"@timestamp":"2024-01-01T00:00:00Z","ds":5,"x":"1"}' '{"@timestamp":"2024-01-01T00:00:01Z","ds":"a"}' \
  '{"@timestamp":"2024-01-01T00:00:02Z","ds":"5"}' >"$tmp/number.ndjson"
printf '%s\n' '{"@timestamp":"2024-01-01T00:00:00Z","ds":null,"x":"1"}' '{"@timestamp":"2024-01-01T00:00:01Z","ds":"a"}' \
  '{"@timestamp":"2024-01-01T00:00:02Z","ds":"b"}' >"$tmp/null.ndjson"
for f in number:5:2:a null:a:3:b; do
  IFS=: read -r name value line other <<<"$f"
  want="1 document(s) hold a value of constant_keyword field ds other than the index's \"$value\" (the first at line $line: \"$other\")"
  out=$("$RULELAB" query --dialect kuery "ds:$value" --data idx="$tmp/$name.ndjson" --mapping "$tmp/unset.json" --format ndjson 2>"$tmp/err")
  [[ $(grep -c . <<<"$out") == 3 ]] || fail "kuery ds:$value ($name first): $out"
  grep -qF "$want" "$tmp/err" || fail "kuery note ($name first): $(cat "$tmp/err")"
  out=$("$RULELAB" query --dialect eql "any where ds == \"$value\"" --data idx="$tmp/$name.ndjson" --mapping "$tmp/unset.json" --format ndjson 2>"$tmp/err")
  [[ $(grep -c . <<<"$out") == 3 ]] || fail "EQL ds == $value ($name first): $out"
  grep -qF "$want" "$tmp/err" || fail "EQL note ($name first): $(cat "$tmp/err")"
  out=$("$RULELAB" query --dialect esql "FROM idx | WHERE ds == \"$value\" | KEEP x" --data idx="$tmp/$name.ndjson" --mapping "$tmp/unset.json" 2>"$tmp/err")
  grep -q "^3 rows" <<<"$out" || fail "ES|QL ds == $value ($name first): $out"
  grep -qF "$want" "$tmp/err" || fail "ES|QL note ($name first): $(cat "$tmp/err")"
done
echo "constant_keyword_conflict: ok"
