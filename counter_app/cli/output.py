"""Printing for people and for scripts: every command returns data; ``--json`` prints it as is."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any


class Output:
    """Where a command's result goes: a readable rendering, or JSON with ``--json``."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def emit(self, data: Any, render: Callable[[Any], str]) -> None:
        """Print ``data`` as JSON or through ``render``."""
        if self.as_json:
            json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
            sys.stdout.write("\n")
        else:
            print(render(data))

    def error(self, code: str, message: str, details: Any = None) -> None:
        """An error a person caused: code and Chinese message, never a traceback."""
        if self.as_json:
            json.dump(
                {"ok": False, "code": code, "message": message, "details": details},
                sys.stdout,
                ensure_ascii=False,
                indent=2,
            )
            sys.stdout.write("\n")
        else:
            print(f"错误 [{code}]：{message}", file=sys.stderr)
            for line in details or []:
                print(f"  - {line}", file=sys.stderr)


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    """A plain text table that lines up Chinese (double-width) and ASCII characters."""
    if not rows:
        return "（无记录）"

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    def pad(text: str, n: int) -> str:
        return text + " " * (n - width(text))

    cells = [[str(r.get(key, "") if r.get(key) is not None else "") for key, _ in columns] for r in rows]
    widths = [max(width(title), *(width(c[i]) for c in cells)) for i, (_, title) in enumerate(columns)]
    lines = ["  ".join(pad(title, widths[i]) for i, (_, title) in enumerate(columns))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(pad(c[i], widths[i]) for i in range(len(columns))) for c in cells)
    return "\n".join(lines)


def kv(pairs: list[tuple[str, Any]]) -> str:
    """Label: value lines, labels aligned."""
    return "\n".join(f"{label}：{'' if value is None else value}" for label, value in pairs)
