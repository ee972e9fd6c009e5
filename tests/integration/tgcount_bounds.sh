#!/usr/bin/env bash
# Bounds on what one command line can make tgcount do (README, "Bounds"):
# window sets that overlap more than 10,000 windows per instant are refused
# (both sides of the limit), the same window twice is refused, a zero
# duration "must be positive"; a huge end-of-input printing stops at the
# next stop signal and says so; running out of memory is exit 70 with
# "out of memory", never another code.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require tgproducer

asan=0
if nm -D "$(command -v tgcount)" 2>/dev/null | grep -q __asan_init ||
    nm "$(command -v tgcount)" 2>/dev/null | grep -q __asan_init; then
    asan=1
fi

one='{"event_time":"2024-05-01T12:00:00Z","username":"a"}'

# usage CASE WANT_MESSAGE ARGS...: tgcount ARGS exits 64 with the message.
usage() {
    local name=$1 want=$2 status
    shift 2
    tgcount "$@" </dev/null >"$TG_TMP/usage.out" 2>"$TG_TMP/usage.err"
    status=$?
    tg_check_eq "$name: exit 64" "$status" 64
    tg_check "$name: says \"$want\"" grep -qF -- "$want" "$TG_TMP/usage.err"
    tg_check_eq "$name: nothing on stdout" "$(cat "$TG_TMP/usage.out")" ""
}

# ---- windows per instant -------------------------------------------------------
usage "-w 3660d/1ms" "each record would be in 316224000000 windows at once" -w 3660d/1ms
usage "-w 1d/1ms" "each record would be in 86400000 windows at once" -w 1d/1ms
usage "10,001 in one spec" "in 10001 windows at once" -w 10001s/1s
usage "10,001 over two specs" "in 10001 windows at once" -w 5000s/1s -w 5001s/1s
usage "3 over 1 (ceil of 2.5)" "in 10002 windows at once" -w 25s/10s -w 9999s/1s

# At the limit: accepted, and the one record is in every one of its windows.
out=$(printf '%s\n' "$one" | tgcount -w 10000s/1s -l 0 2>"$TG_TMP/limit.err")
tg_check_eq "10,000 windows per instant: exit 0" "$?" 0
tg_check_eq "10,000 windows per instant: every window printed" \
    "$(grep -c '^# 10000s/1s ' <<<"$out")" 10000
out=$(printf '%s\n' "$one" | tgcount -w 5000s/1s -w 10000s/2s -l 0 2>/dev/null)
tg_check_eq "10,000 over two specs: accepted" "$(grep -c '^# ' <<<"$out")" 10000

# ---- the same window twice, a zero duration -----------------------------------
usage "-w 1m -w 1m" "--window: 1m is the same window as 1m" -w 1m -w 1m
usage "-w 1m -w 60s" "--window: 60s is the same window as 1m" -w 1m -w 60s
usage "-w 10m/30s -w 600/30" "--window: 600/30 is the same window as 10m/30s" \
    -w 10m/30s -w 600/30
out=$(printf '%s\n' "$one" | tgcount -w 1m -w 2m -w 2m/1m 2>/dev/null)
tg_check_eq "different windows of one size: accepted" "$(grep -c '^# ' <<<"$out")" 4
usage "--trigger 0" '--trigger: duration "0" must be positive' --trigger 0
usage "-w 0" 'must be positive' -w 0

# ---- a stop signal while the open windows are printed --------------------------
# 100,000 records of 5,000 users over 2,000 s, nothing final before the end
# (lateness 3660d), 10,000 s windows sliding by 1 s: at the end about
# 12,000 windows of 5,000 rows each are printed, tens of seconds of work.
# SIGTERM once the printing has begun must stop it before the next window.
tgproducer --fake --count 100000 --users 5000 --zipf 0 --rate 50 --seed 3 \
    --start 2024-05-01T00:00:00Z --speed max --stdout >"$TG_TMP/big.jsonl"
tgcount -w 10000s/1s -l 3660d "$TG_TMP/big.jsonl" >"$TG_TMP/big.out" 2>"$TG_TMP/big.err" &
pid=$!
tg_cleanup_push "kill $pid"
tg_check "final printing has begun" tg_wait_until 60 test -s "$TG_TMP/big.out"
kill -TERM "$pid"
tg_check "SIGTERM stops the printing within 5 s" \
    tg_wait_until 5 sh -c "! kill -0 $pid"
kill -KILL "$pid" 2>/dev/null
wait "$pid"
tg_check_eq "stopped printing: exit 0" "$?" 0
tg_check "stopped printing: said so" grep -q \
    "^tgcount: warning: stopped by a signal before every open window was printed$" \
    "$TG_TMP/big.err"
tg_check "stopped printing: far from every window printed" \
    test "$(grep -c '^# ' "$TG_TMP/big.out")" -lt 11000
tg_check "stopped printing: no window cut short" \
    test "$(tail -n 1 "$TG_TMP/big.out" | cut -c1)" != "#"

# The signal that ends the input does not stop the printing that follows:
# the second record makes the first one's 100 windows final (printed at
# once), then SIGTERM ends the input and the second one's 100 are printed.
mkfifo "$TG_TMP/fifo"
tgcount -w 100s/1s -l 0 "$TG_TMP/fifo" >"$TG_TMP/fifo.out" 2>"$TG_TMP/fifo.err" &
pid=$!
tg_cleanup_push "kill $pid"
exec 3>"$TG_TMP/fifo"
printf '%s\n' "$one" '{"event_time":"2024-05-01T12:03:20Z","username":"b"}' >&3
tg_check "first record's windows printed while the input is open" \
    tg_wait_until 10 sh -c "test \"\$(grep -c '^# ' '$TG_TMP/fifo.out')\" = 100"
kill -TERM "$pid"
wait "$pid"
tg_check_eq "SIGTERM ends the input: exit 0" "$?" 0
exec 3>&-
tg_check_eq "SIGTERM ends the input: every open window printed" \
    "$(grep -c '^# ' "$TG_TMP/fifo.out")" 200
tg_check_eq "SIGTERM ends the input: no warning" "$(cat "$TG_TMP/fifo.err")" ""

# ---- out of memory is exit 70 ---------------------------------------------------
# 300,000 records of about 260,000 users: every limit on memory below what
# the run needs must end in exit 70 and "out of memory", whichever
# allocation fails (counting, emitting, the reader's buffers), and never in
# another code.  A release build is limited by its address space (ulimit
# -v); an AddressSanitizer build, which reserves terabytes of address space,
# by the size of one allocation instead.
tgproducer --fake --count 300000 --users 2000000 --zipf 0.5 --rate 1000 --seed 1 \
    --start 2024-05-01T00:00:00Z --speed max --stdout >"$TG_TMP/users.jsonl"
limits="30000 40000 50000 56000 60000 62000 64000 66000 70000 80000 100000 400000"
[ "$asan" = 1 ] && limits="1 2 4 8 16 32 256"
oom=0 ok=0 bad=""
for limit in $limits; do
    if [ "$asan" = 1 ]; then
        ASAN_OPTIONS="${ASAN_OPTIONS:-}:allocator_may_return_null=1:max_allocation_size_mb=$limit" \
            tgcount -w 1m -l 10m -n 1 "$TG_TMP/users.jsonl" >/dev/null 2>"$TG_TMP/oom.err"
        status=$?
    else
        (
            ulimit -v "$limit"
            exec tgcount -w 1m -l 10m -n 1 "$TG_TMP/users.jsonl"
        ) >/dev/null 2>"$TG_TMP/oom.err"
        status=$?
    fi
    # (with the least memory, the reader thread may not even start; the
    # sanitizer warns of each allocation it refuses, in lines of its own)
    grep -v '^==[0-9]*==WARNING: AddressSanitizer failed to allocate' "$TG_TMP/oom.err" \
        >"$TG_TMP/oom.said"
    if [ "$status" = 70 ] && grep -qE "^tgcount: (out of memory|cannot start the reader \
thread: .*)$" "$TG_TMP/oom.said" && [ "$(wc -l <"$TG_TMP/oom.said")" = 1 ]; then
        oom=$((oom + 1))
    elif [ "$status" = 0 ] && [ ! -s "$TG_TMP/oom.said" ]; then
        ok=$((ok + 1))
    else
        bad="$bad $limit:$status:$(head -c 120 "$TG_TMP/oom.said" | tr '\n' ' ')"
    fi
done
tg_check_eq "out of memory: exit 70 and \"out of memory\", or a full run" "$bad" ""
tg_check "out of memory: some limits were too small" test "$oom" -gt 0
tg_check "out of memory: the largest limit was enough" test "$ok" -gt 0
