#!/usr/bin/env bash
# tgcount --output-topic's failure paths (README, "Results topic",
# "Exactly once, per transaction", "State changelog"), on the local broker:
#   - a failed transaction: librdkafka's mock does not fence a producer
#     when another one inits the same transactional.id (both go on
#     committing), so the broker is made to answer the member's next
#     produce request with PRODUCER_FENCED (90, kafka-local produce-error)
#     while it follows the topic: exit 75, one line "--output-topic TOPIC:
#     transaction failed: ...; a restart resumes from the last committed
#     one", no provisional (open) window on stdout, and --stats' line and
#     the metrics file count the aborted transaction (aborted=1 when the
#     line says "(aborted)");
#   - a restore that fails: a member of the same group restarted with
#     -w 2m over a changelog written with -w 1m: exit 75, one line
#     "restoring partition 0: ...; a restart retries", stdout empty;
#   - a results topic that does not exist: exit 69, one line "topic not
#     found", and the topic is still missing afterwards (the local broker
#     creates a topic that a metadata request names);
#   - --commit-interval without --output-topic: exit 64, one line;
#   - -n 2 with --output-topic: stdout shows 2 rows of a 5-user window, the
#     results topic all 5 with their counts (hand count);
#   - the default transactional.id is tgcount-GROUP-HOSTNAME (-v).
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require kcat
tg_require python3
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic in1:1 --topic res:1 --topic gf-tgcount-changelog:1 \
    --topic in2:1 --topic gr-tgcount-changelog:1 --topic top:1 --topic res5:1 \
    --topic gt-tgcount-changelog:1
tg_broker_require_local
B=$TG_BROKERS
SESSION=(-X session.timeout.ms=6000)

# rec ID SECONDS USER [MINUTE]: one record at 2024-05-01T12:MINUTE:SECONDS.
rec() {
    printf '{"event_time":"2024-05-01T12:%02d:%02dZ","channel_id":-1,"channel_name":"c","message_id":%d,"user_id":%d,"username":"%s","first_name":"f","last_name":null,"text":"x","text_length":1}\n' \
        "${4:-0}" "$2" "$1" "$1" "$3"
}
# has_progress TOPIC: the topic holds a progress message (a transaction of the
# member committed, or is open: the mock shows both).
has_progress() {
    timeout 20 kcat -C -b "$B" -t "$1" -o beginning -e -q | grep -q '"type":"progress"'
}

# ---- a failed transaction (PRODUCER_FENCED) -----------------------------------
for i in 1 2 3 4 5; do rec "$i" "$i" "u$i"; done | timeout 30 kcat -P -b "$B" -t in1 -p 0
# --idle 1s: once quiet, W_p follows the wall clock, so every transaction
# produces (a progress record, a snapshot) and the next produce request,
# the member's alone (nothing else produces meanwhile), meets the error.
tgcount -b "$B" -t in1 -G gf "${SESSION[@]}" -o beginning -w 1m --idle 1s \
    --output-topic res --transactional-id tg-fence --commit-interval 100ms \
    --stats --metrics-file "$TG_TMP/fence.prom" \
    >"$TG_TMP/fence.out" 2>"$TG_TMP/fence.err" &
fpid=$!
tg_cleanup_push "kill -9 $fpid 2>/dev/null"
tg_check "fenced: the member committed before" tg_wait_until 20 has_progress res
tg_kafka_local produce-error 90 1 >/dev/null
gone() { ! kill -0 "$fpid" 2>/dev/null; }
tg_check "fenced: the member stops by itself" tg_wait_until 20 gone
kill -9 "$fpid" 2>/dev/null
wait "$fpid"
tg_check_eq "fenced: exit 75" "$?" 75
tg_check_eq "fenced: one line besides the stats" \
    "$(grep -vc '^tgcount: stats: ' "$TG_TMP/fence.err")" 1
line=$(grep -v '^tgcount: stats: ' "$TG_TMP/fence.err")
case $line in
*"(aborted)"*) aborted=1 ;;
*) aborted=0 ;;
esac
tg_check "fenced: --stats counts the aborted transaction (aborted=$aborted)" \
    grep -q "^tgcount: stats: .* aborted=$aborted " "$TG_TMP/fence.err"
tg_check_eq "fenced: so does the metrics file" \
    "$(sed -n 's/^tgcount_transactions_aborted_total //p' "$TG_TMP/fence.prom")" "$aborted"
tg_check "fenced: the README's line, with the broker's reason ($line)" \
    eval '[[ $line =~ ^tgcount:\ --output-topic\ res:\ transaction\ failed:\ .*fences\ the\ current\ one.*\;\ a\ restart\ resumes\ from\ the\ last\ committed\ one$ ]]'
tg_check_eq "fenced: no open (provisional) window on stdout" \
    "$(grep -c ' provisional$' "$TG_TMP/fence.out")" 0

# ---- a restore that fails (other --window) --------------------------------------
for i in 1 2 3; do rec "$i" "$i" "v$i"; done | timeout 30 kcat -P -b "$B" -t in2 -p 0
timeout 60 tgcount -b "$B" -t in2 -G gr "${SESSION[@]}" -o beginning -e -w 1m \
    --output-topic res --transactional-id tg-r1 >/dev/null 2>"$TG_TMP/r1.err"
tg_check_eq "restore: the first member (-w 1m) ends: exit 0" "$?" 0
timeout 60 tgcount -b "$B" -t in2 -G gr "${SESSION[@]}" -o beginning -e -w 2m \
    --output-topic res --transactional-id tg-r2 >"$TG_TMP/r2.out" 2>"$TG_TMP/r2.err"
tg_check_eq "restore with -w 2m: exit 75" "$?" 75
tg_check_eq "restore with -w 2m: one line" "$(wc -l <"$TG_TMP/r2.err")" 1
line=$(cat "$TG_TMP/r2.err")
tg_check "restore with -w 2m: the README's line ($line)" \
    eval '[[ $line =~ ^tgcount:\ restoring\ partition\ 0:\ .+\;\ a\ restart\ retries$ ]]'
tg_check_eq "restore with -w 2m: stdout empty" "$(wc -c <"$TG_TMP/r2.out")" 0

# ---- a results topic that does not exist ---------------------------------------------
timeout 60 tgcount -b "$B" -t in1 -G gm "${SESSION[@]}" -o beginning -e -w 1m \
    --output-topic no_such_results >"$TG_TMP/nt.out" 2>"$TG_TMP/nt.err"
tg_check_eq "missing results topic: exit 69" "$?" 69
tg_check_eq "missing results topic: one line" "$(cat "$TG_TMP/nt.err")" \
    "tgcount: --output-topic no_such_results: topic not found"
tg_check "missing results topic: not created by the check" \
    eval '! timeout 20 kcat -L -b "$B" | grep -q "topic \"no_such_results\""'

# ---- --commit-interval without --output-topic ---------------------------------------
tgcount -b "$B" -t in1 -G gn -e --commit-interval 1s >/dev/null 2>"$TG_TMP/ci.err" </dev/null
tg_check_eq "--commit-interval alone: exit 64" "$?" 64
tg_check_eq "--commit-interval alone: one line" "$(wc -l <"$TG_TMP/ci.err")" 1
tg_check "--commit-interval alone: says why" \
    grep -q -- "--commit-interval: only with --output-topic" "$TG_TMP/ci.err"

# ---- -n 2 does not cut the results; the default transactional.id -------------------
# Minute 12:00: a 5, b 4, c 3, d 2, e 1 (hand count); zed at 12:05 makes
# it final (W = 12:04:31 with the 30 s lateness).
{
    id=0
    for u in a:5 b:4 c:3 d:2 e:1; do
        for ((j = 0; j < ${u#*:}; j++)); do
            id=$((id + 1))
            rec "$id" "$id" "${u%%:*}"
        done
    done
    rec 100 1 zed 5
} | timeout 30 kcat -P -b "$B" -t top -p 0
timeout 60 tgcount -b "$B" -t top -G gt -o beginning -e -w 1m -n 2 -v \
    --output-topic res5 >"$TG_TMP/top.out" 2>"$TG_TMP/top.err"
tg_check_eq "-n 2: exit 0" "$?" 0
tg_check_eq "-n 2: stdout shows the top 2 of the 12:00 window" \
    "$(sed -n '/^# 1m 2024-05-01T12:00:00Z/,/^#/p' "$TG_TMP/top.out" | grep -v '^#')" \
    "$(printf 'a, 5\nb, 4')"
tg_check_eq "-n 2: the results topic holds all 5 rows of the 12:00 window" \
    "$(timeout 20 kcat -C -b "$B" -t res5 -o beginning -e -q | python3 -c '
import json, sys
rows = {}
for line in sys.stdin:
    o = json.loads(line)
    for w in o.get("windows", []) if o["type"] == "windows" else []:
        if w["start"] == "2024-05-01T12:00:00Z":
            for u, c in w["counts"].items():
                rows[u] = c
print(" ".join("%s=%d" % kv for kv in sorted(rows.items())))')" \
    "a=5 b=4 c=3 d=2 e=1"
tg_check_eq "default transactional.id: tgcount-GROUP-HOSTNAME (-v)" \
    "$(sed -n 's/^tgcount: results to res5 (1 partitions), transactional.id //p' "$TG_TMP/top.err")" \
    "tgcount-gt-$(hostname)"
