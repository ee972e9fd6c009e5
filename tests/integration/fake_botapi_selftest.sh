#!/usr/bin/env bash
# The fake Bot API server (tests/fake_botapi.py) behaves as the other tests
# assume: getMe and 401, Telegram's offset rule, parameter encodings, long
# polling, every scripted misbehaviour, 409 modes, the request log, shutdown
# during a long poll, and the token never leaking.
. "$(dirname "$0")/../lib.sh"
tg_require python3
tg_require curl
fake="$TG_TOP/tests/fake_botapi.py"
token='123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789_-'
printf '%s\n' "$token" >"$TG_TMP/token"

# fb_start NAME [fake_botapi options...]: starts a server whose files are
# $TG_TMP/NAME.*; sets FB_URL, FB_PID, FB_LOG.  Stopped at exit.
fb_start() {
    local name=$1
    shift
    FB_LOG="$TG_TMP/$name.log"
    rm -f "$TG_TMP/$name.url"
    python3 "$fake" --token-file "$TG_TMP/token" --url-file "$TG_TMP/$name.url" \
        --log "$FB_LOG" --owner $$ "$@" >"$TG_TMP/$name.out" 2>"$TG_TMP/$name.err" &
    FB_PID=$!
    tg_cleanup_push "kill $FB_PID"
    tg_wait_until 10 test -s "$TG_TMP/$name.url" || {
        tg_fail "fake server $name starts" "$(cat "$TG_TMP/$name.err")"
        exit 1
    }
    FB_URL=$(cat "$TG_TMP/$name.url")
}

# json EXPR: evaluates a Python expression on the JSON document d read from
# stdin and prints the result as JSON (compact).
json() {
    python3 -c 'import json, sys
d = json.load(sys.stdin)
print(json.dumps(eval(sys.argv[1]), separators=(",", ":"), ensure_ascii=False))' "$1"
}

api() {   # api METHOD [curl options...]: body on stdout
    local method=$1
    shift
    curl -sS --max-time 20 "$@" "$FB_URL/bot$token/$method"
}

ids() { api getUpdates "$@" | json '[u["update_id"] for u in d["result"]]'; }

cat >"$TG_TMP/main.json" <<'EOF'
{"updates": [
  {"update_id": 10, "message": {"message_id": 1, "date": 1700000000,
   "chat": {"id": -100123, "type": "supergroup", "title": "Группа"},
   "from": {"id": 7, "is_bot": false, "first_name": "Ann"}, "text": "привет 👋"}},
  {"update_id": 11, "channel_post": {"message_id": 2, "date": 1700000001,
   "chat": {"id": -100456, "type": "channel", "title": "News"}, "text": "post"}},
  {"update_id": 12, "callback_query": {"id": "x"}}
]}
EOF
fb_start main --script "$TG_TMP/main.json"
tg_check "prints its URL on stdout" grep -qx "$FB_URL" "$TG_TMP/main.out"
tg_check "URL is loopback" grep -q '^http://127\.0\.0\.1:[0-9]*$' <<<"$FB_URL"

# ---- getMe, tokens, methods -------------------------------------------------

tg_check_eq "getMe: id is the token's prefix" \
    "$(api getMe | json '[d["ok"], d["result"]["id"], d["result"]["is_bot"], d["result"]["can_read_all_group_messages"]]')" \
    '[true,123456,true,true]'
tg_check_eq "wrong token: 401 Unauthorized" \
    "$(curl -s -w ' %{http_code}' "$FB_URL/bot123456:wrong/getMe")" \
    '{"ok":false,"error_code":401,"description":"Unauthorized"} 401'
tg_check_eq "unknown method: 404" \
    "$(curl -s -o /dev/null -w '%{http_code}' "$FB_URL/bot$token/sendMessage")" 404
tg_check_eq "method names are case-insensitive" "$(api getme | json 'd["ok"]')" true
curl -s -d '{"can_read_all_group_messages": false}' "$FB_URL/control/privacy" >/dev/null
tg_check_eq "privacy mode via control" \
    "$(api getMe | json 'd["result"]["can_read_all_group_messages"]')" false

# ---- offsets, encodings, long polling -----------------------------------------

tg_check_eq "no offset: everything pending" "$(ids)" '[10,11,12]'
tg_check_eq "unicode survives" "$(api getUpdates | json 'd["result"][0]["message"]["text"]')" \
    '"привет 👋"'
tg_check_eq "offset 11 confirms 10 (GET query)" "$(ids -G -d offset=11)" '[11,12]'
tg_check_eq "a confirmed update never comes back" "$(ids)" '[11,12]'
tg_check_eq "limit" "$(ids -d offset=11 -d limit=1)" '[11]'
tg_check_eq "JSON body" "$(ids -H 'Content-Type: application/json' -d '{"offset":12,"timeout":0}')" '[12]'
tg_check_eq "multipart form" "$(ids -F offset=13)" '[]'
curl -s -d '[{"message":{"message_id":3,"text":"a"}},{"message":{"message_id":4,"text":"b"}}]' \
    "$FB_URL/control/append" >/dev/null
tg_check_eq "appended updates get the next ids" "$(ids -d offset=13)" '[13,14]'
tg_check_eq "allowed_updates is recorded" \
    "$(api getUpdates -d offset=15 --data-urlencode 'allowed_updates=["message","channel_post"]' >/dev/null
       tail -n 1 "$FB_LOG" | json '[d["offset"], d["allowed_updates"]]')" \
    '[15,["message","channel_post"]]'

start=$(date +%s%N)
tg_check_eq "long poll: empty after the timeout" "$(ids -d offset=15 -d timeout=1)" '[]'
elapsed=$((($(date +%s%N) - start) / 1000000))
tg_check "long poll: waited about the timeout (${elapsed} ms)" \
    test "$elapsed" -ge 900 -a "$elapsed" -lt 5000
(sleep 0.5 && curl -s -d '[{"message":{"message_id":5}}]' "$FB_URL/control/append" >/dev/null) &
appender=$!
start=$(date +%s%N)
tg_check_eq "long poll: wakes up when an update arrives" "$(ids -d offset=15 -d timeout=20)" '[15]'
elapsed=$((($(date +%s%N) - start) / 1000000))
tg_check "long poll: answered well before its timeout (${elapsed} ms)" test "$elapsed" -lt 5000
wait "$appender"

# ---- scripted misbehaviour --------------------------------------------------

curl -s -d '[{"status": 429, "retry_after": 3},
             {"status": 500, "body": "oops", "content_type": "text/plain"},
             "html", "truncated", "concatenated", "empty", "partial",
             {"special": "trickle", "interval": 0.05}, "reset", "hang",
             [{"update_id": 20, "message": {"message_id": 6}}]]' \
    "$FB_URL/control/script" >/dev/null
tg_check_eq "script: 429 with retry_after" \
    "$(curl -s -w ' %{http_code}' -d offset=15 "$FB_URL/bot$token/getUpdates")" \
    '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}} 429'
tg_check_eq "script: raw 500" "$(curl -s -w ' %{http_code} %{content_type}' "$FB_URL/bot$token/getUpdates")" \
    'oops 500 text/plain'
html=$(curl -s -w '%{http_code} %{content_type}' -o "$TG_TMP/html" "$FB_URL/bot$token/getUpdates")
tg_check_eq "script: html is a 502 text/html page" "$html" '502 text/html'
tg_check "script: html body" grep -q '<title>502 Bad Gateway</title>' "$TG_TMP/html"
tg_check "script: truncated JSON does not parse" \
    bash -c "! curl -s '$FB_URL/bot$token/getUpdates' | python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null"
conc=$(api getUpdates)
tg_check "script: concatenated is two documents" python3 -c '
import json, sys
text = sys.argv[1]
first, end = json.JSONDecoder().raw_decode(text)
second = json.loads(text[end:])
sys.exit(not (first["ok"] and second == {"ok": True, "result": []}))' "$conc"
tg_check_eq "script: empty body" "$(curl -s -w '%{http_code} %{size_download}' -o /dev/null "$FB_URL/bot$token/getUpdates")" \
    '200 0'
curl -s -o /dev/null "$FB_URL/bot$token/getUpdates"
tg_check_eq "script: partial body is an HTTP error (curl 18)" "$?" 18
start=$(date +%s%N)
trickled=$(api getUpdates)
elapsed=$((($(date +%s%N) - start) / 1000000))
tg_check_eq "script: trickle delivers the whole answer" "$(json '[u["update_id"] for u in d["result"]]' <<<"$trickled")" '[15]'
tg_check "script: trickle is slow (${#trickled} bytes in ${elapsed} ms)" \
    test "$elapsed" -ge $((${#trickled} * 40))
curl -s -o /dev/null "$FB_URL/bot$token/getUpdates"
status=$?
tg_check "script: reset fails the request (curl $status)" test "$status" -eq 56 -o "$status" -eq 52
start=$(date +%s%N)
curl -s -o /dev/null --max-time 1 "$FB_URL/bot$token/getUpdates"
status=$?
elapsed=$((($(date +%s%N) - start) / 1000000))
tg_check_eq "script: hang never answers (curl 28)" "$status" 28
tg_check "script: hang held until the client gave up (${elapsed} ms)" test "$elapsed" -ge 900
tg_check_eq "script: an updates step" "$(ids -d offset=16)" '[20]'
tg_check_eq "script exhausted: normal again" "$(ids -d offset=21)" '[]'

# ---- 409 --------------------------------------------------------------------

curl -s -d '{"mode": "webhook"}' "$FB_URL/control/conflict" >/dev/null
tg_check_eq "webhook conflict: 409" \
    "$(curl -s -w ' %{http_code}' "$FB_URL/bot$token/getUpdates" | sed 's/.*"description":"\([^;]*\);.*} /\1 /')" \
    "Conflict: can't use getUpdates method while webhook is active 409"
tg_check_eq "deleteWebhook" "$(api deleteWebhook | json '[d["result"], d["description"]]')" \
    '[true,"Webhook was deleted"]'
tg_check_eq "after deleteWebhook: 200" \
    "$(curl -s -o /dev/null -w '%{http_code}' "$FB_URL/bot$token/getUpdates")" 200
curl -s -d '{"mode": "poller", "count": 2}' "$FB_URL/control/conflict" >/dev/null
codes=""
for _ in 1 2 3; do
    codes+="$(curl -s -o /dev/null -w '%{http_code}' "$FB_URL/bot$token/getUpdates") "
done
tg_check_eq "poller conflict for 2 requests" "$codes" "409 409 200 "

# ---- the log ----------------------------------------------------------------

tg_check "log: one JSON object per line" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)' "$FB_LOG"
tg_check_eq "log: the offsets received, in order" \
    "$(python3 -c '
import json, sys
print(" ".join(str(r["offset"]) for r in map(json.loads, open(sys.argv[1]))
               if r["method"] == "getUpdates" and r["offset"] is not None))' "$FB_LOG")" \
    "11 11 12 13 13 15 15 15 15 16 21"
tg_check_eq "log: what was served" \
    "$(python3 -c '
import json, sys
print(" ".join(r["served"] for r in map(json.loads, open(sys.argv[1]))
               if r["step"] is not None))' "$FB_LOG")" \
    "raw raw html truncated concatenated empty partial trickle reset hang updates"
tg_check_eq "log: the 401 is recorded" \
    "$(grep -c '"served": "unauthorized"' "$FB_LOG")" 1

# ---- shutdown, owner, errors, secrecy -----------------------------------------

poll_waiting() { [ "$(curl -s "$FB_URL/control/state" | json 'd["waiting"]')" -ge 1 ]; }
(curl -s --max-time 20 -d offset=21 -d timeout=30 "$FB_URL/bot$token/getUpdates" >"$TG_TMP/lastpoll") &
poller=$!
tg_check "a long poll is waiting" tg_wait_until 5 poll_waiting
start=$(date +%s%N)
kill -TERM "$FB_PID"
wait "$poller"
elapsed=$((($(date +%s%N) - start) / 1000000))
tg_check_eq "shutdown answers a waiting long poll" "$(cat "$TG_TMP/lastpoll")" '{"ok":true,"result":[]}'
tg_check "shutdown is prompt (${elapsed} ms)" test "$elapsed" -lt 3000
wait "$FB_PID"
tg_check_eq "SIGTERM: exit 0" "$?" 0

for f in "$TG_TMP"/main.*; do
    tg_check "token absent from $(basename "$f")" bash -c "! grep -qF '${token#*:}' '$f'"
done

sleep 60 &
owner=$!
python3 "$fake" --token-file "$TG_TMP/token" --owner "$owner" >/dev/null 2>&1 &
orphan=$!
tg_cleanup_push "kill $orphan"
# Reap the owner: a killed child that is not waited for is a zombie, and
# kill -0 still finds a zombie, so the server would see its owner alive.
kill "$owner"
wait "$owner" 2>/dev/null
tg_check "--owner: exits once the owner is gone" tg_wait_until 30 bash -c "! kill -0 $orphan"

echo '{"getUpdates": ["bogus"]}' >"$TG_TMP/bad.json"
python3 "$fake" --token-file "$TG_TMP/token" --script "$TG_TMP/bad.json" >/dev/null 2>&1
tg_check_eq "bad script: exit 65" "$?" 65
FAKE_BOTAPI_TOKEN='' python3 "$fake" >/dev/null 2>&1
tg_check_eq "no token: exit 64" "$?" 64
