#!/usr/bin/env bash
# EQL search options on the command line, as Elasticsearch's EQL search API takes them
# (https://www.elastic.co/guide/en/elasticsearch/reference/current/eql-search-api.html):
# tiebreaker_field, timestamp_field, event_category_field, size, max_samples_per_key.
set -euo pipefail
: "${RULELAB:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ids() { jq -c '[.rows[] | if has("_source") then ._source.id else .id end]'; }

# Two events at the same instant, the later one in the file with the smaller serial number: the
# tiebreaker orders events with equal timestamps (else Elasticsearch's order is unspecified;
# rulelab keeps file order).
cat >"$tmp/ev.ndjson" <<'J'
{"@timestamp":"2026-01-01T00:00:00Z","ts":"2026-01-01T00:00:03Z","event":{"category":"process"},"kind":"file","id":1,"seq":2,"host":"a","step":1}
{"@timestamp":"2026-01-01T00:00:00Z","ts":"2026-01-01T00:00:02Z","event":{"category":"process"},"kind":"file","id":2,"seq":1,"host":"a","step":1}
{"@timestamp":"2026-01-01T00:00:05Z","ts":"2026-01-01T00:00:01Z","event":{"category":"file"},"kind":"process","id":3,"seq":3,"host":"a","step":2}
{"@timestamp":"2026-01-01T00:00:06Z","ts":"2026-01-01T00:00:00Z","event":{"category":"file"},"kind":"process","id":4,"seq":4,"host":"a","step":2}
J
q() { "$RULELAB" query --dialect eql "$@" --data logs="$tmp/ev.ndjson" --format json; }
[[ $(q 'any where true' | ids) == '[1,2,3,4]' ]] || fail "file order without a tiebreaker: $(q 'any where true' | ids)"
[[ $(q 'any where true' --tiebreaker seq | ids) == '[2,1,3,4]' ]] || fail "--tiebreaker seq"
# timestamp_field: `ts` runs the other way.
[[ $(q 'any where true' --timestamp-field ts | ids) == '[4,3,2,1]' ]] || fail "--timestamp-field ts: $(q 'any where true' --timestamp-field ts | ids)"
# event_category_field: `process where` tests `kind` instead of event.category.
[[ $(q 'process where true' | ids) == '[1,2]' ]] || fail "event.category"
[[ $(q 'process where true' --event-category-field kind | ids) == '[3,4]' ]] || fail "--event-category-field kind"
# size caps the events returned.
[[ $(q 'any where true' --size 1 | ids) == '[1]' ]] || fail "--size 1"
# max_samples_per_key: two stage-1 and two stage-2 events share host "a": one sample by default,
# two with --max-samples-per-key 2.
s='sample by host [any where step == 1] [any where step == 2]'
[[ $(q "$s" | jq '.count') == 1 ]] || fail "one sample per key by default"
[[ $(q "$s" --max-samples-per-key 2 | jq '.count') == 2 ]] || fail "--max-samples-per-key 2: $(q "$s" --max-samples-per-key 2)"
# A sample's stages may match events of different indices (Elasticsearch runs each stage over
# every index of the request): the three events of one key spread over two indices form a sample.
printf '%s\n' '{"@timestamp":"2026-01-01T00:00:00Z","host":"h","pid":7,"step":1,"id":11}' >"$tmp/i1.ndjson"
printf '%s\n' '{"@timestamp":"2026-01-01T00:00:01Z","host":"h","pid":7,"step":2,"id":12}' \
  '{"@timestamp":"2026-01-01T00:00:02Z","host":"h","pid":7,"step":3,"id":13}' >"$tmp/i2.ndjson"
j=$("$RULELAB" query --dialect eql 'sample by host, pid [any where step == 1] [any where step == 2] [any where step == 3]' \
  --data first="$tmp/i1.ndjson" --data second="$tmp/i2.ndjson" --format json)
[[ $(jq -c '[.count, [.rows[]._index], [.rows[]._source.id]]' <<<"$j") == '[1,["first","second","second"],[11,12,13]]' ]] ||
  fail "sample over two indices: $j"

# The options belong to EQL: another dialect refuses them instead of ignoring them.
out=$("$RULELAB" query --dialect kuery 'id:1' --data logs="$tmp/ev.ndjson" --tiebreaker seq 2>&1) && fail "kuery accepted --tiebreaker"
[[ $out == *"--tiebreaker applies to --dialect eql only"* ]] || fail "kuery --tiebreaker message: $out"
echo ok
