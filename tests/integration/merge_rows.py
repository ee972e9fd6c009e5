#!/usr/bin/env python3
"""Rewrites a results topic's "row" messages as batched messages.

  merge_rows.py SEED [rows|windows|mix] < IN > OUT

IN and OUT: one message a line, "KEY:JSON" as kcat -K: produces them.  The
rows between two progress messages of one key (input partition) are cut
into chunks, one per (window, start, end, partition), split at random
(SEED) so that a window is often spread over several chunks; a username
seen again in a chunk starts a new one (a rewrite stays after the row it
replaces).  Each chunk is written, in order, as:
  rows     (the default) one "rows" message;
  windows  an element of a "windows" message: consecutive chunks share a
           message, 1 to 4 at random, never two of one window in one
           message (a window split over chunks then spans messages);
  mix      at random one of: a "row" message per entry, a "rows" message,
           an element of a "windows" message (as above).
Progress and other messages stay where they were, so every row is still
written before the progress that covers it.
"""
import json
import random
import sys

WINDOW = ("window", "start", "end")
SHARED = ("final", "topic", "partition")
FIELDS = WINDOW + SHARED


def dump(key, msg):
    return key + ":" + json.dumps(msg, separators=(",", ":"))


def main():
    rng = random.Random(int(sys.argv[1]))
    mode = sys.argv[2] if len(sys.argv) > 2 else "rows"
    pending = {}  # key -> [(group, counts)] in order of creation
    out = []

    def flush(key):
        packed = []  # (group, counts) of the "windows" message being filled
        room = 0

        def pack_out():
            if packed:
                msg = {"type": "windows"}
                msg.update(dict(zip(SHARED, packed[0][0][len(WINDOW):])))
                msg["windows"] = [dict(zip(WINDOW, g), counts=c) for g, c in packed]
                out.append(dump(key, msg))
                packed.clear()

        for group, counts in pending.pop(key, []):
            how = mode if mode != "mix" else rng.choice(("row", "rows", "windows"))
            if how != "windows":
                pack_out()
            if how == "row":
                for user, count in counts.items():
                    msg = {"type": "row", "username": user, "count": count}
                    msg.update(dict(zip(FIELDS, group)))
                    out.append(dump(key, msg))
            elif how == "rows":
                msg = {"type": "rows"}
                msg.update(dict(zip(FIELDS, group)))
                msg["counts"] = counts
                out.append(dump(key, msg))
            else:
                if room == 0 or any(g == group for g, _ in packed):
                    pack_out()
                    room = rng.randint(1, 4)
                packed.append((group, counts))
                room -= 1
        pack_out()

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
