#!/usr/bin/env bash
# End to end: fake Bot API -> tgproducer -> local broker (4
# partitions) -> tgcount -e prints exactly what
# `tgproducer --stdout | tgcount` prints for the same scripted updates.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tgproducer_botapi.lib"
tg_require kcat

# 25 minutes of chat from 8 users (one without a username), channel posts
# with and without a signature, an anonymous admin, a caption-only photo,
# and updates that are not messages: all confirmed, only messages counted.
python3 - "$TG_TMP/script.json" <<'PY'
import json, random, sys
rng = random.Random(5)
group = {"id": -1001050820672, "type": "supergroup", "title": "Чат"}
channel = {"id": -1002000000001, "type": "channel", "title": "News", "username": "news"}
users = [{"id": 100 + i, "is_bot": False, "first_name": "U%d" % i,
          **({"username": "user%d" % i} if i != 7 else {})} for i in range(8)]
updates, t = [], 1767225600  # 2026-01-01T00:00:00Z
for uid in range(1, 401):
    t += rng.choice([1, 2, 3, 5, 8])
    kind = rng.random()
    if kind < 0.05:
        updates.append({"update_id": uid, "callback_query": {"id": str(uid), "from": users[0]}})
        continue
    if kind < 0.12:
        post = {"message_id": uid, "date": t, "chat": channel, "text": "post %d" % uid}
        if uid % 2:
            post["author_signature"] = "Editor"
        updates.append({"update_id": uid, "channel_post": post})
        continue
    msg = {"message_id": uid, "date": t, "chat": group}
    if kind < 0.15:
        msg["sender_chat"] = group          # an anonymous admin
        msg["from"] = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                       "username": "GroupAnonymousBot"}
    else:
        # Zipf-ish: low user numbers talk more
        msg["from"] = users[min(int(rng.paretovariate(1.2)) - 1, 7)]
    if kind < 0.2:
        msg["caption"] = "фото %d" % uid
    else:
        msg["text"] = "привет %d 👋" % uid
    updates.append({"update_id": uid, "message": msg})
json.dump({"updates": updates}, open(sys.argv[1], "w"))
PY

fb_start stdout --script "$TG_TMP/script.json"
tp --once --stdout --state "$TG_TMP/stdout.offset" >"$TG_TMP/records.jsonl" 2>"$TG_TMP/stdout.err"
tg_check_eq "tgproducer --once --stdout exits 0" "$?" 0
fb_stop
tgcount <"$TG_TMP/records.jsonl" >"$TG_TMP/expected.txt" 2>"$TG_TMP/expected.err"
tg_check_eq "tgcount from the pipe exits 0" "$?" 0

tg_broker_start --partitions 4
fb_start kafka --script "$TG_TMP/script.json"
tp --once -b "$TG_BROKERS" --state "$TG_TMP/kafka.offset" 2>"$TG_TMP/kafka.err"
tg_check_eq "tgproducer --once into Kafka exits 0" "$?" 0
tg_check_eq "every update confirmed after delivery" "$(cat "$TG_TMP/kafka.offset")" 401
tgcount -b "$TG_BROKERS" -G e2e -o beginning -e >"$TG_TMP/actual.txt" 2>"$TG_TMP/actual.err"
tg_check_eq "tgcount -e from Kafka exits 0" "$?" 0

tg_check_stopped_eq "Kafka path prints exactly what the pipe prints" \
    "$TG_TMP/actual.txt" "$TG_TMP/expected.txt"

# The comparison means something only if the output is real: both window
# kinds, and the 1-minute windows together count every message exactly once.
messages=$(grep -c . "$TG_TMP/records.jsonl")
tg_check_eq "one record per message update (non-messages skipped)" "$messages" \
    "$(python3 -c 'import json; print(sum(1 for u in json.load(open("'"$TG_TMP/script.json"'"))["updates"] if "message" in u or "channel_post" in u))')"
tg_check_eq "1-minute windows sum to the number of messages" \
    "$(awk '/^# /{w=$2} !/^#/ && w=="1m" {sum+=$NF} END{print sum}' "$TG_TMP/actual.txt")" "$messages"
tg_check "10m/30s windows printed" grep -q '^# 10m/30s ' "$TG_TMP/actual.txt"
tg_check "anonymous admin counted under the group's name" grep -q '^chat_-1001050820672, ' "$TG_TMP/actual.txt"
tg_check "signed channel posts counted under the signature" grep -q '^Editor, ' "$TG_TMP/actual.txt"
tg_check "user without username counted as user_<id>" grep -q '^user_107, ' "$TG_TMP/actual.txt"
tg_check "the token appears in no output" no_token "$TG_TMP"/*.txt "$TG_TMP"/*.err "$TG_TMP"/*.jsonl "$TG_TMP"/*.offset
