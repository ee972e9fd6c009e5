#!/usr/bin/env bash
# tgcount's Kafka input on one partition, through the local broker: the
# same output as from stdin, -o end, committed group offsets (a second run
# in the group reads only what is new), follow mode ended by SIGTERM, a
# quiet topic's window closed by the wall clock, and unreachable brokers
# (exit 69, one line).

# gen SEED COUNT FIRST_ID: "key<TAB>record" lines keyed by the counting key.
# Users with a name, with only an id, anonymous; event times about 0.6 s
# apart with up to 10 s of jitter (out of order, never late with the
# default 30 s lateness); an offset time zone now and then; every 50th
# message sent twice.
gen() {
    python3 - "$@" <<'EOF'
import json, random, sys
from datetime import datetime, timedelta, timezone
seed, count, first = map(int, sys.argv[1:4])
rnd = random.Random(seed)
names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "zoë"]
t0 = 1704067200000  # 2024-01-01T00:00:00Z
plus2 = timezone(timedelta(hours=2))
def stamp(ms, i):
    # now and then the same instant written in UTC+02:00
    t = datetime.fromtimestamp(ms / 1000, plus2 if i % 17 == 0 else timezone.utc)
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")
for i in range(first, first + count):
    t = t0 + i * 600 + rnd.randint(-10000, 10000)
    pick = rnd.randint(0, 9)
    if pick < 8:
        uid, name = 1000 + pick, names[pick]
        key = name
    elif pick == 8:
        uid, name = 2000 + rnd.randint(0, 2), None
        key = "user_%d" % uid
    else:
        uid, name, key = None, None, "anonymous"
    rec = {"event_time": stamp(t, i), "channel_id": -1001, "channel_name": "test",
           "message_id": i + 1, "user_id": uid, "username": name, "first_name": None,
           "last_name": None, "text": "message %d" % i, "text_length": len("message %d" % i)}
    line = key + "\t" + json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
    print(line)
    if i % 50 == 0:
        print(line)
EOF
}
# tgcount_kafka*.sh share the generator: "tgcount_kafka.sh --gen ARGS".
if [ "${1:-}" = --gen ]; then
    shift
    gen "$@"
    exit
fi

. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require kcat
tg_require python3
# Topics with a set number of partitions are created by the local broker.
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic one:1 --topic later:1 --topic quiet:1
B=$TG_BROKERS

produce() { timeout 30 kcat -P -b "$B" -t "$1" -K $'\t' -l "$2"; }
records() { cut -f2- "$1"; }
kafka() { timeout 40 tgcount -b "$B" "$@"; }

# ---- one partition: the same output as stdin ---------------------------------
gen 1 3000 0 >"$TG_TMP/a.tsv"
produce one "$TG_TMP/a.tsv"
records "$TG_TMP/a.tsv" | tgcount >"$TG_TMP/stdin.out"
tg_check "stdin run printed windows" test -s "$TG_TMP/stdin.out"

kafka -t one -G g1 -o beginning -e >"$TG_TMP/kafka.out" 2>"$TG_TMP/kafka.err"
tg_check_eq "-o beginning -e: exit 0" "$?" 0
tg_check_stopped_eq "-o beginning -e: output equals stdin's" "$TG_TMP/kafka.out" "$TG_TMP/stdin.out"
tg_check_eq "-o beginning -e: nothing on stderr" "$(cat "$TG_TMP/kafka.err")" ""

# -o end: nothing before the end is read.
kafka -t one -G g2 -o end -e >"$TG_TMP/end.out"
tg_check_eq "-o end -e: exit 0" "$?" 0
tg_check_eq "-o end -e: no output" "$(cat "$TG_TMP/end.out")" ""

# ---- group offsets: a second run reads only what is new ----------------------
# The first run commits what it counted; then more is produced, and the
# second run (default -o stored) starts from the commit.  A short session
# timeout, because the local broker waits for a departed member that long.
group=(-G g3 -X session.timeout.ms=6000)
gen 2 400 0 >"$TG_TMP/b1.tsv"
gen 3 300 400 >"$TG_TMP/b2.tsv"
produce later "$TG_TMP/b1.tsv"
kafka -t later "${group[@]}" -o beginning -e >"$TG_TMP/b1.out"
records "$TG_TMP/b1.tsv" | tgcount >"$TG_TMP/b1.expected"
tg_check_stopped_eq "group: first run counts the first batch" "$TG_TMP/b1.out" "$TG_TMP/b1.expected"

# The second run follows (no -e) and ends on SIGTERM, which emits every
# open window.  It has read all there is once it reports the unparseable
# line that ends the batch.
produce later "$TG_TMP/b2.tsv"
printf 'x\tend of batch 2\n' | produce later /dev/stdin
tgcount -b "$B" -t later "${group[@]}" >"$TG_TMP/b2.out" 2>"$TG_TMP/b2.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
tg_wait_until 40 grep -q 'later\[0\]@' "$TG_TMP/b2.err"
tg_check "follow: reaches the end of the new batch" grep -q 'later\[0\]@' "$TG_TMP/b2.err"
kill -TERM "$pid"
wait "$pid"
tg_check_eq "follow: SIGTERM ends with exit 0" "$?" 0
records "$TG_TMP/b2.tsv" | tgcount >"$TG_TMP/b2.expected"
tg_check_stopped_eq "group: second run counts only the second batch" "$TG_TMP/b2.out" \
    "$TG_TMP/b2.expected"

# ---- follow mode: a quiet topic still closes its windows -----------------------
# Windows of 2 s, lateness 1 s, three records stamped now and nothing after
# them: no later record can make the window final, the wall clock does,
# about one slide after the topic went quiet.  Beside it, the same with
# --idle off (a replay's setting): only event times move W, so the window
# stays open until the end.
tgcount -b "$B" -t quiet -G g4 -o end -w 2s -l 1s -v >"$TG_TMP/q.out" 2>"$TG_TMP/q.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
tgcount -b "$B" -t quiet -G g5 -o end -w 2s -l 1s --idle off -v >"$TG_TMP/qo.out" \
    2>"$TG_TMP/qo.err" &
pid_off=$!
tg_cleanup_push "kill -9 $pid_off"
tg_wait_until 30 grep -q 'assigned quiet\[0\]' "$TG_TMP/q.err"
tg_wait_until 30 grep -q 'assigned quiet\[0\]' "$TG_TMP/qo.err"
python3 -c '
from datetime import datetime, timezone
now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
for i in range(3):
    print("alice\t{\"event_time\":\"%s\",\"channel_id\":1,\"message_id\":%d,\"user_id\":1,\"username\":\"alice\",\"text\":\"hi\"}" % (now, i + 1))
' >"$TG_TMP/q.tsv"
produce quiet "$TG_TMP/q.tsv"
tg_wait_until 20 grep -q '^alice, 3$' "$TG_TMP/q.out"
printed=$?
kill -0 "$pid"
tg_check_eq "quiet topic: the window is printed while tgcount runs" "$printed $?" "0 0"
tg_check_eq "quiet topic: its counts" "$(grep -v '^#' "$TG_TMP/q.out")" "alice, 3"
kill -TERM "$pid"
wait "$pid"
tg_check_eq "quiet topic: SIGTERM ends with exit 0" "$?" 0
# Twice the slide more than the first one had: --idle off printed nothing.
tg_wait_until 4 test -s "$TG_TMP/qo.out"
tg_check_eq "quiet topic, --idle off: nothing printed while it runs" \
    "$(cat "$TG_TMP/qo.out")" ""
kill -TERM "$pid_off"
wait "$pid_off"
tg_check_eq "quiet topic, --idle off: SIGTERM ends with exit 0" "$?" 0
tg_check_eq "quiet topic, --idle off: the window at the end" \
    "$(grep -v '^#' "$TG_TMP/qo.out")" "alice, 3"

# ---- unreachable brokers ------------------------------------------------------
# Port 1 on loopback: nothing listens there.
start=$(date +%s%N)
timeout 20 tgcount -b 127.0.0.1:1 --connect-timeout 2s -e >"$TG_TMP/u.out" 2>"$TG_TMP/u.err"
status=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
tg_check_eq "unreachable: exit 69" "$status" 69
tg_check_eq "unreachable: one line on stderr" "$(wc -l <"$TG_TMP/u.err")" 1
tg_check "unreachable: says so" grep -q '^tgcount: brokers unreachable: ' "$TG_TMP/u.err"
tg_check_eq "unreachable: nothing on stdout" "$(cat "$TG_TMP/u.out")" ""
tg_check "unreachable: gives up after about 2 s" test "$elapsed_ms" -ge 1900 -a "$elapsed_ms" -lt 8000
