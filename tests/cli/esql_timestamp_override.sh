#!/usr/bin/env bash
# An ES|QL rule's window is on its timestamp_override field, with @timestamp for documents that
# lack it (unless timestamp_override_fallback_disabled), as for Kibana's other rule types: the
# security solution's ES|QL executor builds its request with buildEsqlSearchRequest, whose range
# filter is buildTimeRangeFilter(primaryTimestamp, secondaryTimestamp) ("documents must either
# populate primaryTimestamp with a timestamp in the range or must NOT populate the
# primaryTimestamp field at all and secondaryTimestamp must fall in the range"). 207 of the 212
# ES|QL rules of elastic/detection-rules set timestamp_override = "event.ingested".
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rule() {  # rule FILE EXTRA_TOML
  cat >"$1" <<TOML
[rule]
name = "ingested window"
rule_id = "ingested-window"
type = "esql"
language = "esql"
query = '''
FROM logs-* METADATA _id | WHERE event.action == "login" | KEEP _id, user.name
'''
from = "now-10m"
interval = "5m"
risk_score = 21
severity = "low"
description = "d"
$2
TOML
}
# now 14:10; window [14:00, 14:10]
cat >"$tmp/docs.ndjson" <<'JSON'
{"@timestamp":"2026-09-03T14:05:00Z","event":{"action":"login","ingested":"2026-09-03T13:40:00Z"},"user":{"name":"late-ingested-old"}}
{"@timestamp":"2026-09-03T12:00:00Z","event":{"action":"login","ingested":"2026-09-03T14:06:00Z"},"user":{"name":"old-event-ingested-now"}}
{"@timestamp":"2026-09-03T14:07:00Z","event":{"action":"login"},"user":{"name":"no-ingested"}}
{"@timestamp":"2026-09-03T12:00:00Z","event":{"action":"login"},"user":{"name":"no-ingested-old"}}
JSON
rule "$tmp/override.toml" 'timestamp_override = "event.ingested"'
out=$("$RULELAB" run "$tmp/override.toml" --data "logs-test-default=$tmp/docs.ndjson" --now 2026-09-03T14:10:00Z --format json 2>&1)
names=$(jq -r '[.rows[]."user.name"] | sort | join(",")' <<<"$out")
check "override: event.ingested in the window, or absent with @timestamp in it" 'no-ingested,old-event-ingested-now' "$names"
check "override: the window's field" 'event.ingested' "$(jq -r '.window.field' <<<"$out")"
# the same rule without the override reads @timestamp
rule "$tmp/plain.toml" ''
out=$("$RULELAB" run "$tmp/plain.toml" --data "logs-test-default=$tmp/docs.ndjson" --now 2026-09-03T14:10:00Z --format json 2>&1)
check "no override: @timestamp" 'late-ingested-old,no-ingested' "$(jq -r '[.rows[]."user.name"] | sort | join(",")' <<<"$out")"
# fallback disabled: a document without event.ingested is outside every window
rule "$tmp/nofallback.toml" $'timestamp_override = "event.ingested"\ntimestamp_override_fallback_disabled = true'
out=$("$RULELAB" run "$tmp/nofallback.toml" --data "logs-test-default=$tmp/docs.ndjson" --now 2026-09-03T14:10:00Z --format json 2>&1)
check "fallback disabled: event.ingested only" 'old-event-ingested-now' "$(jq -r '[.rows[]."user.name"] | sort | join(",")' <<<"$out")"
# explain names the field and the fallback, and tells the event outside the window why
out=$("$RULELAB" explain "$tmp/override.toml" --data "logs-test-default=$tmp/docs.ndjson" --event 1 --now 2026-09-03T14:10:00Z 2>&1)
check "explain: the window's field" 'by event.ingested (else @timestamp)' "$out"
check "explain: outside by event.ingested" 'its event.ingested is not in [' "$out"
out=$("$RULELAB" explain "$tmp/override.toml" --data "logs-test-default=$tmp/docs.ndjson" --event 2 --now 2026-09-03T14:10:00Z 2>&1)
check "explain: inside by event.ingested" 'result: alert: the event is result row(s) 1' "$out"
# explain with the fallback disabled: the document without event.ingested has no time in the window
out=$("$RULELAB" explain "$tmp/nofallback.toml" --data "logs-test-default=$tmp/docs.ndjson" --event 3 --now 2026-09-03T14:10:00Z 2>&1)
check "explain, fallback disabled: no time" "by event.ingested; the event's time none is OUTSIDE" "$out"
check "explain, fallback disabled: the verdict" 'its event.ingested is not in [' "$out"
# the streamed STATS path applies the same window
cat >"$tmp/stats.toml" <<'TOML'
[rule]
name = "ingested window stats"
rule_id = "ingested-window-stats"
type = "esql"
language = "esql"
query = '''
FROM logs-* | WHERE event.action == "login" | STATS n = COUNT(*) BY event.action
'''
from = "now-10m"
interval = "5m"
risk_score = 21
severity = "low"
description = "d"
timestamp_override = "event.ingested"
TOML
out=$("$RULELAB" run "$tmp/stats.toml" --data "logs-test-default=$tmp/docs.ndjson" --now 2026-09-03T14:10:00Z --format json 2>&1)
check "stats: two documents in the window" '2' "$(jq -r '.rows[0].n' <<<"$out")"
out=$("$RULELAB" run "$tmp/stats.toml" --data "logs-test-default=$tmp/docs.ndjson" --now 2026-09-03T14:10:00Z --format json --no-pushdown 2>&1)
check "stats, loaded whole: the same" '2' "$(jq -r '.rows[0].n' <<<"$out")"
exit $fail
