#!/usr/bin/env bash
# scripts/bench --quick end to end: it exits 0, prints one markdown table
# with every measurement of the bench, each row well formed with figures that
# parse, and leaves no temporary data behind.  No performance target is
# asserted here: a timed figure on a shared machine is not a test.
. "$(dirname "$0")/../lib.sh"
tg_require jq
tg_require kcat
tg_require python3

fails_grep() { ! grep -q "$@"; }

mkdir -p "$TG_TMP/tmp"
TMPDIR="$TG_TMP/tmp" "$TG_TOP/scripts/bench" --quick --bindir "$TG_BINDIR" \
    >"$TG_TMP/table.md" 2>"$TG_TMP/progress.txt"
rc=$?
tg_check_eq "bench --quick exits 0" "$rc" 0
if [ "$rc" -ne 0 ]; then tail -n 20 "$TG_TMP/progress.txt" | sed 's/^/  /'; fi
tg_check "progress goes to stderr" grep -q '^bench: ' "$TG_TMP/progress.txt"
tg_check "no traceback" fails_grep Traceback "$TG_TMP/progress.txt"
tg_check_eq "temporary data and the broker's directory are removed" \
    "$(find "$TG_TMP/tmp" -mindepth 1 | wc -l)" 0

# Every row: six cells; the figures each row must carry, as regular
# expressions over the whole row; the result cell is met, **gap** or empty.
check_table() {
    python3 - "$TG_TMP/table.md" <<'EOF'
import re, sys
lines = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8")]
rows = [l for l in lines if l.startswith("|")]
assert rows[0] == "| Measurement | tgstream | Compared with | Ratio | Target | Result |", rows[0]
assert re.fullmatch(r"\|(---\|){6}", rows[1]), rows[1]
body = [re.split(r"(?<!\\)\|", r)[1:-1] for r in rows[2:]]
num = r"[0-9][0-9,]*(\.[0-9]+)?"
want = [
    (r"^1\. From a file, ", rf"{num} rec/s, {num} MB/s; {num} rec/s per CPU-second.*"
                           rf"jq pipeline.*{num} rec/s, {num} MB/s.*{num}x"),
    (r"^1\. From a file: vs the jq pipeline", rf"{num}x"),
    (r"^1\. From a file: peak RSS", rf"{num} MB.*largest process: {num} MB"),
    (r"^2\. From the local broker, .*-p all", rf"{num} rec/s.*kcat -C.*{num} rec/s.*{num}%"),
    (r"^2\. From the local broker, in a consumer group", rf"{num} rec/s.*kcat -C -G.*{num} rec/s.*"
                                                        rf"{num}%"),
    (r"^2\. Results topic, exactly once", rf"{num} rec/s.*without --output-topic: {num} rec/s.*"
                                          rf"{num}%"),
    (r"^3\. tgproducer --fake --stdout", rf"{num} rec/s"),
    (r"^3\. Into the local broker", rf"tgproducer --fake: {num} rec/s.*kcat -P.*{num} rec/s.*"
                                    rf"{num}%"),
    (r"^4\. Peak RSS, ", rf"{num} distinct users.*{num} user-pane entries.*{num} MB"),
    (r"^4\. Memory per entry", rf"dedup keys {num} B per record.*{num} MB above.*budget.*{num} MB"),
    (r"^5\. Emission latency.*fetch\.wait\.max\.ms=", rf"p50 {num} ms, p99 {num} ms.*"
                                                      rf"kcat -C -u: p50 {num} ms, p99 {num} ms"),
    (r"^5\. Emission latency.*default fetch\.wait", rf"p50 {num} ms, p99 {num} ms.*"
                                                    rf"kcat -C -u: p50 {num} ms, p99 {num} ms"),
    (r"^6\. Restore one partition's state from its changelog, 10,000 users",
     rf"{num} ms: read and decode {num} ms, load {num} ms.*{num} MB in {num} chunk.*"
     rf"{num} B per user"),
    (r"^6\. Restore .*, 1,000 users behind 60 older snapshots",
     rf"{num} ms: read and decode, {num} of {num} offsets read.*the state alone: {num} ms.*"
     rf"{num}x"),
]
assert len(body) == len(want), f"{len(body)} rows, want {len(want)}"
for cells, (name, figures) in zip(body, want):
    assert len(cells) == 6, cells
    cells = [c.strip() for c in cells]
    assert re.search(name, cells[0]), (name, cells[0])
    assert re.search(figures, " | ".join(cells)), (figures, cells)
    assert cells[5] in ("met", "**gap**", ""), cells[5]
    assert (cells[5] == "") == (cells[4] in ("", "—")), cells
print("ok")
EOF
}
tg_check "the table has every row, each with figures that parse" check_table
tg_check "a note on the runs follows the table" grep -q '^Medians of 1 alternating run' \
    "$TG_TMP/table.md"

# --only runs a part: the file rows alone, nothing else.
TMPDIR="$TG_TMP/tmp" "$TG_TOP/scripts/bench" --quick --only file --bindir "$TG_BINDIR" \
    >"$TG_TMP/only.md" 2>"$TG_TMP/only.txt"
tg_check_eq "bench --only file exits 0" "$?" 0
tg_check_eq "bench --only file: three rows" "$(grep -c '^| [0-9]' "$TG_TMP/only.md")" 3
tg_check_eq "bench --only file: all of them file rows" \
    "$(grep '^| [0-9]' "$TG_TMP/only.md" | grep -vc '^| 1\. From a file')" 0
TMPDIR="$TG_TMP/tmp" "$TG_TOP/scripts/bench" --only nothing >/dev/null 2>"$TG_TMP/bad.txt"
tg_check_eq "bench --only with an unknown section: usage error" "$?" 2
