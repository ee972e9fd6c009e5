#!/usr/bin/env bash
# `make` on a machine without the -dev packages stops before compiling, with
# one line naming scripts/install-deps.sh, not a compiler's "No such file"
# on a header.  pkg-config is faked (PKG_CONFIG=...), in a copy of the
# sources, so the real build directory is never touched.
. "$(dirname "$0")/../lib.sh"
tg_require make

src="$TG_TMP/src"
mkdir -p "$src/tests"
cp -r "$TG_TOP/Makefile" "$TG_TOP/common" "$TG_TOP/consumer" "$TG_TOP/producer" \
    "$TG_TOP/scripts" "$src/"
cp -r "$TG_TOP/tests/unit" "$src/tests/"
# A pkg-config that knows every package but the ones named in $HIDE.
cat >"$TG_TMP/pkg-config" <<'SH'
#!/bin/sh
if [ "$1" = --exists ]; then
    for p in $HIDE; do [ "$2" = "$p" ] && exit 1; done
fi
exec pkg-config "$@"
SH
chmod +x "$TG_TMP/pkg-config"

# make_expect NAME WANT-MISSING MAKE-ARGS...: make fails in one line naming
# the missing packages and install-deps.sh, and compiles nothing.
make_expect() {
    local name=$1 want=$2
    shift 2
    make -C "$src" --no-print-directory "$@" >"$TG_TMP/make.out" 2>"$TG_TMP/make.err"
    local status=$?
    tg_check "$name: make fails" test "$status" -ne 0
    tg_check_eq "$name: one line on stderr" "$(wc -l <"$TG_TMP/make.err")" 1
    tg_check "$name: it names scripts/install-deps.sh" \
        grep -q 'missing build dependencies (pkg-config: '"$want"'): run scripts/install-deps.sh --build' \
        "$TG_TMP/make.err"
    tg_check "$name: no compiler error" fails grep -qiE 'error:|fatal' "$TG_TMP/make.err"
    tg_check_eq "$name: nothing compiled" "$(find "$src" -name '*.o' | wc -l)" 0
}
fails() { ! "$@"; }

make_expect "PKG_CONFIG=false" "rdkafka libcurl jansson" PKG_CONFIG=false
make_expect "no pkg-config at all" "rdkafka libcurl jansson" \
    PKG_CONFIG="$TG_TMP/no-such-pkg-config"
HIDE=jansson make_expect "jansson-dev missing" "jansson" PKG_CONFIG="$TG_TMP/pkg-config"
HIDE="rdkafka libcurl" make_expect "librdkafka-dev, libcurl-dev missing" "rdkafka libcurl" \
    PKG_CONFIG="$TG_TMP/pkg-config" -j2 all
make_expect "make SANITIZE=1 too" "rdkafka libcurl jansson" PKG_CONFIG=false SANITIZE=1

# Targets that compile nothing do not ask.
make -C "$src" --no-print-directory clean PKG_CONFIG=false >/dev/null 2>"$TG_TMP/clean.err"
tg_check_eq "make clean without the packages: exit 0" "$?" 0
tg_check_eq "make clean: nothing on stderr" "$(cat "$TG_TMP/clean.err")" ""

# With every package there, the check is silent and the build goes on
# (one object is enough to show it).
HIDE= make -C "$src" --no-print-directory PKG_CONFIG="$TG_TMP/pkg-config" \
    build/release/common/tg_number.o >"$TG_TMP/ok.out" 2>"$TG_TMP/ok.err"
tg_check_eq "every package: the object is built" "$?" 0
tg_check "every package: it exists" test -f "$src/build/release/common/tg_number.o"
tg_check "every package: no dependency message" fails grep -q 'install-deps' "$TG_TMP/ok.err"
