"""What a package imports, read from its source (nothing is imported to find out)."""

from __future__ import annotations

import ast
from pathlib import Path


def imports_in(package_dir: Path) -> list[tuple[str, str]]:
    """Every import statement in a package, subpackages included.

    Args:
        package_dir: The package's directory.

    Returns:
        (file relative to the package's parent, imported module) pairs; relative imports are
        named ``relative:<module>``.
    """
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else [f"relative:{node.module}"]
            else:
                continue
            found += [(str(path.relative_to(package_dir.parent)), name) for name in names]
    return found
