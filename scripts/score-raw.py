#!/usr/bin/env python3
"""Grouping accuracy of `sitrep patterns --assign` on the *raw* lines of Loghub-2k datasets.

`score.py` (in ../shared/loghub2k) feeds the Content column, the message with its header removed;
the cockpit mines whole lines. This builds, in a temporary folder, a copy of each dataset whose
Content column is the raw line of `<Name>_2k.log` (header included, matched by line number) and runs
the same `score.py` on it, so both figures come from one scorer.

Usage: scripts/score-raw.py BINARY DIR [Name ...]
  e.g. python3 scripts/score-raw.py target/release/sitrep ../shared/loghub2k
"""
import csv
import os
import subprocess
import sys
import tempfile

binary, root = sys.argv[1], sys.argv[2]
names = sys.argv[3:] or sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
score = os.path.join(root, "score.py")

with tempfile.TemporaryDirectory(prefix="sitrep-raw-") as tmp:
    for name in names:
        src = os.path.join(root, name, f"{name}_2k.log_structured.csv")
        with open(src, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        with open(os.path.join(root, name, f"{name}_2k.log"), encoding="utf-8", errors="replace", newline="") as f:
            raw = [line.rstrip("\r\n") for line in f.read().split("\n")]
        if raw and raw[-1] == "":
            raw.pop()
        if len(raw) != len(rows):
            sys.exit(f"{name}: {len(raw)} raw lines but {len(rows)} labelled rows; cannot match them by line")
        os.makedirs(os.path.join(tmp, name))
        with open(os.path.join(tmp, name, f"{name}_2k.log_structured.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=["LineId", "Content", "EventId"])
            w.writeheader()
            for row, line in zip(rows, raw):
                w.writerow({"LineId": row["LineId"], "Content": line, "EventId": row["EventId"]})
    sys.exit(subprocess.run([sys.executable, score, binary, tmp, *names]).returncode)
