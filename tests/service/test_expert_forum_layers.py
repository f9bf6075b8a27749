"""The expert forum, subscription, scheduler and outbox layers keep SQL in storage/ only."""

from __future__ import annotations

import ast
from pathlib import Path

import forum_service

PACKAGE = Path(forum_service.__file__).resolve().parent

#: Modules above storage/ in this area: none may build SQL or touch tables.
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
#: Repositories of this area: what they hand out must be domain values, never ORM rows.
REPOSITORIES = (
    "storage/expert_forums_repo.py",
    "storage/subscriptions_repo.py",
    "storage/jobs_repo.py",
    "storage/outbox_repo.py",
    "storage/digest_repo.py",
)


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_services_and_routes_import_neither_sqlalchemy_nor_the_tables() -> None:
    offenders = [
        (module, name)
        for module in ABOVE_STORAGE
        for name in _imports(PACKAGE / module)
        if name.split(".")[0] == "sqlalchemy" or name.startswith("forum_service.storage.tables")
    ]
    assert offenders == []


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
