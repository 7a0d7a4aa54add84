"""``counter --help`` starts without the heavy libraries: they load when a command needs them."""

from __future__ import annotations

from tests.support import python_json

HEAVY = ("sqlalchemy", "reportlab", "PySide6", "requests", "barcode", "qrcode", "cryptography")

PROBE = """
import json, sys
from counter_app.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = %r
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in heavy})))
"""


def _loaded(*argv: str) -> list[str]:
    return list(python_json("-c", PROBE % (HEAVY,), *argv, timeout=60))


def test_help_loads_none_of_the_heavy_libraries() -> None:
    assert _loaded("--help") == []
    assert _loaded("case", "--help") == []
    assert _loaded("intake", "--help") == []


def test_a_command_that_needs_no_store_loads_no_database_or_pdf_code() -> None:
    assert _loaded("check-id", "11010519491231002X") == []
