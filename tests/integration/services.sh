#!/usr/bin/env bash
# The systemd units and make install.  Both units are rated by
# `systemd-analyze security --offline=yes` at an exposure of at most 3.0 and
# pass `systemd-analyze verify` once installed (which also finds the
# binaries where ExecStart= says); their command lines are valid (-X dump
# parses them without running).  make install DESTDIR=... PREFIX=/usr puts
# exactly the expected files, with the expected modes, and make uninstall
# removes them.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require tgproducer
tg_require make

units="tgcount tgproducer"
fails() { ! "$@"; }

# ---- make install / uninstall ----------------------------------------------------
dest="$TG_TMP/dest"
make -s -C "$TG_TOP" --no-print-directory install DESTDIR="$dest" PREFIX=/usr \
    >"$TG_TMP/install.out" 2>"$TG_TMP/install.err"
tg_check_eq "make install: exit 0" "$?" 0
(cd "$dest" && find . -printf '%y %m %p\n' | grep '^f' | sort) >"$TG_TMP/installed"
cat >"$TG_TMP/expected" <<'LIST'
f 644 ./usr/lib/systemd/system/tgcount.service
f 644 ./usr/lib/systemd/system/tgproducer.service
f 644 ./usr/share/man/man1/tgcount.1
f 644 ./usr/share/man/man1/tgproducer.1
f 755 ./usr/bin/tgcount
f 755 ./usr/bin/tgplot
f 755 ./usr/bin/tgproducer
LIST
sort -o "$TG_TMP/expected" "$TG_TMP/expected"
tg_check_files_eq "make install PREFIX=/usr: these files, these modes" \
    "$TG_TMP/expected" "$TG_TMP/installed"
tg_check "make install: the installed tgcount is the built one" \
    cmp -s "$dest/usr/bin/tgcount" "$TG_TOP/bin/tgcount"
for u in $units; do
    tg_check "make install: $u.service runs /usr/bin/$u" \
        grep -q "^ExecStart=/usr/bin/$u " "$dest/usr/lib/systemd/system/$u.service"
done
make -s -C "$TG_TOP" --no-print-directory uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null 2>&1
tg_check_eq "make uninstall: exit 0" "$?" 0
tg_check_eq "make uninstall: no file left" "$(find "$dest" -type f | wc -l)" 0

dest2="$TG_TMP/dest2"
make -s -C "$TG_TOP" --no-print-directory install DESTDIR="$dest2" BINDIR=/opt/tg/bin \
    MANDIR=/opt/tg/man UNITDIR=/etc/systemd/system >/dev/null 2>&1
tg_check "BINDIR" test -x "$dest2/opt/tg/bin/tgcount"
tg_check "MANDIR" test -f "$dest2/opt/tg/man/man1/tgcount.1"
tg_check "UNITDIR" test -f "$dest2/etc/systemd/system/tgcount.service"
tg_check "BINDIR in ExecStart" grep -q '^ExecStart=/opt/tg/bin/tgcount ' \
    "$dest2/etc/systemd/system/tgcount.service"

# ---- what the units say -----------------------------------------------------------
tc_unit="$TG_TOP/scripts/tgcount.service"
tg_check "tgcount.service: a state directory" grep -qx 'StateDirectory=tgcount' "$tc_unit"
tg_check "tgcount.service: follow mode with -G, --checkpoint there, --stats" \
    grep -qE '^ExecStart=/usr/local/bin/tgcount -G [a-z]+ .*--checkpoint \$\{STATE_DIRECTORY\} .*--stats' \
    "$tc_unit"
tg_check "tgcount.service: no -e (it follows)" fails grep -qE '^ExecStart=.* (-e|--exit-at-end)( |$)' "$tc_unit"
for u in $units; do
    f="$TG_TOP/scripts/$u.service"
    for d in DynamicUser=yes NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
        PrivateTmp=yes PrivateDevices=yes 'CapabilityBoundingSet=' \
        'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'SystemCallFilter=@system-service'; do
        tg_check "$u.service: $d" grep -qxF "$d" "$f"
    done
    # The command line as systemd would run it, with -X dump: valid options,
    # nothing run (no broker, no token needed).
    cmd=$(sed -n 's/^ExecStart=//p' "$f")
    cmd=${cmd//\$\{STATE_DIRECTORY\}/$TG_TMP/state}
    cmd=${cmd//\$\{CREDENTIALS_DIRECTORY\}/$TG_TMP/cred}
    read -r -a argv <<<"$cmd"
    HOME=$TG_TMP "$u" "${argv[@]:1}" -X dump >"$TG_TMP/$u.dump" 2>"$TG_TMP/$u.dump.err"
    tg_check_eq "$u.service: its command line parses (-X dump: exit 0)" "$?" 0
    tg_check_eq "$u.service: its command line parses, nothing on stderr" \
        "$(cat "$TG_TMP/$u.dump.err")" ""
done
tg_check "tgcount.service: the group is the unit's" grep -qx 'group.id = tgcount' "$TG_TMP/tgcount.dump"

# ---- systemd-analyze --------------------------------------------------------------
if ! command -v systemd-analyze >/dev/null 2>&1; then
    tg_skip "systemd-analyze security and verify" "systemd-analyze not installed"
    exit 0
fi
echo "# $(systemd-analyze --version | head -n 1)"
for u in $units; do
    systemd-analyze security --offline=yes "$TG_TOP/scripts/$u.service" \
        >"$TG_TMP/$u.security" 2>&1
    exposure=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' \
        "$TG_TMP/$u.security")
    echo "# $u.service: exposure $exposure"
    tg_check "$u.service: systemd-analyze security rates it" test -n "$exposure"
    tg_check "$u.service: exposure $exposure <= 3.0" \
        awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 3.0) }'
done
# verify needs the units installed in a root that also has systemd's own
# units (sysinit.target ...) and the binaries at the ExecStart= paths.
root="$TG_TMP/root"
make -s -C "$TG_TOP" --no-print-directory install DESTDIR="$root" PREFIX=/usr/local \
    >/dev/null 2>&1
sysunits=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
[ -d "$sysunits" ] || sysunits=/usr/lib/systemd/system
[ -d "$sysunits" ] || sysunits=/lib/systemd/system
if [ -f "$sysunits/sysinit.target" ]; then
    mkdir -p "$root/usr/lib/systemd"
    cp -r "$sysunits" "$root/usr/lib/systemd/system"
    for u in $units; do
        systemd-analyze verify --root="$root" "$u.service" >"$TG_TMP/$u.verify" 2>&1
        tg_check_eq "$u.service: systemd-analyze verify: exit 0" "$?" 0
        tg_check_eq "$u.service: systemd-analyze verify: no complaint" \
            "$(cat "$TG_TMP/$u.verify")" ""
    done
    # verify does complain about a bad directive (so silence above means something).
    sed -i 's/^ProtectSystem=strict/ProtectSystem=bogus/' \
        "$root/usr/local/lib/systemd/system/tgcount.service"
    systemd-analyze verify --root="$root" tgcount.service >"$TG_TMP/bad.verify" 2>&1
    tg_check "systemd-analyze verify: a bad value is reported" \
        grep -q 'ProtectSystem\|protect system' "$TG_TMP/bad.verify"
else
    tg_skip "systemd-analyze verify" "no systemd unit directory with sysinit.target"
fi
