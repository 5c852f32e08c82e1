#!/usr/bin/env bash
# FORK in an ES|QL rule: a STATS inside a branch leaves the rule non-aggregating (Kibana's
# computeIsESQLQueryAggregating reads the query's own commands), so each row is an alert, and
# rows without an _id (a branch's group rows) are not merged as duplicates (Kibana de-duplicates
# by _id); explain follows the event into each branch; COMPLETION may end a branch.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo '{"id":"f1","rule_id":"esql-fork","name":"fork rule","type":"esql","language":"esql","query":"FROM logs-* METADATA _id, _version, _index | FORK (STATS n = COUNT(*) BY user.name) (WHERE user.name == \"u3\") | KEEP user.name, n, _id, _fork","from":"now-60m","interval":"10m","max_signals":100,"risk_score":21,"severity":"low"}' >"$tmp/rule.ndjson"
for i in 1 2 3; do
  echo "{\"@timestamp\":\"2026-09-03T14:1${i}:00Z\",\"event\":{\"action\":\"login\"},\"user\":{\"name\":\"u$i\"}}"
done >"$tmp/logins.ndjson"
data=(--data "logs-test-default=$tmp/logins.ndjson" --now 2026-09-03T14:30:00Z)

out=$("$RULELAB" run "$tmp/rule.ndjson" "${data[@]}" 2>&1)
check "four alerts: three group rows and one document" 'alerts:  4' "$out"
check "a group row of fork1" '{"user.name":"u2","n":1,"_id":null,"_fork":"fork1"}' "$out"
check "the document of fork2" '"_id":"3","_fork":"fork2"' "$out"
out=$("$RULELAB" explain "$tmp/rule.ndjson" "${data[@]}" --event 1 2>&1)
check "explain: the branches" 'fork1: 1 row(s) carry the event; fork2: dropped by WHERE user.name == "u3"' "$out"
check "explain: the alert of the group row" 'alert: the event is result row(s) 1, alert(s) 1 of 4' "$out"
out=$("$RULELAB" explain "$tmp/rule.ndjson" "${data[@]}" --event 3 2>&1)
check "explain: both branches" 'fork1: 1 row(s) carry the event; fork2: 1 row(s) carry the event' "$out"

# COMPLETION ending a branch, answered from a file; the notes see it inside the FORK
echo '{"response": "yes"}' >"$tmp/answers.ndjson"
echo '{"id":"f2","rule_id":"esql-fork-llm","name":"fork llm","type":"esql","language":"esql","query":"FROM logs-* METADATA _id | FORK (WHERE user.name == \"u1\" | EVAL p = CONCAT(\"is \", user.name, \" odd?\") | COMPLETION v = p WITH { \"inference_id\": \"m\" }) (WHERE user.name == \"u2\") | KEEP user.name, v, _fork","from":"now-60m","interval":"10m","max_signals":100,"risk_score":21,"severity":"low"}' >"$tmp/llm.ndjson"
out=$("$RULELAB" run "$tmp/llm.ndjson" "${data[@]}" --completion "$tmp/answers.ndjson" 2>&1)
check "completion in a branch" '"user.name":"u1","v":"yes","_fork":"fork1"' "$out"
check "the answers' note" 'COMPLETION (endpoint m) is answered from' "$out"
exit $fail
