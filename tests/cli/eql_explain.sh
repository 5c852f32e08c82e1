#!/usr/bin/env bash
# rulelab explain for EQL rules (sequences and event queries), and diff/simulate over Elastic rules:
# alerts matched by their source events (a sequence alert by the set of its events), Kibana's
# de-duplication of alerts across overlapping runs. Fixture: tests/data/eql/explain (events.ndjson
# lines: 1-2 h1 completes; 3-4 h2 too late for maxspan 5m; 5-7 h3 ended by until, then a stage-2
# event with no sequence waiting; 8-10 h4, line 9 replaces line 8's sequence; 11-12 h5, the
# stage-2 event lies after the window; 13 powershell matches no stage; 14 before the window).
set -euo pipefail
: "${RULELAB:?}" "${SRC:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
D=$SRC/tests/data/eql/explain
# Network and process events in one index: a name no integration data stream has (the process
# data stream maps no destination.* field: Elasticsearch would reject the rule, Unknown column).
IX=logs-endpoint.events.mixed-default
ex() { "$RULELAB" explain "$D/seq_rule.toml" --data "$IX=$D/events.ndjson" --now 2024-05-01T10:30:00Z --event "$@"; }

# A completed, reported sequence: both events say so, with the stage conditions and the join key.
j=$(ex 1 --format json)
[[ $(jq -c '[.led_to_alert, .query.kind, .query.by, .query.maxspan]' <<<"$j") == '[true,"sequence",["host.name"],"5m"]' ]] || fail "seq 1: $j"
[[ $(jq -c '.query.stages[0].filter.parts | map(.matches)' <<<"$j") == '[true,true,true]' ]] || fail "stage 1 parts: $j"
[[ $(jq -c '[.query.stages[0].keys, .query.sequences[0].key]' <<<"$j") == '[[["h1"]],["h1"]]' ]] || fail "key: $j"
[[ $(jq -r '.query.sequences[0].fate' <<<"$j") == "reported: result 1 of 2: an alert" ]] || fail "fate 1: $j"
j=$(ex 2 --format json)
[[ $(jq -c '[.led_to_alert, .query.stages[1].filter.matches, .query.stages[0].filter.matches]' <<<"$j") == '[true,true,false]' ]] || fail "seq 1 event 2: $j"

# maxspan: line 4 comes 7m after line 3.
out=$(ex 3)
grep -q "maxspan exceeded: line 4 (2024-05-01T10:10:00Z) matched stage 2 with the same key, but 7m after the sequence's first event (2024-05-01T10:03:00Z), beyond maxspan 5m" <<<"$out" || fail "maxspan: $out"
grep -q "^result: no sequence with the event was reported (maxspan exceeded: " <<<"$out" || fail "maxspan verdict: $out"
j=$(ex 4 --format json)
jq -e '.query.event_steps[0] | test("too late|beyond maxspan 5m")' <<<"$j" >/dev/null || fail "maxspan from the late event: $j"

# until, and the stage-2 event that finds no sequence waiting.
out=$(ex 5)
grep -q "ended by until: line 6 (2024-05-01T10:05:00Z) matched the until condition" <<<"$out" || fail "until: $out"
out=$(ex 6)
grep -q "as an until event it ended 1 in-progress sequence" <<<"$out" || fail "until event: $out"
grep -q "= the event matches the until condition" <<<"$out" || fail "until judged: $out"
out=$(ex 7)
grep -q 'matched stage 2 with key \["h3"\], but no sequence with that key was waiting for it' <<<"$out" || fail "no pending: $out"

# A newer first-stage event with the same key replaces the waiting sequence.
out=$(ex 8)
grep -q "replaced: line 9 (2024-05-01T10:08:00Z) began sequence #5 with the same key" <<<"$out" || fail "replaced: $out"
[[ $(ex 9 --format json | jq .led_to_alert) == true ]] || fail "replacing sequence alerts"

# The continuation lies after the run's window (and beyond maxspan).
out=$(ex 11)
grep -q "stopped after stage 1: no later event in the window matched stage 2 with key" <<<"$out" || fail "stopped: $out"
grep -q "line 12 (2024-05-01T10:31:00Z) matches stage 2 with the same key but lies outside this run's window (later, and 11m after" <<<"$out" || fail "outside: $out"

# `with runs=2` (stages named by run) and a missing-event stage `![file where true]`: h2's sequence
# completes but a file event lies between its neighbours, so it is discarded.
M="$RULELAB explain $D/runs_missing_rule.toml --data $IX=$D/runs_missing_events.ndjson --now 2024-05-01T10:30:00Z"
out=$($M --event 1)
grep -q "line 2 (2024-05-01T10:02:00Z) matched stage 1 (run 2 of 2) with the same key: the sequence advanced" <<<"$out" || fail "runs: $out"
[[ $($M --event 1 --format json | jq .led_to_alert) == true ]] || fail "runs alert"
out=$($M --event 4)
grep -q "= discarded: line 6 (2024-05-01T10:06:00Z) matches missing-event stage 2 with the same key, between its neighbours" <<<"$out" || fail "missing: $out"

# No stage; outside the window (with the runs that would see it).
[[ $(ex 13 --format json | jq -r .verdict) == "the event matches no stage of the sequence" ]] || fail "no stage"
j=$(ex 14 --format json)
[[ $(jq -c '[.led_to_alert, .window.contains_event, .window.runs_that_see_it.from, .window.runs_that_see_it.to]' <<<"$j") == \
   '[false,false,"2024-05-01T09:50:00Z","2024-05-01T10:20:00Z"]' ]] || fail "window: $j"

# The event selected by a field value.
[[ $(ex 'host.name=h4' --format json | jq .event.line) == 8 ]] || fail "selector"

# Event queries: each part judged, and the max_signals cap (max_signals = 1).
E="$RULELAB explain $D/event_rule.toml --data $IX=$D/event_events.ndjson --now 2024-05-01T10:30:00Z"
[[ $($E --event 1 --format json | jq -c '[.led_to_alert, .query.kind, (.query.filter.parts|map(.matches))]') == '[true,"event",[true,true,true]]' ]] || fail "event 1"
$E --event 2 | grep -q "this run already reached max_signals (1) with earlier events" || fail "event 2 cap"
out=$($E --event 3)
grep -q '  x process.name : ("cmd.exe", "powershell.exe")' <<<"$out" && grep -q 'process.name (keyword): \["pwsh.exe"\]' <<<"$out" || fail "event 3: $out"

# Exception items: the event is removed before the search.
R=$SRC/tests/data/eql/rules
j=$("$RULELAB" explain "$R/mshta_with_exception.ndjson" --data "$IX=$R/mshta_events.ndjson" --now 2024-05-01T10:05:00Z --event 1 --format json)
[[ $(jq -r .filtered <<<"$j") == "exception item exc-ws1 removes it" && $(jq .led_to_alert <<<"$j") == false ]] || fail "exception: $j"

# diff of two EQL versions: a sequence alert is matched by the set of its events. With maxspan 10m
# the h2 sequence (lines 3 and 4, 7m apart) alerts too.
j=$("$RULELAB" diff "$D/seq_rule.toml" "$D/seq_rule_10m.toml" --data "$IX=$D/events.ndjson" --now 2024-05-01T10:30:00Z --format json)
[[ $(jq -c '[(.only_a|length), (.only_b|length), (.both|length), .matched_by]' <<<"$j") == '[0,1,2,"source events"]' ]] || fail "eql diff: $j"
[[ $(jq -c '.only_b[0]._sources | map(sub(".*:"; ""))' <<<"$j") == '["3","4"]' ]] || fail "eql diff sources: $j"

# diff of two kuery versions: the same invitation alerts in both (matched by its event); the
# Filebeat document only under the rule that tests event.dataset.
S=$SRC/rules/elastic
j=$("$RULELAB" diff "$S/azure_external_guest_user_invitation.toml" "$S/entra_id_external_guest_user_invited.toml" \
  --data "logs-azure.auditlogs-default=$S/samples/invite-guest.ndjson" --data "filebeat-8=$S/samples/invite-filebeat-no-data-stream.ndjson" \
  --now 2026-09-03T15:00:00Z --format json)
[[ $(jq -c '[.matched_by, (.both|length), (.only_a|length), (.only_b|length)]' <<<"$j") == '["source events",1,1,0]' ]] || fail "kuery diff: $j"
jq -e '.only_a[0]._sources[0] | endswith("invite-filebeat-no-data-stream.ndjson:1")' <<<"$j" >/dev/null || fail "kuery diff sources: $j"

# simulate: runs every 5m look back 30m, so later runs see the h1 sequence again; Kibana derives
# the alert id from the source events and creates it once.
j=$("$RULELAB" simulate "$D/seq_rule.toml" --data "$IX=$D/events.ndjson" --from 2024-05-01T10:05:00Z --to 2024-05-01T10:15:00Z --format json)
[[ $(jq -c '[.runs[] | [(.alerts|length), .duplicate_alerts]]' <<<"$j") == '[[1,0],[1,1],[0,2]]' ]] || fail "simulate dedup: $(jq -c '[.runs[] | [(.alerts|length), .duplicate_alerts]]' <<<"$j")"
[[ $(jq -c '[.runs[].alert]' <<<"$j") == '[true,true,false]' ]] || fail "simulate alert flags: $j"
# The window line of kuery and Sentinel explains names the runs that see the event too.
j=$("$RULELAB" explain "$S/entra_id_external_guest_user_invited.toml" --data "logs-azure.auditlogs-default=$S/samples/invite-guest.ndjson" \
  --now 2026-09-03T15:00:00Z --event 1 --format json)
[[ $(jq -c '[.window.runs_that_see_it.from, .window.runs_that_see_it.to]' <<<"$j") == '["2026-09-03T14:58:02.1230000Z","2026-09-03T15:07:02.1230000Z"]' ]] || fail "kuery runs: $j"
V=$SRC/rules/sentinel
j=$("$RULELAB" explain "$V/AccountCreatedandDeletedinShortTimeframe.v1.1.0.yaml" --data "AuditLogs=$V/samples/member-created-deleted-within-hour.ndjson" \
  --now 2026-09-03T15:00:00Z --event 2 --format json)
[[ $(jq -c '[.window_runs.from, .window_runs.to, .window_runs.every]' <<<"$j") == '["2026-09-03T14:40:45.8516049Z","2026-09-04T14:40:45.8516049Z","01:00:00"]' ]] || fail "sentinel runs: $j"

# kuery explain runs the whole rule: an exception item that removes the matching event is named.
K="$RULELAB explain $D/kuery_with_exception.ndjson --data $IX=$R/mshta_events.ndjson"
j=$($K --now 2024-05-01T10:05:00Z --event 1 --format json)
[[ $(jq -c '[.verdict, .led_to_alert, .query.matches]' <<<"$j") == '["the query matches, but exception item exc-ws1 (ignore ws1) removes it: no alert",false,true]' ]] || fail "kuery exception: $j"
[[ $($K --now 2024-05-01T09:05:00Z --event 5 --format json | jq -c '[.verdict, .led_to_alert]') == '["the query matches: an alert",true]' ]] || fail "kuery alert"

# rulelab test: `match` reads document fields of EQL rows (under _source) and multi-valued fields.
out=$("$RULELAB" test "$D/seq_rule.test.yaml" 2>&1)
grep -q "3 passed, 0 failed (1 bypass" <<<"$out" || fail "rule test: $out"
sed -e "s|rule: seq_rule.toml|rule: $D/seq_rule.toml|" -e "s|: events.ndjson}|: $D/events.ndjson}|" -e 's/host.name: h4, destination.port/host.name: h9, destination.port/' \
  "$D/seq_rule.test.yaml" >"$tmp/wrong.test.yaml"
if out=$("$RULELAB" test "$tmp/wrong.test.yaml" 2>&1); then fail "a wrong match passes: $out"; fi
grep -q "host.name: expected h9, got h4" <<<"$out" || fail "wrong match diff: $out"
echo ok
