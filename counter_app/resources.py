"""Where the shipped resources (fonts, demo catalog, style sheet) live, for the client and the server."""

from __future__ import annotations

import os
from pathlib import Path

RESOURCES_ENV = "COUNTER_APP_RESOURCES"
PRIMARY_FONT_FILE = "WenQuanYiMicroHei-GB2312.ttf"


def resources_dir() -> Path:
    """The ``resources/`` folder: ``$COUNTER_APP_RESOURCES`` if set, else the one at the repository root."""
    override = os.environ.get(RESOURCES_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1] / "resources"
