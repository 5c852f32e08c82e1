#!/usr/bin/env bash
# An EQL function Elasticsearch runs as a script (number() on text that is no number) fails the
# whole search with its error (EQL function reference: number; Elasticsearch's EQL search returns
# the script's failure). rulelab reports it as an error, never a crash, with the error of the
# first event the search meets, whether documents are filtered while reading or not, and whether
# a stage filter, an `until` or a join key's script fails first.
set -euo pipefail
: "${RULELAB:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

fails_with() {  # label, expected text, command...: exit 1 (no crash) and the message
  local label=$1 want=$2 rc=0
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [[ $rc == 1 ]] || fail "$label: exit $rc, not 1: $(cat "$tmp/err")"
  grep -qF "$want" "$tmp/err" || fail "$label: no \"$want\" in: $(cat "$tmp/err")"
}

# Stage 1's script fails on the second event; stage 2's on the first. Stage filters are judged
# stage by stage, so the search meets [bad1] first. Read with the read filter (the default) and
# whole.
printf '%s\n' \
  '{"@timestamp":"2024-01-01T00:00:00Z","event":{"category":"process"},"process":{"name":"1"},"file":{"name":"bad0"}}' \
  '{"@timestamp":"2024-01-01T00:00:01Z","event":{"category":"process"},"process":{"name":"bad1"},"file":{"name":"1"}}' >"$tmp/a.ndjson"
q='sequence [process where number(process.name) == 2] [any where number(file.name) == 1]'
fails_with "stage scripts" "Unable to convert [bad1]" "$RULELAB" query --dialect eql "$q" --data "$tmp/a.ndjson"
fails_with "stage scripts, --no-pushdown" "Unable to convert [bad1]" "$RULELAB" query --dialect eql "$q" --data "$tmp/a.ndjson" --no-pushdown
fails_with "event query script" "Unable to convert [bad1]" "$RULELAB" query --dialect eql 'process where number(process.name) == 2' --data "$tmp/a.ndjson"

# A join key's script fails on the event before `until`'s script does: the key's error.
printf '%s\n' '{"@timestamp":"2024-01-01T00:00:00Z","event":{"category":"process"},"k":"abc","x":"zzz"}' >"$tmp/b.ndjson"
fails_with "key before until" "Unable to convert [abc]" "$RULELAB" query --dialect eql \
  'sequence by number(k) [process where true] [file where true] until [any where number(x) == 1]' --data "$tmp/b.ndjson"

# Samples: each document's filter, then its keys: the first document's key fails before the
# second document's filter.
printf '%s\n' '{"@timestamp":"2024-01-01T00:00:00Z","event":{"category":"process"},"k":"abc","x":"1"}' \
  '{"@timestamp":"2024-01-01T00:00:01Z","event":{"category":"process"},"k":"1","x":"zzz"}' >"$tmp/c.ndjson"
fails_with "sample key before filter" "Unable to convert [abc]" "$RULELAB" query --dialect eql \
  'sample by number(k) [process where number(x) == 1] [any where true]' --data "$tmp/c.ndjson"
echo "eql_script_errors: ok"
