#!/usr/bin/env bash
# A Bot API that accepts and never answers, and one that trickles a byte a
# second: each call is cut within the documented bound (poll timeout + 15 s;
# --once polls with timeout 0), then retried, and the run completes; a stop
# signal ends a hung call at once; --once gives up on a Bot API that keeps
# failing after 6 attempts, and exits 75 at once rather than sleep a long
# 429 retry_after while holding the cron lock.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tgproducer_botapi.lib"

update='{"update_id": 1, "message": {"message_id": 1, "date": 1700000000, "chat": {"id": -1, "title": "T"}, "from": {"id": 2, "username": "two"}, "text": "after"}}'

for mode in hang trickle; do
    printf '{"updates": [%s], "getUpdates": ["%s"]}\n' "$update" "$mode" >"$TG_TMP/$mode.json"
    fb_start "$mode" --script "$TG_TMP/$mode.json"
    rm -f "$STATE"
    clock_start
    tp --once --stdout >"$TG_TMP/$mode.out" 2>"$TG_TMP/$mode.err"
    rc=$?
    ms=$(clock_ms)
    tg_check_eq "$mode: exit 0 after a retry" "$rc" 0
    tg_check "$mode: the call was cut within 15 s and retried (${ms} ms in all)" \
        test "$ms" -ge 5000 -a "$ms" -lt 18000
    tg_check "$mode: says getUpdates timed out" \
        grep -q 'warning: getUpdates: timed out (limit 15 s)' "$TG_TMP/$mode.err"
    tg_check_eq "$mode: the retry got the message" "$(cat "$TG_TMP/$mode.out")" \
        '{"event_time":"2023-11-14T22:13:20Z","channel_id":-1,"channel_name":"T","message_id":1,"user_id":2,"username":"two","first_name":null,"last_name":null,"text":"after","text_length":5}'
    tg_check_eq "$mode: same offset on the retry" "$(fb_log '[x["offset"] for x in g]')" \
        '[0,0,2]'
    fb_stop
done

# ---- --once gives up on a Bot API that keeps failing -------------------------------------
printf '{"getUpdates": ["html", "empty", "html", "truncated", "html", "html", "html"]}\n' \
    >"$TG_TMP/giveup.json"
fb_start giveup --script "$TG_TMP/giveup.json"
rm -f "$STATE"
clock_start
tp --once --stdout >/dev/null 2>"$TG_TMP/giveup.err"
rc=$?
ms=$(clock_ms)
tg_check_eq "failing Bot API, --once: exit 69" "$rc" 69
tg_check "failing Bot API, --once: gives up after 6 attempts (${ms} ms)" \
    grep -q 'giving up after 6 attempts' "$TG_TMP/giveup.err"
tg_check "failing Bot API, --once: after 5 backoff waits of 7.75-15.5 s" \
    test "$ms" -ge 7750 -a "$ms" -lt 20000
tg_check_eq "failing Bot API, --once: 6 calls, all at offset 0, no state" \
    "$(fb_log '[x["offset"] for x in g]'):$(test -e "$STATE" && echo state)" '[0,0,0,0,0,0]:'
fb_stop

# ---- a stop signal ends a hung call ----------------------------------------------------
printf '{"getUpdates": ["hang"]}\n' >"$TG_TMP/stop.json"
fb_start stop --script "$TG_TMP/stop.json"
rm -f "$STATE"
tgproducer --api-url "$FB_URL" --once --stdout >/dev/null 2>"$TG_TMP/stop.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
polled() { test "$(fb_log 'len(g)')" -ge 1; }
tg_check "stop: the hung getUpdates has begun" tg_wait_until 10 polled
clock_start
kill -INT "$pid"
wait "$pid"
rc=$?
ms=$(clock_ms)
tg_check_eq "SIGINT during a hung call: exit 0" "$rc" 0
tg_check "SIGINT during a hung call: within 2 s (${ms} ms)" test "$ms" -lt 2000
tg_check_eq "SIGINT: no offset was confirmed" "$(test -e "$STATE" && cat "$STATE")" ""

# ---- --once does not sleep a long 429 -----------------------------------------------------
# retry_after 3600 in the body, then in a Retry-After header only: exit 75
# at once (--once waits at most 60 s at a time), nothing confirmed; a short
# one is still waited out.
printf '{"updates": [%s], "getUpdates": [{"status": 429, "retry_after": 3600}, {"status": 429, "body": "", "headers": {"Retry-After": "3600"}}, {"status": 429, "retry_after": 61}, {"status": 429, "retry_after": 1}]}\n' \
    "$update" >"$TG_TMP/ratelimit.json"
fb_start ratelimit --script "$TG_TMP/ratelimit.json"
rm -f "$STATE"
for how in body header "61 s"; do
    clock_start
    tp --once --stdout >"$TG_TMP/ratelimit.out" 2>"$TG_TMP/ratelimit.err"
    rc=$?
    ms=$(clock_ms)
    tg_check_eq "429 for too long ($how), --once: exit 75" "$rc" 75
    tg_check "429 for too long ($how), --once: promptly (${ms} ms)" test "$ms" -lt 5000
    tg_check "429 for too long ($how), --once: says why and that the next run retries" grep -q \
        'HTTP 429.*--once waits at most 60 s at a time, not [0-9]* s: exiting (updates from offset 0 on stay unconfirmed; the next run retries)' \
        "$TG_TMP/ratelimit.err"
    tg_check_eq "429 for too long ($how), --once: nothing produced or confirmed" \
        "$(wc -c <"$TG_TMP/ratelimit.out"):$(test -e "$STATE" && cat "$STATE")" "0:"
done
tg_check_eq "429 for too long: the update is still pending" "$(fb_state 'd["pending"]')" '[1]'
tp --once --stdout >"$TG_TMP/ratelimit.out" 2>"$TG_TMP/ratelimit.err"
tg_check_eq "429 for 1 s, --once: waited out, exit 0" "$?" 0
tg_check "429 for 1 s, --once: the message is produced" grep -q '"text":"after"' \
    "$TG_TMP/ratelimit.out"
tg_check_eq "429 for 1 s, --once: confirmed" "$(cat "$STATE")" 2
fb_stop
