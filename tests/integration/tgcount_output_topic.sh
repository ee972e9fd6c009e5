#!/usr/bin/env bash
# tgcount --output-topic (README, "Results topic"), through the local broker:
#   - a skewed 4-partition topic with late records, one member, -e: the
#     results topic, read read_committed, holds each partition's rows with
#     the counts the model gives that partition alone, every row of a
#     window at or before the partition's progress watermark, a progress
#     record per partition after its rows, no (window, start, partition,
#     username) twice; summed over the partitions, the rows of the windows
#     every partition's progress passed are the model's global counts;
#     each message is keyed by its input partition and sits in output
#     partition (input mod 2);
#   - the transaction committed the consumed offsets: a run of the same
#     group from its stored offsets reads nothing, and starts every
#     partition at its end offset;
#   - a member SIGKILLed while it writes (some rows committed), restarted:
#     it restores its tasks from the state changelog, every key has one
#     count, and the keys and counts are the model's.  librdkafka's mock broker does not hide
#     aborted transactions from read_committed readers (kcat shows them),
#     so the killed member's open transaction may show: the test asserts
#     "no key with two counts" and "the model's keys and counts", not "no
#     row twice", there;
#   - a window of 10,000 users is split over "windows" messages below
#     100 KB that hold every user once (hand count);
#   - --output-topic without -G, or with FILE operands, or with
#     --checkpoint; --changelog-topic without it: exit 64, one line;
#   - a changelog topic that is missing and cannot be created (the local
#     broker creates none): exit 69, one line with the remedy.
# Expected values come from the model (tgcount_model.py) over the records
# as kcat reads them back, never from tgcount.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require kcat
tg_require python3
tg_require jq
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic skew:4 --topic results:2 --topic big:4 --topic results2:2 \
    --topic g1-tgcount-changelog:4 --topic g2-tgcount-changelog:4 \
    --topic wide:1 --topic results5:1 --topic g5-tgcount-changelog:1
B=$TG_BROKERS
MODEL="$(dirname "$0")/tgcount_model.py"
# A group's member that left is noticed after session.timeout.ms.
SESSION=(-X session.timeout.ms=6000)

# gen DIR SCALE: the skewed topic of tgcount_tasks.sh, SCALE times as long:
# partition 1 runs 15 minutes ahead, partition 2 is sparse and 10 minutes
# behind, partitions 0 and 3 jump back now and then (some records late),
# partition 3 repeats message ids.  DIR/pN.jsonl per partition.
gen() {
    python3 "$TG_TOP/tests/integration/skewed_topic.py" "$1" --scale "$2"
}

# load TOPIC DIR: the partitions' records into the topic, then what kcat
# reads back ("PARTITION RECORD" lines) into DIR/topic.txt, and the model's
# expectations: DIR/global.json (every partition) and DIR/model.N.json
# (partition N alone), -f json lines.  More arguments go to kcat -P.
load() {
    local topic=$1 dir=$2 p
    shift 2
    for p in 0 1 2 3; do
        timeout 60 kcat -P -b "$B" -t "$topic" -p "$p" "$@" -l "$dir/p$p.jsonl"
    done
    timeout 60 kcat -C -b "$B" -t "$topic" -o beginning -e -q -f '%p %s\n' >"$dir/topic.txt"
    python3 "$MODEL" run --partitioned -f json <"$dir/topic.txt" >"$dir/global.json"
    for p in 0 1 2 3; do
        grep "^$p " "$dir/topic.txt" | python3 "$MODEL" run --partitioned -f json \
            >"$dir/model.$p.json"
    done
}

# results TOPIC FILE: the results topic as a read_committed reader sees it,
# "OUTPUT_PARTITION<TAB>KEY<TAB>VALUE" per message, in each output
# partition's order.
results() {
    timeout 60 kcat -C -b "$B" -t "$1" -o beginning -e -q -X isolation.level=read_committed \
        -f '%p\t%k\t%s\n' >"$2"
}

# check DIR RESULTS MODE: the checks above, MODE "once" (no key twice) or
# "replayed" (no key with two counts).  Prints one "ok"/"FAIL: why" line
# per property.
check() {
    python3 - "$@" <<'EOF'
import json, sys
d, path, mode = sys.argv[1:4]
def key(o): return (o["window"], o["start"], o["partition"], o["username"])
model = {}
for p in range(4):
    for line in open("%s/model.%d.json" % (d, p)):
        o = json.loads(line); o["partition"] = p
        model[key(o)] = (o["count"], o["end"])
rows, progress, twice, twocounts, badplace, order = {}, {}, 0, 0, 0, 0
messages, several = 0, 0  # windows messages, those holding more than one window
covered = {}  # (out partition, input partition) -> greatest watermark so far
pending = []  # rows not yet covered by a progress: (out, part, end)
for line in open(path):
    out, k, v = line.rstrip("\n").split("\t", 2)
    o = json.loads(v)
    part = o["partition"]
    if k != str(part) or int(out) != part % 2 or o.get("topic") != sys.argv[4]:
        badplace += 1
    if o["type"] == "windows":
        ws = o["windows"]
        messages += 1
        several += len(ws) > 1
        if (not o["final"] or not ws or len(v.encode()) > 100000 + 300 or
                len({(w["window"], w["start"]) for w in ws}) != len(ws) or
                [w["end"] for w in ws] != sorted(w["end"] for w in ws)):
            badplace += 1
        for w in ws:
            if not w["counts"]: badplace += 1
            for user, count in w["counts"].items():
                kk = (w["window"], w["start"], part, user)
                if kk in rows:
                    twice += 1
                    if rows[kk][0] != count: twocounts += 1
                rows[kk] = (count, w["end"])
                pending.append((part, w["end"]))
    elif o["type"] in ("row", "rows"):
        badplace += 1
    elif o["type"] == "progress":
        if o["partitions"] != 4: badplace += 1
        progress[part] = max(progress.get(part, ""), o["watermark"])
        pending = [(p, e) for p, e in pending if not (p == part and e <= o["watermark"])]
order = len(pending)
def say(ok, what):
    print(("ok" if ok else "FAIL") + ": " + what)
say(len(rows) > 0, "rows were written (%d)" % len(rows))
say(several > 0, "a partition's windows share messages (%d of %d hold several)" % (several, messages))
say(badplace == 0, "keyed by input partition, in output partition mod 2, final, windows messages below 100 KB with each window once, in order of end, partitions 4 (%d bad)" % badplace)
if mode == "once":
    say(twice == 0, "no (window, start, partition, username) twice (%d)" % twice)
say(twocounts == 0, "no key with two counts (%d)" % twocounts)
wrong = [k for k, v in rows.items() if model.get(k, (None,))[0] != v[0]]
say(not wrong, "every row has the model's per-partition count (%d differ: %s)" % (len(wrong), wrong[:3]))
say(sorted(progress) == [0, 1, 2, 3], "progress for every partition (%s)" % sorted(progress))
missing = [k for k, (c, end) in model.items()
           if k[2] in progress and end <= progress[k[2]] and k not in rows]
say(not missing, "every model row up to its partition's progress is there (%d missing: %s)" % (len(missing), missing[:3]))
say(order == 0, "every row is followed by a progress covering it (%d not)" % order)
low = min(progress.values()) if progress else ""
sums, want = {}, {}
for (w, s, p, u), (c, end) in rows.items():
    if end <= low: sums[(w, s, u)] = sums.get((w, s, u), 0) + c
for line in open("%s/global.json" % d):
    o = json.loads(line)
    if o["end"] <= low: want[(o["window"], o["start"], o["username"])] = o["count"]
say(len(want) > 0 and sums == want,
    "summed over partitions, the windows every progress passed are the model's (%d keys)" % len(want))
EOF
}

# verdicts NAME FILE: one tg check per line of check's output.
verdicts() {
    local name=$1 line
    while IFS= read -r line; do
        case $line in
        ok:*) tg_pass "$name: ${line#ok: }" ;;
        *) tg_fail "$name: ${line#FAIL: }" "" ;;
        esac
    done <"$2"
}

# ---- one member, -e ------------------------------------------------------------
mkdir -p "$TG_TMP/one"
gen "$TG_TMP/one" 1
load skew "$TG_TMP/one"
timeout 60 tgcount -b "$B" -t skew -G g1 "${SESSION[@]}" -o beginning -e --stats \
    --output-topic results --transactional-id tg-test-1 --metrics-file "$TG_TMP/one.prom" \
    >"$TG_TMP/one.out" 2>"$TG_TMP/one.err"
tg_check_eq "one member -e: exit 0" "$?" 0
tg_check "one member -e: stats count rows, progress and transactions" \
    grep -Eq 'results_rows=[1-9][0-9]* results_progress=[1-9][0-9]* transactions=[1-9][0-9]* aborted=0' \
    "$TG_TMP/one.err"
results results "$TG_TMP/one.results"
# metric NAME: its value in the metrics file.
metric() { sed -n "s/^$1 //p" "$TG_TMP/one.prom"; }
tg_check_eq "one member -e: the rows metric counts the rows in the topic's windows messages" \
    "$(metric tgcount_results_rows_total)" \
    "$(cut -f3 "$TG_TMP/one.results" | python3 -c '
import json, sys
print(sum(len(w["counts"]) for o in map(json.loads, sys.stdin) if o["type"] == "windows"
          for w in o["windows"]))')"
# The README's jq one-liner (taken from the README itself) gives one line
# per row: the same rows as the entries of the windows messages, counted
# by python.
readme_jq=$(sed -n "s/^.*| jq -c '\(select(.type == \"windows\")[^']*\)'\`.*$/\1/p" \
    "$(dirname "$0")/../../README.md")
tg_check "one member -e: the README has a jq one-liner for the windows messages" \
    test -n "$readme_jq"
tg_check_eq "one member -e: the README's jq one-liner gives the rows, one per line" \
    "$(cut -f3 "$TG_TMP/one.results" | jq -c "$readme_jq" | python3 -c '
import json, sys
print(sorted((o["window"], o["start"], o["partition"], o["username"], o["count"])
             for o in map(json.loads, sys.stdin)))')" \
    "$(cut -f3 "$TG_TMP/one.results" | python3 -c '
import json, sys
print(sorted((w["window"], w["start"], o["partition"], u, c)
             for o in map(json.loads, sys.stdin) if o["type"] == "windows"
             for w in o["windows"] for u, c in w["counts"].items()))')"
tg_check_eq "one member -e: the progress metric counts the progress messages" \
    "$(metric tgcount_results_progress_total)" \
    "$(grep -c '"type":"progress"' "$TG_TMP/one.results")"
tg_check "one member -e: transactions committed, none aborted" \
    test "$(metric tgcount_transactions_committed_total)" -ge 1 -a \
    "$(metric tgcount_transactions_aborted_total)" = 0
check "$TG_TMP/one" "$TG_TMP/one.results" once skew >"$TG_TMP/one.verdicts"
verdicts "one member -e" "$TG_TMP/one.verdicts"
tg_check_eq "one member -e: stdout is unchanged (the model's windows)" \
    "$(tg_unmark "$TG_TMP/one.out" | md5sum)" \
    "$(python3 "$MODEL" run --partitioned <"$TG_TMP/one/topic.txt" | md5sum)"

# ---- the offsets were committed by the transaction -----------------------------
# From the group's stored offsets nothing is left to read, and the
# partitions start at their end offsets (the records kcat read per partition).
timeout 60 tgcount -b "$B" -t skew -G g1 "${SESSION[@]}" -e --stats \
    --metrics-file "$TG_TMP/stored.prom" >/dev/null 2>"$TG_TMP/stored.err"
tg_check_eq "stored offsets: exit 0" "$?" 0
tg_check "stored offsets: nothing left to read" grep -q 'stats: read=0 ' "$TG_TMP/stored.err"
tg_check_eq "stored offsets: every partition starts at its end offset" \
    "$(sed -n 's/^tgcount_partition_next_offset{topic="skew",partition="\([0-9]*\)"} \([0-9]*\)$/\1 \2/p' \
        "$TG_TMP/stored.prom" | sort)" \
    "$(cut -d' ' -f1 "$TG_TMP/one/topic.txt" | sort | uniq -c | awk '{print $2, $1}')"

# ---- SIGKILL mid-run, restart -----------------------------------------------------
# A topic long enough that the member is still writing when rows show up,
# read slowly (small fetches, frequent transactions); it is killed once its
# first rows show (the local broker shows them before their commit too).
# Produced in batches of 500 records: with at most 50 queued per partition
# librdkafka fetches one batch at a time, about a second apart, so the
# member needs well over 10 s to read it however fast the machine.
# Not much longer: the local broker keeps only the last ~5 MB of a
# partition, of the results too.
mkdir -p "$TG_TMP/big"
gen "$TG_TMP/big" 6
load big "$TG_TMP/big" -X batch.num.messages=500
MEMBER=(tgcount -b "$B" -t big -G g2 "${SESSION[@]}" -o beginning -e
    --output-topic results2 --transactional-id tg-test-2 --commit-interval 100ms
    -X fetch.message.max.bytes=5000 -X queued.min.messages=50)
"${MEMBER[@]}" -q >"$TG_TMP/kill1.out" 2>"$TG_TMP/kill1.err" &
pid=$!
tg_cleanup_push "kill -9 $pid 2>/dev/null"
some_rows() {
    results results2 "$TG_TMP/partial" && grep -q "\"type\":\"windows\"" "$TG_TMP/partial"
}
tg_check "SIGKILL: rows were written while the member ran" tg_wait_until 60 some_rows
if kill -9 "$pid" 2>/dev/null; then
    tg_pass "SIGKILL: the member was killed mid-run"
else
    tg_fail "SIGKILL: the member was killed mid-run" "it had ended already"
    tail -n 5 "$TG_TMP/kill1.err" | sed 's/^/  /'
fi
wait "$pid" 2>/dev/null
timeout 90 "${MEMBER[@]}" -v >"$TG_TMP/kill2.out" 2>"$TG_TMP/kill2.err"
tg_check_eq "SIGKILL: the restarted member ends: exit 0" "$?" 0
tg_check "SIGKILL: the restart restored its tasks from the state changelog" \
    grep -q "^tgcount: restored partition [0-3] from g2-tgcount-changelog: generation " \
    "$TG_TMP/kill2.err"
results results2 "$TG_TMP/kill.results"
check "$TG_TMP/big" "$TG_TMP/kill.results" replayed big >"$TG_TMP/kill.verdicts"
verdicts "SIGKILL and restart" "$TG_TMP/kill.verdicts"

# ---- a window of many users: several windows messages --------------------------------
# 10,000 users, one message each, in minute 12:00 of one partition, and
# one record at 12:05 that moves W_p past the window: the 1m window's rows
# (hand count: user_0..user_9999, 1 each, about 150 KB as JSON) are split
# over "windows" messages below 100 KB that together hold every user once.
python3 -c '
import json
for u in range(10001):
    t = "2024-05-01T12:00:%02d.%03dZ" % (u * 59 // 10000, u % 1000) if u < 10000 else "2024-05-01T12:05:00Z"
    print(json.dumps({"event_time": t, "channel_id": -1, "channel_name": "c", "message_id": u + 1,
                      "user_id": u + 1, "username": "user_%d" % u, "first_name": "f",
                      "last_name": None, "text": "x", "text_length": 1}))
' >"$TG_TMP/wide.jsonl"
timeout 60 kcat -P -b "$B" -t wide -p 0 -l "$TG_TMP/wide.jsonl"
timeout 60 tgcount -b "$B" -t wide -G g5 "${SESSION[@]}" -o beginning -e -q -w 1m \
    --output-topic results5 --transactional-id tg-test-5 >/dev/null 2>"$TG_TMP/wide.err"
tg_check_eq "many users: exit 0" "$?" 0
results results5 "$TG_TMP/wide.results"
tg_check_eq "many users: the 12:00 window in several windows messages below 100 KB, every user once" \
    "$(cut -f3 "$TG_TMP/wide.results" | python3 -c '
import json, sys
msgs, big, users = 0, 0, {}
for v in sys.stdin:
    o = json.loads(v)
    ws = [w for w in o.get("windows", []) if w["start"] == "2024-05-01T12:00:00Z"]
    if o["type"] != "windows" or not ws:
        continue
    msgs += 1
    big += len(v.encode()) > 100000 + 300
    for u, c in ws[0]["counts"].items():
        users[u] = users.get(u, 0) + c
want = {"user_%d" % u: 1 for u in range(10000)}
print("messages>1" if msgs > 1 else "one message", "big=%d" % big,
      "users ok" if users == want else "users differ (%d)" % len(users))')" \
    "messages>1 big=0 users ok"

# ---- refused command lines ----------------------------------------------------------
refused() {
    local name=$1 want=$2
    shift 2
    tgcount "$@" >/dev/null 2>"$TG_TMP/refused.err" </dev/null
    tg_check_eq "$name: exit 64" "$?" 64
    tg_check_eq "$name: one line" "$(wc -l <"$TG_TMP/refused.err")" 1
    tg_check "$name: says why" grep -q -- "$want" "$TG_TMP/refused.err"
}
refused "--output-topic without -G" "needs a consumer group (-G GROUP)" \
    -b "$B" -t skew -e --output-topic results
refused "--output-topic with a FILE" "Kafka input only, but FILE operands were given" \
    --output-topic results "$TG_TMP/one/p0.jsonl"
refused "--transactional-id alone" "only with --output-topic" -b "$B" -G g3 \
    --transactional-id x
refused "--checkpoint with --output-topic" \
    "--checkpoint: with --output-topic the state changelog holds the state" \
    -b "$B" -t skew -G g3 --output-topic results --checkpoint "$TG_TMP/ck3"
refused "--changelog-topic alone" "--changelog-topic: only with --output-topic" \
    -b "$B" -t skew -G g3 --changelog-topic cl

# ---- a changelog topic that cannot be created ---------------------------------------
timeout 60 tgcount -b "$B" -t skew -G g4 -e --output-topic results \
    --transactional-id tg-test-4 >/dev/null 2>"$TG_TMP/nocl.err"
tg_check_eq "missing changelog topic: exit 69" "$?" 69
tg_check_eq "missing changelog topic: one line with the remedy" \
    "$(grep -v '^tgcount: results to ' "$TG_TMP/nocl.err" |
        sed 's/(.*)/(WHY)/')" \
    "tgcount: changelog topic g4-tgcount-changelog is missing and could not be created (WHY): create it with 4 partitions and cleanup.policy=compact"
