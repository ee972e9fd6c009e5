#!/usr/bin/env bash
# make demo (scripts/demo) prints both default windows, sorted, and leaves
# no broker behind; scripts/live without a token explains and exits 78.
. "$(dirname "$0")/../lib.sh"
tg_require tgproducer
tg_require tgcount

export TMPDIR="$TG_TMP"   # the demo's own work dir lands here, to be checked
"$TG_TOP/scripts/demo" --bindir "$TG_BINDIR" >"$TG_TMP/demo.out" 2>"$TG_TMP/demo.err"
tg_check_eq "demo exits 0" "$?" 0
tg_check "demo prints 1-minute windows" grep -q '^# 1m ' "$TG_TMP/demo.out"
tg_check "demo prints 10m/30s windows" grep -q '^# 10m/30s ' "$TG_TMP/demo.out"

# Every window: at most 5 rows (--top 5), `username, count`, counts
# descending then names ascending; 20 tumbling windows of 1 minute.
python3 - "$TG_TMP/demo.out" >"$TG_TMP/demo.check" <<'PY'
import sys
windows, rows, bad = {}, None, []
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("# "):
        rows = windows.setdefault(line, [])
        continue
    name, _, count = line.rpartition(", ")
    if rows is None or not name or not count.isdigit():
        bad.append(line)
        continue
    rows.append((-int(count), name.encode()))
for header, rows in windows.items():
    if not 1 <= len(rows) <= 5 or rows != sorted(rows):
        bad.append(header)
print(len([h for h in windows if h.startswith("# 1m ")]), len(bad))
PY
tg_check_eq "20 one-minute windows, each sorted, at most 5 rows" "$(cat "$TG_TMP/demo.check")" "20 0"
tg_check "demo reports the broker stopped" grep -q 'the broker is stopped' "$TG_TMP/demo.err"
tg_check_eq "demo leaves no work directory (and so no broker) behind" \
    "$(find "$TG_TMP" -maxdepth 1 -name 'tgstream-demo.*' | wc -l)" 0
demo_brokers() { pgrep -a -x tg-kafka-mock | grep -cF "$TG_TMP"; }
tg_check_eq "no tg-kafka-mock of the demo still running" "$(demo_brokers)" 0

tg_check "demo checks that nothing was lost" \
    grep -q '^== done: all 3600 records counted, none lost' "$TG_TMP/demo.err"
# -e stops before the last windows close: they are marked, and counted.
prov=$(grep -c '^# .* provisional$' "$TG_TMP/demo.out")
tg_check "demo: the windows open at -e are marked provisional" test "$prov" -gt 0
tg_check "demo: says how many windows are provisional" \
    grep -q "^== done: .* the $prov windows still open at -e are marked provisional" \
    "$TG_TMP/demo.err"

# 360,000 records (5 hours at 20 messages/s) overflowed the 2-partition topic
# the demo used: 29,718 counted, and "every window above is final".  Now
# every record is counted, and the demo says so.
start=$(date +%s)
DEMO_MINUTES=300 DEMO_RATE=20 "$TG_TOP/scripts/demo" --bindir "$TG_BINDIR" \
    >"$TG_TMP/big.out" 2>"$TG_TMP/big.err"
tg_check_eq "DEMO_MINUTES=300 DEMO_RATE=20: exit 0" "$?" 0
echo "# the 360,000-record demo took $(($(date +%s) - start)) s"
tg_check "DEMO_MINUTES=300 DEMO_RATE=20: every record read, none lost" \
    grep -q '^tgcount: stats: read=360000 counted=360000 .* lost=0 ' "$TG_TMP/big.err"
tg_check "DEMO_MINUTES=300 DEMO_RATE=20: says so" \
    grep -q '^== done: all 360000 records counted, none lost' "$TG_TMP/big.err"
tg_check_eq "DEMO_MINUTES=300 DEMO_RATE=20: 300 one-minute windows" \
    "$(grep -c '^# 1m ' "$TG_TMP/big.out")" 300

env -u TELEGRAM_BOT_TOKEN "$TG_TOP/scripts/live" >"$TG_TMP/live.out" 2>"$TG_TMP/live.err"
tg_check_eq "live without a token exits 78" "$?" 78
tg_check "live without a token says what to do" grep -q '@BotFather' "$TG_TMP/live.err"
tg_check_eq "live without a token writes nothing to stdout" "$(wc -c <"$TG_TMP/live.out")" 0
