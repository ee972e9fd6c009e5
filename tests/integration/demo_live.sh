#!/usr/bin/env bash
# make demo-live (scripts/demo-live) in a real terminal (tmux): the live
# view comes up on the local broker's topic, fed by the synthetic producer,
# shows the lag of each partition, users in both specs and, once the first 10 s window closed, a last
# final window; q ends it with exit 0 and its cleanup (producer, broker,
# work directory) runs.  Without a terminal it refuses with 64.
. "$(dirname "$0")/../lib.sh"
tg_require tgproducer
tg_require tgcount
tg_require tmux

export TMPDIR="$TG_TMP" # the demo's work directory lands here, to be checked
sock="tgdemo-$$"
tm() { tmux -L "$sock" "$@"; }
tg_cleanup_push "tmux -L $sock kill-server"
cat >"$TG_TMP/run.sh" <<EOS
#!/bin/sh
TMPDIR='$TG_TMP' '$TG_TOP/scripts/demo-live' --bindir '$TG_BINDIR'
echo \$? >'$TG_TMP/rc'
exec sleep 600
EOS
chmod +x "$TG_TMP/run.sh"
tm new-session -d -s demo -x 100 -y 30 "$TG_TMP/run.sh"
screen() { tm capture-pane -p -t demo; }
on_screen() { screen | grep -Eq "$1"; }

tg_check "the view comes up on the demo's topic" \
    tg_wait_until 60 on_screen '^ Kafka telegram_messages \| [0-9]+ rec/s'
tg_check "a second status line gives the lag of each of the 4 partitions" \
    tg_wait_until 60 on_screen '^ lag [0-9]+ by partition: 0:[0-9?]+ 1:[0-9?]+ 2:[0-9?]+ 3:[0-9?]+$'
rows() { [ "$(screen | grep -Ec '^[^ >].* +[0-9]+ ')" -ge "$1" ]; }
tg_check "users with counts are drawn" tg_wait_until 60 rows 2
tg_check "a 10 s window closes and shows as the last final one" \
    tg_wait_until 60 on_screen '^> 10s .*last final [0-9:]+-[0-9:]+'
tm send-keys -t demo q
tg_check "q ends the demo" tg_wait_until 30 test -s "$TG_TMP/rc"
tg_check_eq "... with exit 0" "$(cat "$TG_TMP/rc")" 0
tg_check "... and its cleanup removed the broker and work directory" \
    test -z "$(ls -d "$TG_TMP"/tgstream-demo-live.* 2>/dev/null)"

status=0
"$TG_TOP/scripts/demo-live" --bindir "$TG_BINDIR" >"$TG_TMP/notty.out" 2>&1 || status=$?
tg_check_eq "without a terminal: 64" "$status" 64
