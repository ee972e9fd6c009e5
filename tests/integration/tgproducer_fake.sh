#!/usr/bin/env bash
# tgproducer --fake --stdout through the real binary: determinism, --count,
# the schema, unique ids, --start/--rate, --speed pacing, signals, EPIPE,
# --stats, and the command-line rules (exit codes, the token never in argv).
. "$(dirname "$0")/../lib.sh"
tg_require tgproducer
tg_require jq

START=2026-01-01T00:00:00Z
START_S=1767225600 # date -u -d 2026-01-01T00:00:00Z +%s
fake() { tgproducer --fake --stdout --start "$START" --speed max "$@"; }
fails() { ! "$@"; }

# ---- determinism and --count ----------------------------------------------
fake --seed 42 --count 3000 >"$TG_TMP/a.jsonl"
tg_check_eq "exit 0" "$?" 0
fake --seed 42 --count 3000 >"$TG_TMP/b.jsonl"
tg_check "same seed, identical bytes" cmp -s "$TG_TMP/a.jsonl" "$TG_TMP/b.jsonl"
fake --seed 43 --count 3000 >"$TG_TMP/c.jsonl"
tg_check "other seed, other bytes" fails cmp -s "$TG_TMP/a.jsonl" "$TG_TMP/c.jsonl"
tg_check_eq "--count is exact" "$(wc -l <"$TG_TMP/a.jsonl")" 3000
fake --seed 42 --count 1000 >"$TG_TMP/prefix.jsonl"
tg_check_eq "a smaller --count is a prefix" "$(head -n 1000 "$TG_TMP/a.jsonl" | md5sum)" \
    "$(md5sum <"$TG_TMP/prefix.jsonl")"
tg_check_eq "--count 0 writes nothing" "$(fake --count 0 | wc -c)" 0
tg_check "the default seed is fixed" \
    cmp -s <(fake --count 200) <(fake --count 200 --seed 1)

# ---- the records ----------------------------------------------------------
tg_check "every line is a record with the schema's fields in order" \
    jq -e -c 'keys_unsorted == ["event_time","channel_id","channel_name","message_id",
        "user_id","username","first_name","last_name","text","text_length"]
        and (.text | length) == .text_length' "$TG_TMP/a.jsonl" -r >/dev/null
tg_check_eq "every (channel_id, message_id) is unique" \
    "$(jq -r '"\(.channel_id) \(.message_id)"' "$TG_TMP/a.jsonl" | sort | uniq -d | wc -l)" 0
tg_check "some senders have no username" \
    jq -e -s 'map(select(.user_id != null and .username == null)) | length > 0' "$TG_TMP/a.jsonl"
tg_check "some records are anonymous channel posts" \
    jq -e -s 'map(select(.user_id == null and .username != null)) | length > 0' "$TG_TMP/a.jsonl"
tg_check "some usernames are Cyrillic" env LC_ALL=C grep -q $'"username":"[\xd0\xd1]' "$TG_TMP/a.jsonl"
users=$(jq -r 'select(.user_id != null) | .user_id' "$TG_TMP/a.jsonl" | sort -u | wc -l)
tg_check "at most --users distinct senders (default 50): $users" test "$users" -le 50
fake --users 7 --count 2000 >"$TG_TMP/u7.jsonl"
users=$(jq -r 'select(.user_id != null) | .user_id' "$TG_TMP/u7.jsonl" | sort -u | wc -l)
tg_check_eq "--users 7" "$users" 7
# Zipf: the most active sender clearly ahead of the median one.
read -r top median < <(jq -r 'select(.user_id != null) | .user_id' "$TG_TMP/a.jsonl" |
    sort | uniq -c | sort -rn | awk '{c[NR] = $1} END {print c[1], c[int((NR + 1) / 2)]}')
tg_check "skewed activity: top $top > 5 x median $median" test "$top" -gt $((5 * median))

# ---- event times ----------------------------------------------------------
tg_check_eq "--start is the first event time" \
    "$(head -n 1 "$TG_TMP/a.jsonl" | jq -r .event_time)" "$START"
# 2000 gaps of mean 1/20 s: about 100 s; the spread of the sum is ~2%.
last=$(fake --rate 20 --count 2001 | tail -n 1 | jq -r '.event_time | sub("\\.[0-9]+";"") | fromdate')
span=$((last - START_S))
tg_check "--rate 20: 2000 gaps span about 100 s ($span)" test "$span" -ge 90 -a "$span" -le 110
tg_check "event times never decrease" \
    jq -e -s 'map(.event_time | sub("\\.[0-9]+";"") | fromdate) | . == sort' "$TG_TMP/a.jsonl"

# ---- --speed pacing ---------------------------------------------------------
# --rate 10 --speed 10: the 20th record is due (its event offset)/10 after
# the start.  Expected from the records' own times; loose bounds.
t0=$(date +%s%N)
tgproducer --fake --stdout --start "$START" --seed 5 --rate 10 --speed 10 --count 20 \
    >"$TG_TMP/paced.jsonl"
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
offset_ms=$(tail -n 1 "$TG_TMP/paced.jsonl" | jq -r '.event_time' |
    jq -R 'capture("T(?<h>..):(?<m>..):(?<s>..)(\\.(?<ms>...))?") |
        ((.h|tonumber)*3600 + (.m|tonumber)*60 + (.s|tonumber)) * 1000 +
        ((.ms // "0")|tonumber)')
want_ms=$((offset_ms / 10))
tg_check "--speed 10 paces by event time (${elapsed_ms} ms, want ~${want_ms} ms)" \
    test "$elapsed_ms" -ge $((want_ms - 50)) -a "$elapsed_ms" -le $((want_ms + 1500))
tg_check_eq "paced output equals unpaced output" \
    "$(md5sum <"$TG_TMP/paced.jsonl")" \
    "$(fake --seed 5 --rate 10 --count 20 | md5sum)"

# Records are visible while the producer waits for the next one, and
# SIGTERM ends it with exit 0 and whole lines.
tgproducer --fake --stdout --rate 2 --speed 1 >"$TG_TMP/live.jsonl" 2>"$TG_TMP/live.err" &
pid=$!
tg_cleanup_push "kill $pid"
tg_check "the first record appears before the next is due" \
    tg_wait_until 5 test -s "$TG_TMP/live.jsonl"
kill -TERM "$pid"
wait "$pid"
tg_check_eq "SIGTERM: exit 0" "$?" 0
tg_check "SIGTERM: whole lines only" jq -e . "$TG_TMP/live.jsonl" >/dev/null
tg_check_eq "SIGTERM: nothing on stderr" "$(cat "$TG_TMP/live.err")" ""

tgproducer --fake --stdout --speed max >/dev/null 2>"$TG_TMP/int.err" &
pid=$!
tg_cleanup_push "kill $pid"
sleep 0.2 # let it run; there is no condition to await for "is generating"
kill -INT "$pid"
wait "$pid"
tg_check_eq "SIGINT on an unlimited run: exit 0" "$?" 0

# ---- EPIPE, --stats ----------------------------------------------------------
tgproducer --fake --stdout --speed max 2>"$TG_TMP/pipe.err" | head -n 3 >/dev/null
tg_check_eq "reader gone (| head): exit 0" "${PIPESTATUS[0]}" 0
tg_check_eq "reader gone: quiet" "$(cat "$TG_TMP/pipe.err")" ""

fake --count 1234 --stats >/dev/null 2>"$TG_TMP/stats.err"
tg_check "--stats: counters on stderr" \
    grep -q '^tgproducer: stats: 1234 records produced, 0 delivery failures' "$TG_TMP/stats.err"
tg_check_eq "--stats: stdout unchanged" "$(fake --count 1234 --stats 2>/dev/null | md5sum)" \
    "$(fake --count 1234 | md5sum)"

# ---- command line -------------------------------------------------------------
tgproducer --fake --count 5 --bogus >/dev/null 2>&1
tg_check_eq "unknown option: exit 64" "$?" 64
tgproducer --count 5 --stdout >/dev/null 2>&1
tg_check_eq "--count without --fake: exit 64" "$?" 64
tgproducer --fake --rate 0 >/dev/null 2>&1
tg_check_eq "--rate 0: exit 64" "$?" 64
tgproducer --help >"$TG_TMP/help.txt"
tg_check_eq "--help: exit 0" "$?" 0
tg_check "--help shows defaults" grep -q 'default: 50' "$TG_TMP/help.txt"
tg_check "--version" sh -c 'tgproducer --version | grep -q "^tgproducer [0-9]"'
man_page="$TG_TOP/producer/tgproducer.1"
missing=""
for opt in $(grep -oE -- '--[a-z][a-z-]+' "$TG_TMP/help.txt" | sort -u); do
    grep -q -- "${opt//-/\\\\-}" "$man_page" || missing="$missing $opt"
done
tg_check_eq "the man page documents every --help option" "$missing" ""

# ---- the token ------------------------------------------------------------------
token="123456789:AAEfake-token-for-tests-0123456789abc"
env -u TELEGRAM_BOT_TOKEN tgproducer --token "$token" --once >/dev/null 2>"$TG_TMP/tok.err"
tg_check_eq "--token VALUE: exit 64" "$?" 64
tg_check "--token: explains why" grep -q 'ps' "$TG_TMP/tok.err"
tg_check "--token: the value is not echoed" fails grep -q AAEfake "$TG_TMP/tok.err"
env -u TELEGRAM_BOT_TOKEN tgproducer "--token=$token" >/dev/null 2>"$TG_TMP/tok.err"
tg_check "--token=VALUE: the value is not echoed" fails grep -q AAEfake "$TG_TMP/tok.err"
env -u TELEGRAM_BOT_TOKEN tgproducer --once --stdout >/dev/null 2>"$TG_TMP/tok.err"
tg_check_eq "no token: exit 78" "$?" 78
printf '%s\n' "$token" >"$TG_TMP/token"
chmod 644 "$TG_TMP/token"
tgproducer --once --stdout --token-file "$TG_TMP/token" >/dev/null 2>"$TG_TMP/tok.err"
tg_check_eq "token file readable by others: exit 78" "$?" 78
tg_check "token file: names the problem" grep -q 'group or others' "$TG_TMP/tok.err"
tg_check "token file: the token is not echoed" fails grep -q AAEfake "$TG_TMP/tok.err"
