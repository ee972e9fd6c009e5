#!/usr/bin/env bash
# One bad clock cannot silence a stream (README, "Hostile input"): a record
# stamped more than --max-future (default 1h) ahead of the wall clock is
# malformed, so the watermark never jumps to it and the records after it
# still count; records from the past are unaffected; --max-future off
# turns the bound off.  tgproducer --fake --speed max --count N without
# --start ends near now, so the README's first pipeline loses nothing to
# the bound.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require tgproducer
tg_require jq

now=$(date -u +%s)
stamp() { date -u -d "@$((now + $1))" +%Y-%m-%dT%H:%M:%SZ; }
rec() { printf '{"event_time":"%s","channel_id":1,"message_id":%d,"username":"%s"}\n' "$@"; }
{
    rec "$(stamp -120)" 1 before
    rec "$(stamp 7200)" 2 two_hours_ahead
    rec "2099-12-31T23:59:59Z" 3 year_2099
    rec "$(stamp 1800)" 4 half_an_hour_ahead
    rec "$(stamp -110)" 5 after
} >"$TG_TMP/clock.jsonl"

# ---- the default bound, 1h -------------------------------------------------------
tgcount -w 1h -l 2h --stats "$TG_TMP/clock.jsonl" >"$TG_TMP/default.out" 2>"$TG_TMP/default.err"
tg_check_eq "default: exit 0" "$?" 0
tg_check "default: two records refused" grep -q ' malformed=2 late=0 ' "$TG_TMP/default.err"
tg_check "default: the reason names the record's time and the option" grep -qF \
    "clock.jsonl:2: event_time $(stamp 7200) is more than 1h ahead of the clock (--max-future)" \
    "$TG_TMP/default.err"
tg_check "default: 2099 refused too" grep -qF \
    "clock.jsonl:3: event_time 2099-12-31T23:59:59Z is more than 1h ahead of the clock" \
    "$TG_TMP/default.err"
tg_check "default: the records after them count" grep -qx 'after, 1' "$TG_TMP/default.out"
tg_check "default: half an hour ahead is within the bound" \
    grep -qx 'half_an_hour_ahead, 1' "$TG_TMP/default.out"

# With the default lateness the 2099 record, had it counted, would make every
# later record late: refused, it leaves them alone.
tgcount -w 1m --stats "$TG_TMP/clock.jsonl" >/dev/null 2>"$TG_TMP/late.err"
tg_check "default lateness: after the bad clock, one record late (the one 30 min behind)" \
    grep -q ' malformed=2 late=1 ' "$TG_TMP/late.err"

# ---- other bounds ----------------------------------------------------------------------
tgcount -w 1h -l 2h --max-future 10m --stats "$TG_TMP/clock.jsonl" >/dev/null \
    2>"$TG_TMP/ten.err"
tg_check "--max-future 10m: half an hour ahead refused" grep -q ' malformed=3 ' "$TG_TMP/ten.err"
tg_check "--max-future 10m: said so" grep -qF "is more than 10m ahead of the clock" \
    "$TG_TMP/ten.err"
tgcount -w 1h -l 2h --max-future off --stats "$TG_TMP/clock.jsonl" >"$TG_TMP/off.out" \
    2>"$TG_TMP/off.err"
tg_check "--max-future off: nothing refused" grep -q ' malformed=0 ' "$TG_TMP/off.err"
tg_check "--max-future off: 2099 counted" grep -qx 'year_2099, 1' "$TG_TMP/off.out"
tgcount --max-future 1.5h </dev/null >/dev/null 2>"$TG_TMP/bad.err"
tg_check_eq "--max-future 1.5h: exit 64" "$?" 64
tg_check "--max-future 1.5h: the duration rule's words" grep -qF \
    -- '--max-future: invalid duration "1.5h"' "$TG_TMP/bad.err"

# Records from the past are unaffected: an old file gives what it gave.
g=$TG_TOP/tests/golden/default_windows
tg_check_files_eq "an old file: unchanged output" <(tgcount "$g/input.jsonl" 2>/dev/null) \
    "$g/expected"

# ---- tgproducer --fake --speed max --count N ends near now ------------------------------
tgproducer --fake --count 100000 --speed max --stdout >"$TG_TMP/fake.jsonl"
secs() { jq -r '.event_time | sub("\\.[0-9]+"; "") | fromdate' <<<"$1"; }
first=$(secs "$(head -n 1 "$TG_TMP/fake.jsonl")")
last=$(secs "$(tail -n 1 "$TG_TMP/fake.jsonl")")
end=$(date -u +%s)
tg_check "fake: starts about 100,000/5 s before now (got $((end - first)) s)" \
    test $((end - first)) -gt 19000 -a $((end - first)) -lt 21000
tg_check "fake: ends near now (got $((last - end)) s from it)" \
    test $((last - end)) -gt -900 -a $((last - end)) -lt 60
start=$(tgproducer --fake --count 3 --start 2026-01-01T00:00:00.250Z --speed max --stdout |
    head -n 1 | jq -r .event_time)
tg_check_eq "fake: --start stays exact" "$start" "2026-01-01T00:00:00.250Z"

# README's first pipeline: nothing refused, nothing late.
tgproducer --fake --count 100000 --speed max --stdout |
    tgcount --top 5 --stats >/dev/null 2>"$TG_TMP/readme.err"
tg_check "README pipeline: every record counted" \
    grep -q 'read=100000 counted=100000 malformed=0 late=0 ' "$TG_TMP/readme.err"

# ---- through Kafka -----------------------------------------------------------------------
if ! command -v kcat >/dev/null 2>&1; then
    tg_skip "through Kafka" "kcat is not installed"
    exit 0
fi
export TG_USE_REAL_KAFKA=0
tg_broker_start --topic clock:1
kcat -P -b "$TG_BROKERS" -t clock -l "$TG_TMP/clock.jsonl"
tg_check_eq "Kafka: produced" "$?" 0
timeout 60 tgcount -b "$TG_BROKERS" -t clock -G clock -o beginning -e -w 1h -l 2h --stats \
    >"$TG_TMP/kafka.out" 2>"$TG_TMP/kafka.err"
tg_check_eq "Kafka: exit 0" "$?" 0
tg_check "Kafka: the same two refused" grep -q ' malformed=2 late=0 ' "$TG_TMP/kafka.err"
tg_check "Kafka: reported as topic[partition]@offset" grep -qF \
    "clock[0]@1: event_time $(stamp 7200) is more than 1h ahead of the clock" "$TG_TMP/kafka.err"
tg_check_stopped_eq "Kafka: output equals the file's" "$TG_TMP/kafka.out" "$TG_TMP/default.out"
