#!/usr/bin/env bash
# fork and facet return several result tables (fork-operator, facet-operator): `rulelab query`
# prints each after a `== NAME` line, as JSON `tables`, as ndjson rows with `$table`; one table
# prints as before.
set -euo pipefail
: "${RULELAB:?}"
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
echo ok
