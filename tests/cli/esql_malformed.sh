#!/usr/bin/env bash
# ES|QL over documents with values their field's type cannot take (a word in a long field, a
# string that is no IP in an ip field). Elasticsearch's `ignore_malformed` mapping parameter page:
# with it the document is indexed and the malformed field is not (it is listed in _ignored); the
# logs-*-* data streams set index.mapping.ignore_malformed (Fleet's logs@settings, "Default logs
# index template"); without it the document is refused. rulelab reads the field as missing, as the
# former, and says so on stderr (index, field, count, the first value and its line) instead of
# dropping the values silently: streamed (the fields the query reads) and loaded whole alike.
set -euo pipefail
: "${RULELAB:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cat >"$tmp/docs.ndjson" <<'JSON'
{"@timestamp":"2025-03-01T00:00:00Z","event":{"code":"4624","duration":"fast"},"source":{"ip":"10.0.0.1","port":"x"}}
{"@timestamp":"2025-03-01T00:01:00Z","event":{"code":"4625","duration":12},"source":{"ip":"not-an-ip","port":443}}
{"@timestamp":"2025-03-01T00:02:00Z","event":{"code":"4625","duration":"slow"},"source":{"ip":"10.0.0.3","port":80}}
JSON
q='FROM logs-test-default | STATS n = COUNT(*), d = COUNT(event.duration), ips = COUNT(source.ip) BY event.code | SORT event.code'
for mode in "" --no-pushdown; do
  out=$("$RULELAB" query --dialect esql "$q" --data "logs-test-default=$tmp/docs.ndjson" --format csv $mode 2>"$tmp/err")
  # COUNT(field) counts values: the malformed ones are not there
  [[ $out == $'1,0,1,"4624"\n2,1,1,"4625"' ]] || fail "$mode: counts: $out"
  grep -q '2 value(s) of event.duration cannot be read as long (the first at line 1: "fast")' "$tmp/err" || fail "$mode: duration note: $(cat "$tmp/err")"
  grep -q '1 value(s) of source.ip cannot be read as ip (the first at line 2: "not-an-ip")' "$tmp/err" || fail "$mode: ip note: $(cat "$tmp/err")"
  grep -q 'ignore_malformed' "$tmp/err" || fail "$mode: the note names ignore_malformed"
done
# A field the streamed query does not read is not named; loaded whole, every field is.
"$RULELAB" query --dialect esql "$q" --data "logs-test-default=$tmp/docs.ndjson" >/dev/null 2>"$tmp/err"
! grep -q 'source.port' "$tmp/err" || fail "streamed: source.port is not read"
"$RULELAB" query --dialect esql "$q" --data "logs-test-default=$tmp/docs.ndjson" --no-pushdown >/dev/null 2>"$tmp/err"
grep -q '1 value(s) of source.port cannot be read as long (the first at line 1: "x")' "$tmp/err" || fail "whole: source.port: $(cat "$tmp/err")"
# Well-formed documents: no note.
printf '%s\n' '{"@timestamp":"2025-03-01T00:00:00Z","event":{"code":"1","duration":5},"source":{"ip":"10.0.0.9"}}' >"$tmp/ok.ndjson"
"$RULELAB" query --dialect esql "$q" --data "logs-test-default=$tmp/ok.ndjson" >/dev/null 2>"$tmp/err"
! grep -q 'cannot be read' "$tmp/err" || fail "a note without malformed values"

# A file of several read chunks (about 9 MiB: the reader parses 4 MiB chunks on several threads and
# converts each batch of documents there): the first malformed value's line, the counts and the
# documents' _id (their position in the file) are the file's, read as NDJSON, gzip and one JSON array.
awk 'BEGIN { for (i = 1; i <= 60000; i++) {
  d = (i == 41234 || i == 59999) ? "\"late\"" : i % 7;
  printf "{\"@timestamp\":\"2025-03-01T00:00:00Z\",\"event\":{\"code\":\"c%d\",\"duration\":%s},\"pad\":\"%0100d\"}\n", i % 3, d, i } }' >"$tmp/big.ndjson"
gzip -c "$tmp/big.ndjson" >"$tmp/big.ndjson.gz"
{ echo "["; sed '$!s/$/,/' "$tmp/big.ndjson"; echo "]"; } >"$tmp/big.json"
qb='FROM logs-big-default METADATA _id | WHERE event.code == "c2" AND event.duration == 6 | STATS n = COUNT(*), last = MAX(TO_LONG(_id))'
for f in big.ndjson big.ndjson.gz big.json; do
  line=41234
  [[ $f == big.json ]] && line=41235  # (the array's "[" is line 1)
  out=$("$RULELAB" query --dialect esql "$qb" --data "logs-big-default=$tmp/$f" --format csv 2>"$tmp/err")
  # i % 3 == 2 and i % 7 == 6: i = 20, 41, ..., 59996 (2857 of them; the malformed 41234 and 59999 are not)
  [[ $out == "2857,59996" ]] || fail "$f: counts and _id: $out"
  grep -q "2 value(s) of event.duration cannot be read as long (the first at line $line: \"late\")" "$tmp/err" || fail "$f: note: $(cat "$tmp/err")"
done
# Integers beyond their field's range are malformed too: a long of 12345678901234567890 (beyond
# 2^63 - 1: Jackson's "out of range of long", ignore_malformed leaves the field out) and an integer
# of 3000000000 or a short of 40000 ("Value [..] is out of range for an integer"/"a short":
# Elasticsearch's NumberFieldMapper). rulelab read the long wrapped to -6101065172474983726 and the
# streamed integer as given. Read as missing, with the note; the bounds themselves are values.
cat >"$tmp/range.json" <<'JSON'
{"mappings":{"properties":{"i":{"type":"integer"},"s":{"type":"short"},"l":{"type":"long"}}}}
JSON
printf '%s\n' '{"big":12345678901234567890,"i":3000000000,"s":40000,"l":-9223372036854775808}' \
  '{"big":1,"i":2147483647,"s":32767,"l":9223372036854775807}' >"$tmp/range.ndjson"
gzip -kf "$tmp/range.ndjson"
for f in range.ndjson range.ndjson.gz; do
  for mode in "" --no-pushdown; do
    out=$("$RULELAB" query --dialect esql 'FROM idx | KEEP big, i, s, l' --data "idx=$tmp/$f" --mapping "idx=$tmp/range.json" --format csv $mode 2>"$tmp/err")
    [[ $out == $'null,null,null,-9223372036854775808\n1,2147483647,32767,9223372036854775807' ]] || fail "range $f $mode: $out"
    grep -q "1 value(s) of big cannot be read as long (the first at line 1: 12345678901234567890)" "$tmp/err" || fail "range $f $mode: note: $(cat "$tmp/err")"
    grep -q "1 value(s) of s cannot be read as short" "$tmp/err" || fail "range $f $mode: short note: $(cat "$tmp/err")"
  done
done
# The range holds however the value is written: a real or a string out of an integer's or a
# short's range is malformed too.
printf '%s\n' '{"i":3000000000.0,"s":"40000"}' '{"i":"7","s":7.0}' >"$tmp/range2.ndjson"
for mode in "" --no-pushdown; do
  out=$("$RULELAB" query --dialect esql 'FROM idx | KEEP i, s' --data "idx=$tmp/range2.ndjson" --mapping "idx=$tmp/range.json" --format csv $mode 2>"$tmp/err")
  [[ $out == $'null,null\n7,7' ]] || fail "range written otherwise $mode: $out"
done
# Lines Elasticsearch indexes though simdjson does not read them as they are: a byte order mark
# before the first document, an integer beyond 64 bits (Jackson reads it; a double field takes it).
printf '\xEF\xBB\xBF%s\n%s\n' '{"d":1,"u":"a"}' '{"d":100000000000000000000000,"u":"b"}' >"$tmp/bom.ndjson"
printf '%s\n' '{"mappings":{"properties":{"d":{"type":"double"},"u":{"type":"keyword"}}}}' >"$tmp/d.json"
for mode in "" --no-pushdown; do
  out=$("$RULELAB" query --dialect esql 'FROM idx | KEEP u | SORT u' --data "idx=$tmp/bom.ndjson" --mapping "idx=$tmp/d.json" --format csv $mode 2>"$tmp/err")
  [[ $out == $'"a"\n"b"' ]] || fail "bom and big integer $mode: $out $(cat "$tmp/err")"
done
echo "ok"
