"""The environment the README's commands build holds exactly the versions of constraints.txt."""

from __future__ import annotations

import re
from importlib import metadata

from tests.support import REPO


def pins() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            found[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return found


def test_every_installed_package_is_at_its_pinned_version() -> None:
    pinned = pins()
    assert {"fastapi", "psycopg", "pyside6-essentials", "reportlab", "rl-accel", "sqlalchemy"} <= set(pinned)
    installed = {
        re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower(): dist.version
        for dist in metadata.distributions()
    }
    wrong = {
        name: (installed[name], version)
        for name, version in pinned.items()
        if installed.get(name, version) != version
    }
    assert wrong == {}, "installed differs from constraints.txt (installed, pinned); run scripts/bootstrap.sh"
