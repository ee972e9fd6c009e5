#!/usr/bin/env bash
# -e is a function of the topic (README, "The window contract", Kafka): on a
# skewed 4-partition topic with late records, -p all -e -f csv prints the
# same bytes whatever order the partitions are read and reach their end in:
# runs with fetch settings that change the interleaving (one message per
# fetch, small partition fetches, a tiny prefetch queue, long and short
# fetch waits), under nice and beside a CPU hog, all print exactly what the
# model derives: each partition judged by its own W_p, a window final when
# every partition's W_p at its end passed it, the others provisional.  A
# topic with an empty partition prints every window provisional (a record
# may still come into any window there), and a run over the non-empty
# partitions only prints the model's finals for them.
# The expected output comes from the model over the topic's records as kcat
# reads them back with their partition, never from tgcount.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require kcat
tg_require python3
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic fin:4 --topic holes:4
B=$TG_BROKERS
MODEL="$(dirname "$0")/tgcount_model.py"
kafka() { timeout 60 tgcount -b "$B" -o beginning -e -f csv "$@"; }

# ---- a skewed topic ----------------------------------------------------------
# Partition 1 runs 20 minutes ahead and ends first in event time order,
# partition 2 is sparse and 10 minutes behind, partition 3 is dense and
# ends last in bytes; partitions 0 and 3 jump back now and then by more
# than the lateness (late, or partly late), and partition 3 repeats ids.
python3 "$TG_TOP/tests/integration/skewed_topic.py" "$TG_TMP" --seed 1401 --users 40 \
    --plan 0:1500:0:2000:0.05 1:400:20:3000:0 2:200:-10:15000:0 3:4000:0:700:0.08
for p in 0 1 2 3; do
    timeout 30 kcat -P -b "$B" -t fin -p "$p" -l "$TG_TMP/p$p.jsonl"
done
# The same records without partition 2's: partition 2 of "holes" is empty.
for p in 0 1 3; do
    timeout 30 kcat -P -b "$B" -t holes -p "$p" -l "$TG_TMP/p$p.jsonl"
done
timeout 30 kcat -C -b "$B" -t fin -o beginning -e -q -f '%p %s\n' >"$TG_TMP/topic.txt"
tg_check_eq "the topic holds every record" "$(wc -l <"$TG_TMP/topic.txt")" 6100
python3 "$MODEL" run --partitioned --at-end 4 -f csv <"$TG_TMP/topic.txt" >"$TG_TMP/expected"
tg_check "the model has final windows" grep -q ',true$' "$TG_TMP/expected"
tg_check "the model has provisional windows" grep -q ',false$' "$TG_TMP/expected"
# Partition 1 ends 20 minutes ahead of the others: a rule where a partition
# at its end stops holding W back (or the greatest W_p drives at the end)
# would print more windows final.  The model's final set is that of the
# slowest partition's W_p alone, so the comparisons below tell them apart.
tg_check "the slowest partition leaves windows provisional that the fastest passed" \
    test "$(grep -c ',false$' "$TG_TMP/expected")" -gt 100

# ---- many runs, many interleavings -------------------------------------------
# A CPU hog per core for the runs that ask for one; stopped by its pid.
HOGS=()
hog_start() {
    HOGS=()
    for _ in 1 2; do
        (while :; do :; done) &
        HOGS+=($!)
    done
}
hog_stop() { kill "${HOGS[@]}" 2>/dev/null; wait "${HOGS[@]}" 2>/dev/null; HOGS=(); }
tg_cleanup_push 'hog_stop'
settings=(
    ""
    "-X message.max.bytes=1000 -X fetch.max.bytes=1000 -X max.partition.fetch.bytes=1"
    "-X max.partition.fetch.bytes=2048"
    "-X max.partition.fetch.bytes=65536 -X fetch.max.bytes=1000000 -X message.max.bytes=1000000"
    "-X queued.min.messages=1 -X queued.max.messages.kbytes=1"
    "-X fetch.wait.max.ms=1"
    "-X fetch.wait.max.ms=500 -X fetch.min.bytes=100000"
    "-X max.partition.fetch.bytes=512 -X fetch.wait.max.ms=5"
    "-X queued.min.messages=10 -X message.max.bytes=4096 -X fetch.max.bytes=4096"
    "-X max.partition.fetch.bytes=300 -X queued.max.messages.kbytes=1"
)
run=0 i=0
for load in plain nice hog; do
    for s in "${settings[@]}"; do
        i=$((i + 1))
        # 25 runs: every setting plain and beside a hog, half of them under nice.
        [ "$load" = nice ] && [ $((i % 2)) = 0 ] && continue
        run=$((run + 1))
        [ "$load" = hog ] && hog_start
        if [ "$load" = nice ]; then
            # shellcheck disable=SC2086
            nice -n 19 timeout 60 tgcount -b "$B" -o beginning -e -f csv -t fin -p all $s \
                >"$TG_TMP/run$run.csv" 2>"$TG_TMP/run$run.err"
        else
            # shellcheck disable=SC2086
            kafka -t fin -p all $s >"$TG_TMP/run$run.csv" 2>"$TG_TMP/run$run.err"
        fi
        rc=$?
        [ "$load" = hog ] && hog_stop
        tg_check_eq "run $run ($load${s:+, $s}): exit 0" "$rc" 0
        tg_check_files_eq "run $run ($load${s:+, $s}): the model's bytes" \
            "$TG_TMP/run$run.csv" "$TG_TMP/expected"
    done
done
tg_check_eq "25 runs" "$(ls "$TG_TMP"/run*.csv | wc -l)" 25
tg_check_eq "every run printed the same bytes" \
    "$(md5sum "$TG_TMP"/run*.csv | cut -d' ' -f1 | sort -u | wc -l)" 1

# ---- a group member reads the same way ---------------------------------------
kafka -t fin -G fin-g >"$TG_TMP/group.csv" 2>"$TG_TMP/group.err"
tg_check_eq "-G: exit 0" "$?" 0
tg_check_files_eq "-G: the model's bytes" "$TG_TMP/group.csv" "$TG_TMP/expected"

# ---- an empty partition ------------------------------------------------------
timeout 30 kcat -C -b "$B" -t holes -o beginning -e -q -f '%p %s\n' >"$TG_TMP/holes.txt"
python3 "$MODEL" run --partitioned --at-end 4 -f csv <"$TG_TMP/holes.txt" >"$TG_TMP/holes.exp"
tg_check "holes: the model prints every window provisional" \
    test "$(grep -c ',true$' "$TG_TMP/holes.exp")" = 0
for s in "" "-X max.partition.fetch.bytes=512"; do
    # shellcheck disable=SC2086
    kafka -t holes -p all $s >"$TG_TMP/holes.csv" 2>"$TG_TMP/holes.err"
    tg_check_eq "holes${s:+ ($s)}: exit 0" "$?" 0
    tg_check_files_eq "holes${s:+ ($s)}: every window provisional, the model's bytes" \
        "$TG_TMP/holes.csv" "$TG_TMP/holes.exp"
done
# Without the empty partition the others' windows are final again; the
# model over partitions 0, 1 and 3 renumbered 0, 1, 2.
sed 's/^3 /2 /' "$TG_TMP/holes.txt" |
    python3 "$MODEL" run --partitioned --at-end 3 -f csv >"$TG_TMP/holes3.exp"
kafka -t holes -p 0,1,3 >"$TG_TMP/holes3.csv" 2>"$TG_TMP/holes3.err"
tg_check_eq "holes -p 0,1,3: exit 0" "$?" 0
tg_check "holes -p 0,1,3: final windows" grep -q ',true$' "$TG_TMP/holes3.csv"
tg_check_files_eq "holes -p 0,1,3: the model's bytes" "$TG_TMP/holes3.csv" \
    "$TG_TMP/holes3.exp"

# ---- final stays final when records are appended ------------------------------
# Every partition gets a record inside the first final window (late: its
# own W_p passed it) and one 40 s after its greatest event time.  A later -e run prints
# the model's bytes over the longer topic, and every row the first runs
# printed final again, with the same count.
python3 - "$TG_TMP" <<'EOF2'
import datetime, json, sys
d = sys.argv[1]
first = open(d + "/expected").read().splitlines()[1].split(",")
start = datetime.datetime.strptime(first[1], "%Y-%m-%dT%H:%M:%SZ")
for p in range(4):
    t_last = max(datetime.datetime.strptime(json.loads(l)["event_time"][:19],
                                            "%Y-%m-%dT%H:%M:%S")
                 for l in open("%s/p%d.jsonl" % (d, p)))
    with open("%s/more%d.jsonl" % (d, p), "w") as f:
        for i, t in enumerate((start + datetime.timedelta(seconds=5),
                               t_last + datetime.timedelta(seconds=40))):
            f.write(json.dumps({"event_time": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                "channel_id": -2, "message_id": i + 1,
                                "username": first[3]}) + "\n")
EOF2
for p in 0 1 2 3; do
    timeout 30 kcat -P -b "$B" -t fin -p "$p" -l "$TG_TMP/more$p.jsonl"
done
timeout 30 kcat -C -b "$B" -t fin -o beginning -e -q -f '%p %s\n' >"$TG_TMP/topic2.txt"
tg_check_eq "appended: the topic holds 8 more records" "$(wc -l <"$TG_TMP/topic2.txt")" 6108
python3 "$MODEL" run --partitioned --at-end 4 -f csv <"$TG_TMP/topic2.txt" >"$TG_TMP/expected2"
kafka -t fin -p all -X max.partition.fetch.bytes=2048 >"$TG_TMP/after.csv" 2>"$TG_TMP/after.err"
tg_check_eq "appended: exit 0" "$?" 0
tg_check_files_eq "appended: the model's bytes" "$TG_TMP/after.csv" "$TG_TMP/expected2"
tg_check "appended: more windows final than before" \
    test "$(grep -c ',true$' "$TG_TMP/after.csv")" -gt "$(grep -c ',true$' "$TG_TMP/expected")"
tg_check_eq "appended: every row final before is final again, same count" \
    "$(grep ',true$' "$TG_TMP/expected" | sort | comm -23 - <(sort "$TG_TMP/after.csv"))" ""
