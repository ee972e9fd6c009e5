#!/usr/bin/env bash
# kcat's conventions in both tools: -X list (librdkafka's property table),
# -X dump (the configuration in effect, secrets [redacted]), -d CTX (=
# -X debug=CTX), and the default properties file ($TGSTREAM_CONFIG, else
# ~/.config/tgstream/kafka.properties) read before -F/-X.  And tgcount's
# client.id, tgcount@<hostname> unless -X/-F sets one, as the client itself
# reports it (librdkafka's own "debug=conf" dump when the handle is made).
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require tgproducer

not_grep() { ! grep "$@"; }
host=$(hostname)
# No developer's default file: every run below names its own HOME.
export HOME="$TG_TMP/home"
mkdir -p "$HOME"
unset TGSTREAM_CONFIG KAFKA_BOOTSTRAP_SERVERS

# ---- -X list ---------------------------------------------------------------------
for tool in tgcount tgproducer; do
    "$tool" -X list >"$TG_TMP/$tool.list" 2>"$TG_TMP/$tool.list.err"
    tg_check_eq "$tool -X list: exit 0" "$?" 0
    tg_check_eq "$tool -X list: nothing on stderr" "$(cat "$TG_TMP/$tool.list.err")" ""
    # librdkafka's CONFIGURATION.md table: a header per scope, one row per property.
    tg_check "$tool -X list: the global table" \
        grep -q '^## Global configuration properties' "$TG_TMP/$tool.list"
    tg_check "$tool -X list: the topic table" \
        grep -q '^## Topic configuration properties' "$TG_TMP/$tool.list"
    tg_check "$tool -X list: client.id's row" grep -q '^client\.id  *|' "$TG_TMP/$tool.list"
done
tg_check_files_eq "-X list: both tools print the same table" \
    "$TG_TMP/tgcount.list" "$TG_TMP/tgproducer.list"
# What follows -X list is not even read.
tgcount -X list -X no.such.property=1 >/dev/null 2>&1
tg_check_eq "-X list: later options are not read" "$?" 0

# ---- -X dump ---------------------------------------------------------------------
tgcount -b b1:9092 -X sasl.password=hunter2pw -X ssl.key.password=keypw42 -X dump \
    -X statistics.interval.ms=7000 >"$TG_TMP/count.dump" 2>"$TG_TMP/count.dump.err"
tg_check_eq "tgcount -X dump: exit 0" "$?" 0
tg_check_eq "tgcount -X dump: nothing on stderr" "$(cat "$TG_TMP/count.dump.err")" ""
tg_check "tgcount -X dump: client.id" grep -qxF "client.id = tgcount@$host" "$TG_TMP/count.dump"
tg_check "tgcount -X dump: -b" grep -qxF "metadata.broker.list = b1:9092" "$TG_TMP/count.dump"
tg_check "tgcount -X dump: a later -X applies" grep -qxF "statistics.interval.ms = 7000" "$TG_TMP/count.dump"
tg_check "tgcount -X dump: sasl.password redacted" \
    grep -qxF "sasl.password = [redacted]" "$TG_TMP/count.dump"
tg_check "tgcount -X dump: ssl.key.password redacted" \
    grep -qxF "ssl.key.password = [redacted]" "$TG_TMP/count.dump"
tg_check "tgcount -X dump: no secret printed" \
    not_grep -qE "hunter2pw|keypw42" "$TG_TMP/count.dump"
tgcount -G grp1 -X group.id=other -X dump >"$TG_TMP/g.dump" 2>&1
tg_check "tgcount -X dump: -G wins, as when the consumer is made" \
    grep -qxF "group.id = grp1" "$TG_TMP/g.dump"
tg_check "tgcount -X dump: the topic section" grep -qxF "# Topic config" "$TG_TMP/count.dump"
KAFKA_BOOTSTRAP_SERVERS=env1:9092 tgproducer -d broker,topic -X ssl.keystore.password=oauthsec9 \
    -X dump >"$TG_TMP/prod.dump" 2>&1
tg_check_eq "tgproducer -X dump: exit 0" "$?" 0
tg_check "tgproducer -X dump: client.id" \
    grep -qxF "client.id = tgproducer@$host" "$TG_TMP/prod.dump"
tg_check "tgproducer -X dump: brokers from the environment" \
    grep -qxF "metadata.broker.list = env1:9092" "$TG_TMP/prod.dump"
tg_check "tgproducer -X dump: -d is debug" grep -qxF "debug = broker,topic" "$TG_TMP/prod.dump"
tg_check "tgproducer -X dump: its defaults" \
    grep -qxF "partitioner = murmur2_random" "$TG_TMP/prod.dump"
tg_check "tgproducer -X dump: the keystore password redacted" \
    grep -qxF "ssl.keystore.password = [redacted]" "$TG_TMP/prod.dump"
tg_check "tgproducer -X dump: no secret printed" not_grep -q oauthsec9 "$TG_TMP/prod.dump"

tgcount -d no_such_context 2>"$TG_TMP/d.err"
tg_check_eq "-d: a bad context is a configuration error" "$?" 78
tg_check "-d: refused in -d's name" grep -q '^tgcount: -d: ' "$TG_TMP/d.err"

# ---- the default properties file -------------------------------------------------
mkdir -p "$HOME/.config/tgstream"
printf '# defaults\nclient.id = from-home\nsasl.password = homesecret77\nsocket.timeout.ms = 3000\n' \
    >"$HOME/.config/tgstream/kafka.properties"
tgproducer -X dump >"$TG_TMP/home.dump" 2>&1
tg_check "home file: read" grep -qxF "client.id = from-home" "$TG_TMP/home.dump"
tg_check "home file: its secret redacted" grep -qxF "sasl.password = [redacted]" "$TG_TMP/home.dump"
tg_check "home file: its secret never printed" not_grep -q homesecret77 "$TG_TMP/home.dump"
tgcount -X socket.timeout.ms=9000 -X dump >"$TG_TMP/home-x.dump" 2>&1
tg_check "home file: -X wins over it" grep -qxF "socket.timeout.ms = 9000" "$TG_TMP/home-x.dump"
tg_check "home file: what -X left stays" grep -qxF "client.id = from-home" "$TG_TMP/home-x.dump"
printf 'socket.timeout.ms = 11000\n' >"$TG_TMP/f.properties"
tgcount -F "$TG_TMP/f.properties" -X dump >"$TG_TMP/home-f.dump" 2>&1
tg_check "home file: -F wins over it" grep -qxF "socket.timeout.ms = 11000" "$TG_TMP/home-f.dump"

printf 'client.id = from-env\n' >"$TG_TMP/env.properties"
TGSTREAM_CONFIG="$TG_TMP/env.properties" tgcount -X dump >"$TG_TMP/env.dump" 2>&1
tg_check "\$TGSTREAM_CONFIG: read instead of the home file" \
    grep -qxF "client.id = from-env" "$TG_TMP/env.dump"
tg_check "\$TGSTREAM_CONFIG: the home file not read" not_grep -qxF "socket.timeout.ms = 3000" "$TG_TMP/env.dump"
for tool in tgcount tgproducer; do
    TGSTREAM_CONFIG="$TG_TMP/missing.properties" "$tool" -X dump >"$TG_TMP/miss.out" \
        2>"$TG_TMP/miss.err"
    tg_check_eq "\$TGSTREAM_CONFIG missing, $tool: exit 78" "$?" 78
    tg_check_eq "\$TGSTREAM_CONFIG missing, $tool: one line" \
        "$(cat "$TG_TMP/miss.err")" \
        "$tool: \$TGSTREAM_CONFIG: $TG_TMP/missing.properties: No such file or directory"
    tg_check_eq "\$TGSTREAM_CONFIG missing, $tool: nothing on stdout" "$(cat "$TG_TMP/miss.out")" ""
done
printf 'linger.ms = 1\nsasl.password\n' >"$TG_TMP/bad.properties"
TGSTREAM_CONFIG="$TG_TMP/bad.properties" tgcount -e 2>"$TG_TMP/bad.err" </dev/null
tg_check_eq "\$TGSTREAM_CONFIG bad line: exit 78" "$?" 78
tg_check_eq "\$TGSTREAM_CONFIG bad line: file and line" "$(cat "$TG_TMP/bad.err")" \
    "tgcount: \$TGSTREAM_CONFIG: $TG_TMP/bad.properties:2: expected name=value"
# The default file never turns tgcount's FILE input into Kafka input.
printf '{"event_time":"2024-01-01T00:00:10Z","channel_id":1,"message_id":1,"username":"ann"}\n' \
    >"$TG_TMP/in.jsonl"
TGSTREAM_CONFIG="$TG_TMP/missing.properties" tgcount -w 1m "$TG_TMP/in.jsonl" >"$TG_TMP/file.out"
tg_check_eq "FILE input: no Kafka, no default file read" "$?" 0
tg_check "FILE input: counted" grep -q '^ann, 1$' "$TG_TMP/file.out"
rm -f "$HOME/.config/tgstream/kafka.properties"

# ---- tgcount's client.id, as the client reports it --------------------------------
# Nothing listens on port 9: the handle is made (and librdkafka dumps its
# configuration) before tgcount gives up on the brokers with 69.
cid_run() {
    timeout 30 tgcount -b 127.0.0.1:9 -t cid -e -d conf -vv --connect-timeout 2s "$@" \
        </dev/null 2>&1 >/dev/null
}
cid_run >"$TG_TMP/cid.err"
tg_check "tgcount client.id: tgcount@$host by default" \
    grep -qF "client.id = tgcount@$host" "$TG_TMP/cid.err"
tg_check "tgcount client.id: names the handle" \
    grep -qF "tgcount@$host#consumer-1 initialized" "$TG_TMP/cid.err"
cid_run -X client.id=my-counter >"$TG_TMP/cid-x.err"
tg_check "tgcount client.id: -X wins" grep -qF "client.id = my-counter" "$TG_TMP/cid-x.err"
tg_check "tgcount client.id: -X, no default left" not_grep -qF "tgcount@" "$TG_TMP/cid-x.err"
printf 'client.id = counter-from-file\nsasl.password = ciddebugpw\n' >"$TG_TMP/cid.properties"
cid_run -F "$TG_TMP/cid.properties" >"$TG_TMP/cid-f.err"
tg_check "tgcount client.id: -F wins" grep -qF "client.id = counter-from-file" "$TG_TMP/cid-f.err"
tg_check "tgcount -d conf: librdkafka keeps the password out" \
    not_grep -q ciddebugpw "$TG_TMP/cid-f.err"
