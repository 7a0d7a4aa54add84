"""The domain stays pure: standard library and itself only (the import-linter contract names
the packages we use; this catches any other that creeps in)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "counter_app" / "domain"


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("counter_app."):
                assert node.module.startswith("counter_app.domain"), f"{path.name} imports {node.module}"
            else:
                roots.add(node.module.split(".")[0])
    return roots


def test_domain_imports_only_the_standard_library() -> None:
    files = sorted(DOMAIN.glob("*.py"))
    assert len(files) >= 6
    for path in files:
        foreign = imported_roots(path) - set(sys.stdlib_module_names) - {"__future__"}
        assert not foreign, f"{path.name} imports {sorted(foreign)}"
