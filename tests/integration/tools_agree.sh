#!/usr/bin/env bash
# What both tools do alike: -X debug=... shows librdkafka's lines without
# -vv; a stdout that cannot be written (disk full) is exit 75 in both,
# tgproducer --fake, tgproducer --once --stdout and tgcount alike; after
# SIGTERM tgproducer flushes for at most 10 s, as its man page and the
# README say; the README's and the man page's cron lines give tgproducer's
# absolute path (cron's PATH lacks /usr/local/bin).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tgproducer_botapi.lib"
tg_require tgcount

# ---- -X debug=...: librdkafka's lines without -vv ------------------------------
# Port 1 on loopback: nothing listens, and the broker context says so.
timeout 20 tgcount -b 127.0.0.1:1 --connect-timeout 1s -e -X debug=broker </dev/null \
    >/dev/null 2>"$TG_TMP/c.err"
tg_check "tgcount -X debug=broker: librdkafka's broker lines shown" \
    grep -q '^tgcount: librdkafka 7 BROKER' "$TG_TMP/c.err"
timeout 20 tgcount -b 127.0.0.1:1 --connect-timeout 1s -e </dev/null >/dev/null \
    2>"$TG_TMP/c0.err"
tg_check_eq "tgcount without -X debug: none" "$(grep -c librdkafka "$TG_TMP/c0.err")" 0
timeout 20 tgproducer --fake --count 1 -b 127.0.0.1:1 --delivery-timeout 1s \
    -X debug=broker >/dev/null 2>"$TG_TMP/p.err"
tg_check "tgproducer -X debug=broker: librdkafka's broker lines shown" \
    grep -q '^tgproducer: kafka: BROKER: ' "$TG_TMP/p.err"

# ---- a stdout that cannot be written: exit 75 in both tools ----------------------
if [ -e /dev/full ]; then
    tgcount -w 1m <<<'{"event_time":"2024-01-01T00:00:00Z","username":"a"}' \
        >/dev/full 2>"$TG_TMP/full.err"
    tg_check_eq "tgcount, disk full: exit 75" "$? $(cat "$TG_TMP/full.err")" \
        "75 tgcount: writing the output: No space left on device"
    tgproducer --fake --count 10 --speed max --stdout >/dev/full 2>"$TG_TMP/full.err"
    tg_check_eq "tgproducer --fake --stdout, disk full: exit 75" \
        "$? $(cat "$TG_TMP/full.err")" "75 tgproducer: stdout: No space left on device"
    python3 -c '
import json
u = {"id": 7, "is_bot": False, "first_name": "A", "username": "a"}
chat = {"id": -100, "type": "group", "title": "t"}
print(json.dumps({"updates": [{"update_id": i, "message": {"message_id": i, "date": 1700000000 + i,
    "chat": chat, "from": u, "text": "hi"}} for i in range(1, 4)]}))' >"$TG_TMP/script.json"
    fb_start full --script "$TG_TMP/script.json"
    tp --once --stdout --state "$TG_TMP/full.offset" >/dev/full 2>"$TG_TMP/full.err"
    tg_check_eq "tgproducer --once --stdout, disk full: exit 75" \
        "$? $(cat "$TG_TMP/full.err")" "75 tgproducer: stdout: No space left on device"
    tg_check "tgproducer --once --stdout, disk full: nothing confirmed" \
        test ! -s "$TG_TMP/full.offset"
    fb_stop
else
    tg_skip "disk full" "/dev/full does not exist"
fi

# ---- SIGTERM: the final flush waits at most 10 s -----------------------------------
# Records that cannot be delivered (nothing listens on port 1) and a 60 s
# --delivery-timeout: after SIGTERM the flush gives up after 10 s.
tgproducer --fake --rate 100 -b 127.0.0.1:1 --delivery-timeout 60s >/dev/null \
    2>"$TG_TMP/term.err" &
pid=$!
tg_cleanup_push "kill -9 $pid 2>/dev/null"
tg_wait_until 10 grep -q 'Connection refused' "$TG_TMP/term.err"
clock_start
kill -TERM "$pid"
wait "$pid"
status=$?
ms=$(clock_ms)
echo "# the flush after SIGTERM took $ms ms"
tg_check_eq "SIGTERM with undelivered records: exit 0" "$status" 0
tg_check "SIGTERM: the flush stops after about 10 s, not --delivery-timeout's 60" \
    test "$ms" -ge 9000 -a "$ms" -lt 20000
tg_check "man page: the same bound" \
    grep -q 'at most 10 s (or \\-\\-delivery\\-timeout, when shorter)' \
    "$TG_TOP/producer/tgproducer.1"
tg_check "README: the same bound" grep -q 'min(`--delivery-timeout`, 10 s)' "$TG_TOP/README.md"

# ---- the cron lines ----------------------------------------------------------------
tg_check "README: the cron line runs /usr/local/bin/tgproducer" \
    grep -qE '^ +\* \* \* \* \* /usr/local/bin/tgproducer --once ' "$TG_TOP/README.md"
tg_check "man page: the cron line runs /usr/local/bin/tgproducer" \
    grep -qE '^ +\* \* \* \* \* /usr/local/bin/tgproducer \\-\\-once ' \
    "$TG_TOP/producer/tgproducer.1"
