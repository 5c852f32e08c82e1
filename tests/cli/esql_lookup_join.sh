#!/usr/bin/env bash
# LOOKUP JOIN in an ES|QL rule, the lookup index given as data (--data NAME=FILE), as Elasticsearch
# joins it (ES|QL reference "LOOKUP JOIN": a left join; the lookup fields are added to the row):
# a rule alerting on logins of privileged users raises one alert, for the user the lookup index
# marks privileged; explain says which lookup document the event's row met, or that none did. The
# rule's window filters the rule's FROM indices, not the lookup index (whose documents have no
# @timestamp). A lookup index that is not given is a positioned error naming the --data form.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo '{"id":"e1","rule_id":"esql-lj","name":"Privileged logins","type":"esql","language":"esql","query":"FROM logs-* METADATA _id, _version, _index | WHERE event.action == \"login\" | LOOKUP JOIN privileged_users ON user.name | WHERE privileged == true | KEEP @timestamp, host.name, user.name, role","from":"now-60m","interval":"10m","max_signals":100,"risk_score":21,"severity":"low"}' >"$tmp/rule.ndjson"
for i in 1 2 3; do
  echo "{\"@timestamp\":\"2026-09-03T14:1${i}:00Z\",\"event\":{\"action\":\"login\"},\"host\":{\"name\":\"h$i\"},\"user\":{\"name\":\"u$i\"}}"
done >"$tmp/logins.ndjson"
printf '%s\n' '{"user.name":"u2","privileged":true,"role":"domain admin"}' '{"user":{"name":"u3"},"privileged":false,"role":"helpdesk"}' >"$tmp/priv.ndjson"
data=(--data "logs-test-default=$tmp/logins.ndjson" --data "privileged_users=$tmp/priv.ndjson" --now 2026-09-03T14:30:00Z)

out=$("$RULELAB" run "$tmp/rule.ndjson" "${data[@]}" 2>&1)
check "one alert" 'alerts:  1' "$out"
check "the privileged user's row, with the lookup field" '"user.name":"u2","role":"domain admin"' "$out"
out=$("$RULELAB" explain "$tmp/rule.ndjson" "${data[@]}" --event 2 2>&1)
check "explain: the lookup document met" 'user.name = "u2" met 1 document(s) of privileged_users (' "$out"
out=$("$RULELAB" explain "$tmp/rule.ndjson" "${data[@]}" --event 1 2>&1)
check "explain: no lookup document" 'no document of privileged_users has user.name = "u1": its fields are null' "$out"
check "explain: dropped by the WHERE after" 'dropped the event' "$out"
out=$("$RULELAB" explain "$tmp/rule.ndjson" "${data[@]}" --event 3 2>&1)
check "explain: a non-privileged match" 'privileged = false' "$out"
# The same over the data read whole, and a query
out=$("$RULELAB" run "$tmp/rule.ndjson" "${data[@]}" --no-pushdown 2>&1)
check "whole load" 'alerts:  1' "$out"
out=$("$RULELAB" query --dialect esql 'FROM logs-* | LOOKUP JOIN privileged_users ON user.name | STATS n = COUNT(*) BY role | SORT role' --data "logs-test-default=$tmp/logins.ndjson" --data "privileged_users=$tmp/priv.ndjson" 2>&1)
check "query: rows without a match keep null" $'1\t"domain admin"\n1\t"helpdesk"\n1\tnull' "$out"
# A lookup index given as two files: the documents of both
printf '%s\n' '{"user.name":"u1","privileged":true,"role":"backup operator"}' >"$tmp/priv2.ndjson"
out=$("$RULELAB" run "$tmp/rule.ndjson" "${data[@]}" --data "privileged_users=$tmp/priv2.ndjson" 2>&1)
check "two files of the lookup index" 'alerts:  2' "$out"
# The lookup index not given
out=$("$RULELAB" run "$tmp/rule.ndjson" --data "logs-test-default=$tmp/logins.ndjson" --now 2026-09-03T14:30:00Z 2>&1)
check "missing lookup index" 'Unknown index [privileged_users] (a lookup index is given as data: --data privileged_users=FILE)' "$out"
# ON an expression (9.2): logins from an address inside a known-bad range of a lookup index
# (range_start <= source.ip <= range_end, IPs compared as addresses)
echo '{"id":"e2","rule_id":"esql-lj-range","name":"Logins from bad ranges","type":"esql","language":"esql","query":"FROM logs-* METADATA _id, _version, _index | WHERE event.action == \"login\" | LOOKUP JOIN bad_ranges ON source.ip >= range_start AND source.ip <= range_end | WHERE campaign IS NOT NULL | KEEP user.name, source.ip, campaign","from":"now-60m","interval":"10m","max_signals":100,"risk_score":21,"severity":"low"}' >"$tmp/range.ndjson"
for i in 1 2 3; do
  echo "{\"@timestamp\":\"2026-09-03T14:1${i}:00Z\",\"event\":{\"action\":\"login\"},\"user\":{\"name\":\"u$i\"},\"source\":{\"ip\":\"203.0.113.$((i * 100 - 90))\"}}"
done >"$tmp/logins-ip.ndjson"
printf '%s\n' '{"range_start":"203.0.113.100","range_end":"203.0.113.199","campaign":"c-110"}' >"$tmp/ranges.ndjson"
printf '%s\n' '{"properties":{"range_start":{"type":"ip"},"range_end":{"type":"ip"},"campaign":{"type":"keyword"}}}' >"$tmp/ranges.json"
rdata=(--data "logs-test-default=$tmp/logins-ip.ndjson" --data "bad_ranges=$tmp/ranges.ndjson" --mapping "bad_ranges=$tmp/ranges.json" --now 2026-09-03T14:30:00Z)
out=$("$RULELAB" run "$tmp/range.ndjson" "${rdata[@]}" 2>&1)
check "range join: one alert" 'alerts:  1' "$out"
check "range join: the address inside the range" '"user.name":"u2","source.ip":"203.0.113.110","campaign":"c-110"' "$out"
out=$("$RULELAB" explain "$tmp/range.ndjson" "${rdata[@]}" --event 2 2>&1)
check "explain: the range met" 'source.ip >= range_start AND source.ip <= range_end met 1 document(s) of bad_ranges (' "$out"
out=$("$RULELAB" explain "$tmp/range.ndjson" "${rdata[@]}" --event 3 2>&1)
check "explain: outside every range" 'no document of bad_ranges satisfies' "$out"
# A rule test gives each index its own mapping as `mapping: {INDEX: FILE}` (a case's own replaces the spec's)
cat >"$tmp/range.test.yaml" <<EOF
rule: range.ndjson
now: 2026-09-03T14:30:00Z
data: {logs-test-default: logins-ip.ndjson, bad_ranges: ranges.ndjson}
mapping: {bad_ranges: ranges.json}
cases:
  - name: the address inside the range
    expect: {alerts: 1, match: [{user.name: u2, campaign: c-110}]}
  - name: one mapping for every index
    mapping: ranges.json
    expect: {alerts: 0}
EOF
out=$("$RULELAB" test "$tmp/range.test.yaml" 2>&1)
check "test: per-index mapping" "PASS" "$(grep 'inside the range' <<<"$out")"
check "test: a case's shared mapping is the ambiguous one" 'Reference [range_start] is ambiguous' "$out"
# One mapping for every index would map the range fields in the logins index too, and the
# condition's names would then be on both sides (Elasticsearch: "Reference [range_start] is ambiguous")
out=$("$RULELAB" run "$tmp/range.ndjson" --data "logs-test-default=$tmp/logins-ip.ndjson" --data "bad_ranges=$tmp/ranges.ndjson" --mapping "$tmp/ranges.json" --now 2026-09-03T14:30:00Z 2>&1)
check "a shared mapping: the names are on both sides" 'Reference [range_start] is ambiguous' "$out"
out=$("$RULELAB" run "$tmp/range.ndjson" --data "logs-test-default=$tmp/logins-ip.ndjson" --data "bad_ranges=$tmp/ranges.ndjson" --mapping "nosuch=$tmp/ranges.json" --now 2026-09-03T14:30:00Z 2>&1)
check "a mapping for no index given" '--mapping nosuch=FILE names no index of --data' "$out"
out=$("$RULELAB" run "$tmp/range.ndjson" --data "logs-test-default=$tmp/logins-ip.ndjson" --mapping "$tmp/ranges.json" --mapping "$tmp/ranges.json" --now 2026-09-03T14:30:00Z 2>&1)
check "two mappings for every index" 'one mapping FILE for every index' "$out"
# --max-rows bounds the rows a join makes (a != against every document), counted before any is made
seq 1 60 | sed 's/.*/{"k":&}/' >"$tmp/left.ndjson"
seq 1 60 | sed 's/.*/{"code":&}/' >"$tmp/codes.ndjson"
out=$("$RULELAB" query --dialect esql 'FROM left | LOOKUP JOIN codes ON k != code | STATS c = COUNT(*)' --data "left=$tmp/left.ndjson" --data "codes=$tmp/codes.ndjson" 2>&1)
check "a != join" $'c:long\n3540' "$out"
out=$("$RULELAB" query --dialect esql 'FROM left | LOOKUP JOIN codes ON k != code | STATS c = COUNT(*)' --data "left=$tmp/left.ndjson" --data "codes=$tmp/codes.ndjson" --max-rows 1000 2>&1)
check "past --max-rows" 'LOOKUP JOIN would make more than 1000 rows' "$out"
# An exception item reads the index's own mapping (--mapping INDEX=FILE) as the query does: msg
# a keyword there, "hello" matches no "Hello World" (a keyword match is exact)
cat >"$tmp/exrule.ndjson" <<'JSON'
{"id":"e1","rule_id":"esql-ex","name":"X","type":"esql","language":"esql","query":"FROM logs-* METADATA _id, _version, _index | KEEP @timestamp, msg","from":"now-60m","interval":"10m","max_signals":100,"risk_score":21,"severity":"low","exceptions_list":[{"id":"L1","list_id":"svc","type":"detection","namespace_type":"single"}]}
{"id":"L1","list_id":"svc","name":"S","type":"detection","namespace_type":"single","description":""}
{"item_id":"i1","list_id":"svc","name":"hello","type":"simple","namespace_type":"single","entries":[{"type":"match","field":"msg","value":"hello","operator":"included"}]}
JSON
printf '%s\n' '{"@timestamp":"2026-09-03T14:11:00Z","msg":"Hello World"}' '{"@timestamp":"2026-09-03T14:12:00Z","msg":"bye"}' >"$tmp/msgs.ndjson"
printf '%s\n' '{"properties":{"@timestamp":{"type":"date"},"msg":{"type":"keyword"}}}' >"$tmp/msgmap.json"
out=$("$RULELAB" run "$tmp/exrule.ndjson" --data "logs-t-default=$tmp/msgs.ndjson" --mapping "logs-t-default=$tmp/msgmap.json" --now 2026-09-03T14:30:00Z 2>&1)
check "exception items: the index's mapping" '0 suppressed by exceptions' "$out"
out=$("$RULELAB" run "$tmp/exrule.ndjson" --data "logs-t-default=$tmp/msgs.ndjson" --now 2026-09-03T14:30:00Z 2>&1)
check "exception items: msg as text without it" '1 suppressed by exceptions' "$out"
exit $fail
