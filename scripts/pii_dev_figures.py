"""PII figures on the dev set only: recall per kind, look-alike and clean posts flagged.

Reads ``tests/data/moderation_eval.jsonl`` and nothing else (the hold-outs are never read),
for the rules alone and for rules + ``en_core_web_md`` as the worker screens (the finder
setup of bench/offline_screens.py). A finding counts when its kind is right and its span
overlaps the expected value::

    python scripts/pii_dev_figures.py [--rules-only] [--ids-prefix dev4-] [--missed]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEV_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "moderation_eval.jsonl"
Finder = Callable[[str], list[tuple[str, int, int]]]


def _rules() -> Finder:
    from moderation.pii import find_pii

    return lambda text: [(f.kind, f.start, f.end) for f in find_pii(text)]


def _ner_md() -> Finder:
    from moderation.ner import load_pii_screen

    screen = load_pii_screen("en_core_web_md")
    if not screen.has_ner:
        raise SystemExit(screen.status.detail)
    return lambda text: [(f.kind, f.start, f.end) for f in screen.find(text)]


def quality(rows: list[dict[str, Any]], find: Finder) -> dict[str, Any]:
    """Recall per kind, missed values, and the look-alike and clean posts with a finding."""
    expected: Counter[str] = Counter()
    found: Counter[str] = Counter()
    missed: list[str] = []
    flagged: dict[str, list[str]] = {"lookalike": [], "benign": [], "abusive": []}
    for row in rows:
        text, findings = row["text"], find(row["text"])
        for kind, value in zip(row["pii"], row["pii_text"], strict=True):
            start = text.index(value)
            end = start + len(value)
            expected[kind] += 1
            hit = any(k == kind and s < end and start < e for k, s, e in findings)
            found[kind] += hit
            if not hit:
                missed.append(f"{row['id']} {kind}: {value!r}")
        if row["label"] in flagged and findings:
            flagged[row["label"]].append(row["id"])
    totals = Counter(row["label"] for row in rows)
    return {
        "recall_by_kind": {k: (found[k], expected[k]) for k in sorted(expected)},
        "recall": (sum(found.values()), sum(expected.values())),
        "missed": missed,
        "flagged": {label: (ids, totals[label]) for label, ids in flagged.items()},
    }


def main(argv: list[str] | None = None) -> int:
    """Print the figures for each screen."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules-only", action="store_true")
    parser.add_argument("--ids-prefix", default="", help="only rows whose id starts with this")
    parser.add_argument("--missed", action="store_true", help="list missed values and flags")
    args = parser.parse_args(argv)
    rows = [
        row
        for row in map(json.loads, DEV_SET.read_text("utf-8").splitlines())
        if row["id"].startswith(args.ids_prefix)
    ]
    screens = {"rules": _rules} if args.rules_only else {"rules": _rules, "rules+md": _ner_md}
    for name, make in screens.items():
        result = quality(rows, make())
        print(f"## {name} ({len(rows)} rows)")
        for kind, (hit, total) in result["recall_by_kind"].items():
            print(f"  {kind:16} {hit}/{total} ({hit / total:.1%})")
        hit, total = result["recall"]
        print(f"  {'all':16} {hit}/{total} ({hit / max(1, total):.1%})")
        for label, (ids, total) in result["flagged"].items():
            print(f"  {label} flagged: {len(ids)}/{total}" + (f" {ids}" if args.missed else ""))
        if args.missed:
            for line in result["missed"]:
                print(f"  missed {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
