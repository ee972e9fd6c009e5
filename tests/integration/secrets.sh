#!/usr/bin/env bash
# Secrets not covered elsewhere.  Already tested: the bot token
# absent from argv (/proc/PID/cmdline), stdout, stderr and the state file,
# core dumps off while tgproducer holds it, a token file readable by group
# or others refused with exit 78 (tgproducer_botapi.sh, tgproducer_fake.sh,
# e2e.sh); state, lock and checkpoint files 0600 whatever the umask (unit
# tests of tg_fileio, tp_state, tc_pipeline).  Here: Kafka TLS/SASL settings
# pass through -F and -X into both tools, and the SASL password is never
# printed, not even with librdkafka's debug output; tgcount's checkpoint
# written by the real binary under umask 000 is 0600 in a 0700 directory.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require tgproducer

PASSWORD='Pa55-w0rd-s3cret-9f2c'
cat >"$TG_TMP/client.properties" <<EOF
# the README's SASL_SSL example (without ssl.ca.location, which needs a
# real CA file), with a password to look for
security.protocol = SASL_SSL
sasl.mechanisms = SCRAM-SHA-512
sasl.username = tgstream
sasl.password = $PASSWORD
EOF
chmod 600 "$TG_TMP/client.properties"
no_password() { ! grep -qF -- "$PASSWORD" "$@"; }
# Port 1 on loopback: nothing listens, so every run ends quickly, and the
# exit status tells whether the configuration was accepted (78 if not).
DEBUG=(-X debug=conf,security,broker -vv)

# ---- SASL_SSL through -F ---------------------------------------------------------
timeout 20 tgcount -b 127.0.0.1:1 -F "$TG_TMP/client.properties" "${DEBUG[@]}" \
    --connect-timeout 1s -e >"$TG_TMP/c.out" 2>"$TG_TMP/c.err"
tg_check_eq "tgcount -F SASL_SSL: accepted, brokers unreachable (69)" "$?" 69
tg_check "tgcount -F SASL_SSL: connects with sasl_ssl" grep -q 'sasl_ssl://127.0.0.1:1' \
    "$TG_TMP/c.err"
tg_check "tgcount -F SASL_SSL: the password is printed nowhere" \
    no_password "$TG_TMP/c.out" "$TG_TMP/c.err"
tg_check "tgcount -F SASL_SSL: librdkafka's own dump redacts it" \
    grep -q 'sasl.password = \[redacted\]' "$TG_TMP/c.err"

timeout 20 tgproducer --fake --count 3 -b 127.0.0.1:1 -F "$TG_TMP/client.properties" \
    "${DEBUG[@]}" --delivery-timeout 1s >"$TG_TMP/p.out" 2>"$TG_TMP/p.err"
status=$?
tg_check "tgproducer -F SASL_SSL: accepted, undelivered (69 or 75, got $status)" \
    test "$status" = 69 -o "$status" = 75
tg_check "tgproducer -F SASL_SSL: the password is printed nowhere" \
    no_password "$TG_TMP/p.out" "$TG_TMP/p.err"

# ---- the same through -X (visible in ps: the README advises -F for secrets) ------
timeout 20 tgcount -b 127.0.0.1:1 -X security.protocol=SASL_SSL \
    -X sasl.mechanisms=PLAIN -X sasl.username=u -X "sasl.password=$PASSWORD" \
    "${DEBUG[@]}" --connect-timeout 1s -e >"$TG_TMP/x.out" 2>"$TG_TMP/x.err"
tg_check_eq "tgcount -X SASL_SSL: accepted (69)" "$?" 69
tg_check "tgcount -X SASL_SSL: the password is printed nowhere" \
    no_password "$TG_TMP/x.out" "$TG_TMP/x.err"

# A misspelt property names the file and line, and does not echo the
# password of the line next to it.
printf 'sasl.password=%s\nsasl.pasword=%s\n' "$PASSWORD" "$PASSWORD" >"$TG_TMP/typo.properties"
tgcount -b 127.0.0.1:1 -F "$TG_TMP/typo.properties" -e </dev/null >/dev/null 2>"$TG_TMP/typo.err"
tg_check_eq "-F typo: exit 78" "$?" 78
tg_check "-F typo: names file and line" grep -q 'typo.properties:2: ' "$TG_TMP/typo.err"

# ---- checkpoint modes under umask 000 ------------------------------------------------------
if ! command -v kcat >/dev/null 2>&1; then
    tg_skip "checkpoint modes" "kcat is not installed"
    exit 0
fi
export TG_USE_REAL_KAFKA=0
tg_broker_start --topic s:1
printf '{"event_time":"2024-05-01T12:00:01Z","channel_id":-1,"message_id":1,"username":"a"}\n' |
    timeout 20 kcat -P -b "$TG_BROKERS" -t s
(
    umask 000
    timeout 40 tgcount -b "$TG_BROKERS" -t s -G s -o beginning -e \
        --checkpoint "$TG_TMP/new/ckpt" >/dev/null 2>"$TG_TMP/ck.err"
)
tg_check_eq "checkpoint under umask 000: exit 0" "$?" 0
tg_check_eq "checkpoint under umask 000: file 0600" \
    "$(stat -c %a "$TG_TMP/new/ckpt/tgcount.ckpt" 2>&1)" 600
tg_check_eq "checkpoint under umask 000: its lock file 0600" \
    "$(stat -c %a "$TG_TMP/new/ckpt/tgcount.lock" 2>&1)" 600
tg_check_eq "checkpoint under umask 000: directories it created 0700" \
    "$(stat -c %a "$TG_TMP/new" "$TG_TMP/new/ckpt" 2>&1 | tr '\n' ' ')" "700 700 "
