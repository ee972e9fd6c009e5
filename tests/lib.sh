# tests/lib.sh - shared helpers for integration scripts.  Source it first:
#
#   . "$(dirname "$0")/../lib.sh"
#   tg_check "name" test "$(...)" = expected
#   ...
#   (the summary is printed at exit)
#
# Every script gets a private temporary directory ($TG_TMP), removed at exit,
# and every background process registered with tg_cleanup_push or started by
# tg_broker_start is stopped at exit, whether the script passes, fails or is
# interrupted.

set -u
TG_TOP=${TG_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
TG_BINDIR=${TG_BINDIR:-$TG_TOP/bin}
export PATH="$TG_BINDIR:$PATH"
TG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tgstream-it.XXXXXX")
tg_passed=0
tg_failed=0
tg_skipped=0
tg_cleanups=()

# Registers a shell command to run at exit (last registered runs first).
tg_cleanup_push() { tg_cleanups+=("$1"); }

tg__exit() {
    local status=$? i
    # A background child signalled between fork and exec still runs these
    # traps: only the script itself may clean up (and remove $TG_TMP).
    [ "$BASHPID" = "$$" ] || exit "$status"
    for ((i = ${#tg_cleanups[@]} - 1; i >= 0; i--)); do
        eval "${tg_cleanups[$i]}" >/dev/null 2>&1 || true
    done
    rm -rf "$TG_TMP"
    echo "$tg_passed passed, $tg_failed failed, $tg_skipped skipped"
    if [ "$tg_failed" -ne 0 ]; then exit 1; fi
    exit "$status"
}
trap tg__exit EXIT
trap 'exit 130' INT TERM

tg_pass() { tg_passed=$((tg_passed + 1)); echo "ok - $1"; }
tg_fail() {
    tg_failed=$((tg_failed + 1))
    echo "FAIL - $1${2:+: $2}"
}
tg_skip() { tg_skipped=$((tg_skipped + 1)); echo "SKIP - $1: $2"; }

# tg_check NAME COMMAND...: passes when the command succeeds.
tg_check() {
    local name=$1
    shift
    if "$@"; then tg_pass "$name"; else tg_fail "$name" "command failed: $*"; fi
}

# tg_check_eq NAME ACTUAL EXPECTED: passes when the two strings are equal;
# on failure shows a diff.
tg_check_eq() {
    if [ "$2" = "$3" ]; then
        tg_pass "$1"
    else
        tg_fail "$1" "output differs"
        diff <(printf '%s\n' "$3") <(printf '%s\n' "$2") | head -n 30 | sed 's/^/  /'
    fi
}

# tg_check_files_eq NAME ACTUAL_FILE EXPECTED_FILE
tg_check_files_eq() {
    if cmp -s "$2" "$3"; then
        tg_pass "$1"
    else
        tg_fail "$1" "files differ: $2 $3"
        diff "$3" "$2" | head -n 30 | sed 's/^/  /'
    fi
}

# tg_unmark FILE: tgcount's text output with the " provisional" marks of
# window headers removed.
tg_unmark() {
    sed 's/^\(# .*\) provisional$/\1/' "$1"
}

# tg_check_stopped_eq NAME ACTUAL_FILE EXPECTED_FILE: for text output of a
# run that stopped before its input ended (Kafka -e, a signal), in --emit
# final mode: the same windows and counts as EXPECTED (a run over the
# complete input) once the marks are removed, and the provisional windows
# are the last ones printed (those still open at the stop), at least one.
tg_check_stopped_eq() {
    local name=$1 actual=$2 expected=$3 order
    tg_unmark "$actual" >"$actual.unmarked"
    order=$(grep '^# ' "$actual" | sed 's/.* provisional$/P/; t; s/.*/F/' | tr -d '\n')
    if ! cmp -s "$actual.unmarked" "$expected"; then
        tg_fail "$name" "files differ (marks removed): $actual $expected"
        diff "$expected" "$actual.unmarked" | head -n 30 | sed 's/^/  /'
    elif ! [[ $order =~ ^F*P+$ ]]; then
        tg_fail "$name" "provisional windows are not the last ones, or none: $order"
    else
        tg_pass "$name"
    fi
}

# tg_wait_until TIMEOUT_SECONDS COMMAND...: polls the command every 50 ms
# until it succeeds (returns 0) or the timeout passes (returns 1).  For
# awaiting a condition; never use a bare sleep where a condition exists.
tg_wait_until() {
    local timeout=$1 deadline
    shift
    deadline=$(($(date +%s%N) / 1000000 + timeout * 1000))
    while ! "$@" 2>/dev/null; do
        if [ $(($(date +%s%N) / 1000000)) -ge "$deadline" ]; then return 1; fi
        sleep 0.05
    done
    return 0
}

# tg_field NAME LINE: the value of NAME=VALUE in LINE (space-separated
# fields, as tgcount's stats line and tg-changelog's print them).
tg_field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# tg_require COMMAND: skips the whole script (visibly) when a tool is
# missing.  Under CI the runner turns skips into failures.
tg_require() {
    if ! command -v "$1" >/dev/null 2>&1; then
        tg_skip "$(basename "$0")" "$1 is not installed"
        exit 0
    fi
}

# ---- local broker -------------------------------------------------------

# tg_broker_start [kafka-local start options...]: starts a private local
# broker (scripts/kafka-local) in $TG_TMP and sets TG_BROKERS to its
# bootstrap address; it is stopped at exit, and stops itself should this
# script die without cleaning up (--owner).  When KAFKA_BOOTSTRAP_SERVERS
# names a real cluster, that is used instead and no broker is started
# (set TG_USE_REAL_KAFKA=0 to keep the local one).
#
# Know the local broker's limits (README, "Local broker"): each partition
# keeps only the last ~5 MB; a group a consumer just left takes up to
# session.timeout.ms to rebalance for the next one (use a fresh group.id or
# -X session.timeout.ms=6000 when a test restarts a consumer); auto-created
# topics get 4 partitions.
tg_broker_start() {
    if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ] && [ "${TG_USE_REAL_KAFKA:-1}" = 1 ]; then
        TG_BROKERS=$KAFKA_BOOTSTRAP_SERVERS
        TG_BROKER_DIR=""
        export TG_BROKERS
        return 0
    fi
    TG_BROKER_DIR="$TG_TMP/kafka-local"
    tg_cleanup_push "\"$TG_TOP/scripts/kafka-local\" stop --dir \"$TG_BROKER_DIR\""
    TG_BROKERS=$("$TG_TOP/scripts/kafka-local" start --dir "$TG_BROKER_DIR" --owner $$ "$@") || {
        tg_fail "broker start" "scripts/kafka-local start failed"
        exit 1
    }
    export TG_BROKERS
}

# tg_kafka_local COMMAND [ARGS...]: scripts/kafka-local on this script's
# broker, e.g. tg_kafka_local status, tg_kafka_local topic extra 3.
tg_kafka_local() {
    local command=$1
    shift
    "$TG_TOP/scripts/kafka-local" "$command" --dir "${TG_BROKER_DIR:?no local broker}" "$@"
}

# Fault injection.  tg_broker_down [ID]: every broker (or broker ID) drops
# its connections and refuses new ones until tg_broker_up [ID].  Both return
# once the broker has applied the change.  Scripts that use them call
# tg_broker_require_local after tg_broker_start: a real cluster cannot be
# taken down.
tg_broker_down() { tg_kafka_local down "$@"; }
tg_broker_up() { tg_kafka_local up "$@"; }

tg_broker_require_local() {
    if [ -z "${TG_BROKER_DIR:-}" ]; then
        tg_skip "$(basename "$0")" "needs the local broker (KAFKA_BOOTSTRAP_SERVERS is set)"
        exit 0
    fi
}
