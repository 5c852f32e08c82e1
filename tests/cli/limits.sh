#!/usr/bin/env bash
# Limits and hostile input from the command line: --max-rows and --timeout on each dialect, a
# 100 MB single line, duplicate JSON keys. Each check is on an output or a message, never a time.
set -euo pipefail
: "${RULELAB:?}" "${RULELAB_GEN:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Kusto: a join of 1,000 x 1,000 rows on one key (a million rows) over a budget of 1,000.
printf '{"k":1,"x":%d}\n' $(seq 1 1000) >"$tmp/T.ndjson"
q=$'T\n| join kind=inner (T | project k, y = x) on k\n| count'
if "$RULELAB" query --dialect kusto "$q" --data T="$tmp/T.ndjson" --max-rows 1000 >"$tmp/out" 2>"$tmp/err"; then fail "join within budget?"; fi
grep -q "^query:2:3: join produced more than 1000 rows, the row budget of one operator (--max-rows 1000)" "$tmp/err" || fail "join budget: $(cat "$tmp/err")"
grep -q "^| join kind=inner" "$tmp/err" || fail "source line shown: $(cat "$tmp/err")"
n=$("$RULELAB" query --dialect kusto "$q" --data T="$tmp/T.ndjson" --format json | jq '.rows[0].Count')
[[ $n == 1000000 ]] || fail "the default budget (10 million) runs it: $n"

# The same in a rule file: the position is in the rule file.
cat >"$tmp/rule.kql" <<'KQL'
T
| join kind=inner (T | project k, y = x) on k
| count
KQL
if "$RULELAB" run "$tmp/rule.kql" --data T="$tmp/T.ndjson" --max-rows 1000 >"$tmp/out" 2>"$tmp/err"; then fail "rule join within budget?"; fi
grep -q "rule.kql:2:3: join produced more than 1000 rows" "$tmp/err" || fail "rule position: $(cat "$tmp/err")"

# --timeout: without a budget the join of 1,000 x 1,000 x 1,000 rows (three sides) cannot finish in 1 ms.
q3=$'T | join kind=inner (T | project k, y = x) on k | join kind=inner (T | project k, z = x) on k | count'
if "$RULELAB" query --dialect kusto "$q3" --data T="$tmp/T.ndjson" --max-rows 0 --timeout 0.001 >"$tmp/out" 2>"$tmp/err"; then fail "timeout"; fi
grep -q "query exceeded the time limit of 0.001 s (--timeout)" "$tmp/err" || fail "timeout message: $(cat "$tmp/err")"
# test, diff, simulate and explain take the options too
"$RULELAB" test --help | grep -q -- "--timeout" || fail "test --timeout"
"$RULELAB" simulate --help | grep -q -- "--max-rows" || fail "simulate --max-rows"
"$RULELAB" diff --help | grep -q -- "--timeout" || fail "diff --timeout"
"$RULELAB" explain --help | grep -q -- "--max-rows" || fail "explain --max-rows"

# EQL and Kibana KQL: 200,000 documents cannot be searched in 1 ms; the run says so.
"$RULELAB_GEN" --rows 200000 --seed 3 --shape elastic --out "$tmp/docs.ndjson"
if "$RULELAB" query --dialect eql 'any where true' --data logs="$tmp/docs.ndjson" --timeout 0.001 >"$tmp/out" 2>"$tmp/err"; then fail "eql timeout"; fi
grep -q "query exceeded the time limit of 0.001 s (--timeout)" "$tmp/err" || fail "eql timeout message: $(cat "$tmp/err")"
if "$RULELAB" query --dialect kuery 'event.action:*' --data logs="$tmp/docs.ndjson" --timeout 0.001 >"$tmp/out" 2>"$tmp/err"; then fail "kuery timeout"; fi
grep -q "query exceeded the time limit of 0.001 s (--timeout)" "$tmp/err" || fail "kuery timeout message: $(cat "$tmp/err")"
# with the default limit the same searches run
"$RULELAB" query --dialect eql 'any where true' --data logs="$tmp/docs.ndjson" --format json >/dev/null || fail "eql without timeout"

# A single 100 MB line (made here, not committed): read whole (the line limit is 256 MiB), counted.
{
  echo '{"a":"first"}'
  printf '{"a":"'
  head -c 100000000 /dev/zero | tr '\0' x
  printf '"}\n'
  echo '{"a":"third"}'
} >"$tmp/big.ndjson"
j=$("$RULELAB" ingest "$tmp/big.ndjson" --format json)
[[ $(jq -c '[.records,.rows,.rejected]' <<<"$j") == "[3,3,0]" ]] || fail "100 MB line: $(jq -c '[.records,.rows,.rejected]' <<<"$j")"
n=$("$RULELAB" query --dialect kusto 'T | extend n = strlen(a) | summarize max(n)' --data T="$tmp/big.ndjson" --format csv | tail -1)
[[ $n == 100000000 ]] || fail "100 MB value length: $n"
rm -f "$tmp/big.ndjson"

# Duplicate keys. Log Analytics tables: the last value, with a warning naming the key and line.
printf '{"a":1,"b":"x","a":2}\n{"a":3}\n' >"$tmp/dup.ndjson"
j=$("$RULELAB" ingest "$tmp/dup.ndjson" --format json)
[[ $(jq -c '[.rows,.rejected]' <<<"$j") == "[2,0]" ]] || fail "dup rows: $j"
jq -r '.warnings[]' <<<"$j" | grep -q 'key "a" more than once' || fail "dup warning: $j"
[[ $("$RULELAB" query --dialect kusto 'T | take 1 | project a' --data T="$tmp/dup.ndjson" --format csv | tail -1) == 2 ]] || fail "last value"
# Elastic documents: Elasticsearch rejects the document (strict duplicate detection), so no search sees it.
printf '{"@timestamp":"2026-01-01T00:00:00Z","user":{"name":"a","name":"b"}}\n{"@timestamp":"2026-01-01T00:00:01Z","user":{"name":"a"}}\n' >"$tmp/dupdoc.ndjson"
j=$("$RULELAB" ingest "$tmp/dupdoc.ndjson" --documents --format json)
[[ $(jq -c '[.rows,.rejected]' <<<"$j") == "[1,1]" ]] || fail "dup doc: $j"
[[ $(jq -r '.rejections[0].reason' <<<"$j") == *'duplicate field "name"'* ]] || fail "dup doc reason: $j"
"$RULELAB" query --dialect kuery 'user.name:a' --data logs="$tmp/dupdoc.ndjson" --format json >"$tmp/out" 2>"$tmp/err"
grep -q "could not be read" "$tmp/err" || fail "rejection reported: $(cat "$tmp/err")"

# ES|QL MV_EXPAND past --max-rows: a positioned error, counted before any row is made.
out=$("$RULELAB" query --dialect esql 'ROW a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], b = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] | MV_EXPAND a | MV_EXPAND b | STATS c = COUNT(*)' --max-rows 50 2>&1) && fail "mv_expand past --max-rows: $out"
[[ $out == *'<query>:1:94: MV_EXPAND would make 100 rows, more than 50 (rulelab'"'"'s --max-rows'* ]] || fail "mv_expand error: $out"
[[ $("$RULELAB" query --dialect esql 'ROW a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], b = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] | MV_EXPAND a | MV_EXPAND b | STATS c = COUNT(*)' --max-rows 100 --format csv) == 100 ]] || fail "mv_expand within --max-rows"
# An ES|QL rule run takes --max-rows too.
echo '{"id":"m1","rule_id":"esql-mv","name":"Tags","type":"esql","language":"esql","query":"FROM logs-* | MV_EXPAND tags | STATS c = COUNT(*) BY tags","from":"now-60m","interval":"10m","max_signals":100,"risk_score":21,"severity":"low"}' >"$tmp/mvrule.ndjson"
echo '{"@timestamp":"2026-09-03T14:10:00Z","tags":["a","b","c","d","e","f"]}' >"$tmp/mvdocs.ndjson"
out=$("$RULELAB" run "$tmp/mvrule.ndjson" --data "logs-x-default=$tmp/mvdocs.ndjson" --now 2026-09-03T14:30:00Z --max-rows 5 2>&1) && fail "rule past --max-rows: $out"
[[ $out == *'MV_EXPAND would make 6 rows, more than 5'* ]] || fail "rule mv_expand error: $out"
out=$("$RULELAB" run "$tmp/mvrule.ndjson" --data "logs-x-default=$tmp/mvdocs.ndjson" --now 2026-09-03T14:30:00Z 2>&1)
[[ $out == *'alerts:  6'* ]] || fail "rule within --max-rows: $out"
# The implicit LIMIT 1000 stops the expansion as an explicit one does (Elasticsearch pushes its
# default limit into MV_EXPAND): 40 x 40 values make their first 1,000 rows within --max-rows 1500.
forty=$(seq -s ', ' 1 40)
out=$("$RULELAB" query --dialect esql "ROW a = [$forty], b = [$forty] | MV_EXPAND a | MV_EXPAND b" --max-rows 1500 --format csv 2>&1) || fail "implicit limit: $out"
[[ $(wc -l <<<"$out") == 1000 ]] || fail "implicit limit rows: $(wc -l <<<"$out")"
echo ok
