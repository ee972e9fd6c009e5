#!/usr/bin/env bash
# A live pipe is live (issue 13, item 7).  On a pipe or FIFO, once a record
# was counted and the input stays quiet for --idle, the wall clock moves the
# watermark (W = now - lateness) as Kafka follow mode does, so a quiet
# chat's last window is printed while the writer still holds the pipe open;
# --idle off keeps the result content-only; --emit changes fires on wall
# time without any new line; a regular file never uses the clock.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
rec() { # rec EPOCH_SECONDS ID USER
    printf '{"event_time":"%s","channel_id":1,"message_id":%s,"username":"%s"}\n' \
        "$(iso "$1")" "$2" "$3"
}

# A 10 s window that ended a few seconds ago: its records are recent (well
# inside --max-future and of "now"), and with -l 0 their own event times
# leave W inside the window, so only the clock can make it final.
now=$(date +%s)
start=$(((now / 10) * 10 - 20))
end=$((start + 10))
feed() {
    rec $((start + 1)) 1 ann
    rec $((start + 2)) 2 bob
    rec $((start + 3)) 3 ann
    rec $((start + 7)) 4 ann
    rec $((start + 8)) 5 bob
    rec $((start + 8)) 5 bob # a duplicate: counted once
    rec $((start + 9)) 6 cid
}
# Written in one write(), so that no pause inside the feed can pass for a
# quiet input.
feed >"$TG_TMP/feed.jsonl"
# By hand: ann 3 (ids 1, 3, 4), bob 2 (ids 2, 5), cid 1; count desc, name asc.
expected=$(printf '# 10s %s %s\nann, 3\nbob, 2\ncid, 1' "$(iso $start)" "$(iso $end)")

# Starts tgcount on a FIFO held open by the test on descriptor FD.
start_on_fifo() { # start_on_fifo NAME FD ARGS...
    local name=$1 fd=$2
    shift 2
    rm -f "$TG_TMP/$name.fifo"
    mkfifo "$TG_TMP/$name.fifo"
    tgcount "$@" <"$TG_TMP/$name.fifo" >"$TG_TMP/$name.out" 2>"$TG_TMP/$name.err" &
    eval "pid_$name=$!"
    tg_cleanup_push "kill -9 $! 2>/dev/null"
    eval "exec $fd>\"$TG_TMP/$name.fifo\""
}
running() { kill -0 "$1" 2>/dev/null; }
has_output() { [ -s "$TG_TMP/$1.out" ]; }

# ---- (a) and (b): a quiet pipe, with and without the clock --------------------
start_on_fifo live 3 -w 10s -l 0 --idle 500ms
start_on_fifo off 4 -w 10s -l 0 --idle off
cat "$TG_TMP/feed.jsonl" >&3
cat "$TG_TMP/feed.jsonl" >&4
tg_wait_until 20 has_output live
tg_check "live: the window is printed while the writer holds the pipe" \
    eval "has_output live && running $pid_live"
tg_check_eq "live: the window's rows (by hand)" "$(cat "$TG_TMP/live.out")" "$expected"
# --idle off has had as long as the live one, plus four idle times: nothing.
tg_wait_until 2 has_output off
tg_check "--idle off: nothing printed while the writer holds the pipe" \
    eval "running $pid_off && ! has_output off"
exec 3>&- 4>&-
wait "$pid_live"
tg_check_eq "live: exit 0 at EOF" "$?" 0
wait "$pid_off"
tg_check_eq "--idle off: exit 0 at EOF" "$?" 0
tg_check_eq "live: nothing printed twice at EOF" "$(cat "$TG_TMP/live.out")" "$expected"
tg_check_eq "--idle off: the window is printed at EOF" "$(cat "$TG_TMP/off.out")" "$expected"
tg_check_eq "live: nothing on stderr" "$(cat "$TG_TMP/live.err" "$TG_TMP/off.err")" ""

# The idle time is counted from the last line: a record arriving within it
# holds W, another one after the window closed is late (as with Kafka).
start_on_fifo after 3 -w 10s -l 0 --idle 500ms
cat "$TG_TMP/feed.jsonl" >&3
tg_wait_until 20 has_output after
rec $((start + 5)) 7 dan >&3
tg_wait_until 20 grep -q 'late' "$TG_TMP/after.err"
exec 3>&-
wait "$pid_after"
tg_check_eq "live: a record behind the clock's watermark is late, and said" \
    "$(grep -c 'late: event_time' "$TG_TMP/after.err")" 1
tg_check_eq "live: the late record changes no printed window" \
    "$(cat "$TG_TMP/after.out")" "$expected"

# ---- (c) --emit changes fires on wall time on a quiet pipe ---------------------
# A window far ahead of W (-l 1h, --idle off): only the trigger prints it.
start_on_fifo changes 3 -w 10s -l 1h --idle off --emit changes --trigger 1s -f csv
cat "$TG_TMP/feed.jsonl" >&3
tg_wait_until 20 grep -q '^.*,cid,1' "$TG_TMP/changes.out"
tg_check "--emit changes: printed before EOF, the writer still there" \
    eval "has_output changes && running $pid_changes"
got=$(cut -d, -f1-4 "$TG_TMP/changes.out" | grep -v '^window')
tg_check_eq "--emit changes: the open window's counts" "$got" \
    "$(printf '10s,%s,%s,ann\n10s,%s,%s,bob\n10s,%s,%s,cid' \
        "$(iso $start)" "$(iso $end)" "$(iso $start)" "$(iso $end)" \
        "$(iso $start)" "$(iso $end)")"
tg_check_eq "--emit changes: the counts by hand" \
    "$(grep -v '^window' "$TG_TMP/changes.out" | awk -F, '{print $4 "=" $5}' | tr '\n' ' ')" \
    "ann=3 bob=2 cid=1 "
exec 3>&-
wait "$pid_changes"
tg_check_eq "--emit changes: exit 0" "$?" 0

# ---- (d) a regular file never uses the clock -----------------------------------
# Old event times, with a quiet stretch nowhere: the file and the same bytes
# through a pipe with --idle off give the same output, the hand count's.
old() { # 2024-01-01, seconds after midnight
    printf '{"event_time":"2024-01-01T00:%s","channel_id":2,"message_id":%s,"username":"%s"}\n' \
        "$1" "$2" "$3"
}
{
    old 00:05Z 1 ann
    old 00:15Z 2 bob
    old 00:55Z 3 ann
    old 01:10Z 4 ann
    old 01:50Z 5 cid
    old 02:01Z 6 bob
} >"$TG_TMP/old.jsonl"
# By hand with -w 1m: [00:00, 01:00) ann 2, bob 1; [01:00, 02:00) ann 1,
# cid 1; [02:00, 03:00) bob 1.
printf '%s\n' \
    '# 1m 2024-01-01T00:00:00Z 2024-01-01T00:01:00Z' 'ann, 2' 'bob, 1' \
    '# 1m 2024-01-01T00:01:00Z 2024-01-01T00:02:00Z' 'ann, 1' 'cid, 1' \
    '# 1m 2024-01-01T00:02:00Z 2024-01-01T00:03:00Z' 'bob, 1' >"$TG_TMP/old.expected"
tgcount -w 1m --idle 100ms "$TG_TMP/old.jsonl" >"$TG_TMP/file.out" 2>"$TG_TMP/file.err"
tg_check_eq "file: exit 0" "$?" 0
tg_check_files_eq "file: the hand count" "$TG_TMP/file.out" "$TG_TMP/old.expected"
tg_check_eq "file: nothing on stderr (no late record)" "$(cat "$TG_TMP/file.err")" ""
tgcount -w 1m --idle 100ms <"$TG_TMP/old.jsonl" >"$TG_TMP/redir.out"
tg_check_files_eq "file as stdin (<): the same" "$TG_TMP/redir.out" "$TG_TMP/old.expected"
cat "$TG_TMP/old.jsonl" | tgcount -w 1m --idle off >"$TG_TMP/pipe.out"
tg_check_files_eq "pipe with --idle off: the same" "$TG_TMP/pipe.out" "$TG_TMP/old.expected"
# The clock waits for a first record: a replay slow to start (kcat still
# connecting) loses nothing, even with a short --idle.  The pause is ten
# idle times, bounded by the wait; the data then comes in one write().
start_on_fifo replay 3 -w 1m --idle 100ms
tg_wait_until 1 has_output replay
cat "$TG_TMP/old.jsonl" >&3
exec 3>&-
wait "$pid_replay"
tg_check_files_eq "replay slow to start, live: the hand count" \
    "$TG_TMP/replay.out" "$TG_TMP/old.expected"
tg_check_eq "replay slow to start: nothing late" "$(cat "$TG_TMP/replay.err")" ""

# ---- (e) option errors ----------------------------------------------------------
for bad in banana 0 -1s OFF ''; do
    tgcount --idle "$bad" </dev/null >/dev/null 2>"$TG_TMP/bad.err"
    tg_check_eq "--idle '$bad': exit 64" "$?" 64
done
tgcount --idle banana </dev/null 2>&1 >/dev/null | head -n 1 >"$TG_TMP/bad.err"
tg_check "--idle banana: one tgcount: line naming the option" \
    grep -q '^tgcount: --idle: invalid duration "banana"' "$TG_TMP/bad.err"
tgcount --idle 0 </dev/null 2>&1 >/dev/null | head -n 1 >"$TG_TMP/bad.err"
tg_check_eq "--idle 0: must be positive" "$(cat "$TG_TMP/bad.err")" \
    'tgcount: --idle: duration "0" must be positive'
