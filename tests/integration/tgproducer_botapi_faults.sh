#!/usr/bin/env bash
# tgproducer against a misbehaving Bot API: 429 (retry_after in the body, or
# only a Retry-After header) is waited out; 5xx, HTML pages, empty,
# truncated, concatenated, cut-short and reset answers are retried with
# backoff and never move the offset; the records come out exactly once.
# 409 Conflict names its cause and ends --once with 75 after
# --conflict-timeout; --delete-webhook clears a webhook; a conflict that
# clears is ridden out.  getMe failures are retried too.  A server quoting
# the token (whole, percent-encoded, or its secret alone) never gets it
# printed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tgproducer_botapi.lib"

msg() {   # msg UPDATE_ID: one update with a user message
    printf '{"update_id": %d, "message": {"message_id": %d, "date": 1700000000, "chat": {"id": -1001, "type": "supergroup", "title": "G"}, "from": {"id": 9, "is_bot": false, "first_name": "N", "username": "nine"}, "text": "m%d"}}' \
        "$1" "$1" "$1"
}

cat >"$TG_TMP/faults.json" <<EOF
{"updates": [$(msg 1), $(msg 2), $(msg 3)],
 "getMe": ["html", {"status": 503}],
 "getUpdates": [
   {"status": 429, "retry_after": 1},
   "html",
   "truncated",
   "concatenated",
   [$(msg 4)],
   {"status": 502, "body": {"ok": false, "error_code": 502, "description": "Bad Gateway"}},
   "empty",
   "partial",
   "reset",
   {"status": 429, "body": "", "headers": {"Retry-After": "1"}},
   [$(msg 5)]
 ]}
EOF

fb_start faults --script "$TG_TMP/faults.json"
tp --once --stdout --stats >"$TG_TMP/faults.out" 2>"$TG_TMP/faults.err"
tg_check_eq "faults: exit 0" "$?" 0
tg_check_eq "faults: every message exactly once, in order" \
    "$(python3 -c 'import json,sys; print([json.loads(l)["text"] for l in open(sys.argv[1])])' "$TG_TMP/faults.out")" \
    "['m1', 'm2', 'm3', 'm4', 'm5']"
tg_check_eq "faults: getMe retried after an HTML page and a 503" \
    "$(fb_log '[x["served"] for x in l if x["method"] == "getMe"]')" \
    '["html","raw","getMe"]'
tg_check_eq "faults: a failed answer never moves the offset" \
    "$(fb_log '[x["offset"] for x in g]')" '[0,0,0,0,0,5,5,5,5,5,5,6]'
tg_check_eq "faults: the state file holds 6" "$(cat "$STATE")" 6
tg_check "faults: waited retry_after (1 s) after the first 429" \
    test "$(fb_log 'int((g[1]["time"] - g[0]["time"]) * 1000)')" -ge 1000
tg_check "faults: waited Retry-After (1 s) after the header-only 429" \
    test "$(fb_log 'int((g[10]["time"] - g[9]["time"]) * 1000)')" -ge 1000
for want in 'getUpdates: HTTP 429: Too Many Requests: retry after 1; retrying in 1.0 s' \
    'getUpdates: HTTP 502: an HTML page instead of JSON' \
    'getUpdates: HTTP 200: invalid JSON' \
    'getUpdates: HTTP 502: Bad Gateway; retrying' \
    'getUpdates: HTTP 200: empty response' \
    'getUpdates: HTTP 429: empty response; retrying in 1.0 s' \
    'getMe: HTTP 503: Error 503; retrying'; do
    tg_check "faults: says '$want'" grep -qF "$want" "$TG_TMP/faults.err"
done
tg_check_eq "faults: two invalid-JSON answers (truncated, concatenated)" \
    "$(grep -c 'getUpdates: HTTP 200: invalid JSON' "$TG_TMP/faults.err")" 2
tg_check_eq "faults: the cut-short and the reset connection are reported by getUpdates" \
    "$(grep -cE '^tgproducer: warning: getUpdates: [^H]' "$TG_TMP/faults.err")" 2
tg_check "faults: --stats counts 11 retries" \
    grep -q 'stats: 5 updates seen, 5 messages produced, 0 skipped (0 malformed, 0 too_large), 0 delivery failures, 11 retries, next offset 6' \
    "$TG_TMP/faults.err"
fb_stop

# ---- 409: another poller --------------------------------------------------------------
fb_start poller --conflict poller
rm -f "$STATE"
clock_start
tp --once --stdout --conflict-timeout 1s >/dev/null 2>"$TG_TMP/poller.err"
rc=$?
ms=$(clock_ms)
tg_check_eq "409 poller: exit 75 after --conflict-timeout" "$rc" 75
tg_check "409 poller: after about 1 s (${ms} ms)" test "$ms" -ge 1000 -a "$ms" -lt 5000
tg_check "409 poller: names the cause" grep -q \
    'getUpdates: HTTP 409: Conflict: terminated by other getUpdates request.*another process is polling this bot' \
    "$TG_TMP/poller.err"
tg_check "409 poller: says it gave up" grep -q 'still in conflict after --conflict-timeout' \
    "$TG_TMP/poller.err"
tg_check "409 poller: retried in between" test "$(fb_log 'len(g)')" -ge 2
tg_check_eq "409 poller: no state written" "$(test -e "$STATE" && cat "$STATE")" ""

# A conflict that clears (the other poller stopped) is ridden out.
curl -sS -d '{"mode": "poller", "count": 2}' "$FB_URL/control/conflict" >/dev/null
fb_append "[$(msg 20)]"
tp --once --stdout >"$TG_TMP/cleared.out" 2>"$TG_TMP/cleared.err"
tg_check_eq "409 that clears: exit 0" "$?" 0
tg_check "409 that clears: the message is produced" grep -q '"text":"m20"' \
    "$TG_TMP/cleared.out"
fb_stop

# ---- 409: a webhook is set ----------------------------------------------------------------
fb_start webhook --conflict webhook
fb_append "[$(msg 30)]"
tp --once --stdout --conflict-timeout 1s >/dev/null 2>"$TG_TMP/webhook.err"
tg_check_eq "409 webhook: exit 75" "$?" 75
tg_check "409 webhook: suggests --delete-webhook" \
    grep -q 'a webhook is set for this bot; run once with --delete-webhook' \
    "$TG_TMP/webhook.err"
tp --once --stdout --delete-webhook >"$TG_TMP/webhook.out" 2>"$TG_TMP/webhook2.err"
tg_check_eq "--delete-webhook: exit 0" "$?" 0
tg_check_eq "--delete-webhook: called before polling, keeping pending updates" \
    "$(fb_log '[[x["method"], x["params"].get("drop_pending_updates")] for x in l[-3:]]')" \
    '[["deleteWebhook",false],["getUpdates",null],["getUpdates",null]]'
tg_check "--delete-webhook: the pending message is produced" \
    grep -q '"text":"m30"' "$TG_TMP/webhook.out"
fb_stop

# ---- requests refused for good, malformed updates ------------------------------------------
cat >"$TG_TMP/refused.json" <<EOF
{"getUpdates": [{"status": 400, "description": "Bad Request: wrong parameter"}]}
EOF
fb_start refused --script "$TG_TMP/refused.json"
rm -f "$STATE"
tp --once --stdout >/dev/null 2>"$TG_TMP/refused.err"
tg_check_eq "400 Bad Request: exit 69, not retried" "$?:$(fb_log 'len(g)')" 69:1
tg_check "400 Bad Request: says so" grep -q \
    'getUpdates: HTTP 400: Bad Request: wrong parameter: the Bot API refused the request' \
    "$TG_TMP/refused.err"

tgproducer --api-url "$FB_URL/nothing/here" --once --stdout >/dev/null 2>"$TG_TMP/404.err"
tg_check_eq "404 from getMe: exit 77" "$?" 77
tg_check "404 from getMe: token or --api-url" \
    grep -q 'getMe: HTTP 404.*token rejected, or --api-url is not a Bot API server' \
    "$TG_TMP/404.err"

fb_append "[{\"update_id\": 50, \"message\": {\"message_id\": 1, \"date\": 1700000000}}, $(msg 51)]"
tp --once --stdout >"$TG_TMP/malformed.out" 2>"$TG_TMP/malformed.err"
tg_check_eq "malformed update: exit 0" "$?" 0
tg_check "malformed update: a warning says which" grep -q \
    'warning: skipped 1 malformed update (first: update 50: message without chat.id)' \
    "$TG_TMP/malformed.err"
tg_check "malformed update: the good one around it is produced" \
    grep -q '"text":"m51"' "$TG_TMP/malformed.out"
tg_check_eq "malformed update: confirmed all the same" "$(cat "$STATE")" 52
fb_stop

# ---- server text quoting the token is scrubbed before it is printed ----------------------------
# A short secret, which the log's shape-based redaction would not catch.
short='42:shortsecret'
printf '%s\n' "$short" >"$TG_TMP/short.token"
printf '{"getUpdates": [{"status": 400, "description": "Bad Request: no such path /bot%s/getUpdates"}]}\n' \
    "$short" >"$TG_TMP/echo.json"
python3 "$fake_botapi" --token-file "$TG_TMP/short.token" --url-file "$TG_TMP/echo.url" \
    --script "$TG_TMP/echo.json" --owner $$ >/dev/null 2>&1 &
tg_cleanup_push "kill $!"
tg_wait_until 10 test -s "$TG_TMP/echo.url"
TELEGRAM_BOT_TOKEN=$short tgproducer --api-url "$(cat "$TG_TMP/echo.url")" --once --stdout \
    --state "$TG_TMP/echo.offset" >/dev/null 2>"$TG_TMP/echo.err"
tg_check_eq "echoed token: exit 69" "$?" 69
tg_check "echoed token: the message says <redacted> instead" grep -qF \
    'getUpdates: HTTP 400: Bad Request: no such path /bot<redacted>/getUpdates' "$TG_TMP/echo.err"
tg_check "echoed token: the secret is in no message" not_grep shortsecret "$TG_TMP/echo.err"

# ---- ... or quoting it percent-encoded, or its secret part alone --------------------------------
# Only a log that knows the configured token can recognise its secret alone.
# decoded FILE: the file percent-decoded, so that no escaped form hides.
decoded() { python3 -c 'import sys, urllib.parse; print(urllib.parse.unquote(open(sys.argv[1]).read()))' "$1"; }
printf '{"getUpdates": [%s]}\n' \
    '{"status": 400, "echo_token": "percent"}, {"status": 400, "echo_token": "percent-lower"},
     {"status": 400, "echo_token": "partial"}, {"status": 400, "echo_token": "secret"}' \
    >"$TG_TMP/echo-forms.json"
fb_start echo-forms --script "$TG_TMP/echo-forms.json"
for form in percent percent-lower partial secret; do
    rm -f "$STATE"
    tp --once --stdout -v >/dev/null 2>"$TG_TMP/echo-$form.err"
    tg_check_eq "token echoed ($form): exit 69" "$?" 69
    tg_check "token echoed ($form): the message says <redacted>, twice" grep -qF \
        'HTTP 400: Bad Request: no such bot <redacted> (token <redacted>)' "$TG_TMP/echo-$form.err"
    tg_check "token echoed ($form): nothing of the secret on stderr, even decoded" \
        not_grep -F "$SECRET" <(decoded "$TG_TMP/echo-$form.err")
    tg_check "token echoed ($form): not even its first half" \
        not_grep -F "${SECRET:0:17}" <(decoded "$TG_TMP/echo-$form.err")
done
fb_stop

tg_check "token: in no output or message" no_token "$TG_TMP"/*.out "$TG_TMP"/*.err
