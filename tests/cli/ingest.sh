#!/usr/bin/env bash
# rulelab ingest from the command line: counts, rejects with file:line, schema, gzip, CSV, --strict.
set -euo pipefail
: "${RULELAB:?}" "${RULELAB_GEN:?}" "${SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The real Log Analytics row: built-in AuditLogs schema, InitiatedBy given as a string of JSON.
j=$("$RULELAB" ingest "$SRC/tests/data/samples/entra/loganalytics-auditlogs-row-add-member-to-group.json" --table AuditLogs --format json)
[[ $(jq .rows <<<"$j") == 1 && $(jq .rejected <<<"$j") == 0 ]] || fail "sample row: $j"
[[ $(jq -r '.columns[] | select(.name=="InitiatedBy") | .type' <<<"$j") == dynamic ]] || fail "InitiatedBy type"
[[ $(jq -r '.columns[] | select(.name=="TimeGenerated") | .type' <<<"$j") == datetime ]] || fail "TimeGenerated type"

# Bad lines: counted, reported with their line, skipped; rows + rejected = lines.
printf '{"a":1}\n{"a":\n\n{"a":3}\n' >"$tmp/bad.ndjson"
j=$("$RULELAB" ingest "$tmp/bad.ndjson" --format json)
[[ $(jq .rows <<<"$j") == 2 && $(jq .rejected <<<"$j") == 2 && $(jq .records <<<"$j") == 4 ]] || fail "bad lines: $j"
[[ $(jq '.rejections[0].line' <<<"$j") == 2 && $(jq '.rejections[1].line' <<<"$j") == 3 ]] || fail "reject lines: $j"
out=$("$RULELAB" ingest "$tmp/bad.ndjson")
grep -q "bad.ndjson:2: invalid JSON" <<<"$out" || fail "table output names file:line: $out"
if "$RULELAB" ingest "$tmp/bad.ndjson" --strict 2>"$tmp/err"; then fail "--strict should fail"; fi
grep -q "bad.ndjson:2: cannot read record" "$tmp/err" || fail "strict message: $(cat "$tmp/err")"

# Generated rows, gzip-compressed, read directly; the same counts as the plain file.
"$RULELAB_GEN" --rows 3000 --seed 7 --out "$tmp/gen.ndjson"
gzip -c "$tmp/gen.ndjson" >"$tmp/gen.ndjson.gz"
a=$("$RULELAB" ingest "$tmp/gen.ndjson" --table AuditLogs --format json | jq -c '[.rows,.rejected,(.columns|length)]')
b=$("$RULELAB" ingest "$tmp/gen.ndjson.gz" --table AuditLogs --format json | jq -c '[.rows,.rejected,(.columns|length)]')
[[ $a == "[3000,0,32]" && $a == "$b" ]] || fail "gzip: $a vs $b"
[[ $("$RULELAB" ingest "$tmp/gen.ndjson" --table AuditLogs --format json | jq '.warnings|length') == 0 ]] || fail "generated rows fit the schema"

# A schema file in the Azure-Sentinel format; an unknown type is an error that names the file.
echo '{"Name":"T","Properties":[{"name":"a","type":"long"}]}' >"$tmp/T.json"
[[ $("$RULELAB" ingest "$tmp/bad.ndjson" --schema "$tmp/T.json" --format json | jq -r '.columns[0].type') == long ]] || fail "schema file"
echo '{"Name":"T","Properties":[{"name":"a","type":"nonsense"}]}' >"$tmp/U.json"
if "$RULELAB" ingest "$tmp/bad.ndjson" --schema "$tmp/U.json" 2>"$tmp/err"; then fail "bad schema accepted"; fi
grep -q "U.json: unknown column type" "$tmp/err" || fail "schema error: $(cat "$tmp/err")"

# CSV as the portal exports it.
printf 'TimeGenerated [UTC],OperationName\n"3/27/2025, 2:49:42.929 PM",Add user\n' >"$tmp/x.csv"
j=$("$RULELAB" ingest "$tmp/x.csv" --table AuditLogs --format json)
[[ $(jq .rows <<<"$j") == 1 ]] || fail "csv: $j"

# A missing file is an error, not a crash.
if "$RULELAB" ingest "$tmp/nope.ndjson" 2>"$tmp/err"; then fail "missing file accepted"; fi
grep -q "no such file" "$tmp/err" || fail "missing file message"
echo "ok"
