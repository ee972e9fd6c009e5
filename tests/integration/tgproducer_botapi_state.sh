#!/usr/bin/env bash
# The delivery-before-confirm guarantee and the state file under faults:
# SIGKILL in the middle of a batch's delivery (stdout blocked) confirms
# nothing and the next run fetches the batch again; SIGKILL right after
# records appear loses nothing over several rounds; an unwritable state
# directory gives a clear error and exit code and leaves the previous state
# file intact; a corrupt state file is refused, untouched.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tgproducer_botapi.lib"

# updates FIRST LAST [TEXT_BYTES]: a JSON array of messages FIRST..LAST.
updates() {
    python3 -c '
import json, sys
first, last, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
print(json.dumps([{"update_id": i, "message": {"message_id": i, "date": 1700000000 + i,
    "chat": {"id": -100300, "type": "supergroup", "title": "S"},
    "from": {"id": 10 + i % 5, "is_bot": False, "first_name": "U"},
    "text": ("m%d " % i).ljust(size, "x")}} for i in range(first, last + 1)]))' \
        "$1" "$2" "${3:-10}"
}
# ids FILE...: the sorted distinct message ids in record files (a line torn
# by a kill is not a record).
ids() { for f in "$@"; do whole "$f"; done | python3 -c 'import json,sys; print(sorted({json.loads(l)["message_id"] for l in sys.stdin}))'; }
# whole FILE: the complete record lines.
whole() { python3 -c '
import json, sys
for l in open(sys.argv[1]):
    try:
        json.loads(l)
        print(l, end="")
    except ValueError:
        pass' "$1"; }
seq_list() { python3 -c "print(list(range($1, $2 + 1)))"; }

# ---- SIGKILL while a batch is being delivered ----------------------------------------------
# 100 records of 1 KB do not fit in a 64 KB pipe: with nobody reading, the
# write blocks in the middle of the batch.
fb_start kill1
fb_append "$(updates 1 100 1000)"
mkfifo "$TG_TMP/pipe"
exec 3<>"$TG_TMP/pipe"
tgproducer --api-url "$FB_URL" --once --stdout >"$TG_TMP/pipe" 2>"$TG_TMP/kill1.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
blocked() { grep -q pipe_write "/proc/$pid/wchan"; }
tg_check "kill mid-delivery: the producer blocks writing the batch" tg_wait_until 10 blocked
kill -9 "$pid"
wait "$pid" 2>/dev/null
timeout 5 cat <&3 >"$TG_TMP/kill1.partial" &
catpid=$!
exec 3>&-
wait "$catpid"
n=$(whole "$TG_TMP/kill1.partial" | wc -l)
tg_check "kill mid-delivery: part of the batch was written ($n records)" \
    test "$n" -gt 0 -a "$n" -lt 100
tg_check_eq "kill mid-delivery: no offset confirmed" \
    "$(test -e "$STATE" && cat "$STATE")" ""
tp --once --stdout >"$TG_TMP/kill1.rest" 2>"$TG_TMP/kill1b.err"
tg_check_eq "kill mid-delivery: the next run exits 0" "$?" 0
tg_check_eq "kill mid-delivery: it fetched the batch again from offset 0" \
    "$(fb_log '[x["offset"] for x in g]')" '[0,0,101]'
tg_check_eq "kill mid-delivery: no message lost" \
    "$(ids "$TG_TMP/kill1.partial" "$TG_TMP/kill1.rest")" "$(seq_list 1 100)"
tg_check_eq "kill mid-delivery: the duplicates are the part written before the kill" \
    "$( (whole "$TG_TMP/kill1.partial"; whole "$TG_TMP/kill1.rest") | wc -l)" $((100 + n))
tg_check_eq "kill mid-delivery: state 101" "$(cat "$STATE")" 101
fb_stop

# ---- SIGKILL as soon as records appear, five rounds ------------------------------------------
# The kill lands between delivery and confirmation, or just after: either
# way the union of all outputs holds every message.
fb_start kill2
rm -f "$STATE"
for round in 1 2 3 4 5; do
    first=$(((round - 1) * 30 + 1))
    fb_append "$(updates "$first" $((first + 29)))"
    tgproducer --api-url "$FB_URL" --stdout --poll-timeout 5 \
        >"$TG_TMP/kill2.$round.out" 2>"$TG_TMP/kill2.$round.err" &
    pid=$!
    tg_cleanup_push "kill -9 $pid"
    tg_wait_until 10 grep -q '"message_id":'$((first + 29))',' "$TG_TMP/kill2.$round.out"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
done
tp --once --stdout >"$TG_TMP/kill2.final.out" 2>"$TG_TMP/kill2.final.err"
tg_check_eq "kill after delivery: the last run exits 0" "$?" 0
tg_check_eq "kill after delivery: nothing lost over 5 kills" \
    "$(ids "$TG_TMP"/kill2.*.out)" "$(seq_list 1 150)"
tg_check_eq "kill after delivery: everything confirmed in the end" "$(cat "$STATE")" 151
tg_check_eq "kill after delivery: the server holds nothing pending" \
    "$(fb_state 'd["pending"]')" '[]'
echo "# kill after delivery: $(cat "$TG_TMP"/kill2.*.out | wc -l) records written for 150 messages"

# ---- an unwritable state directory ---------------------------------------------------------
# As root, permissions do not stop writes: the directory is made immutable.
state_dir=$(dirname "$STATE")
make_unwritable() {
    if [ "$(id -u)" = 0 ]; then
        chattr +i "$1" 2>/dev/null
    else
        chmod 500 "$1"
    fi
}
make_writable() { chattr -i "$1" 2>/dev/null; chmod 700 "$1"; }
tg_cleanup_push "chattr -i '$state_dir'; chmod 700 '$state_dir'"
fb_append "$(updates 200 202)"
if make_unwritable "$state_dir" && ! touch "$state_dir/probe" 2>/dev/null; then
    tp --once --stdout >"$TG_TMP/ro.out" 2>"$TG_TMP/ro.err"
    tg_check_eq "unwritable state dir: exit 75" "$?" 75
    tg_check "unwritable state dir: a clear error naming the file" grep -q \
        "cannot save the offset: $STATE: .*; stopping (the delivered updates will be fetched again" \
        "$TG_TMP/ro.err"
    tg_check_eq "unwritable state dir: the previous state file intact" "$(cat "$STATE")" 151
    tg_check_eq "unwritable state dir: no temporary file left" \
        "$(ls -A "$state_dir" | grep -v '^123456789\.offset' | wc -l)" 0
    tg_check_eq "unwritable state dir: the batch was delivered, but not confirmed" \
        "$(ids "$TG_TMP/ro.out"):$(fb_state 'd["pending"]')" '[200, 201, 202]:[200,201,202]'

    # No lock file yet in an unwritable directory: refused at start.
    tp --once --stdout --state "$state_dir/other.offset" >/dev/null 2>"$TG_TMP/ro2.err"
    tg_check_eq "unwritable state dir, no lock file yet: exit 78" "$?" 78
    tg_check "unwritable state dir, no lock file yet: says why" grep -q \
        "cannot use the state file: $state_dir/other.offset.lock: " "$TG_TMP/ro2.err"
    make_writable "$state_dir"
    tp --once --stdout >"$TG_TMP/ro3.out" 2>/dev/null
    tg_check_eq "writable again: the unconfirmed batch comes again, then 203" \
        "$(ids "$TG_TMP/ro3.out"):$(cat "$STATE")" '[200, 201, 202]:203'
else
    make_writable "$state_dir"
    tg_skip "unwritable state dir" "cannot make a directory unwritable here"
fi

# ---- a corrupt state file ---------------------------------------------------------------------
printf 'garbage\n' >"$STATE"
tp --once --stdout >"$TG_TMP/corrupt.out" 2>"$TG_TMP/corrupt.err"
tg_check_eq "corrupt state: exit 78" "$?" 78
tg_check "corrupt state: names the file" grep -q "$STATE: not an offset" "$TG_TMP/corrupt.err"
tg_check_eq "corrupt state: left as it was" "$(cat "$STATE")" garbage

tg_check "token: in no output, message or state file" \
    no_token "$TG_TMP"/*.out "$TG_TMP"/*.err "$state_dir"/*
