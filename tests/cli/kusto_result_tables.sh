#!/usr/bin/env bash
# fork and facet return several result tables (fork-operator, facet-operator), and so does a
# batch of tabular expression statements (batches, query-statements: one result per statement,
# in the order of the text, named by a trailing `as`): `rulelab query` prints each after a
# `== NAME` line, as JSON `tables`, as ndjson rows with `$table`; one table prints as before.
# A rule whose query returns several tables is an error in `rulelab run` (Sentinel counts the
# rows of one result against the threshold; scheduled-rules-overview documents no other case).
set -euo pipefail
: "${RULELAB:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
q='datatable(State:string, Injuries:long)["FLORIDA", 3, "FLORIDA", 0, "TEXAS", 1] | fork (where Injuries > 0 | as Hurt) (summarize n = count() by State)'
out=$("$RULELAB" query --dialect kusto "$q" 2>/dev/null)
[[ $(grep -c '^== ' <<<"$out") == 2 ]] || fail "not two named tables: $out"
[[ $(grep '^== ' <<<"$out" | tr '\n' ' ') == '== Hurt == GenericResult ' ]] || fail "table names: $out"
json=$("$RULELAB" query --dialect kusto "$q" --format json 2>/dev/null)
[[ $(jq -c '[.tables[] | {name, n: (.rows | length)}]' <<<"$json") == '[{"name":"Hurt","n":2},{"name":"GenericResult","n":2}]' ]] \
  || fail "json tables: $json"
nd=$("$RULELAB" query --dialect kusto "$q" --format ndjson 2>/dev/null)
[[ $(jq -s -c '[.[]."$table"] | unique' <<<"$nd") == '["GenericResult","Hurt"]' ]] || fail "ndjson: $nd"
one=$("$RULELAB" query --dialect kusto 'print x = 1 | facet by x' --format json 2>/dev/null)
[[ $(jq -c '.rows' <<<"$one") == '[{"x":1,"count_x":1}]' ]] || fail "one table: $one"

# A batch: T1 | take 1; T2 | count -> two tables, in the statements' order.
b='let T1 = datatable(a:long)[1, 2, 3]; let T2 = datatable(b:string)["x", "y"]; T1 | take 1; T2 | count'
json=$("$RULELAB" query --dialect kusto "$b" --format json 2>/dev/null)
[[ $(jq -c '[.tables[] | {name, c: [.columns[].name], rows}]' <<<"$json") == \
   '[{"name":"PrimaryResult","c":["a"],"rows":[{"a":1}]},{"name":"PrimaryResult","c":["Count"],"rows":[{"Count":2}]}]' ]] \
  || fail "batch json: $json"
# The batches page's example: each result named by its `as`.
b2='let S = datatable(State:string)["FLORIDA", "FLORIDA", "GUAM"];
S | where State == "FLORIDA" | count | as ["Count of events in Florida"];
S | where State == "GUAM" | count | as ["Count of events in Guam"]'
out=$("$RULELAB" query --dialect kusto "$b2" 2>/dev/null)
[[ $(grep '^== ' <<<"$out" | tr '\n' '|') == '== Count of events in Florida|== Count of events in Guam|' ]] || fail "as names: $out"

# `rulelab run`: a rule query with two tabular statements is a positioned error (exit 1).
cat >"$tmp/two.yaml" <<'YAML'
id: 0d3f1c9a-6b7e-4c1d-9a55-0000000000b2
name: Test fixture - two result tables
severity: Low
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
query: |
  AuditLogs | take 1;
  AuditLogs | count
kind: Scheduled
YAML
printf '{"TimeGenerated":"2026-09-03T14:10:00Z","OperationName":"Add user"}\n' >"$tmp/AuditLogs.ndjson"
set +e
err=$("$RULELAB" run "$tmp/two.yaml" --data "$tmp/AuditLogs.ndjson" --now 2026-09-03T15:00:00Z 2>&1 >/dev/null)
rc=$?
set -e
[[ $rc == 1 ]] || fail "run exit status $rc: $err"
[[ $err == *"two.yaml:10:3: the query returns 2 result tables (PrimaryResult, PrimaryResult); a rule's query must return one table"* ]] \
  || fail "run error: $err"
echo ok
