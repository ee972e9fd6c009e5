#!/usr/bin/env bash
# Differential test: tgcount (panes, shared counters, hashing, dedup
# forgetting) against tgcount_model.py (whole windows, the window contract's
# wording step by step) on random inputs with out-of-order and late records,
# duplicates, missing ids and usernames and malformed lines, under several
# window sets, lateness values and output formats.
. "$(dirname "$0")/../lib.sh"
tg_require tgcount
tg_require python3
model="$(dirname "$0")/tgcount_model.py"

configs=(
    ""
    "-w 1m -l 0"
    "-w 45s/20s -w 2m -l 10s"
    "-w 1m -w 10m/30s -l 5s -n 3"
    "-w 90s/30s -l 2m --no-dedup"
    "-w 1s -w 7s/3s -l 1s -f json"
    "-w 5m/1m -l 0 -f csv"
    "-w 90/30 -w 2m -l 45"
)
seeds=${TG_MODEL_SEEDS:-42}
differ=0
for seed in $(seq 1 "$seeds"); do
    args=${configs[$((seed % ${#configs[@]}))]}
    python3 "$model" gen "$seed" >"$TG_TMP/in.jsonl"
    # shellcheck disable=SC2086
    python3 "$model" run $args <"$TG_TMP/in.jsonl" >"$TG_TMP/want"
    # shellcheck disable=SC2086
    tgcount $args <"$TG_TMP/in.jsonl" >"$TG_TMP/got" 2>/dev/null
    if ! cmp -s "$TG_TMP/want" "$TG_TMP/got"; then
        differ=$((differ + 1))
        tg_fail "seed $seed ($args)" "differs from the model"
        diff "$TG_TMP/want" "$TG_TMP/got" | head -n 10 | sed 's/^/  /'
    fi
done
tg_check_eq "tgcount equals the model on $seeds random inputs" "$differ" 0
