#!/usr/bin/env bash
# The Elastic field model through the CLI (README "Field types"): an index named after an
# integration data stream gets that data stream's mapping with no --mapping, and run says which
# mapping typed each index (or that it guessed); EQL rejects a field no searched index maps
# (Elasticsearch's verifier: "Unknown column"), unless written ?field; keyword normalizers apply
# to EQL comparisons as to term queries.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
S="$SRC/rules/elastic/samples"
PS=logs-endpoint.events.process-default

# 1. Unknown column, with the position of the field in the query.
out=$("$RULELAB" query --dialect eql 'process where nosuch.field == "x"' --data "$PS=$S/rmm-anydesk.ndjson" 2>&1)
rc=$?
check "unknown column error" '<query>:1:15: Unknown column [nosuch.field]' "$out"
[[ $rc -ne 0 ]] || { echo "FAIL unknown column exits 0"; fail=1; }

# 2. ?field makes it optional: the event matches (the missing field is null).
out=$("$RULELAB" query --dialect eql 'process where ?nosuch.field == null and process.name == "AnyDesk.exe"' \
  --data "$PS=$S/rmm-anydesk.ndjson" --format ndjson 2>&1)
check "optional field" '"name":"AnyDesk.exe"' "$out"

# 3. Elastic Defend's process.name.caseless (keyword, lowercase normalizer) in EQL: the document's
# ANYDESK.EXE and the query's AnyDesk.exe both normalize to anydesk.exe.
out=$("$RULELAB" query --dialect eql 'process where process.name.caseless == "AnyDesk.exe"' \
  --data "$PS=$S/rmm-anydesk-upper.ndjson" --format ndjson 2>&1)
check "eql caseless" '"name":"ANYDESK.EXE"' "$out"

# 4. run names the mapping of each index: the data stream's, or the guess.
R="$SRC/rules/elastic/credential_access_posh_request_ticket.toml"
out=$("$RULELAB" run "$R" --data "logs-windows.powershell_operational-default=$S/posh-kerberos-ticket.ndjson" \
  --data "winlogbeat-8.17.0=$S/posh-kerberos-ticket.ndjson" --now 2026-09-03T15:00:00Z 2>&1)
check "data stream note" 'index logs-windows.powershell_operational-default: fields typed by data stream logs-windows.powershell_operational-* (Elastic integration package windows)' "$out"
check "guess note" 'index winlogbeat-8.17.0: fields typed by no mapping given and no integration data stream matches the index name: guessed ECS 9.5 field types' "$out"
# the pattern analyzer finds the class name in the data stream; the standard analyzer (winlogbeat,
# dynamic text) keeps System.IdentityModel.Tokens.KerberosRequestorSecurityToken as one token
check "one alert, from the data stream" 'alerts:  1' "$out"

# 5. A text field is matched through its keyword multi-field; with none, Elasticsearch's EQL
# verifier refuses the query (VerifierTests.testMultiField: "cannot operate on first argument field
# of data type [text]: No keyword/multi-field defined exact matches for [english]; define one or use
# MATCH/QUERY instead"). The Windows integration maps script_block_text as text only; winlogbeat's
# dynamic mapping gives the same field a .keyword multi-field, so there the query runs.
W=logs-windows.powershell_operational-default
out=$("$RULELAB" query --dialect eql 'any where powershell.file.script_block_text : "*Kerberos*"' \
  --data "$W=$S/posh-kerberos-ticket.ndjson" 2>&1)
rc=$?
check "text field without keyword" '<query>:1:11: [powershell.file.script_block_text : "*Kerberos*"] cannot operate on first argument field of data type [text]: No keyword/multi-field defined exact matches for [script_block_text]' "$out"
[[ $rc -ne 0 ]] || { echo "FAIL text field without keyword exits 0"; fail=1; }
out=$("$RULELAB" query --dialect eql 'any where length(message) > 0' --data "winlogbeat-8.17.0=$S/posh-kerberos-ticket.ndjson" 2>&1)
check "match_only_text in a function" '[length(message)] cannot operate on field of data type [text]' "$out"
out=$("$RULELAB" query --dialect eql 'any where powershell.file.script_block_text : "*Kerberos*"' \
  --data "winlogbeat-8.17.0=$S/posh-kerberos-ticket.ndjson" 2>&1)
check "text with .keyword runs" '1 event' "$out"

exit $fail
