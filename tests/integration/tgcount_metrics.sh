#!/usr/bin/env bash
# tgcount --metrics-file (issue 11, item 3): the counters in Prometheus' text
# format, validated by a strict parser (tests/promcheck.py; promtool too when
# installed), with values counted by hand from the input; mode 0644; written
# atomically (a reader polling it never sees a partial file) every
# --metrics-interval while a live pipe is read, and at the end; the periodic
# --stats line on a live pipe; per-partition offsets and lag from Kafka.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require python3

check() { python3 "$TG_TOP/tests/promcheck.py" "$1"; }
value() { # value FILE SERIES: the value of one series, from the parser
    check "$1" | awk -v s="$2" '$1 == s { print $2 }'
}

# ---- the parser is strict ---------------------------------------------------
good='# HELP a_total A.\n# TYPE a_total counter\na_total{x="q\\"b\\\\\\n"} 3\n'
printf "$good" >"$TG_TMP/good.prom"
tg_check_eq "parser: a valid file" "$(check "$TG_TMP/good.prom")" 'a_total{x="q\"b\\\n"} 3'
bad=(
    'a_total 3\n'                                                # no HELP/TYPE
    '# HELP a A.\n# TYPE a counter\na 3\n'                       # counter without _total
    '# HELP a A.\n# TYPE a gauge\na 3\na 4\n'                    # duplicate series
    '# HELP a A.\n# TYPE a gauge\na{x="1",x="2"} 3\n'            # label twice
    '# HELP a A.\n# TYPE a gauge\na{x="\\t"} 3\n'                # bad escape
    '# HELP a A.\n# TYPE a gauge\na 3x\n'                        # bad value
    '# HELP a A.\n# TYPE a gauge\na 3 1700000000\n'              # timestamp
    '# HELP a A.\n# TYPE a gauge\na 3'                           # no final newline
    '# HELP a A.\n# TYPE a gauge\n# HELP b B.\n# TYPE b gauge\nb 1\na 2\n' # interleaved
    '# HELP 1a A.\n# TYPE 1a gauge\n1a 3\n'                      # bad name
    '# HELP a A.\n# TYPE a gauge\n\na 3\n'                       # blank line
    '# HELP a_total A.\n# TYPE a_total counter\na_total -1\n'    # negative counter
)
for i in "${!bad[@]}"; do
    printf "${bad[$i]}" >"$TG_TMP/bad$i.prom"
    if check "$TG_TMP/bad$i.prom" >/dev/null 2>&1; then
        tg_fail "parser: rejects bad case $i" "$(cat "$TG_TMP/bad$i.prom")"
    else
        tg_pass "parser: rejects bad case $i"
    fi
done

# ---- a file: values counted by hand ----------------------------------------
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
rec() { # rec EPOCH_SECONDS ID USER
    printf '{"event_time":"%s","channel_id":1,"message_id":%s,"username":"%s"}\n' \
        "$(iso "$1")" "$2" "$3"
}
t0=1704067200 # 2024-01-01T00:00:00Z, a multiple of 10 s
{
    for i in $(seq 0 99); do
        rec $((t0 + i)) "$((i + 1))" "u$((i % 5))"
        case $i in
        10) echo 'not json' ;;
        20) echo '{"channel_id":1}' ;;
        30) rec $((t0 + 30)) 31 u0 ;; # the same message again
        40) echo '[1,2' ;;
        50) rec $((t0 + 5)) 999 late ;; # with -l 0, its 10 s window closed at t0+10
        60) rec $((t0 + 60)) 61 u0 ;; # the same message again
        esac
    done
} >"$TG_TMP/in.jsonl"
# By hand: 100 records + 3 malformed + 2 duplicates + 1 late = 106 read;
# 100 counted; ten 10 s windows (t0 .. t0+99); users u0..u4; the last
# record's event time t0+99 is the watermark with -l 0.
before=$(date +%s)
tgcount -w 10s -l 0 --metrics-file "$TG_TMP/f.prom" "$TG_TMP/in.jsonl" \
    >"$TG_TMP/f.out" 2>"$TG_TMP/f.err"
tg_check_eq "file: exit 0" "$?" 0
after=$(date +%s)
tg_check "file: the parser accepts it" eval "check '$TG_TMP/f.prom' >'$TG_TMP/f.samples'"
if command -v promtool >/dev/null 2>&1; then
    tg_check "file: promtool check metrics accepts it" \
        eval "promtool check metrics <'$TG_TMP/f.prom'"
fi
tg_check_eq "file: mode 0644" "$(stat -c %a "$TG_TMP/f.prom")" 644
for pair in records_read_total=106 records_counted_total=100 records_malformed_total=3 \
    records_duplicate_total=2 records_late_total=1 windows_emitted_total=10 \
    windows_provisional_total=0 offsets_lost_total=0 users=5 \
    watermark_seconds=$((t0 + 99)); do
    tg_check_eq "file: tgcount_${pair%%=*}" \
        "$(awk -v s="tgcount_${pair%%=*}" '$1 == s { print $2 }' "$TG_TMP/f.samples")" \
        "${pair#*=}"
done
# The lag is the wall clock at the write minus W: between the clock read
# just before the run and the one just after (whole seconds, so +-1).
lag=$(awk '$1 == "tgcount_watermark_lag_seconds" { print $2 }' "$TG_TMP/f.samples")
lo=$((before - t0 - 99 - 1)) hi=$((after - t0 - 99 + 1))
tg_check "file: watermark lag is the wall clock minus W ($lo <= $lag <= $hi)" \
    python3 -c "import sys; sys.exit(not $lo <= float('$lag') <= $hi)"
tg_check_eq "file: windows printed (cross-check of the counter)" \
    "$(grep -c '^# ' "$TG_TMP/f.out")" 10
tg_check_eq "file: no partition samples without Kafka" \
    "$(grep -c tgcount_partition "$TG_TMP/f.prom")" 0

# An unwritable path is a configuration error, said in one line.
tgcount --metrics-file "$TG_TMP/missing/m.prom" "$TG_TMP/in.jsonl" >/dev/null 2>"$TG_TMP/bad.err"
tg_check_eq "unwritable path: exit 78" "$?" 78
tg_check "unwritable path: one error line" \
    grep -q "^tgcount: --metrics-file: $TG_TMP/missing/m.prom: " "$TG_TMP/bad.err"

# ---- a live pipe: rewritten every interval, never seen partial ---------------
# A poller reads the file as fast as it can until told to stop and checks
# every snapshot with the parser: a partial or mixed file would fail it.
poll() { # poll FILE STOPFILE: prints how many snapshots and distinct contents
    python3 - "$1" "$2" "$TG_TOP/tests" <<'EOF'
import os, sys
sys.path.insert(0, sys.argv[3])
import promcheck
path, stop = sys.argv[1], sys.argv[2]
import time
reads, seen = 0, set()
while not os.path.exists(stop):
    time.sleep(0.002)  # often enough to catch a rewrite, not a busy loop
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        continue
    try:
        promcheck.check(text)
    except promcheck.Bad as e:
        print("partial or invalid snapshot: %s\n%s" % (e, text))
        sys.exit(1)
    reads += 1
    seen.add(text)
print(reads, len(seen))
EOF
}
mkfifo "$TG_TMP/live.fifo"
tgcount -w 10s -l 0 --idle off --stats --stats-interval 300ms \
    --metrics-file "$TG_TMP/live.prom" --metrics-interval 100ms \
    <"$TG_TMP/live.fifo" >"$TG_TMP/live.out" 2>"$TG_TMP/live.err" &
pid=$!
tg_cleanup_push "kill -9 $pid 2>/dev/null"
exec 3>"$TG_TMP/live.fifo"
tg_wait_until 10 test -e "$TG_TMP/live.prom"
# 3>&-: the poller must not hold the pipe's write end, or tgcount never
# sees EOF.
poll "$TG_TMP/live.prom" "$TG_TMP/stop" >"$TG_TMP/poll.out" 3>&- &
poller=$!
tg_cleanup_push "kill -9 $poller 2>/dev/null"
head -n 50 "$TG_TMP/in.jsonl" >&3 # 3 malformed (lines 12, 23, 45), 1 duplicate
read_is() { [ "$(value "$TG_TMP/live.prom" tgcount_records_read_total)" = "$1" ]; }
tg_check "live: the file is rewritten with the first 50 lines read" tg_wait_until 20 read_is 50
tg_check_eq "live: malformed so far" \
    "$(value "$TG_TMP/live.prom" tgcount_records_malformed_total)" 3
tg_check "live: a periodic stats line while the pipe is open" \
    tg_wait_until 20 grep -q '^tgcount: stats: read=50 ' "$TG_TMP/live.err"
tail -n +51 "$TG_TMP/in.jsonl" >&3
tg_check "live: rewritten again with the rest" tg_wait_until 20 read_is 106
exec 3>&-
# Ended: reaped by the shell, or a zombie waiting for the wait below.
gone() { ! kill -0 "$pid" 2>/dev/null || [[ $(ps -o stat= -p "$pid") == Z* ]]; }
tg_check "live: tgcount ends at EOF" tg_wait_until 20 gone
wait "$pid"
tg_check_eq "live: exit 0 at EOF" "$?" 0
touch "$TG_TMP/stop"
wait "$poller"
tg_check_eq "live: every snapshot the poller read was whole and valid" "$?" 0
read -r reads distinct <"$TG_TMP/poll.out" || true
tg_check "live: the poller saw several versions ($reads reads, $distinct distinct)" \
    test "${distinct:-0}" -ge 3
tg_check_eq "live: the final file equals the file run's" \
    "$(check "$TG_TMP/live.prom" | grep -v watermark_lag)" \
    "$(check "$TG_TMP/f.prom" | grep -v watermark_lag)"
tg_check_eq "live: no temporary file left" "$(ls "$TG_TMP" | grep -c 'prom\.tmp\.')" 0

# ---- Kafka: next offset and lag per partition --------------------------------
if ! command -v kcat >/dev/null 2>&1; then
    tg_skip "kafka metrics" "kcat is not installed"
    exit 0
fi
export TG_USE_REAL_KAFKA=0
tg_broker_start --topic m:2
kcat -P -b "$TG_BROKERS" -t m -p 0 -l <(head -n 30 "$TG_TMP/in.jsonl")
kcat -P -b "$TG_BROKERS" -t m -p 1 -l <(tail -n +31 "$TG_TMP/in.jsonl")
timeout 60 tgcount -b "$TG_BROKERS" -t m -o beginning -e -w 10s -l 1h \
    --metrics-file "$TG_TMP/k.prom" >/dev/null 2>"$TG_TMP/k.err"
tg_check_eq "kafka -e: exit 0" "$?" 0
tg_check "kafka: the parser accepts it" check "$TG_TMP/k.prom"
# 30 lines on partition 0 (offsets 0..29), 76 on partition 1: both read to the end.
tg_check_eq "kafka: next offsets and lag per partition" \
    "$(check "$TG_TMP/k.prom" | grep tgcount_partition_)" \
    "$(printf '%s\n' 'tgcount_partition_next_offset{partition="0",topic="m"} 30' \
        'tgcount_partition_next_offset{partition="1",topic="m"} 76' \
        'tgcount_partition_lag{partition="0",topic="m"} 0' \
        'tgcount_partition_lag{partition="1",topic="m"} 0')"
tg_check_eq "kafka: records read" "$(value "$TG_TMP/k.prom" tgcount_records_read_total)" 106
tg_check_eq "kafka: windows provisional at -e" \
    "$(value "$TG_TMP/k.prom" tgcount_windows_provisional_total)" \
    "$(value "$TG_TMP/k.prom" tgcount_windows_emitted_total)"
