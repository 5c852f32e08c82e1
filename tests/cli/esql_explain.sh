#!/usr/bin/env bash
# rulelab explain for ES|QL rules: which command dropped the event (FROM's window, a WHERE with
# its failing condition and the values it read, a STATS group that a later WHERE removed), or the
# result rows and alerts it led to. Rules and samples: rules/elastic (FIN7 DGA, non-aggregating;
# agent spoofing, STATS ... BY agent.id then WHERE count >= 2). Expected outcomes from the queries
# and the ES|QL reference (WHERE keeps rows whose condition is true; STATS makes one row per
# group; an aggregating rule raises one alert per result row, a non-aggregating one per document).
set -euo pipefail
: "${RULELAB:?}" "${SRC:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
R=$SRC/rules/elastic
NOW=2026-09-03T15:00:00Z
FIN7=$R/command_and_control_fin7_c2_behavior.toml
TLS=logs-network_traffic.tls-default

# A matching document: it passes every command and is the run's only alert.
j=$("$RULELAB" explain "$FIN7" --data "$TLS=$R/samples/fin7-four-letter-top.ndjson" --now $NOW --event 1 --format json)
[[ $(jq -c '[.language, .led_to_alert, .aggregating, .result_rows, .alerts]' <<<"$j") == '["esql",true,false,[1],[1]]' ]] || fail "fin7 alert: $j"
[[ $(jq -c '[.steps[] | .rows_after]' <<<"$j") == '[1,1,1,1,1]' ]] || fail "fin7 steps: $j"

# Lines Elasticsearch would not index come before the document: the event is still followed (the
# documents are numbered as the load numbers them, without those lines), and a selected line
# that is not a document is refused.
tmpd=$(mktemp -d)
{ cat "$R/samples/fin7-zoom.ndjson"; echo '{"@timestamp":'; echo '{"a":1,"a":2}'; cat "$R/samples/fin7-four-letter-top.ndjson"; } >"$tmpd/lines.ndjson"
j=$("$RULELAB" explain "$FIN7" --data "$TLS=$tmpd/lines.ndjson" --now $NOW --event 4 --format json)
[[ $(jq -c '[.led_to_alert, .result_rows, .alerts]' <<<"$j") == '[true,[1],[1]]' ]] || fail "after unreadable lines: $j"
set +e
out=$("$RULELAB" explain "$FIN7" --data "$TLS=$tmpd/lines.ndjson" --now $NOW --event 3 2>&1)
set -e
grep -q 'lines.ndjson has no record on line 3' <<<"$out" || fail "an unreadable line selected: $out"
# Pretty-printed documents one after another: each is a document, on the line it starts on, for
# the run and for explain alike (the second starts after the first's lines).
jq . "$R/samples/fin7-zoom.ndjson" >"$tmpd/pretty.ndjson"
second=$(($(wc -l <"$tmpd/pretty.ndjson") + 1))
jq . "$R/samples/fin7-four-letter-top.ndjson" >>"$tmpd/pretty.ndjson"
j=$("$RULELAB" run "$FIN7" --data "$TLS=$tmpd/pretty.ndjson" --now $NOW --format json)
[[ $(jq -c '[.alert, (.alerts | length), .provenance]' <<<"$j") == "[true,1,[[\"$tmpd/pretty.ndjson:$second\"]]]" ]] || fail "pretty-printed run: $j"
j=$("$RULELAB" explain "$FIN7" --data "$TLS=$tmpd/pretty.ndjson" --now $NOW --event "$second" --format json)
[[ $(jq -c '[.led_to_alert, .result_rows, .alerts]' <<<"$j") == '[true,[1],[1]]' ]] || fail "pretty-printed explain: $j"
rm -rf "$tmpd"

# zoom.us: the third WHERE drops it; its one condition is false, with the value it read.
j=$("$RULELAB" explain "$FIN7" --data "$TLS=$R/samples/fin7-zoom.ndjson" --now $NOW --event 1 --format json)
[[ $(jq -c '[.led_to_alert, (.steps | map(.rows_after)), .steps[3].command]' <<<"$j") == '[false,[1,1,1,0,0],4]' ]] || fail "zoom steps: $j"
[[ $(jq -c '.steps[3].conditions' <<<"$j") == '[{"condition":"destination.domain != \"zoom.us\"","value":"false","columns":{"destination.domain":"zoom.us"}}]' ]] || fail "zoom condition: $j"
jq -e '.verdict | startswith("no alert: `where destination.domain != \"zoom.us\"` (command 4) dropped the event; destination.domain != \"zoom.us\" is false")' <<<"$j" >/dev/null || fail "zoom verdict: $j"
out=$("$RULELAB" explain "$FIN7" --data "$TLS=$R/samples/fin7-zoom.ndjson" --now $NOW --event 1)
grep -q '^  x 4\. where destination.domain != "zoom.us"   (1 -> 0)$' <<<"$out" || fail "zoom table: $out"
grep -q '      x destination.domain != "zoom.us": false   (destination.domain = "zoom.us")' <<<"$out" || fail "zoom table condition: $out"

# Outside the window (now-9m): FROM never reads it.
j=$("$RULELAB" explain "$FIN7" --data "$TLS=$R/samples/fin7-four-letter-top.ndjson" --now 2026-09-03T16:00:00Z --event 1 --format json)
[[ $(jq -c '[.led_to_alert, .window.contains_event, .steps[0].rows_after]' <<<"$j") == '[false,false,0]' ]] || fail "window: $j"
jq -e '.verdict | startswith("no alert: the event is outside the rule'"'"'s window")' <<<"$j" >/dev/null || fail "window verdict: $j"

# Aggregating: two hosts behind one agent.id -> one group row, count 2, one alert; each event led to it.
SPOOF=$R/defense_evasion_agent_spoofing_multiple_hosts.toml
EP=logs-endpoint.events.process-default
j=$("$RULELAB" explain "$SPOOF" --data "$EP=$R/samples/agent-spoof-two-hosts.ndjson" --now $NOW --event 2 --format json)
[[ $(jq -c '[.aggregating, .led_to_alert, .result_rows, .alerts]' <<<"$j") == '[true,true,[1],[1]]' ]] || fail "spoof alert: $j"
jq -e '.steps[2].note == "aggregated into 1 group row (of 1): agent.id=\"6c8f-agent-01\""' <<<"$j" >/dev/null || fail "spoof stats note: $j"

# One host only: the event is aggregated into a group whose distinct count is 1; the WHERE after
# STATS drops that group row, and says which condition failed on it.
j=$("$RULELAB" explain "$SPOOF" --data "$EP=$R/samples/agent-one-host.ndjson" --now $NOW --event 1 --format json)
[[ $(jq -c '[.led_to_alert, (.steps | map(.rows_after))]' <<<"$j") == '[false,[1,1,1,0,0]]' ]] || fail "one host steps: $j"
[[ $(jq -c '.steps[3].conditions[0] | [.condition, .value, .columns]' <<<"$j") == '["Esql.count_distinct_host_ids >= 2","false",{"Esql.count_distinct_host_ids":1}]' ]] || fail "one host condition: $j"
jq -e '.verdict | contains("dropped the group row(s) the event was aggregated into")' <<<"$j" >/dev/null || fail "one host verdict: $j"

# A selector that names no document is refused (exit 2).
set +e
"$RULELAB" explain "$FIN7" --data "$TLS=$R/samples/fin7-zoom.ndjson" --now $NOW --event 5 >/dev/null 2>&1
rc=$?
set -e
[[ $rc == 2 ]] || fail "bad selector: exit $rc"
echo ok
