#!/usr/bin/env bash
# The application layer (src/app) as the commands see it: one window definition, one data naming
# rule, one schedule loop with one run limit, NRT and hunting rules, the newcomer's empty-window
# hint, the simulate timeline. Each block is a regression test for a bug of the "one rule runner" issue.
set -euo pipefail
: "${RULELAB:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
SRC=$(cd "$SRC" && pwd)
G=$SRC/tests/data/kusto/grouping
A=$SRC/tests/data/app

# One window per family: an event exactly at the window's start is in `run` and seen by a one-run
# `simulate` alike (Sentinel's look-back, rulelab: [now - queryPeriod, now]).
printf '{"TimeGenerated":"2026-09-03T14:00:00Z","OperationName":"Add user","Id":"edge"}\n' >"$tmp/edge.ndjson"
j=$("$RULELAB" run "$G/per_result.yaml" --data AuditLogs="$tmp/edge.ndjson" --now 2026-09-03T15:00:00Z --format json)
[[ $(jq -c '[.count, .window.text]' <<<"$j") == '[1,"[2026-09-03T14:00:00Z, 2026-09-03T15:00:00Z]"]' ]] || fail "run at the window's start: $(jq -c '[.count,.window]' <<<"$j")"
j=$("$RULELAB" simulate "$G/per_result.yaml" --data AuditLogs="$tmp/edge.ndjson" --from 2026-09-03T15:00:00Z --to 2026-09-03T15:00:00Z --format json)
[[ $(jq -c '[.runs[0].rows, .runs[0].events_in_window, (.unseen_events|length)]' <<<"$j") == '[1,1,0]' ]] || fail "simulate at the window's start: $j"

# One NAME=FILE rule: a file given without a name is named by its base name up to the first dot,
# compression suffixes removed (AuditLogs.ndjson.gz is the table AuditLogs) in every command.
cp "$tmp/edge.ndjson" "$tmp/AuditLogs.ndjson" && gzip -k "$tmp/AuditLogs.ndjson"
j=$("$RULELAB" run "$G/per_result.yaml" --data "$tmp/AuditLogs.ndjson.gz" --now 2026-09-03T15:00:00Z --format json)
[[ $(jq -c '[.count, .read[0].table]' <<<"$j") == '[1,"AuditLogs"]' ]] || fail "run names AuditLogs.ndjson.gz: $(jq -c '[.count,.read]' <<<"$j")"
j=$("$RULELAB" simulate "$G/per_result.yaml" --data "$tmp/AuditLogs.ndjson.gz" --from 2026-09-03T15:00:00Z --to 2026-09-03T15:00:00Z --format json)
[[ $(jq -c '.runs[0].rows' <<<"$j") == 1 ]] || fail "simulate names AuditLogs.ndjson.gz"
j=$("$RULELAB" diff "$G/per_result.yaml" "$G/per_result.yaml" --data "$tmp/AuditLogs.ndjson.gz" --now 2026-09-03T15:00:00Z --format json)
[[ $(jq -c '[(.both|length), (.only_a|length)]' <<<"$j") == '[1,0]' ]] || fail "diff names AuditLogs.ndjson.gz: $j"

# A table the rule reads with no data given is named in a warning (it is read as empty).
err=$("$RULELAB" run "$G/per_result.yaml" --data SigninLogs="$tmp/edge.ndjson" --now 2026-09-03T15:00:00Z 2>&1 >/dev/null || true)
[[ $err == *"warning: the rule reads table AuditLogs but no --data gives it"* ]] || fail "no data warning: $err"

# One limit on the number of runs, an error past it, in simulate, diff and test alike.
out=$("$RULELAB" simulate "$G/per_result.yaml" --data AuditLogs="$tmp/edge.ndjson" --from 2020-01-01T00:00:00Z --to 2026-01-01T00:00:00Z 2>&1) && fail "simulate past the run limit succeeded"
[[ $out == *"at most 10000"* ]] || fail "simulate limit message: $out"
out=$("$RULELAB" diff "$G/per_result.yaml" "$G/per_result.yaml" --data AuditLogs="$tmp/edge.ndjson" --from 2020-01-01T00:00:00Z --to 2026-01-01T00:00:00Z 2>&1) && fail "diff past the run limit succeeded"
[[ $out == *"at most 10000"* ]] || fail "diff limit message: $out"
cat >"$tmp/limit.test.yaml" <<YAML
rule: $G/per_result.yaml
data: {AuditLogs: $tmp/edge.ndjson}
from: 2020-01-01T00:00:00Z
to: 2026-01-01T00:00:00Z
cases:
  - name: too many runs
    expect: {alert: true}
YAML
out=$("$RULELAB" test "$tmp/limit.test.yaml" -v 2>&1) && fail "test past the run limit passed"
[[ $out == *"at most 10000"* ]] || fail "test limit message: $out"

# Suppression: one loop, so simulate, diff --from/--to and test agree on which runs happen.
sed -e 's/^kind: Scheduled/kind: Scheduled\nsuppressionEnabled: true\nsuppressionDuration: 2h/' "$G/per_result.yaml" >"$tmp/suppressed.yaml"
for t in 12:30 13:30 14:30 15:30; do printf '{"TimeGenerated":"2026-09-03T%s:00Z","OperationName":"Add user","Id":"u%s"}\n' "$t" "$t"; done >"$tmp/hourly.ndjson"
j=$("$RULELAB" diff "$tmp/suppressed.yaml" "$G/per_result.yaml" --data AuditLogs="$tmp/hourly.ndjson" --from 2026-09-03T13:00:00Z --to 2026-09-03T16:00:00Z --format json)
[[ $(jq -c '[(.both|length), (.only_b|length), (.only_a|length)]' <<<"$j") == '[2,2,0]' ]] || fail "diff with suppression: $(jq -c . <<<"$j")"

# Hunting queries (Azure-Sentinel "Hunting Queries/": no kind, no schedule) load and run as a query.
j=$("$RULELAB" run "$A/hunting_added_users.yaml" --data AuditLogs="$tmp/hourly.ndjson" --now 2026-09-03T16:00:00Z --format json)
[[ $(jq -c '[.kind, .count, .alert, has("window")]' <<<"$j") == '["hunting",4,false,false]' ]] || fail "hunting run: $(jq -c '[.kind,.count,.alert]' <<<"$j")"
out=$("$RULELAB" run "$A/hunting_added_users.yaml" --data AuditLogs="$tmp/hourly.ndjson" --now 2026-09-03T16:00:00Z)
[[ $out == *"hunting query: no schedule, no alert"* && $out == *"4 results"* ]] || fail "hunting table: $out"
"$RULELAB" test "$A/hunting_added_users.test.yaml" >/dev/null || fail "hunting rule test"
"$RULELAB" parse "$A/hunting_added_users.yaml" >/dev/null || fail "hunting parse"

# NRT: the window the documentation gives it (one minute back from now), nothing after --now.
printf '{"TimeGenerated":"2026-09-03T14:59:30Z","OperationName":"Add user","Id":"a"}\n{"TimeGenerated":"2026-09-03T15:00:30Z","OperationName":"Add user","Id":"late"}\n{"TimeGenerated":"2026-09-03T14:58:00Z","OperationName":"Add user","Id":"old"}\n' >"$tmp/nrt.ndjson"
j=$("$RULELAB" run "$G/per_result_nrt.yaml" --data AuditLogs="$tmp/nrt.ndjson" --now 2026-09-03T15:00:00Z --format json 2>/dev/null)
[[ $(jq -c '[.count, .rows[0].Id, .window.from]' <<<"$j") == '[1,"a","2026-09-03T14:59:00Z"]' ]] || fail "NRT window: $(jq -c '[.count,.rows,.window]' <<<"$j")"

# The newcomer's empty window: how many events it dropped and which --now would include them.
out=$("$RULELAB" run "$G/per_result.yaml" --data AuditLogs="$tmp/hourly.ndjson" --now 2026-10-01T00:00:00Z)
[[ $out == *"holds none of the 4 events outside it: 4 older"* && $out == *"--now 2026-09-03T15:30:00Z would include the latest"* ]] || fail "empty window hint: $out"
j=$("$RULELAB" run "$G/per_result.yaml" --data AuditLogs="$tmp/hourly.ndjson" --now 2026-10-01T00:00:00Z --format json)
[[ $(jq -c '[.outside_window.before, .outside_window.latest]' <<<"$j") == '[4,"2026-09-03T15:30:00Z"]' ]] || fail "empty window JSON: $(jq -c .outside_window <<<"$j")"

# The simulate timeline: a labelled time axis, a legend, named events, marked alerting runs.
"$RULELAB" simulate "$G/per_result.yaml" --data AuditLogs="$tmp/hourly.ndjson" --from 2026-09-03T13:00:00Z --to 2026-09-03T16:00:00Z --html "$tmp/t.html" >/dev/null
grep -q '13:00' "$tmp/t.html" && grep -q '14:00' "$tmp/t.html" || fail "timeline axis labels"
grep -qi 'legend' "$tmp/t.html" || fail "timeline legend"
grep -q 'hourly.ndjson:3' "$tmp/t.html" && grep -q 'Add user' "$tmp/t.html" || fail "timeline names events with the fields the rule reads"
grep -q 'ALERT' "$tmp/t.html" || fail "timeline marks alerting runs"
echo "app layer: ok"
