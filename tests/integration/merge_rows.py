#!/usr/bin/env python3
"""Rewrites a results topic's "row" messages as batched "rows" messages.

  merge_rows.py SEED < IN > OUT

IN and OUT: one message a line, "KEY:JSON" as kcat -K: produces them.  The
rows between two progress messages of one key (input partition) become
"rows" messages, one per (window, start, end, partition), split at random
(SEED) so that a window is often spread over several messages; a username
seen again in a chunk starts a new one (a rewrite stays after the row it
replaces).  Progress and other messages stay where they were, so every row
is still written before the progress that covers it.
"""
import json
import random
import sys

FIELDS = ("window", "start", "end", "final", "topic", "partition")


def main():
    rng = random.Random(int(sys.argv[1]))
    pending = {}  # key -> [(group, counts)] in order of creation
    out = []

    def flush(key):
        for group, counts in pending.pop(key, []):
            msg = {"type": "rows"}
            msg.update(dict(zip(FIELDS, group)))
            msg["counts"] = counts
            out.append(key + ":" + json.dumps(msg, separators=(",", ":")))

    for line in sys.stdin:
        line = line.rstrip("\n")
        key, _, value = line.partition(":")
        m = json.loads(value)
        if m.get("type") != "row":
            flush(key)
            out.append(line)
            continue
        group = tuple(m[f] for f in FIELDS)
        chunks = pending.setdefault(key, [])
        mine = [c for g, c in chunks if g == group]
        if not mine or m["username"] in mine[-1] or rng.random() < 0.3:
            chunks.append((group, {}))
            mine.append(chunks[-1][1])
        mine[-1][m["username"]] = m["count"]
    for key in list(pending):
        flush(key)
    print("\n".join(out))


main()
