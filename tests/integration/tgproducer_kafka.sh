#!/usr/bin/env bash
# tgproducer --fake into the local broker, read back with kcat (an
# independent client): the same records as --stdout, keyed by the counting
# key, one partition per key; a broker down at start and back loses
# nothing; --delivery-timeout expiry exits 75; -X reaches librdkafka.
. "$(dirname "$0")/../lib.sh"
tg_require tgproducer
tg_require kcat
tg_require jq

tg_broker_start --partitions 3
local_broker() { "$TG_TOP/scripts/kafka-local" "$@" --dir "$TG_BROKER_DIR"; }
make_topic() { local_broker topic "$1" 3 >/dev/null; }
START=2026-01-01T00:00:00Z
fake() { tgproducer --fake --start "$START" --speed max "$@"; }
# consume TOPIC [kcat -f format]: everything in the topic, then exit.
consume() { kcat -C -b "$TG_BROKERS" -t "$1" -o beginning -e -q -f "${2:-%s\n}"; }

# ---- the same records as --stdout, keyed ------------------------------------
fake --seed 7 --count 5000 --stdout >"$TG_TMP/expected.jsonl"

make_topic fake1
fake --seed 7 --count 5000 -b "$TG_BROKERS" -t fake1 --stats 2>"$TG_TMP/stats.err"
tg_check_eq "into Kafka: exit 0" "$?" 0
tg_check "--stats: all 5000 produced" \
    grep -q 'stats: 5000 records produced, 0 delivery failures, 0 undelivered' \
    "$TG_TMP/stats.err"
consume fake1 >"$TG_TMP/got.jsonl"
tg_check_eq "kcat reads back exactly the --stdout records" \
    "$(sort "$TG_TMP/got.jsonl" | md5sum)" "$(sort "$TG_TMP/expected.jsonl" | md5sum)"
tg_check_eq "no duplicates" "$(sort "$TG_TMP/got.jsonl" | uniq -d | wc -l)" 0

# Keys: username, else user_<user_id> (what tgcount counts by).  Generated
# keys hold no quote or backslash, so kcat can wrap them in JSON.
consume fake1 '{"key":"%k","record":%s}\n' |
    jq -r '.record as $r
        | (if $r.username != null then $r.username
           elif $r.user_id != null then "user_\($r.user_id)"
           else "anonymous" end) as $want
        | select(.key != $want) | "key \(.key), want \($want)"' >"$TG_TMP/badkeys" ||
    echo "jq failed" >>"$TG_TMP/badkeys"
tg_check_eq "keys checked" "$(consume fake1 '%k\n' | wc -l)" 5000
tg_check_eq "every key is the record's counting key" "$(head -n 3 "$TG_TMP/badkeys")" ""
tg_check_eq "one user's records stay in one partition" \
    "$(consume fake1 '%p\t%k\n' | sort -u | cut -f 2 | sort | uniq -d | wc -l)" 0
tg_check "records use several partitions" \
    test "$(consume fake1 '%p\n' | sort -u | wc -l)" -gt 1

# ---- broker down at start, back later: nothing lost ----------------------------
make_topic fake2
local_broker down >/dev/null
fake --seed 8 --count 2000 -b "$TG_BROKERS" -t fake2 --delivery-timeout 60 \
    --stats 2>"$TG_TMP/down.err" &
pid=$!
tg_cleanup_push "kill $pid"
# The producer has generated everything and waits in its final flush.
tg_check "the producer reports the brokers down" \
    tg_wait_until 20 grep -q 'brokers are down' "$TG_TMP/down.err"
tg_check "still running while the broker is down" kill -0 "$pid"
local_broker up >/dev/null
wait "$pid"
tg_check_eq "broker back: exit 0" "$?" 0
tg_check_eq "broker back: every record delivered once" \
    "$(consume fake2 | sort | md5sum)" \
    "$(fake --seed 8 --count 2000 --stdout | sort | md5sum)"

# ---- broker down for longer than --delivery-timeout ------------------------------
make_topic fake3
local_broker down >/dev/null
t0=$(date +%s%N)
fake --seed 9 --count 100 -b "$TG_BROKERS" -t fake3 --delivery-timeout 2 \
    2>"$TG_TMP/timeout.err"
rc=$?
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
local_broker up >/dev/null
tg_check_eq "--delivery-timeout passed: exit 75" "$rc" 75
tg_check "--delivery-timeout: says how many are undelivered" \
    grep -q '100 records not delivered within 2000 ms' "$TG_TMP/timeout.err"
tg_check "--delivery-timeout: bounded (${elapsed_ms} ms)" \
    test "$elapsed_ms" -ge 2000 -a "$elapsed_ms" -lt 6000

# ---- SIGTERM while the broker is down: bounded flush, exit 0 -------------------------
local_broker down >/dev/null
tgproducer --fake --speed max -b "$TG_BROKERS" -t fake6 --delivery-timeout 2 \
    2>"$TG_TMP/stopdown.err" &
pid=$!
tg_cleanup_push "kill $pid"
tg_wait_until 20 grep -q 'brokers are down' "$TG_TMP/stopdown.err"
kill -TERM "$pid"
wait "$pid"
tg_check_eq "SIGTERM, broker down: exit 0 after the bounded flush" "$?" 0
tg_check "SIGTERM, broker down: says what was not delivered" \
    grep -q 'stopped before delivery finished: kafka: [0-9]* records not delivered' "$TG_TMP/stopdown.err"
local_broker up >/dev/null

# ---- SIGTERM while producing: exit 0, what was produced is whole ---------------------
make_topic fake4
tgproducer --fake --rate 200 --speed 1 -b "$TG_BROKERS" -t fake4 2>/dev/null &
pid=$!
tg_cleanup_push "kill $pid"
tg_check "records arrive while it runs" \
    tg_wait_until 10 sh -c "kcat -C -b '$TG_BROKERS' -t fake4 -o beginning -e -q | grep -q event_time"
kill -TERM "$pid"
wait "$pid"
tg_check_eq "SIGTERM: exit 0" "$?" 0
tg_check "SIGTERM: every record in the topic is whole" sh -c "
    kcat -C -b '$TG_BROKERS' -t fake4 -o beginning -e -q | jq -e . >/dev/null"

# ---- configuration --------------------------------------------------------------------
fake --count 1 -b "$TG_BROKERS" -X no.such.property=1 2>"$TG_TMP/conf.err"
tg_check_eq "bad -X: exit 78" "$?" 78
tg_check "bad -X: names the property" grep -q no.such.property "$TG_TMP/conf.err"
printf 'linger.ms=1\n' >"$TG_TMP/good.properties"
make_topic fake5
fake --count 10 -b "$TG_BROKERS" -t fake5 -F "$TG_TMP/good.properties" 2>/dev/null
tg_check_eq "-F file: exit 0" "$?" 0
tg_check_eq "-F file: delivered" "$(consume fake5 | wc -l)" 10
KAFKA_BOOTSTRAP_SERVERS=$TG_BROKERS fake --count 10 -t fake5 2>/dev/null
tg_check_eq "\$KAFKA_BOOTSTRAP_SERVERS: delivered" "$(consume fake5 | wc -l)" 20
