#!/usr/bin/env bash
# Kibana's xpack.alerting.rules.run.alerts.max (default 1000) caps every Elastic rule's alerts per
# run, whatever its max_signals. Elastic's prebuilt-rule pages ("Endpoint Security", "External
# Alerts": "Maximum alerts per execution: 10000") say so: "if xpack.alerting.rules.run.alerts.max is
# set to 1000, this rule will still generate no more than 1000 alerts even if its own Max alerts
# per run is set higher". Kibana's security rule executor (getRuleRangeTuples) takes the smaller
# value and records "The rule's max alerts per run setting (N) is greater than the Kibana alerting
# limit (M). ..." as a partial failure. 1,200 matching documents here; --alerts-max models another
# setting; rule tests take `alerts_max:`.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq 1 1200); do
  printf '{"@timestamp":"2026-09-03T14:%02d:%02dZ","event":{"kind":"alert","module":"endpoint"},"n":%d}\n' $((i / 60 % 50)) $((i % 60)) "$i"
done >"$tmp/docs.ndjson"
now=2026-09-03T15:00:00Z
rule() {  # rule FILE TYPE LANGUAGE QUERY MAX_SIGNALS
  printf '{"id":"r","rule_id":"r-%s","name":"promotion %s","type":"%s","language":"%s","query":"%s","index":["logs-endpoint.alerts-*"],"from":"now-2h","interval":"5m","max_signals":%s,"risk_score":47,"severity":"medium"}\n' \
    "$2" "$2" "$2" "$3" "$4" "$5" >"$1"
}
rule "$tmp/kuery.ndjson" query kuery 'event.kind:alert and event.module:endpoint' 10000
rule "$tmp/kuery100.ndjson" query kuery 'event.kind:alert and event.module:endpoint' 100
rule "$tmp/eql.ndjson" eql eql 'any where event.kind == \"alert\"' 10000
rule "$tmp/esql.ndjson" esql esql 'FROM logs-endpoint.alerts-* METADATA _id, _index, _version | WHERE event.kind == \"alert\" | KEEP _id, _index, _version, event.kind' 5000
data=(--data "logs-endpoint.alerts-default=$tmp/docs.ndjson" --now "$now")
alerts() { "$RULELAB" run "$@" 2>&1 | grep '^alerts:'; }

out=$("$RULELAB" run "$tmp/kuery.ndjson" "${data[@]}" 2>&1)
check "kuery, max_signals 10000: Kibana's 1,000" 'alerts:  1000' "$(grep '^alerts:' <<<"$out")"
check "kuery: Kibana's warning" "The rule's max alerts per run setting (10000) is greater than the Kibana alerting limit (1000). The rule will only write a maximum of 1000 alerts per rule run." "$out"
check "--alerts-max 5000: all 1,200" 'alerts:  1200' "$(alerts "$tmp/kuery.ndjson" "${data[@]}" --alerts-max 5000)"
check "--alerts-max 5000: still below max_signals" "greater than the Kibana alerting limit (5000)" "$("$RULELAB" run "$tmp/kuery.ndjson" "${data[@]}" --alerts-max 5000 2>&1)"
check "--alerts-max 20000: no warning" "0" "$("$RULELAB" run "$tmp/kuery.ndjson" "${data[@]}" --alerts-max 20000 2>&1 | grep -c 'Kibana alerting limit')"
check "--alerts-max 0: no cap" 'alerts:  1200' "$(alerts "$tmp/kuery.ndjson" "${data[@]}" --alerts-max 0)"
out=$("$RULELAB" run "$tmp/kuery100.ndjson" "${data[@]}" 2>&1)
check "max_signals 100 under the cap: 100" 'alerts:  100' "$(grep '^alerts:' <<<"$out")"
check "max_signals 100: no warning" "0" "$(grep -c 'Kibana alerting limit' <<<"$out")"
# ... but Kibana's EQL executor searches with the rule's own max_signals (eql.ts: `size:
# ruleParams.maxSignals`) and bulk-creates every alert without a maximum: the warning is recorded,
# all 1,200 are written
out=$("$RULELAB" run "$tmp/eql.ndjson" "${data[@]}" 2>&1)
check "EQL, max_signals 10000: all 1,200" $'\n1200 events\n' "$out"
check "EQL: Kibana's warning all the same" 'greater than the Kibana alerting limit (1000)' "$out"
check "EQL: why it is not applied" "its EQL executor searches with the rule's own max_signals (10000)" "$out"
check "EQL: the header gives the rule's value" 'max_signals 10000,' "$out"
# ... with alert suppression Kibana's in-memory suppression caps the groups by the limit: 1,200
# users in 1,200 groups, 1,000 alerts
printf '{"id":"r","rule_id":"r-eqls","name":"eql suppressed","type":"eql","language":"eql","query":"any where event.kind == \\"alert\\"","index":["logs-endpoint.alerts-*"],"from":"now-2h","interval":"5m","max_signals":10000,"risk_score":47,"severity":"medium","alert_suppression":{"group_by":["n"],"missing_fields_strategy":"suppress"}}\n' >"$tmp/eqls.ndjson"
out=$("$RULELAB" run "$tmp/eqls.ndjson" "${data[@]}" --format json 2>&1)
check "EQL suppressed: 1,000 groups" 'alerts=1000' "alerts=$(jq '.alerts | length' 2>/dev/null <<<"$(sed -n '/^{/,$p' <<<"$out")")"
check "EQL suppressed: the warning says so" 'alert suppression then writes at most 1000 alerts' "$out"
check "ES|QL, max_signals 5000: 1,000" 'alerts:  1000' "$(alerts "$tmp/esql.ndjson" "${data[@]}")"
check "ES|QL, --alerts-max 2000: 1,200" 'alerts:  1200' "$(alerts "$tmp/esql.ndjson" "${data[@]}" --alerts-max 2000)"
check "run --format json: max_signals as run" '"max_signals": 1000' "$("$RULELAB" run "$tmp/kuery.ndjson" "${data[@]}" --format json 2>/dev/null)"

# explain says it too (the event is matched either way)
out=$("$RULELAB" explain "$tmp/kuery.ndjson" --data "logs-endpoint.alerts-default=$tmp/docs.ndjson" --event 1 --now "$now" 2>&1)
check "explain: the warning" "greater than the Kibana alerting limit (1000)" "$out"

# simulate: every run capped (each 5-minute run looks back 2 hours)
out=$("$RULELAB" simulate "$tmp/kuery.ndjson" --data "logs-endpoint.alerts-default=$tmp/docs.ndjson" --from "$now" --to "$now" 2>&1)
check "simulate: the warning" "greater than the Kibana alerting limit (1000)" "$out"

# rule tests: alerts_max in the spec (or a case)
cat >"$tmp/cap.test.yaml" <<EOF
rule: kuery.ndjson
now: $now
data: {logs-endpoint.alerts-default: docs.ndjson}
cases:
  - name: Kibana's default cap
    expect: {alerts: 1000}
  - name: a cluster with a higher cap
    alerts_max: 1100
    expect: {alerts: 1100}
  - name: a bad value
    alerts_max: many
    expect: {alerts: 1}
EOF
out=$("$RULELAB" test "$tmp/cap.test.yaml" 2>&1)
check "test: default cap" "PASS" "$(grep "Kibana's default cap" <<<"$out")"
check "test: alerts_max 1100" "PASS" "$(grep "higher cap" <<<"$out")"
check "test: a bad alerts_max" "alerts_max must be a whole number of alerts, 0 or more (0: no cap), not 'many'" "$out"
exit $fail
