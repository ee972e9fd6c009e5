#!/usr/bin/env bash
# Per-partition tasks (README, "The window contract", Kafka), through the
# local broker: on a skewed 4-partition topic with late records in some
# partitions, whose users and message ids are shared by every partition,
#   - repeated -p all -e runs print the same windows and counts, equal to
#     what the model derives with each partition judged by its own event
#     time (tgcount_model.py --partitioned), the same final marks (final
#     iff every partition's W_p passed the window: --at-end), and the same
#     late count (tgcount_finality.sh varies the interleaving);
#   - -p 0,1 and -p 2,3, summed per (window, user), print what -p all does;
#   - with --checkpoint, a second run resumes every partition's state: the
#     first run's final windows and the second run's windows are the
#     model's, and no window is printed final twice;
#   - a version 1 checkpoint (one state for every partition) is refused,
#     exit 78, with one line naming the remedy.
# The expected output comes from the model over the topic's records as
# kcat reads them back with their partition, never from tgcount.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require kcat
tg_require python3
# Topics with a set number of partitions are created by the local broker.
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic skew:4
B=$TG_BROKERS
MODEL="$(dirname "$0")/tgcount_model.py"
kafka() { timeout 40 tgcount -b "$B" -t skew -o beginning -e --stats "$@"; }
# late FILE: the late count of the last --stats line in FILE.
late() { sed -n 's/^tgcount: stats: .* late=\([0-9]*\) .*/\1/p' "$1" | tail -n 1; }

# ---- a skewed topic ----------------------------------------------------------
# Partition 1 runs 15 minutes ahead of partition 0, partition 2 is sparse
# and 10 minutes behind, partition 3 is dense; partitions 0 and 3 jump back
# now and then by more than the 30 s lateness: by 40 s to 3 minutes (records
# behind their partition's watermark whose 10m/30s windows are partly
# final) or by 11 to 13 minutes (late: every window final), partition 3
# repeats some message ids (duplicates within it), and
# every partition numbers its messages from 1 (the same ids in another
# partition are not duplicates: each partition has its own dedup set).
python3 "$TG_TOP/tests/integration/skewed_topic.py" "$TG_TMP"
for p in 0 1 2 3; do
    timeout 30 kcat -P -b "$B" -t skew -p "$p" -l "$TG_TMP/p$p.jsonl"
done
timeout 30 kcat -C -b "$B" -t skew -o beginning -e -q -f '%p %s\n' >"$TG_TMP/topic.txt"
tg_check_eq "the topic holds every record" "$(wc -l <"$TG_TMP/topic.txt")" 2550
python3 "$MODEL" run --partitioned --stats <"$TG_TMP/topic.txt" \
    >"$TG_TMP/expected" 2>"$TG_TMP/expected.stats"
# What -e prints, final marks included: final iff every partition's W_p at
# its end passed the window.
python3 "$MODEL" run --partitioned --at-end 4 <"$TG_TMP/topic.txt" >"$TG_TMP/expected.e"
model_late=$(sed -n 's/^late=\([0-9]*\) .*/\1/p' "$TG_TMP/expected.stats")
tg_check "the model finds late records" test "$model_late" -gt 0
# One watermark for the whole topic would judge records by the order the
# partitions are read in: the model without partitions, over partitions 1,
# 0, 2 then 3 read one after the other, prints other counts, so the
# comparisons below can tell the two apart.
for p in 1 0 2 3; do cat "$TG_TMP/p$p.jsonl"; done | python3 "$MODEL" run >"$TG_TMP/global"
if cmp -s "$TG_TMP/expected" "$TG_TMP/global"; then
    tg_fail "per-partition counts differ from one watermark's"
else
    tg_pass "per-partition counts differ from one watermark's"
fi

# ---- -p all, three times: the model's windows every time ---------------------
for run in 1 2 3; do
    kafka -p all >"$TG_TMP/all$run.out" 2>"$TG_TMP/all$run.err"
    tg_check_eq "-p all run $run: exit 0" "$?" 0
    tg_check_stopped_eq "-p all run $run: the model's windows" "$TG_TMP/all$run.out" \
        "$TG_TMP/expected"
    tg_check_files_eq "-p all run $run: the model's final marks too" "$TG_TMP/all$run.out" \
        "$TG_TMP/expected.e"
    tg_check_eq "-p all run $run: the model's late count" "$(late "$TG_TMP/all$run.err")" \
        "$model_late"
done

# ---- split runs add up to one run ----------------------------------------------
kafka -p 0,1 >"$TG_TMP/a.out" 2>"$TG_TMP/a.err"
tg_check_eq "-p 0,1: exit 0" "$?" 0
kafka -p 2,3 >"$TG_TMP/b.out" 2>"$TG_TMP/b.err"
tg_check_eq "-p 2,3: exit 0" "$?" 0
# sums FILE...: every (window, user) count of the text outputs, summed over
# the files, one "header | user | count" line each, sorted.
sums() {
    python3 - "$@" <<'EOF'
import re, sys
total = {}
for path in sys.argv[1:]:
    header = None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# "):
            header = re.sub(r" provisional$", "", line)
            continue
        user, count = line.rsplit(", ", 1)
        total[(header, user)] = total.get((header, user), 0) + int(count)
for (header, user), count in sorted(total.items()):
    print("%s | %s | %d" % (header, user, count))
EOF
}
tg_check "-p 0,1 and -p 2,3 share users in some window" \
    test -n "$(comm -12 <(sums "$TG_TMP/a.out" | cut -d'|' -f1,2 | sort) \
        <(sums "$TG_TMP/b.out" | cut -d'|' -f1,2 | sort))"
tg_check_eq "-p 0,1 plus -p 2,3 equals -p all" "$(sums "$TG_TMP/a.out" "$TG_TMP/b.out")" \
    "$(sums "$TG_TMP/all1.out")"
tg_check_eq "and equals the model" "$(sums "$TG_TMP/a.out" "$TG_TMP/b.out")" \
    "$(sums "$TG_TMP/expected")"
tg_check_eq "late records add up too" "$(($(late "$TG_TMP/a.err") + $(late "$TG_TMP/b.err")))" \
    "$model_late"

# ---- the state of every partition survives a checkpoint ------------------------
# finals FILE: the windows FILE printed final (header and rows).
finals() { awk '/^# / { keep = $0 !~ / provisional$/ } keep' "$1"; }
kafka -p all --checkpoint "$TG_TMP/ck" >"$TG_TMP/ck1.out" 2>"$TG_TMP/ck1.err"
tg_check_eq "--checkpoint run 1: exit 0" "$?" 0
tg_check_stopped_eq "--checkpoint run 1: the model's windows" "$TG_TMP/ck1.out" \
    "$TG_TMP/expected"
kafka -p all -v --checkpoint "$TG_TMP/ck" >"$TG_TMP/ck2.out" 2>"$TG_TMP/ck2.err"
tg_check_eq "--checkpoint run 2: exit 0" "$?" 0
tg_check "--checkpoint run 2: resumed" grep -q "resuming from the checkpoint" \
    "$TG_TMP/ck2.err"
tg_check_eq "--checkpoint run 2: no window final twice" \
    "$(cat <(finals "$TG_TMP/ck1.out" | grep '^# ') <(finals "$TG_TMP/ck2.out" | grep '^# ') |
        sort | uniq -d)" ""
{ finals "$TG_TMP/ck1.out"; cat "$TG_TMP/ck2.out"; } >"$TG_TMP/ck.out"
tg_check_stopped_eq "--checkpoint: run 1's finals and run 2 are the model's windows" \
    "$TG_TMP/ck.out" "$TG_TMP/expected"

# ---- a version 1 checkpoint is refused with the remedy ----------------------
mkdir -p "$TG_TMP/v1"
python3 - "$TG_TMP/v1/tgcount.ckpt" <<'EOF'
import struct, sys
payload = b"\0" * 40
body = b"TGCKPT\r\n" + struct.pack("<IQ", 1, len(payload)) + payload
h = 0xcbf29ce484222325
for x in body:
    h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
open(sys.argv[1], "wb").write(body + struct.pack("<Q", h))
EOF
kafka -p all --checkpoint "$TG_TMP/v1" >"$TG_TMP/v1.out" 2>"$TG_TMP/v1.err"
tg_check_eq "version 1 checkpoint: exit 78" "$?" 78
tg_check_eq "version 1 checkpoint: one line with the remedy" "$(cat "$TG_TMP/v1.err")" \
    "tgcount: $TG_TMP/v1/tgcount.ckpt: version 1 checkpoint (one state for every partition), which this tgcount (a state per partition) cannot split; remove it to resume from the group's committed offsets"
tg_check "version 1 checkpoint: nothing printed" test ! -s "$TG_TMP/v1.out"
tg_check "version 1 checkpoint: left in place" test -s "$TG_TMP/v1/tgcount.ckpt"
