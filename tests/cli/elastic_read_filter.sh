#!/usr/bin/env bash
# Elastic documents filtered while reading (kuery and EQL): dropping, on the reading threads, the
# documents a query cannot match must give exactly the answer of reading every document
# (--no-pushdown): rows, provenance, counts, notes, the dynamic-fields note, alerts. Documents whose
# bytes cannot hold the query's literals are skipped unparsed (core/raw_prefilter.hpp): a note says
# how many, and their fields and timestamps are not looked at, so the dynamic-fields list and the
# "without a readable @timestamp" note may name less (never more) when that note is there. A differential
# test over generated azure.auditlogs documents, the shipped samples and the EQL test data.
# Semantics: Kibana's kuery (docs: "KQL", Elasticsearch query DSL it becomes) and Elasticsearch's EQL
# reference; both paths evaluate with the same matcher, so any difference is the reader's fault.
set -euo pipefail
: "${RULELAB:?}" "${RULELAB_GEN:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$RULELAB_GEN" --rows 6000 --seed 7 --shape elastic --start 2026-03-01T00:00:00Z --out "$tmp/logs-azure.auditlogs-gen.ndjson"
gen=$tmp/logs-azure.auditlogs-gen.ndjson
# A few hand-written shapes after the generated ones: a field first seen late, nulls, dotted keys.
cat "$SRC"/rules/elastic/samples/*.ndjson >>"$gen"
printf '%s\n' '{"@timestamp":"2026-03-01T10:00:00Z","late_field":"2026-01-01","event":{"outcome":null}}' \
  '{"@timestamp":"2026-03-01T10:00:01Z","late_field":"text now","azure.auditlogs.operation_name":"Invite external user","event.outcome":"success"}' \
  '{"no_time":1,"event":{"category":"iam"}}' >>"$gen"
# Documents are judged on a projection of the fields the query reads (core/json_encode.hpp): the
# same fields spelled every way (nested, dotted keys, both, arrays of objects, a key under the
# field), values the projection keeps beside others it drops, and a shape seen only here.
printf '%s\n' '{"@timestamp":"2026-03-01T10:00:02Z","azure":{"auditlogs.operation_name":"Invite external user","auditlogs":{"identity":"dot@x"}},"event":[{"outcome":"Success","code":1},{"action":"x"}]}' \
  '{"@timestamp":"2026-03-01T10:00:03Z","azure.auditlogs":{"operation_name":["Add user","Invite external user"],"identity":"dot@x"},"event.outcome":["x","success"],"big":18446744073709551615,"flag":true}' \
  '{"@timestamp":"2026-03-01T10:00:04Z","azure.auditlogs.operation_name.keyword":"Invite external user","event":{"outcome":"success"},"azure.auditlogs.identity":"dot@x"}' \
  '{"@timestamp":"2026-03-01T10:00:05Z","azure":{"auditlogs":{"identity":"dot@x"}},"azure.auditlogs.operation_name":"Delete user","flag":false}' \
  '{"@timestamp":"2026-03-01T10:00:06Z","azure":{"auditlogs":{"operation_name":"Delete user","identity":"dot@x"}},"big":1.5,"flag":true}' >>"$gen"

compared=0 applied=0 prefiltered=0
same() {  # label, jq filter, command...: the filter's output with and without --no-pushdown
  local label=$1 filter=$2
  shift 2
  local with without a b
  with=$("$@" 2>"$tmp/err1") || fail "$label: $(cat "$tmp/err1")"
  without=$("$@" --no-pushdown 2>"$tmp/err2") || fail "$label (--no-pushdown): $(cat "$tmp/err2")"
  local skipped=0
  grep -q 'skipped unparsed' "$tmp/err1" && skipped=1
  if ((skipped)); then
    prefiltered=$((prefiltered + 1))
    # documents skipped unparsed add no dynamic field: the list read filtered is a subset
    if jq -e 'has("dynamic_fields")' <<<"$with" >/dev/null 2>&1; then
      jq -e -n --argjson a "$(jq -c '.dynamic_fields' <<<"$with")" --argjson b "$(jq -c '.dynamic_fields' <<<"$without")" \
        '($a - $b) == []' >/dev/null || fail "$label: a dynamic field only when read filtered"
      with=$(jq -c '.dynamic_fields = null' <<<"$with")
      without=$(jq -c '.dynamic_fields = null' <<<"$without")
    fi
  fi
  a=$(jq -c "$filter" <<<"$with") || fail "$label: not JSON: ${with:0:200}"
  b=$(jq -c "$filter" <<<"$without") || fail "$label (--no-pushdown): not JSON: ${without:0:200}"
  [[ -n $a && $a != null ]] || fail "$label: nothing to compare"
  [[ "$a" == "$b" ]] || fail "$label: differs when read filtered: $(diff <(echo "$a") <(echo "$b") | head -5 | cut -c1-300)"
  # what goes to stderr (notes, the dynamic-fields note, warnings) is the same too; with documents
  # skipped unparsed, their note is added and the notes about documents' fields and timestamps
  # may name less
  if ((skipped)); then
    grep -v 'skipped unparsed' "$tmp/err1" | grep -v -e 'without a readable' -e "get Elasticsearch's dynamic mapping" >"$tmp/err1b" || true
    grep -v -e 'without a readable' -e "get Elasticsearch's dynamic mapping" "$tmp/err2" >"$tmp/err2b" || true
    diff "$tmp/err1b" "$tmp/err2b" >/dev/null || fail "$label: stderr differs: $(diff "$tmp/err1b" "$tmp/err2b" | head -5)"
  else
    diff "$tmp/err1" "$tmp/err2" >/dev/null || fail "$label: stderr differs: $(diff "$tmp/err1" "$tmp/err2" | head -5)"
  fi
  compared=$((compared + 1))
}

kueries=(
  'azure.auditlogs.operation_name:"Invite external user" and event.outcome:(Success or success)'
  'event.outcome:success and not azure.auditlogs.operation_name:"Add user"'
  'azure.auditlogs.operation_name:Delete* or event.action:"Update user"'
  '@timestamp >= "2026-03-01T01:00:00Z" and @timestamp < "2026-03-01T02:00:00Z"'
  'not azure.auditlogs.identity:*'
  'late_field:*'
  'azure.auditlogs.properties.target_resources.*.display_name:guest'
  'Invite'
)
for q in "${kueries[@]}"; do
  same "kuery $q" '[.rows, .provenance, .counts, .notes, .dynamic_fields, .errors]' \
    "$RULELAB" query --dialect kuery "$q" --data "$gen" --format json
done
for f in "$SRC"/tests/data/samples/elastic-azure-auditlogs/*.log; do
  same "kuery over $(basename "$f")" '[.rows, .provenance, .counts, .notes, .dynamic_fields]' \
    "$RULELAB" query --dialect kuery "${kueries[0]}" --data logs-azure.auditlogs-x="$f" --format json
done

eqls=(
  'any where azure.auditlogs.operation_name == "Invite external user" and event.outcome : "success"'
  'iam where event.outcome : "failure"'
  'sequence by azure.auditlogs.identity with maxspan=1h [any where azure.auditlogs.operation_name == "Add user"] [any where azure.auditlogs.operation_name == "Delete user"]'
  'sequence by azure.auditlogs.identity [any where event.action == "Add user"] [any where event.action == "Update user"] until [any where event.action == "Delete user"]'
  'sample by azure.auditlogs.identity [any where event.action == "Add user"] [any where event.action == "Delete user"]'
  'any where late_field : "text*"'
)
for q in "${eqls[@]}"; do
  same "eql $q" '.' "$RULELAB" query --dialect eql "$q" --data "$gen" --format json --size 100000
done
# Sequences and samples keep projections and read whole again the documents a result shows
# (EventStore::hydrate): from a gzip file (one more pass), from a plain file with CRLF line ends
# and a byte-order mark (each document read alone at its offset), from a JSON array (read whole),
# in each output format.
gzip -c "$gen" >"$tmp/gen.ndjson.gz"
{ printf '\xEF\xBB\xBF'; sed 's/$/\r/' "$gen"; } >"$tmp/gen-crlf.ndjson"
{ echo '['; sed '$!s/$/,/' "$gen"; echo ']'; } >"$tmp/gen-array.json"
for q in "${eqls[@]:2:3}"; do
  for f in "$tmp/gen.ndjson.gz" "$tmp/gen-crlf.ndjson" "$tmp/gen-array.json"; do
    same "eql over $(basename "$f"): $q" '.' "$RULELAB" query --dialect eql "$q" --data logs-x="$f" --format json --size 100000
  done
  for fmt in table ndjson; do
    a=$("$RULELAB" query --dialect eql "$q" --data "$gen" --format $fmt --size 100000 2>"$tmp/err1") || fail "$q ($fmt)"
    b=$("$RULELAB" query --dialect eql "$q" --data "$gen" --format $fmt --size 100000 --no-pushdown 2>"$tmp/err2") || fail "$q ($fmt, --no-pushdown)"
    [[ -n $a && "$a" == "$b" ]] || fail "eql $fmt output differs when read lean: $q"
    compared=$((compared + 1))
  done
done
for f in "$SRC"/tests/data/eql/data/*.ndjson; do
  same "eql over $(basename "$f")" '.' "$RULELAB" query --dialect eql 'process where process.name : "cmd.exe"' --data "$f" --format json --size 1000
done

# Rules: a kuery rule whose query is read-filtered (every field mapped statically), run at a time
# whose window holds part of the data, and the shipped EQL rules over their samples.
rule=$tmp/invite.toml
# (Each index is judged with the run's typing of it: under this data stream's mapping, the fields
# it does not list, event.dataset and event.outcome among them, are typed from the documents, so
# the rule's filter reads only the stream's own field.)
sed -e 's/^data_stream.dataset:azure.auditlogs and .*$/azure.auditlogs.operation_name:"Invite external user"/' \
  -e 's/^from = .*/from = "now-6h"/' -e '/^timestamp_override/d' "$SRC/rules/elastic/entra_id_external_guest_user_invited.toml" >"$rule"
grep -q '^azure.auditlogs.operation_name:"Invite external user"$' "$rule" || fail "rule rewrite"
for now in 2026-03-01T03:00:00Z 2026-03-01T12:00:00Z 2026-03-02T12:00:00Z; do
  same "kuery rule at $now" '[.rows, .provenance, .alerts, .detail.counts // .counts]' \
    "$RULELAB" run "$rule" --data logs-azure.auditlogs-gen="$gen" --now "$now" --format json
done
out=$("$RULELAB" run "$rule" --data logs-azure.auditlogs-gen="$gen" --now 2026-03-01T12:00:00Z --format json 2>/dev/null)
if jq -e '[.. | objects | select(has("filtered")) | .filtered] | add > 0' <<<"$out" >/dev/null; then applied=1; fi
((applied)) || fail "the kuery rule's documents were not filtered while reading: $(jq -c '.read // .reads' <<<"$out")"

# An index named after an integration's data stream is typed by that stream's mapping, where
# event.dataset is a constant_keyword with the stream's value: every document of the index holds
# it, those without the field too (keyword.html, constant_keyword). ECS maps event.dataset as a
# plain keyword, so a filter typed by ECS would drop the documents without the field (and their
# bytes lack the literal): the filter and the literal search step aside, and the answer is the
# run's over every document: 2 of 2, read filtered or not, in kuery and in EQL.
printf '%s\n' '{"@timestamp":"2026-12-01T00:00:00Z","event":{"dataset":"aws.cloudtrail","action":"x"}}' \
  '{"@timestamp":"2026-12-01T00:00:01Z","event":{"action":"y"}}' >"$tmp/ds.ndjson"
for flag in "" --no-pushdown; do
  n=$("$RULELAB" query --dialect kuery 'event.dataset:aws.cloudtrail' --data logs-aws.cloudtrail-default="$tmp/ds.ndjson" --format json \
    --now 2026-12-02T00:00:00Z $flag 2>/dev/null | jq '.counts.matched')
  [[ $n == 2 ]] || fail "kuery on a data stream's constant_keyword ${flag:-read filtered}: $n of 2"
  n=$("$RULELAB" query --dialect eql 'any where event.dataset == "aws.cloudtrail"' --data logs-aws.cloudtrail-default="$tmp/ds.ndjson" \
    --now 2026-12-02T00:00:00Z $flag 2>/dev/null | grep -c '^logs-aws.cloudtrail-default ')
  [[ $n == 2 ]] || fail "EQL on a data stream's constant_keyword ${flag:-read filtered}: $n of 2"
done
# A constant_keyword with no mapped value (data_stream.dataset) takes the first value indexed: the
# events without the field hold it too, also those of a shape seen before (the filter cannot judge
# them without the data: it steps aside).
printf '%s\n' '{"@timestamp":"2026-12-01T00:00:00Z","event":{"category":"process"},"data_stream":{"dataset":"endpoint.events.process"},"a":1}' \
  '{"@timestamp":"2026-12-01T00:00:01Z","event":{"category":"process"},"b":1}' \
  '{"@timestamp":"2026-12-01T00:00:02Z","event":{"category":"process"},"b":2}' >"$tmp/ds2.ndjson"
for flag in "" --no-pushdown; do
  n=$("$RULELAB" query --dialect eql 'any where data_stream.dataset == "endpoint.events.process"' \
    --data logs-endpoint.events.process-default="$tmp/ds2.ndjson" --now 2026-12-02T00:00:00Z $flag 2>/dev/null | grep -c '^logs-endpoint')
  [[ $n == 3 ]] || fail "EQL on a constant_keyword without a mapped value ${flag:-read filtered}: $n of 3"
  n=$("$RULELAB" query --dialect kuery 'data_stream.dataset:endpoint.events.process' --data logs-endpoint.events.process-default="$tmp/ds2.ndjson" \
    --format json --now 2026-12-02T00:00:00Z $flag 2>/dev/null | jq '.counts.matched')
  [[ $n == 3 ]] || fail "kuery on a constant_keyword without a mapped value ${flag:-read filtered}: $n of 3"
done
# A sequence rule (the mshta test rule's settings, the sequence query above): lean reading in the
# rule runner, with a window that cuts sequences and one that holds them all.
seqrule=$tmp/seq.toml
awk -v q="${eqls[2]}" '
  /^query = / { print "query = \"\"\"" q "\"\"\""; skip = 1; next }
  skip && /^'"'''"'/ { skip = 0; next }
  skip { next }
  /^from = / { print "from = \"now-6h\""; next }
  /^index = / { print "index = [\"logs-*\"]"; next }
  { print }' "$SRC/tests/data/eql/rules/network_connection_via_mshta.toml" >"$seqrule"
grep -q 'sequence by azure' "$seqrule" || fail "sequence rule rewrite"
for now in 2026-03-01T03:00:00Z 2026-03-02T12:00:00Z; do
  same "eql sequence rule at $now" '[.rows, .provenance, .alerts, .notes]' \
    "$RULELAB" run "$seqrule" --data logs-azure.auditlogs-gen="$gen" --now "$now" --format json
done
# simulate runs the rule every 5 minutes over 6 hours: each run shows its own sequences whole,
# as from the JSON-array copy (read whole: simulate has no --no-pushdown).
sim() {  # data file: each run's counts and its alerts' events (key, time, whole source)
  "$RULELAB" simulate "$seqrule" --data logs-azure.auditlogs-gen="$1" --from 2026-03-01T06:00:00Z --to 2026-03-01T12:00:00Z --format json |
    jq -c '[.runs[] | [.now, .alert, .rows, .events_in_window, .duplicate_alerts, [.alerts[] | [.key, [.events[] | [.time, .source]]]]]]'
}
a=$(sim "$gen") && b=$(sim "$tmp/gen-array.json") || fail "simulate of the sequence rule"
[[ $(jq '[.[][5][]] | length' <<<"$a") -gt 0 ]] || fail "simulate of the sequence rule raised no alert to compare"
[[ "$a" == "$b" ]] || fail "simulate of the sequence rule differs when read lean"
compared=$((compared + 1))
for t in "$SRC"/tests/data/eql/rules/*.toml; do
  data=${t%.toml}
  for d in "$SRC"/tests/data/eql/rules/*.ndjson; do
    same "eql rule $(basename "$t") over $(basename "$d")" '[.rows, .provenance, .alerts, .notes]' \
      "$RULELAB" run "$t" --data logs-endpoint.events.process-x="$d" --now 2024-05-01T10:05:00Z --format json
  done
done
((prefiltered > 0)) || fail "no comparison skipped documents unparsed"
# The note names the count and the literals: 6,000 generated documents, of which those holding
# "Invite external user" and Success/success are parsed (an index name of no data stream: its
# fields are typed by ECS and the integrations' field lists).
note=$("$RULELAB" query --dialect kuery "${kueries[0]}" --data gen="$gen" 2>&1 >/dev/null)
grep -q 'document(s) skipped unparsed: they cannot hold "Invite external user" and ("Success" or "success")' <<<"$note" ||
  fail "the prefilter note: $note"
echo "elastic read filter: $compared comparisons ($prefiltered with documents skipped unparsed), same answers"
