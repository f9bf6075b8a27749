"""Importing the library is cheap and it depends on no web, bot or database framework."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import moderation
from tests.support.imports import imports_in

PACKAGE_DIR = Path(moderation.__file__).resolve().parent
FORBIDDEN = {"aiohttp", "telegram", "sqlalchemy"}


def test_importing_moderation_loads_no_model_framework() -> None:
    probe = (
        "import sys, moderation, moderation.detoxify_model, moderation.ner, "
        "moderation.toxic_models, moderation.risk_patterns, moderation.abuse_model, "
        "moderation.embeddings; "
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
    imports = imports_in(PACKAGE_DIR)
    offenders = [(path, name) for path, name in imports if name.split(".")[0] in FORBIDDEN]

    assert imports, "found no imports: wrong path?"
    assert offenders == []
