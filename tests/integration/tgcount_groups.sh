#!/usr/bin/env bash
# kcat's rule, no -G no group: a recount without -G (tgcount -b B -e
# -o beginning) assigns itself every partition, prints the whole topic's
# answer, never joins, commits or heartbeats, and leaves a running member
# of the group `tgcount` (the name that used to be implicit) with all its
# partitions.  -o stored needs a group; a group.id from -X is one.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require tgproducer
tg_require kcat
tg_require python3
# A topic with a set number of partitions is created by the local broker.
export TG_USE_REAL_KAFKA=0

tg_broker_start --partitions 4
B=$TG_BROKERS
fake() {
    tgproducer --fake --seed "$1" --users 40 --rate 20 --count "$2" --start "$3" \
        --speed max "${@:4}"
}
fake 7 3000 2026-01-01T00:00:00Z -b "$B" 2>/dev/null
fake 7 3000 2026-01-01T00:00:00Z --stdout >"$TG_TMP/all.jsonl"
used=$(timeout 30 kcat -C -b "$B" -t telegram_messages -o beginning -e -q -f '%p\n' |
    sort -u | wc -l)
tg_check_eq "the records are spread over the 4 partitions" "$used" 4

# ---- a member of the group `tgcount`, following ----------------------------------
tgcount -b "$B" -G tgcount -o end -v >"$TG_TMP/member.out" 2>"$TG_TMP/member.err" &
member=$!
tg_cleanup_push "kill -9 $member 2>/dev/null"
tg_wait_until 60 grep -q 'assigned telegram_messages\[0,1,2,3\]' "$TG_TMP/member.err"
tg_check "member: holds all four partitions" \
    grep -q '^tgcount: assigned telegram_messages\[0,1,2,3\]$' "$TG_TMP/member.err"

# ---- the recount, without -G --------------------------------------------------------
# Before the recount ends it has read every partition: had it joined the
# group, the member would have had to give partitions up first.
timeout 60 tgcount -b "$B" -e -o beginning -vv -X debug=cgrp,protocol \
    >"$TG_TMP/recount.out" 2>"$TG_TMP/recount.err"
tg_check_eq "recount: exit 0" "$?" 0
tgcount "$TG_TMP/all.jsonl" >"$TG_TMP/file.out"
tg_check "the file run prints windows" test -s "$TG_TMP/file.out"
tg_check_stopped_eq "recount: the whole topic's answer, as the file run" \
    "$TG_TMP/recount.out" "$TG_TMP/file.out"
tg_check "recount: assigned every partition itself" \
    grep -q '^tgcount: assigned telegram_messages\[0,1,2,3\] by tgcount, without a group (no -G)$' \
    "$TG_TMP/recount.err"
tg_check_eq "recount: no join, sync, heartbeat or commit request sent" \
    "$(grep -ciE 'JoinGroupRequest|SyncGroupRequest|HeartbeatRequest|OffsetCommitRequest' \
        "$TG_TMP/recount.err")" 0
kill -0 "$member"
tg_check_eq "member: still running" "$?" 0
tg_check_eq "member: never revoked, assigned once" \
    "$(grep -cE '^tgcount: (assigned|revoked) ' "$TG_TMP/member.err")" 1
kill -TERM "$member"
wait "$member"
tg_check_eq "member: SIGTERM ends with exit 0" "$?" 0

# ---- -o stored needs a group; a group.id from -X is one ----------------------------
tgcount -b "$B" -o stored -e >/dev/null 2>"$TG_TMP/stored.err"
tg_check_eq "-o stored without -G: exit 64, says why" "$? $(cat "$TG_TMP/stored.err")" \
    "64 tgcount: -o stored needs a consumer group (-G): without one no offsets are stored"
# The first run in group g (from -X, read from the beginning) commits; the
# second (-o stored, the default with a group) finds nothing new.
g=(-X group.id=g -X session.timeout.ms=6000)
timeout 60 tgcount -b "$B" "${g[@]}" -o beginning -e --stats >/dev/null 2>"$TG_TMP/g1.err"
tg_check "-X group.id: the first run reads everything" \
    grep -q "stats: read=$(wc -l <"$TG_TMP/all.jsonl") " "$TG_TMP/g1.err"
timeout 60 tgcount -b "$B" "${g[@]}" -e --stats >/dev/null 2>"$TG_TMP/g2.err"
tg_check "-X group.id: the second resumes from its commits (reads nothing)" \
    grep -q 'stats: read=0 ' "$TG_TMP/g2.err"
