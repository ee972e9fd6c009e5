#!/usr/bin/env bash
# The producer-to-counter pipeline under valgrind (memory safety):
# tgproducer --fake --stdout | tgcount, then the same through the local
# broker, each tool under memcheck: no memory errors, no definitely or
# indirectly lost blocks, and the same output as without valgrind.
. "$(dirname "$0")/../lib.sh"
tg_require tgproducer
tg_require tgcount
tg_require valgrind

# An ASan build cannot run under valgrind (make SANITIZE=1 bin directories).
for tool in tgproducer tgcount; do
    if ldd "$(command -v "$tool")" 2>/dev/null | grep -q libasan; then
        tg_skip "$(basename "$0")" "$tool is built with AddressSanitizer"
        exit 0
    fi
done

# Records on stdin, never from a broker the environment happens to name.
unset KAFKA_BOOTSTRAP_SERVERS
memcheck() {   # LOG COMMAND...: the command under memcheck, report in LOG
    local log=$1
    shift
    valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        --log-file="$log" "$@"
}
# ERROR SUMMARY counts leaks of the kinds above as errors too.
clean_report() {   # LOG: passes when valgrind reported nothing
    [ ! -s "$1" ] && return 0
    sed 's/^/  /' "$1" | head -n 40
    return 1
}
fake=(tgproducer --fake --count 2000 --seed 7 --start 2026-01-01T00:00:00Z --speed max)

# ---- tgproducer ---------------------------------------------------------
"${fake[@]}" --stdout >"$TG_TMP/plain.jsonl"
tg_check_eq "tgproducer writes 2000 records" "$(wc -l <"$TG_TMP/plain.jsonl")" 2000

memcheck "$TG_TMP/producer.vg" "${fake[@]}" --stdout --stats >"$TG_TMP/vg.jsonl" \
    2>"$TG_TMP/producer.err"
tg_check_eq "tgproducer under valgrind: exit 0" "$?" 0
tg_check "tgproducer under valgrind: no errors, no leaks" \
    clean_report "$TG_TMP/producer.vg"
tg_check "tgproducer under valgrind: the same records" \
    cmp -s "$TG_TMP/plain.jsonl" "$TG_TMP/vg.jsonl"

# ---- tgcount, fed by the producer through a pipe --------------------------
tgcount - <"$TG_TMP/plain.jsonl" >"$TG_TMP/plain.out"
tg_check_eq "tgcount: exit 0" "$?" 0
tg_check "tgcount: some windows" test -s "$TG_TMP/plain.out"

"${fake[@]}" --stdout |
    memcheck "$TG_TMP/count.vg" tgcount - >"$TG_TMP/vg.out" 2>"$TG_TMP/count.err"
status=("${PIPESTATUS[@]}")
tg_check_eq "pipeline under valgrind: exit statuses" "${status[*]}" "0 0"
tg_check "tgcount under valgrind: no errors, no leaks" clean_report "$TG_TMP/count.vg"
tg_check "tgcount under valgrind: the same windows" \
    cmp -s "$TG_TMP/plain.out" "$TG_TMP/vg.out"

# Malformed lines take the error paths, which must not leak either.
{
    head -n 500 "$TG_TMP/plain.jsonl"
    printf '%s\n' 'not json' '[1,2' $'\xff\xfe' '' \
        '{"event_time":"2026-01-01T00:00:00Z","username":"x","username":"y"}' \
        '{"event_time":"10000-01-01T00:00:00Z"}'
    long_name=$(printf 'Ж%.0s' {1..300})
    printf '{"event_time":"2026-01-01T00:00:01Z","username":"%s"}\n' "$long_name"
    tail -n 500 "$TG_TMP/plain.jsonl"
} >"$TG_TMP/mixed.jsonl"
memcheck "$TG_TMP/mixed.vg" tgcount -w 1m -w 10m/30s - <"$TG_TMP/mixed.jsonl" \
    >"$TG_TMP/mixed.out" 2>"$TG_TMP/mixed.err"
tg_check_eq "tgcount with malformed lines under valgrind: exit 0" "$?" 0
tg_check "tgcount with malformed lines under valgrind: no errors, no leaks" \
    clean_report "$TG_TMP/mixed.vg"

# ---- the same pipeline through the local broker -----------------------------
# librdkafka's threads, timers and sockets under memcheck: both tools must
# still shut down without errors or leaks.
tg_broker_start --partitions 3
tg_kafka_local topic vg 3 >/dev/null
memcheck "$TG_TMP/producer-kafka.vg" "${fake[@]}" -b "$TG_BROKERS" -t vg \
    2>"$TG_TMP/producer-kafka.err"
tg_check_eq "tgproducer into Kafka under valgrind: exit 0" "$?" 0
tg_check "tgproducer into Kafka under valgrind: no errors, no leaks" \
    clean_report "$TG_TMP/producer-kafka.vg"

memcheck "$TG_TMP/count-kafka.vg" tgcount -b "$TG_BROKERS" -t vg -G vg -o beginning -e \
    >"$TG_TMP/kafka.out" 2>"$TG_TMP/count-kafka.err"
tg_check_eq "tgcount from Kafka under valgrind: exit 0" "$?" 0
tg_check "tgcount from Kafka under valgrind: no errors, no leaks" \
    clean_report "$TG_TMP/count-kafka.vg"
tg_check_stopped_eq "tgcount from Kafka under valgrind: the same windows as from the pipe" \
    "$TG_TMP/kafka.out" "$TG_TMP/plain.out"
