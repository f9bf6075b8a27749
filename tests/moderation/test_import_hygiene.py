"""Importing the library is cheap and it depends on no web, bot or database framework."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import moderation

PACKAGE_DIR = Path(moderation.__file__).resolve().parent
FORBIDDEN = {"aiohttp", "telegram", "sqlalchemy"}


def test_importing_moderation_loads_no_model_framework() -> None:
    probe = (
        "import sys, moderation, moderation.detoxify_model, moderation.ner, "
        "moderation.toxic_models, moderation.risk_patterns; "
        "heavy = {'torch', 'transformers', 'detoxify', 'aiohttp', 'telegram', 'sqlalchemy', "
        "'numpy', 'h5py', 'spacy', 'presidio_analyzer', 'pyap', 'tldextract'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )

    completed = subprocess.run(  # noqa: S603 -- fixed interpreter and argument list
        [sys.executable, "-c", probe],
        cwd=PACKAGE_DIR.parent,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert completed.stdout.strip() == "[]"


def test_no_module_imports_a_web_bot_or_database_framework() -> None:
    offenders = []
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [(path.name, n) for n in names if n.split(".")[0] in FORBIDDEN]

    assert offenders == []
