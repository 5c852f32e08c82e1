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

# A rule run: Kibana's executor sends `query | limit size` and pages past duplicate documents up to
# max_signals alerts, so 500 documents expanded into 1,500 rows are 500 alerts (the API's implicit
# 1,000 rows would have left 334)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq 1 500); do echo "{\"@timestamp\":\"2026-09-03T14:10:00Z\",\"f\":[1,2,3],\"n\":$i}"; done >"$tmp/docs.ndjson"
echo '{"id":"r1","rule_id":"esql-mv","name":"mv","type":"esql","language":"esql","query":"FROM logs-* METADATA _id, _version, _index | MV_EXPAND f | KEEP _id, n, f","from":"now-60m","interval":"10m","max_signals":1000,"risk_score":21,"severity":"low"}' >"$tmp/rule.ndjson"
out=$("$RULELAB" run "$tmp/rule.ndjson" --data "logs-t-default=$tmp/docs.ndjson" --now 2026-09-03T14:30:00Z 2>&1 | grep '^alerts:')
check "a rule run pages past duplicates" 'alerts:  500' "$out"
exit $fail
