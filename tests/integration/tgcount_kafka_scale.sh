#!/usr/bin/env bash
# tgcount's Kafka input across partitions and processes, through the local
# broker: a 4-partition topic keyed by user gives the same output as stdin;
# two tgcount in one group split the partitions and together print what one
# prints; killed with SIGKILL and restarted from its checkpoint, tgcount
# prints every window with the counts of an uninterrupted run; following a
# topic through a broker outage, it loses nothing.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require kcat
tg_require python3
# Topics with a set number of partitions are created by the local broker.
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic four:4 --topic split:4 --topic resume:1 --topic outage:2
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
tg_check_stopped_eq "4 partitions: output equals stdin's" "$TG_TMP/four.out" "$TG_TMP/four.expected"

# ---- two processes in one group split the partitions ---------------------------
# Both follow the empty topic until the group has settled with each holding
# partitions; then the records arrive, and a line that is not JSON closes
# each partition, so the end is visible; SIGTERM ends both.  (With -e the
# first to finish would leave while the other may still be joining.)  A
# day of lateness keeps every window open to the end: this part tests the
# split, not the watermark (partitions at their end when a burst arrives
# are the watermark's weak spot, see tc_kafka.c).
gen 12 4000 0 >"$TG_TMP/split.tsv"
records "$TG_TMP/split.tsv" | tgcount -l 1d >"$TG_TMP/split.expected"
# A short session timeout: when two members join at once the local broker
# sometimes leaves one without an assignment until its session expires.
group_opts=(-t split -G s2 -o beginning -l 1d -v -X session.timeout.ms=6000)
tgcount -b "$B" "${group_opts[@]}" >"$TG_TMP/a.out" 2>"$TG_TMP/a.err" &
pid_a=$!
tgcount -b "$B" "${group_opts[@]}" >"$TG_TMP/b.out" 2>"$TG_TMP/b.err" &
pid_b=$!
tg_cleanup_push "kill -9 $pid_a $pid_b"
# held LOG: the partitions a process holds now ("assigned split[0,2]" ->
# "0 2" per line), nothing while a rebalance is under way.
held() {
    local last
    last=$(grep -E '(assigned|revoked) split\[' "$1" | tail -n 1)
    case "$last" in
    *assigned*) sed 's/.*assigned split\[\([0-9,]*\)\].*/\1/' <<<"$last" | tr ',' '\n' ;;
    esac
}
settled() {
    test -n "$(held "$TG_TMP/a.err")" && test -n "$(held "$TG_TMP/b.err")" &&
        test "$(cat <(held "$TG_TMP/a.err") <(held "$TG_TMP/b.err") | sort | tr '\n' ' ')" = "0 1 2 3 "
}
tg_wait_until 60 settled
tg_check "group of two: each holds partitions, together all four once" settled
produce split "$TG_TMP/split.tsv"
for p in 0 1 2 3; do printf 'x\tend\n' | timeout 30 kcat -P -b "$B" -t split -K $'\t' -p "$p"; done
ends() { cat "$TG_TMP/a.err" "$TG_TMP/b.err" | grep -c 'not JSON'; }
all_read() { test "$(ends)" -ge 4; }
tg_wait_until 40 all_read
tg_check_eq "group of two: both read to the end of their partitions" "$(ends)" 4
kill -TERM "$pid_a" "$pid_b"
wait "$pid_a"
status_a=$?
wait "$pid_b"
status_b=$?
tg_check_eq "group of two: both exit 0 after SIGTERM" "$status_a $status_b" "0 0"
# Stopped by SIGTERM with every window still open: all provisional.
tg_check_eq "group of two: every window printed provisional" \
    "$(cat "$TG_TMP/a.out" "$TG_TMP/b.out" | grep '^# ' | grep -vc ' provisional$')" 0
tg_unmark "$TG_TMP/a.out" >"$TG_TMP/a.unmarked"
tg_unmark "$TG_TMP/b.out" >"$TG_TMP/b.unmarked"
merged "$TG_TMP/a.unmarked" "$TG_TMP/b.unmarked" >"$TG_TMP/split.merged"
tg_check_eq "group of two: no user counted twice" "$?" 0
merged "$TG_TMP/split.expected" >"$TG_TMP/split.canonical"
tg_check_files_eq "group of two: together the output of one" "$TG_TMP/split.merged" \
    "$TG_TMP/split.canonical"

# ---- SIGKILL and resume from the checkpoint ------------------------------------
# The first run follows the topic with frequent checkpoints and is killed
# once it has printed a window (with --checkpoint a final window is printed
# only after a checkpoint that covers it); then more is produced, and a run
# with the same checkpoint reads to the end.
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
tg_check "resume: the first run printed a window" test -s "$TG_TMP/run1.out"
tg_check "resume: a checkpoint exists" test -s "$ckpt/tgcount.ckpt"
kill -9 "$pid"
wait "$pid" 2>/dev/null
produce resume "$TG_TMP/r2.tsv"
kafka "${opts[@]}" -e >"$TG_TMP/run2.out"
tg_check_eq "resume: exit 0" "$?" 0
first_window=$(head -n 1 "$TG_TMP/resume.expected")
tg_check "resume: starts from the checkpoint, not over" \
    test -z "$(grep -Fx -- "$first_window" "$TG_TMP/run2.out")"
tg_check_eq "resume: no window printed final twice" \
    "$(cat "$TG_TMP/run1.out" "$TG_TMP/run2.out" | grep '^# ' | grep -v ' provisional$' |
        sort | uniq -d)" ""
tg_unmark "$TG_TMP/run1.out" >"$TG_TMP/run1.unmarked"
tg_unmark "$TG_TMP/run2.out" >"$TG_TMP/run2.unmarked"
tg_check_eq "resume: every window as in an uninterrupted run" \
    "$(blocks "$TG_TMP/run1.unmarked" "$TG_TMP/run2.unmarked")" \
    "$(blocks "$TG_TMP/resume.expected")"

# ---- follow mode through a broker outage ----------------------------------------
# Two partitions read to their end; the broker goes down and comes back;
# more lands in both partitions.  Nothing is lost: the output is stdin's.
# A line that is not JSON closes each partition, so the end is visible.
# (A day of lateness, as above: this tests the outage, not the watermark.)
gen 15 1200 0 >"$TG_TMP/o1.tsv"
gen 16 1200 1200 >"$TG_TMP/o2.tsv"
records "$TG_TMP/o1.tsv" "$TG_TMP/o2.tsv" | tgcount -l 1d >"$TG_TMP/outage.expected"
# closed LINES: at least LINES partitions have been read up to a closing
# line that is not JSON.
closed() { test "$(grep -c 'not JSON' "$TG_TMP/outage.err")" -ge "$1"; }
close_partitions() {
    for p in 0 1; do printf 'x\tend\n' | timeout 30 kcat -P -b "$B" -t outage -K $'\t' -p "$p"; done
}
produce outage "$TG_TMP/o1.tsv"
close_partitions
tgcount -b "$B" -t outage -G s4 -o beginning -l 1d >"$TG_TMP/outage.out" 2>"$TG_TMP/outage.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
tg_wait_until 30 closed 2
tg_check "outage: the first batch read before the outage" closed 2
tg_broker_down
tg_broker_up
produce outage "$TG_TMP/o2.tsv"
close_partitions
tg_wait_until 40 closed 4
tg_check "outage: the second batch read after it" closed 4
kill -TERM "$pid"
wait "$pid"
tg_check_eq "outage: exit 0 after SIGTERM" "$?" 0
tg_check_stopped_eq "outage: output equals stdin's" "$TG_TMP/outage.out" "$TG_TMP/outage.expected"
