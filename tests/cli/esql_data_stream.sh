#!/usr/bin/env bash
# ES|QL over an index of an integration's data stream (logs-<dataset>-<namespace>): the index has
# the fields of the package's mapping, as Fleet's index template gives them, so a mapped field no
# document holds is a column of nulls (ES|QL lists every mapped field), not "Unknown column"; a
# field neither mapped nor held stays unknown. The same in a rule run and in `query`.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo '{"@timestamp":"2026-09-03T14:10:00Z","azure":{"auditlogs":{"operation_name":"Add user","identity":"admin@contoso.com"}},"event":{"outcome":"success"}}' >"$tmp/a.ndjson"
q() { "$RULELAB" query --dialect esql "$1" --data "$2=$tmp/a.ndjson" 2>&1; }

out=$(q 'FROM logs-* | KEEP azure.auditlogs.operation_name, azure.auditlogs.result_description' logs-azure.auditlogs-default)
check "mapped, absent: null" $'azure.auditlogs.operation_name:keyword\tazure.auditlogs.result_description:keyword\n"Add user"\tnull' "$out"
out=$(q 'FROM logs-* | KEEP azure.auditlogs.result_description' logs-custom-default)
check "not a data stream: unknown" 'Unknown column [azure.auditlogs.result_description]' "$out"
out=$(q 'FROM logs-* | KEEP azure.auditlogs.no_such_field' logs-azure.auditlogs-default)
check "neither mapped nor held: unknown" 'Unknown column [azure.auditlogs.no_such_field]' "$out"
out=$(q 'FROM logs-* | WHERE azure.auditlogs.result_description IS NULL | STATS n = COUNT(*)' logs-azure.auditlogs-default)
check "streamed too" $'n:long\n1' "$out"
echo '{"id":"d1","rule_id":"esql-ds","name":"Added users","type":"esql","language":"esql","query":"FROM logs-azure.auditlogs-* METADATA _id, _version, _index | WHERE azure.auditlogs.operation_name == \"Add user\" AND azure.auditlogs.result_description IS NULL | KEEP @timestamp, azure.auditlogs.identity","from":"now-60m","interval":"10m","max_signals":100,"risk_score":21,"severity":"low"}' >"$tmp/rule.ndjson"
out=$("$RULELAB" run "$tmp/rule.ndjson" --data "logs-azure.auditlogs-default=$tmp/a.ndjson" --now 2026-09-03T14:30:00Z 2>&1)
check "rule run" 'alerts:  1' "$out"
exit $fail
