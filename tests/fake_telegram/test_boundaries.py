"""The fake stands in for Telegram, so it shares no code with the bot it tests.

Only Telegram's own text rules (``telegram_text``) are common to both; that package imports
nothing from the project, so neither side can reach the other through it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.imports import imports_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("fake_telegram", {"bot", "forum_service", "moderation"}),
        ("bot", {"fake_telegram"}),
        ("telegram_text", {"bot", "forum_service", "moderation", "fake_telegram"}),
    ],
)
def test_package_imports_nothing_across_the_bot_api_boundary(
    package: str, forbidden: set[str]
) -> None:
    imports = imports_in(ROOT / package)
    offenders = [(path, name) for path, name in imports if name.split(".")[0] in forbidden]

    assert imports, f"found no imports in {package}: wrong path?"
    assert offenders == []
