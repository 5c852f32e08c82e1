#!/usr/bin/env bash
# EQL through the CLI: rule parse diagnostics point into the rule file; `rulelab run` on an EQL
# sequence rule honours its look-back window (from = now-9m) and lists the sequence's events;
# `rulelab query --dialect eql` prints JSON rows.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
D="$SRC/tests/data/eql/rules"

# 1. A rule whose EQL has an error: file:line:col inside the TOML file, the line, a caret.
sed 's/process.name : "mshta.exe" and event.type == "start"/process.name = "mshta.exe" and event.type == "start"/' \
  "$D/network_connection_via_mshta.toml" > "$tmp/bad.toml"
line=$(grep -n 'process.name = "mshta.exe"' "$tmp/bad.toml" | cut -d: -f1)
out=$("$RULELAB" parse "$tmp/bad.toml" 2>&1)
check "parse error position" "bad.toml:$line:31: '=' is not an EQL operator" "$out"
check "parse error caret line" '[process where process.name = "mshta.exe"' "$out"

# 1b. In a Kibana export the query is a JSON string with escapes (\n, \"): the column still
#     points at the offending character of the file line.
sed 's/\[network where process.name : \\"mshta.exe\\"\]/[network where process.name = \\"mshta.exe\\"]/' \
  "$D/mshta_with_exception.ndjson" > "$tmp/bad.ndjson"
out=$("$RULELAB" parse "$tmp/bad.ndjson" 2>&1)
col=$(sed -n 1p "$tmp/bad.ndjson" | grep -bo 'process.name = ' | tail -1 | cut -d: -f1)
check "parse error position (JSON escapes)" "bad.ndjson:1:$((col + 14)): '=' is not an EQL operator" "$out"

# 2. The unchanged rule parses.
out=$("$RULELAB" parse "$D/network_connection_via_mshta.toml" 2>&1)
check "rule parses" "eql" "$out"

# 3. run: only the P1 sequence lies in [now-9m, now]; P2/P3 do not join; P4 is too old.
out=$("$RULELAB" run "$D/network_connection_via_mshta.toml" --data "logs-endpoint.events.process-default=$D/mshta_events.ndjson" \
  --now 2024-05-01T10:05:00Z --format json 2>&1)
check "run alert" '"alert":true,"alerts":[{"events":[{"file":' "$out"
check "run one alert" '"key":["P1"],"sequence":1,"sources":["'"$D"'/mshta_events.ndjson:1","'"$D"'/mshta_events.ndjson:2"]}]' "$out"
check "run rows" '"rows":[{"_index":"logs-endpoint.events.process-default","_source":{"@timestamp":"2024-05-01T10:00:00.000Z"' "$out"
check "run second event" '"sequence":1,"stage":1}' "$out"

# 4. At 10:20 the window [10:11, 10:20] holds nothing.
out=$("$RULELAB" run "$D/network_connection_via_mshta.toml" --data "logs-endpoint.events.process-default=$D/mshta_events.ndjson" \
  --now 2024-05-01T10:20:00Z --format json 2>&1)
check "run no alert" '"alert":false,"alerts":[]' "$out"

# 5. An index that does not match the rule's index patterns is not searched.
out=$("$RULELAB" run "$D/network_connection_via_mshta.toml" --data "other-index=$D/mshta_events.ndjson" \
  --now 2024-05-01T10:05:00Z --format json 2>&1)
check "index patterns" '"ignored_indices":["other-index"]' "$out"

# 6. Exception items filter every event of the EQL search: ws1's events are excluded, so the P1
#    sequence disappears (Kibana export with an exception list); ws3's P4 sequence stays.
out=$("$RULELAB" run "$D/mshta_with_exception.ndjson" --data "logs-endpoint.events.process-default=$D/mshta_events.ndjson" \
  --now 2024-05-01T10:05:00Z --format json 2>&1)
check "exception suppresses" '"alert":false' "$out"
out=$("$RULELAB" run "$D/mshta_with_exception.ndjson" --data "logs-endpoint.events.process-default=$D/mshta_events.ndjson" \
  --now 2024-05-01T09:05:00Z --format json 2>&1)
check "exception keeps others" '"key":["P4"]' "$out"

# 7. query --dialect eql, JSON rows are source documents in time order.
out=$("$RULELAB" query --dialect eql 'process where process.name : "mshta.exe"' --data "$D/mshta_events.ndjson" --format json 2>&1)
check "query count" '"kind":"event","count":3' "$out"
check "query first row" '"rows":[{"@timestamp":"2024-05-01T09:00:00.000Z"' "$out"

# 8. Without a mapping, ECS types apply: file.path is a keyword with ignore_above 1024, so a
#    longer path is not indexed and EQL cannot match it (a "limit saturation" bypass).
long="C:\\$(printf 'A%.0s' $(seq 1 1100))\\evil.exe"
printf '{"@timestamp":"2024-05-01T10:00:00Z","event":{"category":["file"]},"file":{"path":"%s"},"id":1}\n{"@timestamp":"2024-05-01T10:00:01Z","event":{"category":["file"]},"file":{"path":"C:\\\\evil.exe"},"id":2}\n' "$long" > "$tmp/long.ndjson"
out=$("$RULELAB" query --dialect eql 'file where file.path : "*evil.exe"' --data "logs=$tmp/long.ndjson" --format json 2>&1)
check "ignore_above" '"count":1,"rows":[{"@timestamp":"2024-05-01T10:00:01Z"' "$out"

# 9. rulelab test drives EQL rules too (rule-test spec with bypass cases).
out=$("$RULELAB" test "$D/network_connection_via_mshta.test.yaml" 2>&1)
check "rule tests" "5 passed, 0 failed (3 bypasses reproduced)" "$out"

out=$("$RULELAB" test "$D/mshta_timestamp_override.test.yaml" 2>&1)
check "timestamp_override window, @timestamp order" "2 passed, 0 failed" "$out"

# 10. query syntax error.
out=$("$RULELAB" query --dialect eql 'process where process.name == ' --data "$D/mshta_events.ndjson" 2>&1)
check "query error" "<query>:1:31: expected a value to compare with" "$out"
exit $fail
