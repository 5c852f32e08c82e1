#!/usr/bin/env bash
# ES|QL rules run as Kibana 9.4+ runs them (Kibana's ES|QL rule executor, esql.ts, and its
# utilities; the injection is elastic/kibana pull request 254703, "Automatically inject metadata
# _id into ES|QL detection rules", documented for 9.4 in Elastic's "ES|QL rules" page, "Alert
# deduplication"):
# - a non-aggregating query runs with METADATA _id (and _id appended to KEEP);
# - each request is `query | limit max_signals + 1`; a full page whose alerts stay below max_signals
#   is followed by another request without the documents the page returned;
# - those documents stay excluded in later runs while they are in the window (the rule's state,
#   excludedDocuments), and an alert id created before is not created again;
# - aggregating rows, and rows without _id, get a new id in every run.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rule() {  # rule FILE NAME QUERY MAX_SIGNALS
  printf '{"id":"r","rule_id":"%s","name":"%s","type":"esql","language":"esql","query":"%s","from":"now-10m","interval":"5m","max_signals":%s,"risk_score":21,"severity":"low"}\n' \
    "$2" "$2" "$3" "$4" >"$1"
}
sim() { "$RULELAB" simulate "$1" --data "logs-test-default=$2" --from 2026-09-03T14:05:00Z --to 2026-09-03T14:15:00Z "${@:3}" 2>&1; }

# 1. The injection: a query without METADATA _id still has its alerts told apart by document, so
# the overlapping second run (each run looks back 10 minutes, every 5) creates none again.
for t in 14:01:00 14:02:00; do echo "{\"@timestamp\":\"2026-09-03T${t}Z\",\"event\":{\"action\":\"login\"},\"user\":{\"name\":\"u1\"}}"; done >"$tmp/two.ndjson"
rule "$tmp/plain.ndjson" plain 'FROM logs-* | WHERE event.action == \"login\" | KEEP @timestamp, user.name' 100
out=$("$RULELAB" run "$tmp/plain.ndjson" --data "logs-test-default=$tmp/two.ndjson" --now 2026-09-03T14:05:00Z 2>&1)
check "injection: the note" 'runs this non-aggregating query with METADATA _id on FROM, _id appended to 1 KEEP command' "$out"
check "injection: _id in the rows" '"_id":"1"' "$out"
out=$(sim "$tmp/plain.ndjson" "$tmp/two.ndjson")
check "injection: first run" '14:05:00Z  window [2026-09-03T13:55:00Z, 2026-09-03T14:05:00Z]  2 events  ALERT (2 new alerts)' "$out"
check "injection: the overlapping run leaves the documents out" '14:10:00Z  window [2026-09-03T14:00:00Z, 2026-09-03T14:10:00Z]  2 events  - (2 events left out: returned by earlier runs)' "$out"
out=$(sim "$tmp/plain.ndjson" "$tmp/two.ndjson" --format json)
check "injection: 2 alerts in all" 'alerts=2' "alerts=$(jq '[.runs[].alerts | length] | add' <<<"$out")"

# 2. A DROP of _* removes _id again: no row can be told apart, every run alerts anew (Kibana
# warns that _id is missing)
rule "$tmp/noid.ndjson" noid 'FROM logs-* | WHERE event.action == \"login\" | DROP _*' 100
out=$(sim "$tmp/noid.ndjson" "$tmp/two.ndjson")
check "no _id: Kibana's warning" 'the query'"'"'s result has no _id column' "$out"
check "no _id: the overlapping run alerts again" '14:10:00Z  window [2026-09-03T14:00:00Z, 2026-09-03T14:10:00Z]  2 events  ALERT (2 new alerts)' "$out"

# 3. A busy rule: 150 matching events, max_signals 100. The first run's request returns 101 rows
# and makes 100 alerts; the next run leaves those 100 out and alerts on the other 50 (while they
# are in its window). One run alone stops at 100.
for i in $(seq 1 150); do
  printf '{"@timestamp":"2026-09-03T14:%02d:%02dZ","event":{"action":"login"},"user":{"name":"u%d"}}\n' $((i / 60)) $((i % 60)) $((i % 7))
done >"$tmp/busy.ndjson"
rule "$tmp/busy-rule.ndjson" busy 'FROM logs-* | WHERE event.action == \"login\" | KEEP @timestamp, user.name' 100
out=$("$RULELAB" run "$tmp/busy-rule.ndjson" --data "logs-test-default=$tmp/busy.ndjson" --now 2026-09-03T14:05:00Z 2>&1)
check "busy: one run" 'alerts:  100 (max_signals 100 reached)' "$out"
check "busy: the request's rows" '101 matched' "$out"
out=$(sim "$tmp/busy-rule.ndjson" "$tmp/busy.ndjson")
check "busy: first run" '150 events  ALERT (100 new alerts; max_signals reached)' "$out"
check "busy: second run takes the rest" '150 events  ALERT (50 new alerts; 100 events left out: returned by earlier runs)' "$out"

# 4. Excluded documents change what a non-aggregating query computes: INLINE STATS counts only the
# documents earlier runs did not return. Three failures alert; the fourth, 3 minutes later, is
# counted alone in the next runs (1 < 3) and never alerts, though every window holds it.
for t in 14:01:00 14:02:00 14:03:00 14:06:00; do
  echo "{\"@timestamp\":\"2026-09-03T${t}Z\",\"event\":{\"action\":\"login\",\"outcome\":\"failure\"},\"user\":{\"name\":\"u1\"}}"
done >"$tmp/fails.ndjson"
rule "$tmp/brute.ndjson" brute 'FROM logs-* | WHERE event.outcome == \"failure\" | INLINE STATS failures = COUNT(*) BY user.name | WHERE failures >= 3 | KEEP @timestamp, user.name, failures' 100
out=$(sim "$tmp/brute.ndjson" "$tmp/fails.ndjson")
check "INLINE STATS: three failures alert" '3 events  ALERT (3 new alerts)' "$out"
check "INLINE STATS: the fourth is counted alone" '4 events  - (3 events left out: returned by earlier runs)' "$out"
check "INLINE STATS: no other run alerts" '3 runs, 1 alerting' "$out"
out=$("$RULELAB" run "$tmp/brute.ndjson" --data "logs-test-default=$tmp/fails.ndjson" --now 2026-09-03T14:10:00Z 2>&1)
check "INLINE STATS: a run alone counts all four" 'alerts:  4' "$out"
out=$(sim "$tmp/brute.ndjson" "$tmp/fails.ndjson" --format json)
check "simulate json: the count left out" '"returned_by_earlier_runs": 3' "$out"

# 5. Aggregating rows get a new id in every run: the overlapping run alerts again on the same group
rule "$tmp/agg.ndjson" agg 'FROM logs-* | STATS failures = COUNT(*) BY user.name | WHERE failures >= 3' 100
out=$(sim "$tmp/agg.ndjson" "$tmp/fails.ndjson")
check "STATS: first run" '14:05:00Z  window [2026-09-03T13:55:00Z, 2026-09-03T14:05:00Z]  3 events  ALERT (1 new alert)' "$out"
check "STATS: the overlapping run alerts again" '14:10:00Z  window [2026-09-03T14:00:00Z, 2026-09-03T14:10:00Z]  4 events  ALERT (1 new alert)' "$out"
out=$("$RULELAB" run "$tmp/agg.ndjson" --data "logs-test-default=$tmp/fails.ndjson" --now 2026-09-03T14:05:00Z 2>&1)
check "STATS: no METADATA injected" 'count=0' "count=$(grep -c 'METADATA _id on FROM' <<<"$out")"
# 6. Pages of one run: 500 documents expanded into 1,500 rows, MV_EXPAND's field not kept (a
# document's rows are one alert). The first request (1,001 rows) makes 334 alerts; the second,
# without those documents but the last, makes the rest. Its repeated rows are no alert of an
# earlier run, and the run lists each row once.
for i in $(seq 1 500); do echo "{\"@timestamp\":\"2026-09-03T14:10:00Z\",\"f\":[1,2,3],\"n\":$i}"; done >"$tmp/mv.ndjson"
rule "$tmp/mv-rule.ndjson" mv 'FROM logs-* METADATA _id, _version, _index | MV_EXPAND f | KEEP _id, n' 1000
mvdata=(--data "logs-t-default=$tmp/mv.ndjson")
out=$("$RULELAB" run "$tmp/mv-rule.ndjson" "${mvdata[@]}" --now 2026-09-03T14:15:00Z --format json 2>/dev/null)
check "pages: alerts, rows, requests" '500 1500 2 null' "$(jq -r '"\(.alerts | length) \(.rows | length) \(.requests) \(.alerts_of_earlier_runs)"' <<<"$out")"
out=$("$RULELAB" simulate "$tmp/mv-rule.ndjson" "${mvdata[@]}" --from 2026-09-03T14:15:00Z --to 2026-09-03T14:15:00Z 2>&1)
check "pages: one run, nothing 'already alerted'" $'500 events  ALERT (500 new alerts)\n' "$out"
# explain: the 450th document's rows came on the second request
out=$("$RULELAB" explain "$tmp/mv-rule.ndjson" "${mvdata[@]}" --now 2026-09-03T14:15:00Z --event 450 2>&1)
check "pages: explain names the later request" 'alert: a later request of the run returned the event' "$out"
check "pages: explain, the alert" 'alert(s) 450 of 500' "$out"
check "pages: rows matched, each once" '1500 matched' "$("$RULELAB" run "$tmp/mv-rule.ndjson" "${mvdata[@]}" --now 2026-09-03T14:15:00Z 2>&1)"
# ... also when the query's own LIMIT cut the first request short of the event
rule "$tmp/mv-limit.ndjson" mvlimit 'FROM logs-* METADATA _id, _version, _index | MV_EXPAND f | LIMIT 1001 | KEEP _id, n' 1000
out=$("$RULELAB" explain "$tmp/mv-limit.ndjson" "${mvdata[@]}" --now 2026-09-03T14:15:00Z --event 450 2>&1)
check "pages: a LIMIT of the query, explain" 'alert: a later request of the run returned the event' "$out"
# Two equal rows of one document are two rows, one alert (equal MV_EXPAND values: one id)
echo '{"@timestamp":"2026-09-03T14:10:00Z","f":[1,1],"n":1}' >"$tmp/dup.ndjson"
rule "$tmp/dup-rule.ndjson" dup 'FROM logs-* | MV_EXPAND f | KEEP n, f' 100
out=$("$RULELAB" run "$tmp/dup-rule.ndjson" --data "logs-t-default=$tmp/dup.ndjson" --now 2026-09-03T14:15:00Z --format json 2>/dev/null)
check "equal rows: two rows, one alert" '2 1' "$(jq -r '"\(.rows | length) \(.alerts | length)"' <<<"$out")"

# 7. Alert suppression: Kibana caps the grouped alerts, not the rows: 150 logins of one user with
# max_signals 100 are one alert that suppressed 149 events
for i in $(seq 1 150); do
  printf '{"@timestamp":"2026-09-03T14:%02d:%02dZ","event":{"action":"login"},"user":{"name":"u1"}}\n' $((i / 60)) $((i % 60))
done >"$tmp/one-user.ndjson"
printf '{"id":"r","rule_id":"supp","name":"supp","type":"esql","language":"esql","query":"FROM logs-* | WHERE event.action == \\"login\\" | KEEP @timestamp, user.name","from":"now-10m","interval":"5m","max_signals":100,"risk_score":21,"severity":"low","alert_suppression":{"group_by":["user.name"],"missing_fields_strategy":"suppress"}}\n' >"$tmp/supp.ndjson"
out=$("$RULELAB" run "$tmp/supp.ndjson" --data "logs-test-default=$tmp/one-user.ndjson" --now 2026-09-03T14:05:00Z 2>&1)
check "suppression: one alert, not capped" $'\nalerts:  1\n' "$out"
check "suppression: 149 suppressed" '149 more event(s) suppressed' "$out"
# ... with max_signals 10 the requests page on (each 11 rows) until the rows run out
sed 's/"max_signals":100/"max_signals":10/' "$tmp/supp.ndjson" >"$tmp/supp10.ndjson"
out=$("$RULELAB" run "$tmp/supp10.ndjson" --data "logs-test-default=$tmp/one-user.ndjson" --now 2026-09-03T14:05:00Z --format json 2>/dev/null)
check "suppression, max_signals 10: one alert counting all, 15 requests" '1 149 15 false' "$(jq -r '"\(.alerts | length) \(.alerts[0].suppression.docs_count) \(.requests) \(.capped)"' <<<"$out")"
# explain: an event past the 20 the alert lists, on a later request
out=$("$RULELAB" explain "$tmp/supp10.ndjson" --data "logs-test-default=$tmp/one-user.ndjson" --now 2026-09-03T14:05:00Z --event 120 2>&1)
check "suppression: explain, event 120" 'alert suppression by user.name folds it into alert 1' "$out"

# 8. Suppression by a field the query's KEEP drops: Kibana fetches each alert's document and merges
# the row into it (fetchSourceDocuments, mergeEsqlResultInSource), so host.name is read from the
# document: two hosts, two alerts. (Before, rulelab read it as missing: one alert for all.)
for i in 1 2 3 4; do
  printf '{"@timestamp":"2026-09-03T14:0%d:00Z","event":{"action":"login"},"user":{"name":"u1"},"host":{"name":"h%d"}}\n' $i $((i % 2))
done >"$tmp/hosts.ndjson"
sed 's/"group_by":\["user.name"\]/"group_by":["host.name"]/' "$tmp/supp.ndjson" >"$tmp/supp-host.ndjson"
out=$("$RULELAB" run "$tmp/supp-host.ndjson" --data "logs-test-default=$tmp/hosts.ndjson" --now 2026-09-03T14:05:00Z --format json 2>/dev/null)
check "suppression by a dropped field: read from the documents" '2 h1 1 h0 1' "$(jq -r '"\(.alerts | length) \(.alerts[0].suppression.terms[0].value) \(.alerts[0].suppression.docs_count) \(.alerts[1].suppression.terms[0].value) \(.alerts[1].suppression.docs_count)"' <<<"$out")"
check "suppression by a dropped field: said" 'read from each alert' "$(jq -r '.notes[]' <<<"$out")"
# ... an aggregating query's rows have no document: missing (one group), as in Kibana, and said
printf '{"id":"r","rule_id":"agg","name":"agg","type":"esql","language":"esql","query":"FROM logs-* | STATS n = COUNT(*) BY user.name","from":"now-10m","interval":"5m","max_signals":100,"risk_score":21,"severity":"low","alert_suppression":{"group_by":["host.name"],"missing_fields_strategy":"suppress"}}\n' >"$tmp/agg-host.ndjson"
out=$("$RULELAB" run "$tmp/agg-host.ndjson" --data "logs-test-default=$tmp/hosts.ndjson" --now 2026-09-03T14:05:00Z --format json 2>/dev/null)
check "aggregating: the field is missing" '1 null' "$(jq -r '"\(.alerts | length) \(.alerts[0].suppression.terms[0].value)"' <<<"$out")"
check "aggregating: said" 'read as missing, as Kibana reads it' "$(jq -r '.notes[]' <<<"$out")"
exit $fail
