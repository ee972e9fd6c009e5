#!/usr/bin/env bash
# tgcount reading a live stream on stdin, as in `tail -f log | tgcount`:
# its reader thread parses ahead of the counting thread, which
# must change nothing a user can see.  Lines are counted as they arrive,
# not when a batch fills; SIGTERM while stdin is idle ends the run with
# the open windows; a closed stdout ends it at once though stdin stays
# open; several files with errors report in input order.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount

rec() { # rec HH:MM:SS ID USER
    printf '{"event_time":"2024-01-01T%sZ","channel_id":1,"message_id":%s,"username":"%s"}\n' \
        "$1" "$2" "$3"
}

# Opens a FIFO as tgcount's stdin on descriptor 3 (kept open by the test);
# tgcount's stdout and stderr go to $TG_TMP/NAME.out and .err.
start_on_fifo() { # start_on_fifo NAME ARGS...
    local name=$1
    shift
    rm -f "$TG_TMP/$name.fifo"
    mkfifo "$TG_TMP/$name.fifo"
    tgcount "$@" <"$TG_TMP/$name.fifo" >"$TG_TMP/$name.out" 2>"$TG_TMP/$name.err" &
    pid=$!
    tg_cleanup_push "kill -9 $pid 2>/dev/null"
    exec 3>"$TG_TMP/$name.fifo"
}

# ---- lines are counted as they arrive -----------------------------------------
start_on_fifo live -w 1m
rec 00:00:10 1 ann >&3
rec 00:00:20 2 ann >&3
rec 00:00:50 3 bob >&3
rec 00:01:40 4 cid >&3 # W = 00:01:10: the first minute is final
tg_wait_until 10 grep -q '^bob, 1$' "$TG_TMP/live.out"
tg_check_eq "stream: the first window is out while stdin is open" \
    "$(cat "$TG_TMP/live.out")" \
    "$(printf '# 1m 2024-01-01T00:00:00Z 2024-01-01T00:01:00Z\nann, 2\nbob, 1')"
rec 00:02:45 5 ann >&3 # W = 00:02:15: the second minute is final
tg_wait_until 10 grep -q '^cid, 1$' "$TG_TMP/live.out"
tg_check "stream: the second window follows the next line" grep -q '^cid, 1$' \
    "$TG_TMP/live.out"

# ---- SIGTERM while stdin is idle ---------------------------------------------------
# The open window (00:02) is emitted, as at the end of the input but
# provisional.
kill -TERM "$pid"
tg_wait_until 10 eval "! kill -0 $pid 2>/dev/null"
wait "$pid"
tg_check_eq "SIGTERM on an idle stdin: exit 0" "$?" 0
exec 3>&-
{
    rec 00:00:10 1 ann
    rec 00:00:20 2 ann
    rec 00:00:50 3 bob
    rec 00:01:40 4 cid
    rec 00:02:45 5 ann
} | tgcount -w 1m >"$TG_TMP/live.expected"
tg_check_stopped_eq "SIGTERM on an idle stdin: output equals the whole input's" \
    "$TG_TMP/live.out" "$TG_TMP/live.expected"

# ---- stdout closed while stdin stays open --------------------------------------------
# tgcount must notice on its next write and end (EPIPE is a normal end, as
# with `tgcount | head`), not wait for input that may never come.
rm -f "$TG_TMP/closed.fifo" "$TG_TMP/out.fifo"
mkfifo "$TG_TMP/closed.fifo" "$TG_TMP/out.fifo"
tgcount -w 1m <"$TG_TMP/closed.fifo" >"$TG_TMP/out.fifo" 2>"$TG_TMP/closed.err" &
pid=$!
tg_cleanup_push "kill -9 $pid 2>/dev/null"
exec 3>"$TG_TMP/closed.fifo"
exec 4<"$TG_TMP/out.fifo"
exec 4<&- # the reader of stdout goes away before anything is written
rec 00:00:10 1 ann >&3
rec 00:01:40 2 bob >&3 # a window to write: the write fails
tg_wait_until 10 eval "! kill -0 $pid 2>/dev/null"
tg_check "closed stdout: tgcount ends though stdin is open" eval "! kill -0 $pid 2>/dev/null"
wait "$pid"
tg_check_eq "closed stdout: exit 0" "$?" 0
tg_check_eq "closed stdout: nothing on stderr" "$(cat "$TG_TMP/closed.err")" ""
exec 3>&-

# ---- several files: errors and reports in input order -------------------------------
{
    rec 00:00:10 1 ann
    echo 'not json'
    rec 00:00:20 2 bob
} >"$TG_TMP/a.jsonl"
{
    rec 00:00:30 3 ann
    rec 00:00:40 4 cid
    echo '{"event_time":"2024-02-30T00:00:00Z"}'
} >"$TG_TMP/b.jsonl"
tgcount -w 1m --stats "$TG_TMP/a.jsonl" "$TG_TMP/missing.jsonl" - "$TG_TMP/b.jsonl" \
    <"$TG_TMP/a.jsonl" >"$TG_TMP/files.out" 2>"$TG_TMP/files.err"
tg_check_eq "files: a missing one is exit 65" "$?" 65
tg_check "files: stats of all of them" \
    grep -q 'stats: read=9 counted=4 malformed=3 late=0 duplicates=2 ' "$TG_TMP/files.err"
sed -i '/stats: /d' "$TG_TMP/files.err"
tg_check_eq "files: diagnostics in input order" \
    "$(cut -d: -f1-3 "$TG_TMP/files.err" | sed "s|$TG_TMP/||g")" \
    "$(printf '%s\n' 'tgcount: warning: a.jsonl' 'tgcount: missing.jsonl: No such file or directory' \
        'tgcount: warning: (stdin)' 'tgcount: warning: b.jsonl' \
        'tgcount: warning: 3 malformed records skipped')"
# stdin repeats a.jsonl: its records are duplicates, counted once.  A
# file could not be read, so the input is not complete: the window is
# provisional.
tg_check_eq "files: the good records of all of them are counted, provisional" \
    "$(cat "$TG_TMP/files.out")" \
    "$(printf '# 1m 2024-01-01T00:00:00Z 2024-01-01T00:01:00Z provisional\nann, 2\nbob, 1\ncid, 1')"

# ---- many batches ---------------------------------------------------------------------
# 20,000 lines (many queue batches), a malformed one every 997: the
# reports and the stats must name the right lines and counts.
python3 - "$TG_TMP/many.jsonl" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        if i % 997 == 996:
            f.write("{broken\n")
        else:
            f.write('{"event_time":"2024-01-01T%02d:%02d:%02dZ","channel_id":1,'
                    '"message_id":%d,"username":"u%d"}\n'
                    % (i // 3600, i // 60 % 60, i % 60, i, i % 7))
EOF
tgcount -w 1h --stats "$TG_TMP/many.jsonl" >"$TG_TMP/many.out" 2>"$TG_TMP/many.err"
tg_check_eq "many batches: exit 0" "$?" 0
tg_check_eq "many batches: the first malformed lines named" \
    "$(grep -o 'many.jsonl:[0-9]*' "$TG_TMP/many.err" | tr '\n' ' ')" \
    "many.jsonl:997 many.jsonl:1994 many.jsonl:2991 many.jsonl:3988 many.jsonl:4985 "
tg_check "many batches: every line read, 20 malformed" \
    grep -q 'stats: read=20000 counted=19980 malformed=20 ' "$TG_TMP/many.err"
total=$(grep -v '^#' "$TG_TMP/many.out" | awk -F', ' '{s += $2} END {print s}')
tg_check_eq "many batches: the windows hold every good record" "$total" 19980
