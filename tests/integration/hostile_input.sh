#!/usr/bin/env bash
# The hostile input catalogue (README, "Hostile input"), through tgcount's stdin and, for a few
# cases, through Kafka: binary garbage, NUL bytes, a 10 MB line, 100,000-deep
# nesting, invalid UTF-8, numbers out of range, years 0, 9999 and 10000,
# duplicate keys, usernames of 1 MB (and of 300 KB, which are counted, cut).
#
# Each case puts its hostile lines between good records and asserts: exit 0,
# no sanitizer report (run with TG_BINDIR at a `make SANITIZE=1` build to
# make that bite), stats malformed= exactly the number of hostile lines, and
# stdout byte-identical to tgcount's on the good records alone.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require python3

if nm -D "$(command -v tgcount)" 2>/dev/null | grep -q __asan_init ||
    nm "$(command -v tgcount)" 2>/dev/null | grep -q __asan_init; then
    echo "# tgcount is built with AddressSanitizer"
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
ARGS=(-w 1m -w 10s/5s --stats)

# Good records on both sides of the hostile lines, 2 s apart, including a
# group chat (negative channel_id), an id-only user and an anonymous one.
good() { # FIRST COUNT: records FIRST..FIRST+COUNT-1
    local i names=(alice bob carol "zoë" dave)
    for ((i = $1; i < $1 + $2; i++)); do
        printf '{"event_time":"2024-05-01T12:%02d:%02dZ","channel_id":-1001,"message_id":%d,' \
            $((i * 2 / 60)) $((i * 2 % 60)) "$((i + 1))"
        case $((i % 7)) in
            5) printf '"user_id":%d,"username":null,"text":"m%d"}\n' $((900 + i % 2)) "$i" ;;
            6) printf '"user_id":null,"username":null,"text":"m%d"}\n' "$i" ;;
            *) printf '"user_id":%d,"username":"%s","text":"m%d"}\n' $((i % 5 + 1)) \
                "${names[i % 5]}" "$i" ;;
        esac
    done
}
good 0 20 >"$TG_TMP/before.jsonl"
good 20 20 >"$TG_TMP/after.jsonl"
cat "$TG_TMP/before.jsonl" "$TG_TMP/after.jsonl" >"$TG_TMP/good.jsonl"
tgcount "${ARGS[@]}" <"$TG_TMP/good.jsonl" >"$TG_TMP/good.out" 2>"$TG_TMP/good.err"
tg_check_eq "good records alone: exit 0" "$?" 0
tg_check "good records alone: counted" grep -q 'read=40 counted=40 malformed=0' "$TG_TMP/good.err"

no_sanitizer_report() {
    ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer' "$1"
}

# hostile NAME MALFORMED [EXPECTED_OUT]: runs tgcount on before + the hostile
# lines in $TG_TMP/NAME.lines + after, and checks the verdict.
hostile() {
    local name=$1 malformed=$2 expected=${3:-$TG_TMP/good.out} status
    cat "$TG_TMP/before.jsonl" "$TG_TMP/$name.lines" "$TG_TMP/after.jsonl" >"$TG_TMP/$name.in"
    tgcount "${ARGS[@]}" <"$TG_TMP/$name.in" >"$TG_TMP/$name.out" 2>"$TG_TMP/$name.err"
    status=$?
    tg_check_eq "$name: exit 0" "$status" 0
    tg_check "$name: no sanitizer report" no_sanitizer_report "$TG_TMP/$name.err"
    tg_check "$name: malformed=$malformed" grep -q " malformed=$malformed " "$TG_TMP/$name.err"
    tg_check_files_eq "$name: output equals the good records'" "$TG_TMP/$name.out" "$expected"
}

# reason NAME TEXT: the first report of case NAME gives this reason.
reason() {
    tg_check "$1: reported as \"$2\"" grep -qF -- "$2" "$TG_TMP/$1.err"
}

# ---- binary garbage --------------------------------------------------------
# Three lines of seeded random bytes (newlines taken out, so each is one
# line; none is blank), one of them starting like a record.
python3 - >"$TG_TMP/garbage.lines" <<'EOF'
import random, sys
r = random.Random(7)
out = sys.stdout.buffer
for n in (4096, 100, 65536):
    b = bytes(r.randrange(256) for _ in range(n)).replace(b"\n", b"\x00")
    out.write(b + b"\n")
out.write(b'{"event_time":"2024-05-01T12:00:03Z",' + bytes(range(0x80, 0x100)) + b"\n")
EOF
hostile garbage 4

# ---- NUL bytes inside a line -------------------------------------------------
{
    # right after a number, true or null, where jansson alone would let it pass
    printf '{"event_time":"2024-05-01T12:00:03Z","user_id":5\0,"username":"alice"}\n'
    printf '{"event_time":"2024-05-01T12:00:03Z","username":"alice","user_id":true\0}\n'
    printf '{"event_time":"2024-05-01T12:00:03Z","username":null\0,"user_id":1}\n'
    printf '{"event_time":"2024-05-01T12:00:03Z","username":"al\0ice"}\n'
    printf '{"event_time":"2024-05-01T12:00:03Z","username":"alice"}\0\n'
    printf '\0{"event_time":"2024-05-01T12:00:03Z","username":"alice"}\n'
    printf '{"event_time":"2024-05-01T12:00:03Z\0","username":"alice"}\n'
    printf '\0\0\0\0\n'
} >"$TG_TMP/nul.lines"
hostile nul 8
reason nul "NUL byte at byte"

# ---- a 10 MB line --------------------------------------------------------------
# A well-formed record, only too large (--max-record is 1 MiB by default).
{
    printf '{"event_time":"2024-05-01T12:00:03Z","username":"alice","text":"'
    head -c 10485760 /dev/zero | tr '\0' x
    printf '"}\n'
} >"$TG_TMP/ten_mb.lines"
hostile ten_mb 1
reason ten_mb "line longer than --max-record"

# ---- 100,000-deep nesting ------------------------------------------------------
python3 - >"$TG_TMP/deep.lines" <<'EOF'
d = 100000
head = '{"event_time":"2024-05-01T12:00:03Z","username":"alice","x":'
print(head + "[" * d + "]" * d + "}")
print(head + '{"a":' * d + "1" + "}" * d + "}")
print(head + "[" * d)
print("[" * d + "]" * d)
EOF
hostile deep 4

# ---- invalid UTF-8 ---------------------------------------------------------------
{
    for bad in '\xff' '\xc0\xaf' '\xed\xa0\x80' '\xe2\x82' '\xf4\x90\x80\x80' '\x80'; do
        printf '{"event_time":"2024-05-01T12:00:03Z","username":"al%bice"}\n' "$bad"
    done
    printf '{"event_time":"2024-05-01T12:00:03Z","user\xfename":"alice"}\n'
    printf '{"event_time":"2024-05-01T12:00:03Z","username":"alice","text":"\\ud800"}\n'
} >"$TG_TMP/utf8.lines"
hostile utf8 8

# ---- numbers out of range ------------------------------------------------------------
{
    r='"event_time":"2024-05-01T12:00:03Z","channel_id":-1001'
    printf '{%s,"message_id":-5,"user_id":1,"username":"alice"}\n' "$r"
    printf '{%s,"message_id":99,"user_id":-7,"username":"alice"}\n' "$r"
    printf '{%s,"message_id":99,"user_id":1,"username":"alice","text_length":1e400}\n' "$r"
    printf '{%s,"message_id":99,"user_id":1,"username":"alice","text_length":-1e400}\n' "$r"
    printf '{%s,"message_id":18446744073709551616,"user_id":1,"username":"alice"}\n' "$r"
    printf '{%s,"message_id":99,"user_id":18446744073709551616}\n' "$r"
    printf '{%s,"message_id":99,"user_id":-18446744073709551616}\n' "$r"
    printf '{%s,"message_id":9223372036854775808,"username":"alice"}\n' "$r"
    printf '{%s,"message_id":99,"user_id":-7}\n' "$r"
} >"$TG_TMP/numbers.lines"
# (only the first five are reported one by one)
hostile numbers 9
reason numbers "message_id is negative"
reason numbers "user_id is negative"

# ---- years 0, 9999 and 10000 ----------------------------------------------------------
# One record dated 9999 must not make the good records after it late: only
# event times in 1970..2099 are counted (README, "Hostile input").
{
    printf '{"event_time":"0000-01-01T00:00:00Z","username":"alice"}\n'
    printf '{"event_time":"9999-12-31T23:59:59Z","username":"alice"}\n'
    printf '{"event_time":"10000-01-01T00:00:00Z","username":"alice"}\n'
    printf '{"event_time":"2100-01-01T00:00:00Z","username":"alice"}\n'
    printf '{"event_time":"1969-12-31T23:59:59.999Z","username":"alice"}\n'
} >"$TG_TMP/years.lines"
hostile years 5
reason years "event_time out of range (1970..2099)"
tg_check "years: nothing late" grep -q ' late=0 ' "$TG_TMP/years.err"

# ---- duplicate keys --------------------------------------------------------------------
{
    printf '{"event_time":"2024-05-01T12:00:03Z","username":"alice","username":"bob"}\n'
    printf '{"event_time":"2024-05-01T12:00:03Z","event_time":"2024-05-01T12:00:04Z"}\n'
    printf '{"event_time":"2024-05-01T12:00:03Z","text":"a","text":"a"}\n'
    printf '{"event_time":"2024-05-01T12:00:03Z","user_id":1,"user\\u005fid":2}\n'
} >"$TG_TMP/dupkeys.lines"
hostile dupkeys 4

# ---- usernames of 1 MB and of 300 KB ------------------------------------------------------
# 1 MB of name makes the line longer than --max-record (1 MiB): malformed.
{
    printf '{"event_time":"2024-05-01T12:00:03Z","username":"'
    head -c 1048576 /dev/zero | tr '\0' u
    printf '"}\n'
} >"$TG_TMP/name_1mb.lines"
hostile name_1mb 1

# 300 KB of name ("a" then 2-byte "é"s) is under the limit: counted under
# its first 256 bytes cut on a character boundary (255 bytes), and said so
# in the stats.  Expected: the good records plus that record with the
# name already cut.
cut_name="a$(printf 'é%.0s' $(seq 127))"
python3 -c '
import sys
name = "a" + "é" * 150000
sys.stdout.write("{\"event_time\":\"2024-05-01T12:00:03Z\",\"username\":\"%s\"}\n" % name)
' >"$TG_TMP/name_300k.lines"
printf '{"event_time":"2024-05-01T12:00:03Z","username":"%s"}\n' "$cut_name" |
    cat "$TG_TMP/before.jsonl" - "$TG_TMP/after.jsonl" |
    tgcount "${ARGS[@]}" >"$TG_TMP/name_300k.expected" 2>/dev/null
tg_check "300 KB username: the cut name is 255 bytes" \
    test "$(printf '%s' "$cut_name" | wc -c)" = 255
hostile name_300k 0 "$TG_TMP/name_300k.expected"
tg_check "300 KB username: truncated=1" grep -q ' truncated=1 ' "$TG_TMP/name_300k.err"
tg_check "300 KB username: counted under the cut name" \
    grep -qxF "$cut_name, 1" "$TG_TMP/name_300k.out"

# ---- everything at once, split over two FILE operands --------------------------------------
cat "$TG_TMP"/{garbage,nul,deep,utf8,numbers,years,dupkeys}.lines >"$TG_TMP/all.lines"
total=$(($(wc -l <"$TG_TMP/all.lines")))
cat "$TG_TMP/before.jsonl" "$TG_TMP/all.lines" >"$TG_TMP/all1.jsonl"
tgcount "${ARGS[@]}" "$TG_TMP/all1.jsonl" "$TG_TMP/after.jsonl" >"$TG_TMP/all.out" \
    2>"$TG_TMP/all.err"
tg_check_eq "all cases in one file: exit 0" "$?" 0
tg_check "all cases in one file: malformed=$total" grep -q " malformed=$total " "$TG_TMP/all.err"
tg_check_files_eq "all cases in one file: output equals the good records'" \
    "$TG_TMP/all.out" "$TG_TMP/good.out"

# ---- through Kafka --------------------------------------------------------------------------
# Each case as one message between the good ones, on one partition, must
# give what stdin gives.  The 10 MB line is left out: the local broker
# keeps only the last ~5 MB of a partition, so it would be gone before
# anyone fetched it (tgcount_faults.sh sends a 4 MB one).  The 1 MB and
# 300 KB usernames go too, past kcat's default 1 MB message limit.  kcat
# splits on newlines, so each line is one message.
if ! command -v kcat >/dev/null 2>&1; then
    tg_skip "through Kafka" "kcat is not installed"
    exit 0
fi
export TG_USE_REAL_KAFKA=0
tg_broker_start --topic hostile:1
cat "$TG_TMP/before.jsonl" "$TG_TMP/all.lines" "$TG_TMP/name_1mb.lines" \
    "$TG_TMP/name_300k.lines" "$TG_TMP/after.jsonl" >"$TG_TMP/kafka.in"
total=$((total + 1))
timeout 30 kcat -P -b "$TG_BROKERS" -t hostile -X message.max.bytes=4000000 \
    -l "$TG_TMP/kafka.in"
tg_check_eq "Kafka: produced" "$?" 0
tgcount "${ARGS[@]}" <"$TG_TMP/kafka.in" >"$TG_TMP/kafka.expected" 2>"$TG_TMP/kafka.expected.err"
timeout 60 tgcount -b "$TG_BROKERS" -t hostile -G hostile -o beginning -e "${ARGS[@]}" \
    >"$TG_TMP/kafka.out" 2>"$TG_TMP/kafka.err"
tg_check_eq "Kafka: exit 0" "$?" 0
tg_check "Kafka: no sanitizer report" no_sanitizer_report "$TG_TMP/kafka.err"
tg_check "Kafka: malformed=$total" grep -q " malformed=$total " "$TG_TMP/kafka.err"
tg_check "Kafka: stdin agrees" grep -q " malformed=$total " "$TG_TMP/kafka.expected.err"
tg_check "Kafka: the 300 KB username truncated" grep -q " truncated=1 " "$TG_TMP/kafka.err"
tg_check_stopped_eq "Kafka: output equals stdin's" "$TG_TMP/kafka.out" "$TG_TMP/kafka.expected"
tg_check "Kafka: reported with topic[partition]@offset" grep -q 'hostile\[0\]@20: ' \
    "$TG_TMP/kafka.err"
