#!/usr/bin/env bash
# rulelab run --provenance, diff, simulate and test over the shipped seed rules.
set -euo pipefail
: "${RULELAB:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
S=$SRC/rules/sentinel
v110=$S/AccountCreatedandDeletedinShortTimeframe.v1.1.0.yaml
up=$S/AccountCreatedandDeletedinShortTimeframe.upstream-fix.yaml

# Provenance: the alert row of the member case derives from the creation (line 1) and the deletion (line 2).
j=$("$RULELAB" run "$v110" --data AuditLogs="$S/samples/member-created-deleted-within-hour.ndjson" --now 2026-09-03T15:00:00Z --format json --provenance)
[[ $(jq -c '.provenance[0] | map(sub(".*:"; ""))' <<<"$j") == '["1","2"]' ]] || fail "provenance: $(jq -c .provenance <<<"$j")"

# diff: the same events alert under both versions although their rows differ (UserId column, lowercased UPN).
j=$("$RULELAB" diff "$v110" "$up" --data AuditLogs="$S/samples/guest-created-deleted-within-hour.ndjson" --now 2026-09-03T15:00:00Z --format json)
[[ $(jq -c '[(.only_a|length), (.only_b|length), (.both|length), .matched_by]' <<<"$j") == '[0,0,1,"source events"]' ]] || fail "diff guest: $j"
# The rename: only the upstream fix alerts.
j=$("$RULELAB" diff "$v110" "$up" --data AuditLogs="$S/samples/renamed-before-deletion.ndjson" --now 2026-09-03T15:00:00Z --format json)
[[ $(jq -c '[(.only_a|length), (.only_b|length), (.both|length)]' <<<"$j") == '[0,1,0]' ]] || fail "diff rename: $j"
[[ $(jq -r '.only_b[0].UserId' <<<"$j") == 9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a ]] || fail "diff rename row"

# simulate: hourly runs over the 30-hour case; v1.1.0 never alerts (timing bypass), the fix does.
j=$("$RULELAB" simulate "$v110" --data AuditLogs="$S/samples/deleted-30h-after-creation.ndjson" --from 2026-09-03T12:00:00Z --to 2026-09-03T16:00:00Z --format json --html "$tmp/t.html")
[[ $(jq '.runs|length' <<<"$j") == 5 && $(jq .alerting_runs <<<"$j") == 0 ]] || fail "simulate v1.1.0: $(jq -c '[.runs[].alert]' <<<"$j")"
[[ $(jq -r '.runs[0].window.from' <<<"$j") == 2026-09-02T12:00:00Z ]] || fail "simulate window"
grep -q "<svg" "$tmp/t.html" || fail "simulate html"
j=$("$RULELAB" simulate "$up" --data AuditLogs="$S/samples/deleted-30h-after-creation.ndjson" --from 2026-09-03T12:00:00Z --to 2026-09-03T16:00:00Z --format json 2>/dev/null)
# The deletion at 14:00:00 satisfies `TimeGenerated > ago(1h)` only for the run at 14:00: for the
# run at 15:00, ago(1h) is 14:00:00 and `>` is strict (learn.microsoft.com/kusto/query/ago-function).
[[ $(jq -c '[.runs[].alert]' <<<"$j") == '[false,false,true,false,false]' ]] || fail "simulate upstream: $(jq -c '[.runs[].alert]' <<<"$j")"
# Events no run saw are listed.
j=$("$RULELAB" simulate "$v110" --data AuditLogs="$S/samples/deleted-8d-after-creation.ndjson" --from 2026-09-03T08:00:00Z --to 2026-09-03T09:00:00Z --format json)
[[ $(jq '.unseen_events|length' <<<"$j") == 1 && $(jq '.unseen_events[0].line' <<<"$j") == 1 ]] || fail "unseen: $(jq -c .unseen_events <<<"$j")"

# test: a wrong expectation fails with exit 1, the difference shown, and JUnit written.
cat >"$tmp/wrong.test.yaml" <<YAML
rule: $v110
cases:
  - name: expects an alert the rule does not raise
    data: {AuditLogs: $S/samples/renamed-before-deletion.ndjson}
    now: 2026-09-03T15:00:00Z
    expect: {alert: true, rows: 1}
YAML
if "$RULELAB" test "$tmp/wrong.test.yaml" --junit "$tmp/j.xml" >"$tmp/out"; then fail "a failing case passed"; fi
grep -q "expected an alert, got none" "$tmp/out" || fail "test output: $(cat "$tmp/out")"
grep -q '<failure message="expected an alert, got none"' "$tmp/j.xml" || fail "junit: $(cat "$tmp/j.xml")"
# explain: the creation of the renamed account reaches the end of the join's right side, and the
# join finds no left (deletion) row with its key; the deletion is dropped at the join likewise.
j=$("$RULELAB" explain "$v110" --data AuditLogs="$S/samples/renamed-before-deletion.ndjson" --now 2026-09-03T15:00:00Z --event 1 --format json)
[[ $(jq .led_to_alert <<<"$j") == false ]] || fail "explain verdict"
[[ $(jq -r '.pipelines[1].join.event_key' <<<"$j") == '"temp.user@contoso.onmicrosoft.com"' ]] || fail "explain join key: $(jq -c .pipelines[1].join <<<"$j")"
[[ $(jq -r '.pipelines[1].join.left_keys[0]' <<<"$j") == '"renamed.user@contoso.onmicrosoft.com"' ]] || fail "explain left keys"
# In the result pipeline the creation fails `TimeGenerated > ago(queryfrequency)`, with both values shown.
[[ $(jq -r '.pipelines[0].steps[1].why.where[0].value' <<<"$j") == false ]] || fail "explain where"
[[ $(jq -r '.pipelines[0].steps[1].why.where[0].left.value' <<<"$j") == 2026-09-03T14:00:00Z ]] || fail "explain where value"
j=$("$RULELAB" explain "$v110" --data AuditLogs="$S/samples/renamed-before-deletion.ndjson" --now 2026-09-03T15:00:00Z --event 'OperationName=Delete user' --format json)
[[ $(jq -r '.event.line' <<<"$j") == 3 ]] || fail "explain by field value"
# An event outside the window is said to be so.
j=$("$RULELAB" explain "$v110" --data AuditLogs="$S/samples/deleted-30h-after-creation.ndjson" --now 2026-09-03T14:30:00Z --event 1 --format json)
[[ $(jq .window.contains_event <<<"$j") == false ]] || fail "explain window"
# The member case: the deletion leads to the alert.
j=$("$RULELAB" explain "$v110" --data AuditLogs="$S/samples/member-created-deleted-within-hour.ndjson" --now 2026-09-03T15:00:00Z --event 2 --format json)
[[ $(jq .led_to_alert <<<"$j") == true ]] || fail "explain alert"
if "$RULELAB" explain "$v110" --data AuditLogs="$S/samples/member-created-deleted-within-hour.ndjson" --event 99 2>"$tmp/err"; then fail "bad selector"; fi
grep -q "no record on line 99" "$tmp/err" || fail "selector message: $(cat "$tmp/err")"
# explain, Elastic: "Guest" fails the keyword clause on target_resources.*.display_name (expanded to .0.).
E=$SRC/rules/elastic
j=$("$RULELAB" explain "$E/azure_external_guest_user_invitation.toml" --data logs-azure.auditlogs-default="$E/samples/invite-display-name-Guest.ndjson" --now 2026-09-03T15:00:00Z --event 1 --format json)
[[ $(jq -c '[.query.clauses[].matches]' <<<"$j") == '[true,true,false,true]' ]] || fail "elastic explain: $(jq -c .query <<<"$j")"
[[ $(jq -r '.query.clauses[2].fields[0].field' <<<"$j") == azure.auditlogs.properties.target_resources.0.display_name ]] || fail "expanded field"
[[ $(jq -r '.query.clauses[2].fields[0].type' <<<"$j") == keyword ]] || fail "field type"
j=$("$RULELAB" explain "$E/azure_external_guest_user_invitation.toml" --data logs-azure.auditlogs-default="$E/samples/invite-ingested-outside-window.ndjson" --now 2026-09-03T15:00:00Z --event 1 --format json)
[[ $(jq -c '[.window.contains_event, .led_to_alert, .window.field]' <<<"$j") == '[false,false,"event.ingested"]' ]] || fail "elastic window: $(jq -c .window <<<"$j")"
echo ok
