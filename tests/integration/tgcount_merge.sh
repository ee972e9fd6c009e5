#!/usr/bin/env bash
# tgcount --merge, through the local broker: a results topic written by hand
# (the schema of README "Merged view": rows and progress keyed by input
# partition), 3 input partitions, 2 window specs, counted by hand below:
#   - a row written twice with the same count, a row rewritten (the last
#     value wins, never a sum);
#   - partition 2's progress lags, so the windows past it stay provisional;
#   - malformed messages (6: the first 5 told with topic[partition]@offset,
#     then a total), an unknown type and an unknown field (ignored);
# --merge -e in text, csv and json and with --top; follow mode prints a
# window once its last partition's progress arrives (awaited, no sleeps), a
# row after its window was printed final is warned about and counted; the
# options --merge refuses; an empty results topic; one whose first offsets
# were deleted (exit 65 with -e).  Batched "rows" messages mixed with rows,
# counted by hand: last wins across both, malformed ones apply none of their
# rows, a window split over messages, a row after final.  "windows" messages
# (several windows a message) counted by hand: a window continued in the
# next message, mixed with rows and row messages, malformed ones (a bad
# entry, a window refused by the state, one without counts) applying none of
# their rows, told with their place.  Then a random
# stream: the model's per-partition counts (tgcount_model.py results) as rows
# and progress, --merge -e against what the model derives, and its final
# windows against tgcount itself; the same rows as randomly split "rows"
# messages (merge_rows.py), as "windows" messages and as a mix of the three
# kinds: the same output.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require kcat
tg_require python3
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic res:2
B=$TG_BROKERS
MODEL="$(dirname "$0")/tgcount_model.py"

# The writer's rule: input partition P goes to output partition P mod 2.
# msg P JSON: queue one message keyed P; flush: produce the queue.
: >"$TG_TMP/q0"
: >"$TG_TMP/q1"
msg() { printf '%s:%s\n' "$1" "$2" >>"$TG_TMP/q$(($1 % 2))"; }
flush() {
    for o in 0 1; do
        if [ -s "$TG_TMP/q$o" ]; then
            timeout 30 kcat -P -b "$B" -t "${TOPIC:-res}" -p "$o" -K: -l "$TG_TMP/q$o"
            : >"$TG_TMP/q$o"
        fi
    done
}
T=2024-05-01T12
# row P SPEC START END USER COUNT (START, END as MM:SS after 12:00)
row() {
    msg "$1" "{\"type\":\"row\",\"window\":\"$2\",\"start\":\"$T:$3Z\",\"end\":\"$T:$4Z\",\"username\":\"$5\",\"count\":$6,\"final\":true,\"topic\":\"telegram_messages\",\"partition\":$1}"
}
# progress P WATERMARK(MM:SS)
progress() {
    msg "$1" "{\"type\":\"progress\",\"topic\":\"telegram_messages\",\"partition\":$1,\"partitions\":3,\"watermark\":\"$T:$2Z\"}"
}
merge() { timeout 30 tgcount --merge -b "$B" -t "${TOPIC:-res}" "$@"; }

# ---- the hand-counted case --------------------------------------------------
# Windows 1m and 2m/1m.  Partition 0: alice and bob; 1: carol and alice;
# 2: dave, whose progress lags at 12:01:10.
row 0 1m 00:00 01:00 alice 2
row 0 1m 00:00 01:00 bob 1
row 0 2m/1m 59:00 01:00 alice 2
row 0 2m/1m 59:00 01:00 bob 1
row 0 2m/1m 00:00 02:00 alice 3
row 0 2m/1m 00:00 02:00 bob 1
row 0 1m 01:00 02:00 alice 1
progress 0 02:30
row 1 1m 00:00 01:00 carol 1
row 1 1m 00:00 01:00 alice 1
row 1 2m/1m 59:00 01:00 carol 1
row 1 2m/1m 59:00 01:00 alice 1
row 1 2m/1m 00:00 02:00 carol 2
row 1 2m/1m 00:00 02:00 alice 1
row 1 1m 01:00 02:00 carol 7
row 1 1m 02:00 03:00 carol 4
row 1 2m/1m 01:00 03:00 carol 5
row 1 1m 00:00 01:00 carol 1
row 1 1m 01:00 02:00 carol 1
progress 1 03:00
row 2 1m 00:00 01:00 dave 1
row 2 2m/1m 59:00 01:00 dave 1
progress 2 01:10
# The 11:59 window of 2m/1m starts the hour before.
sed -i "s/$T:59:00Z/2024-05-01T11:59:00Z/" "$TG_TMP/q0" "$TG_TMP/q1"
msg 0 'not json'
msg 1 '[1]'
msg 0 '{"type":"row","window":"1m"}'
msg 1 '{"type":"progress","topic":"telegram_messages","partition":5,"partitions":3,"watermark":"2024-05-01T12:00:00Z"}'
msg 0 '{"type":"row","window":"1m","start":"2024-05-01T12:00:00Z","end":"2024-05-01T12:01:00Z","username":"x","count":-1,"partition":0}'
msg 1 '{"type":"progress","partition":1,"partitions":3,"watermark":"yesterday"}'
msg 0 '{"type":"checkpoint","anything":[1,2]}'
msg 1 '{"type":"progress","topic":"telegram_messages","partition":1,"partitions":3,"watermark":"2024-05-01T12:02:00Z","new_field":{"a":1}}'
flush

# Sums over the partitions, sorted by count then name; windows by end, start.
cat >"$TG_TMP/hand.txt" <<'EOF'
# 2m/1m 2024-05-01T11:59:00Z 2024-05-01T12:01:00Z
alice, 3
bob, 1
carol, 1
dave, 1
# 1m 2024-05-01T12:00:00Z 2024-05-01T12:01:00Z
alice, 3
bob, 1
carol, 1
dave, 1
# 2m/1m 2024-05-01T12:00:00Z 2024-05-01T12:02:00Z provisional
alice, 4
carol, 2
bob, 1
# 1m 2024-05-01T12:01:00Z 2024-05-01T12:02:00Z provisional
alice, 1
carol, 1
# 2m/1m 2024-05-01T12:01:00Z 2024-05-01T12:03:00Z provisional
carol, 5
# 1m 2024-05-01T12:02:00Z 2024-05-01T12:03:00Z provisional
carol, 4
EOF

merge -e --stats >"$TG_TMP/m.txt" 2>"$TG_TMP/m.err"
tg_check_eq "-e: exit 0" "$?" 0
tg_check_files_eq "-e text: the hand count" "$TG_TMP/m.txt" "$TG_TMP/hand.txt"
tg_check_eq "-e: 5 malformed told, each with topic[partition]@offset" \
    "$(grep -c '^tgcount: warning: res\[[01]\]@[0-9]*: ' "$TG_TMP/m.err")" 5
tg_check "-e: not JSON, told" grep -q '^tgcount: warning: res\[0\]@11: not JSON' "$TG_TMP/m.err"
tg_check "-e: then a total" grep -qx 'tgcount: warning: 6 malformed records skipped' \
    "$TG_TMP/m.err"
tg_check "-e: stats" grep -qx 'tgcount: stats: messages=31 rows=20 progress=4 same=1 rewritten=1 after_final=0 malformed=6 ignored=1 windows=6 provisional=4 lost=0 partitions=3 watermark=2024-05-01T12:01:10Z' "$TG_TMP/m.err"

# The same table in csv and json.
{
    echo 'window,start,end,username,count,final'
    awk '/^# /{w=$2; s=$3; e=$4; f=($5=="provisional")?"false":"true"; next}
         {split($0, a, ", "); print w "," s "," e "," a[1] "," a[2] "," f}' "$TG_TMP/hand.txt"
} >"$TG_TMP/hand.csv"
awk -F, 'NR>1{printf "{\"window\":\"%s\",\"start\":\"%s\",\"end\":\"%s\",\"username\":\"%s\",\"count\":%s,\"final\":%s}\n", $1,$2,$3,$4,$5,$6}' \
    "$TG_TMP/hand.csv" >"$TG_TMP/hand.json"
merge -e -q -f csv >"$TG_TMP/m.csv"
tg_check_files_eq "-e csv: the hand count" "$TG_TMP/m.csv" "$TG_TMP/hand.csv"
merge -e -q -f json >"$TG_TMP/m.json"
tg_check_files_eq "-e json: the hand count" "$TG_TMP/m.json" "$TG_TMP/hand.json"
# --top 1: the first row of each window.
awk '/^# /{print; n=0; next} n++<1' "$TG_TMP/hand.txt" >"$TG_TMP/hand.top1"
merge -e -q --top 1 >"$TG_TMP/m.top1"
tg_check_files_eq "-e --top 1" "$TG_TMP/m.top1" "$TG_TMP/hand.top1"

# ---- follow mode ------------------------------------------------------------
tgcount --merge -b "$B" -t res --stats >"$TG_TMP/f.txt" 2>"$TG_TMP/f.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
headers() { grep -c '^# ' "$TG_TMP/f.txt"; }
tg_wait_until 20 test "$(headers)" = 2
tg_check_eq "follow: the two final windows, nothing else yet" "$(cat "$TG_TMP/f.txt")" \
    "$(head -n 10 "$TG_TMP/hand.txt")"
# Partition 2 catches up to 12:02: the windows ending there become final.
row 2 1m 01:00 02:00 dave 2
row 2 2m/1m 00:00 02:00 dave 3
progress 2 02:00
flush
tg_wait_until 20 test "$(headers)" = 4
cat >"$TG_TMP/f2.expected" <<'EOF'
# 2m/1m 2024-05-01T12:00:00Z 2024-05-01T12:02:00Z
alice, 4
dave, 3
carol, 2
bob, 1
# 1m 2024-05-01T12:01:00Z 2024-05-01T12:02:00Z
dave, 2
alice, 1
carol, 1
EOF
tg_check_eq "follow: printed final once partition 2's progress passed them" \
    "$(tail -n +11 "$TG_TMP/f.txt")" "$(cat "$TG_TMP/f2.expected")"
# A row for a window already printed final: warned, counted, not printed.
row 2 1m 00:00 01:00 erin 9
flush
tg_wait_until 20 grep -q 'arrived after the window was printed final' "$TG_TMP/f.err"
tg_check "follow: the late row is told with where it came from" \
    grep -q '^tgcount: warning: res\[0\]@[0-9]*: a row of window 1m 2024-05-01T12:00:00Z arrived after the window was printed final' \
    "$TG_TMP/f.err"
kill -TERM "$pid"
wait "$pid"
tg_check_eq "follow: SIGTERM, exit 0" "$?" 0
tg_check_eq "follow: the open windows at the stop, provisional" \
    "$(tail -n +20 "$TG_TMP/f.txt")" "$(tail -n 4 "$TG_TMP/hand.txt")"
tg_check "follow: after_final counted" grep -q ' after_final=1 ' "$TG_TMP/f.err"
tg_check "follow: and totalled" grep -q 'warning: 1 row arrived after its window' \
    "$TG_TMP/f.err"

# ---- options ----------------------------------------------------------------
for o in "-w 1m" "-l 0" "-G g" "-p 0" "-o end" "--idle off" "--emit changes" \
    "--checkpoint $TG_TMP/ck" "--live" "--live-output $TG_TMP/lo" "--no-dedup" \
    "--metrics-file $TG_TMP/m.prom" "--stats-interval 5s" "--late-file $TG_TMP/late"; do
    tgcount --merge -b "$B" -t res -e $o >"$TG_TMP/o.out" 2>"$TG_TMP/o.err"
    st=$?
    tg_check_eq "--merge $o: exit 64" "$st" 64
    tg_check "--merge $o: one line saying why" test "$(wc -l <"$TG_TMP/o.err")" = 1 -a \
        "$(grep -c "^tgcount: ${o%% *}.* does not apply with --merge: " "$TG_TMP/o.err")" = 1
done
tgcount --merge -b "$B" -e >/dev/null 2>"$TG_TMP/o.err"
tg_check_eq "--merge without -t: exit 64" "$?" 64
tg_check_eq "--merge without -t: why" "$(cat "$TG_TMP/o.err")" \
    "tgcount: --merge needs the results topic: -t TOPIC"
tgcount --merge -t res "$TG_TMP/hand.txt" >/dev/null 2>"$TG_TMP/o.err"
tg_check_eq "--merge with FILE operands: exit 64" "$?" 64
tgcount --merge -b 127.0.0.1:1 -t res -e --connect-timeout 1s >"$TG_TMP/o.out" \
    2>"$TG_TMP/o.err"
tg_check_eq "--merge, no broker: exit 69" "$?" 69
tg_check "--merge, no broker: one line" grep -q '^tgcount: brokers unreachable: ' \
    "$TG_TMP/o.err"

# ---- an empty results topic: -e ends at once, with csv's header only ----------
tg_kafka_local topic empty 2 >/dev/null
TOPIC=empty merge -e -f csv >"$TG_TMP/e.csv" 2>"$TG_TMP/e.err"
tg_check_eq "empty topic -e: exit 0" "$?" 0
tg_check_eq "empty topic -e: the csv header" "$(cat "$TG_TMP/e.csv")" \
    "window,start,end,username,count,final"
tg_check_eq "empty topic -e: nothing on stderr" "$(cat "$TG_TMP/e.err")" ""

# ---- a results topic whose beginning was deleted ------------------------------
# The local broker keeps about the last 5 MB of a partition: 40,000 rows of
# about 230 bytes lose the first ones.  The merged counts would be short:
# told, counted, and with -e exit 65 (--allow-data-loss: 0).
tg_kafka_local topic lossy 1 >/dev/null
python3 -c '
import json
for i in range(40000):
    print("0:" + json.dumps({"type": "row", "window": "1m", "start": "2024-05-01T12:00:00Z",
        "end": "2024-05-01T12:01:00Z", "username": "user%06d-padding-padding-padding" % i,
        "count": 1, "final": True, "topic": "telegram_messages", "partition": 0},
        separators=(",", ":")))
' >"$TG_TMP/lossy"
timeout 60 kcat -P -b "$B" -t lossy -p 0 -K: -l "$TG_TMP/lossy"
TOPIC=lossy merge -e --stats >/dev/null 2>"$TG_TMP/l.err"
tg_check_eq "deleted offsets, -e: exit 65" "$?" 65
tg_check "deleted offsets: told" \
    grep -q '^tgcount: warning: lossy\[0\]: offsets 0\.\.[0-9]* were deleted before they were read ([0-9]* lost)$' \
    "$TG_TMP/l.err"
tg_check "deleted offsets: the last line says what it means" \
    grep -q 'offsets of the results topic were deleted before they were read: the merged counts are incomplete' \
    "$TG_TMP/l.err"
tg_check "deleted offsets: counted" grep -q ' lost=[1-9][0-9]* ' "$TG_TMP/l.err"
TOPIC=lossy merge -e -q --allow-data-loss >/dev/null
tg_check_eq "deleted offsets, --allow-data-loss: exit 0" "$?" 0

# ---- batched "rows" messages, counted by hand ---------------------------------
# One output partition, so that the order of the messages is the order
# written.  rows P SPEC START END COUNTS: one "rows" message of input
# partition P (COUNTS: the JSON object, username -> count).
tg_kafka_local topic batched 1 >/dev/null
: >"$TG_TMP/b"
rows() {
    printf '%s:{"type":"rows","window":"%s","start":"%s:%sZ","end":"%s:%sZ","final":true,"topic":"telegram_messages","partition":%s,"counts":%s}\n' \
        "$1" "$2" "$T" "$3" "$T" "$4" "$1" "$5" >>"$TG_TMP/b"
}
brow() { # a "row" message, as row above
    printf '%s:{"type":"row","window":"%s","start":"%s:%sZ","end":"%s:%sZ","username":"%s","count":%s,"final":true,"topic":"telegram_messages","partition":%s}\n' \
        "$1" "$2" "$T" "$3" "$T" "$4" "$5" "$6" "$1" >>"$TG_TMP/b"
}
bprogress() {
    printf '%s:{"type":"progress","topic":"telegram_messages","partition":%s,"partitions":3,"watermark":"%s:%sZ"}\n' \
        "$1" "$1" "$T" "$2" >>"$TG_TMP/b"
}
rows 0 1m 00:00 01:00 '{"alice":2,"bob":1}'  # @0  window 12:00 of partition 0,
rows 0 1m 00:00 01:00 '{"carol":5}'          # @1  split over two messages
rows 1 1m 00:00 01:00 '{"dave":3,"alice":1}' # @2
brow 1 1m 00:00 01:00 dave 4                 # @3  a row after rows: dave 4 wins
brow 2 1m 00:00 01:00 erin 1                 # @4
rows 2 1m 00:00 01:00 '{"frank":1,"erin":2}' # @5  rows after a row: erin 2 wins
rows 0 1m 00:00 01:00 '{"alice":2}'          # @6  the same again
# Malformed, none of their rows applied: a negative count after a valid
# entry, a duplicate username, no entries, another end for the window.
rows 1 1m 00:00 01:00 '{"alice":100,"zed":-1}' # @7
rows 2 1m 00:00 01:00 '{"ghost":1,"ghost":2}'  # @8
rows 0 1m 00:00 01:00 '{}'                     # @9
rows 1 1m 00:00 02:00 '{"xavier":50}'          # @10
rows 1 1m 01:00 02:00 '{"bob":7}'              # @11
bprogress 0 01:00                              # @12
bprogress 1 01:00                              # @13
bprogress 2 01:00                              # @14 window 12:00 printed final
rows 0 1m 00:00 01:00 '{"alice":2,"zoe":5}'    # @15 alice: the same; zoe: too late
timeout 30 kcat -P -b "$B" -t batched -p 0 -K: -l "$TG_TMP/b"
# By hand: 12:00 sums alice 2+1, bob 1, carol 5, dave 4, erin 2, frank 1;
# 12:01 (partitions' progress at 12:01) is provisional: bob 7.
cat >"$TG_TMP/bhand.txt" <<'EOF2'
# 1m 2024-05-01T12:00:00Z 2024-05-01T12:01:00Z
carol, 5
dave, 4
alice, 3
erin, 2
bob, 1
frank, 1
# 1m 2024-05-01T12:01:00Z 2024-05-01T12:02:00Z provisional
bob, 7
EOF2
TOPIC=batched merge -e --stats >"$TG_TMP/b.txt" 2>"$TG_TMP/b.err"
tg_check_eq "rows -e: exit 0" "$?" 0
tg_check_files_eq "rows -e: the hand count" "$TG_TMP/b.txt" "$TG_TMP/bhand.txt"
# Rows: 2+1+2+1+1+2+1 before the progress, 1 after it (alice, the same; zoe
# is after_final).  same: alice @6 and @15; rewritten: dave, erin.
tg_check "rows -e: stats, per row" grep -qx 'tgcount: stats: messages=16 rows=12 progress=3 same=2 rewritten=2 after_final=1 malformed=4 ignored=0 windows=2 provisional=1 lost=0 partitions=3 watermark=2024-05-01T12:01:00Z' "$TG_TMP/b.err"
tg_check "rows -e: a bad entry makes the message malformed" grep -qx \
    'tgcount: warning: batched\[0\]@7: "counts": entry 2 is not an integer in range' \
    "$TG_TMP/b.err"
tg_check "rows -e: a duplicate username too" grep -q \
    '^tgcount: warning: batched\[0\]@8: not JSON: duplicate object key' "$TG_TMP/b.err"
tg_check "rows -e: and no entries" grep -qx \
    'tgcount: warning: batched\[0\]@9: "counts" is empty' "$TG_TMP/b.err"
tg_check "rows -e: and a window with two ends" grep -q \
    '^tgcount: warning: batched\[0\]@10: window 1m at .* has two ends' "$TG_TMP/b.err"
tg_check "rows -e: the malformed total" grep -qx \
    'tgcount: warning: 4 malformed records skipped' "$TG_TMP/b.err"
tg_check "rows -e: the row after final is told, as a row's" grep -qx \
    'tgcount: warning: batched\[0\]@15: a row of window 1m 2024-05-01T12:00:00Z arrived after the window was printed final: its count is not in the output' \
    "$TG_TMP/b.err"
tg_check_eq "rows -e: told once (one row of the message was late)" \
    "$(grep -c 'arrived after the window was printed final' "$TG_TMP/b.err")" 1

# ---- "windows" messages (what tgcount --output-topic writes), counted by hand --
# One output partition again.  win SPEC START END COUNTS: one window element
# (START, END as HH:MM of 2024-05-01); windows P ELEMENT...: one "windows"
# message of input partition P.
tg_kafka_local topic wbatched 1 >/dev/null
: >"$TG_TMP/b"
win() {
    printf '{"window":"%s","start":"2024-05-01T%s:00Z","end":"2024-05-01T%s:00Z","counts":%s}' \
        "$1" "$2" "$3" "$4"
}
windows() {
    local p=$1 IFS=,
    shift
    printf '%s:{"type":"windows","final":true,"topic":"telegram_messages","partition":%s,"windows":[%s]}\n' \
        "$p" "$p" "$*" >>"$TG_TMP/b"
}
windows 0 "$(win 1m 12:00 12:01 '{"alice":2,"bob":1}')" \
    "$(win 2m/1m 11:59 12:01 '{"alice":2}')"                 # @0
windows 0 "$(win 1m 12:00 12:01 '{"carol":5}')"              # @1 12:00 continued
rows 1 1m 00:00 01:00 '{"dave":3}'                           # @2 a rows message
brow 1 1m 00:00 01:00 dave 4                                 # @3 and a row: 4 wins
windows 2 "$(win 1m 12:00 12:01 '{"erin":1}')" \
    "$(win 1m 12:01 12:02 '{"erin":6,"frank":0}')"           # @4
# Malformed, none of their rows applied: a negative count in the second
# window; a window with another end (refused by the merge state) after a
# valid one; a window without counts, an unknown field (ignored) elsewhere.
windows 1 "$(win 1m 12:00 12:01 '{"alice":100}')" \
    "$(win 1m 12:01 12:02 '{"zed":-1}')"                     # @5
windows 1 "$(win 1m 12:01 12:02 '{"bob":7}')" \
    "$(win 1m 12:00 12:02 '{"xavier":50}')"                  # @6
windows 2 '{"window":"1m","start":"2024-05-01T12:01:00Z","end":"2024-05-01T12:02:00Z","new":1,"counts":{"yan":1}}' \
    '{"window":"1m","start":"2024-05-01T12:02:00Z","end":"2024-05-01T12:03:00Z"}' # @7
bprogress 0 01:00                                            # @8
bprogress 1 01:00                                            # @9
bprogress 2 01:00                                            # @10
timeout 30 kcat -P -b "$B" -t wbatched -p 0 -K: -l "$TG_TMP/b"
# By hand: 11:59 2m/1m alice 2; 12:00 1m alice 2, bob 1, carol 5, dave 4,
# erin 1 (final); 12:01 1m erin 6 (frank's 0 is left out), provisional.
cat >"$TG_TMP/whand.txt" <<'EOF2'
# 2m/1m 2024-05-01T11:59:00Z 2024-05-01T12:01:00Z
alice, 2
# 1m 2024-05-01T12:00:00Z 2024-05-01T12:01:00Z
carol, 5
dave, 4
alice, 2
bob, 1
erin, 1
# 1m 2024-05-01T12:01:00Z 2024-05-01T12:02:00Z provisional
erin, 6
EOF2
TOPIC=wbatched merge -e --stats >"$TG_TMP/w.txt" 2>"$TG_TMP/w.err"
tg_check_eq "windows -e: exit 0" "$?" 0
tg_check_files_eq "windows -e: the hand count" "$TG_TMP/w.txt" "$TG_TMP/whand.txt"
# Rows: 3 + 1 + 1 + 1 + 3 entries; rewritten: dave.
tg_check "windows -e: stats, per entry" grep -qx 'tgcount: stats: messages=11 rows=9 progress=3 same=0 rewritten=1 after_final=0 malformed=3 ignored=0 windows=3 provisional=1 lost=0 partitions=3 watermark=2024-05-01T12:01:00Z' "$TG_TMP/w.err"
tg_check "windows -e: a bad entry makes the message malformed, with its place" grep -qx \
    'tgcount: warning: wbatched\[0\]@5: "windows": element 2: "counts": entry 1 is not an integer in range' \
    "$TG_TMP/w.err"
tg_check "windows -e: a window the state refuses, the whole message too" grep -q \
    '^tgcount: warning: wbatched\[0\]@6: window 1m at .* has two ends' "$TG_TMP/w.err"
tg_check "windows -e: and a window without counts" grep -qx \
    'tgcount: warning: wbatched\[0\]@7: "windows": element 2: "counts" is missing' \
    "$TG_TMP/w.err"

# ---- random streams: the model's per-partition counts ----------------------
# Records spread over 3 input partitions; the model (tgcount_model.py, each
# partition judged by its own W_p) writes the results topic a correct writer
# would, and derives what --merge -e prints.  The results are written twice
# (a replay, after the first copy's progress made windows final: their rows
# are recognised as the same, TC_MERGE_KEEP_PRINTED): the same output.  The final windows must also be tgcount's own
# over the same records (a 3-partition topic read with -e), marks removed.
# upto FILE END: the windows of text output FILE ending at or before END.
upto() { awk -v g="$2" '/^# /{keep = ($4 <= g)} keep' "$1"; }
provisional=0 split=0 multirow=0 wsplit=0 wmulti=0
declare -A kinds
ROWS="$(dirname "$0")/merge_rows.py"
# produce_results FILE TOPIC: FILE's "P:MESSAGE" lines (the model's results,
# keyed by input partition) into TOPIC; 3 output partitions for 3 input
# partitions: P goes to P.
produce_results() {
    local p
    for p in 0 1 2; do
        grep "^$p:" "$1" >"$TG_TMP/r$p" || true
        if [ -s "$TG_TMP/r$p" ]; then
            timeout 30 kcat -P -b "$B" -t "$2" -p "$p" -K: -l "$TG_TMP/r$p"
        fi
    done
}
for seed in 7 11 12; do
    tg_kafka_local topic "rndin$seed" 3 >/dev/null
    tg_kafka_local topic "rnd$seed" 3 >/dev/null
    python3 "$MODEL" gen "$seed" >"$TG_TMP/gen.jsonl"
    for p in 0 1 2; do
        awk -v p="$p" 'NF && NR % 3 == p' "$TG_TMP/gen.jsonl" >"$TG_TMP/in$p.jsonl"
        if [ -s "$TG_TMP/in$p.jsonl" ]; then
            timeout 30 kcat -P -b "$B" -t "rndin$seed" -p "$p" -l "$TG_TMP/in$p.jsonl"
        fi
    done
    timeout 30 kcat -C -b "$B" -t "rndin$seed" -o beginning -e -q -f '%p %s\n' \
        >"$TG_TMP/topic.txt"
    python3 "$MODEL" run --partitioned --results 3 <"$TG_TMP/topic.txt" >"$TG_TMP/results"
    python3 "$MODEL" run --partitioned --merged 3 <"$TG_TMP/topic.txt" >"$TG_TMP/merged.txt"
    python3 "$MODEL" run --partitioned --merged 3 -f json <"$TG_TMP/topic.txt" \
        >"$TG_TMP/merged.json"
    provisional=$((provisional + $(grep -c ' provisional$' "$TG_TMP/merged.txt")))
    for round in 1 2; do
        produce_results "$TG_TMP/results" "rnd$seed"
        TOPIC="rnd$seed" merge -e --stats >"$TG_TMP/m$round.txt" 2>"$TG_TMP/m$round.err"
        tg_check_eq "seed $seed, written $round time(s): exit 0" "$?" 0
        tg_check_files_eq "seed $seed, written $round time(s): the model's merged view" \
            "$TG_TMP/m$round.txt" "$TG_TMP/merged.txt"
    done
    tg_check "seed $seed: the replay was applied as the same rows" \
        grep -q " rewritten=0 after_final=0 malformed=0 " "$TG_TMP/m2.err"
    # The same rows batched as "rows" messages, split at random
    # (merge_rows.py): the same merged view, row for row.
    tg_kafka_local topic "rndrows$seed" 3 >/dev/null
    python3 "$ROWS" "$seed" <"$TG_TMP/results" >"$TG_TMP/rows"
    produce_results "$TG_TMP/rows" "rndrows$seed"
    TOPIC="rndrows$seed" merge -e --stats >"$TG_TMP/mr.txt" 2>"$TG_TMP/mr.err"
    tg_check_eq "seed $seed, as rows messages: exit 0" "$?" 0
    tg_check_files_eq "seed $seed, as rows messages: the model's merged view" \
        "$TG_TMP/mr.txt" "$TG_TMP/merged.txt"
    tg_check_eq "seed $seed, as rows messages: every row applied once" \
        "$(grep -o ' rows=[0-9]* progress=[0-9]* same=0 rewritten=0 after_final=0 malformed=0 ' "$TG_TMP/mr.err")" \
        "$(grep -o ' rows=[0-9]* progress=[0-9]* same=0 rewritten=0 after_final=0 malformed=0 ' "$TG_TMP/m1.err")"
    # The same rows as "windows" messages (several windows a message, a
    # window's users spread over consecutive messages), then as a mix of
    # row, rows and windows messages: the same merged view, row for row.
    for mode in windows mix; do
        tg_kafka_local topic "rnd$mode$seed" 3 >/dev/null
        python3 "$ROWS" "$seed" "$mode" <"$TG_TMP/results" >"$TG_TMP/$mode"
        produce_results "$TG_TMP/$mode" "rnd$mode$seed"
        TOPIC="rnd$mode$seed" merge -e --stats >"$TG_TMP/mw.txt" 2>"$TG_TMP/mw.err"
        tg_check_eq "seed $seed, as $mode messages: exit 0" "$?" 0
        tg_check_files_eq "seed $seed, as $mode messages: the model's merged view" \
            "$TG_TMP/mw.txt" "$TG_TMP/merged.txt"
        tg_check_eq "seed $seed, as $mode messages: every row applied once" \
            "$(grep -o ' rows=[0-9]* progress=[0-9]* same=0 rewritten=0 after_final=0 malformed=0 ' "$TG_TMP/mw.err")" \
            "$(grep -o ' rows=[0-9]* progress=[0-9]* same=0 rewritten=0 after_final=0 malformed=0 ' "$TG_TMP/m1.err")"
    done
    # Windows split over "windows" messages, messages holding several
    # windows, and the three kinds in the mix (over every seed: all must
    # happen).
    read -r ws wm < <(python3 -c '
import collections, json, sys
per = collections.Counter(); multi = 0
for line in open(sys.argv[1]):
    m = json.loads(line.split(":", 1)[1])
    if m["type"] == "windows":
        for w in m["windows"]:
            per[(w["window"], w["start"], m["partition"])] += 1
        multi += len(m["windows"]) > 1
print(sum(n > 1 for n in per.values()), multi)' "$TG_TMP/windows")
    wsplit=$((wsplit + ws))
    wmulti=$((wmulti + wm))
    for k in row rows windows; do
        kinds[$k]=$((${kinds[$k]:-0} + $(grep -c "^[0-9]*:{\"type\":\"$k\"" "$TG_TMP/mix")))
    done
    # How many windows were split over several messages, and messages held
    # several rows (over every seed: both must happen).
    read -r s m < <(python3 -c '
import collections, json, sys
per = collections.Counter(); multi = 0
for line in open(sys.argv[1]):
    m = json.loads(line.split(":", 1)[1])
    if m["type"] == "rows":
        per[(m["window"], m["start"], m["partition"])] += 1
        multi += len(m["counts"]) > 1
print(sum(n > 1 for n in per.values()), multi)' "$TG_TMP/rows")
    split=$((split + s))
    multirow=$((multirow + m))
    TOPIC="rnd$seed" merge -e -q -f json >"$TG_TMP/m.json"
    tg_check_files_eq "seed $seed: json" "$TG_TMP/m.json" "$TG_TMP/merged.json"
    g=$(sed -n 's/.* watermark=\([^ ]*\)$/\1/p' "$TG_TMP/m2.err")
    timeout 30 tgcount -b "$B" -t "rndin$seed" -e -q >"$TG_TMP/tgcount.txt"
    tg_unmark "$TG_TMP/tgcount.txt" >"$TG_TMP/tgcount.unmarked"
    upto "$TG_TMP/m2.txt" "$g" >"$TG_TMP/m.final"
    upto "$TG_TMP/tgcount.unmarked" "$g" >"$TG_TMP/t.final"
    tg_check "seed $seed: some windows are final" test -s "$TG_TMP/m.final"
    tg_check_files_eq "seed $seed: the final windows are tgcount's" "$TG_TMP/m.final" \
        "$TG_TMP/t.final"
    tg_check "seed $seed: and only those are final" test \
        "$(grep -c '^# .*Z$' "$TG_TMP/m2.txt")" = "$(grep -c '^# ' "$TG_TMP/m.final")"
done
tg_check "the seeds give provisional windows too" test "$provisional" -gt 0
tg_check "the seeds' rows messages split windows ($split)" test "$split" -gt 0
tg_check "and hold several rows ($multirow)" test "$multirow" -gt 0
tg_check "the seeds' windows messages split windows ($wsplit)" test "$wsplit" -gt 0
tg_check "and hold several windows ($wmulti)" test "$wmulti" -gt 0
tg_check "the mixes hold row, rows and windows messages (${kinds[row]} ${kinds[rows]} ${kinds[windows]})" \
    test "${kinds[row]}" -gt 0 -a "${kinds[rows]}" -gt 0 -a "${kinds[windows]}" -gt 0
