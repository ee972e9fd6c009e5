#!/usr/bin/env bash
# Late is loud (README, "The window contract" and "--late-file"): without
# --stats, the first five late records are told on stderr with where they
# came from, their event time and the watermark, then a total; --late-file
# appends every late record, as read, one per line, and its failures are
# never silent (78 when it cannot be opened, 75 when it cannot be
# written).  The same through Kafka, where the README's kcat pipeline
# (partitions merged in kcat's order) makes records late.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount

# Seven late records among good ones: W reaches 12:10:00 - 10s at line 2.
{
    echo '{"event_time":"2024-05-01T12:00:05Z","channel_id":1,"message_id":1,"username":"a"}'
    echo '{"event_time":"2024-05-01T12:10:00Z","channel_id":1,"message_id":2,"username":"b"}'
    for i in 3 4 5 6 7 8; do
        printf '{"event_time":"2024-05-01T12:0%d:00Z","channel_id":1,"message_id":%d,"username":"late%d"}\n' \
            "$i" "$i" "$i"
    done
    printf '{"event_time":"2024-05-01T11:00:00Z", "username":"crlf"}\r\n'
    echo '{"event_time":"2024-05-01T12:10:01Z","channel_id":1,"message_id":9,"username":"c"}'
} >"$TG_TMP/in.jsonl"

tgcount -w 1m -l 10s "$TG_TMP/in.jsonl" >"$TG_TMP/plain.out" 2>"$TG_TMP/plain.err"
tg_check_eq "late records: exit 0" "$?" 0
tg_check_eq "late records: the first five told, where, when and the watermark" \
    "$(grep -c 'late: event_time' "$TG_TMP/plain.err")" 5
tg_check "late records: told as FILE:LINE" grep -qxF \
    "tgcount: warning: $TG_TMP/in.jsonl:3: late: event_time 2024-05-01T12:03:00Z is behind the watermark 2024-05-01T12:09:50Z (its windows are final)" \
    "$TG_TMP/plain.err"
tg_check "late records: then a total, with the lateness and where to look" grep -qxF \
    "tgcount: warning: 7 late records skipped (--lateness 10s); see --late-file" \
    "$TG_TMP/plain.err"
tg_check_eq "late records: nothing else on stderr" "$(wc -l <"$TG_TMP/plain.err")" 6
tgcount -q -w 1m -l 10s "$TG_TMP/in.jsonl" >/dev/null 2>"$TG_TMP/quiet.err"
tg_check_eq "-q: silent" "$(cat "$TG_TMP/quiet.err")" ""
tgcount -w 1m -l 2h "$TG_TMP/in.jsonl" >/dev/null 2>"$TG_TMP/none.err"
tg_check_eq "no late record: nothing told" "$(cat "$TG_TMP/none.err")" ""

# ---- --late-file ---------------------------------------------------------------
lf=$TG_TMP/late.jsonl
tgcount -w 1m -l 10s --late-file "$lf" "$TG_TMP/in.jsonl" >"$TG_TMP/lf.out" 2>"$TG_TMP/lf.err"
tg_check_eq "--late-file: exit 0" "$?" 0
tg_check_files_eq "--late-file: the windows are the same" "$TG_TMP/lf.out" "$TG_TMP/plain.out"
sed -n '3,9p' "$TG_TMP/in.jsonl" | tr -d '\r' >"$TG_TMP/want.late"
tg_check_files_eq "--late-file: every late line as read (line end aside), in order" \
    "$lf" "$TG_TMP/want.late"
tg_check_eq "--late-file: mode 0600" "$(stat -c %a "$lf")" 600
tg_check "--late-file: the total says where they went" grep -qxF \
    "tgcount: warning: 7 late records skipped (--lateness 10s); written to $lf" \
    "$TG_TMP/lf.err"
tgcount -w 1m -l 10s --late-file "$lf" "$TG_TMP/in.jsonl" >/dev/null 2>&1
tg_check_eq "--late-file: a second run appends" "$(wc -l <"$lf")" 14
# Recounted with a larger lateness, they are counted (Flink's side output).
tg_check_eq "--late-file: recountable" \
    "$(head -n 7 "$lf" | tgcount -w 1h -l 2h --stats 2>&1 >/dev/null | grep -o 'counted=[0-9]*')" \
    "counted=7"
: >"$TG_TMP/empty"
tgcount --late-file "$TG_TMP/none.jsonl" "$TG_TMP/empty" >/dev/null 2>&1
tg_check "--late-file: created even when nothing is late" test -e "$TG_TMP/none.jsonl"

# Cannot be opened: exit 78 before reading anything.
tgcount -w 1m --late-file "$TG_TMP/no/such/dir/late" "$TG_TMP/in.jsonl" \
    >"$TG_TMP/nodir.out" 2>"$TG_TMP/nodir.err"
tg_check_eq "--late-file in a missing directory: exit 78" "$?" 78
tg_check "--late-file in a missing directory: said" grep -qxF \
    "tgcount: --late-file: $TG_TMP/no/such/dir/late: No such file or directory" "$TG_TMP/nodir.err"
tg_check_eq "--late-file in a missing directory: nothing printed" "$(cat "$TG_TMP/nodir.out")" ""

# Cannot be written (disk full): said at once, no further window, exit 75.
if [ -e /dev/full ]; then
    tgcount -w 1m -l 10s --late-file /dev/full --stats "$TG_TMP/in.jsonl" \
        >"$TG_TMP/full.out" 2>"$TG_TMP/full.err"
    tg_check_eq "--late-file on a full disk: exit 75" "$?" 75
    tg_check "--late-file on a full disk: said" grep -qxF \
        "tgcount: --late-file: /dev/full: No space left on device" "$TG_TMP/full.err"
    tg_check "--late-file on a full disk: stopped at the first late record" \
        grep -q 'read=3 ' "$TG_TMP/full.err"
    tg_check_eq "--late-file on a full disk: no window printed after it" \
        "$(grep '^# ' "$TG_TMP/full.out")" "# 1m 2024-05-01T12:00:00Z 2024-05-01T12:01:00Z"
    tg_check "--late-file on a full disk: the total does not claim they were written" \
        grep -qF "1 late record skipped (--lateness 10s); not all written to /dev/full" \
        "$TG_TMP/full.err"
else
    tg_skip "--late-file on a full disk" "/dev/full does not exist"
fi

# ---- through Kafka ----------------------------------------------------------------
if ! command -v kcat >/dev/null 2>&1; then
    tg_skip "through Kafka" "kcat is not installed"
    exit 0
fi
export TG_USE_REAL_KAFKA=0
tg_broker_start --topic late:1 --partitions 4
# One message spread over three lines (JSON whitespace): written on one.
tr -d '\r' <"$TG_TMP/in.jsonl" >"$TG_TMP/kafka.in"
printf '{"event_time":"2024-05-01T11:00:00Z",\n "username":"multi",\n "x":1}' >"$TG_TMP/multi.msg"
kcat -P -b "$TG_BROKERS" -t late -l "$TG_TMP/kafka.in" &&
    kcat -P -b "$TG_BROKERS" -t late "$TG_TMP/multi.msg"
tg_check_eq "Kafka: produced" "$?" 0
timeout 60 tgcount -b "$TG_BROKERS" -t late -G late -o beginning -e -w 1m -l 10s \
    --late-file "$TG_TMP/kafka.late" >"$TG_TMP/kafka.out" 2>"$TG_TMP/kafka.err"
tg_check_eq "Kafka: exit 0" "$?" 0
tg_check "Kafka: told as topic[partition]@offset" grep -qF \
    "tgcount: warning: late[0]@2: late: event_time 2024-05-01T12:03:00Z is behind the watermark" \
    "$TG_TMP/kafka.err"
tg_check "Kafka: the total" grep -qF "8 late records skipped (--lateness 10s); written to" \
    "$TG_TMP/kafka.err"
{
    cat "$TG_TMP/want.late"
    echo '{"event_time":"2024-05-01T11:00:00Z",  "username":"multi",  "x":1}'
} >"$TG_TMP/kafka.want"
tg_check_files_eq "Kafka: the late file, a multi-line message on one line" \
    "$TG_TMP/kafka.late" "$TG_TMP/kafka.want"

# The README's kcat pipeline merges 4 partitions in kcat's order, which makes
# records late; they are now told, and their number is the stats' late=.
tgproducer --fake --users 200 --rate 50 --count 20000 --start 2026-01-01T00:00:00Z \
    --speed max -b "$TG_BROKERS" 2>/dev/null
timeout 60 kcat -b "$TG_BROKERS" -C -t telegram_messages -o beginning -e -q |
    tgcount --stats --late-file "$TG_TMP/kcat.late" >/dev/null 2>"$TG_TMP/kcat.err"
late=$(grep -o ' late=[0-9]*' "$TG_TMP/kcat.err" | cut -d= -f2)
tg_check "kcat pipeline: read every record" grep -q 'read=20000 ' "$TG_TMP/kcat.err"
if [ "${late:-0}" -gt 0 ]; then
    tg_check "kcat pipeline: $late late records told" grep -qF \
        "$late late record" "$TG_TMP/kcat.err"
else
    tg_pass "kcat pipeline: no record late this time"
fi
tg_check_eq "kcat pipeline: every late record in the late file" \
    "$(wc -l <"$TG_TMP/kcat.late")" "${late:-0}"
timeout 60 tgcount -b "$TG_BROKERS" -o beginning -e -G direct --stats >/dev/null \
    2>"$TG_TMP/direct.err"
tg_check "tgcount's own Kafka input: nothing late" \
    grep -q 'read=20000 counted=20000 malformed=0 late=0 ' "$TG_TMP/direct.err"
