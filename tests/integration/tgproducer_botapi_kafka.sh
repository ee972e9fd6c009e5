#!/usr/bin/env bash
# tgproducer from the fake Bot API into the local broker: the same records
# as --stdout, keyed by username; with the broker down, --once exits 75
# after --delivery-timeout leaving the offset unconfirmed, and the next run
# delivers; in follow mode the offset waits for the broker to come back,
# and failed deliveries send the whole batch again until it is delivered.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tgproducer_botapi.lib"
tg_require kcat

tg_broker_start --partitions 3
local_broker() { "$TG_TOP/scripts/kafka-local" "$@" --dir "$TG_BROKER_DIR"; }
consume() { kcat -C -b "$TG_BROKERS" -t "$1" -o beginning -e -q -f "${2:-%s\n}"; }

# updates FIRST LAST: messages FIRST..LAST from five users, one anonymous.
updates() {
    python3 -c '
import json, sys
first, last = int(sys.argv[1]), int(sys.argv[2])
def update(i):
    m = {"message_id": i, "date": 1700000000 + i, "text": "m%d" % i,
         "chat": {"id": -100400, "type": "supergroup", "title": "K"}}
    if i % 6 == 0:
        m["sender_chat"] = {"id": -100400, "type": "supergroup", "title": "K"}
    else:
        m["from"] = {"id": 10 + i % 5, "is_bot": False, "first_name": "U",
                     "username": "user%d" % (i % 5)}
    return {"update_id": i, "message": m}
print(json.dumps([update(i) for i in range(first, last + 1)]))' "$1" "$2"
}
sorted_texts() { python3 -c 'import json,sys; print(sorted({json.loads(l)["text"] for l in sys.stdin}, key=lambda t: int(t[1:])))'; }
expected_texts() { python3 -c "print(['m%d' % i for i in range($1, $2 + 1)])"; }

# ---- into Kafka: the same records as --stdout, keyed ------------------------------------
printf '{"updates": %s}\n' "$(updates 1 120)" >"$TG_TMP/k.json"
fb_start ref --script "$TG_TMP/k.json"
tp --once --stdout --state "$TG_TMP/ref.offset" >"$TG_TMP/expected.jsonl" 2>/dev/null
fb_stop
fb_start k --script "$TG_TMP/k.json"
local_broker topic tgk1 3 >/dev/null
tp --once -b "$TG_BROKERS" -t tgk1 >/dev/null 2>"$TG_TMP/k.err"
tg_check_eq "kafka: exit 0" "$?" 0
tg_check_eq "kafka: kcat reads back exactly the --stdout records" \
    "$(consume tgk1 | sort | md5sum)" "$(sort "$TG_TMP/expected.jsonl" | md5sum)"
tg_check_eq "kafka: 120 records" "$(consume tgk1 | wc -l)" 120
tg_check_eq "kafka: each key is the record's username" \
    "$(consume tgk1 '%k %s\n' | python3 -c '
import json, sys
bad = 0
for line in sys.stdin:
    key, rec = line.split(" ", 1)
    bad += key != json.loads(rec)["username"]
print(bad)')" 0
tg_check_eq "kafka: one user's records stay in one partition" \
    "$(consume tgk1 '%p\t%k\n' | sort -u | cut -f 2 | sort | uniq -d | wc -l)" 0
tg_check_eq "kafka: confirmed after delivery" "$(cat "$STATE")" 121

# ---- broker down: --once gives up after --delivery-timeout, unconfirmed ---------------------
local_broker topic tgk2 3 >/dev/null
fb_append "$(updates 200 209)"
local_broker down >/dev/null
clock_start
tp --once -b "$TG_BROKERS" -t tgk2 --delivery-timeout 2s >/dev/null 2>"$TG_TMP/down.err"
rc=$?
ms=$(clock_ms)
tg_check_eq "broker down, --once: exit 75" "$rc" 75
tg_check "broker down, --once: bounded by --delivery-timeout (${ms} ms)" \
    test "$ms" -ge 2000 -a "$ms" -lt 8000
tg_check "broker down, --once: says the offset is not confirmed" \
    grep -q 'records not delivered within --delivery-timeout; updates from offset 121 on stay unconfirmed' \
    "$TG_TMP/down.err"
tg_check_eq "broker down, --once: state unchanged" "$(cat "$STATE")" 121
tg_check_eq "broker down, --once: the updates stay pending at the server" \
    "$(fb_state 'len(d["pending"])')" 10
local_broker up >/dev/null
tp --once -b "$TG_BROKERS" -t tgk2 >/dev/null 2>"$TG_TMP/up.err"
tg_check_eq "broker back, --once: exit 0" "$?" 0
tg_check_eq "broker back: every message delivered (duplicates allowed)" \
    "$(consume tgk2 | sorted_texts)" "$(expected_texts 200 209)"
tg_check_eq "broker back: confirmed" "$(cat "$STATE")" 210

# ---- follow mode: the offset waits for the broker --------------------------------------------
local_broker topic tgk3 3 >/dev/null
local_broker down >/dev/null
tgproducer --api-url "$FB_URL" -b "$TG_BROKERS" -t tgk3 --poll-timeout 2 \
    --delivery-timeout 1s >/dev/null 2>"$TG_TMP/follow.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
fb_append "$(updates 300 304)"
tg_check "follow, broker down: warns that delivery is pending" \
    tg_wait_until 20 grep -q 'records still undelivered after' "$TG_TMP/follow.err"
tg_check_eq "follow, broker down: nothing confirmed meanwhile" "$(cat "$STATE")" 210
tg_check_eq "follow, broker down: no new getUpdates while the batch is undelivered" \
    "$(fb_log '[x["offset"] for x in g][-1]')" 210
local_broker up >/dev/null
tg_check "follow, broker back: confirmed once delivered" \
    tg_wait_until 30 grep -qx 305 "$STATE"
tg_check_eq "follow, broker back: all five in the topic" \
    "$(consume tgk3 | sorted_texts)" "$(expected_texts 300 304)"
kill -TERM "$pid"
wait "$pid"
tg_check_eq "follow: SIGTERM exits 0" "$?" 0

# ---- failed deliveries: the batch is sent again until it is delivered ------------------------
# message.timeout.ms=1000 turns "broker down" into failed delivery reports.
local_broker topic tgk4 3 >/dev/null
local_broker down >/dev/null
fb_append "$(updates 400 404)"
tgproducer --api-url "$FB_URL" -b "$TG_BROKERS" -t tgk4 --poll-timeout 2 \
    -X message.timeout.ms=1000 >/dev/null 2>"$TG_TMP/fail.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
two_failures() { test "$(grep -c 'sending the batch again' "$TG_TMP/fail.err")" -ge 2; }
tg_check "failed delivery: the batch is sent again, more than once" \
    tg_wait_until 20 two_failures
tg_check_eq "failed delivery: nothing confirmed meanwhile" "$(cat "$STATE")" 305
local_broker up >/dev/null
tg_check "failed delivery, broker back: confirmed once delivered" \
    tg_wait_until 30 grep -qx 405 "$STATE"
tg_check_eq "failed delivery, broker back: all five in the topic" \
    "$(consume tgk4 | sorted_texts)" "$(expected_texts 400 404)"
kill -TERM "$pid"
wait "$pid"
tg_check_eq "failed delivery: SIGTERM exits 0" "$?" 0

tg_check "token: in no message or state file" \
    no_token "$TG_TMP"/*.err "$XDG_STATE_HOME"/tgproducer/*
