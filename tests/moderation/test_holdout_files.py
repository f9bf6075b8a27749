"""The frozen hold-outs keep one schema and never overlap the dev set or each other."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from moderation.pii_ids import nhs_check_digit_ok
from moderation.pii_types import PiiKind

DATA = Path(__file__).resolve().parents[1] / "data"
DEV_SET = DATA / "moderation_eval.jsonl"
HOLDOUTS = sorted(DATA.glob("moderation_holdout*.jsonl"))
FIELDS = ["id", "label", "category", "text", "pii", "pii_text"]
CATEGORIES = {
    "benign": {
        "everyday",
        "practice",
        "quoted_abuse",
        "safety_and_location",
        "violence_threats",
        "sexual_violence",
        "strong_language",
    },
    "abusive": {
        "harassment",
        "hate",
        "insult",
        "obscene",
        "sexual_harassment",
        "quiet_threat",
        "violent_threat",
        "locating",
    },
    "pii": {"pii"},
    "lookalike": {"dates", "numbers", "names", "addresses", "handles"},
}


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _normalised(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def test_the_v3_and_v4_hold_outs_are_listed_with_the_others() -> None:
    assert [p.name for p in HOLDOUTS] == [
        "moderation_holdout.jsonl",
        "moderation_holdout_v2.jsonl",
        "moderation_holdout_v3.jsonl",
        "moderation_holdout_v4.jsonl",
        "moderation_holdout_v5.jsonl",
        "moderation_holdout_v6.jsonl",
    ]


@pytest.mark.parametrize("path", HOLDOUTS, ids=lambda p: p.name)
def test_every_hold_out_row_has_the_schema_the_bench_reads(path: Path) -> None:
    rows = _rows(path)
    kinds = {kind.value for kind in PiiKind}

    assert len({row["id"] for row in rows}) == len(rows)
    for row in rows:
        assert list(row) == FIELDS, row["id"]
        assert row["category"] in CATEGORIES[row["label"]], row["id"]
        assert row["text"].strip() == row["text"] and row["text"], row["id"]
        assert len(row["pii"]) == len(row["pii_text"]), row["id"]
        assert bool(row["pii"]) == (row["label"] == "pii"), row["id"]
        for kind, value in zip(row["pii"], row["pii_text"], strict=True):
            assert kind in kinds and value in row["text"], row["id"]
            if kind == "nhs_number":
                assert nhs_check_digit_ok(re.sub(r"\D", "", value)), row["id"]


def test_v3_covers_what_it_was_written_to_measure() -> None:
    rows = _rows(DATA / "moderation_holdout_v3.jsonl")

    def count(label: str, category: str | None = None) -> int:
        return sum(
            row["label"] == label and (category is None or row["category"] == category)
            for row in rows
        )

    assert count("benign") - count("benign", "everyday") >= 120
    assert count("benign", "everyday") >= 50
    assert count("abusive") >= 80
    assert all(count("abusive", c) >= 8 for c in CATEGORIES["abusive"])
    assert sum("[slur]" in row["text"] for row in rows if row["category"] == "hate") >= 5
    assert sum(kind == "date_of_birth" for row in rows for kind in row["pii"]) >= 10
    assert sum(kind == "nhs_number" for row in rows for kind in row["pii"]) >= 6
    assert count("lookalike") >= 20


def test_v4_covers_what_it_was_written_to_measure() -> None:
    rows = _rows(DATA / "moderation_holdout_v4.jsonl")

    def count(label: str, category: str | None = None) -> int:
        return sum(
            row["label"] == label and (category is None or row["category"] == category)
            for row in rows
        )

    def kinds(kind: str) -> int:
        return sum(found == kind for row in rows for found in row["pii"])

    assert all(row["id"].startswith(f"h4-{row['label']}-") for row in rows)
    assert all(count("abusive", c) >= 21 for c in CATEGORIES["abusive"])
    assert sum("[slur]" in row["text"] for row in rows if row["category"] == "hate") >= 8
    assert count("benign", "everyday") >= 80
    assert count("benign") - count("benign", "everyday") >= 150
    assert count("benign", "quoted_abuse") >= 30
    assert count("pii") >= 80
    assert kinds("date_of_birth") >= 30
    assert kinds("nhs_number") >= 25
    assert (
        sum(kinds(kind.value) for kind in PiiKind) - kinds("date_of_birth") - kinds("nhs_number")
        >= 25
    )
    assert count("lookalike") >= 40
    assert len(rows) >= 480


def test_v5_covers_what_it_was_written_to_measure() -> None:
    rows = _rows(DATA / "moderation_holdout_v5.jsonl")

    def count(label: str, category: str | None = None) -> int:
        return sum(
            row["label"] == label and (category is None or row["category"] == category)
            for row in rows
        )

    def kinds(kind: str) -> int:
        return sum(found == kind for row in rows for found in row["pii"])

    assert all(row["id"].startswith(f"h5-{row['label']}-") for row in rows)
    assert all(count("abusive", c) >= 21 for c in CATEGORIES["abusive"])
    assert sum("[slur]" in row["text"] for row in rows if row["category"] == "hate") >= 8
    assert count("benign", "everyday") >= 80
    assert count("benign") - count("benign", "everyday") >= 150
    assert count("benign", "quoted_abuse") >= 30
    assert count("pii") >= 80
    assert kinds("date_of_birth") >= 30
    assert kinds("nhs_number") >= 25
    assert (
        sum(kinds(kind.value) for kind in PiiKind) - kinds("date_of_birth") - kinds("nhs_number")
        >= 25
    )
    assert count("lookalike") >= 40
    assert len(rows) >= 480


def test_v6_covers_what_it_was_written_to_measure() -> None:
    rows = _rows(DATA / "moderation_holdout_v6.jsonl")

    def count(label: str, category: str | None = None) -> int:
        return sum(
            row["label"] == label and (category is None or row["category"] == category)
            for row in rows
        )

    def kinds(kind: str) -> int:
        return sum(found == kind for row in rows for found in row["pii"])

    assert all(row["id"].startswith(f"h6-{row['label']}-") for row in rows)
    assert all(count("abusive", c) >= 21 for c in CATEGORIES["abusive"])
    assert sum("[slur]" in row["text"] for row in rows if row["category"] == "hate") >= 8
    assert count("benign", "everyday") >= 80
    assert count("benign") - count("benign", "everyday") >= 150
    assert count("benign", "quoted_abuse") >= 30
    assert count("pii") >= 80
    assert kinds("date_of_birth") >= 30
    assert kinds("nhs_number") >= 25
    assert (
        sum(kinds(kind.value) for kind in PiiKind) - kinds("date_of_birth") - kinds("nhs_number")
        >= 25
    )
    assert count("lookalike") >= 40
    assert len(rows) >= 480


def test_no_post_appears_twice_across_the_dev_set_and_the_hold_outs() -> None:
    # Only ids in the failure message: whoever writes a hold-out must not see dev texts.
    seen: dict[str, str] = {}
    repeats: list[str] = []
    for path in [DEV_SET, *HOLDOUTS]:
        for row in _rows(path):
            key, where = _normalised(row["text"]), f"{path.name} {row['id']}"
            if key in seen:
                repeats.append(f"{where} repeats {seen[key]}")
            seen.setdefault(key, where)

    assert repeats == []
