#!/usr/bin/env bash
# tgcount's Kafka input across partitions and processes, through the local
# broker: a 4-partition topic keyed by user gives the same output as stdin;
# two tgcount in one group split the partitions and together print what one
# prints; killed with SIGKILL and restarted from its checkpoint, tgcount
# prints every window with the counts of an uninterrupted run.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require kcat
tg_require python3
# Topics with a set number of partitions are created by the local broker.
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic four:4 --topic split:4 --topic resume:1
B=$TG_BROKERS

gen() { bash "$(dirname "$0")/tgcount_kafka.sh" --gen "$@"; }
produce() { timeout 30 kcat -P -b "$B" -t "$1" -K $'\t' -l "$2"; }
records() { cut -f2- "$@"; }
kafka() { timeout 40 tgcount -b "$B" "$@"; }

# blocks FILE...: each window of text output as one line (header and rows),
# sorted and without repeats: the set of distinct window blocks.
blocks() {
    cat "$@" | awk '/^#/ { if (b != "") print b; b = $0; next } { b = b " | " $0 }
                   END { if (b != "") print b }' | sort -u
}

# merged FILE...: the windows of several outputs, each window's rows from
# all files together, in a canonical order; fails if a user appears in one
# window of two files (each user lives in one partition, so one process).
merged() {
    python3 - "$@" <<'EOF'
import sys
windows = {}
for path in sys.argv[1:]:
    header = None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("#"):
            header = line
            windows.setdefault(header, {})
            continue
        user, count = line.rsplit(", ", 1)
        if user in windows[header]:
            sys.exit("%s: %s counted by two processes" % (header, user))
        windows[header][user] = int(count)
for header in sorted(windows):
    print(header)
    for user, count in sorted(windows[header].items(), key=lambda r: (-r[1], r[0])):
        print("%s, %d" % (user, count))
EOF
}

# ---- four partitions keyed by user: the same output as stdin -----------------
gen 11 4000 0 >"$TG_TMP/four.tsv"
produce four "$TG_TMP/four.tsv"
records "$TG_TMP/four.tsv" | tgcount >"$TG_TMP/four.expected"
kafka -t four -G s1 -o beginning -e -v >"$TG_TMP/four.out" 2>"$TG_TMP/four.err"
tg_check_eq "4 partitions: exit 0" "$?" 0
tg_check "4 partitions: all assigned" grep -q 'assigned four\[0,1,2,3\]' "$TG_TMP/four.err"
used=$(timeout 30 kcat -C -b "$B" -t four -o beginning -e -q -f '%p\n' | sort -u | wc -l)
tg_check "4 partitions: the records are spread over them" test "$used" -ge 3
tg_check_files_eq "4 partitions: output equals stdin's" "$TG_TMP/four.out" "$TG_TMP/four.expected"

# ---- two processes in one group split the partitions ---------------------------
# Both join before the group's first assignment (a new group waits 3 s for
# members), so neither reads a partition the other is given.
gen 12 4000 0 >"$TG_TMP/split.tsv"
produce split "$TG_TMP/split.tsv"
records "$TG_TMP/split.tsv" | tgcount >"$TG_TMP/split.expected"
kafka -t split -G s2 -o beginning -e -v >"$TG_TMP/a.out" 2>"$TG_TMP/a.err" &
pid_a=$!
kafka -t split -G s2 -o beginning -e -v >"$TG_TMP/b.out" 2>"$TG_TMP/b.err" &
pid_b=$!
tg_cleanup_push "kill -9 $pid_a $pid_b"
wait "$pid_a"
status_a=$?
wait "$pid_b"
status_b=$?
tg_check_eq "group of two: both exit 0" "$status_a $status_b" "0 0"
# "assigned split[0,2]" -> "0 2"
assigned() { sed -n 's/.*assigned split\[\([0-9,]*\)\].*/\1/p' "$1" | tr ',' '\n'; }
tg_check "group of two: first has partitions" test -n "$(assigned "$TG_TMP/a.err")"
tg_check "group of two: second has partitions" test -n "$(assigned "$TG_TMP/b.err")"
tg_check_eq "group of two: together exactly the four partitions" \
    "$(cat <(assigned "$TG_TMP/a.err") <(assigned "$TG_TMP/b.err") | sort)" $'0\n1\n2\n3'
merged "$TG_TMP/a.out" "$TG_TMP/b.out" >"$TG_TMP/split.merged"
tg_check_eq "group of two: no user counted twice" "$?" 0
merged "$TG_TMP/split.expected" >"$TG_TMP/split.canonical"
tg_check_files_eq "group of two: together the output of one" "$TG_TMP/split.merged" \
    "$TG_TMP/split.canonical"

# ---- SIGKILL and resume from the checkpoint ------------------------------------
# The first run follows the topic with frequent checkpoints and is killed
# once it has printed a window and checkpointed after that; then more is
# produced, and a run with the same checkpoint reads to the end.
gen 13 1500 0 >"$TG_TMP/r1.tsv"
gen 14 1500 1500 >"$TG_TMP/r2.tsv"
# --no-dedup, so that reading a record twice would show: with dedup, a
# restart that ignored the stored offsets would still print the same.
records "$TG_TMP/r1.tsv" "$TG_TMP/r2.tsv" | tgcount --no-dedup >"$TG_TMP/resume.expected"
ckpt="$TG_TMP/ckpt"
opts=(-t resume -G s3 -X session.timeout.ms=6000 -o beginning --no-dedup --checkpoint "$ckpt")
produce resume "$TG_TMP/r1.tsv"
tgcount -b "$B" "${opts[@]}" --checkpoint-interval 100ms >"$TG_TMP/run1.out" &
pid=$!
tg_cleanup_push "kill -9 $pid"
tg_wait_until 30 test -s "$TG_TMP/run1.out"
touch "$TG_TMP/printed"
tg_wait_until 30 test "$ckpt/tgcount.ckpt" -nt "$TG_TMP/printed"
tg_check "resume: a checkpoint after the first window" test "$ckpt/tgcount.ckpt" -nt "$TG_TMP/printed"
kill -9 "$pid"
wait "$pid" 2>/dev/null
produce resume "$TG_TMP/r2.tsv"
kafka "${opts[@]}" -e >"$TG_TMP/run2.out"
tg_check_eq "resume: exit 0" "$?" 0
first_window=$(head -n 1 "$TG_TMP/resume.expected")
tg_check "resume: starts from the checkpoint, not over" \
    test -z "$(grep -Fx -- "$first_window" "$TG_TMP/run2.out")"
tg_check_eq "resume: every window as in an uninterrupted run" \
    "$(blocks "$TG_TMP/run1.out" "$TG_TMP/run2.out")" "$(blocks "$TG_TMP/resume.expected")"
