#!/usr/bin/env bash
# Which input tgcount reads: FILE operands, or a stdin that is not a
# terminal, whatever $KAFKA_BOOTSTRAP_SERVERS says; Kafka when the command
# line asks for it (then piped data is not read, and tgcount says so), or
# when the environment names brokers and stdin is a terminal.  A Kafka-only
# option with FILE operands is a usage error naming the option.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require tgproducer
tg_require python3

rec() { # rec HH:MM:SS ID USER
    printf '{"event_time":"2024-01-01T%sZ","channel_id":1,"message_id":%s,"username":"%s"}\n' \
        "$1" "$2" "$3"
}
{
    rec 00:00:10 1 ann
    rec 00:00:20 2 bob
    rec 00:00:30 3 ann
} >"$TG_TMP/in.jsonl"
env -u KAFKA_BOOTSTRAP_SERVERS tgcount -w 1m "$TG_TMP/in.jsonl" >"$TG_TMP/expected.out"
tg_check "the file run prints a window" grep -q '^ann, 2$' "$TG_TMP/expected.out"

# A local broker for the one run meant to read Kafka; everything else has
# $KAFKA_BOOTSTRAP_SERVERS name port 1, where nothing listens: had tgcount
# chosen Kafka, it would wait for --connect-timeout (30 s) and exit 69.
export TG_USE_REAL_KAFKA=0
tg_broker_start
B=$TG_BROKERS
export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:1

# ---- the environment does not take stdin or FILE operands away ----------------
timeout 20 tgcount -w 1m <"$TG_TMP/in.jsonl" >"$TG_TMP/file.out" 2>"$TG_TMP/file.err"
tg_check_eq "\$KAFKA_BOOTSTRAP_SERVERS, stdin a file: exit 0" "$?" 0
tg_check_files_eq "\$KAFKA_BOOTSTRAP_SERVERS, stdin a file: it is counted" \
    "$TG_TMP/file.out" "$TG_TMP/expected.out"
tg_check_eq "\$KAFKA_BOOTSTRAP_SERVERS, stdin a file: nothing on stderr" \
    "$(cat "$TG_TMP/file.err")" ""

cat "$TG_TMP/in.jsonl" | timeout 20 tgcount -w 1m >"$TG_TMP/pipe.out" 2>"$TG_TMP/pipe.err"
tg_check_eq "\$KAFKA_BOOTSTRAP_SERVERS, stdin a pipe: exit 0" "$?" 0
tg_check_files_eq "\$KAFKA_BOOTSTRAP_SERVERS, stdin a pipe: it is counted" \
    "$TG_TMP/pipe.out" "$TG_TMP/expected.out"

timeout 20 tgcount -w 1m "$TG_TMP/in.jsonl" </dev/null >"$TG_TMP/operand.out"
tg_check_eq "\$KAFKA_BOOTSTRAP_SERVERS, a FILE operand: exit 0" "$?" 0
tg_check_files_eq "\$KAFKA_BOOTSTRAP_SERVERS, a FILE operand: it is counted" \
    "$TG_TMP/operand.out" "$TG_TMP/expected.out"

# ---- a Kafka-only option with FILE operands: refused, naming the option ---------
for opt in "-t topic" "-G group" "-e" "-o end" "--checkpoint $TG_TMP/ck" "-X client.id=x"; do
    # shellcheck disable=SC2086 # the option and its value are two words
    tgcount -w 1m $opt "$TG_TMP/in.jsonl" >"$TG_TMP/refused.out" 2>"$TG_TMP/refused.err"
    status=$?
    name=${opt%% *}
    tg_check_eq "$name with a FILE: exit 64, one line naming $name" \
        "$status $(cat "$TG_TMP/refused.err")" \
        "64 tgcount: $name: Kafka input only, but FILE operands were given"
    tg_check_eq "$name with a FILE: nothing on stdout" "$(cat "$TG_TMP/refused.out")" ""
done
tg_check "--checkpoint with a FILE: no directory made" test ! -e "$TG_TMP/ck"

# ---- -b '' names no broker: a usage error, not another source of brokers --------
tgcount -b '' -e </dev/null >/dev/null 2>"$TG_TMP/empty.err"
tg_check_eq "-b '': exit 64, one line" "$? $(cat "$TG_TMP/empty.err")" \
    "64 tgcount: --brokers: expected host:port[,host:port...], got an empty list"
tgproducer --fake --count 1 -b '' >/dev/null 2>"$TG_TMP/empty.err"
tg_check_eq "tgproducer -b '': exit 64, the same words" "$? $(cat "$TG_TMP/empty.err")" \
    "64 tgproducer: --brokers: expected host:port[,host:port...], got an empty list"

# ---- the command line chooses Kafka: piped data is not read, and said so --------
# unread STDIN_DESCRIPTION: the warnings of a Kafka run against port 1 with
# that stdin (the run itself ends with exit 69).
kafka_run() { timeout 20 tgcount -b 127.0.0.1:1 --connect-timeout 1s -e 2>&1 >/dev/null; }
notice='tgcount: warning: stdin is not read: Kafka input options were given (without them tgcount counts stdin)'
out=$(cat "$TG_TMP/in.jsonl" | kafka_run)
tg_check_eq "-b, stdin a pipe: one warning, then the Kafka error" \
    "$(grep -c 'stdin is not read' <<<"$out") $(head -n 1 <<<"$out")" "1 $notice"
out=$(kafka_run <"$TG_TMP/in.jsonl")
tg_check_eq "-b, stdin a file: the same warning" "$(head -n 1 <<<"$out")" "$notice"
out=$(kafka_run </dev/null)
tg_check "-b, stdin /dev/null (cron, systemd): no warning" \
    test "$(grep -c 'stdin is not read' <<<"$out")" = 0 -a -n "$out"

# ---- a terminal on stdin: the environment chooses Kafka --------------------------
# on_terminal COMMAND...: runs COMMAND with a pseudo-terminal as stdin (its
# master side stays open in COMMAND, or the terminal would be hung up).
on_terminal() {
    exec python3 -c 'import os, pty, sys
master, slave = pty.openpty()
os.set_inheritable(master, True)
os.dup2(slave, 0)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}
KAFKA_BOOTSTRAP_SERVERS=$B on_terminal tgcount -w 1m -v >"$TG_TMP/tty.out" 2>"$TG_TMP/tty.err" &
pid=$!
tg_cleanup_push "kill -9 $pid 2>/dev/null"
tg_wait_until 30 grep -q '^tgcount: assigned telegram_messages\[0\]' "$TG_TMP/tty.err"
tg_check "\$KAFKA_BOOTSTRAP_SERVERS, stdin a terminal: Kafka is read" \
    grep -q '^tgcount: assigned telegram_messages\[0\]' "$TG_TMP/tty.err"
kill -TERM "$pid"
wait "$pid"
tg_check_eq "\$KAFKA_BOOTSTRAP_SERVERS, stdin a terminal: SIGTERM ends with exit 0" "$?" 0
tg_check "\$KAFKA_BOOTSTRAP_SERVERS, stdin a terminal: no warning about stdin" \
    test "$(grep -c 'stdin is not read' "$TG_TMP/tty.err")" = 0
