#!/usr/bin/env bash
# `set` statements are request options (Kusto reference, "Set statement"): rulelab parses them and
# applies none, so it says so instead of running as if they were not there without a word
# (`set query_now = ...` would change now(); `set truncationmaxrecords` the rows returned).
set -euo pipefail
: "${RULELAB:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
err=$("$RULELAB" query --dialect kusto 'set truncationmaxrecords = 5; print x = 1' 2>&1 >/dev/null)
[[ $err == *'`set truncationmaxrecords = 5` is not applied'* ]] || fail "no warning for a set statement: $err"
out=$("$RULELAB" query --dialect kusto 'set notruncation; print x = 1' --format json 2>/dev/null)
[[ $(jq -c '.rows' <<<"$out") == '[{"x":1}]' ]] || fail "the query still runs: $out"
echo ok
