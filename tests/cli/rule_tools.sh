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
echo ok
