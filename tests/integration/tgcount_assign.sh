#!/usr/bin/env bash
# tgcount -p (partitions assigned by tgcount, no group join), through the
# local broker: -p all gives the same output as stdin; -p 0,2 counts exactly
# partitions 0 and 2; no JoinGroup is ever sent; a partition the topic lacks
# is exit 69 with -e and waited for in follow mode; offsets committed by a
# -p run let a later -o stored run read only what is new; a checkpoint's
# offsets win over -o beginning; a commit the broker refuses is a warning,
# once however often it is refused; unreachable brokers are exit 69.
#
# Not covered here: a missing topic (the librdkafka 2.0.2 mock behind the
# local broker creates every topic a client asks metadata for; see
# tests/unit/test_tc_kafka.c) and partitions added while -p all follows
# (the mock cannot add partitions).
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require kcat
tg_require python3
# Topics with a set number of partitions are created by the local broker.
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic four:4
B=$TG_BROKERS

gen() { bash "$(dirname "$0")/tgcount_kafka.sh" --gen "$@"; }
produce() { timeout 30 kcat -P -b "$B" -t "$1" -K $'\t' -l "$2"; }
records() { cut -f2- "$@"; }
kafka() { timeout 40 tgcount -b "$B" "$@"; }
# partition N: the records of partition N of topic four, in offset order.
partition() { timeout 30 kcat -C -b "$B" -t four -p "$1" -o beginning -e -q -f '%s\n'; }
# records_read FILE: the records read, from the last --stats line in FILE.
records_read() { sed -n 's/^tgcount: stats: read=\([0-9]*\) .*/\1/p' "$1" | tail -n 1; }
# in_order FILE...: their records in the order they were generated
# (message_id; a record sent twice stays next to its twin).
in_order() {
    python3 -c '
import json, sys
lines = [l for f in sys.argv[1:] for l in open(f, encoding="utf-8")]
sys.stdout.write("".join(sorted(lines, key=lambda l: json.loads(l)["message_id"])))
' "$@"
}

# ---- -p all: the same output as stdin, without joining the group ------------
# Keyed by user, so each partition is in event-time order up to the
# generator's jitter, which the default lateness covers.
gen 11 4000 0 >"$TG_TMP/a.tsv"
produce four "$TG_TMP/a.tsv"
records "$TG_TMP/a.tsv" | tgcount >"$TG_TMP/a.expected"
tg_check "stdin run printed windows" test -s "$TG_TMP/a.expected"

kafka -t four -G a1 -p all -o beginning -e -vv -X debug=cgrp >"$TG_TMP/all.out" \
    2>"$TG_TMP/all.err"
tg_check_eq "-p all -e: exit 0" "$?" 0
tg_check_stopped_eq "-p all -e: output equals stdin's" "$TG_TMP/all.out" "$TG_TMP/a.expected"
tg_check "-p all: assigned by tgcount" \
    grep -qx 'tgcount: assigned four\[0,1,2,3\] by -p, without joining the group' \
    "$TG_TMP/all.err"
tg_check "-p all: no JoinGroup" test "$(grep -ci joingroup "$TG_TMP/all.err")" = 0
tg_check "-p all: no rebalance" test "$(grep -c 'tgcount: revoked' "$TG_TMP/all.err")" = 0
# The same debug output of a run that joins its group does show JoinGroup.
kafka -t four -G a2 -o beginning -e -vv -X debug=cgrp >"$TG_TMP/join.out" \
    2>"$TG_TMP/join.err"
tg_check "group run: JoinGroup in its debug output" grep -qi joingroup "$TG_TMP/join.err"
tg_check_stopped_eq "group run: same output" "$TG_TMP/join.out" "$TG_TMP/a.expected"

# ---- -p 0,2: exactly those partitions -----------------------------------------
partition 0 >"$TG_TMP/p0.jsonl"
partition 2 >"$TG_TMP/p2.jsonl"
total=$(wc -l <"$TG_TMP/a.tsv")
n02=$(cat "$TG_TMP/p0.jsonl" "$TG_TMP/p2.jsonl" | wc -l)
tg_check "partitions 0 and 2 hold some records, not all" \
    test -s "$TG_TMP/p0.jsonl" -a -s "$TG_TMP/p2.jsonl" -a "$n02" -lt "$total"
in_order "$TG_TMP/p0.jsonl" "$TG_TMP/p2.jsonl" | tgcount >"$TG_TMP/p02.expected"
kafka -t four -G b1 -p 0,2 -o beginning -e -v >"$TG_TMP/p02.out" 2>"$TG_TMP/p02.err"
tg_check_eq "-p 0,2 -e: exit 0" "$?" 0
tg_check_stopped_eq "-p 0,2: counts partitions 0 and 2 only" "$TG_TMP/p02.out" \
    "$TG_TMP/p02.expected"
tg_check "-p 0,2: assigned those" grep -q 'assigned four\[0,2\] by -p' "$TG_TMP/p02.err"

# ---- a partition the topic lacks ------------------------------------------------
kafka -t four -p 1,9 -e >"$TG_TMP/miss.out" 2>"$TG_TMP/miss.err"
tg_check_eq "missing partition -e: exit 69" "$?" 69
tg_check_eq "missing partition -e: one line" "$(cat "$TG_TMP/miss.err")" \
    "tgcount: topic four has no partition 9 (it has 4)"
tg_check_eq "missing partition -e: no output" "$(cat "$TG_TMP/miss.out")" ""

# Follow mode: warns, reads the partitions that exist, ends on SIGTERM with
# their counts.
tgcount -b "$B" -t four -G c1 -p 0,9 -o beginning -vv >"$TG_TMP/f.out" 2>"$TG_TMP/f.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
tg_wait_until 20 grep -q 'four\[0\] at its end' "$TG_TMP/f.err"
tg_check "follow: warns about the missing partition" \
    grep -qx 'tgcount: warning: topic four has no partition 9 (it has 4); waiting for it' \
    "$TG_TMP/f.err"
kill -0 "$pid"
tg_check_eq "follow: still running" "$?" 0
kill -TERM "$pid"
wait "$pid"
tg_check_eq "follow: SIGTERM ends with exit 0" "$?" 0
tgcount "$TG_TMP/p0.jsonl" >"$TG_TMP/p0.expected"
tg_check_stopped_eq "follow: counts partition 0" "$TG_TMP/f.out" "$TG_TMP/p0.expected"

# ---- committed offsets: -o stored reads only what is new ----------------------
# Group a1 was only ever used by the -p all run above, whose end committed.
gen 12 500 4000 >"$TG_TMP/new.tsv"
produce four "$TG_TMP/new.tsv"
records "$TG_TMP/new.tsv" | tgcount >"$TG_TMP/new.expected"
kafka -t four -G a1 -p all -o stored -e >"$TG_TMP/stored.out" 2>"$TG_TMP/stored.err"
tg_check_eq "-o stored: exit 0" "$?" 0
tg_check_stopped_eq "-o stored: only the new records" "$TG_TMP/stored.out" \
    "$TG_TMP/new.expected"
tg_check_eq "-o stored: nothing on stderr" "$(cat "$TG_TMP/stored.err")" ""

# Group a2 had a member (the group run above): the local broker refuses
# commits from outside the membership for it.  One warning, counts intact.
kafka -t four -G a2 -p all -o beginning -e >"$TG_TMP/ref.out" 2>"$TG_TMP/ref.err"
tg_check_eq "refused commit: exit 0" "$?" 0
tg_check_eq "refused commit: one warning" "$(cat "$TG_TMP/ref.err")" \
    "tgcount: warning: committing offsets failed: Broker: Unknown member"
records "$TG_TMP/a.tsv" "$TG_TMP/new.tsv" | tgcount >"$TG_TMP/both.expected"
tg_check_stopped_eq "refused commit: counts everything" "$TG_TMP/ref.out" \
    "$TG_TMP/both.expected"

# ---- checkpoints: their offsets win over -o beginning -------------------------
ck=(-t four -G d1 -p all -o beginning --checkpoint "$TG_TMP/ck" -e --stats)
kafka "${ck[@]}" >/dev/null 2>"$TG_TMP/ck1.err"
tg_check_eq "checkpoint: the first run reads everything" \
    "$(records_read "$TG_TMP/ck1.err")" "$(cat "$TG_TMP/a.tsv" "$TG_TMP/new.tsv" | wc -l)"
gen 13 200 4500 >"$TG_TMP/more.tsv"
produce four "$TG_TMP/more.tsv"
kafka "${ck[@]}" >/dev/null 2>"$TG_TMP/ck2.err"
tg_check_eq "checkpoint: a restart reads only what is new" \
    "$(records_read "$TG_TMP/ck2.err")" "$(wc -l <"$TG_TMP/more.tsv")"

# ---- follow mode: a refused commit is reported once, counting goes on ---------
# Group a2 still refuses; each batch consumed brings commits, refused.
refused() {
    test "$(grep -c 'returned: Broker: Unknown member' "$TG_TMP/fr.err")" -ge "$1"
}
read_is() { test "$(records_read "$TG_TMP/fr.err")" = "$1"; }
tgcount -b "$B" -t four -G a2 -p all -o end --checkpoint-interval 200ms --stats \
    --stats-interval 100ms -vv -X debug=cgrp >/dev/null 2>"$TG_TMP/fr.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
tg_wait_until 20 grep -q 'assigned four\[0,1,2,3\]' "$TG_TMP/fr.err"
gen 14 50 5000 >"$TG_TMP/fr1.tsv"
produce four "$TG_TMP/fr1.tsv"
tg_wait_until 20 read_is "$(wc -l <"$TG_TMP/fr1.tsv")"
tg_wait_until 20 refused 1
gen 15 50 5100 >"$TG_TMP/fr2.tsv"
produce four "$TG_TMP/fr2.tsv"
n=$(cat "$TG_TMP/fr1.tsv" "$TG_TMP/fr2.tsv" | wc -l)
tg_wait_until 20 read_is "$n"
tg_check "follow: both batches read after a refused commit" read_is "$n"
tg_wait_until 20 refused 2
tg_check "follow: commits refused more than once" refused 2
kill -TERM "$pid"
wait "$pid"
tg_check_eq "follow: SIGTERM ends with exit 0" "$?" 0
tg_check_eq "follow: one warning for the refused commits" \
    "$(grep -c '^tgcount: warning: committing offsets failed' "$TG_TMP/fr.err")" 1

# ---- unreachable brokers --------------------------------------------------------
timeout 20 tgcount -b 127.0.0.1:1 -p all --connect-timeout 1s -e >"$TG_TMP/u.out" \
    2>"$TG_TMP/u.err"
tg_check_eq "unreachable: exit 69" "$?" 69
tg_check "unreachable: one line saying so" \
    test "$(grep -c '^tgcount: brokers unreachable: ' "$TG_TMP/u.err")" = 1 -a \
    "$(wc -l <"$TG_TMP/u.err")" = 1
