"""Where a counter keeps its files: one folder, overridable for tests and demos."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_VAR = "COUNTER_DATA_DIR"


@dataclass(frozen=True)
class DataDir:
    """The data folder of one counter installation."""

    root: Path

    @classmethod
    def resolve(cls, explicit: str | os.PathLike[str] | None = None) -> DataDir:
        """``explicit``, else $COUNTER_DATA_DIR, else the platform's user data folder."""
        chosen = explicit or os.environ.get(ENV_VAR) or platformdirs.user_data_dir("ServiceCounter", False)
        return cls(Path(chosen).expanduser().resolve())

    @property
    def db_path(self) -> Path:
        """The SQLite database."""
        return self.root / "counter.db"

    @property
    def key_path(self) -> Path:
        """The device's Ed25519 private key (mode 0600)."""
        return self.root / "keys" / "device.pem"

    @property
    def archive_dir(self) -> Path:
        """Printed documents, archived as PDF."""
        return self.root / "archive"
