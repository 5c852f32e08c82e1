#!/usr/bin/env bash
# Exception items of an ES|QL rule (a Kibana export: the rule, its exception list and items):
# Kibana sends the exception filter as the ES|QL request's `filter`, so a document an active item
# matches never reaches FROM (security_solution detection_engine esql executor: buildEsqlSearchRequest
# with exceptionFilter). run counts it as suppressed by exceptions; explain names the item; an
# expired item (expire_time before the run) is not applied.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rule='{"id":"e1","rule_id":"esql-ex","name":"ES|QL logins","type":"esql","language":"esql","query":"FROM logs-* METADATA _id, _version, _index | WHERE event.action == \"login\" | KEEP @timestamp, host.name, user.name","from":"now-60m","interval":"10m","max_signals":100,"risk_score":21,"severity":"low","exceptions_list":[{"id":"L1","list_id":"svc","type":"detection","namespace_type":"single"}]}'
list='{"id":"L1","list_id":"svc","name":"Service accounts","type":"detection","namespace_type":"single","description":""}'
item='{"item_id":"svc-u3","list_id":"svc","name":"u3 is a service account","type":"simple","namespace_type":"single","entries":[{"type":"match","field":"user.name","value":"u3","operator":"included"}]EXPIRE}'
summary='{"exported_count":3,"exported_rules_count":1,"missing_rules":[],"missing_rules_count":0,"exported_exception_list_count":1,"exported_exception_list_item_count":1,"missing_exception_list_item_count":0,"missing_exception_list_items":[],"missing_exception_lists":[],"missing_exception_lists_count":0}'
printf '%s\n' "$rule" "$list" "${item/EXPIRE/}" "$summary" >"$tmp/export.ndjson"
printf '%s\n' "$rule" "$list" "${item/EXPIRE/,\"expire_time\":\"2026-09-01T00:00:00.000Z\"}" "$summary" >"$tmp/expired.ndjson"
for i in 1 2 3; do
  echo "{\"@timestamp\":\"2026-09-03T14:1${i}:00Z\",\"event\":{\"action\":\"login\"},\"host\":{\"name\":\"h$i\"},\"user\":{\"name\":\"u$i\"}}"
done >"$tmp/logins.ndjson"

out=$("$RULELAB" run "$tmp/export.ndjson" --data "logs-test-default=$tmp/logins.ndjson" --now 2026-09-03T14:30:00Z 2>&1)
check "two alerts" 'alerts:  2' "$out"
check "counted" '3 in window, 2 matched, 1 suppressed by exceptions' "$out"
check "note" "the rule's exception items removed 1 document(s) in the window before the query ran" "$out"
out=$("$RULELAB" run "$tmp/export.ndjson" --data "logs-test-default=$tmp/logins.ndjson" --now 2026-09-03T14:30:00Z --no-pushdown 2>&1)
check "whole load too" 'alerts:  2' "$out"
out=$("$RULELAB" explain "$tmp/export.ndjson" --data "logs-test-default=$tmp/logins.ndjson" --event 3 --now 2026-09-03T14:30:00Z 2>&1)
check "explain" 'no alert: exception item svc-u3 (u3 is a service account) removes the event before the query runs' "$out"
out=$("$RULELAB" run "$tmp/expired.ndjson" --data "logs-test-default=$tmp/logins.ndjson" --now 2026-09-03T14:30:00Z 2>&1)
check "expired item" 'alerts:  3' "$out"
check "expired note" 'expired at 2026-09-01T00:00:00.000Z: not applied' "$out"
# One JSON array on one line: documents are told apart by their position, not their line
{ printf '['; sed -n 1p "$tmp/logins.ndjson"; printf ','; sed -n 3p "$tmp/logins.ndjson"; printf ','; sed -n 2p "$tmp/logins.ndjson"; printf ']\n'; } | tr -d '\n' >"$tmp/array.json"
echo >>"$tmp/array.json"
for p in "" --no-pushdown; do
  out=$("$RULELAB" run "$tmp/export.ndjson" --data "logs-test-default=$tmp/array.json" --now 2026-09-03T14:30:00Z $p 2>&1)
  check "one-line array $p" '3 in window, 2 matched, 1 suppressed by exceptions' "$out"
  check "one-line array keeps u2 $p" '"user.name":"u2"' "$out"
done
# an excluded document outside the window is not counted
sed 's/14:13:00/12:13:00/' "$tmp/logins.ndjson" >"$tmp/old.ndjson"
out=$("$RULELAB" run "$tmp/export.ndjson" --data "logs-test-default=$tmp/old.ndjson" --now 2026-09-03T14:30:00Z 2>&1)
check "outside the window" '2 in window, 2 matched, 0 suppressed by exceptions' "$out"
# Exception items and alert suppression together (one read of the files serves both): the item
# removes u3's login; the others are suppressed by host.name, a field the query's KEEP drops, read
# from each alert's document (Kibana's fetchSourceDocuments): h1 and h2 stay two alerts, u3's h3 none.
supp_rule='{"id":"e2","rule_id":"esql-ex-supp","name":"ES|QL logins, suppressed","type":"esql","language":"esql","query":"FROM logs-* | WHERE event.action == \"login\" | KEEP @timestamp, user.name","from":"now-60m","interval":"10m","max_signals":100,"risk_score":21,"severity":"low","exceptions_list":[{"id":"L1","list_id":"svc","type":"detection","namespace_type":"single"}],"alert_suppression":{"group_by":["host.name"],"missing_fields_strategy":"suppress"}}'
printf '%s\n' "$supp_rule" "$list" "${item/EXPIRE/}" "$summary" >"$tmp/supp-export.ndjson"
out=$("$RULELAB" run "$tmp/supp-export.ndjson" --data "logs-test-default=$tmp/logins.ndjson" --now 2026-09-03T14:30:00Z --format json 2>/dev/null)
check "exceptions and suppression: hosts of the alerts" 'h1 h2' "$(jq -r '[.alerts[].suppression.terms[0].value] | sort | join(" ")' <<<"$out")"
exit $fail
