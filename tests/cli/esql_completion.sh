#!/usr/bin/env bash
# ES|QL COMPLETION without a cluster ("COMPLETION" reference): the answers of the inference endpoint
# are given (--completion FILE: one JSON object a line, {"response": ...} with optional
# "inference_id" and "prompt_contains"; the first that fits a prompt answers it), so the rule's
# logic around the LLM can be tested: which rows reach the prompt, how the answer is parsed
# (DISSECT), which answers alert. A null prompt is answered null without asking; a multi-valued
# prompt is its values joined by newlines (Elasticsearch's InputTextReader). A prompt no answer
# fits is an error, and without answers COMPLETION stays a positioned "needs a service" error.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib/check.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo '{"id":"c1","rule_id":"esql-llm","name":"LLM triage","type":"esql","language":"esql","query":"FROM logs-* METADATA _id, _version, _index | WHERE event.action == \"login\" | EVAL prompt = CONCAT(\"Is this user name suspicious: \", user.name) | COMPLETION verdict = prompt WITH { \"inference_id\": \".anthropic-claude-completion\" } | WHERE verdict LIKE \"yes*\" | KEEP @timestamp, user.name, verdict","from":"now-60m","interval":"10m","max_signals":100,"risk_score":21,"severity":"low"}' >"$tmp/rule.ndjson"
for i in 1 2 3; do
  echo "{\"@timestamp\":\"2026-09-03T14:1${i}:00Z\",\"event\":{\"action\":\"login\"},\"user\":{\"name\":\"u$i\"}}"
done >"$tmp/logins.ndjson"
printf '%s\n' '{"prompt_contains":"u2","response":"yes, it looks generated"}' '{"inference_id":"other","response":"yes"}' '{"response":"no"}' >"$tmp/answers.ndjson"
data=(--data "logs-test-default=$tmp/logins.ndjson" --now 2026-09-03T14:30:00Z)

out=$("$RULELAB" run "$tmp/rule.ndjson" "${data[@]}" --completion "$tmp/answers.ndjson" 2>&1)
check "one alert: the answer that says yes" 'alerts:  1' "$out"
check "its row" '"user.name":"u2","verdict":"yes, it looks generated"' "$out"
check "the run says where answers came from" 'COMPLETION (endpoint .anthropic-claude-completion) is answered from' "$out"
out=$("$RULELAB" explain "$tmp/rule.ndjson" "${data[@]}" --completion "$tmp/answers.ndjson" --event 1 2>&1)
check "explain: the answer" 'answered by '"$tmp"'/answers.ndjson:3 (stands in for .anthropic-claude-completion): no' "$out"
check "explain: then dropped" 'verdict = "no"' "$out"
out=$("$RULELAB" run "$tmp/rule.ndjson" "${data[@]}" 2>&1)
check "no answers: needs a service" 'COMPLETION needs an inference endpoint of an Elasticsearch cluster; rulelab has none (give its answers with --completion FILE)' "$out"

# A query: DISSECT of the answer, a null prompt, a multi-valued prompt, the 9.1 form `WITH id`
printf '%s\n' '{"user":"alice,alice2"}' '{"user":"bob,carol"}' '{"user":null}' >"$tmp/users.ndjson"
printf '%s\n' '{"prompt_contains":"alice","response":"verdict=true confidence=0.9 summary=similar"}' '{"prompt_contains":"a\nb","response":"two lines"}' '{"response":"verdict=false confidence=0.2 summary=different"}' >"$tmp/q.ndjson"
out=$("$RULELAB" query --dialect esql 'FROM u | EVAL prompt = CONCAT("Users: ", user) | COMPLETION triage = prompt WITH { "inference_id": "my-llm" } | DISSECT triage """verdict=%{verdict} confidence=%{confidence} summary=%{summary}""" | KEEP user, verdict, confidence' --data "u=$tmp/users.ndjson" --completion "$tmp/q.ndjson" 2>&1)
check "dissected answers, null prompt null" $'"alice,alice2"\t"true"\t"0.9"\n"bob,carol"\t"false"\t"0.2"\nnull\tnull\tnull' "$out"
out=$("$RULELAB" query --dialect esql 'ROW q = ["a", "b"] | COMPLETION q WITH my_llm | KEEP completion' --completion "$tmp/q.ndjson" 2>&1)
check "multi-valued prompt joined by newlines" '"two lines"' "$out"
out=$("$RULELAB" query --dialect esql 'ROW q = 1 | COMPLETION q WITH { "inference_id": "x" }' --completion "$tmp/q.ndjson" 2>&1)
check "a prompt must be text" 'prompt must be of type [text] but is [integer]' "$out"
printf '%s\n' '{"prompt_contains":"zzz","response":"r"}' >"$tmp/narrow.ndjson"
out=$("$RULELAB" query --dialect esql 'ROW q = "hello" | COMPLETION q WITH { "inference_id": "x" }' --completion "$tmp/narrow.ndjson" 2>&1)
check "no answer fits" 'no --completion answer fits the prompt of row 1 (endpoint x): "hello"' "$out"
printf '%s\n' '{"respons":"r"}' >"$tmp/bad.ndjson"
out=$("$RULELAB" query --dialect esql 'ROW q = "hello" | COMPLETION q WITH { "inference_id": "x" }' --completion "$tmp/bad.ndjson" 2>&1)
check "a misspelt key" 'bad.ndjson:1:1: unknown key "respons"' "$out"
# Elasticsearch 9.3+ hands COMPLETION at most 100 rows (esql.command.completion.limit), said in a note
for i in $(seq 1 150); do echo "{\"p\":\"prompt $i\"}"; done >"$tmp/rows.ndjson"
printf '%s\n' '{"response":"ok"}' >"$tmp/any.ndjson"
out=$("$RULELAB" query --dialect esql 'FROM r | COMPLETION a = p WITH { "inference_id": "x" } | STATS n = COUNT(*)' --data "r=$tmp/rows.ndjson" --completion "$tmp/any.ndjson" 2>&1)
check "100 rows reach COMPLETION" $'n:long\n100' "$out"
check "the limit's note" '50 row(s) after them dropped before it' "$out"
out=$("$RULELAB" query --dialect esql 'ROW q = "x" | COMPLETION q WITH { "inference_id": "x", "temperature": 1 }' --completion "$tmp/any.ndjson" 2>&1)
check "an unknown option" 'Invalid option [temperature] in COMPLETION, expected one of [inference_id, timeout]' "$out"
out=$("$RULELAB" query --dialect esql 'ROW q = "x" | COMPLETION q WITH' --completion "$tmp/any.ndjson" 2>&1)
check "an endpoint missing" 'syntax error: expected COMPLETION [column =] prompt WITH' "$out"
printf '%s' '[{"prompt_contains":"zzz","response":"a"},{"response":"b"}]' >"$tmp/arr.json"
out=$("$RULELAB" explain "$tmp/rule.ndjson" "${data[@]}" --completion "$tmp/arr.json" --event 1 2>&1)
check "an answer of a JSON array named by its position" 'arr.json[2]' "$out"
echo '{"id":"n1","rule_id":"esql-no","name":"No LLM","type":"esql","language":"esql","query":"FROM logs-* | KEEP user.name","from":"now-60m","interval":"10m","max_signals":100,"risk_score":21,"severity":"low"}' >"$tmp/plain.ndjson"
out=$("$RULELAB" run "$tmp/plain.ndjson" "${data[@]}" --completion "$tmp/any.ndjson" 2>&1)
check "answers a rule does not use" '--completion is not used: the rule' "$out"
# Options of another kind of rule are named as unused, never dropped silently.
echo '{"id":"k1","rule_id":"kuery-login","name":"Login","type":"query","language":"kuery","query":"event.action:login","index":["logs-*"],"from":"now-60m","interval":"10m","max_signals":100,"risk_score":21,"severity":"low"}' >"$tmp/kuery.ndjson"
out=$("$RULELAB" run "$tmp/kuery.ndjson" "${data[@]}" --completion "$tmp/answers.ndjson" 2>&1)
check "a kuery rule: --completion unused" '--completion is not used: only an ES|QL rule'"'"'s COMPLETION reads it, and this is a kuery rule' "$out"
check "a kuery rule: its alerts still" 'alerts:  3' "$out"
out=$("$RULELAB" run "$tmp/kuery.ndjson" "${data[@]}" --watchlist "vip=$tmp/answers.ndjson" 2>&1)
check "a kuery rule: --watchlist unused" '--watchlist is not used: only Sentinel rules read watchlists' "$out"
exit $fail
