#!/usr/bin/env bash
# Lost data is loud.  The local broker keeps about 5 MiB per partition and
# deletes older records; when a partition's log start is past the offset
# tgcount needs, tgcount warns with the partition and the number of
# offsets lost, counts them (lost= in the stats), reads on from the log
# start, and with -e exits 65, unless --allow-data-loss.  Cases: -o
# beginning into deleted data (offset 0 is needed), a group's committed
# offset and a checkpoint's offset pointing at deleted data, and the log
# start overtaking tgcount while it follows the topic.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require kcat
tg_require python3
# Topics with a set number of partitions, and the size cap, are the local
# broker's.
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic fill:1 --topic grp:1 --topic ckpt:1 --topic live:1
tg_broker_require_local
B=$TG_BROKERS

# records FIRST COUNT SIZE: COUNT records with ids from FIRST, a second
# apart, each with a text of SIZE bytes.
records() {
    python3 - "$@" <<'EOF'
import sys
first, count, size = map(int, sys.argv[1:4])
for i in range(first, first + count):
    print('{"event_time":"2024-01-01T%02d:%02d:%02dZ","channel_id":1,"message_id":%d,'
          '"username":"u%d","text":"%s"}' % (i // 3600, i // 60 % 60, i % 60, i, i % 5,
                                              "x" * size))
EOF
}
produce() { timeout 60 kcat -P -b "$B" -t "$1" -p 0 -X linger.ms=5; }
# first_offset TOPIC: the partition's log start, as kcat finds it.
first_offset() { timeout 30 kcat -C -b "$B" -t "$1" -p 0 -o beginning -e -q -f '%o\n' | head -n 1; }
# stat NAME FILE: a value of the last stats line in FILE.
stat() { grep '^tgcount: stats: ' "$2" | tail -n 1 | sed -n "s/.* $1=\([0-9]*\) .*/\1/p"; }
# 8,000 records of 1 KB: more than a partition keeps.
FILL=8000

# ---- -o beginning into deleted data ---------------------------------------------
records 0 "$FILL" 1000 | produce fill
low=$(first_offset fill)
tg_check "the log start of fill[0] moved past 0" test "${low:-0}" -gt 0
echo "# fill[0] starts at offset $low of $FILL"
timeout 60 kcat -C -b "$B" -t fill -p 0 -o beginning -e -q -f '%s\n' >"$TG_TMP/kept.jsonl"
tgcount -w 1h "$TG_TMP/kept.jsonl" >"$TG_TMP/kept.out"

timeout 60 tgcount -b "$B" -t fill -e -w 1h --stats >"$TG_TMP/a.out" 2>"$TG_TMP/a.err"
tg_check_eq "-o beginning -e: exit 65" "$?" 65
tg_check_eq "-o beginning -e: the warning names the partition and the count" \
    "$(grep -c 'deleted before' "$TG_TMP/a.err") $(grep 'warning: fill' "$TG_TMP/a.err")" \
    "2 tgcount: warning: fill[0]: offsets 0..$((low - 1)) were deleted before they were read ($low lost)"
tg_check_eq "-o beginning -e: lost= in the stats" "$(stat lost "$TG_TMP/a.err")" "$low"
tg_check_eq "-o beginning -e: read what was kept" "$(stat read "$TG_TMP/a.err")" \
    "$((FILL - low))"
tg_check_eq "-o beginning -e: the last line says the counts are incomplete" \
    "$(tail -n 1 "$TG_TMP/a.err")" \
    "tgcount: $low offsets were deleted before they were read: the counts are incomplete (--allow-data-loss accepts that)"
tg_check_stopped_eq "-o beginning -e: the output counts what was kept" "$TG_TMP/a.out" \
    "$TG_TMP/kept.out"

timeout 60 tgcount -b "$B" -t fill -e -w 1h --stats --allow-data-loss >"$TG_TMP/b.out" \
    2>"$TG_TMP/b.err"
tg_check_eq "--allow-data-loss: exit 0" "$?" 0
tg_check "--allow-data-loss: still warns" grep -q "^tgcount: warning: fill\[0\]: .*($low lost)$" \
    "$TG_TMP/b.err"
tg_check_eq "--allow-data-loss: still counts" "$(stat lost "$TG_TMP/b.err")" "$low"
tg_check_stopped_eq "--allow-data-loss: the same output" "$TG_TMP/b.out" "$TG_TMP/kept.out"

# ---- a committed offset pointing at deleted data -----------------------------------
# The first run commits 200; then the topic overflows past that offset.
g=(-t grp -G g -X session.timeout.ms=6000 -w 1h --stats)
records 0 200 10 | produce grp
timeout 60 tgcount -b "$B" "${g[@]}" -o beginning -e >/dev/null 2>"$TG_TMP/g1.err"
tg_check_eq "group: the first run reads 200, loses nothing" \
    "$(stat read "$TG_TMP/g1.err") $(stat lost "$TG_TMP/g1.err")" "200 0"
records 200 "$FILL" 1000 | produce grp
low=$(first_offset grp)
timeout 60 tgcount -b "$B" "${g[@]}" -e >/dev/null 2>"$TG_TMP/g2.err"
tg_check_eq "group: -o stored -e into deleted data: exit 65" "$?" 65
tg_check "group: offsets 200 on were lost" \
    grep -qx "tgcount: warning: grp\[0\]: offsets 200..$((low - 1)) were deleted before they were read ($((low - 200)) lost)" \
    "$TG_TMP/g2.err"
tg_check_eq "group: lost= and read=" "$(stat lost "$TG_TMP/g2.err") $(stat read "$TG_TMP/g2.err")" \
    "$((low - 200)) $((FILL + 200 - low))"

# ---- a checkpoint pointing at deleted data -----------------------------------------
ck=(-t ckpt --checkpoint "$TG_TMP/ck" -w 1h --stats)
records 0 300 10 | produce ckpt
timeout 60 tgcount -b "$B" "${ck[@]}" -e >/dev/null 2>"$TG_TMP/c1.err"
tg_check_eq "checkpoint: the first run reads 300" "$(stat read "$TG_TMP/c1.err")" 300
records 300 "$FILL" 1000 | produce ckpt
low=$(first_offset ckpt)
timeout 60 tgcount -b "$B" "${ck[@]}" -e >/dev/null 2>"$TG_TMP/c2.err"
tg_check_eq "checkpoint: resuming into deleted data: exit 65" "$?" 65
tg_check_eq "checkpoint: lost= counts from the checkpoint's offset" \
    "$(stat lost "$TG_TMP/c2.err")" "$((low - 300))"

# ---- the log start overtakes tgcount while it follows ------------------------------
# tgcount is stopped (SIGSTOP) once it has read the first records, the
# topic overflows meanwhile, and it goes on (SIGCONT): its next fetch is
# in deleted data.  Follow mode warns and counts, and still exits 0 on
# SIGTERM; every offset is either read or lost.
records 0 100 10 | produce live
tgcount -b "$B" -t live -w 1h --stats --stats-interval 100ms >/dev/null 2>"$TG_TMP/l.err" &
pid=$!
tg_cleanup_push "kill -9 $pid 2>/dev/null"
read_is() { test "$(stat read "$TG_TMP/l.err")" = "$1"; }
tg_wait_until 30 read_is 100
tg_check "follow: the first 100 read" read_is 100
kill -STOP "$pid"
records 100 "$FILL" 1000 | produce live
kill -CONT "$pid"
all_accounted() {
    local r l
    r=$(stat read "$TG_TMP/l.err")
    l=$(stat lost "$TG_TMP/l.err")
    test "${l:-0}" -gt 0 && test $((r + l)) = $((FILL + 100))
}
tg_wait_until 30 all_accounted
tg_check "follow: every offset read or counted as lost" all_accounted
tg_check "follow: the loss reported" grep -q '^tgcount: warning: live\[0\]: offsets .* were deleted before they were read' \
    "$TG_TMP/l.err"
kill -TERM "$pid"
wait "$pid"
tg_check_eq "follow: SIGTERM still ends with exit 0" "$?" 0
