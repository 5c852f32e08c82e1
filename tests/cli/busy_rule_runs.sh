#!/usr/bin/env bash
# A busy rule over overlapping runs (each looks back 10 minutes, every 5): 150 matching events,
# max_signals 100. How Kibana's executors treat the 50 the first run's max_signals left:
# - a custom query rule (kuery) pages through its matches in time order (searchAfterAndBulkCreate)
#   and bulkCreate drops the alerts that exist already before it counts max_signals, so the second
#   run alerts on the other 50;
# - an EQL rule makes one search of size max_signals (eql.ts) and bulkCreate drops the existing
#   alerts: the second run finds the same 100 events and creates none.
# (ES|QL: tests/cli/esql_rule_runs.sh.)
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq 1 150); do
  printf '{"@timestamp":"2026-09-03T14:%02d:%02dZ","event":{"action":"login"},"user":{"name":"u%d"}}\n' $((i / 60)) $((i % 60)) $((i % 7))
done >"$tmp/busy.ndjson"
rule() {  # rule FILE TYPE LANGUAGE QUERY
  printf '{"id":"r","rule_id":"busy-%s","name":"busy %s","type":"%s","language":"%s","query":"%s","index":["logs-*"],"from":"now-10m","interval":"5m","max_signals":100,"risk_score":21,"severity":"low"}\n' \
    "$2" "$2" "$2" "$3" "$4" >"$1"
}
rule "$tmp/kuery.ndjson" query kuery 'event.action:login'
rule "$tmp/eql.ndjson" eql eql 'any where event.action == \"login\"'
sim() { "$RULELAB" simulate "$1" --data "logs-test-default=$tmp/busy.ndjson" --from 2026-09-03T14:05:00Z --to 2026-09-03T14:15:00Z 2>&1; }

out=$(sim "$tmp/kuery.ndjson")
check "kuery: first run" '14:05:00Z  window [2026-09-03T13:55:00Z, 2026-09-03T14:05:00Z]  150 events  ALERT (100 new alerts; max_signals reached)' "$out"
check "kuery: second run pages past the existing alerts" '14:10:00Z  window [2026-09-03T14:00:00Z, 2026-09-03T14:10:00Z]  150 events  ALERT (50 new alerts; 100 matches already alerted by an earlier run, not created again)' "$out"
out=$("$RULELAB" simulate "$tmp/kuery.ndjson" --data "logs-test-default=$tmp/busy.ndjson" --from 2026-09-03T14:05:00Z --to 2026-09-03T14:15:00Z --format json 2>/dev/null)
check "kuery: 150 alerts in all" 'alerts=150' "alerts=$(jq '[.runs[].alerts | length] | add' <<<"$out")"
# one run alone: the first 100
check "kuery: one run" 'alerts:  100 (max_signals 100 reached)' "$("$RULELAB" run "$tmp/kuery.ndjson" --data "logs-test-default=$tmp/busy.ndjson" --now 2026-09-03T14:10:00Z 2>&1)"

out=$(sim "$tmp/eql.ndjson")
check "EQL: first run" '14:05:00Z  window [2026-09-03T13:55:00Z, 2026-09-03T14:05:00Z]  150 events  ALERT (100 new alerts; max_signals reached)' "$out"
check "EQL: second run finds the same 100" '14:10:00Z  window [2026-09-03T14:00:00Z, 2026-09-03T14:10:00Z]  150 events  - (100 matches already alerted by an earlier run, not created again; max_signals reached)' "$out"
exit $fail
