"""Where a counter keeps its files: one folder, overridable for tests and demos.

The folder holds citizens' personal data (names, ID numbers, phones) and the device key, so it
is private to the account that runs the window: folders 0700, files 0600, whatever the umask.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_VAR = "COUNTER_DATA_DIR"


class NotInitialised(Exception):
    """The data folder has no device identity yet: run ``counter init`` first."""

    code = "NOT_INITIALISED"


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

    @property
    def log_dir(self) -> Path:
        """Logs, such as the command-line tool's crash log."""
        return self.root / "logs"

    def prepare(self) -> None:
        """Create the folder (0700) and the database file (0600) before SQLite opens it.

        SQLite gives its -wal and -shm files the mode of the database file, so creating that
        file private first keeps all three private; files of older installs are tightened.
        """
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        os.close(os.open(self.db_path, os.O_RDWR | os.O_CREAT, 0o600))
        for path in (self.db_path, Path(f"{self.db_path}-wal"), Path(f"{self.db_path}-shm")):
            if path.exists():
                os.chmod(path, 0o600)

    def private_log(self, name: str) -> Path:
        """A log file in :attr:`log_dir`, created 0600 in a 0700 folder."""
        self.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.log_dir, 0o700)
        path = self.log_dir / name
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        return path
