#!/usr/bin/env bash
# One process per checkpoint (issue 13 item 9): tgcount --checkpoint DIR
# creates DIR and locks DIR/tgcount.lock (mode 0600, holding its pid) for
# the whole run.  A second tgcount on the same DIR exits 75 with one line
# naming the first's pid, before it contacts any broker, and changes
# nothing in DIR; the first goes on counting.  Once the first has stopped
# the next run takes the lock, and only after taking it removes the
# DIR/tgcount.ckpt.tmp.XXXXXX files a killed write left (counted at -v),
# never the checkpoint or anything else in DIR.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require tgproducer
tg_require python3
export TG_USE_REAL_KAFKA=0

tg_broker_start --partitions 2
B=$TG_BROKERS
fake() {
    tgproducer --fake --seed "$1" --users 20 --rate 20 --count "$2" \
        --start 2026-01-01T00:00:00Z --speed max -b "$B" 2>/dev/null
}
fake 7 300
D=$TG_TMP/state/ckpt # neither exists yet: tgcount creates both

# ---- the first run holds the directory --------------------------------------------
tgcount -b "$B" --checkpoint "$D" --checkpoint-interval 1s --stats --stats-interval 1s -v \
    -w 1m >"$TG_TMP/first.out" 2>"$TG_TMP/first.err" &
first=$!
tg_cleanup_push "kill -9 $first 2>/dev/null"
tg_check "first: assigned its partitions" \
    tg_wait_until 60 grep -q '^tgcount: assigned telegram_messages\[0,1\]' "$TG_TMP/first.err"
tg_check "first: read the 300 records" \
    tg_wait_until 60 grep -q 'stats: read=300 ' "$TG_TMP/first.err"
tg_check "first: wrote a checkpoint" tg_wait_until 30 test -s "$D/tgcount.ckpt"
tg_check_eq "the directory was created, mode 0700" "$(stat -c %a "$D")" 700
tg_check_eq "the lock file is mode 0600" "$(stat -c %a "$D/tgcount.lock")" 600
tg_check_eq "the lock file holds the first's pid" "$(cat "$D/tgcount.lock")" "$first"

# A write killed mid-way, as kill -9 leaves it, while the first runs.
printf 'partial' >"$D/tgcount.ckpt.tmp.123abc"
printf 'mine' >"$D/notes.txt"

# ---- a second run on the same directory is refused --------------------------------
# Its brokers do not exist: an exit 75 at once shows that it never got as
# far as connecting (that would be exit 69 after --connect-timeout).
ckpt_sum=$(md5sum <"$D/tgcount.ckpt")
start=$(date +%s%N)
timeout 30 tgcount -b 127.0.0.1:1 --checkpoint "$D" --connect-timeout 20s -e -v \
    >"$TG_TMP/second.out" 2>"$TG_TMP/second.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
tg_check_eq "second: exit 75" "$rc" 75
tg_check "second: at once, no broker contacted (${ms} ms)" test "$ms" -lt 5000
tg_check_eq "second: one line naming the first's pid" "$(cat "$TG_TMP/second.err")" \
    "tgcount: --checkpoint $D is in use by another tgcount (pid $first)"
tg_check_eq "second: nothing on stdout" "$(wc -c <"$TG_TMP/second.out")" 0
tg_check "second: left the temporary file alone (it may be a live write)" \
    test -f "$D/tgcount.ckpt.tmp.123abc"
tg_check_eq "second: left the lock file to the first" "$(cat "$D/tgcount.lock")" "$first"
# The same against a reachable broker: still refused before it counts.
timeout 30 tgcount -b "$B" --checkpoint "$D" -e >"$TG_TMP/second2.out" \
    2>"$TG_TMP/second2.err"
tg_check_eq "second (real broker): exit 75" "$?" 75
# The first has nothing new to save (it read everything before), so its
# checkpoint changes only if the refused runs wrote one.
tg_check_eq "second (real broker): the checkpoint is still the first's" \
    "$(md5sum <"$D/tgcount.ckpt")" "$ckpt_sum"
tg_check_eq "second (real broker): nothing on stdout" "$(wc -c <"$TG_TMP/second2.out")" 0

# ---- the first is unaffected --------------------------------------------------------
fake 8 300
tg_check "first: goes on reading (600 records)" \
    tg_wait_until 60 grep -q 'stats: read=600 ' "$TG_TMP/first.err"
kill -TERM "$first"
wait "$first"
tg_check_eq "first: SIGTERM ends with exit 0" "$?" 0
tg_check_eq "first: never warned about its directory" \
    "$(grep -c 'in use\|stale\|checkpoint directory' "$TG_TMP/first.err")" 0

# ---- the next run takes the lock and cleans up --------------------------------------
tgproducer --fake --seed 9 --users 20 --rate 20 --count 100 \
    --start 2026-01-01T00:30:00Z --speed max -b "$B" 2>/dev/null
timeout 60 tgcount -b "$B" --checkpoint "$D" -e -v --stats -w 1m \
    >"$TG_TMP/third.out" 2>"$TG_TMP/third.err"
tg_check_eq "third: exit 0 once the first has stopped" "$?" 0
tg_check "third: removed the stale temporary file" \
    test ! -e "$D/tgcount.ckpt.tmp.123abc"
tg_check "third: said so at -v" grep -qxF \
    "tgcount: removed 1 stale temporary checkpoint file from $D (a write was interrupted)" \
    "$TG_TMP/third.err"
tg_check "third: resumed from the first's checkpoint" \
    grep -q "^tgcount: resuming from the checkpoint in $D " "$TG_TMP/third.err"
tg_check "third: read only the 100 records after it" \
    grep -q 'stats: read=100 ' "$TG_TMP/third.err"
tg_check "the checkpoint stays" test -s "$D/tgcount.ckpt"
tg_check_eq "an unrelated file stays" "$(cat "$D/notes.txt")" mine
tg_check_eq "no temporary file is left" \
    "$(find "$D" -name 'tgcount.ckpt.tmp.*' | wc -l)" 0
tg_check_eq "the lock file stays, mode 0600" \
    "$(stat -c %a "$D/tgcount.lock")" 600

# Without -v, the removal is not told (it is routine after a crash).
printf 'partial' >"$D/tgcount.ckpt.tmp.Zz0099"
timeout 60 tgcount -b "$B" --checkpoint "$D" -e -w 1m >/dev/null 2>"$TG_TMP/fourth.err"
tg_check_eq "fourth: exit 0" "$?" 0
tg_check "fourth: removed it too" test ! -e "$D/tgcount.ckpt.tmp.Zz0099"
tg_check_eq "fourth: silent about it without -v" "$(grep -c 'stale' "$TG_TMP/fourth.err")" 0
