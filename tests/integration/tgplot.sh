#!/usr/bin/env bash
# scripts/tgplot: charts from tgcount's CSV and JSON-lines output.
#
# tests/tgplot/counts.csv is written by hand (counts.jsonl holds the same
# rows, keys in another order); both carry an extra column or key that
# tgplot must ignore.  Its 1m windows, 12:00, 12:01 and 12:02:
#
#   user               12:00  12:01  12:02  total
#   алиса                  5      1      2      8
#   bob_smith              3      4             7
#   c@rol^{1}              2      4             6
#   eve's "mug", 2                6             6
#   😀dave                 1             3      4
#   frank                                1      1
#
# so the top five are the first five, in that order (c@rol before eve: a
# tie goes to byte order), and the top two алиса and bob_smith.  The
# 10m/30s rows belong to ivan and bob_smith.  final.csv and final.jsonl
# hold the same 1m rows with a final column, false for 12:02.
. "$(dirname "$0")/../lib.sh"
tg_require gnuplot
tg_require python3

tgplot=$TG_TOP/scripts/tgplot
data=$TG_TOP/tests/tgplot

# svg_facts FILE: the root's width and height, then one line per legend
# entry (the text of a plot group), then the number of filled and of open
# points drawn for data (in plot groups without text; gnuplot's pt 7 is
# gpPt6, pt 6 is gpPt5).
svg_facts() {
    python3 - "$1" <<'PY'
import sys
import xml.etree.ElementTree as ET
SVG = "{http://www.w3.org/2000/svg}"
HREF = "{http://www.w3.org/1999/xlink}href"
root = ET.parse(sys.argv[1]).getroot()
print(root.get("width"), root.get("height"))
filled = hollow = 0
for group in root.iter(SVG + "g"):
    if not (group.get("id") or "").startswith("gnuplot_plot_"):
        continue
    texts = ["".join(t.itertext()) for t in group.iter(SVG + "text")]
    for text in texts:
        print("legend:", text)
    if not texts:
        marks = [u.get(HREF) for u in group.iter(SVG + "use")]
        filled += marks.count("#gpPt6")
        hollow += marks.count("#gpPt5")
print("points:", filled, hollow)
PY
}

legend_of() { svg_facts "$1" | sed -n 's/^legend: //p'; }

# ---- PNG of the requested size -------------------------------------------------------
"$tgplot" -w 1m --size 640x360 -o "$TG_TMP/counts.png" "$data/counts.csv" 2>"$TG_TMP/png.err"
tg_check_eq "png: exit 0" "$?" 0
tg_check_eq "png: nothing on stderr" "$(cat "$TG_TMP/png.err")" ""
png_header=$(python3 - "$TG_TMP/counts.png" <<'PY'
import struct, sys
head = open(sys.argv[1], "rb").read(24)
width, height = struct.unpack(">II", head[16:24])
print(head[:8] == b"\x89PNG\r\n\x1a\n", head[12:16].decode("latin-1"), width, height)
PY
)
tg_check_eq "png: signature, IHDR, 640x360" "$png_header" "True IHDR 640 360"

# ---- SVG: size, legend, CSV and JSON alike ------------------------------------------------
"$tgplot" -w 1m --size 800x400 -o "$TG_TMP/counts.svg" "$data/counts.csv"
tg_check_eq "svg: exit 0" "$?" 0
tg_check_eq "svg: the root's width and height" "$(svg_facts "$TG_TMP/counts.svg" | sed -n 1p)" \
    "800 400"
top5=$(printf '%s\n' алиса bob_smith 'c@rol^{1}' "eve's \"mug\", 2" 😀dave)
tg_check_eq "svg: the legend holds the top five, by rank, as text" \
    "$(legend_of "$TG_TMP/counts.svg")" "$top5"
tg_check_eq "svg: five lines of three windows, every point filled" \
    "$(svg_facts "$TG_TMP/counts.svg" | tail -n 1)" "points: 15 0"
"$tgplot" -w 1m --size 800x400 -o "$TG_TMP/counts-json.svg" <"$data/counts.jsonl"
tg_check_eq "json from stdin: exit 0" "$?" 0
tg_check_files_eq "json: the same chart as from the CSV" \
    "$TG_TMP/counts-json.svg" "$TG_TMP/counts.svg"
"$tgplot" -o "$TG_TMP/default.svg" "$data/counts.csv"
tg_check_eq "no -w: the spec of the first row (1m)" "$(legend_of "$TG_TMP/default.svg")" "$top5"
tg_check_eq "no --size: 1000x500" "$(svg_facts "$TG_TMP/default.svg" | sed -n 1p)" "1000 500"
"$tgplot" -w 10m/30s -o "$TG_TMP/sliding.svg" "$data/counts.csv"
tg_check_eq "-w 10m/30s: that spec's users" "$(legend_of "$TG_TMP/sliding.svg")" \
    "$(printf '%s\n' ivan bob_smith)"
"$tgplot" -w 1m --format svg -o - "$data/counts.csv" >"$TG_TMP/stdout.svg"
tg_check_files_eq "-o - --format svg: the chart on stdout" "$TG_TMP/stdout.svg" \
    "$TG_TMP/default.svg"

# ---- -n 2 -----------------------------------------------------------------------------------
"$tgplot" -w 1m -n 2 -o "$TG_TMP/top2.svg" "$data/counts.jsonl"
tg_check_eq "-n 2: алиса (8) and bob_smith (7)" "$(legend_of "$TG_TMP/top2.svg")" \
    "$(printf '%s\n' алиса bob_smith)"

# ---- provisional windows and --final-only -----------------------------------------------
# The 12:02 window is provisional: its five points are open, with a legend
# line saying so.  --final-only drops it: 12:00 and 12:01 remain, and the
# totals become bob_smith 7, then алиса, c@rol^{1} and eve's 6 each (in
# byte order: Cyrillic after Latin), then 😀dave 1; frank had only 12:02.
for input in final.csv final.jsonl; do
    "$tgplot" -o "$TG_TMP/final.svg" "$data/$input"
    tg_check_eq "$input: 10 filled points, 5 open ones" \
        "$(svg_facts "$TG_TMP/final.svg" | tail -n 1)" "points: 10 5"
    tg_check_eq "$input: the legend explains the open points" \
        "$(legend_of "$TG_TMP/final.svg")" "$top5"$'\nopen point: window not final yet'
    "$tgplot" --final-only -o "$TG_TMP/final-only.svg" "$data/$input"
    tg_check_eq "$input --final-only: 10 filled points, none open" \
        "$(svg_facts "$TG_TMP/final-only.svg" | tail -n 1)" "points: 10 0"
    tg_check_eq "$input --final-only: ranked by the final windows, no note" \
        "$(legend_of "$TG_TMP/final-only.svg")" \
        "$(printf '%s\n' bob_smith 'c@rol^{1}' "eve's \"mug\", 2" алиса 😀dave)"
done

# ---- errors: one line, a documented status, no file -------------------------------------------
mkdir "$TG_TMP/out"
"$tgplot" -w 5m -o "$TG_TMP/out/x.png" "$data/counts.csv" 2>"$TG_TMP/spec.err"
tg_check_eq "unknown spec: exit 65" "$?" 65
tg_check_eq "unknown spec: the message lists the specs present" "$(cat "$TG_TMP/spec.err")" \
    "tgplot: $data/counts.csv: no rows for window spec 5m; the input has: 1m, 10m/30s"

"$tgplot" -o "$TG_TMP/out/x.png" </dev/null 2>"$TG_TMP/empty.err"
tg_check_eq "empty input: exit 65" "$?" 65
tg_check "empty input: says so" grep -qx 'tgplot: (stdin): empty input: .*' "$TG_TMP/empty.err"
head -n 1 "$data/counts.csv" | "$tgplot" -o "$TG_TMP/out/x.png" 2>"$TG_TMP/header.err"
tg_check_eq "a CSV header alone: exit 65" "$?" 65

tgcount -w 1m "$TG_TOP/tests/golden/csv/input.jsonl" 2>/dev/null |
    "$tgplot" -o "$TG_TMP/out/x.png" 2>"$TG_TMP/text.err"
tg_check_eq "tgcount's text output: exit 65" "$?" 65
tg_check "tgcount's text output: names -f csv" grep -q 'run tgcount with -f csv' "$TG_TMP/text.err"

"$tgplot" -o "$TG_TMP/out/x.gif" "$data/counts.csv" 2>"$TG_TMP/gif.err"
tg_check_eq "unknown output format: exit 64" "$?" 64

# A PATH with bash and nothing else: no gnuplot.
mkdir "$TG_TMP/bash-only"
ln -s "$(command -v bash)" "$TG_TMP/bash-only/bash"
PATH=$TG_TMP/bash-only "$tgplot" -o "$TG_TMP/out/x.png" "$data/counts.csv" 2>"$TG_TMP/nognuplot.err"
tg_check_eq "gnuplot missing: exit 69" "$?" 69
tg_check_eq "gnuplot missing: one line naming scripts/install-deps.sh" \
    "$(grep -c 'gnuplot is not installed: run scripts/install-deps.sh' "$TG_TMP/nognuplot.err")/$(wc -l <"$TG_TMP/nognuplot.err")" \
    "1/1"
tg_check_eq "after every error above: nothing in the output directory" "$(ls -A "$TG_TMP/out")" ""

# gnuplot that fails half-way through writing: the chart already there
# stays as it was, and no temporary file is left next to it.
mkdir "$TG_TMP/broken-gnuplot"
printf '#!/bin/sh\nprintf "half a chart"\necho "line 1: out of luck" >&2\nexit 1\n' \
    >"$TG_TMP/broken-gnuplot/gnuplot"
chmod +x "$TG_TMP/broken-gnuplot/gnuplot"
echo "the old chart" >"$TG_TMP/out/chart.png"
PATH=$TG_TMP/broken-gnuplot:$PATH "$tgplot" -o "$TG_TMP/out/chart.png" "$data/counts.csv" \
    2>"$TG_TMP/broken.err"
tg_check_eq "gnuplot fails: exit 70" "$?" 70
tg_check "gnuplot fails: its message is shown" grep -q 'gnuplot: line 1: out of luck' \
    "$TG_TMP/broken.err"
tg_check_eq "gnuplot fails: the old chart is intact" "$(cat "$TG_TMP/out/chart.png")" "the old chart"
tg_check_eq "gnuplot fails: no temporary file left" "$(ls -A "$TG_TMP/out")" "chart.png"

# An unwritable output directory.  As root, permissions do not stop
# writes: the directory is made immutable (chattr), otherwise read-only.
ro=$TG_TMP/read-only
mkdir "$ro"
echo "the old chart" >"$ro/chart.png"
tg_cleanup_push "chattr -i '$ro'; chmod 700 '$ro'"
if [ "$(id -u)" = 0 ]; then chattr +i "$ro" 2>/dev/null; else chmod 500 "$ro"; fi
if ! touch "$ro/probe" 2>/dev/null; then
    "$tgplot" -o "$ro/chart.png" "$data/counts.csv" 2>"$TG_TMP/ro.err"
    tg_check_eq "unwritable directory: exit 73" "$?" 73
    tg_check "unwritable directory: one line naming the file" \
        grep -qx "tgplot: cannot create $ro/chart.png: .*" "$TG_TMP/ro.err"
    tg_check_eq "unwritable directory: the old chart intact, nothing else" \
        "$(ls -A "$ro")/$(cat "$ro/chart.png")" "chart.png/the old chart"
else
    tg_skip "unwritable directory" "cannot make a directory unwritable here"
fi
chattr -i "$ro" 2>/dev/null
chmod 700 "$ro"

# ---- --help -----------------------------------------------------------------------------------------
"$tgplot" --help >"$TG_TMP/help.out"
tg_check_eq "--help: exit 0" "$?" 0
tg_check_eq "--help: every exit status" \
    "$(grep -oE '^  (0|64|65|69|70|73) ' "$TG_TMP/help.out" | tr -d ' ' | tr '\n' ' ')" \
    "0 64 65 69 70 73 "
