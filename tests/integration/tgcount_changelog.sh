#!/usr/bin/env bash
# The state changelog (README, "State changelog") on the local broker,
# through bin/tg-changelog (scripts/changelog.c), which drives tgcount's
# changelog modules until tgcount writes the changelog itself:
#   - the topic is named after the group; a missing one that cannot be
#     created (librdkafka's mock implements no CreateTopics) and one with
#     fewer partitions than the input topic are one-line errors;
#   - a task's snapshot written in chunks below the maximum (kcat checks
#     every message's size and key) is restored whole: its generation, its
#     next offset, and rows equal to the counts the writer was given
#     (computed here by awk, not by tgcount);
#   - a newer generation that is torn and aborted is skipped, the one
#     before it restored, and the highest generation seen reported; a
#     smaller newer generation wins over the stale higher chunk slots of a
#     larger one; a complete aborted generation is visible on the mock
#     (which does not hide aborted transactions) and restored with its own
#     next offset;
#   - another partition holds nothing; another input topic's state is
#     refused.
. "$(dirname "$0")/../lib.sh"
tg_require tg-changelog
tg_require kcat
export TG_USE_REAL_KAFKA=0

tg_broker_start --topic in4:4
B=$TG_BROKERS
CL=grp4-tgcount-changelog
cl() { timeout 60 tg-changelog "$@"; }
# expected N: the rows the writer counts for N users, sorted.
expected() { awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "user-%07d %d\n", i, i % 3 + 1 }' | sort; }

# ---- the topic -------------------------------------------------------------
cl topic -b "$B" -G grp -t in4 --timeout 2000 >"$TG_TMP/t1.out" 2>"$TG_TMP/t1.err"
tg_check_eq "missing topic, not creatable: exit 69" "$?" 69
tg_check_eq "missing topic, not creatable: one line with the remedy" \
    "$(sed 's/ (.*)://' "$TG_TMP/t1.err")" \
    "tg-changelog: changelog topic grp-tgcount-changelog is missing and could not be created create it with 4 partitions and cleanup.policy=compact"
tg_kafka_local topic grp-tgcount-changelog 2 >/dev/null
cl topic -b "$B" -G grp -t in4 >"$TG_TMP/t2.out" 2>"$TG_TMP/t2.err"
tg_check_eq "too few partitions: exit 69" "$?" 69
tg_check_eq "too few partitions: one line" "$(cat "$TG_TMP/t2.err")" \
    "tg-changelog: changelog topic grp-tgcount-changelog has 2 partitions, fewer than the input topic's 4"
tg_kafka_local topic "$CL" 4 >/dev/null
tg_check_eq "existing topic: its name" "$(cl topic -b "$B" -G grp4 -t in4)" "$CL"

# ---- restore ---------------------------------------------------------------
out=$(cl restore -b "$B" -T "$CL" -t in4 -p 1)
tg_check_eq "empty partition: no snapshot" "$out" \
    "none messages=0 bytes=0 skipped=0 torn=0 max_generation=0 ms=$(tg_field ms "$out")"

w1=$(cl write -b "$B" -T "$CL" -t in4 -p 1 --users 3000 --chunk 20000 --next-offset 4242)
chunks1=$(tg_field chunks "$w1")
tg_check "generation 1 is written in several chunks ($chunks1)" test "${chunks1:-0}" -ge 5
out=$(cl restore -b "$B" -T "$CL" -t in4 -p 1)
tg_check_eq "generation 1 restored" \
    "$(tg_field generation "$out") $(tg_field next_offset "$out") $(tg_field chunks "$out") $(tg_field users "$out") $(tg_field torn "$out")" \
    "1 4242 $chunks1 3000 0"
cl restore -b "$B" -T "$CL" -t in4 -p 1 --rows | tail -n +2 | sort >"$TG_TMP/rows1"
expected 3000 >"$TG_TMP/want1"
tg_check_files_eq "generation 1: the writer's counts" "$TG_TMP/rows1" "$TG_TMP/want1"
kcat -C -b "$B" -t "$CL" -p 1 -o beginning -e -q -f '%k %S\n' >"$TG_TMP/sizes"
tg_check_eq "every chunk has a key 1/N and at most 20000 bytes" \
    "$(awk '$1 !~ /^1\/[0-9]+$/ || $2 > 20000' "$TG_TMP/sizes" | wc -l) $(wc -l <"$TG_TMP/sizes")" \
    "0 $chunks1"

cl write -b "$B" -T "$CL" -t in4 -p 1 --users 2000 --chunk 20000 --generation 2 \
    --only 2 --abort >/dev/null
out=$(cl restore -b "$B" -T "$CL" -t in4 -p 1)
tg_check_eq "torn, aborted generation 2 skipped: generation 1 restored, 2 seen" \
    "$(tg_field generation "$out") $(tg_field users "$out") $(tg_field max_generation "$out")" \
    "1 3000 2"

w3=$(cl write -b "$B" -T "$CL" -t in4 -p 1 --users 500 --chunk 20000 --generation 3 --next-offset 5000)
tg_check "generation 3 has fewer chunks than generation 1" test "$(tg_field chunks "$w3")" -lt "$chunks1"
out=$(cl restore -b "$B" -T "$CL" -t in4 -p 1)
tg_check_eq "smaller generation 3 wins over generation 1's higher slots" \
    "$(tg_field generation "$out") $(tg_field next_offset "$out") $(tg_field users "$out")" "3 5000 500"
cl restore -b "$B" -T "$CL" -t in4 -p 1 --rows | tail -n +2 | sort >"$TG_TMP/rows3"
expected 500 >"$TG_TMP/want3"
tg_check_files_eq "generation 3: the writer's counts" "$TG_TMP/rows3" "$TG_TMP/want3"

cl write -b "$B" -T "$CL" -t in4 -p 1 --users 10 --chunk 20000 --generation 4 \
    --next-offset 6000 --abort >/dev/null
out=$(cl restore -b "$B" -T "$CL" -t in4 -p 1)
tg_check_eq "complete aborted generation 4: visible on the mock, with its own offset" \
    "$(tg_field generation "$out") $(tg_field next_offset "$out") $(tg_field users "$out")" "4 6000 10"

out=$(cl restore -b "$B" -T "$CL" -t in4 -p 0)
tg_check_eq "another partition holds nothing" "${out%% *}" "none"
cl restore -b "$B" -T "$CL" -t other -p 1 >/dev/null 2>"$TG_TMP/other.err"
tg_check_eq "another input topic's state: exit 69" "$?" 69
tg_check_eq "another input topic's state: one line" "$(cat "$TG_TMP/other.err")" \
    "tg-changelog: changelog $CL [1] holds the state of topic in4, not other: another group's changelog?"
