#!/usr/bin/env bash
# tgproducer's Kafka message metadata, checked with independent clients:
# the partition of every keyed record is murmur2(key) % partitions as the
# Java, Python and JS clients compute it (python3-kafka's murmur2), unless
# -X partitioner says otherwise; the message timestamp is the record's
# event_time (CreateTime), from --fake and from the Bot API alike; the
# client.id is tgproducer@<hostname> unless -X or -F sets one.
. "$(dirname "$0")/../lib.sh"
tg_require tgproducer
tg_require kcat
. "$(dirname "$0")/tgproducer_botapi.lib"

# The interpreter that has python3-kafka (Debian's package installs it for
# the system python3, which another python3 on PATH may shadow).
kafka_python=""
for candidate in python3 /usr/bin/python3; do
    if "$candidate" -c 'import kafka.partitioner.default' 2>/dev/null; then
        kafka_python=$candidate
        break
    fi
done
if [ -z "$kafka_python" ]; then
    tg_skip "$(basename "$0")" "python3-kafka is not installed (scripts/install-deps.sh)"
    exit 0
fi

tg_broker_start
local_broker() { "$TG_TOP/scripts/kafka-local" "$@" --dir "$TG_BROKER_DIR"; }
PARTITIONS=7
make_topic() { local_broker topic "$1" "$PARTITIONS" >/dev/null; }
fake() { tgproducer --fake --start 2026-01-01T00:00:00Z --speed max "$@"; }
consume() { kcat -C -b "$TG_BROKERS" -t "$1" -o beginning -e -q -f "$2"; }

# murmur2_check PARTITIONS < "partition key" lines: prints "checked=N keys=K
# mismatches=M", the partition python3-kafka's DefaultPartitioner picks for
# each key compared with the one the record is in.
murmur2_check() {
    "$kafka_python" -c '
import sys
from kafka.partitioner.default import DefaultPartitioner
parts = list(range(int(sys.argv[1])))
checked = mismatches = 0
keys = set()
for line in sys.stdin.buffer:
    partition, key = line.rstrip(b"\n").split(b" ", 1)
    keys.add(key)
    checked += 1
    if DefaultPartitioner()(key, parts, parts) != int(partition):
        mismatches += 1
print("checked=%d keys=%d mismatches=%d" % (checked, len(keys), mismatches))' "$1"
}

# ---- the default partitioner is murmur2 -------------------------------------------
make_topic murmur
fake --seed 11 --users 40 --count 2000 -b "$TG_BROKERS" -t murmur 2>"$TG_TMP/murmur.err"
tg_check_eq "murmur2: exit 0" "$?" 0
result=$(consume murmur '%p %k\n' | murmur2_check "$PARTITIONS")
tg_check "murmur2: 2000 records of many keys read back ($result)" \
    grep -qE '^checked=2000 keys=([2-9][0-9]) ' <<<"$result"
tg_check_eq "murmur2: every record is in murmur2(key) % $PARTITIONS, as python3-kafka computes" \
    "${result##* }" "mismatches=0"

# ---- -X partitioner, topic.partitioner and -F still win --------------------------------
# Random partitioning spreads each key's 2000/40 records over the partitions,
# so some record lands where murmur2 would not put it.
make_topic random1
fake --seed 11 --users 40 --count 2000 -b "$TG_BROKERS" -t random1 -X partitioner=random \
    2>/dev/null
tg_check_eq "-X partitioner=random: exit 0" "$?" 0
tg_check "-X partitioner=random: wins over the default" \
    test "$(consume random1 '%p\t%k\n' | sort -u | cut -f 2 | sort | uniq -d | wc -l)" -gt 0
make_topic random2
fake --seed 11 --users 40 --count 2000 -b "$TG_BROKERS" -t random2 \
    -X topic.partitioner=random 2>/dev/null
tg_check "-X topic.partitioner=random: wins over the default" \
    test "$(consume random2 '%p\t%k\n' | sort -u | cut -f 2 | sort | uniq -d | wc -l)" -gt 0
printf 'partitioner = random\n' >"$TG_TMP/random.properties"
make_topic random3
fake --seed 11 --users 40 --count 2000 -b "$TG_BROKERS" -t random3 \
    -F "$TG_TMP/random.properties" 2>/dev/null
tg_check "-F with partitioner=random: wins over the default" \
    test "$(consume random3 '%p\t%k\n' | sort -u | cut -f 2 | sort | uniq -d | wc -l)" -gt 0

# ---- the message timestamp is the record's event_time ------------------------------
# same_times < "timestamp record" lines: "checked=N differ=M", each Kafka
# timestamp (kcat's %T, ms) compared with the record's own event_time,
# parsed here by python's datetime.
same_times() {
    python3 -c '
import datetime, json, sys
checked = differ = 0
for line in sys.stdin:
    ts, record = line.split(" ", 1)
    text = json.loads(record)["event_time"].replace("Z", "+00:00")
    event = datetime.datetime.fromisoformat(text)
    ms = round(event.timestamp() * 1000)
    checked += 1
    differ += int(ts) != ms
print("checked=%d differ=%d" % (checked, differ))'
}
make_topic times1
fake --seed 5 --count 500 --rate 7 -b "$TG_BROKERS" -t times1 2>/dev/null
tg_check_eq "timestamps, --fake: exit 0" "$?" 0
tg_check_eq "timestamps, --fake: every message's timestamp is its event_time" \
    "$(consume times1 '%T %s\n' | same_times)" "checked=500 differ=0"
tg_check "timestamps, --fake: with milliseconds (not whole seconds)" \
    test "$(consume times1 '%T\n' | grep -vc '000$')" -gt 0

python3 -c '
import json
def update(i):
    return {"update_id": i, "message": {"message_id": i, "date": 1700000000 + 3600 * i,
            "chat": {"id": -100400, "type": "supergroup", "title": "K"},
            "from": {"id": 10 + i % 3, "is_bot": False, "first_name": "U"},
            "text": "m%d" % i}}
print(json.dumps({"updates": [update(i) for i in range(1, 31)]}))' >"$TG_TMP/times.json"
fb_start times --script "$TG_TMP/times.json"
make_topic times2
tp --once -b "$TG_BROKERS" -t times2 2>"$TG_TMP/times2.err"
tg_check_eq "timestamps, Telegram: exit 0" "$?" 0
tg_check_eq "timestamps, Telegram: every message's timestamp is its event_time" \
    "$(consume times2 '%T %s\n' | same_times)" "checked=30 differ=0"
tg_check_eq "timestamps, Telegram: the first is the message's date" \
    "$(consume times2 '%T %k\n' | sort -n | head -n 1)" "1700003600000 user_11"

# ---- client.id ----------------------------------------------------------------------
# librdkafka's configuration dump (-X debug=conf) shows client.id when it is
# not librdkafka's default, and the handle's name starts with it.
client_id_run() {
    timeout 30 tgproducer --fake --count 1 -b "$TG_BROKERS" -t cid -X debug=conf -vv "$@" \
        2>&1 >/dev/null
}
host=$(hostname)
client_id_run >"$TG_TMP/cid.err"
tg_check "client.id: tgproducer@$host by default" \
    grep -qF "client.id = tgproducer@$host" "$TG_TMP/cid.err"
tg_check "client.id: names the handle" \
    grep -qF "tgproducer@$host#producer-1 initialized" "$TG_TMP/cid.err"
client_id_run -X client.id=my-producer >"$TG_TMP/cid-x.err"
tg_check "client.id: -X client.id wins" grep -qF "client.id = my-producer" "$TG_TMP/cid-x.err"
tg_check "client.id: -X client.id, no default left" not_grep -F "tgproducer@" "$TG_TMP/cid-x.err"
printf 'client.id = from-file\n' >"$TG_TMP/cid.properties"
client_id_run -F "$TG_TMP/cid.properties" >"$TG_TMP/cid-f.err"
tg_check "client.id: -F wins" grep -qF "client.id = from-file" "$TG_TMP/cid-f.err"
