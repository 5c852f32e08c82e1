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
exit $fail
