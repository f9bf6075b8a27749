"""Layer rules import-linter cannot express: repositories hand out no ORM rows; the expert
forum routes reach storage only through services (the import contracts are in pyproject.toml)."""

from __future__ import annotations

import ast
from pathlib import Path

import forum_service

PACKAGE = Path(forum_service.__file__).resolve().parent

#: Modules above storage/ in the expert forum area.
ABOVE_STORAGE = (
    "services/expert_forums.py",
    "services/subscriptions.py",
    "services/scheduler.py",
    "services/outbox.py",
    "api/expert_forum_routes.py",
    "api/admin_expert_forum_routes.py",
    "api/subscription_routes.py",
    "api/expert_forum_schemas.py",
    "api/subscription_schemas.py",
)
#: Every repository: what they hand out must be domain values, never ORM rows.
REPOSITORIES = tuple(
    str(path.relative_to(PACKAGE)) for path in sorted((PACKAGE / "storage").glob("*_repo.py"))
)


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_routes_reach_storage_only_through_services() -> None:
    offenders = [
        (module, name)
        for module in ABOVE_STORAGE
        if module.startswith("api/")
        for name in _imports(PACKAGE / module)
        if name.startswith("forum_service.storage")
    ]
    assert offenders == []


def test_repositories_hand_out_no_orm_rows() -> None:
    offenders = []
    for module in REPOSITORIES:
        tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
        public = [
            node
            for node in tree.body
            if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef)
            and not node.name.startswith("_")
        ]
        for function in public:
            returned = ast.unparse(function.returns) if function.returns else ""
            if "Row" in returned:
                offenders.append((module, function.name, returned))
    assert offenders == []
