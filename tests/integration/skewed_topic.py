#!/usr/bin/env python3
"""The skewed multi-partition topic of the per-partition tests: writes
DIR/pN.jsonl, one record per line, for each partition of the plan.

Every partition numbers its messages from 1 (the same ids in another
partition are not duplicates); partitions with a back-jump rate jump back
now and then by 40 s to 3 minutes (partly late for the 10m/30s windows)
or by 11 to 13 minutes (late), and partition 3 repeats some message ids.
The records depend on the arguments alone (a seeded generator, partitions
written in plan order).

usage: skewed_topic.py DIR [--seed N] [--users N] [--scale N]
                           [--plan P:RECORDS:OFFSET_MIN:MAX_STEP_MS:BACK_RATE ...]
"""
import argparse
import datetime
import json
import random

# partition: (records, start offset in minutes, max step ms, back-jump rate)
DEFAULT_PLAN = {0: (600, 0, 3000, 0.05), 1: (600, 15, 3000, 0.0),
                2: (150, -10, 20000, 0.0), 3: (1200, 0, 1500, 0.08)}
BASE_MS = 1767225600000  # 2026-01-01T00:00:00Z


def parse_plan(items):
    plan = {}
    for item in items:
        p, n, off, step, back = item.split(":")
        plan[int(p)] = (int(n), int(off), int(step), float(back))
    return plan


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--users", type=int, default=25)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--plan", nargs="+")
    args = ap.parse_args()
    plan = parse_plan(args.plan) if args.plan else DEFAULT_PLAN
    random.seed(args.seed)
    for p, (n, off, step, back) in plan.items():
        t = BASE_MS + off * 60000
        with open("%s/p%d.jsonl" % (args.dir, p), "w") as f:
            for i in range(1, n * args.scale + 1):
                t += random.randint(0, step)
                r = random.random()
                at = (t - random.randint(40000, 180000) if r < back else
                      t - random.randint(660000, 780000) if r < back * 1.4 else t)
                ts = datetime.datetime.fromtimestamp(at / 1000, datetime.timezone.utc)
                msg = i if p != 3 or random.random() > 0.03 else max(1, i - 1)
                f.write(json.dumps({
                    "event_time": ts.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (at % 1000),
                    "channel_id": -1, "message_id": msg,
                    "username": "u%d" % random.randrange(args.users)}) + "\n")


if __name__ == "__main__":
    main()
