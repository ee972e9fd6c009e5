#!/usr/bin/env bash
# tgproducer against the fake Bot API (tests/fake_botapi.py), --stdout sink:
# every message shape README documents becomes the hand-computed record (also
# when a struct-based relay re-encodes the updates with nulls and zeros), other
# updates are skipped but confirmed, --once drains many batches with the
# right offsets and leaves max+1 in the state file, --include-edits, -c,
# getMe (401 -> 77, privacy warning), token files (mode bits, ACLs, systemd
# credentials), the run lock, follow mode
# with SIGTERM, and the token appearing nowhere.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tgproducer_botapi.lib"

cat >"$TG_TMP/shapes.json" <<'EOF'
{"updates": [
 {"update_id": 100, "message": {"message_id": 1, "date": 1700000000,
  "chat": {"id": -1001050820672, "type": "supergroup", "title": "Rust Chat"},
  "from": {"id": 42, "is_bot": false, "first_name": "Ann", "last_name": "Lee",
           "username": "ann"}, "text": "hello"}},
 {"update_id": 101, "message": {"message_id": 2, "date": 1700000001,
  "chat": {"id": -1001050820672, "type": "supergroup", "title": "Rust Chat"},
  "from": {"id": 77, "is_bot": false, "first_name": "Пётр"}, "text": "привет 👋"}},
 {"update_id": 102, "channel_post": {"message_id": 3, "date": 1700000002,
  "chat": {"id": -1009, "type": "channel", "title": "News", "username": "newsch"},
  "sender_chat": {"id": -1009, "type": "channel", "title": "News", "username": "newsch"},
  "author_signature": "Jane Doe", "text": "signed"}},
 {"update_id": 103, "channel_post": {"message_id": 4, "date": 1700000003,
  "chat": {"id": -1009, "type": "channel", "title": "News", "username": "newsch"},
  "sender_chat": {"id": -1009, "type": "channel", "title": "News", "username": "newsch"},
  "text": "unsigned"}},
 {"update_id": 104, "channel_post": {"message_id": 5, "date": 1700000004,
  "chat": {"id": -1008, "type": "channel", "title": "Private"},
  "sender_chat": {"id": -1008, "type": "channel", "title": "Private"}, "text": "p"}},
 {"update_id": 105, "message": {"message_id": 6, "date": 1700000005,
  "chat": {"id": -100555, "type": "supergroup", "title": "Club", "username": "clubchat"},
  "from": {"id": 1087968824, "is_bot": true, "first_name": "Group",
           "username": "GroupAnonymousBot"},
  "sender_chat": {"id": -100555, "type": "supergroup", "title": "Club",
                  "username": "clubchat"}, "text": "admin"}},
 {"update_id": 106, "message": {"message_id": 7, "date": 1700000006,
  "chat": {"id": -100555, "type": "supergroup", "title": "Club", "username": "clubchat"},
  "from": {"id": 136817688, "is_bot": true, "first_name": "Channel",
           "username": "Channel_Bot"},
  "sender_chat": {"id": -100777, "type": "channel", "title": "Blog"}, "text": "behalf"}},
 {"update_id": 107, "message": {"message_id": 8, "date": 1700000007,
  "chat": {"id": -100556, "type": "supergroup", "title": "Discussion"},
  "from": {"id": 777000, "is_bot": false, "first_name": "Telegram"},
  "sender_chat": {"id": -1009, "type": "channel", "title": "News", "username": "newsch"},
  "is_automatic_forward": true, "text": "forwarded"}},
 {"update_id": 108, "message": {"message_id": 9, "date": 1700000008,
  "chat": {"id": 42, "type": "private", "first_name": "Ann", "last_name": "Lee",
           "username": "ann"},
  "from": {"id": 42, "is_bot": false, "first_name": "Ann", "last_name": "Lee",
           "username": "ann"}, "text": "/start"}},
 {"update_id": 109, "message": {"message_id": 10, "date": 1700000009,
  "chat": {"id": -1001050820672, "type": "supergroup", "title": "Rust Chat"},
  "from": {"id": 42, "is_bot": false, "first_name": "Ann", "username": "ann"},
  "photo": [{"file_id": "x", "width": 1, "height": 1}], "caption": "a \"pic\""}},
 {"update_id": 110, "message": {"message_id": 11, "date": 1700000010,
  "chat": {"id": -1001050820672, "type": "supergroup", "title": "Rust Chat"},
  "from": {"id": 42, "is_bot": false, "first_name": "Ann", "username": "ann"},
  "sticker": {"file_id": "s"}}},
 {"update_id": 111, "callback_query": {"id": "1", "from": {"id": 42}}},
 {"update_id": 112, "my_chat_member": {"chat": {"id": -100555}}},
 {"update_id": 113, "poll": {"id": "p", "question": "?"}},
 {"update_id": 114, "edited_message": {"message_id": 1, "date": 1700000000,
  "edit_date": 1700000500,
  "chat": {"id": -1001050820672, "type": "supergroup", "title": "Rust Chat"},
  "from": {"id": 42, "is_bot": false, "first_name": "Ann", "last_name": "Lee",
           "username": "ann"}, "text": "hello, edited"}}
]}
EOF

cat >"$TG_TMP/shapes.expected" <<'EOF'
{"event_time":"2023-11-14T22:13:20Z","channel_id":-1001050820672,"channel_name":"Rust Chat","message_id":1,"user_id":42,"username":"ann","first_name":"Ann","last_name":"Lee","text":"hello","text_length":5}
{"event_time":"2023-11-14T22:13:21Z","channel_id":-1001050820672,"channel_name":"Rust Chat","message_id":2,"user_id":77,"username":"user_77","first_name":"Пётр","last_name":null,"text":"привет 👋","text_length":8}
{"event_time":"2023-11-14T22:13:22Z","channel_id":-1009,"channel_name":"News","message_id":3,"user_id":null,"username":"Jane Doe","first_name":null,"last_name":null,"text":"signed","text_length":6}
{"event_time":"2023-11-14T22:13:23Z","channel_id":-1009,"channel_name":"News","message_id":4,"user_id":null,"username":"newsch","first_name":null,"last_name":null,"text":"unsigned","text_length":8}
{"event_time":"2023-11-14T22:13:24Z","channel_id":-1008,"channel_name":"Private","message_id":5,"user_id":null,"username":"chat_-1008","first_name":null,"last_name":null,"text":"p","text_length":1}
{"event_time":"2023-11-14T22:13:25Z","channel_id":-100555,"channel_name":"Club","message_id":6,"user_id":null,"username":"clubchat","first_name":null,"last_name":null,"text":"admin","text_length":5}
{"event_time":"2023-11-14T22:13:26Z","channel_id":-100555,"channel_name":"Club","message_id":7,"user_id":null,"username":"chat_-100777","first_name":null,"last_name":null,"text":"behalf","text_length":6}
{"event_time":"2023-11-14T22:13:27Z","channel_id":-100556,"channel_name":"Discussion","message_id":8,"user_id":null,"username":"newsch","first_name":null,"last_name":null,"text":"forwarded","text_length":9}
{"event_time":"2023-11-14T22:13:28Z","channel_id":42,"channel_name":"Ann Lee","message_id":9,"user_id":42,"username":"ann","first_name":"Ann","last_name":"Lee","text":"/start","text_length":6}
{"event_time":"2023-11-14T22:13:29Z","channel_id":-1001050820672,"channel_name":"Rust Chat","message_id":10,"user_id":42,"username":"ann","first_name":"Ann","last_name":null,"text":"a \"pic\"","text_length":7}
{"event_time":"2023-11-14T22:13:30Z","channel_id":-1001050820672,"channel_name":"Rust Chat","message_id":11,"user_id":42,"username":"ann","first_name":"Ann","last_name":null,"text":"","text_length":0}
EOF
edit_record='{"event_time":"2023-11-14T22:13:20Z","channel_id":-1001050820672,"channel_name":"Rust Chat","message_id":1,"user_id":42,"username":"ann","first_name":"Ann","last_name":"Lee","text":"hello, edited","text_length":13}'

# ---- every shape, --once ------------------------------------------------------
fb_start shapes --script "$TG_TMP/shapes.json"
tp --once --stdout --stats >"$TG_TMP/shapes.out" 2>"$TG_TMP/shapes.err"
tg_check_eq "shapes: exit 0" "$?" 0
tg_check_files_eq "shapes: one hand-computed record per message" \
    "$TG_TMP/shapes.out" "$TG_TMP/shapes.expected"
tg_check_eq "shapes: every update confirmed, messages or not" \
    "$(fb_state '[d["pending"], d["last_offset"]]')" '[[],115]'
tg_check_eq "shapes: the state file holds max update_id + 1" "$(cat "$STATE")" 115
tg_check_eq "shapes: state file mode 0600" "$(stat -c %a "$STATE")" 600
tg_check_eq "shapes: asked for messages and channel posts, limit 100, timeout 0" \
    "$(fb_log '[g[0]["allowed_updates"], g[0]["limit"], g[0]["timeout"]]')" \
    '[["message","channel_post"],100,0]'
tg_check_eq "shapes: offsets sent: none yet, then max+1 (which confirms)" \
    "$(fb_log '[x["offset"] for x in g]')" '[0,115]'
tg_check "shapes: --stats counts updates, records, skipped" grep -q \
    'stats: 15 updates seen, 11 messages produced, 4 skipped (0 malformed, 0 too_large)' \
    "$TG_TMP/shapes.err"
tg_check "shapes: no privacy warning when the bot reads all messages" \
    not_grep privacy "$TG_TMP/shapes.err"
fb_stop

# ---- --include-edits -------------------------------------------------------------
fb_start edits --script "$TG_TMP/shapes.json"
rm -f "$STATE"
tp --once --stdout --include-edits >"$TG_TMP/edits.out" 2>"$TG_TMP/edits.err"
tg_check_eq "edits: exit 0" "$?" 0
tg_check_eq "edits: the edit is one more record, with the original date" \
    "$(cat "$TG_TMP/edits.out")" "$(cat "$TG_TMP/shapes.expected")
$edit_record"
tg_check_eq "edits: asks for the edited kinds too" "$(fb_log 'g[0]["allowed_updates"]')" \
    '["message","channel_post","edited_message","edited_channel_post"]'
fb_stop

# ---- relays: every shape again, re-encoded as struct-based relays send it ----------------
# Every absent update kind null, every absent field null, "", 0, false or a
# zero-valued struct (tests/fake_botapi.py --relay): the same records.
for style in null zero false; do
    fb_start "relay-$style" --script "$TG_TMP/shapes.json" --relay "$style"
    rm -f "$STATE"
    tp --once --stdout --include-edits >"$TG_TMP/relay-$style.out" \
        2>"$TG_TMP/relay-$style.err"
    tg_check_eq "relay ($style): exit 0" "$?" 0
    tg_check_eq "relay ($style): the records of the plain shapes, edit included" \
        "$(cat "$TG_TMP/relay-$style.out")" "$(cat "$TG_TMP/shapes.expected")
$edit_record"
    tg_check "relay ($style): nothing reported malformed" \
        not_grep malformed "$TG_TMP/relay-$style.err"
    tg_check_eq "relay ($style): every update confirmed" "$(cat "$STATE")" 115
    fb_stop
done

# ---- -c: Bot API ids and bare channel ids ---------------------------------------------
fb_start chats --script "$TG_TMP/shapes.json"
rm -f "$STATE"
tp --once --stdout -c 1050820672,-1009 >"$TG_TMP/chats.out" 2>"$TG_TMP/chats.err"
tg_check_eq "-c: exit 0" "$?" 0
tg_check_eq "-c 1050820672,-1009: only those chats" \
    "$(cat "$TG_TMP/chats.out")" "$(grep -E '"channel_id":(-1001050820672|-1009),' \
        "$TG_TMP/shapes.expected")"
tg_check_eq "-c: other chats' updates are confirmed all the same" \
    "$(fb_state 'd["pending"]')" '[]'
fb_stop

# ---- --once drains several batches --------------------------------------------------------
python3 -c '
import json
ups = [{"message": {"message_id": i, "date": 1700000000 + i,
        "chat": {"id": -100200, "type": "supergroup", "title": "Big"},
        "from": {"id": 1000 + i % 7, "is_bot": False, "first_name": "U"},
        "text": "m%d" % i}} for i in range(1, 251)]
print(json.dumps({"updates": [{"update_id": 5000, "poll": {"id": "x"}}] + ups}))' \
    >"$TG_TMP/big.json"
fb_start big --script "$TG_TMP/big.json"
rm -f "$STATE"
tp --once --stdout >"$TG_TMP/big.out" 2>"$TG_TMP/big.err"
tg_check_eq "drain: exit 0" "$?" 0
tg_check_eq "drain: all 250 messages, in order" \
    "$(python3 -c 'import json,sys; print([json.loads(l)["message_id"] for l in open(sys.argv[1])] == list(range(1, 251)))' "$TG_TMP/big.out")" \
    True
tg_check_eq "drain: offsets 0, then max+1 of each batch of 100, until an empty answer" \
    "$(fb_log '[[x["offset"], len(x["update_ids"] or [])] for x in g]')" \
    '[[0,100],[5100,100],[5200,51],[5251,0]]'
tg_check_eq "drain: state file = 5251" "$(cat "$STATE")" 5251

# A second run starts from the state file and finds nothing.
tp --once --stdout >"$TG_TMP/big2.out" 2>"$TG_TMP/big2.err"
tg_check_eq "second run: exit 0, nothing new" "$?:$(wc -c <"$TG_TMP/big2.out")" "0:0"
tg_check_eq "second run: starts at the stored offset" "$(fb_log 'g[-1]["offset"]')" 5251

# ---- --state FILE ------------------------------------------------------------------------
fb_append '[{"update_id": 6000, "message": {"message_id": 1, "date": 1700000000, "chat": {"id": -1, "title": "T"}, "text": "x"}}]'
tp --once --stdout --state "$TG_TMP/custom/my.offset" >/dev/null 2>"$TG_TMP/custom.err"
tg_check_eq "--state FILE: exit 0" "$?" 0
tg_check_eq "--state FILE: written there (directory created)" \
    "$(cat "$TG_TMP/custom/my.offset")" 6001
fb_stop

# ---- getMe: privacy mode, token rejected ---------------------------------------------------
fb_start privacy --privacy
tp --once --stdout >/dev/null 2>"$TG_TMP/privacy.err"
tg_check_eq "privacy mode: still runs" "$?" 0
tg_check "privacy mode: warns" grep -q 'warning: privacy mode is on' "$TG_TMP/privacy.err"

TELEGRAM_BOT_TOKEN='987654321:ZZZdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9' \
    tp --once --stdout >"$TG_TMP/401.out" 2>"$TG_TMP/401.err"
tg_check_eq "wrong token: exit 77" "$?" 77
tg_check "wrong token: says token rejected, names getMe" \
    grep -q 'getMe: HTTP 401: Unauthorized: token rejected' "$TG_TMP/401.err"
tg_check "wrong token: not in the message" not_grep ZZZdqTcv "$TG_TMP/401.err"
tg_check_eq "wrong token: no getUpdates" "$(fb_log 'len(g)')" 1

# ---- token file --------------------------------------------------------------------------
cp "$TG_TMP/token" "$TG_TMP/token.open"
chmod 644 "$TG_TMP/token.open"
env -u TELEGRAM_BOT_TOKEN tgproducer --api-url "$FB_URL" --once --stdout \
    --token-file "$TG_TMP/token.open" >/dev/null 2>"$TG_TMP/tf644.err"
tg_check_eq "token file 0644: refused, exit 78" "$?" 78
tg_check "token file 0644: says why" grep -qi 'group or others' "$TG_TMP/tf644.err"
env -u TELEGRAM_BOT_TOKEN tgproducer --api-url "$FB_URL" --once --stdout \
    --token-file "$TG_TMP/token" >/dev/null 2>"$TG_TMP/tf600.err"
tg_check_eq "token file 0600: accepted" "$?" 0
cp "$TG_TMP/token" "$TG_TMP/token.440"
chmod 440 "$TG_TMP/token.440"
with_token_file() {   # with_token_file FILE NAME [env assignments...]
    local file=$1 name=$2
    shift 2
    env -u TELEGRAM_BOT_TOKEN "$@" tgproducer --api-url "$FB_URL" --once --stdout \
        --token-file "$file" >/dev/null 2>"$TG_TMP/$name.err"
}
with_token_file "$TG_TMP/token.440" tf440
tg_check_eq "token file 0440 (group may read): refused, exit 78" "$?" 78
tg_check "token file 0440: says why" grep -q 'mode 0440 lets group or others' \
    "$TG_TMP/tf440.err"

# ---- token file ACLs ---------------------------------------------------------------------
if ! command -v setfacl >/dev/null 2>&1; then
    tg_skip "token file ACLs" "setfacl is not installed (package acl; scripts/install-deps.sh)"
elif ! setfacl -m "u:$(id -u):r" "$TG_TMP/token.440" 2>/dev/null; then
    tg_skip "token file ACLs" "the file system of $TG_TMP has no ACLs"
else
    install -m 600 "$TG_TMP/token" "$TG_TMP/token.acl-other"
    setfacl -m u:65534:r "$TG_TMP/token.acl-other"
    with_token_file "$TG_TMP/token.acl-other" tfacl1
    tg_check_eq "ACL granting another user read: refused, exit 78" "$?" 78
    tg_check "ACL granting another user read: names the user" \
        grep -q 'its ACL lets user 65534 at the token; refusing it' "$TG_TMP/tfacl1.err"
    install -m 600 "$TG_TMP/token" "$TG_TMP/token.acl-owner"
    setfacl -m "u:$(id -u):rw" "$TG_TMP/token.acl-owner"
    tg_check_eq "ACL with only the owner's entries: the mode shows the mask (0660)" \
        "$(stat -c %a "$TG_TMP/token.acl-owner")" 660
    with_token_file "$TG_TMP/token.acl-owner" tfacl2
    tg_check_eq "ACL with only the owner's entries: accepted" "$?" 0
    install -m 600 "$TG_TMP/token" "$TG_TMP/token.acl-group"
    setfacl -m g:65534:r "$TG_TMP/token.acl-group"
    with_token_file "$TG_TMP/token.acl-group" tfacl3
    tg_check_eq "ACL granting a group read: refused, exit 78" "$?" 78
    setfacl -m m::- "$TG_TMP/token.acl-group"
    with_token_file "$TG_TMP/token.acl-group" tfacl4
    tg_check_eq "ACL granting a group read, masked to nothing: accepted" "$?" 0

    # A credential as systemd's LoadCredential= writes it: owned by root,
    # mode 0400, read granted to the service's user by an ACL entry.  Here
    # the owner is another user and the service's user is this one.
    if [ "$(id -u)" -ne 0 ]; then
        tg_skip "token file in \$CREDENTIALS_DIRECTORY" "needs root to chown the credential"
    else
        mkdir -m 700 "$TG_TMP/credentials"
        install -m 400 "$TG_TMP/token" "$TG_TMP/credentials/bot-token"
        chown 65534 "$TG_TMP/credentials/bot-token"
        setfacl -m u:0:r "$TG_TMP/credentials/bot-token"
        with_token_file "$TG_TMP/credentials/bot-token" tfcred1
        tg_check_eq "systemd credential outside \$CREDENTIALS_DIRECTORY: refused, exit 78" \
            "$?" 78
        with_token_file "$TG_TMP/credentials/bot-token" tfcred2 \
            CREDENTIALS_DIRECTORY="$TG_TMP/credentials"
        tg_check_eq "systemd credential in \$CREDENTIALS_DIRECTORY: accepted" "$?" 0
        setfacl -m u:65533:r "$TG_TMP/credentials/bot-token"
        with_token_file "$TG_TMP/credentials/bot-token" tfcred3 \
            CREDENTIALS_DIRECTORY="$TG_TMP/credentials"
        tg_check_eq "credential also readable by another user: refused, exit 78" "$?" 78
    fi
fi
fb_stop

# ---- follow mode: long poll, lock, cmdline, SIGTERM -----------------------------------------
fb_start follow
rm -f "$STATE"
# Started directly, not through the tp function: $! must be tgproducer.
tgproducer --api-url "$FB_URL" --stdout --poll-timeout 5 >"$TG_TMP/follow.out" \
    2>"$TG_TMP/follow.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
tg_check "follow: long-polls" tg_wait_until 10 fb_polling
tg_check "follow: token not in /proc/PID/cmdline" no_token "/proc/$pid/cmdline"
tg_check "follow: argv has no token-like text" \
    not_grep -E '[0-9]+:[A-Za-z0-9_-]{30}' "/proc/$pid/cmdline"

tg_check "follow: core dumps are off (they would hold the token)" \
    grep -qE '^Max core file size +0 +0 ' "/proc/$pid/limits"

clock_start
tp --once --stdout >"$TG_TMP/second.out" 2>"$TG_TMP/second.err"
rc=$?
ms=$(clock_ms)
tg_check_eq "lock: a second run exits 75" "$rc" 75
tg_check "lock: at once (${ms} ms)" test "$ms" -lt 2000
tg_check "lock: names the running tgproducer by its pid" \
    grep -qF "another tgproducer (pid $pid) is running" "$TG_TMP/second.err"
tg_check_eq "lock: the lock file holds that pid" "$(cat "$STATE.lock")" "$pid"
# One reading of the log: the follow run's long poll may end between two.
tg_check_eq "lock: the second run never called the Bot API" \
    "$(fb_log 'len([x for x in l if x["method"] not in ("getMe", "getUpdates")])')" 0

fb_append '[{"update_id": 700, "message": {"message_id": 70, "date": 1700000000, "chat": {"id": -1, "title": "T"}, "from": {"id": 5, "username": "five"}, "text": "live"}}]'
tg_check "follow: a new message is produced while polling" \
    tg_wait_until 10 grep -q '"text":"live"' "$TG_TMP/follow.out"
tg_check "follow: and confirmed in the state file" \
    tg_wait_until 10 grep -qx 701 "$STATE"
tg_check_eq "follow: the long poll carried --poll-timeout" "$(fb_log 'g[0]["timeout"]')" 5
tg_wait_until 10 fb_polling
clock_start
kill -TERM "$pid"
wait "$pid"
rc=$?
ms=$(clock_ms)
tg_check_eq "SIGTERM during a long poll: exit 0" "$rc" 0
tg_check "SIGTERM: prompt (${ms} ms)" test "$ms" -lt 3000
tg_check_eq "SIGTERM: nothing unconfirmed left behind" "$(cat "$STATE")" 701

# ---- follow mode without a long poll asks once a second when idle ------------------------------
fb_start idle
rm -f "$STATE"
clock_start
tgproducer --api-url "$FB_URL" --stdout --poll-timeout 0 >/dev/null 2>"$TG_TMP/idle.err" &
pid=$!
tg_cleanup_push "kill -9 $pid"
three_polls() { test "$(fb_log 'len(g)')" -ge 3; }
tg_wait_until 10 three_polls
ms=$(clock_ms)
kill -TERM "$pid"
wait "$pid"
tg_check_eq "--poll-timeout 0, follow: exit 0 on SIGTERM" "$?" 0
tg_check "--poll-timeout 0, follow: three idle polls take 2 s or more (${ms} ms)" \
    test "$ms" -ge 2000
tg_check_eq "--poll-timeout 0, follow: timeout 0 sent" "$(fb_log 'g[0]["timeout"]')" 0
fb_stop

# ---- the token appears nowhere ---------------------------------------------------------------
tg_check "token: in no output, message or state file" \
    no_token "$TG_TMP"/*.out "$TG_TMP"/*.err "$TG_TMP/custom/my.offset" \
    "$XDG_STATE_HOME"/tgproducer/*
