#!/usr/bin/env bash
# The local broker speaks Kafka to an independent client (kcat): exact
# round trips on one and four partitions, consumer-group offsets, the
# idempotent producer, the retention limit; kafka-local's status, stop,
# down/up; and no broker process outlives a failed, interrupted or killed
# test.
. "$(dirname "$0")/../lib.sh"
tg_require kcat
tg_require python3
kl="$TG_TOP/scripts/kafka-local"
export TG_USE_REAL_KAFKA=0 # this script tests the local broker itself

tg_broker_start --topic four:4
B=$TG_BROKERS

# ---- interop ---------------------------------------------------------------

# 200 keyed lines, Cyrillic and emoji included, one partition: byte-exact
# and in order.
python3 -c '
for i in range(200):
    print("user%d\tmsg %d привет 👋 %s" % (i % 7, i, "x" * (i % 13)))' >"$TG_TMP/in.txt"
timeout 30 kcat -b "$B" -P -t telegram_messages -K $'\t' <"$TG_TMP/in.txt"
tg_check_eq "kcat -P exit status" "$?" 0
timeout 30 kcat -b "$B" -C -t telegram_messages -e -q -f '%k\t%s\n' >"$TG_TMP/out.txt"
tg_check_files_eq "200 keyed records round-trip exactly" "$TG_TMP/out.txt" "$TG_TMP/in.txt"

meta=$(timeout 10 kcat -b "$B" -L -t four)
tg_check "topic four has 4 partitions" grep -q 'topic "four" with 4 partitions' <<<"$meta"

# Four partitions: nothing lost or changed, one partition per key, and each
# key's records in production order.
python3 -c '
for i in range(400):
    print("k%02d:%04d" % (i % 20, i))' >"$TG_TMP/in4.txt"
timeout 30 kcat -b "$B" -P -t four -K : <"$TG_TMP/in4.txt"
timeout 30 kcat -b "$B" -C -t four -e -q -f '%p %k:%s\n' >"$TG_TMP/out4.txt"
tg_check_eq "4 partitions: same records" "$(cut -d' ' -f2 "$TG_TMP/out4.txt" | sort)" \
    "$(sort "$TG_TMP/in4.txt")"
tg_check_eq "4 partitions: each key in one partition" \
    "$(awk '{split($2, a, ":"); print a[1], $1}' "$TG_TMP/out4.txt" | sort -u | cut -d' ' -f1 | uniq -d)" ""
tg_check "4 partitions: more than one used" \
    test "$(cut -d' ' -f1 "$TG_TMP/out4.txt" | sort -u | wc -l)" -gt 1
tg_check_eq "4 partitions: per-key order kept" \
    "$(cut -d' ' -f2 "$TG_TMP/out4.txt" | awk -F: '($1 in last) && $2 <= last[$1] {print "out of order:", $0} {last[$1] = $2}')" ""

# Idempotent producer (InitProducerId) with acks=all, as tgproducer uses.
printf 'a:1\nb:2\n' | timeout 30 kcat -b "$B" -P -t idem -K : -X enable.idempotence=true -X acks=all
tg_check_eq "idempotent producer delivers" \
    "$(timeout 30 kcat -b "$B" -C -t idem -e -q -f '%k:%s\n' | sort)" $'a:1\nb:2'
tg_check "auto-created topic gets 4 partitions" \
    grep -q 'topic "idem" with 4 partitions' <<<"$(timeout 10 kcat -b "$B" -L -t idem)"

# Consumer group: committed offsets survive the consumer; a second run gets
# only what was produced since.  The mock holds a group that a member just
# left in rebalance for session.timeout.ms - 1 s, hence the short timeout.
group=(-G grp -X session.timeout.ms=6000 -X auto.offset.reset=earliest -e -q -f '%s\n')
first=$(timeout 30 kcat -b "$B" "${group[@]}" four | wc -l)
tg_check_eq "group: first run reads all 400" "$first" 400
printf 'z:new1\nz:new2\n' | timeout 30 kcat -b "$B" -P -t four -K :
tg_check_eq "group: second run resumes from the committed offsets" \
    "$(timeout 30 kcat -b "$B" "${group[@]}" four | sort | tr '\n' ' ')" "new1 new2 "

# Retention: a partition keeps about 5 MB; older message sets are dropped
# and the log start offset moves forward.
python3 -c '
import sys
for i in range(8000):
    sys.stdout.write("%06d%s\n" % (i, "x" * 1018))' |
    timeout 60 kcat -b "$B" -P -t big -p 0 -X linger.ms=5
offsets=$(timeout 30 kcat -b "$B" -C -t big -p 0 -o beginning -e -q -f '%o\n')
tg_check_eq "retention: the newest record is kept" "$(tail -n 1 <<<"$offsets")" 7999
tg_check "retention: the oldest records are gone (log starts past 0)" \
    test "$(head -n 1 <<<"$offsets")" -gt 0
tg_check "retention: at most ~5 MB kept" test "$(wc -l <<<"$offsets")" -le 5200

# ---- kafka-local ---------------------------------------------------------

tg_check_eq "status prints the address" "$(tg_kafka_local status)" "$B"
pid=$(cat "$TG_BROKER_DIR/kafka-local.pid")
tg_check_eq "start again reuses the running broker" \
    "$(tg_kafka_local start --topic four:4)" "$B"
tg_check_eq "... and its pid" "$(cat "$TG_BROKER_DIR/kafka-local.pid")" "$pid"

tg_broker_down
out=$(echo x | timeout 20 kcat -b "$B" -P -t telegram_messages -X message.timeout.ms=3000 2>&1)
tg_check "down: kcat cannot produce" test $? -ne 0
tg_check "down: connection refused" grep -q 'Connection refused' <<<"$out"
tg_broker_up
echo after | timeout 30 kcat -b "$B" -P -t telegram_messages
tg_check_eq "up: kcat produces again, earlier data kept" \
    "$(timeout 30 kcat -b "$B" -C -t telegram_messages -e -q -f '%s\n' | sed -n '1p;$p')" \
    $'msg 0 привет 👋 \nafter'
tg_check_eq "bad control command: usage status" \
    "$(tg_kafka_local down 9 2>&1 >/dev/null; echo $?)" \
    $'kafka-local: down 9: usage: down [BROKER_ID 1..1]\n64'

# gone PID: the process has exited (a zombie waiting for a reaper that may
# never come, in a container, counts as gone).
gone() {
    ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

tg_kafka_local stop
tg_check "stop: the broker process is gone" gone "$pid"
tg_check "stop: pid file removed" test ! -e "$TG_BROKER_DIR/kafka-local.pid"
tg_check_eq "status after stop: exit 3" "$(tg_kafka_local status 2>/dev/null; echo $?)" 3
tg_check_eq "stop again: exit 0" "$(tg_kafka_local stop; echo $?)" 0
tg_check_eq "down while stopped: exit 3" "$(tg_kafka_local down 2>/dev/null; echo $?)" 3

# A fixed port: the relay forwards bootstrap connections to the mock.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
d2="$TG_TMP/fixed"
tg_cleanup_push "\"$kl\" stop --dir \"$d2\""
tg_check_eq "--port: the address is the given port" \
    "$("$kl" start --dir "$d2" --port "$port" --owner $$)" "127.0.0.1:$port"
echo via-relay | timeout 30 kcat -b "127.0.0.1:$port" -P -t telegram_messages
tg_check_eq "--port: kcat works through the relay" \
    "$(timeout 30 kcat -b "127.0.0.1:$port" -C -t telegram_messages -e -q)" via-relay
"$kl" down --dir "$d2"
tg_check "--port: the relay refuses while down" \
    python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)) == 0)"
"$kl" up --dir "$d2"
tg_check_eq "--port: back after up" \
    "$(timeout 30 kcat -b "127.0.0.1:$port" -C -t telegram_messages -e -q)" via-relay
err=$("$kl" start --dir "$TG_TMP/clash" --port "$port" 2>&1 >/dev/null)
tg_check_eq "port in use: exit 69" "$?" 69
tg_check "port in use: says so" grep -q 'Address already in use' <<<"$err"
tg_check "port in use: no pid file left" test ! -e "$TG_TMP/clash/kafka-local.pid"
"$kl" start --dir "$TG_TMP/bad" --partitions 0 >/dev/null 2>&1
tg_check_eq "bad option for the broker: exit 64" "$?" 64
"$kl" stop --dir "$d2"

# ---- no process left behind ------------------------------------------------

# broker_pid_of DIR: the pid recorded by kafka-local in DIR.
broker_pid_of() { cat "$1/kafka-local.pid" 2>/dev/null; }

# A broker that never answers (a stub), so that start can be caught mid-way.
stub="$TG_TMP/stubbin"
mkdir -p "$stub"
printf '#!/usr/bin/env bash\nwhile :; do sleep 0.1; done\n' >"$stub/tg-kafka-mock"
chmod +x "$stub/tg-kafka-mock"

d3="$TG_TMP/interrupted"
TG_BINDIR=$stub "$kl" start --dir "$d3" >/dev/null 2>&1 &
starter=$!
tg_wait_until 10 test -s "$d3/kafka-local.pid"
spid=$(broker_pid_of "$d3")
kill -TERM "$starter"
wait "$starter" 2>/dev/null
tg_check "start interrupted: the half-started broker is killed" tg_wait_until 5 gone "$spid"
tg_check "start interrupted: pid file removed" test ! -e "$d3/kafka-local.pid"

TG_BINDIR=$stub TG_KAFKA_LOCAL_START_TIMEOUT=1 "$kl" start --dir "$d3" >/dev/null 2>&1
tg_check_eq "start timeout: exit 69" "$?" 69
tg_check "start timeout: nothing left" test ! -e "$d3/kafka-local.pid"

# Test scripts that fail, are terminated, or are SIGKILLed: none leaves its
# broker behind (cleanup at exit; --owner when no cleanup can run).
child="$TG_TMP/child.sh"
cat >"$child" <<EOF
. "$TG_TOP/tests/lib.sh"
tg_broker_start
printf '%s\n%s\n' "\$(cat "\$TG_BROKER_DIR/kafka-local.pid")" "\$TG_TMP" >"\$1.tmp"
mv "\$1.tmp" "\$1"
case "\$2" in
    fail) tg_fail "on purpose"; exit 1 ;;
    *) while :; do sleep 0.1; done ;;
esac
EOF
for how in fail TERM KILL; do
    info="$TG_TMP/child-$how"
    bash "$child" "$info" "$how" >/dev/null 2>&1 &
    cpid=$!
    tg_wait_until 15 test -s "$info"
    bpid=$(sed -n 1p "$info")
    tg_check "child test ($how): broker was running" test -n "$bpid"
    [ "$how" = fail ] || kill "-$how" "$cpid"
    wait "$cpid" 2>/dev/null
    tg_check "child test ($how): broker gone" tg_wait_until 10 gone "${bpid:-0}"
    # A killed script cannot remove its own temporary directory.
    [ "$how" = KILL ] && rm -rf "$(sed -n 2p "$info")"
done
