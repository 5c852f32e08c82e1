#!/usr/bin/env bash
# IP addresses in kuery, EQL and ES|QL, read as Elasticsearch's ip field reads them
# (InetAddresses; ip field type page, "Querying ip fields"): one parser (src/elastic/ip.hpp).
# - An IPv4 part with a leading zero ("010.0.0.10") is no address: the value is malformed, so no
#   dialect finds it (ES|QL names it in a note).
# - EQL: a string compared with an ip field is read as an address ("0:0:0:0:0:0:0:1" finds ::1);
#   a string that is no address makes Elasticsearch refuse the search ("'x' is not an IP string
#   literal."): an error at the literal, not an empty result.
#   EQL and kuery name the values they read as missing in a note, as ES|QL does.
# - ES|QL shows an IPv4-compatible address as NetworkAddress.format does (::102:304).
set -euo pipefail
: "${RULELAB:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cat >"$tmp/d.ndjson" <<'JSON'
{"@timestamp":"2024-12-01T10:00:00Z","event":{"category":"network"},"id":1,"source":{"ip":"::1"}}
{"@timestamp":"2024-12-01T10:00:01Z","event":{"category":"network"},"id":2,"source":{"ip":"010.0.0.10"}}
{"@timestamp":"2024-12-01T10:00:02Z","event":{"category":"network"},"id":3,"source":{"ip":"10.0.0.10"}}
{"@timestamp":"2024-12-01T10:00:03Z","event":{"category":"network"},"id":4,"source":{"ip":"::1.2.3.4"}}
JSON
for mode in "" --no-pushdown; do
  n=$("$RULELAB" query --dialect eql 'network where cidrMatch(source.ip, "10.0.0.0/8")' --data "$tmp/d.ndjson" $mode 2>/dev/null | head -1)
  [[ $n == "1 event" ]] || fail "$mode: EQL cidrMatch over a leading-zero address: $n"
  n=$("$RULELAB" query --dialect kuery 'source.ip: "10.0.0.0/8"' --data "$tmp/d.ndjson" $mode 2>/dev/null | head -1)
  [[ $n == "1 of 4 document(s) match" ]] || fail "$mode: kuery CIDR over a leading-zero address: $n"
  n=$("$RULELAB" query --dialect eql 'network where source.ip == "0:0:0:0:0:0:0:1"' --data "$tmp/d.ndjson" $mode 2>/dev/null | head -1)
  [[ $n == "1 event" ]] || fail "$mode: EQL ip literal in full: $n"
done
# EQL says which values it read as missing (as ES|QL does), with the first and its line.
"$RULELAB" query --dialect eql 'network where source.ip != "::1"' --data "$tmp/d.ndjson" >/dev/null 2>"$tmp/err"
grep -q 'note: index d: 1 value(s) of source.ip cannot be read as ip (the first at line 2: "010.0.0.10")' "$tmp/err" || fail "EQL malformed note: $(cat "$tmp/err")"
# kuery says it too (reading every document: with pushdown, only those the query could match).
"$RULELAB" query --dialect kuery 'source.ip: "10.0.0.0/8"' --data "$tmp/d.ndjson" --no-pushdown >/dev/null 2>"$tmp/err"
grep -q 'note: index d: 1 value(s) of source.ip cannot be read as ip (the first at line 2: "010.0.0.10")' "$tmp/err" || fail "kuery malformed note: $(cat "$tmp/err")"
if "$RULELAB" query --dialect eql 'network where source.ip != "localhost"' --data "$tmp/d.ndjson" >"$tmp/out" 2>"$tmp/err"; then
  fail "EQL: a string that is no IP compared with an ip field must be an error: $(cat "$tmp/out")"
fi
grep -q "'localhost' is not an IP string literal" "$tmp/err" || fail "EQL error text: $(cat "$tmp/err")"
grep -q '^<query>:1:28:' "$tmp/err" || fail "EQL error position: $(cat "$tmp/err")"
out=$("$RULELAB" query --dialect esql 'FROM logs-t-d | KEEP id, source.ip | SORT id' --data "logs-t-d=$tmp/d.ndjson" --format csv 2>"$tmp/err")
[[ $out == $'1,"::1"\n2,null\n3,"10.0.0.10"\n4,"::102:304"' ]] || fail "ES|QL ip values: $out"
grep -q '1 value(s) of source.ip cannot be read as ip (the first at line 2: "010.0.0.10")' "$tmp/err" || fail "ES|QL note: $(cat "$tmp/err")"
echo "ok"
