#!/usr/bin/env bash
# Functions whose values are rulelab's own because the Kusto reference does not document the
# algorithm (hash-combine-function, hash-many-function: no combination given; hll-aggregation-function,
# tdigest-aggregation-function: Kusto's sketch formats) are said at each use, never silently.
set -euo pipefail
: "${RULELAB:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
err=$("$RULELAB" query --dialect kusto 'print h = hash_many("a", "b")' 2>&1 >/dev/null)
grep -q "^warning: query:1:11: hash_many(): Kusto's way of combining hashes is not documented" <<<"$err" || fail "hash_many: $err"
err=$("$RULELAB" query --dialect kusto 'range x from 1 to 5 step 1 | summarize t = tdigest(x) | project p = percentile_tdigest(t, 50)' 2>&1 >/dev/null)
grep -q "^note: query:1:44: tdigest(): rulelab's hll/tdigest values are its own exact form" <<<"$err" || fail "tdigest: $err"
# and nothing is said for a function whose values are Kusto's
err=$("$RULELAB" query --dialect kusto 'print h = hash("a")' 2>&1 >/dev/null)
[[ -z $err ]] || fail "hash(): unexpected message: $err"
echo "kusto_own_values: ok"
