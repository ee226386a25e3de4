#!/usr/bin/env python3
"""Summarize an Autobahn|Testsuite report (index.json) and grade it strictly.

Usage:
  summarize.py --index OUTDIR/index.json --agent rfc6455 --role server \
               [--cases cases.txt] [--wall SECONDS]

Prints a per-section table (section = first number of the case id):
  cases, OK, NON-STRICT, INFORMATIONAL, UNIMPLEMENTED, FAILED
where FAILED is everything else: any other behavior, a behaviorClose that is neither OK nor
INFORMATIONAL (when behavior is not UNIMPLEMENTED), and cases missing from the report.
Then every non-conforming case with its behavior/behaviorClose and the key fields of its
per-case report (result, resultClose, expected, received, close codes).

Strict rule (exit status 1 if any case breaks it, 0 otherwise):
  - behavior is OK, or INFORMATIONAL (which the suite itself gives, e.g. 7.1.6, 7.13.x);
  - behaviorClose is OK or INFORMATIONAL;
  - never UNIMPLEMENTED (permessage-deflate covers sections 12 and 13);
  - every case of --cases is in the report.
"""

import argparse
import json
import os
import re
import sys

ACCEPTED = ("OK", "INFORMATIONAL")
# permessage-deflate is implemented (feature `deflate`): no section may be UNIMPLEMENTED.
UNIMPLEMENTED_OK_SECTIONS = ()
COLUMNS = ("OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED")
EXPECTED_TODAY = {"OK": 514, "INFORMATIONAL": 3, "UNIMPLEMENTED": 0}


def case_key(case_id):
    return tuple(int(x) for x in case_id.split("."))


def classify(case_id, behavior, behavior_close):
    """Return (column, conforming)."""
    section = case_key(case_id)[0]
    close_ok = behavior_close in ACCEPTED
    if behavior == "UNIMPLEMENTED":
        return "UNIMPLEMENTED", section in UNIMPLEMENTED_OK_SECTIONS
    if behavior in ACCEPTED:
        return (behavior, True) if close_ok else ("FAILED", False)
    if behavior == "NON-STRICT":
        return ("NON-STRICT" if close_ok else "FAILED"), False
    return "FAILED", False


def short(value, limit):
    text = json.dumps(value, ensure_ascii=True) if not isinstance(value, str) else value
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def case_details(outdir, entry, limit):
    """Key fields of one per-case JSON report, as indented lines."""
    name = entry.get("reportfile")
    if not name:
        return ["    (no per-case report file)"]
    path = os.path.join(outdir, name)
    try:
        with open(path, encoding="utf-8") as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        return ["    (cannot read %s: %s)" % (path, e)]
    lines = ["    report: %s" % path]
    if rep.get("description"):
        lines.append("    description: %s" % short(re.sub(r"<[^>]*>", "", rep["description"]), limit))
    for key in ("result", "resultClose"):
        if rep.get(key):
            lines.append("    %s: %s" % (key, short(rep[key], limit)))
    for key in ("expected", "received", "expectedClose"):
        if key in rep:
            lines.append("    %s: %s" % (key, short(rep[key], limit)))
    flags = []
    for key in ("wasClean", "wasNotCleanReason", "droppedByMe", "failedByMe", "wasCloseHandshakeTimeout",
                "wasOpenHandshakeTimeout", "wasServerConnectionDropTimeout", "localCloseCode",
                "localCloseReason", "remoteCloseCode", "remoteCloseReason"):
        # wasClean always; the other flags only when set.
        if key in rep and (key == "wasClean" or rep[key] not in (None, False, "")):
            flags.append("%s=%s" % (key, short(rep[key], 80)))
    if flags:
        lines.append("    close: %s" % ", ".join(flags))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", required=True, help="path of the report's index.json")
    ap.add_argument("--agent", default="rfc6455")
    ap.add_argument("--role", default="", help="label for the heading (server / client)")
    ap.add_argument("--cases", help="file with every expected case id, one a line")
    ap.add_argument("--wall", type=float, help="wall time of the role's run, in seconds")
    ap.add_argument("--problem", action="append", default=[],
                    help="a problem of the run itself (timeout, crash, driver exit status); fails the grade")
    ap.add_argument("--detail-chars", type=int, default=400, help="truncate report fields to this")
    args = ap.parse_args()

    title = "Autobahn|Testsuite %s report (agent %s)" % (args.role or "", args.agent)
    print("=" * len(title))
    print(title)
    print("=" * len(title))

    for problem in args.problem:
        print("RUN PROBLEM: %s" % problem)
    try:
        with open(args.index, encoding="utf-8") as f:
            index = json.load(f)
    except (OSError, ValueError) as e:
        print("NO REPORT: cannot read %s: %s" % (args.index, e))
        if args.wall is not None:
            print("wall time: %.1f s" % args.wall)
        print("RESULT: FAIL (no report)")
        return 1
    results = index.get(args.agent)
    if results is None:
        print("NO REPORT for agent %r in %s (agents: %s)" % (args.agent, args.index, ", ".join(index) or "none"))
        if args.wall is not None:
            print("wall time: %.1f s" % args.wall)
        print("RESULT: FAIL (no report for agent)")
        return 1

    expected_ids = []
    if args.cases:
        with open(args.cases, encoding="utf-8") as f:
            expected_ids = [line.strip() for line in f if line.strip()]
    missing = sorted(set(expected_ids) - set(results), key=case_key)

    rows = {}  # section -> column -> count
    bad = []  # (case id, behavior, behaviorClose, entry or None)
    for case_id in sorted(results, key=case_key):
        entry = results[case_id]
        behavior = entry.get("behavior", "?")
        behavior_close = entry.get("behaviorClose", "?")
        column, conforming = classify(case_id, behavior, behavior_close)
        row = rows.setdefault(case_key(case_id)[0], dict.fromkeys(("cases",) + COLUMNS, 0))
        row["cases"] += 1
        row[column] += 1
        if not conforming:
            bad.append((case_id, behavior, behavior_close, entry))
    for case_id in missing:
        row = rows.setdefault(case_key(case_id)[0], dict.fromkeys(("cases",) + COLUMNS, 0))
        row["cases"] += 1
        row["FAILED"] += 1
        bad.append((case_id, "MISSING", "MISSING", None))
    bad.sort(key=lambda b: case_key(b[0]))

    header = ("section", "cases") + COLUMNS
    widths = [max(7, len(h)) for h in header]
    fmt = "  ".join("%%%ds" % w for w in widths)
    print(fmt % header)
    print("  ".join("-" * w for w in widths))
    totals = dict.fromkeys(("cases",) + COLUMNS, 0)
    for section in sorted(rows):
        row = rows[section]
        print(fmt % ((section, row["cases"]) + tuple(row[c] for c in COLUMNS)))
        for k in totals:
            totals[k] += row[k]
    print("  ".join("-" * w for w in widths))
    print(fmt % (("total", totals["cases"]) + tuple(totals[c] for c in COLUMNS)))
    if args.wall is not None:
        print("wall time: %.1f s (%dm%04.1fs)" % (args.wall, int(args.wall // 60), args.wall % 60))
    if expected_ids:
        print("cases expected: %d, in report: %d, missing: %d" % (len(expected_ids), len(results), len(missing)))
    if totals["cases"] == sum(EXPECTED_TODAY.values()):
        # Not graded: only a reminder of what a full run gives today (before permessage-deflate).
        today = ", ".join("%d %s" % (v, k) for k, v in EXPECTED_TODAY.items())
        got = ", ".join("%d %s" % (totals[k], k) for k in EXPECTED_TODAY)
        print("full run today should give %s; got %s" % (today, got))

    if bad:
        print()
        print("NON-CONFORMING CASES (%d):" % len(bad))
        outdir = os.path.dirname(os.path.abspath(args.index))
        for case_id, behavior, behavior_close, entry in bad:
            print("  %-9s behavior=%s behaviorClose=%s%s" % (
                case_id, behavior, behavior_close,
                "" if entry is None else " remoteCloseCode=%s duration=%sms" % (
                    entry.get("remoteCloseCode"), entry.get("duration"))))
            if entry is not None:
                for line in case_details(outdir, entry, args.detail_chars):
                    print(line)
        print("RESULT: FAIL (%d non-conforming case(s)%s)" % (
            len(bad), ", %d run problem(s)" % len(args.problem) if args.problem else ""))
        return 1
    if args.problem:
        print("RESULT: FAIL (%d run problem(s), listed above)" % len(args.problem))
        return 1
    print("RESULT: PASS (strict)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
