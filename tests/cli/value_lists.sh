#!/usr/bin/env bash
# Kibana value lists in rule exceptions (Elastic docs "Create and manage value lists"; Kibana
# build_exception_filter.ts: a keyword or ip list becomes a terms query on the entry's field, an
# ip_range list a range per "a-b" item and a terms query of its CIDR blocks and addresses; the
# operator `excluded` negates the entry). The items come from --value-list ID=FILE, one value a
# line as Kibana imports them; a list not given is reported and its item never suppresses.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
summary='{"exported_count":4,"exported_rules_count":1,"missing_rules":[],"missing_rules_count":0,"exported_exception_list_count":1,"exported_exception_list_item_count":2,"missing_exception_list_item_count":0,"missing_exception_list_items":[],"missing_exception_lists":[],"missing_exception_lists_count":0}'
rule() {  # rule TYPE LANGUAGE QUERY
  echo "{\"id\":\"q1\",\"rule_id\":\"vl\",\"name\":\"Logins\",\"type\":\"$1\",\"language\":\"$2\",\"query\":\"$3\",\"index\":[\"logs-*\"],\"from\":\"now-60m\",\"interval\":\"10m\",\"max_signals\":100,\"risk_score\":21,\"severity\":\"low\",\"exceptions_list\":[{\"id\":\"L1\",\"list_id\":\"allow\",\"type\":\"detection\",\"namespace_type\":\"single\"}]}"
}
list='{"id":"L1","list_id":"allow","name":"Allowed","type":"detection","namespace_type":"single","description":""}'
ranges='{"item_id":"office","list_id":"allow","name":"office","type":"simple","namespace_type":"single","entries":[{"type":"list","field":"source.ip","operator":"included","list":{"id":"office.txt","type":"ip_range"}}]}'
users='{"item_id":"svc","list_id":"allow","name":"service users","type":"simple","namespace_type":"single","entries":[{"type":"list","field":"user.name","operator":"OP","list":{"id":"svc.txt","type":"keyword"}}]}'
printf '%s\n' "$(rule query kuery event.action:login)" "$list" "$ranges" "${users/OP/included}" "$summary" >"$tmp/query.ndjson"
printf '%s\n' "$(rule query kuery event.action:login)" "$list" "${users/OP/excluded}" "$summary" >"$tmp/excluded.ndjson"
printf '%s\n' "$(rule eql eql 'any where event.action == \"login\"')" "$list" "$ranges" "${users/OP/included}" "$summary" >"$tmp/eql.ndjson"
printf '%s\n' "$(rule esql esql 'FROM logs-* METADATA _id, _version, _index | WHERE event.action == \"login\" | KEEP @timestamp, user.name')" "$list" "$ranges" "${users/OP/included}" "$summary" >"$tmp/esql.ndjson"
n=0
for e in "10.1.2.3 alice" "192.168.7.9 bob" "203.0.113.5 svc_backup" "203.0.113.6 mallory" "172.16.0.20 eve"; do
  set -- $e
  n=$((n + 1))
  echo "{\"@timestamp\":\"2026-09-03T14:0${n}:00Z\",\"event\":{\"action\":\"login\"},\"source\":{\"ip\":\"$1\"},\"user\":{\"name\":\"$2\"}}"
done >"$tmp/logins.ndjson"
printf '10.0.0.0/8\n192.168.7.1-192.168.7.20\n  \n172.16.0.20\n' >"$tmp/office.txt"
printf 'svc_backup\r\nsvc_sync\n' >"$tmp/svc.txt"
D="logs-x-default=$tmp/logins.ndjson"
V=(--value-list "office.txt=$tmp/office.txt" --value-list "svc.txt=$tmp/svc.txt")

out=$("$RULELAB" run "$tmp/query.ndjson" --data "$D" --now 2026-09-03T14:30:00Z 2>&1)
check "lists not given" 'names value list office.txt, not given (--value-list office.txt=FILE): the item never suppresses' "$out"
check "lists not given: every login alerts" 'alerts:  5' "$out"
out=$("$RULELAB" run "$tmp/query.ndjson" --data "$D" --now 2026-09-03T14:30:00Z "${V[@]}" 2>&1)
check "query rule" '1 matched, 4 suppressed by exceptions' "$out"
check "CIDR" 'suppressed: '"$tmp"'/logins.ndjson:1 by exception item office' "$out"
check "a-b range" 'suppressed: '"$tmp"'/logins.ndjson:2 by exception item office' "$out"
check "keyword (CRLF line)" 'suppressed: '"$tmp"'/logins.ndjson:3 by exception item svc' "$out"
check "one address" 'suppressed: '"$tmp"'/logins.ndjson:5 by exception item office' "$out"
out=$("$RULELAB" run "$tmp/excluded.ndjson" --data "$D" --now 2026-09-03T14:30:00Z "${V[@]}" 2>&1)
check "excluded: all but the listed user suppressed" '1 matched, 4 suppressed by exceptions' "$out"
check "excluded: the listed user alerts" "logins.ndjson:3" "$(grep '^  1\.' <<<"$out")"
out=$("$RULELAB" run "$tmp/eql.ndjson" --data "$D" --now 2026-09-03T14:30:00Z "${V[@]}" 2>&1)
check "EQL rule" 'ALERT: 1 alert' "$out"
out=$("$RULELAB" run "$tmp/esql.ndjson" --data "$D" --now 2026-09-03T14:30:00Z "${V[@]}" 2>&1)
check "ES|QL rule" 'alerts:  1' "$out"
out=$("$RULELAB" explain "$tmp/query.ndjson" --data "$D" --event 2 --now 2026-09-03T14:30:00Z "${V[@]}" 2>&1)
check "explain" "the query matches, but exception item office (office) removes it: no alert" "$out"
out=$("$RULELAB" run "$tmp/query.ndjson" --data "$D" --now 2026-09-03T14:30:00Z --value-list "office.txt=$tmp/nope.txt" 2>&1)
rc=$?
check "unreadable list file" 'cannot read value list file' "$out"
[[ $rc -ne 0 ]] || { echo "FAIL unreadable list exits 0"; fail=1; }
# a rule test's value_lists: {ID: FILE}, relative to the test file
cat >"$tmp/query.test.yaml" <<YAML
rule: query.ndjson
now: 2026-09-03T14:30:00Z
value_lists: {office.txt: office.txt, svc.txt: svc.txt}
cases:
  - name: only mallory's login is outside the lists
    data: {logs-x-default: logins.ndjson}
    expect: {alert: true, rows: 1, alerts: 1}
YAML
out=$("$RULELAB" test "$tmp/query.test.yaml" 2>&1)
check "rule test value_lists" '1 passed, 0 failed' "$out"

# every --value-list is read, whatever the rule: a directory, a spec without '=' are errors;
# an id no entry names is noted
printf '%s\n' "$(rule query kuery event.action:login)" "$list" "$summary" >"$tmp/nolists.ndjson"
out=$("$RULELAB" run "$tmp/nolists.ndjson" --data "$D" --now 2026-09-03T14:30:00Z --value-list "x=$tmp" 2>&1)
rc=$?
check "directory" 'not a file' "$out"
[[ $rc -ne 0 ]] || { echo "FAIL directory exits 0"; fail=1; }
out=$("$RULELAB" run "$tmp/nolists.ndjson" --data "$D" --now 2026-09-03T14:30:00Z --value-list "$tmp/svc.txt" 2>&1)
check "no id" 'expected ID=FILE' "$out"
out=$("$RULELAB" run "$tmp/nolists.ndjson" --data "$D" --now 2026-09-03T14:30:00Z "${V[@]}" 2>&1)
check "unused id" '--value-list office.txt: no exception entry of the rule names this list' "$out"
exit $fail
