#!/usr/bin/env bash
# tgcount's state moves with its partition (README, "State changelog"):
# members of one group with --output-topic, killed, restarted, added and
# stopped mid-run, on a skewed 4-partition topic with late records (the
# generator of tgcount_output_topic.sh):
#   (a) one member SIGKILLed mid-run and restarted: it restores the tasks
#       from the changelog (stats restored>0), and `tgcount --merge -e`
#       over the results topic prints the same final windows as
#       `tgcount -p all -e` over the input (final rows, sorted);
#   (b) three members (distinct --transactional-id), one SIGKILLed, one
#       added, one stopped with SIGTERM (exit 0), the others ending with
#       -e, then a last member to finish what the dead one held: the same
#       final windows, and no (window, start, partition, username) in the
#       results topic with two counts.  In both, every row of the results
#       topic is the model's for its partition alone (tgcount_model.py
#       --results), whatever member wrote it.  librdkafka's mock broker shows
#       aborted transactions to read_committed readers, so a row of the
#       killed member's open transaction can appear twice, with the same
#       count (the input partitions are counted deterministically): the
#       check is "no key with two counts", not "no key twice".
# Every wait is a condition with a deadline.  (a) and (b) run side by side
# (separate groups and results topics) to stay well under a minute.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require kcat
tg_require python3
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic skew:4 --topic res_a:2 --topic res_b:2 \
    --topic ga-tgcount-changelog:4 --topic gb-tgcount-changelog:4
B=$TG_BROKERS
SCALE=${TG_SCALE:-6}

# The skewed topic: partition 1 runs 15 minutes ahead, partition 2 is
# sparse and 10 minutes behind, partitions 0 and 3 jump back now and then
# (some records late), partition 3 repeats message ids.  It is produced in
# batches of 500 records: a member keeps at most 20 records queued per
# partition (queued.min.messages), so librdkafka fetches one batch at a
# time, and librdkafka 2.0 fetches a partition whose queue was full only
# on its next wakeup (about a second later).  So a member needs about 19 s
# to read the topic however fast the machine (load only slows it), while
# its first snapshots are committed about 6 s after it starts: the members
# are still counting when they are killed or stopped.
python3 "$TG_TOP/tests/integration/skewed_topic.py" "$TG_TMP" --scale "$SCALE"
for p in 0 1 2 3; do
    timeout 60 kcat -P -b "$B" -t skew -p "$p" -X batch.num.messages=500 -l "$TG_TMP/p$p.jsonl"
done

# The model's results topic (tgcount_model.py --results: each partition's
# rows of the windows its own W_p passed at its end, from its records
# alone), one "window start partition username count" line per row.
for p in 0 1 2 3; do sed "s/^/$p /" "$TG_TMP/p$p.jsonl"; done >"$TG_TMP/topic.txt"
python3 "$TG_TOP/tests/integration/tgcount_model.py" run --partitioned --results 4 \
    <"$TG_TMP/topic.txt" | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line.split(":", 1)[1])
    if o["type"] == "row":
        print(o["window"], o["start"], o["partition"], o["username"], o["count"])
' | LC_ALL=C sort >"$TG_TMP/model.rows"

# finals FILE [CUTOFF]: the final rows of tgcount's -f json output, one
# "window start end username count" line each, sorted; with CUTOFF (an
# ISO-8601 time) only those of windows ending at or before it.
finals() {
    python3 -c '
import json, sys
cut = sys.argv[2] if len(sys.argv) > 2 else None
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("final") and (cut is None or o["end"] <= cut):
        print(o["window"], o["start"], o["end"], o["username"], o["count"])
' "$@" | LC_ALL=C sort
}

# The independent derivation: one process, every partition, no group.
timeout 60 tgcount -b "$B" -t skew -p all -o beginning -e -q -f json >"$TG_TMP/ref.json"
tg_check_eq "reference -p all -e: exit 0" "$?" 0
finals "$TG_TMP/ref.json" >"$TG_TMP/ref.final"
tg_check "reference: final rows, late records among the input" \
    test "$(wc -l <"$TG_TMP/ref.final")" -gt 100

# A member: small fetches and frequent transactions.  member GROUP
# RESULTS TID NAME [ARGS...] starts it in the background, stderr to $TG_TMP/NAME.err;
# its pid in $TG_TMP/NAME.pid.
member() {
    local group=$1 results=$2 tid=$3 name=$4
    shift 4
    tgcount -b "$B" -t skew -G "$group" -X session.timeout.ms=6000 -o beginning \
        --output-topic "$results" --transactional-id "$tid" --commit-interval 100ms \
        -X fetch.message.max.bytes=3000 -X queued.min.messages=20 -f json --stats -v \
        "$@" >"$TG_TMP/$name.out" 2>"$TG_TMP/$name.err" &
    echo $! >"$TG_TMP/$name.pid"
    tg_cleanup_push "kill -9 $! 2>/dev/null"
}

# committed CHANGELOG [N]: some changelog partition holds at least N
# (default 2) snapshots.  A member begins a transaction only after the
# previous one committed, so a partition's second snapshot means its first
# was committed.
committed() {
    timeout 10 kcat -C -b "$B" -t "$1" -o beginning -e -q -f '%p\n' 2>/dev/null |
        sort | uniq -c | awk -v n="${2:-2}" '$1 >= n {ok = 1} END {exit !ok}'
}

# gone PID: the process ended (a zombie until waited for counts as ended).
gone() {
    local state
    state=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)
    [ -z "$state" ] || [ "$state" = Z ]
}

# ended NAME SECONDS: waits for the member (a child of this shell) to end
# and sets rc to its exit status (124 when it was killed at the deadline).
ended() {
    local pid
    pid=$(cat "$TG_TMP/$1.pid")
    if tg_wait_until "$2" gone "$pid"; then
        wait "$pid" 2>/dev/null
        rc=$?
    else
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=124
    fi
}

# ---- (a) one member, SIGKILLed and restarted ------------------------------
scenario_a() {
    member ga res_a tg-scale-a a1 -e
    if tg_wait_until 40 committed ga-tgcount-changelog; then
        echo "ok: (a) the member committed snapshots while it ran"
    else
        echo "FAIL: (a) the member committed snapshots while it ran"
    fi
    if kill -9 "$(cat "$TG_TMP/a1.pid")" 2>/dev/null; then
        echo "ok: (a) the member was SIGKILLed mid-run"
    else
        echo "FAIL: (a) the member was SIGKILLed mid-run (it had ended)"
    fi
    wait "$(cat "$TG_TMP/a1.pid")" 2>/dev/null
    member ga res_a tg-scale-a a2 -e
    ended a2 50
    echo "status: (a) the restarted member ends -e: exit $rc"
}

# ---- (b) three members; one killed, one added, one stopped -----------------
# Members with -e end once the partitions they hold are read; a last one
# takes every partition and ends what the others left (the killed
# member's, when the group gave them out only after the others ended).
scenario_b() {
    # b1 and b2 follow the topic (no -e), so that whatever partitions the
    # group gives them, they are still running when one is SIGKILLed and
    # the other stopped with SIGTERM (members with -e given little can end
    # before that, on a loaded machine).
    member gb res_b tg-scale-b1 b1
    member gb res_b tg-scale-b2 b2
    member gb res_b tg-scale-b3 b3 -e
    # The first snapshot, not the second: the kill lands mid-run.
    if tg_wait_until 40 committed gb-tgcount-changelog 1; then
        echo "ok: (b) the members wrote snapshots while they ran"
    else
        echo "FAIL: (b) the members wrote snapshots while they ran"
    fi
    local m killed=b1 stopped=b2
    if kill -9 "$(cat "$TG_TMP/$killed.pid")" 2>/dev/null; then
        echo "ok: (b) member ${killed#b} was SIGKILLed mid-run"
        wait "$(cat "$TG_TMP/$killed.pid")" 2>/dev/null
    else
        echo "FAIL: (b) member ${killed#b} was SIGKILLed mid-run (it had ended)"
    fi
    member gb res_b tg-scale-b4 b4 -e
    if kill -TERM "$(cat "$TG_TMP/$stopped.pid")" 2>/dev/null; then
        echo "ok: (b) member ${stopped#b} was stopped with SIGTERM mid-run"
    else
        echo "FAIL: (b) member ${stopped#b} was stopped with SIGTERM mid-run (it had ended)"
    fi
    for m in b1 b2 b3 b4; do
        [ "$m" = "$killed" ] && continue
        ended $m 50
        echo "status: (b) member ${m#b} ends ($([ "$m" = "$stopped" ] && echo SIGTERM || echo at the end)): exit $rc"
    done
    member gb res_b tg-scale-b5 b5 -e
    ended b5 50
    echo "status: (b) the last member ends -e: exit $rc"
}

# Every broker response is delayed as well (a slow network).
tg_kafka_local rtt 20 >/dev/null
scenario_a >"$TG_TMP/a.verdicts" 2>"$TG_TMP/a.log" &
pa=$!
scenario_b >"$TG_TMP/b.verdicts" 2>"$TG_TMP/b.log" &
pb=$!
wait "$pa" "$pb"
tg_kafka_local rtt 0 >/dev/null

# verdicts FILE: "ok:"/"FAIL:" lines as checks, "status: ... exit N" as
# exit 0 checks.
verdicts() {
    local line
    while IFS= read -r line; do
        case $line in
        ok:*) tg_pass "${line#ok: }" ;;
        FAIL:*) tg_fail "${line#FAIL: }" "" ;;
        status:*)
            tg_check_eq "${line#status: }" "${line##* }" 0
            ;;
        *) tg_fail "unexpected output" "$line" ;;
        esac
    done <"$1"
}

verdicts "$TG_TMP/a.verdicts"
verdicts "$TG_TMP/b.verdicts"

# restored NAME: the restored= count of the member's stats line.
restored() { sed -n 's/.* restored=\([0-9]*\) .*/\1/p' "$TG_TMP/$1.err" | tail -n 1; }
tg_check "(a) the restarted member restored tasks from the changelog (restored=$(restored a2))" \
    test "$(restored a2)" -gt 0
tg_check "(a) it logged each restore with its next offset" \
    grep -q "^tgcount: restored partition [0-3] from ga-tgcount-changelog: generation [0-9]*, .*next offset [0-9]*" \
    "$TG_TMP/a2.err"
tg_check "(b) the last member restored tasks (restored=$(restored b5))" \
    test "$(restored b5)" -gt 0
# What the members said: their -v lines, late records (some are), and no
# error.
for m in a2 b2 b3 b4 b5; do
    tg_check_eq "$m: stderr holds no error" \
        "$(grep -Ev '^tgcount: (stats: |restored partition |assigned |revoked |results to |state changelog |warning: skew\[[0-3]\]@[0-9]*: late: |warning: [0-9]* late records skipped )' \
            "$TG_TMP/$m.err")" ""
done

# The merged views against the single process.  tgcount -p all -e also
# finalises, at the end, the windows that partitions which ended hold back
# (README, "The window contract"); the progress records do not say that a
# partition ended, so --merge -e leaves those provisional.  The two agree on
# every window the results topic's progress passed: up to the least of the
# partitions' greatest progress watermarks (the cutoff).
# results TOPIC: the topic read_committed, one value per line.
results() {
    timeout 60 kcat -C -b "$B" -t "$1" -o beginning -e -q -X isolation.level=read_committed \
        -f '%s\n' >"$TG_TMP/$1.txt"
}
# topic_rows MODE FILE: over the rows of a results topic (the entries of
# its row, rows and windows messages), MODE survey prints "ROWS TWOCOUNTS
# CUTOFF": the rows, the keys (window, start, partition, username) seen
# with two different counts, and the least over the partitions of the
# greatest progress watermark; MODE rows prints the last count per key,
# in model.rows' form.
topic_rows() {
    python3 - "$@" <<'EOF'
import json, sys
def entries(o):
    if o["type"] == "row":
        yield (o["window"], o["start"], o["partition"], o["username"]), o["count"]
    elif o["type"] == "rows":
        for user, count in o["counts"].items():
            yield (o["window"], o["start"], o["partition"], user), count
    elif o["type"] == "windows":
        for w in o["windows"]:
            for user, count in w["counts"].items():
                yield (w["window"], w["start"], o["partition"], user), count
last, two, rows, progress = {}, 0, 0, {}
for line in open(sys.argv[2]):
    o = json.loads(line)
    if o["type"] == "progress":
        progress[o["partition"]] = max(progress.get(o["partition"], ""), o["watermark"])
    for k, count in entries(o):
        rows += 1
        if k in last and last[k] != count:
            two += 1
        last[k] = count
if sys.argv[1] == "survey":
    print(rows, two, min(progress.values()) if len(progress) == 4 else "none")
else:
    for (w, s, p, u), c in last.items():
        print(w, s, p, u, c)
EOF
}
survey() { topic_rows survey "$1"; }
rows() { topic_rows rows "$1" | LC_ALL=C sort; }
for s in a b; do
    results "res_$s"
    rows "$TG_TMP/res_$s.txt" >"$TG_TMP/res_$s.rows"
    tg_check_files_eq "($s) the results topic's rows are the model's, partition by partition" \
        "$TG_TMP/res_$s.rows" "$TG_TMP/model.rows"
    read -r rows two cutoff < <(survey "$TG_TMP/res_$s.txt")
    tg_check "($s) the results topic holds rows ($rows) and progress of every partition" \
        test "$rows" -gt 0 -a "$cutoff" != none
    tg_check_eq "($s) no (window, start, partition, username) with two counts" "$two" 0
    timeout 60 tgcount --merge -b "$B" -t "res_$s" -e -q -f json >"$TG_TMP/merged_$s.json"
    tg_check_eq "($s) --merge -e: exit 0" "$?" 0
    # Final in the merged view: exactly the windows every partition's
    # progress passed, i.e. up to the greatest window end at or before the
    # cutoff among the single process's final windows.
    horizon=$(python3 -c '
import json, sys
ends = [o["end"] for o in map(json.loads, open(sys.argv[1])) if o.get("final")]
print(max(ends) if ends else "none")' "$TG_TMP/merged_$s.json")
    want_horizon=$(python3 -c '
import json, sys
ends = [o["end"] for o in map(json.loads, open(sys.argv[1]))
        if o.get("final") and o["end"] <= sys.argv[2]]
print(max(ends) if ends else "none")' "$TG_TMP/ref.json" "$cutoff")
    tg_check_eq "($s) the merged view is final up to the progress cutoff $cutoff" \
        "$horizon" "$want_horizon"
    finals "$TG_TMP/merged_$s.json" "$horizon" >"$TG_TMP/merged_$s.final"
    finals "$TG_TMP/ref.json" "$horizon" >"$TG_TMP/ref_$s.final"
    tg_check "($s) final windows up to $horizon: $(wc -l <"$TG_TMP/ref_$s.final") rows" \
        test "$(wc -l <"$TG_TMP/ref_$s.final")" -gt 1000
    tg_check_files_eq "($s) the merged view's final windows are the single process's" \
        "$TG_TMP/merged_$s.final" "$TG_TMP/ref_$s.final"
done
