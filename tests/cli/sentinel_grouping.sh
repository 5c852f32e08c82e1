#!/usr/bin/env bash
# Sentinel eventGroupingSettings: SingleAlert gives one alert for all results; AlertPerResult one
# alert per result, at most 150 per run: with more results the first 149 get their own alert and
# the 150th summarizes all of them (learn.microsoft.com/azure/sentinel/scheduled-rules-overview,
# "Event grouping"). NRT rules: at most 30, the 30th summarizing (near-real-time-rules).
set -euo pipefail
: "${RULELAB:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
G=$SRC/tests/data/kusto/grouping
gen() { for i in $(seq 1 "$1"); do printf '{"TimeGenerated":"2026-09-03T14:%02d:%02dZ","OperationName":"Add user","Id":"u%d"}\n' $((i / 60)) $((i % 60)) "$i"; done >"$tmp/$1.ndjson"; }
gen 150; gen 151; gen 30; gen 31
run() { "$RULELAB" run "$1" --data AuditLogs="$tmp/$2.ndjson" --now 2026-09-03T15:00:00Z --format json; }

j=$(run "$G/per_result.yaml" 150)
[[ $(jq -c '[.count, (.alerts|length), ([.alerts[].rows]|unique), ([.alerts[]|select(has("summary"))]|length)]' <<<"$j") == '[150,150,[1],0]' ]] || fail "150 results"
[[ $(jq -r '.alerts[149].entities[0].identifiers.Name' <<<"$j") == u150 ]] || fail "alert 150 is the 150th result"
j=$(run "$G/per_result.yaml" 151)
[[ $(jq -c '[.count, (.alerts|length), .alerts[148].rows, .alerts[149].rows, (.alerts[149]|has("summary"))]' <<<"$j") == '[151,150,1,151,true]' ]] || fail "151 results: $(jq -c '[.count, (.alerts|length)]' <<<"$j")"

sed 's/aggregationKind: AlertPerResult/aggregationKind: SingleAlert/' "$G/per_result.yaml" >"$tmp/single.yaml"
j=$(run "$tmp/single.yaml" 151)
[[ $(jq -c '[(.alerts|length), .alerts[0].rows]' <<<"$j") == '[1,151]' ]] || fail "SingleAlert"

j=$(run "$G/per_result_nrt.yaml" 30 2>/dev/null)
[[ $(jq -c '[(.alerts|length), ([.alerts[]|select(has("summary"))]|length)]' <<<"$j") == '[30,0]' ]] || fail "NRT 30"
j=$(run "$G/per_result_nrt.yaml" 31 2>/dev/null)
[[ $(jq -c '[(.alerts|length), .alerts[28].rows, .alerts[29].rows]' <<<"$j") == '[30,1,31]' ]] || fail "NRT 31"
echo ok
