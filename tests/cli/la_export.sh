#!/usr/bin/env bash
# Log Analytics exports as the portal writes them (issue 16): dates in the exporter's locale,
# TimeGenerated of a table with no schema, columns the schema lacks, warnings reaching run/query,
# schema files with the spellings of the Azure-Sentinel custom tables.
set -euo pipefail
: "${RULELAB:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The query of Azure-Sentinel's Detections/AWSCloudTrail/AWS_ClearStopChangeTrailLogs.yaml (1d period).
cat >"$tmp/trail.yaml" <<'YAML'
id: 9fb57e58-3ed8-4b89-afcf-c8e786508b1c
name: Changes to AWS CloudTrail logs
kind: Scheduled
severity: Low
queryFrequency: 1d
queryPeriod: 1d
triggerOperator: gt
triggerThreshold: 0
query: |
  let EventNameList = dynamic(["UpdateTrail","DeleteTrail","StopLogging","DeleteFlowLogs","DeleteEventBus"]);
  AWSCloudTrail
  | where EventName in~ (EventNameList)
  | summarize StartTimeUtc = min(TimeGenerated), EndTimeUtc = max(TimeGenerated) by EventName, UserIdentityUserName, SourceIpAddress
YAML

# A day-first (en-GB) CSV export: "TimeGenerated [UTC]" header, "dd/MM/yyyy, HH:mm:ss.fff" cells.
# Twelve rows over three weeks; the 13/04 and 25/04 rows prove the column day-first. At now =
# 11 April 12:00 the 1d window holds one row: StopLogging at 11/04/2025, 10:14:36 (11 April).
{
  echo 'TenantId,SourceSystem,"TimeGenerated [UTC]",EventName,UserIdentityUserName,SourceIpAddress'
  for d in 01/04 03/04 05/04 07/04 09/04 11/04 13/04 15/04 17/04 19/04 21/04 25/04; do
    ev=DescribeTrails; [[ $d == 11/04 ]] && ev=StopLogging; [[ $d == 25/04 ]] && ev=DeleteTrail
    echo "t,RestAPI,\"$d/2025, 10:14:36.000\",$ev,admin,198.51.100.7"
  done
} >"$tmp/AWSCloudTrail.csv"
# (the window applies: DeleteTrail on 25/04 is out of it, and the twelve rows hold two listed events)
j=$("$RULELAB" run "$tmp/trail.yaml" --data "$tmp/AWSCloudTrail.csv" --now 2025-04-11T12:00:00Z --format json 2>/dev/null)
[[ $(jq '.rows|length' <<<"$j") == 1 ]] || fail "day-first export: $j"
[[ $(jq -r '.rows[0].EventName' <<<"$j") == StopLogging && $(jq -r '.rows[0].StartTimeUtc' <<<"$j") == 2025-04-11T10:14:36Z ]] || fail "day-first row: $j"
jq -e '.notes[] | select(test("column TimeGenerated: dates read day-first \\(line 8"))' <<<"$j" >/dev/null || fail "day-first note: $j"
# The same export month-first (en-US, 12-hour): 4/11/2025, 10:14:36.000 AM; 4/13 proves the order.
mkdir -p "$tmp/us"
sed -E 's#"([0-9]{2})/([0-9]{2})/2025, 10:14:36.000"#"\2/\1/2025, 10:14:36.000 AM"#' "$tmp/AWSCloudTrail.csv" >"$tmp/us/AWSCloudTrail.csv"
grep -q '"04/11/2025, 10:14:36.000 AM"' "$tmp/us/AWSCloudTrail.csv" || fail "en-US copy"
j=$("$RULELAB" run "$tmp/trail.yaml" --data "$tmp/us/AWSCloudTrail.csv" --now 2025-04-11T12:00:00Z --format json 2>/dev/null)
[[ $(jq '.rows|length' <<<"$j") == 1 && $(jq -r '.rows[0].StartTimeUtc' <<<"$j") == 2025-04-11T10:14:36Z ]] || fail "month-first export: $j"
jq -e '.notes[] | select(test("dates read month-first"))' <<<"$j" >/dev/null || fail "month-first note: $j"

# An export whose dates never tell (every day and month 12 or less): month-first by default, with
# a warning naming the column and the choice, on run's stderr too; --date-order dmy reads 11 April.
head -7 "$tmp/AWSCloudTrail.csv" >"$tmp/amb.csv"
j=$("$RULELAB" run "$tmp/trail.yaml" --data AWSCloudTrail="$tmp/amb.csv" --now 2025-04-11T12:00:00Z --format json 2>/dev/null)
[[ $(jq '.rows|length' <<<"$j") == 0 ]] || fail "ambiguous, month-first: $j"
jq -e '.warnings[] | select(test("column TimeGenerated: no date tells day-first from month-first.*read month-first"))' <<<"$j" >/dev/null ||
  fail "ambiguous warning: $j"
"$RULELAB" run "$tmp/trail.yaml" --data AWSCloudTrail="$tmp/amb.csv" --now 2025-04-11T12:00:00Z >"$tmp/out" 2>"$tmp/err"
grep -q "^warning: .*amb.csv: column TimeGenerated: no date tells" "$tmp/err" || fail "run stderr: $(cat "$tmp/err")"
j=$("$RULELAB" run "$tmp/trail.yaml" --data AWSCloudTrail="$tmp/amb.csv" --now 2025-04-11T12:00:00Z --format json --date-order dmy 2>/dev/null)
[[ $(jq '.rows|length' <<<"$j") == 1 ]] || fail "--date-order dmy: $j"
[[ $(jq '[.warnings[] | select(test("no date tells"))] | length' <<<"$j") == 0 ]] || fail "--date-order leaves no warning: $j"
"$RULELAB" query --dialect kusto 'AWSCloudTrail | where EventName == "StopLogging" | project TimeGenerated' \
  --data AWSCloudTrail="$tmp/amb.csv" --date-order dmy | grep -q 2025-04-11T10:14:36Z || fail "query --date-order"
j=$("$RULELAB" ingest "$tmp/amb.csv" --date-order dmy --format json 2>/dev/null)
[[ $(jq -r '.columns[] | select(.name=="TimeGenerated") | .type' <<<"$j") == datetime ]] || fail "ingest --date-order: $j"
"$RULELAB" simulate "$tmp/trail.yaml" --data AWSCloudTrail="$tmp/amb.csv" --from 2025-04-11T12:00:00Z --to 2025-04-11T12:00:00Z \
  --date-order dmy --format json | jq -e '[.. | objects | select(has("alert")) | .alert] | any' >/dev/null || fail "simulate --date-order"

# A SecurityEvent CSV export carries MG, EventOriginId and TimeCollected, which the documented
# schema lacks: kept (typed by inference) and named in a note; a query reading them works.
cat >"$tmp/SecurityEvent.csv" <<'CSV'
TenantId,SourceSystem,"TimeGenerated [UTC]",Computer,EventID,Activity,MG,EventOriginId,"TimeCollected [UTC]",ManagementGroupName
t,OpsManager,"4/11/2025, 10:14:36.000 AM",DC01.contoso.com,4688,4688 - A new process has been created.,00000000-0000-0000-0000-000000000002,6a2b5bd7-1111-4c45-9a47-0d3d9c2d3c11,"4/11/2025, 10:15:01.123 AM",AOI-t
t,OpsManager,"4/11/2025, 10:20:00.000 AM",DC01.contoso.com,oops,4688 - A new process has been created.,00000000-0000-0000-0000-000000000002,7b2b5bd7-1111-4c45-9a47-0d3d9c2d3c11,"4/11/2025, 10:20:01.000 AM",AOI-t
CSV
"$RULELAB" query --dialect kusto 'SecurityEvent | where isnotempty(MG) | project EventOriginId, TimeCollected, d = TimeCollected - TimeGenerated' \
  --data "$tmp/SecurityEvent.csv" --format json >"$tmp/out" 2>"$tmp/err" || fail "query extra columns: $(cat "$tmp/err")"
[[ $(jq '.rows|length' "$tmp/out") == 2 && $(jq -r '.rows[0].d' "$tmp/out") == 00:00:25.1230000 ]] || fail "extra columns: $(cat "$tmp/out")"
grep -q "^note: .*SecurityEvent.csv: columns the schema of SecurityEvent lacks, kept with types inferred from the data: MG (string), EventOriginId (string), TimeCollected (datetime)" "$tmp/err" ||
  fail "extra columns note: $(cat "$tmp/err")"
# query prints every ingest warning: the EventID that is not an int
grep -q "^warning: .*SecurityEvent.csv: 1 values of column EventID that are not int were set to null (first at line 3: oops)" "$tmp/err" ||
  fail "query ingest warning: $(cat "$tmp/err")"
j=$("$RULELAB" ingest "$tmp/SecurityEvent.csv" --format json 2>/dev/null)
[[ $(jq -r '.notes[0]' <<<"$j") == "columns the schema of SecurityEvent lacks, kept with types inferred from the data: MG (string), EventOriginId (string), TimeCollected (datetime)" ]] ||
  fail "ingest note: $j"

# Schema files with the spellings the Azure-Sentinel KQL validation accepts.
cat >"$tmp/Custom_CL.json" <<'JSON'
{"Name": "Custom_CL", "Properties": [
  {"Name": "TimeGenerated", "Type": "Date/time"}, {"Name": "Port", "Type": "Integer"},
  {"Name": "Bytes", "Type": "bigint"}, {"Name": "Msg", "Type": "string "}, {"Name": "Host", "Type": " string"}]}
JSON
printf '{"TimeGenerated":"2025-04-11T10:00:00Z","Port":"443","Bytes":5000000000,"Msg":"m","Host":"h"}\n' >"$tmp/c.ndjson"
j=$("$RULELAB" ingest "$tmp/c.ndjson" --schema "$tmp/Custom_CL.json" --format json 2>/dev/null)
[[ $(jq -c '[.columns[].type]' <<<"$j") == '["datetime","int","long","string","string"]' && $(jq .rows <<<"$j") == 1 ]] || fail "spellings: $j"
# every file of the Azure-Sentinel custom-table snapshot loads (9 were skipped before)
if [[ -d $SRC/../shared/schemas/sentinel-repo-customtables ]]; then
  "$RULELAB" ingest "$tmp/c.ndjson" --schema "$SRC/../shared/schemas/sentinel-repo-customtables" --table imDns >"$tmp/out" 2>"$tmp/err" || true
  ! grep -q "schema file skipped" "$tmp/err" || fail "custom tables skipped: $(grep skipped "$tmp/err")"
fi
# Exports from locales that write dates with dots (de-DE "11.04.2025 10:14:36") are day-first:
# 11 April, never 4 November.
printf 'TimeGenerated [UTC],OperationName\n"11.04.2025 10:14:36",Add user\n"3.05.2025 11:00:00",Delete user\n' >"$tmp/dots.csv"
out=$("$RULELAB" query --dialect kusto 'T | project t = format_datetime(TimeGenerated, "yyyy-MM-dd HH:mm:ss")' --data T="$tmp/dots.csv" --format json 2>/dev/null)
[[ $(jq -c '[.rows[].t]' <<<"$out") == '["2025-04-11 10:14:36","2025-05-03 11:00:00"]' ]] || fail "dotted dates: $out"
echo ok
