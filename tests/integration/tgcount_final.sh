#!/usr/bin/env bash
# Final means final: every printed window says whether it is final.  At the
# end of a file the input is complete, so every window is final; a Kafka
# run ended by -e or SIGTERM prints its open windows provisional; and with
# --checkpoint, across SIGTERM and kill -9 restarts, no window is ever
# printed final twice, and the final windows together with the last run's
# provisional ones are exactly the answer of one run over all the records
# (the model's).

. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require kcat
tg_require python3
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic hand:1 --topic ck:1 --topic kill:1
B=$TG_BROKERS
model=$(dirname "$0")/tgcount_model.py

gen() { bash "$(dirname "$0")/tgcount_kafka.sh" --gen "$@"; }
produce() { timeout 30 kcat -P -b "$B" -t "$1" -K $'\t' -l "$2"; }
records() { cut -f2- "$@"; }
kafka() { timeout 60 tgcount -b "$B" "$@"; }
stat() { grep '^tgcount: stats: ' "$2" | tail -n 1 | sed -n "s/.* $1=\([0-9]*\) .*/\1/p"; }
read_is() { test "$(stat read "$1")" = "$2"; }
# blocks FILE...: one line per window, header and rows, in order.
blocks() {
    cat "$@" | awk '/^#/ { if (b != "") print b; b = $0; next } { b = b " | " $0 }
                   END { if (b != "") print b }'
}
# finals FILE...: the headers of the windows printed final.
finals() { cat "$@" | grep '^# ' | grep -v ' provisional$'; }

# ---- by hand: four records, -w 1m -l 0 ---------------------------------------
# W after the last record is 12:02:40: [12:00,12:01) and [12:01,12:02) are
# final, [12:02,12:03) (carol) is still open.
rec() { printf '{"event_time":"2024-05-01T%sZ","channel_id":1,"message_id":%d,"username":"%s"}\n' "$@"; }
{
    rec 12:00:10 1 alice
    rec 12:00:20 2 bob
    rec 12:01:10 3 alice
    rec 12:02:40 4 carol
} >"$TG_TMP/hand.jsonl"
tgcount -w 1m -l 0 -f csv --stats "$TG_TMP/hand.jsonl" >"$TG_TMP/hand.csv" 2>"$TG_TMP/hand.err"
tg_check_eq "file: exit 0" "$?" 0
tg_check_eq "file: every window final at the end of the input" "$(cat "$TG_TMP/hand.csv")" \
    "window,start,end,username,count,final
1m,2024-05-01T12:00:00Z,2024-05-01T12:01:00Z,alice,1,true
1m,2024-05-01T12:00:00Z,2024-05-01T12:01:00Z,bob,1,true
1m,2024-05-01T12:01:00Z,2024-05-01T12:02:00Z,alice,1,true
1m,2024-05-01T12:02:00Z,2024-05-01T12:03:00Z,carol,1,true"
tg_check_eq "file: provisional=0" "$(stat provisional "$TG_TMP/hand.err")" 0

sed 's/^/x\t/' "$TG_TMP/hand.jsonl" >"$TG_TMP/hand.tsv"
produce hand "$TG_TMP/hand.tsv"
kafka -t hand -w 1m -l 0 -o beginning -e -f json --stats >"$TG_TMP/hand.json" \
    2>"$TG_TMP/hand.kerr"
tg_check_eq "Kafka -e: exit 0" "$?" 0
tg_check_eq "Kafka -e: the open window is provisional, the others final" \
    "$(cat "$TG_TMP/hand.json")" \
    '{"window":"1m","start":"2024-05-01T12:00:00Z","end":"2024-05-01T12:01:00Z","username":"alice","count":1,"final":true}
{"window":"1m","start":"2024-05-01T12:00:00Z","end":"2024-05-01T12:01:00Z","username":"bob","count":1,"final":true}
{"window":"1m","start":"2024-05-01T12:01:00Z","end":"2024-05-01T12:02:00Z","username":"alice","count":1,"final":true}
{"window":"1m","start":"2024-05-01T12:02:00Z","end":"2024-05-01T12:03:00Z","username":"carol","count":1,"final":false}'
tg_check_eq "Kafka -e: provisional=1" "$(stat provisional "$TG_TMP/hand.kerr")" 1

# The same run with a checkpoint: the same marks (the finals wait for the
# checkpoint written at the end, then come out before the open window).
kafka -t hand -w 1m -l 0 -o beginning -e --checkpoint "$TG_TMP/hand.ck" >"$TG_TMP/hand.ck.out"
tg_check_eq "Kafka -e --checkpoint: exit 0" "$?" 0
tg_check_eq "Kafka -e --checkpoint: marks" "$(grep '^#' "$TG_TMP/hand.ck.out")" \
    "# 1m 2024-05-01T12:00:00Z 2024-05-01T12:01:00Z
# 1m 2024-05-01T12:01:00Z 2024-05-01T12:02:00Z
# 1m 2024-05-01T12:02:00Z 2024-05-01T12:03:00Z provisional"
# Restarted: the finals are not printed again; the open window, restored
# from the checkpoint, is provisional again with the same count.
kafka -t hand -w 1m -l 0 -e --checkpoint "$TG_TMP/hand.ck" >"$TG_TMP/hand.ck2.out"
tg_check_eq "restart: only the open window, still provisional" "$(cat "$TG_TMP/hand.ck2.out")" \
    "# 1m 2024-05-01T12:02:00Z 2024-05-01T12:03:00Z provisional
carol, 1"

# ---- SIGTERM, SIGTERM, -e: three runs on one checkpoint ---------------------------
# Default windows (1m and 10m/30s, 30 s lateness), as a service runs.
gen 21 1500 0 >"$TG_TMP/c1.tsv"
gen 22 1500 1500 >"$TG_TMP/c2.tsv"
records "$TG_TMP/c1.tsv" "$TG_TMP/c2.tsv" | python3 "$model" run >"$TG_TMP/ck.model"
tg_check "model: windows to compare" test "$(grep -c '^#' "$TG_TMP/ck.model")" -gt 50
ck=(-t ck -G fin -X session.timeout.ms=6000 -o beginning --checkpoint "$TG_TMP/ck"
    --checkpoint-interval 200ms
    --stats)
# follow N: a run in follow mode, ended by SIGTERM once it has read N
# records in all (its stats line every 100 ms says how many).
follow() {
    local n=$1 out=$2 err=$3 pid
    tgcount -b "$B" "${ck[@]}" --stats-interval 100ms >"$out" 2>"$err" &
    pid=$!
    tg_cleanup_push "kill -9 $pid"
    tg_wait_until 60 read_is "$err" "$n"
    tg_check_eq "$out: read $n records" "$(stat read "$err")" "$n"
    kill -TERM "$pid"
    wait "$pid"
    tg_check_eq "$out: SIGTERM ends with exit 0" "$?" 0
}
produce ck "$TG_TMP/c1.tsv"
follow "$(wc -l <"$TG_TMP/c1.tsv")" "$TG_TMP/run1.out" "$TG_TMP/run1.err"
produce ck "$TG_TMP/c2.tsv"
follow "$(wc -l <"$TG_TMP/c2.tsv")" "$TG_TMP/run2.out" "$TG_TMP/run2.err"
kafka "${ck[@]}" -e >"$TG_TMP/run3.out" 2>"$TG_TMP/run3.err"
tg_check_eq "-e after the restarts: exit 0" "$?" 0
tg_check_eq "-e after the restarts: nothing left to read" "$(stat read "$TG_TMP/run3.err")" 0
for r in 1 2; do
    tg_check "run $r: printed final windows and provisional ones" \
        test "$(finals "$TG_TMP/run$r.out" | wc -l)" -gt 0 -a \
        "$(stat provisional "$TG_TMP/run$r.err")" -gt 0
done
# The last run read nothing new: no window became final, the open ones
# come out provisional once more.
tg_check "run 3: only provisional windows" \
    test "$(finals "$TG_TMP/run3.out" | wc -l)" -eq 0 -a \
    "$(stat provisional "$TG_TMP/run3.err")" -gt 0
tg_check_eq "SIGTERM restarts: no window printed final twice" \
    "$(finals "$TG_TMP"/run[123].out | sort | uniq -d)" ""
# The final windows of all runs, then the last run's provisional ones,
# sorted as tgcount prints (by end, then start, then spec: the model's
# order), are the model's output.
{
    blocks "$TG_TMP"/run[123].out | grep -v '^# [^|]* provisional |'
    blocks "$TG_TMP/run3.out" | grep '^# [^|]* provisional |' | sed 's/ provisional |/ |/'
} | sort >"$TG_TMP/ck.union"
blocks "$TG_TMP/ck.model" | sort >"$TG_TMP/ck.model.blocks"
tg_check_files_eq "SIGTERM restarts: finals + the last provisional = one run's answer" \
    "$TG_TMP/ck.union" "$TG_TMP/ck.model.blocks"

# ---- kill -9 and restart ---------------------------------------------------------
# Killed once it has printed something: every final window printed by
# either run is one of the model's, with its counts, and none twice.
produce kill "$TG_TMP/c1.tsv"
kill_ck=(-t kill -G fin2 -X session.timeout.ms=6000 -o beginning --checkpoint "$TG_TMP/kck"
    --checkpoint-interval 100ms)
tgcount -b "$B" "${kill_ck[@]}" >"$TG_TMP/k1.out" 2>"$TG_TMP/k1.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
tg_wait_until 60 test -s "$TG_TMP/k1.out"
tg_check "kill -9: the first run printed a window" test -s "$TG_TMP/k1.out"
kill -9 "$pid"
wait "$pid" 2>/dev/null
produce kill "$TG_TMP/c2.tsv"
kafka "${kill_ck[@]}" -e >"$TG_TMP/k2.out" 2>"$TG_TMP/k2.err"
tg_check_eq "kill -9: the restart exits 0" "$?" 0
tg_check_eq "kill -9: no window printed final twice" \
    "$(finals "$TG_TMP/k1.out" "$TG_TMP/k2.out" | sort | uniq -d)" ""
blocks "$TG_TMP/k1.out" "$TG_TMP/k2.out" | grep -v '^# [^|]* provisional |' | sort \
    >"$TG_TMP/k.finals"
tg_check "kill -9: the runs printed final windows" test -s "$TG_TMP/k.finals"
tg_check_eq "kill -9: every final window is the model's, with its counts" \
    "$(comm -23 "$TG_TMP/k.finals" "$TG_TMP/ck.model.blocks")" ""
