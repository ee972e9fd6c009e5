#!/usr/bin/env bash
# A restore reads the changelog partition's tail, not its history (README,
# "State changelog", Reading back), through bin/tg-changelog
# (scripts/changelog.c) on the local broker, which never compacts:
#   (a) a partition holding 200 snapshots restores the newest (its
#       generation, next offset and the writer's rows), reading a handful
#       of offsets (-v: offsets_read), not the 200 or more the partition
#       holds (a chunk per snapshot, and a commit marker on a real broker;
#       the mock writes none), and the count does not
#       grow from 100 snapshots to 200;
#   (b) a newest snapshot of 3 chunks of 900,000 bytes behind 100 small
#       ones restores whole; one of about 40 small chunks (more offsets
#       than the first tail) too, the tail read again longer (attempts > 1);
#   (c) a torn newest snapshot (2 of its chunks, aborted) behind 100 small
#       ones: the one before it is restored, the torn generation is the
#       highest seen (the next writer goes above it);
#   and a partition whose only snapshot is torn has none, read whole.
# The expected generations, offsets and rows are what the test wrote (rows
# computed by awk, not by tgcount).
. "$(dirname "$0")/../lib.sh"
tg_require tg-changelog
tg_require kcat
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic tin:5
B=$TG_BROKERS
CL=tail-tgcount-changelog
tg_kafka_local topic "$CL" 5 >/dev/null
cl() { timeout 120 tg-changelog "$@"; }
# expected N: the rows the writer counts for N users, sorted.
expected() { awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "user-%07d %d\n", i, i % 3 + 1 }' | sort; }
# write P ARGS...: tg-changelog write to partition P of the changelog.
write() {
    local p=$1
    shift
    cl write -b "$B" -T "$CL" -t tin -p "$p" "$@" || tg_fail "write to partition $p: $*"
}
# restore P [ARGS...]: tg-changelog restore -v of partition P.
restore() {
    local p=$1
    shift
    cl restore -b "$B" -T "$CL" -t tin -p "$p" -v "$@"
}
# rows_ok NAME P USERS: the restored rows of partition P are the writer's.
rows_ok() {
    restore "$2" --rows | tail -n +2 | sort >"$TG_TMP/rows$2"
    expected "$3" >"$TG_TMP/want$2"
    tg_check_files_eq "$1: the writer's counts" "$TG_TMP/rows$2" "$TG_TMP/want$2"
}
# messages P: the data messages of partition P (kcat; markers not counted).
messages() { kcat -C -b "$B" -t "$CL" -p "$1" -o beginning -e -q -f '%o\n' | wc -l; }

# ---- (a) 200 snapshots --------------------------------------------------------
write 0 --users 50 --generation 1 --next-offset 1000 --repeat 100 >/dev/null
out100=$(restore 0)
tg_check_eq "(a) 100 snapshots: the newest restored" \
    "$(tg_field generation "$out100") $(tg_field next_offset "$out100") $(tg_field users "$out100") $(tg_field max_generation "$out100")" \
    "100 1099 50 100"
write 0 --users 50 --generation 101 --next-offset 1100 --repeat 100 >/dev/null
tg_check_eq "(a) the partition holds 200 one-chunk snapshots" "$(messages 0)" 200
out=$(restore 0)
tg_check_eq "(a) 200 snapshots: the newest restored (generation, next offset, users, highest seen)" \
    "$(tg_field generation "$out") $(tg_field next_offset "$out") $(tg_field users "$out") $(tg_field max_generation "$out") $(tg_field chunks "$out")" \
    "200 1199 50 200 1"
hw=$(tg_field high_watermark "$out")
read=$(tg_field offsets_read "$out")
tg_check "(a) high watermark $hw: an offset per snapshot at least" test "${hw:-0}" -ge 200
tg_check "(a) one read of at most 8 offsets (read $read in $(tg_field attempts "$out"))" \
    test "$(tg_field attempts "$out")" = 1 -a "${read:-999}" -le 8
tg_check "(a) the decoder saw the tail only ($(tg_field messages "$out") messages)" \
    test "$(tg_field messages "$out")" -le "$read"
tg_check_eq "(a) offsets read do not grow with history (100 vs 200 snapshots)" \
    "$read" "$(tg_field offsets_read "$out100")"
rows_ok "(a) generation 200" 0 50

# ---- (b) a large newest snapshot behind small ones ---------------------------
write 1 --users 50 --generation 1 --next-offset 1000 --repeat 100 >/dev/null
w=$(write 1 --users 28000 --generation 101 --next-offset 7777)
tg_check_eq "(b) generation 101 is 3 chunks of up to 900,000 bytes" "$(tg_field chunks "$w")" 3
out=$(restore 1)
tg_check_eq "(b) 3-chunk generation 101 restored whole" \
    "$(tg_field generation "$out") $(tg_field next_offset "$out") $(tg_field chunks "$out") $(tg_field users "$out") $(tg_field torn "$out")" \
    "101 7777 3 28000 0"
rows_ok "(b) generation 101" 1 28000

write 2 --users 50 --generation 1 --next-offset 1000 --repeat 100 >/dev/null
w=$(write 2 --users 3000 --chunk 5000 --generation 101 --next-offset 8888)
chunks=$(tg_field chunks "$w")
tg_check "(b) generation 101 of partition 2 has many more chunks ($chunks) than a first read" \
    test "${chunks:-0}" -gt 16
out=$(restore 2)
tg_check_eq "(b) $chunks-chunk generation 101 restored whole" \
    "$(tg_field generation "$out") $(tg_field next_offset "$out") $(tg_field chunks "$out") $(tg_field users "$out")" \
    "101 8888 $chunks 3000"
read=$(tg_field offsets_read "$out")
tg_check "(b) the tail was read again longer ($(tg_field attempts "$out") reads, $read offsets, of $(tg_field high_watermark "$out"))" \
    test "$(tg_field attempts "$out")" -gt 1 -a "${read:-0}" -lt "$(tg_field high_watermark "$out")"
rows_ok "(b) generation 101 of partition 2" 2 3000

# ---- (c) a torn newest snapshot -------------------------------------------------
write 3 --users 50 --generation 1 --next-offset 1000 --repeat 100 >/dev/null
w=$(write 3 --users 3000 --chunk 20000 --generation 101 --next-offset 9999 --only 2 --abort)
tg_check_eq "(c) torn generation 101: 2 chunks sent" "$(tg_field chunks "$w")" 2
out=$(restore 3)
tg_check_eq "(c) torn generation 101 skipped: 100 restored, 101 the highest seen" \
    "$(tg_field generation "$out") $(tg_field next_offset "$out") $(tg_field users "$out") $(tg_field max_generation "$out") $(tg_field torn "$out")" \
    "100 1099 50 101 1"
rows_ok "(c) generation 100" 3 50

write 4 --users 3000 --chunk 20000 --generation 1 --next-offset 5 --only 3 >/dev/null
out=$(restore 4)
tg_check_eq "only snapshot torn: none, its generation the highest seen" \
    "${out%% *} $(tg_field max_generation "$out") $(tg_field torn "$out")" "none 1 1"
hw=$(tg_field high_watermark "$out")
tg_check "... the whole partition read (high watermark $hw, $(tg_field offsets_read "$out") offsets read in $(tg_field attempts "$out") reads)" \
    test "${hw:-0}" -ge 3 -a "$(tg_field offsets_read "$out")" -ge "${hw:-1}"
