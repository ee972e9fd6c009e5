#!/usr/bin/env bash
# tgproducer --metrics-file (issue 11, item 3) in every mode: the counters in
# Prometheus' text format, validated by a strict parser (tests/promcheck.py),
# with values counted by hand from what was sent (or counted at the other
# end: stdout lines, kcat); mode 0644; an unwritable path is exit 78; the
# file and the periodic --stats line keep coming during a 50 s long poll;
# the final file at exit.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tgproducer_botapi.lib"

check() { python3 "$TG_TOP/tests/promcheck.py" "$1" >/dev/null; }
# samples FILE: the parsed samples, or nothing when the file does not parse.
samples() { python3 "$TG_TOP/tests/promcheck.py" "$1" 2>/dev/null; }
value() { # value FILE SERIES
    samples "$1" | awk -v s="$2" '$1 == s { print $2 }'
}
# has FILE SERIES VALUE: for tg_wait_until (a function, so the file is
# read again at each try).
has() { [ "$(value "$1" "$2")" = "$3" ]; }

# ---- --fake to stdout: every counter, hand-checked --------------------------
tgproducer --fake --stdout --count 1000 --speed max --metrics-file "$TG_TMP/f.prom" \
    >"$TG_TMP/f.out" 2>"$TG_TMP/f.err"
tg_check_eq "fake: exit 0" "$?" 0
tg_check "fake: the parser accepts it" check "$TG_TMP/f.prom"
tg_check_eq "fake: mode 0644" "$(stat -c %a "$TG_TMP/f.prom")" 644
tg_check_eq "fake: the samples" "$(samples "$TG_TMP/f.prom")" \
    "$(printf '%s\n' 'tgproducer_records_produced_total 1000' \
        'tgproducer_delivery_failures_total 0' 'tgproducer_records_too_large_total 0' \
        'tgproducer_queue_full_waits_total 0' 'tgproducer_records_in_flight 0')"
tg_check_eq "fake: produced equals the lines written" "$(wc -l <"$TG_TMP/f.out")" 1000
tg_check_eq "fake: no temporary file left" "$(ls "$TG_TMP" | grep -c 'prom\.tmp\.')" 0

tgproducer --fake --stdout --count 1 --metrics-file "$TG_TMP/missing/m.prom" \
    >/dev/null 2>"$TG_TMP/bad.err"
tg_check_eq "unwritable path: exit 78" "$?" 78
tg_check_eq "unwritable path: one error line, nothing else" \
    "$(grep -c "^tgproducer: --metrics-file: $TG_TMP/missing/m.prom: " "$TG_TMP/bad.err"):$(wc -l <"$TG_TMP/bad.err")" \
    1:1

# ---- --fake at a pace: rewritten while it runs, periodic stats ------------------
tgproducer --fake --stdout --rate 200 --stats --stats-interval 200ms \
    --metrics-file "$TG_TMP/p.prom" --metrics-interval 100ms \
    >"$TG_TMP/p.out" 2>"$TG_TMP/p.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
produced_over() { # produced_over N: the file shows more than N produced
    local v
    v=$(value "$TG_TMP/p.prom" tgproducer_records_produced_total)
    [ -n "$v" ] && [ "$v" -gt "$1" ]
}
tg_check "fake, paced: the file is rewritten while it runs" tg_wait_until 20 produced_over 0
first=$(value "$TG_TMP/p.prom" tgproducer_records_produced_total)
tg_check "fake, paced: and again, with more" tg_wait_until 20 produced_over "$first"
two_stats() { [ "$(grep -c '^tgproducer: stats: ' "$TG_TMP/p.err")" -ge 2 ]; }
tg_check "fake, paced: periodic stats lines while it runs" tg_wait_until 20 two_stats
kill -TERM "$pid"
wait "$pid"
tg_check_eq "fake, paced: exit 0 on SIGTERM" "$?" 0
tg_check "fake, paced: the final file parses" check "$TG_TMP/p.prom"
tg_check_eq "fake, paced: the final file counts every line written" \
    "$(value "$TG_TMP/p.prom" tgproducer_records_produced_total)" "$(wc -l <"$TG_TMP/p.out")"
tg_check_eq "fake, paced: the last stats line agrees" \
    "$(tail -n 1 "$TG_TMP/p.err" | sed -n 's/^tgproducer: stats: \([0-9]*\) records produced.*/\1/p')" \
    "$(wc -l <"$TG_TMP/p.out")"

# ---- Telegram follow mode: counted by hand ----------------------------------------
msg() { # msg UPDATE_ID: one user message
    printf '{"update_id": %d, "message": {"message_id": %d, "date": 1700000000, "chat": {"id": -1001, "type": "supergroup", "title": "G"}, "from": {"id": 9, "is_bot": false, "first_name": "N", "username": "nine"}, "text": "m%d"}}' \
        "$1" "$1" "$1"
}
# The first getUpdates gets a 502 (one poll error, one retry); the second
# the five updates: three messages, an edit (skipped without
# --include-edits) and a message without chat.id (skipped, malformed).
cat >"$TG_TMP/script.json" <<EOF
{"updates": [$(msg 10), $(msg 11), $(msg 12),
  {"update_id": 13, "edited_message": {"message_id": 10, "date": 1700000000, "edit_date": 1700000001, "chat": {"id": -1001, "type": "supergroup", "title": "G"}, "from": {"id": 9, "is_bot": false, "first_name": "N"}, "text": "m10!"}},
  {"update_id": 14, "message": {"message_id": 14, "date": 1700000000}}],
 "getUpdates": ["html"]}
EOF
fb_start follow --script "$TG_TMP/script.json"
rm -f "$STATE"
# Started directly, not through tp: $! must be tgproducer.  A 50 s long
# poll: whatever is written after the batch is written during it.
tgproducer --api-url "$FB_URL" --stdout --poll-timeout 50 --stats --stats-interval 300ms \
    --metrics-file "$TG_TMP/t.prom" --metrics-interval 100ms \
    >"$TG_TMP/t.out" 2>"$TG_TMP/t.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
expected_t=$(printf '%s\n' 'tgproducer_records_produced_total 3' \
    'tgproducer_delivery_failures_total 0' 'tgproducer_records_too_large_total 0' \
    'tgproducer_queue_full_waits_total 0' 'tgproducer_records_in_flight 0' \
    'tgproducer_updates_total 5' 'tgproducer_updates_skipped_total 2' \
    'tgproducer_updates_malformed_total 1' 'tgproducer_poll_errors_total 1' \
    'tgproducer_retries_total 1' 'tgproducer_next_update_offset 15')
t_done() { [ "$(samples "$TG_TMP/t.prom")" = "$expected_t" ]; }
tg_check "follow: the file shows the batch, counted by hand" tg_wait_until 20 t_done
tg_check_eq "follow: the state file agrees on the offset" "$(cat "$STATE")" 15
tg_check_eq "follow: produced equals the lines written" "$(wc -l <"$TG_TMP/t.out")" 3
tg_check "follow: a long poll is waiting" tg_wait_until 10 fb_polling
# Rewritten during the long poll: the file is replaced by rename, so a new
# inode means a new write.
inode=$(stat -c %i "$TG_TMP/t.prom")
new_inode() { [ "$(stat -c %i "$TG_TMP/t.prom")" != "$inode" ]; }
tg_check "follow: the file is rewritten during the long poll" tg_wait_until 10 new_inode
stats_line='^tgproducer: stats: 5 updates seen, 3 messages produced, 2 skipped (1 malformed, 0 too_large), 0 delivery failures, 1 retries, next offset 15$'
stats_now=$(grep -c "$stats_line" "$TG_TMP/t.err")
more_stats() { [ "$(grep -c "$stats_line" "$TG_TMP/t.err")" -gt "$stats_now" ]; }
tg_check "follow: a periodic stats line during the long poll" tg_wait_until 10 more_stats
tg_check "follow: still the same long poll" fb_polling
kill -TERM "$pid"
wait "$pid"
tg_check_eq "follow: exit 0 on SIGTERM" "$?" 0
tg_check_eq "follow: the final file" "$(samples "$TG_TMP/t.prom")" "$expected_t"
tg_check "follow: no token in the file" no_token "$TG_TMP/t.prom"

# ---- --once: the file at the end ------------------------------------------------
fb_start once
fb_append "[$(msg 20), $(msg 21)]"
tp --once --stdout --metrics-file "$TG_TMP/o.prom" >"$TG_TMP/o.out" 2>"$TG_TMP/o.err"
tg_check_eq "once: exit 0" "$?" 0
tg_check_eq "once: the samples" "$(samples "$TG_TMP/o.prom" | grep -E 'produced|updates_total|poll_errors|next_update')" \
    "$(printf '%s\n' 'tgproducer_records_produced_total 2' 'tgproducer_updates_total 2' \
        'tgproducer_poll_errors_total 0' 'tgproducer_next_update_offset 22')"
tg_check_eq "once: no periodic stats without --stats" "$(grep -c 'stats:' "$TG_TMP/o.err")" 0

# ---- --fake into Kafka: produced counted again by kcat --------------------------
if ! command -v kcat >/dev/null 2>&1; then
    tg_skip "kafka metrics" "kcat is not installed"
    exit 0
fi
export TG_USE_REAL_KAFKA=0
tg_broker_start --topic pm:1
tgproducer --fake --count 500 --speed max -b "$TG_BROKERS" -t pm \
    --metrics-file "$TG_TMP/k.prom" 2>"$TG_TMP/k.err"
tg_check_eq "kafka: exit 0" "$?" 0
tg_check "kafka: the parser accepts it" check "$TG_TMP/k.prom"
tg_check_eq "kafka: produced, failed, in flight" \
    "$(value "$TG_TMP/k.prom" tgproducer_records_produced_total):$(value "$TG_TMP/k.prom" tgproducer_delivery_failures_total):$(value "$TG_TMP/k.prom" tgproducer_records_in_flight)" \
    500:0:0
tg_check_eq "kafka: kcat reads as many from the topic" \
    "$(timeout 30 kcat -C -b "$TG_BROKERS" -t pm -o beginning -e -q | wc -l)" 500
