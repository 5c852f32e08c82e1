#!/usr/bin/env bash
# The ES|QL API's implicit LIMIT (Elasticsearch's AddImplicitLimit; the ES|QL reference, "LIMIT":
# "queries do not return more than 1,000 rows" without a LIMIT, and esql.query.result_truncation_max_size
# caps a LIMIT at 10,000): 1,000 rows when the query writes no LIMIT, up to 10,000 when it writes
# one anywhere; a FORK branch has its own (AddImplicitForkLimit). Rows are made by MV_EXPAND of
# literal lists (40 x 30 = 1,200; x 10 = 12,000).
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
l40=$(seq -s, 0 39)
l30=$(seq -s, 0 29)
l10=$(seq -s, 0 9)
rows() { "$RULELAB" query --dialect esql "$1" 2>&1 | head -1; }

check "no LIMIT: 1,000 of 1,200" "1000 rows" "$(rows "ROW a = [$l40], b = [$l30] | MV_EXPAND a | MV_EXPAND b")"
check "LIMIT 5000: all 1,200" "1200 rows" "$(rows "ROW a = [$l40], b = [$l30] | MV_EXPAND a | MV_EXPAND b | LIMIT 5000")"
check "a LIMIT before MV_EXPAND counts too" "1200 rows" "$(rows "ROW a = [$l40], b = [$l30] | LIMIT 1 | MV_EXPAND a | MV_EXPAND b")"
check "LIMIT 50000: at most 10,000 of 12,000" "10000 rows" \
  "$(rows "ROW a = [$l40], b = [$l30], c = [$l10] | MV_EXPAND a | MV_EXPAND b | MV_EXPAND c | LIMIT 50000")"
check "FORK: each branch its own" $'1000\t"fork1"\n1200\t"fork2"' \
  "$("$RULELAB" query --dialect esql "ROW a = [$l40], b = [$l30] | MV_EXPAND a | MV_EXPAND b | FORK (WHERE true) (LIMIT 2000) | STATS n = COUNT(*) BY _fork | SORT _fork" 2>&1)"

# A rule run: Kibana's executor (esql.ts) sends `query | limit max_signals + 1` and, while a page
# is full and the alerts are fewer than max_signals, asks again without the documents the page
# returned. An alert's id is the document's _id and _index with the values of the query's
# MV_EXPAND fields when the result keeps them (generate_alert_id.ts, get_mv_expand_usage.ts), else
# the whole row. 500 documents expanded into 1,500 rows:
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq 1 500); do echo "{\"@timestamp\":\"2026-09-03T14:10:00Z\",\"f\":[1,2,3],\"n\":$i}"; done >"$tmp/docs.ndjson"
echo '{"id":"r1","rule_id":"esql-mv","name":"mv","type":"esql","language":"esql","query":"FROM logs-* METADATA _id, _version, _index | MV_EXPAND f | KEEP _id, n, f","from":"now-60m","interval":"10m","max_signals":1000,"risk_score":21,"severity":"low"}' >"$tmp/rule.ndjson"
out=$("$RULELAB" run "$tmp/rule.ndjson" --data "logs-t-default=$tmp/docs.ndjson" --now 2026-09-03T14:30:00Z --format json 2>&1)
# ... f kept: 1,500 ids, of which the first page (1,001 rows) makes 1,000 alerts and is cut there
check "MV_EXPAND values kept: an alert per row, up to max_signals" '"alert_count": 1000' "$(jq -c '{alert_count: (.alerts | length)}' <<<"$out" | sed 's/:/: /')"
check "MV_EXPAND values kept: capped" 'true' "$(jq -r '.capped' <<<"$out")"
# ... f not kept: a document's rows are one id; the first page (1,001 rows, 334 documents) makes
# 334 alerts, so Kibana asks again without those documents (but the last, whose rows may go on)
sed 's/KEEP _id, n, f/KEEP _id, n/' "$tmp/rule.ndjson" >"$tmp/rule2.ndjson"
out=$("$RULELAB" run "$tmp/rule2.ndjson" --data "logs-t-default=$tmp/docs.ndjson" --now 2026-09-03T14:30:00Z --format json 2>&1)
check "MV_EXPAND values dropped: one alert per document, over two requests" '500 2' "$(jq -r '"\(.alerts | length) \(.requests)"' <<<"$out")"
exit $fail
