"""The fake stands in for Telegram, so it shares no code with the bot it tests.

Only Telegram's own text rules (``telegram_text``) are common to both; that package imports
nothing from the project, so neither side can reach the other through it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(package: str) -> list[tuple[str, str]]:
    """(file, imported module) for every import statement in a package, subpackages included."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else [f"relative:{node.module}"]
            else:
                continue
            found += [(str(path.relative_to(ROOT)), name) for name in names]
    return found


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
    imports = _imports(package)
    offenders = [(path, name) for path, name in imports if name.split(".")[0] in forbidden]

    assert imports, f"found no imports in {package}: wrong path?"
    assert offenders == []
