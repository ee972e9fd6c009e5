#!/usr/bin/env bash
# Installs from Debian only the packages that are missing, so that a fresh
# machine needs no manual step before `make`, `make test` or `make demo`.
# Idempotent and quiet when everything is there.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --build  build dependencies only
set -eu
build_pkgs="build-essential pkg-config librdkafka-dev libcurl4-openssl-dev libjansson-dev libncurses-dev"
test_pkgs="kcat python3 python3-kafka acl jq curl time clang libclang-rt-14-dev valgrind gnuplot-nox tmux"
case "${1:-}" in
    --build) wanted=$build_pkgs ;;
    "") wanted="$build_pkgs $test_pkgs" ;;
    *) echo "install-deps.sh: unknown option: $1" >&2; exit 64 ;;
esac

missing=""
for pkg in $wanted; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done
[ -z "$missing" ] && exit 0

echo "install-deps.sh: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
    command -v sudo >/dev/null 2>&1 || {
        echo "install-deps.sh: need root (or sudo) to install:$missing" >&2
        exit 77
    }
else
    sudo=
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >&2
