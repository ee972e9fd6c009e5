#!/usr/bin/env bash
# tgcount --live in a real terminal (tmux, 100x30): records piped in on
# stdin (a FIFO the test keeps open, event times near now) appear on
# screen with the counts written; more lines make them grow; Cyrillic and
# emoji names are padded by display width, so their counts end in the
# same column as an ASCII name's; a long name is cut with an ellipsis; a
# resize to 40x10 and to 20x5 still draws; n/N change the rows and p
# pauses; q exits 0 at once with the terminal restored and the stats line
# after it; at the end of the input the view stays until q or SIGTERM; --live-output gets the
# windows; stdout that is not a terminal is refused with 64.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require tmux
tg_require python3

sock="tgtui-$$"
tm() { tmux -L "$sock" "$@"; }
tg_cleanup_push "tmux -L $sock kill-server"

# Every record at one event time T: the 10s window holding T is the open
# one, and with -l 10m nothing becomes final, so the counts on screen are
# exactly the records written.
T=$(date -u +%Y-%m-%dT%H:%M:%SZ)
id=0
rec() { # rec USER...
    local u
    for u in "$@"; do
        id=$((id + 1))
        printf '{"event_time":"%s","channel_id":1,"message_id":%d,"username":"%s"}\n' \
            "$T" "$id" "$u"
    done
}
long=averyveryveryverylongusernamethatgoesonandon
ivan=Иван
party=🎉party

mkfifo "$TG_TMP/in"
cat >"$TG_TMP/run.sh" <<EOS
#!/bin/sh
tgcount --live -w 10s -l 10m --live-output "$TG_TMP/windows.csv" -f csv <"$TG_TMP/in"
echo \$? >"$TG_TMP/rc"
exec sleep 600
EOS
chmod +x "$TG_TMP/run.sh"
tm new-session -d -s tui -x 100 -y 30 "PATH='$PATH' $TG_TMP/run.sh"
exec 3>"$TG_TMP/in"

screen() { tm capture-pane -p -t tui; }
on_screen() { screen | grep -Eq "$1"; }

# By hand: alice 3, bob 2, Иван 2, 🎉party 4, the long name 1.
rec alice alice alice bob bob "$ivan" "$ivan" "$party" "$party" "$party" "$party" "$long" >&3
tg_check "the counts written are on screen" \
    tg_wait_until 30 on_screen '^alice +3 '
tg_check "every user's count" \
    test "$(screen | grep -Ec "^(🎉party +4|bob +2|Иван +2|averyvery.*… +1) ")" = 4
tg_check "the status line names stdin and the records read" \
    on_screen '^ stdin \| .* read 12 \| late 0 \| malformed 0'

# The count columns end at the same display column whatever the name.
cols=$(screen | python3 -c '
import re, sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
ends = set()
for line in sys.stdin:
    m = re.match(r"^(alice|bob|\u0418\u0432\u0430\u043d|\U0001F389party|avery\S*) +\d+", line)
    if m:
        ends.add(width(m.group(0)))
print(" ".join(map(str, sorted(ends))))')
tg_check_eq "Cyrillic, emoji and cut names align their counts" "$cols" "32"

rec alice alice >&3
tg_check "it redraws: alice's count grows to 5" tg_wait_until 30 on_screen '^alice +5 '

# Keys: n and N change the rows shown; p pauses the drawing, p again
# resumes it with what was counted meanwhile.
rows() { [ "$(screen | grep -Ec '^[^ >].* +[0-9]+ ')" -eq "$1" ]; }
for _ in 1 2 3 4 5 6 7 8 9; do tm send-keys -t tui n; done
tg_check "n nine times: one row left, the leader's" tg_wait_until 30 rows 1
tg_check "... alice" on_screen '^alice +5 '
for _ in 1 2 3 4 5 6 7 8 9; do tm send-keys -t tui N; done
tg_check "N nine times: every user again" tg_wait_until 30 rows 5
tm send-keys -t tui p
tg_check "p pauses" tg_wait_until 30 on_screen '\| PAUSED \|'
rec alice >&3
tm send-keys -t tui p
tg_check "p resumes, with the line counted meanwhile" \
    tg_wait_until 30 on_screen '^alice +6 '
tg_check "... and PAUSED gone" eval '! on_screen PAUSED'

narrow() { # every line of the screen fits in $1 columns, and alice shows
    screen | python3 -c '
import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
lines = sys.stdin.read().split("\n")
sys.exit(0 if all(w(l.rstrip()) <= int(sys.argv[1]) for l in lines) and
         any(l.startswith("alice") for l in lines) else 1)' "$1"
}
tm resize-window -t tui -x 40 -y 10
tg_check "after a resize to 40x10 it still draws, within 40 columns" \
    tg_wait_until 30 narrow 40
tm resize-window -t tui -x 20 -y 5
tg_check "a 20x5 terminal still gets the leader" tg_wait_until 30 narrow 20
tm resize-window -t tui -x 100 -y 30
tg_wait_until 30 narrow 100

started=$(date +%s)
tm send-keys -t tui q
tg_check "q ends tgcount" tg_wait_until 30 test -s "$TG_TMP/rc"
tg_check "... promptly (under 5 s even on a loaded machine)" \
    test $(($(date +%s) - started)) -le 5
tg_check_eq "... with exit 0" "$(cat "$TG_TMP/rc")" 0
tg_check "the terminal is restored and the stats line follows the view" \
    tg_wait_until 10 on_screen '^tgcount: stats: read=15 counted=15'
tg_check_eq "--live-output holds the window, provisional (q came before the end)" \
    "$(grep -c ",alice,6,false$" "$TG_TMP/windows.csv")" 1
exec 3>&-

# At the end of the input the view waits for q; SIGTERM ends it and
# restores the terminal as q does.
mkfifo "$TG_TMP/in2"
cat >"$TG_TMP/run2.sh" <<EOS
#!/bin/sh
tgcount --live -w 10s -l 10m <"$TG_TMP/in2" &
echo \$! >"$TG_TMP/pid2"
wait \$!
echo \$? >"$TG_TMP/rc2"
exec sleep 600
EOS
chmod +x "$TG_TMP/run2.sh"
tm kill-session -t tui
tm new-session -d -s tui -x 100 -y 30 "PATH='$PATH' $TG_TMP/run2.sh"
exec 3>"$TG_TMP/in2"
rec zed >&3
tg_check "a second view is up" tg_wait_until 30 on_screen '^zed +1 '
exec 3>&-
tg_check "at the end of the input the view stays, saying so" \
    tg_wait_until 30 on_screen 'input ended: q quits$'
tg_check "... with the last window, final now (no open count, final 1)" \
    on_screen '^zed +1 *$|^zed {20,}1 '
kill -TERM "$(cat "$TG_TMP/pid2")"
tg_check "SIGTERM ends it" tg_wait_until 30 test -s "$TG_TMP/rc2"
tg_check_eq "... with exit 0" "$(cat "$TG_TMP/rc2")" 0
tg_check "... the terminal restored, the stats line after the view" \
    tg_wait_until 10 on_screen '^tgcount: stats: read=1 counted=1'

# Not a terminal on stdout: refused, one line, 64.
status=0
echo '{}' | tgcount --live >"$TG_TMP/notty.out" 2>"$TG_TMP/notty.err" || status=$?
tg_check_eq "stdout not a terminal: exit 64" "$status" 64
tg_check_eq "... with one line saying why" "$(cat "$TG_TMP/notty.err")" \
    "tgcount: --live needs a terminal on stdout"
