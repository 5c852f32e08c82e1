#!/usr/bin/env bash
# Filter pushdown (rulelab run): dropping rows while reading by the query's leading `where` must
# give exactly the rows and alerts of reading every row of the window (--no-pushdown).
set -euo pipefail
: "${RULELAB:?}" "${RULELAB_GEN:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
S=$SRC/rules/sentinel

# 30,000 generated events about one every 2 s (about 17 hours), plus a second file for the same table.
"$RULELAB_GEN" --rows 20000 --seed 7 --step 2s --start 2026-03-01T00:00:00Z --out "$tmp/a.ndjson"
"$RULELAB_GEN" --rows 10000 --seed 8 --step 3s --start 2026-03-01T06:00:00Z --out "$tmp/b.ndjson"
compared=0
for v in v1.1.0 issue-proposed-fix upstream-fix; do
  rule=$S/AccountCreatedandDeletedinShortTimeframe.$v.yaml
  for now in 2026-03-01T03:00:00Z 2026-03-01T11:30:00Z 2026-03-01T16:00:00Z 2026-03-02T10:00:00Z; do
    args=("$rule" --data AuditLogs="$tmp/a.ndjson" --data AuditLogs="$tmp/b.ndjson" --now "$now" --format json --provenance)
    with=$("$RULELAB" run "${args[@]}" 2>/dev/null)
    without=$("$RULELAB" run "${args[@]}" --no-pushdown 2>/dev/null)
    [[ "$(jq -c "[.rows, .provenance, .alerts]" <<<"$with")" == "$(jq -c "[.rows, .provenance, .alerts]" <<<"$without")" ]] ||
      fail "$(basename "$rule") at $now: results differ with pushdown"
    [[ $(jq '[.read[].pushdown] | all' <<<"$with") == true ]] || fail "no pushdown: $(jq -c .read <<<"$with")"
    [[ $(jq '[.read[].pushdown] | any' <<<"$without") == false ]] || fail "--no-pushdown pushed down"
    # every record is accounted for: rows + filtered + rejected = records
    jq -e '.read | all(.rows + .filtered + .rejected == .records)' <<<"$with" >/dev/null || fail "counts: $(jq -c .read <<<"$with")"
    # the pushed filter keeps fewer rows than the window alone
    r1=$(jq '[.read[].rows] | add' <<<"$with")
    r2=$(jq '[.read[].rows] | add' <<<"$without")
    ((r1 <= r2)) || fail "pushdown kept more rows ($r1) than the window ($r2)"
    compared=$((compared + 1))
  done
done
((compared == 12)) || fail "compared $compared runs"
# Some runs have result rows, or the comparison would prove little.
n=$("$RULELAB" run "$S/AccountCreatedandDeletedinShortTimeframe.v1.1.0.yaml" --data AuditLogs="$tmp/a.ndjson" --data AuditLogs="$tmp/b.ndjson" --now 2026-03-01T11:30:00Z --format json | jq '.rows | length')
((n > 0)) || fail "no result rows at 11:30"

# Records whose bytes cannot hold what the pushed filters compare are skipped unparsed
# (core/raw_prefilter.hpp). An attacker's record is no less an event when its JSON spells
# OperationName with escapes (RFC 8259: any character may be written \uXXXX) or in other case
# (=~ ignores case, Kusto's string operators page): the rule must still alert on it, exactly as
# when every line is read. A create and a delete of one account, spelled so, 10 minutes apart.
add=$(grep -m1 '"OperationName":"Add user"' "$tmp/a.ndjson" | jq -c '.TimeGenerated = "2026-03-01T10:00:00Z" | .TargetResources[0].userPrincipalName = "shaped.account@contoso.com"')
del=$(grep -m1 '"OperationName":"Delete user"' "$tmp/a.ndjson" | jq -c '.TimeGenerated = "2026-03-01T10:10:00Z" | .TargetResources[0].userPrincipalName = "shaped.account@contoso.com"')
cp "$tmp/a.ndjson" "$tmp/e.ndjson"
sed 's/"OperationName":"Add user"/"OperationName":"ADD \\u0055ser"/' <<<"$add" >>"$tmp/e.ndjson"
sed 's/"OperationName":"Delete user"/"OperationName":"\\u0044elete\\u0020user"/' <<<"$del" >>"$tmp/e.ndjson"
grep -q 'ADD \\u0055ser' "$tmp/e.ndjson" && grep -q '\\u0044elete\\u0020user' "$tmp/e.ndjson" || fail "shaped records not written"
args=("$S/AccountCreatedandDeletedinShortTimeframe.v1.1.0.yaml" --data AuditLogs="$tmp/e.ndjson" --now 2026-03-01T10:30:00Z --format json)
with=$("$RULELAB" run "${args[@]}" 2>"$tmp/err")
without=$("$RULELAB" run "${args[@]}" --no-pushdown 2>/dev/null)
[[ "$(jq -c "[.rows, .alerts]" <<<"$with")" == "$(jq -c "[.rows, .alerts]" <<<"$without")" ]] || fail "shaped records: results differ with the prefilter"
[[ $(jq '[.rows[] | select(.TargetUserPrincipalName == "shaped.account@contoso.com")] | length' <<<"$with") == 1 ]] ||
  fail "the shaped create and delete raised no row"
grep -q 'record(s) skipped unparsed: their TimeGenerated is outside 2026-02-28T10:30:00Z .. 2026-03-01T10:30:00Z or they cannot hold (~"delete user" or ~"add user")' "$tmp/err" ||
  fail "prefilter note: $(cat "$tmp/err")"
skipped=$(jq '.read[0].records - .read[0].rows - .read[0].rejected' <<<"$with")
((skipped > 10000)) || fail "the prefilter skipped too little ($skipped)"

# The window is also judged from the bytes (a TimeGenerated written once, as such, with a plain
# date outside it); a record whose real TimeGenerated the bytes cannot tell is read. The reader
# keeps the last of duplicate keys, so a create whose first TimeGenerated is a month old and whose
# second one is in the window is in the window, and so is a delete whose second key is spelled
# with an escape (RFC 8259: "Time\u0047enerated" is the key TimeGenerated). Both must raise the row.
add2=$(jq -c '.TimeGenerated = "2026-02-01T10:00:00Z" | .TargetResources[0].userPrincipalName = "late.key@contoso.com"' <<<"$add" |
  sed 's/}$/,"TimeGenerated":"2026-03-01T10:00:00Z"}/')
del2=$(jq -c '.TimeGenerated = "2026-02-01T10:10:00Z" | .TargetResources[0].userPrincipalName = "late.key@contoso.com"' <<<"$del" |
  sed 's/}$/,"Time\\u0047enerated":"2026-03-01T10:10:00Z"}/')
cp "$tmp/a.ndjson" "$tmp/w.ndjson"
printf '%s\n%s\n' "$add2" "$del2" >>"$tmp/w.ndjson"
grep -q 'Time\\u0047enerated' "$tmp/w.ndjson" || fail "escaped key not written"
args=("$S/AccountCreatedandDeletedinShortTimeframe.v1.1.0.yaml" --data AuditLogs="$tmp/w.ndjson" --now 2026-03-01T10:30:00Z --format json)
with=$("$RULELAB" run "${args[@]}" 2>"$tmp/err")
without=$("$RULELAB" run "${args[@]}" --no-pushdown 2>/dev/null)
[[ "$(jq -c "[.rows, .alerts]" <<<"$with")" == "$(jq -c "[.rows, .alerts]" <<<"$without")" ]] || fail "duplicate TimeGenerated keys: results differ"
[[ $(jq '[.rows[] | select(.TargetUserPrincipalName == "late.key@contoso.com")] | length' <<<"$with") == 1 ]] ||
  fail "the create and delete with a late TimeGenerated raised no row"
grep -q 'their TimeGenerated is outside' "$tmp/err" || fail "window note: $(cat "$tmp/err")"
# simulate reads once for all its runs, skipping the same way over the span's windows: its run at
# 10:30 gives the row count and alerts of that single run read whole
sim=$("$RULELAB" simulate "$S/AccountCreatedandDeletedinShortTimeframe.v1.1.0.yaml" --data AuditLogs="$tmp/w.ndjson" \
  --from 2026-03-01T09:30:00Z --to 2026-03-01T10:30:00Z --format json 2>/dev/null)
[[ "$(jq -c '.runs[] | select(.now == "2026-03-01T10:30:00Z") | [.rows, .alerts]' <<<"$sim")" == "$(jq -c "[(.rows | length), .alerts]" <<<"$without")" ]] ||
  fail "simulate's run at 10:30 differs from the run read whole"

# Queries that read columns they do not name read every column (and push nothing down):
# distinct * compares whole rows, getschema lists every column, pack_all() packs them all.
printf '%s\n' '{"TimeGenerated":"2026-01-01T00:00:00Z","Category":"A","Id":"x1"}' \
  '{"TimeGenerated":"2026-01-01T00:00:00Z","Category":"B","Id":"x2"}' >"$tmp/d.ndjson"
q() { "$RULELAB" query --dialect kusto "$1" --data AuditLogs="$tmp/d.ndjson" --format json | jq -c '.rows[0] | to_entries[0].value'; }
[[ $(q 'AuditLogs | distinct * | count') == 2 ]] || fail "distinct * read too few columns"
[[ $(q 'AuditLogs | getschema | count') == 32 ]] || fail "getschema saw too few columns"
[[ $(q 'AuditLogs | extend p = pack_all() | summarize dcount(tostring(p))') == 2 ]] || fail "pack_all read too few columns"
[[ $(q 'AuditLogs | where Category != "" and tostring(pack_all()) has "x1" | count') == 1 ]] || fail "pack_all in a pushed filter"
[[ $(q 'AuditLogs | summarize arg_max(TimeGenerated, *) by Category | count') == 2 ]] || fail "arg_max(*)"

# Streaming: summarize reads its input batch by batch from the files (never all rows in memory).
# Its counts must be those of the files themselves (counted here with jq), across two files and a
# bad line, which is reported and counted as rejected.
cp "$tmp/b.ndjson" "$tmp/c.ndjson"
echo '{"TimeGenerated": "2026-03-01T09:00:00Z", "OperationName": ' >>"$tmp/c.ndjson"
expected=$(cat "$tmp/a.ndjson" "$tmp/b.ndjson" | jq -r 'select(.OperationName | test("user"; "i")) | .OperationName' | sort | uniq -c |
  awk '{ n = $1; $1 = ""; sub(/^ /, ""); print $0 "=" n }' | sort)
sq='AuditLogs | extend Op = OperationName | where Op has "user" | summarize N = count() by Op'
for flag in "" --no-pushdown; do
  j=$("$RULELAB" query --dialect kusto "$sq" --data AuditLogs="$tmp/a.ndjson" --data AuditLogs="$tmp/c.ndjson" --format json $flag 2>"$tmp/err")
  got=$(jq -r '.rows[] | "\(.Op)=\(.N)"' <<<"$j" | sort)
  [[ "$got" == "$expected" ]] || fail "summarize ${flag:-streamed}: got $got, expected $expected"
  grep -q "c.ndjson:10001: record skipped" "$tmp/err" || fail "bad line not reported ${flag:-streamed}: $(cat "$tmp/err")"
done
# Streaming into a join: the right side is read from the files batch by batch, through mv-apply,
# and only its rows whose key some left row has are kept (inner and leftouter join: right rows
# without a left partner give nothing). The join's rows must be those of the right side filtered
# by the left keys (each left key is unique here, so each right row pairs once).
upns=$(jq -r 'select(.OperationName == "Add user") | .TargetResources[] | select(.type == "User") | .userPrincipalName' "$tmp/a.ndjson" | sort -u | sed -n '1,3p')
lit=$(printf '"%s", ' $upns)
lit=${lit%, }
[[ $(wc -w <<<"$upns") == 3 ]] || fail "not three accounts added in a.ndjson"
side='AuditLogs | where OperationName =~ "Add user" | mv-apply T = TargetResources on (where T.type == "User" | extend Upn = tostring(T.userPrincipalName)) | project-rename Added = TimeGenerated'
for kind in inner leftouter; do
  for flag in "" --no-pushdown; do
    j=$("$RULELAB" query --dialect kusto "datatable (Upn: string) [$lit] | join kind=$kind ($side) on Upn | project Upn, Added, Id | order by Added asc, Id asc" \
      --data AuditLogs="$tmp/a.ndjson" --format json $flag 2>/dev/null)
    f=$("$RULELAB" query --dialect kusto "$side | where Upn in ($lit) | project Upn, Added, Id | order by Added asc, Id asc" \
      --data AuditLogs="$tmp/a.ndjson" --format json $flag 2>/dev/null)
    n=$(jq '.rows | length' <<<"$j")
    ((n >= 3)) || fail "join $kind ${flag:-streamed}: only $n rows"
    [[ "$(jq -c .rows <<<"$j")" == "$(jq -c .rows <<<"$f")" ]] || fail "join $kind ${flag:-streamed}: rows differ from the filter"
  done
done
echo "pushdown: $compared runs identical with and without"
