#!/usr/bin/env bash
# A broker outage: the broker is down for 30 s while tgproducer follows
# the Bot API and updates keep arriving.  Nothing is confirmed while it is
# down (checked every second, not just at the end), no record is lost, and
# once the broker is back every update is delivered, then confirmed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tgproducer_botapi.lib"
tg_require kcat

tg_broker_start --partitions 2 --topic outage:2
tg_broker_require_local

# updates FIRST LAST: one message each, text "mFIRST".."mLAST", five users.
updates() {
    python3 -c '
import json, sys
first, last = int(sys.argv[1]), int(sys.argv[2])
print(json.dumps([{"update_id": i, "message": {
    "message_id": i, "date": 1767225600 + i, "text": "m%d" % i,
    "chat": {"id": -1001, "type": "supergroup", "title": "G"},
    "from": {"id": 10 + i % 5, "is_bot": False, "first_name": "U", "username": "u%d" % (i % 5)}}}
    for i in range(first, last + 1)]))' "$1" "$2"
}
confirmed() { cat "$STATE" 2>/dev/null; }
confirmed_is() { test "$(confirmed)" = "$1"; }

fb_start outage
# Not through tp(): a backgrounded function is a subshell, and its pid is
# not tgproducer's.
tgproducer --api-url "$FB_URL" -b "$TG_BROKERS" -t outage --poll-timeout 2 --delivery-timeout 5s \
    >/dev/null 2>"$TG_TMP/producer.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"

fb_append "$(updates 1 20)"
tg_check "before the outage: delivered and confirmed" tg_wait_until 30 confirmed_is 21

tg_broker_down
fb_append "$(updates 21 40)"
down_since=$(date +%s)
appended_more=0
moved=""
while [ $(($(date +%s) - down_since)) -lt 30 ]; do
    [ "$(confirmed)" = 21 ] || moved="confirmed $(confirmed) while the broker was down"
    if [ "$appended_more" = 0 ] && [ $(($(date +%s) - down_since)) -ge 10 ]; then
        fb_append "$(updates 41 50)"
        appended_more=1
    fi
    sleep 1
done
tg_check_eq "30 s down: no offset confirmed meanwhile" "$moved" ""
tg_check "30 s down: tgproducer still running" kill -0 "$pid"
tg_broker_up

tg_check "broker back: every update delivered, then confirmed" \
    tg_wait_until 90 confirmed_is 51
texts=$(kcat -C -b "$TG_BROKERS" -t outage -o beginning -e -q | python3 -c '
import json, sys
print(" ".join(sorted({json.loads(l)["text"] for l in sys.stdin}, key=lambda t: int(t[1:]))))')
tg_check_eq "no record lost: m1..m50 all in the topic" "$texts" \
    "$(python3 -c 'print(" ".join("m%d" % i for i in range(1, 51)))')"
kill -TERM "$pid"
wait "$pid"
tg_check_eq "SIGTERM after the outage: exit 0" "$?" 0
tg_check "the token appears nowhere" no_token "$TG_TMP/producer.err" "$STATE"
