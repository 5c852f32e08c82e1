#!/usr/bin/env bash
# ASIM parsers loaded unchanged from their Azure-Sentinel YAML (--parsers) and watchlists
# (--watchlist), through query, run, simulate, diff, explain and test (issue 16). Data:
# rules/sentinel/asim (parsers, sample export and rules from Azure-Sentinel; see its README).
# Docs followed: Microsoft Learn "Use ASIM parsers" (built-in `_Im_X` and workspace `imX` names,
# filtering parameters by name), "Manage ASIM parsers" (ASimDisabledParsers: CallerContext,
# SourceSpecificParser), "Build queries with watchlists" (SearchKey), Kusto union (isfuzzy=true).
set -euo pipefail
: "${RULELAB:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
A=$SRC/rules/sentinel/asim
csv="$A/samples/Microsoft_Azure Firewall_Dns_IngestedLogs.csv"
ws=(--parsers "$A/Parsers" --schema "$A/schemas")

# The built-in unifying name _Im_Dns runs imDns.yaml: vimDnsAZFW normalizes the 50 rows of the sample
# (ResponseCode NOERROR 42, SERVFAIL 4, REFUSED 1, and 3 unanswered requests whose ResponseCode 0
# the parser names NA).
j=$("$RULELAB" query --dialect kusto '_Im_Dns | summarize n=count() by DnsResponseCodeName | order by DnsResponseCodeName asc' \
  "${ws[@]}" --data AZFWDnsQuery="$csv" --format json 2>"$tmp/err") || fail "query _Im_Dns: $(cat "$tmp/err")"
[[ $(jq -c '[.rows[] | [.DnsResponseCodeName, .n]]' <<<"$j") == '[["NA",3],["NOERROR",42],["REFUSED",1],["SERVFAIL",4]]' ]] ||
  fail "_Im_Dns counts: $j"
# No ASimDisabledParsers watchlist: read as empty, said in a note; the source parsers no YAML gives
# are left out of the union (isfuzzy=true), each named in a warning.
grep -q "^note: .*imDns.yaml:.*_GetWatchlist('ASimDisabledParsers'): no --watchlist ASimDisabledParsers" "$tmp/err" ||
  fail "watchlist note: $(cat "$tmp/err")"
grep -q "^warning: .*imDns.yaml:52:5: union isfuzzy=true: 15 legs are left out, calling functions that do not exist here (source parsers no --parsers YAML gives?): vimDnsAzureFirewall, vimDnsCiscoUmbrella, .*, vimDnsInfobloxBloxOne$" "$tmp/err" ||
  fail "isfuzzy warning: $(cat "$tmp/err")"
[[ $(grep -c '^warning:' "$tmp/err") == 1 ]] || fail "one warning for the legs left out: $(cat "$tmp/err")"
grep -q "^note: ASIM parsers: 3 loaded from" "$tmp/err" || fail "parsers note: $(cat "$tmp/err")"

# Parameters by name, with the other parameters at their defaults; the workspace name imDns and
# the built-in name _Im_Dns are the same parser; the source parser answers to both its names.
for q in "_Im_Dns(responsecodename='SERVFAIL') | count" "imDns(responsecodename='SERVFAIL') | count" \
         "_Im_Dns(srcipaddr='192.168.7.136', responsecodename='SERVFAIL') | count"; do
  n=$("$RULELAB" query --dialect kusto "$q" "${ws[@]}" --data AZFWDnsQuery="$csv" --format json 2>/dev/null | jq '.rows[0].Count')
  want=4; [[ $q == *192.168.7.136* ]] && want=1
  [[ $n == "$want" ]] || fail "$q: $n, expected $want"
done
n=$("$RULELAB" query --dialect kusto "vimDnsAZFW | count" "${ws[@]}" --data AZFWDnsQuery="$csv" --format json 2>/dev/null | jq '.rows[0].Count')
[[ $n == 50 ]] || fail "vimDnsAZFW: $n"
n=$("$RULELAB" query --dialect kusto "_Im_Dns_AZFW(eventtype='Query', disabled=true) | count" "${ws[@]}" --data AZFWDnsQuery="$csv" --format json 2>/dev/null | jq '.rows[0].Count')
[[ $n == 0 ]] || fail "_Im_Dns_AZFW(disabled=true): $n"
# A parameter the parser does not have is an error positioned in the query.
if "$RULELAB" query --dialect kusto "_Im_Dns(domain='x') | count" "${ws[@]}" --data AZFWDnsQuery="$csv" >"$tmp/out" 2>"$tmp/err"; then
  fail "unknown parameter accepted"
fi
grep -q "no parameter named 'domain'" "$tmp/err" || fail "unknown parameter: $(cat "$tmp/err")"
# The standard columns the parser reads (_ItemId, _SubscriptionId, ...) that the export lacks are
# added empty, with a note.
"$RULELAB" query --dialect kusto "_Im_Dns | take 1" "${ws[@]}" --data AZFWDnsQuery="$csv" >/dev/null 2>"$tmp/err"
grep -q "note: .*AZFWDnsQuery lacks the standard column.*_ItemId.*read as empty" "$tmp/err" || fail "standard columns note: $(cat "$tmp/err")"

# A rule run unchanged: the Parsers folder next to the rule is found without --parsers.
j=$("$RULELAB" run "$A/imDNS_Miners.yaml" --schema "$A/schemas" --data AZFWDnsQuery="$A/samples/azfw-dns-miner-tor.ndjson" \
  --now 2025-11-22T00:00:00Z --format json 2>/dev/null)
[[ $(jq '.rows|length' <<<"$j") == 1 && $(jq -r '.rows[0].DnsQuery' <<<"$j") == pool.minexmr.com. && $(jq '.alert' <<<"$j") == true ]] ||
  fail "run with the default Parsers folder: $j"
jq -e '.notes[] | select(test("the Parsers folder next to the rule"))' <<<"$j" >/dev/null || fail "default parsers note: $j"

# Watchlists: _GetWatchlist columns, SearchKey the first column or the one named.
printf 'UserPrincipalName,Tier\nalex@contoso.com,0\n"smith, j@contoso.com",1\n' >"$tmp/vip.csv"
j=$("$RULELAB" query --dialect kusto "_GetWatchlist('VIP') | project SearchKey, Tier, WatchlistItem, _DTItemId" --watchlist VIP="$tmp/vip.csv" --format json 2>"$tmp/err")
[[ $(jq -c '[.rows[] | [.SearchKey, .Tier, .WatchlistItem.UserPrincipalName]]' <<<"$j") == '[["alex@contoso.com","0","alex@contoso.com"],["smith, j@contoso.com","1","smith, j@contoso.com"]]' ]] ||
  fail "watchlist rows: $j"
[[ $(jq -r '.rows[0]._DTItemId' <<<"$j") =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] || fail "_DTItemId: $j"
grep -q "note: watchlist VIP: SearchKey is its first column, UserPrincipalName" "$tmp/err" || fail "SearchKey note: $(cat "$tmp/err")"
j=$("$RULELAB" query --dialect kusto "_GetWatchlist('VIP') | where SearchKey == '1' | project UserPrincipalName" --watchlist VIP:Tier="$tmp/vip.csv" --format json 2>/dev/null)
[[ $(jq -r '.rows[0].UserPrincipalName' <<<"$j") == "smith, j@contoso.com" ]] || fail "SearchKey Tier: $j"
if "$RULELAB" query --dialect kusto "_GetWatchlist('VIP')" --watchlist VIP:Nope="$tmp/vip.csv" >"$tmp/out" 2>"$tmp/err"; then fail "bad SearchKey accepted"; fi
grep -q "SearchKey column 'Nope' is not in the header (UserPrincipalName, Tier)" "$tmp/err" || fail "bad SearchKey: $(cat "$tmp/err")"
printf 'a,b\n1,2,3\n' >"$tmp/bad.csv"
if "$RULELAB" query --dialect kusto "_GetWatchlist('B')" --watchlist B="$tmp/bad.csv" >"$tmp/out" 2>"$tmp/err"; then fail "ragged CSV accepted"; fi
grep -q "bad.csv:2:1: watchlist CSV: 3 fields where the header has 2" "$tmp/err" || fail "ragged CSV: $(cat "$tmp/err")"

# The ASimDisabledParsers watchlist as Microsoft documents it disables the Azure Firewall parser.
j=$("$RULELAB" run "$A/imDNS_Miners.yaml" "${ws[@]}" --data AZFWDnsQuery="$A/samples/azfw-dns-miner-tor.ndjson" \
  --watchlist "ASimDisabledParsers:CallerContext=$A/samples/ASimDisabledParsers-exclude-azfw.csv" --now 2025-11-22T00:00:00Z --format json 2>/dev/null)
[[ $(jq '.rows|length' <<<"$j") == 0 ]] || fail "disabled parser: $j"

# simulate, diff, explain and test take --parsers / --watchlist too.
j=$("$RULELAB" simulate "$A/imDNS_TorProxies.yaml" "${ws[@]}" --data AZFWDnsQuery="$A/samples/azfw-dns-miner-tor.ndjson" \
  --from 2025-11-21T21:00:00Z --to 2025-11-22T00:00:00Z --format json 2>/dev/null)
[[ $(jq '[.runs[] | select(.alert)] | length' <<<"$j") == 1 ]] || fail "simulate: $j"
j=$("$RULELAB" diff "$A/imDNS_TorProxies.yaml" "$A/imDNS_Miners.yaml" "${ws[@]}" --data AZFWDnsQuery="$A/samples/azfw-dns-miner-tor.ndjson" \
  --now 2025-11-22T00:00:00Z --format json 2>/dev/null)
[[ $(jq '.only_a|length' <<<"$j") == 1 && $(jq '.only_b|length' <<<"$j") == 1 && $(jq '.both|length' <<<"$j") == 0 ]] || fail "diff: $j"
j=$("$RULELAB" explain "$A/imDNS_Miners.yaml" "${ws[@]}" --data AZFWDnsQuery="$A/samples/azfw-dns-miner-tor.ndjson" \
  --now 2025-11-22T00:00:00Z --event 1 --format json 2>/dev/null)
[[ $(jq '.led_to_alert' <<<"$j") == true ]] || fail "explain line 1: $j"
j=$("$RULELAB" explain "$A/imDNS_Miners.yaml" "${ws[@]}" --data AZFWDnsQuery="$A/samples/azfw-dns-miner-tor.ndjson" \
  --now 2025-11-22T00:00:00Z --event 3 --format json 2>/dev/null)
[[ $(jq '.led_to_alert' <<<"$j") == false ]] || fail "explain line 3: $j"
"$RULELAB" test "$A" >"$tmp/out" 2>&1 || fail "rule tests: $(cat "$tmp/out")"

# A rule-test file's date_order: has --date-order's meaning (an export whose dates never tell
# day-first from month-first: 11/04/2025 is 11 April with dmy, 4 November with mdy).
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
  AWSCloudTrail
  | where EventName in~ ("StopLogging", "DeleteTrail")
YAML
printf 'TenantId,"TimeGenerated [UTC]",EventName\nt,"10/04/2025, 10:14:36.000",DescribeTrails\nt,"11/04/2025, 10:14:36.000",StopLogging\n' >"$tmp/AWSCloudTrail.csv"
cat >"$tmp/trail.test.yaml" <<'YAML'
rule: trail.yaml
now: 2025-04-11T12:00:00Z
data: {AWSCloudTrail: AWSCloudTrail.csv}
cases:
  - name: day-first
    date_order: dmy
    expect: {alert: true, rows: 1}
  - name: month-first
    date_order: mdy
    expect: {alert: false, rows: 0}
  - name: not an order
    date_order: ymd
    expect: {alert: false}
YAML
"$RULELAB" test "$tmp/trail.test.yaml" >"$tmp/out" 2>&1 && fail "date_order ymd accepted: $(cat "$tmp/out")"
grep -q "PASS  day-first" "$tmp/out" && grep -q "PASS  month-first" "$tmp/out" && grep -q "date_order must be mdy or dmy, not 'ymd'" "$tmp/out" ||
  fail "date_order: $(cat "$tmp/out")"

# A parser YAML with an error: reported at its line in the YAML file.
mkdir -p "$tmp/p"
cat >"$tmp/p/vimBroken.yaml" <<'YAML'
Parser:
  Title: broken
ParserName: vimBroken
EquivalentBuiltInParser: _Im_Broken
ParserParams:
  - Name: disabled
    Type: bool
    Default: false
ParserQuery: |
  let parser = (disabled:bool=false) {
    AZFWDnsQuery | wher not(disabled)
  };
  parser(disabled=disabled)
YAML
if "$RULELAB" query --dialect kusto "_Im_Broken | count" --parsers "$tmp/p" --schema "$A/schemas" >"$tmp/out" 2>"$tmp/err"; then fail "broken parser ran"; fi
grep -q "vimBroken.yaml:11:20: unknown tabular operator 'wher'" "$tmp/err" || fail "parser error position: $(cat "$tmp/err")"
printf 'ParserName: vimNoType\nParserParams:\n  - Name: x\nParserQuery: |\n  print 1\n' >"$tmp/p/vimNoType.yaml"
"$RULELAB" query --dialect kusto "print 1" --parsers "$tmp/p" >"$tmp/out" 2>"$tmp/err"
grep -q "warning: ASIM parser skipped: .*vimNoType.yaml:3:[0-9]*: a ParserParams entry needs a Name and a Type" "$tmp/err" ||
  fail "skipped parser: $(cat "$tmp/err")"
# explain prints the notes and warnings `run` prints (parsers loaded, watchlist read as empty, legs left out)
(cd "$A" && "$RULELAB" explain imDNS_Miners.yaml --data AZFWDnsQuery=samples/azfw-dns-miner-tor.ndjson --schema schemas \
  --now 2025-11-22T00:00:00Z --event samples/azfw-dns-miner-tor.ndjson:1) >"$tmp/out" 2>"$tmp/err" || fail "explain: $(cat "$tmp/err")"
grep -q "the rule ALERTS" "$tmp/out" || fail "explain verdict: $(cat "$tmp/out")"
grep -q "^note: ASIM parsers: 3 loaded from Parsers" "$tmp/err" || fail "explain: no parsers note: $(cat "$tmp/err")"
grep -q "^note: .*_GetWatchlist('ASimDisabledParsers'): no --watchlist" "$tmp/err" || fail "explain: no watchlist note: $(cat "$tmp/err")"
grep -q "^warning: .*union isfuzzy=true: 15 legs are left out" "$tmp/err" || fail "explain: no union warning: $(cat "$tmp/err")"
echo "asim: ok"
