#!/usr/bin/env bash
# Sentinel eventGroupingSettings: SingleAlert gives one alert for all results; AlertPerResult one
# alert per result, at most 150 per run: with more results the first 149 get their own alert and
# the 150th summarizes all of them (learn.microsoft.com/azure/sentinel/scheduled-rules-overview,
# "Event grouping"). NRT rules: at most 30, the 30th summarizing (near-real-time-rules).
set -euo pipefail
: "${RULELAB:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
G=$SRC/tests/data/kusto/grouping
gen() { for i in $(seq 1 "$1"); do printf '{"TimeGenerated":"2026-09-03T14:%02d:%02dZ","OperationName":"Add user","Id":"u%d"}\n' $((i / 60)) $((i % 60)) "$i"; done >"$tmp/$1.ndjson"; }
gen 150; gen 151; gen 30; gen 31
run() { "$RULELAB" run "$1" --data AuditLogs="$tmp/$2.ndjson" --now 2026-09-03T15:00:00Z --format json; }

j=$(run "$G/per_result.yaml" 150)
[[ $(jq -c '[.count, (.alerts|length), ([.alerts[].rows]|unique), ([.alerts[]|select(has("summary"))]|length)]' <<<"$j") == '[150,150,[1],0]' ]] || fail "150 results"
[[ $(jq -r '.alerts[149].entities[0].identifiers.Name' <<<"$j") == u150 ]] || fail "alert 150 is the 150th result"
j=$(run "$G/per_result.yaml" 151)
[[ $(jq -c '[.count, (.alerts|length), .alerts[148].rows, .alerts[149].rows, (.alerts[149]|has("summary"))]' <<<"$j") == '[151,150,1,151,true]' ]] || fail "151 results: $(jq -c '[.count, (.alerts|length)]' <<<"$j")"

# explain says which alert holds the event's row.
v=$("$RULELAB" explain "$G/per_result.yaml" --data AuditLogs="$tmp/151.ndjson" --now 2026-09-03T15:00:00Z --event 5 --format json | jq -r .verdict)
[[ $v == *"(AlertPerResult: its row is alert 5 of 150)" ]] || fail "explain alert 5: $v"
v=$("$RULELAB" explain "$G/per_result.yaml" --data AuditLogs="$tmp/151.ndjson" --now 2026-09-03T15:00:00Z --event 150 --format json | jq -r .verdict)
[[ $v == *"its row is only in the last alert, which summarizes all rows)" ]] || fail "explain alert 150: $v"

sed 's/aggregationKind: AlertPerResult/aggregationKind: SingleAlert/' "$G/per_result.yaml" >"$tmp/single.yaml"
j=$(run "$tmp/single.yaml" 151)
[[ $(jq -c '[(.alerts|length), .alerts[0].rows]' <<<"$j") == '[1,151]' ]] || fail "SingleAlert"

# NRT rules look back one minute (near-real-time-rules: "run once every minute and capture events
# ingested in the preceding minute"): the generated events lie within 14:00:01..14:00:31.
run() { "$RULELAB" run "$1" --data AuditLogs="$tmp/$2.ndjson" --now "${3:-2026-09-03T15:00:00Z}" --format json; }
j=$(run "$G/per_result_nrt.yaml" 30 2026-09-03T14:00:31Z 2>/dev/null)
[[ $(jq -c '[(.alerts|length), ([.alerts[]|select(has("summary"))]|length)]' <<<"$j") == '[30,0]' ]] || fail "NRT 30"
j=$(run "$G/per_result_nrt.yaml" 31 2026-09-03T14:00:31Z 2>/dev/null)
[[ $(jq -c '[(.alerts|length), .alerts[28].rows, .alerts[29].rows]' <<<"$j") == '[30,1,31]' ]] || fail "NRT 31"
# Regression: an NRT run returned rows dated after --now and older than its minute.
j=$(run "$G/per_result_nrt.yaml" 31 2026-09-03T14:00:20Z 2>/dev/null)
[[ $(jq -c '[.count, .window.from, .window.to]' <<<"$j") == '[20,"2026-09-03T13:59:20Z","2026-09-03T14:00:20Z"]' ]] || fail "NRT window: $(jq -c '[.count, .window]' <<<"$j")"
j=$(run "$G/per_result_nrt.yaml" 31 2026-09-03T14:05:00Z 2>/dev/null)
[[ $(jq -c '[.count, .alert]' <<<"$j") == '[0,false]' ]] || fail "NRT events older than a minute: $(jq -c '[.count]' <<<"$j")"

# Suppression ("Stop running query after alert is generated", suppressionEnabled/suppressionDuration):
# after an alerting run the rule does not run for 2h, so the events only the skipped runs would
# have seen are seen by no run (scheduled-rules-overview, "Suppression").
sed -e 's/^kind: Scheduled/kind: Scheduled\nsuppressionEnabled: true\nsuppressionDuration: 2h/' "$G/per_result.yaml" >"$tmp/suppressed.yaml"
for t in 12:30 13:30 14:30 15:30; do printf '{"TimeGenerated":"2026-09-03T%s:00Z","OperationName":"Add user","Id":"u%s"}\n' "$t" "$t"; done >"$tmp/hourly.ndjson"
j=$("$RULELAB" simulate "$tmp/suppressed.yaml" --data AuditLogs="$tmp/hourly.ndjson" --from 2026-09-03T13:00:00Z --to 2026-09-03T16:00:00Z --format json)
[[ $(jq -c '[.runs[] | (if .suppressed then "skipped" else .alert end)]' <<<"$j") == '[true,"skipped",true,"skipped"]' ]] || fail "suppression runs: $(jq -c '[.runs[]|[.now,.alert,.suppressed]]' <<<"$j")"
[[ $(jq -c '[.unseen_events[].line]' <<<"$j") == '[2,4]' && $(jq -r .suppression <<<"$j") == 02:00:00 ]] || fail "suppression unseen: $(jq -c '[.unseen_events, .suppression]' <<<"$j")"
# Without suppression every run alerts on its hour.
j=$("$RULELAB" simulate "$G/per_result.yaml" --data AuditLogs="$tmp/hourly.ndjson" --from 2026-09-03T13:00:00Z --to 2026-09-03T16:00:00Z --format json)
[[ $(jq -c '[.runs[].alert]' <<<"$j") == '[true,true,true,true]' ]] || fail "no suppression: $(jq -c '[.runs[].alert]' <<<"$j")"
# The ARM form carries the same setting (suppressionEnabled: true, suppressionDuration: PT5H).
jq '.resources |= [.[0]] | .resources[0].properties.suppressionEnabled = true' "$SRC/tests/data/kusto/arm_export.json" >"$tmp/arm.json"
j=$("$RULELAB" simulate "$tmp/arm.json" --data SigninLogs="$tmp/30.ndjson" --from 2026-09-03T13:00:00Z --to 2026-09-03T13:00:00Z --format json)
[[ $(jq -r .suppression <<<"$j") == 05:00:00 ]] || fail "ARM suppression: $j"
# rulelab test with a schedule range: every run's alerts count (Sentinel does not de-duplicate),
# and suppression skips runs.
cat >"$tmp/sched.test.yaml" <<YAML
rule: $G/per_result.yaml
from: 2026-09-03T13:00:00Z
to: 2026-09-03T16:00:00Z
data: {AuditLogs: $tmp/hourly.ndjson}
cases:
  - name: hourly runs
    expect: {alert: true, alerts: 4, alerting_runs: 4, rows: 4}
  - name: suppressed for 2h after an alert
    rule: $tmp/suppressed.yaml
    expect: {alert: true, alerts: 2, alerting_runs: 2, rows: 2}
YAML
out=$("$RULELAB" test "$tmp/sched.test.yaml" 2>&1) || fail "schedule test: $out"
grep -q "2 passed, 0 failed" <<<"$out" || fail "schedule test: $out"
echo ok
