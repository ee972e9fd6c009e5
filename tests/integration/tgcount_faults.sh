#!/usr/bin/env bash
# tgcount under faults: the broker down while tgcount follows a
# topic; the checkpoint directory made unwritable mid-run; a flood of
# distinct usernames against --max-users; oversized and deeply nested
# messages in the middle of a topic.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require kcat
tg_require python3
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic down:1 --topic ckpt:1 --topic big:1
tg_broker_require_local
B=$TG_BROKERS
gen() { "$TG_TOP/tests/integration/tgcount_kafka.sh" --gen "$@" | cut -f2-; }
produce() { timeout 30 kcat -P -b "$B" -t "$1" -X message.max.bytes=8000000 -l "$2"; }

# stats_read FILE N: the last stats line in FILE says read=N.
stats_read() { grep 'stats: ' "$1" | tail -n 1 | grep -q " read=$2 "; }

# ---- the broker down while tgcount follows -------------------------------------
# Half the records, then tgcount in follow mode; once it has read them the
# broker goes down for 8 s (the fault's length, hence a sleep) and comes
# back; then the rest is produced.  After SIGTERM the output must equal an
# undisturbed run over all the records.  Windows slide by 10 minutes, so
# the quiet-topic rule (W follows the wall clock after one slide without
# records) cannot fire during the outage and the result depends on the
# records alone, as stdin's does.
W=(-w 10m -w 1h/10m)
gen 21 1000 1 >"$TG_TMP/down1.jsonl"
gen 22 1000 1001 >"$TG_TMP/down2.jsonl"
n1=$(wc -l <"$TG_TMP/down1.jsonl")
n2=$(wc -l <"$TG_TMP/down2.jsonl")
produce down "$TG_TMP/down1.jsonl"
tgcount -b "$B" -t down -G gdown -o beginning "${W[@]}" --stats --stats-interval 200ms \
    >"$TG_TMP/down.out" 2>"$TG_TMP/down.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
tg_wait_until 40 stats_read "$TG_TMP/down.err" "$n1"
tg_check "broker down: the first half is read" stats_read "$TG_TMP/down.err" "$n1"
tg_broker_down
sleep 8
kill -0 "$pid"
tg_check_eq "broker down: tgcount still runs" "$?" 0
tg_check "broker down: tgcount noticed" grep -q 'warning: Kafka: .*brokers are down' \
    "$TG_TMP/down.err"
tg_broker_up
produce down "$TG_TMP/down2.jsonl"
tg_wait_until 40 stats_read "$TG_TMP/down.err" $((n1 + n2))
tg_check "broker up again: the second half is read" stats_read "$TG_TMP/down.err" $((n1 + n2))
kill -TERM "$pid"
wait "$pid"
tg_check_eq "broker down: SIGTERM ends with exit 0" "$?" 0
cat "$TG_TMP/down1.jsonl" "$TG_TMP/down2.jsonl" | tgcount "${W[@]}" >"$TG_TMP/down.expected"
tg_check_stopped_eq "broker down: output equals the undisturbed run's" "$TG_TMP/down.out" \
    "$TG_TMP/down.expected"
tg_check "broker down: nothing late, nothing malformed" \
    grep -q ' malformed=0 late=0 ' "$TG_TMP/down.err"

# ---- the checkpoint directory becomes unwritable -----------------------------------------
# As root, permissions do not stop writes: the directory is made immutable
# (chattr, ext2/3/4 and similar); otherwise chmod.  Run 1 (-e) leaves a
# checkpoint; run 2 follows from it, the directory turns unwritable, new
# records arrive: one clear error line naming the file, tgcount stops with
# exit 75 (as tgproducer does when its state cannot be saved), the
# previous checkpoint is byte-identical and no temporary file is left;
# the same with -e.  Run 3, writable again, reads the records run 2
# could not checkpoint.
CK=$TG_TMP/ckpt
make_unwritable() {
    if [ "$(id -u)" = 0 ]; then chattr +i "$1" 2>/dev/null; else chmod 500 "$1"; fi
}
make_writable() { chattr -i "$1" 2>/dev/null; chmod 700 "$1"; }
tg_cleanup_push "chattr -i '$CK'; chmod 700 '$CK'"
gen 31 300 1 >"$TG_TMP/ck1.jsonl"
gen 32 200 301 >"$TG_TMP/ck2.jsonl"
produce ckpt "$TG_TMP/ck1.jsonl"
ck=(-t ckpt -o beginning --checkpoint "$CK" --checkpoint-interval 200ms --stats)
timeout 40 tgcount -b "$B" -G gck1 -e "${ck[@]}" >/dev/null 2>"$TG_TMP/ck1.err"
tg_check_eq "checkpoint: run 1 exit 0" "$?" 0
tg_check "checkpoint: run 1 wrote one" test -s "$CK/tgcount.ckpt"
cp "$CK/tgcount.ckpt" "$TG_TMP/ck.saved"
if make_unwritable "$CK" && ! touch "$CK/probe" 2>/dev/null; then
    tgcount -b "$B" -G gck2 "${ck[@]}" --stats-interval 200ms >"$TG_TMP/ck2.out" \
        2>"$TG_TMP/ck2.err" &
    pid=$!
    tg_cleanup_push "kill -9 $pid"
    tg_wait_until 30 grep -q 'stats: ' "$TG_TMP/ck2.err"
    produce ckpt "$TG_TMP/ck2.jsonl"
    # It must stop by itself, soon after the first failed save.
    tg_wait_until 20 eval "! kill -0 $pid"
    if kill -0 "$pid" 2>/dev/null; then
        tg_fail "unwritable checkpoint: tgcount stops" "still running 20 s later"
        kill -TERM "$pid"
    fi
    wait "$pid"
    status=$?
    tg_check_eq "unwritable checkpoint: exit 75" "$status" 75
    lines=$(grep -v 'stats: ' "$TG_TMP/ck2.err" | grep -c "$CK/tgcount.ckpt")
    tg_check_eq "unwritable checkpoint: one error line naming the file" "$lines" 1
    tg_check "unwritable checkpoint: the line says why" grep -qE \
        "^tgcount: .*$CK/tgcount.ckpt: .*(Operation not permitted|Permission denied)" \
        "$TG_TMP/ck2.err"
    tg_check_files_eq "unwritable checkpoint: the previous checkpoint intact" \
        "$CK/tgcount.ckpt" "$TG_TMP/ck.saved"
    tg_check_eq "unwritable checkpoint: no temporary file left (the checkpoint, the lock)" \
        "$(ls -A "$CK" | tr '\n' ' ')" "tgcount.ckpt tgcount.lock "
    # With -e as well: a run that ends without its checkpoint must not
    # exit 0, or a script would resume from a stale one unawares.
    timeout 40 tgcount -b "$B" -G gck2e -e "${ck[@]}" >/dev/null 2>"$TG_TMP/ck2e.err"
    tg_check_eq "unwritable checkpoint, -e: exit 75" "$?" 75
    tg_check_eq "unwritable checkpoint, -e: one error line" \
        "$(grep -c "$CK/tgcount.ckpt" "$TG_TMP/ck2e.err")" 1
    tg_check_files_eq "unwritable checkpoint, -e: the previous checkpoint intact" \
        "$CK/tgcount.ckpt" "$TG_TMP/ck.saved"
    make_writable "$CK"
    timeout 40 tgcount -b "$B" -G gck3 -e "${ck[@]}" >/dev/null 2>"$TG_TMP/ck3.err"
    tg_check_eq "writable again: exit 0" "$?" 0
    tg_check "writable again: the records not checkpointed are read again" \
        stats_read "$TG_TMP/ck3.err" "$(wc -l <"$TG_TMP/ck2.jsonl")"
else
    make_writable "$CK"
    tg_skip "unwritable checkpoint" "cannot make a directory unwritable here"
fi

# ---- a flood of distinct usernames against --max-users ---------------------------------------
# 200,000 users in one minute.  With --max-users 1000 the first 1000 keep
# their rows, the other 199,000 records count as "(other)": one warning,
# the stat, at most 1001 state entries, and a peak RSS well below the
# unbounded run's (relative, so that sanitizer builds compare too).
python3 -c '
import sys
w = sys.stdout.write
for i in range(200000):
    w("{\"event_time\":\"2024-05-01T12:00:%02d.%03dZ\",\"username\":\"flood%06d\"}\n"
      % (i * 60 // 200000, i % 1000, i))
' >"$TG_TMP/flood.jsonl"
rss() { # OUT ERR ARGS...: prints the peak RSS (kB) of tgcount ARGS on the flood
    python3 -c '
import resource, subprocess, sys
with open(sys.argv[1], "rb") as i, open(sys.argv[2], "w") as o, open(sys.argv[3], "w") as e:
    rc = subprocess.call(["tgcount"] + sys.argv[4:], stdin=i, stdout=o, stderr=e)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if rc == 0 else "exit%d" % rc)
' "$TG_TMP/flood.jsonl" "$@"
}
bounded=$(rss "$TG_TMP/flood.out" "$TG_TMP/flood.err" -w 1m -n 3 --max-users 1000 --stats)
unbounded=$(rss /dev/null "$TG_TMP/flood0.err" -w 1m -n 3 --stats)
echo "# flood of 200000 users: peak RSS ${bounded} kB with --max-users 1000," \
    "${unbounded} kB without"
tg_check_eq "flood: (other) and the first users" "$(cat "$TG_TMP/flood.out")" \
    "# 1m 2024-05-01T12:00:00Z 2024-05-01T12:01:00Z
(other), 199000
flood000000, 1
flood000001, 1"
tg_check_eq "flood: one warning" "$(grep -c 'max-users' "$TG_TMP/flood.err")" 1
tg_check "flood: stats other=199000, 1001 entries" grep -qE \
    ' counted=200000 .* users=1001 peak_entries=1001 .* other=199000 ' "$TG_TMP/flood.err"
rss_halved() {
    case "$bounded $unbounded" in *exit*) return 1 ;; esac
    [ $((bounded * 2)) -lt "$unbounded" ]
}
tg_check "flood: peak RSS under half the unbounded run's" rss_halved

# ---- oversized and deeply nested messages mid-stream ------------------------------------------
# A 4 MB message (the local broker keeps only the last ~5 MB of a
# partition, so a 10 MB one would be gone before anyone fetched it; the
# 10 MB line is covered through stdin by hostile_input.sh) and a
# 100,000-deep nesting, between 2 x 500 good records: all counted, the two
# malformed, tgcount -e reaches the end promptly, same output as stdin.
gen 41 500 1 >"$TG_TMP/big1.jsonl"
gen 42 500 501 >"$TG_TMP/big2.jsonl"
python3 - >"$TG_TMP/big.lines" <<'EOF'
d = 100000
head = '{"event_time":"2024-01-01T00:05:00Z","channel_id":-1001,"message_id":999999,'
print(head + '"username":"alice","text":"' + "x" * (4 << 20) + '"}')
print(head + '"username":"alice","x":' + "[" * d + "]" * d + "}")
EOF
cat "$TG_TMP/big1.jsonl" "$TG_TMP/big.lines" "$TG_TMP/big2.jsonl" >"$TG_TMP/big.jsonl"
produce big "$TG_TMP/big.jsonl"
tgcount --stats <"$TG_TMP/big.jsonl" >"$TG_TMP/big.expected" 2>/dev/null
start=$(date +%s)
timeout 60 tgcount -b "$B" -t big -G gbig -o beginning -e --stats >"$TG_TMP/big.out" \
    2>"$TG_TMP/big.err"
tg_check_eq "big messages: exit 0" "$?" 0
echo "# big messages: consumed in $(($(date +%s) - start)) s"
tg_check "big messages: read all, two malformed" \
    grep -q " read=$(wc -l <"$TG_TMP/big.jsonl") .* malformed=2 " "$TG_TMP/big.err"
tg_check "big messages: the large one reported" grep -q 'big\[0\]@[0-9]*: record of .* bytes' \
    "$TG_TMP/big.err"
tg_check_stopped_eq "big messages: output equals stdin's" "$TG_TMP/big.out" "$TG_TMP/big.expected"
