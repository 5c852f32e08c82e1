#!/usr/bin/env bash
# Elastic alert suppression through the CLI (README "Alert suppression"; Elastic docs "Suppress
# detection alerts"): run groups the matching events into one alert per group_by combination, explain
# says which alert counted an event, simulate shows a later run's events suppressed into an alert
# created less than the duration ago.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
R="$SRC/rules/elastic/persistence_google_workspace_role_modified.toml"
S="$SRC/rules/elastic/samples"
IX=logs-google_workspace.admin-default

# 1. three changes, one group: one alert, docs_count 2
out=$("$RULELAB" run "$R" --data "$IX=$S/gws-role-three-changes.ndjson" --now 2026-09-03T14:30:00Z 2>&1)
check "one alert" 'alerts:  1' "$out"
check "docs_count" 'suppression group user.email="it.admin@example.com" google_workspace.admin.role.name="Helpdesk" source.ip="203.0.113.7": 2 more event(s) suppressed' "$out"
check "note" 'alert suppression (group_by user.email, google_workspace.admin.role.name, source.ip, for 130m): 3 matching event(s) in 1 group(s) gave 1 alert(s)' "$out"
json=$("$RULELAB" run "$R" --data "$IX=$S/gws-role-three-changes.ndjson" --now 2026-09-03T14:30:00Z --format json 2>/dev/null)
check "json alerts" '1 2 1' "$(jq -r '[(.alerts|length), .alerts[0].suppression.docs_count, .alert_suppression.groups] | map(tostring) | join(" ")' <<<"$json")"

# 2. explain: the second change is counted by the first one's alert
out=$("$RULELAB" explain "$R" --data "$IX=$S/gws-role-three-changes.ndjson" --event 2 --now 2026-09-03T14:30:00Z 2>&1)
check "explain folded" 'folds it into alert 1' "$out"
check "explain no alert of its own" 'no alert of its own' "$out"

# 3. simulate: the escalation two hours after the decoy goes into the decoy's alert
out=$("$RULELAB" simulate "$R" --data "$IX=$S/gws-role-decoy-then-escalation.ndjson" --from 2026-09-03T12:10:00Z --to 2026-09-03T14:30:00Z 2>&1)
check "simulate header" 'alert suppression by user.email, google_workspace.admin.role.name, source.ip, for 130m' "$out"
check "simulate absorbed" '2026-09-03T14:10:00Z  window [2026-09-03T12:00:00Z, 2026-09-03T14:10:00Z]  2 events  - (1 suppressed into earlier alerts)' "$out"
check "simulate one alerting run" '15 runs, 1 alerting' "$out"

# 4. a threshold rule: suppression by its threshold fields, for a duration; a later run's bucket of
# the same address only raises the first alert's count (Kibana's threshold suppression)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/thr.toml" <<'TOML'
[metadata]
creation_date = "2026/01/01"
maturity = "production"
updated_date = "2026/01/01"

[rule]
author = ["rulelab"]
description = "Failed logons from one address"
from = "now-30m"
index = ["logs-*"]
interval = "10m"
language = "kuery"
license = "Elastic License v2"
name = "Threshold suppression"
risk_score = 21
rule_id = "00000000-0000-0000-0000-000000000002"
severity = "low"
type = "threshold"
query = 'event.action:"logon-failed"'

[rule.threshold]
field = ["source.ip"]
value = 3

[rule.alert_suppression.duration]
unit = "h"
value = 1
TOML
for t in 10:01 10:02 10:03 10:12 10:13 10:14 10:15; do
  echo "{\"@timestamp\":\"2026-09-03T${t}:00Z\",\"event\":{\"action\":\"logon-failed\"},\"source\":{\"ip\":\"10.0.0.1\"}}"
done >"$tmp/fails.ndjson"
out=$("$RULELAB" simulate "$tmp/thr.toml" --data "logs-x-default=$tmp/fails.ndjson" --from 2026-09-03T10:10:00Z --to 2026-09-03T10:40:00Z 2>&1)
check "threshold header" "alert suppression by the threshold's fields (source.ip), for 1h" "$out"
check "threshold absorbed" '2026-09-03T10:20:00Z  window [2026-09-03T09:50:00Z, 2026-09-03T10:20:00Z]  7 events  - (1 suppressed into earlier alerts)' "$out"
check "threshold one alert" '4 runs, 1 alerting' "$out"

exit $fail
