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
check "the run says which mapping" 'note: index logs-azure.auditlogs-default: fields typed by data stream logs-azure.auditlogs-*' "$out"
check "mapped, absent: null" $'azure.auditlogs.operation_name:keyword\tazure.auditlogs.result_description:keyword\n"Add user"\tnull' "$out"
out=$(q 'FROM logs-* | KEEP azure.auditlogs.result_description' logs-custom-default)
check "not a data stream: unknown" 'Unknown column [azure.auditlogs.result_description]' "$out"
out=$(q 'FROM logs-* | KEEP azure.auditlogs.no_such_field' logs-azure.auditlogs-default)
check "neither mapped nor held: unknown" 'Unknown column [azure.auditlogs.no_such_field]' "$out"
out=$(q 'FROM logs-* | WHERE azure.auditlogs.result_description IS NULL | STATS n = COUNT(*)' logs-azure.auditlogs-default)
check "streamed too" $'n:long\n1' "$out"
# Kibana's security alerts index: its alerts-as-data mapping (every ECS field, the kibana.* fields,
# dynamic false: a field no template maps is not a column)
echo '{"@timestamp":"2026-09-03T14:10:00Z","kibana":{"alert":{"risk_score":73,"rule":{"name":"r1"}}},"okta":{"foo":"bar"},"user":{"name":"jdoe"}}' >"$tmp/alert.ndjson"
out=$("$RULELAB" query --dialect esql 'FROM .alerts-security.* | KEEP kibana.alert.risk_score, kibana.alert.rule.name, destination.ip, user.name' --data ".alerts-security.alerts-default=$tmp/alert.ndjson" 2>&1)
check "alerts index: the run says how it types the index" "note: index .alerts-security.alerts-default: fields typed by Kibana's security alerts index" "$out"
check "alerts index: kibana.alert types, an absent ECS field" $'kibana.alert.risk_score:double	kibana.alert.rule.name:keyword	destination.ip:ip	user.name:keyword
73.0	"r1"	null	"jdoe"' "$out"
for p in "" --no-pushdown; do
  out=$("$RULELAB" query --dialect esql 'FROM .alerts-security.* | KEEP okta.foo' --data ".alerts-security.alerts-default=$tmp/alert.ndjson" $p 2>&1)
  check "alerts index: an unmapped field is no column $p" 'Unknown column [okta.foo]' "$out"
done
echo '{"id":"d1","rule_id":"esql-ds","name":"Added users","type":"esql","language":"esql","query":"FROM logs-azure.auditlogs-* METADATA _id, _version, _index | WHERE azure.auditlogs.operation_name == \"Add user\" AND azure.auditlogs.result_description IS NULL | KEEP @timestamp, azure.auditlogs.identity","from":"now-60m","interval":"10m","max_signals":100,"risk_score":21,"severity":"low"}' >"$tmp/rule.ndjson"
out=$("$RULELAB" run "$tmp/rule.ndjson" --data "logs-azure.auditlogs-default=$tmp/a.ndjson" --now 2026-09-03T14:30:00Z 2>&1)
check "rule run" 'alerts:  1' "$out"
# A flattened field (ES|QL "Limitations": flattened is not a supported type; field_caps lists the
# flattened field, not the keys of its values): the field is an unsupported column and a key
# inside it is no column at all ("Unknown column"), while kuery (and KQL() in ES|QL) query its keys.
cat >"$tmp/flat-mapping.json" <<'JSON'
{"mappings":{"properties":{"@timestamp":{"type":"date"},"labels":{"type":"flattened"},"host":{"properties":{"name":{"type":"keyword"}}}}}}
JSON
echo '{"@timestamp":"2026-01-01T00:00:00Z","labels":{"env":"prod","team":{"a":"x"}},"host":{"name":"h1"}}' >"$tmp/flat.ndjson"
fm=(--data "t=$tmp/flat.ndjson" --mapping "$tmp/flat-mapping.json")
out=$("$RULELAB" query --dialect esql 'FROM t' "${fm[@]}" 2>&1)
check "flattened: the field is unsupported, its keys no columns" '@timestamp:date	host.name:keyword	labels:unsupported' "$out"
out=$("$RULELAB" query --dialect esql 'FROM t | STATS c = COUNT(*) BY labels.env' "${fm[@]}" 2>&1)
check "flattened: a key is an unknown column" 'Unknown column [labels.env]' "$out"
out=$("$RULELAB" query --dialect esql 'FROM t | WHERE KQL("labels.env: prod") | KEEP host.name' "${fm[@]}" 2>&1)
check "flattened: KQL() queries its keys" '"h1"' "$out"
out=$("$RULELAB" query --dialect kuery 'labels.env: prod' "${fm[@]}" 2>&1)
check "flattened: kuery queries its keys" '1 of 1 document(s) match' "$out"
exit $fail

