#!/usr/bin/env bash
# externaldata (learn.microsoft.com/kusto/query/externaldata-operator): rulelab reads no URLs; a
# local copy is given with --external URL=FILE. format csv maps fields by position; with
# ignoreFirstRecord=true the first record (a header) is skipped.
set -euo pipefail
: "${RULELAB:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
printf 'knownAppClientId,knownAppDisplayName\n00000003-0000-0000-c000-000000000000,Microsoft Graph\n"a,b","Quoted, name"\n' >"$tmp/known.csv"
url='https://example.org/feeds/known.csv?sv=2020&sig=x'
q="externaldata(id:string, name:string)[@\"$url\"] with (format=\"csv\", ignoreFirstRecord=true)"
j=$("$RULELAB" query --dialect kusto "$q" --external "$url=$tmp/known.csv" --format json)
[[ $(jq -c '[.rows[].id]' <<<"$j") == '["00000003-0000-0000-c000-000000000000","a,b"]' ]] || fail "rows: $j"
[[ $(jq -r '.rows[1].name' <<<"$j") == 'Quoted, name' ]] || fail "quoted field"
# without ignoreFirstRecord the header is a row
q2="externaldata(id:string, name:string)[@\"$url\"] with (format=\"csv\") | count"
[[ $("$RULELAB" query --dialect kusto "$q2" --external "$url=$tmp/known.csv" --format json | jq '.rows[0].Count') == 3 ]] || fail "header row"
# no local copy: a positioned error naming the URL and the option, exit 1
if out=$("$RULELAB" query --dialect kusto "$q" 2>&1); then fail "no copy: ran"; fi
grep -q "no local copy of $url" <<<"$out" || fail "no copy: $out"
grep -q -- "--external URL=FILE" <<<"$out" || fail "no copy hint: $out"
# a rule: known applications are excluded by !in (externaldata ...)
cat >"$tmp/rule.kql" <<KQL
AuditLogs
| extend AppId = tostring(TargetResources[0].id)
| where AppId !in ((externaldata(knownAppClientId:string, knownAppDisplayName:string)[@"$url"] with (format="csv", ignoreFirstRecord=true)))
| project AppId
KQL
printf '%s\n' '{"TimeGenerated":"2026-01-01T00:00:00Z","OperationName":"Consent to application","TargetResources":[{"id":"00000003-0000-0000-c000-000000000000"}]}' \
  '{"TimeGenerated":"2026-01-01T00:01:00Z","OperationName":"Consent to application","TargetResources":[{"id":"11111111-2222-3333-4444-555555555555"}]}' >"$tmp/audit.ndjson"
j=$("$RULELAB" run "$tmp/rule.kql" --data AuditLogs="$tmp/audit.ndjson" --external "$url=$tmp/known.csv" --now 2026-01-02T00:00:00Z --format json)
[[ $(jq -c '[.rows[].AppId]' <<<"$j") == '["11111111-2222-3333-4444-555555555555"]' ]] || fail "rule: $j"
echo "externaldata: ok"
