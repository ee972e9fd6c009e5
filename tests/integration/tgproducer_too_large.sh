#!/usr/bin/env bash
# A record larger than Kafka accepts never blocks tgproducer: refused by
# the producer (-X message.max.bytes) or by the broker (a delivery error),
# its update is skipped with an error naming the update and the size (never
# the text), counted as too_large, and confirmed with its batch; the other
# records of the batch are delivered, and the next run starts after it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tgproducer_botapi.lib"
tg_require kcat

tg_broker_start --partitions 2
consume() { kcat -C -b "$TG_BROKERS" -t "$1" -o beginning -e -q -f "${2:-%s\n}"; }
texts() { consume "$1" | python3 -c 'import json,sys; print(sorted(json.loads(l)["text"] for l in sys.stdin))'; }
# unique_texts TOPIC: the same without duplicates (a batch sent again).
unique_texts() { consume "$1" | python3 -c 'import json,sys; print(sorted({json.loads(l)["text"] for l in sys.stdin}))'; }

# updates FIRST LAST [LONG_ID]: short messages FIRST..LAST; LONG_ID's text
# is 3000 characters, the word "SECRETWORD" among them.
updates() {
    python3 -c '
import json, sys
first, last, long_id = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def update(i):
    text = ("SECRETWORD " + "x" * 2989) if i == long_id else "m%d" % i
    return {"update_id": i, "message": {"message_id": i, "date": 1700000000 + i,
            "chat": {"id": -100500, "type": "supergroup", "title": "L"},
            "from": {"id": 10 + i % 3, "is_bot": False, "username": "u%d" % (i % 3)},
            "text": text}}
print(json.dumps([update(i) for i in range(first, last + 1)]))' "$1" "$2" "${3:-0}"
}

# ---- refused by the producer: message.max.bytes ---------------------------------------
printf '{"updates": %s}\n' "$(updates 1 6 4)" >"$TG_TMP/big.json"
fb_start big --script "$TG_TMP/big.json"
tg_kafka_local topic big1 2 >/dev/null
tp --once -b "$TG_BROKERS" -t big1 -X message.max.bytes=1000 --stats \
    >/dev/null 2>"$TG_TMP/big1.err"
tg_check_eq "too large for the producer, --once: exit 0" "$?" 0
tg_check "too large: an error names the update and the size" grep -qE \
    '^tgproducer: update 4: kafka: a record of 3[0-9]{3} bytes: .*\(message.max.bytes\); skipped \(confirmed with its batch\)$' \
    "$TG_TMP/big1.err"
tg_check "too large: never its text" not_grep SECRETWORD "$TG_TMP/big1.err"
tg_check_eq "too large: the rest of the batch is delivered" "$(texts big1)" \
    "['m1', 'm2', 'm3', 'm5', 'm6']"
tg_check_eq "too large: confirmed with its batch" "$(cat "$STATE")" 7
tg_check "too large: counted in the stats" grep -q \
    'stats: 6 updates seen, 5 messages produced, 1 skipped (0 malformed, 1 too_large)' \
    "$TG_TMP/big1.err"
tg_check_eq "too large: nothing left pending at the server" "$(fb_state 'd["pending"]')" '[]'
fb_append "$(updates 7 8)"
tp --once -b "$TG_BROKERS" -t big1 -X message.max.bytes=1000 >/dev/null 2>"$TG_TMP/big2.err"
tg_check_eq "too large: the next run goes on after it, exit 0" "$?" 0
tg_check_eq "too large: the next run delivers the new updates" "$(texts big1)" \
    "['m1', 'm2', 'm3', 'm5', 'm6', 'm7', 'm8']"
tg_check_eq "too large: and confirms them" "$(cat "$STATE")" 9
fb_stop

# ---- refused by the broker: a delivery error -------------------------------------------
# The broker answers the next produce requests "message too large".  One
# refusal: the batch is sent again a record at a time and all of it is
# delivered.  Two: the first record, refused again alone, is skipped.
if [ -z "${TG_BROKER_DIR:-}" ]; then
    tg_skip "refused by the broker" "needs the local broker (KAFKA_BOOTSTRAP_SERVERS is set)"
    exit 0
fi
fb_start broker
tg_kafka_local topic big2 1 >/dev/null
fb_append "$(updates 20 24)"
tg_kafka_local produce-error 10 1 >/dev/null
tp --once -b "$TG_BROKERS" -t big2 --stats >/dev/null 2>"$TG_TMP/broker1.err"
tg_check_eq "broker refuses once: exit 0" "$?" 0
tg_check "broker refuses once: sent again one record at a time" grep -q \
    'the broker refused a record as too large: sending the batch again one record at a time' \
    "$TG_TMP/broker1.err"
tg_check_eq "broker refuses once: every record delivered" \
    "$(unique_texts big2)" \
    "['m20', 'm21', 'm22', 'm23', 'm24']"
tg_check "broker refuses once: nothing skipped" grep -q '(0 malformed, 0 too_large)' \
    "$TG_TMP/broker1.err"
tg_check_eq "broker refuses once: confirmed" "$(cat "$STATE")" 25

tg_kafka_local topic big3 1 >/dev/null
fb_append "$(updates 30 33)"
tg_kafka_local produce-error 10 2 >/dev/null
tp --once -b "$TG_BROKERS" -t big3 --stats >/dev/null 2>"$TG_TMP/broker2.err"
tg_check_eq "broker refuses a record alone: exit 0" "$?" 0
tg_check "broker refuses a record alone: it is skipped, named with its size" grep -qE \
    'update 30: a record of [0-9]+ bytes refused by the broker \(kafka: delivery failed: .*\); skipped' \
    "$TG_TMP/broker2.err"
tg_check_eq "broker refuses a record alone: the others delivered" \
    "$(unique_texts big3)" \
    "['m31', 'm32', 'm33']"
tg_check "broker refuses a record alone: counted" grep -q '(0 malformed, 1 too_large)' \
    "$TG_TMP/broker2.err"
tg_check_eq "broker refuses a record alone: confirmed" "$(cat "$STATE")" 34
fb_stop

tg_check "token: in no message" no_token "$TG_TMP"/*.err
