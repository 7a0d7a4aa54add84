"""With a second screen, the rating screen fills the screen the clerk's window is not on."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.support import python_json

SCREENS = {
    "screens": [
        {"name": "clerk", "x": 0, "y": 0, "width": 1366, "height": 768, "logicalDpi": 96, "dpr": 1},
        {"name": "citizen", "x": 1366, "y": 0, "width": 1280, "height": 800, "logicalDpi": 96, "dpr": 1},
    ]
}


def test_rating_fills_the_citizens_screen(tmp_path: Path) -> None:
    config = tmp_path / "screens.json"
    config.write_text(json.dumps(SCREENS), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    result = python_json("-m", "tests.ui.rating_two_screens", str(tmp_path / "counter"), env=env)
    assert result["shown_on"] == "citizen" and result["full_screen"] is True
    assert result["geometry"] == [1366, 0, 1280, 800]
    assert [(p["ticket_no"], p["level"], p["no_rating"]) for p in result["payloads"]] == [("A012", 3, None)]
