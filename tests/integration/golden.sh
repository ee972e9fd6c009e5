#!/usr/bin/env bash
# Golden cases for tgcount: each tests/golden/<case>/ holds input.jsonl,
# args (tgcount's arguments, shell words) and expected (stdout, hand-checked).
# The input goes through stdin, as in a pipeline; the exit status must be 0.
# Each expected output is also derived independently, by the window
# contract's model (tgcount_model.py), which must agree with it.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
model="$(dirname "$0")/tgcount_model.py"
have_model=0
if command -v python3 >/dev/null 2>&1; then
    have_model=1
else
    tg_skip "golden cases through the model" "python3 is not installed"
fi

for dir in "$TG_TOP"/tests/golden/*/; do
    case=$(basename "$dir")
    eval "set -- $(cat "$dir/args")"
    if [ "$have_model" = 1 ]; then
        if python3 "$model" run "$@" <"$dir/input.jsonl" >"$TG_TMP/$case.model" \
            2>"$TG_TMP/$case.model.err"; then
            tg_check_files_eq "$case: the model derives expected" "$TG_TMP/$case.model" \
                "$dir/expected"
        else
            tg_fail "$case: the model" "$(head -c 300 "$TG_TMP/$case.model.err")"
        fi
    fi
    status=0
    tgcount "$@" <"$dir/input.jsonl" >"$TG_TMP/$case.out" 2>"$TG_TMP/$case.err" || status=$?
    if [ "$status" -ne 0 ]; then
        tg_fail "$case" "exit status $status: $(head -c 300 "$TG_TMP/$case.err")"
        continue
    fi
    tg_check_files_eq "$case" "$TG_TMP/$case.out" "$dir/expected"
done

# The same input as a FILE operand, and split over two files, gives the
# same output as stdin.
g=$TG_TOP/tests/golden/default_windows
tgcount "$g/input.jsonl" >"$TG_TMP/file.out" 2>/dev/null
tg_check_files_eq "file operand equals stdin" "$TG_TMP/file.out" "$g/expected"
head -n 2 "$g/input.jsonl" >"$TG_TMP/part1"
tail -n +3 "$g/input.jsonl" >"$TG_TMP/part2"
tgcount "$TG_TMP/part1" - <"$TG_TMP/part2" >"$TG_TMP/split.out" 2>/dev/null
tg_check_files_eq "FILE then - equals one stream" "$TG_TMP/split.out" "$g/expected"

# Malformed lines: the first few are reported with file:line, then a total.
m=$TG_TOP/tests/golden/malformed
tgcount -w 1m "$m/input.jsonl" >/dev/null 2>"$TG_TMP/m.err"
tg_check "malformed: first report names file and line" \
    grep -q "^tgcount: warning: $m/input.jsonl:2: not JSON" "$TG_TMP/m.err"
tg_check_eq "malformed: five reported" "$(grep -c 'input.jsonl:[0-9]*:' "$TG_TMP/m.err")" 5
tg_check "malformed: summary" grep -q "^tgcount: warning: 9 malformed records skipped" \
    "$TG_TMP/m.err"

# --stats counters for a known input.
d=$TG_TOP/tests/golden/duplicates
tgcount -w 1m --stats <"$d/input.jsonl" >/dev/null 2>"$TG_TMP/stats.err"
tg_check "stats line" grep -q "read=8 counted=5 malformed=0 late=0 duplicates=3 windows=1 users=3" \
    "$TG_TMP/stats.err"

# A line over --max-record is malformed; the good lines around it count.
{
    echo '{"event_time":"2024-05-01T12:00:01Z","username":"before"}'
    printf '{"event_time":"2024-05-01T12:00:02Z","username":"%s"}\n' "$(head -c 3000 /dev/zero | tr '\0' x)"
    echo '{"event_time":"2024-05-01T12:00:03Z","username":"after"}'
} >"$TG_TMP/long.jsonl"
out=$(tgcount -w 1m --max-record 1K "$TG_TMP/long.jsonl" 2>"$TG_TMP/long.err")
tg_check_eq "max-record: good lines kept" "$out" "# 1m 2024-05-01T12:00:00Z 2024-05-01T12:01:00Z
after, 1
before, 1"
tg_check "max-record: reported" grep -q "long.jsonl:2: line longer than --max-record" "$TG_TMP/long.err"

# Exit codes: usage 64, unreadable file 65 (after counting the others).
tgcount --window nonsense </dev/null >/dev/null 2>&1
tg_check_eq "bad option exits 64" "$?" 64
tgcount -X no.such.property=1 </dev/null >/dev/null 2>&1
tg_check_eq "bad -X exits 78" "$?" 78
out=$(tgcount -w 1m "$TG_TMP/missing" "$g/input.jsonl" 2>"$TG_TMP/missing.err")
tg_check_eq "missing file exits 65" "$?" 65
tg_check "missing file: others still counted" test -n "$out"
tg_check "missing file reported" grep -q "missing: No such file" "$TG_TMP/missing.err"

# A reader that goes away early is not an error: 30,000 rows are far more
# than a pipe holds, so tgcount meets EPIPE.
awk 'BEGIN { for (i = 0; i < 30000; i++)
    printf "{\"event_time\":\"2024-05-01T12:00:01Z\",\"username\":\"user%05d\"}\n", i }' \
    >"$TG_TMP/many.jsonl"
(tgcount -w 1m "$TG_TMP/many.jsonl" 2>"$TG_TMP/pipe.err"; echo $? >"$TG_TMP/pipe.rc") | head -n 1 >/dev/null
tg_check_eq "closed stdout exits 0" "$(cat "$TG_TMP/pipe.rc")" 0
tg_check_eq "closed stdout: nothing on stderr" "$(cat "$TG_TMP/pipe.err")" ""
tg_check_eq "30,000 users in one window" "$(tgcount -w 1m "$TG_TMP/many.jsonl" | wc -l)" 30001

# A full disk is an error (75), said on stderr; --stats still reports.
if [ -e /dev/full ]; then
    tgcount -w 1m --stats "$g/input.jsonl" >/dev/full 2>"$TG_TMP/full.err"
    tg_check_eq "full disk exits 75" "$?" 75
    tg_check "full disk reported" grep -q "writing the output: No space left" "$TG_TMP/full.err"
    tg_check "full disk: stats still printed" grep -q "stats: read=4 " "$TG_TMP/full.err"
else
    tg_skip "full disk" "/dev/full does not exist"
fi

# SIGTERM ends the input: the open windows are printed, provisional, exit 0.
mkfifo "$TG_TMP/fifo"
tgcount -w 1m -l 0 "$TG_TMP/fifo" >"$TG_TMP/sig.out" 2>"$TG_TMP/sig.err" &
pid=$!
tg_cleanup_push "kill $pid"
exec 3>"$TG_TMP/fifo"
printf '%s\n' '{"event_time":"2024-05-01T12:00:01Z","username":"a"}' \
    '{"event_time":"2024-05-01T12:01:01Z","username":"b"}' >&3
tg_check "first window printed while the input is open" \
    tg_wait_until 10 grep -q '^a, 1$' "$TG_TMP/sig.out"
kill -TERM "$pid"
wait "$pid"
tg_check_eq "SIGTERM exits 0" "$?" 0
exec 3>&-
tg_check_eq "SIGTERM: open window printed" "$(cat "$TG_TMP/sig.out")" \
    "# 1m 2024-05-01T12:00:00Z 2024-05-01T12:01:00Z
a, 1
# 1m 2024-05-01T12:01:00Z 2024-05-01T12:02:00Z provisional
b, 1"
