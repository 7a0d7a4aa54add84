"""Server settings: one typed object read from a TOML/JSON file and ``SUPERVISION_*`` variables.

Precedence, lowest first: defaults, the file named by ``SUPERVISION_CONFIG`` (or passed in),
environment variables, then explicit overrides (the command line). A default or empty admin
token is refused unless the server runs in demo mode, where a random one is created in the data
directory instead.
"""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from collections.abc import Mapping
from datetime import time, timedelta, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

ENV_PREFIX = "SUPERVISION_"
CONFIG_ENV = "SUPERVISION_CONFIG"
MIN_TOKEN_LENGTH = 16
WEAK_TOKENS = frozenset({"", "changeme", "change-me", "admin", "secret", "token", "password", "demo"})
DEMO_TOKEN_FILE = "admin_token"


class SettingsError(ValueError):
    """Settings the server cannot run with; the message is for the operator (Chinese)."""


class Settings(BaseModel):
    """Everything the server needs to start; see the module docstring for where values come from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite in data_dir")
    data_dir: Path = Field(
        default=Path("supervision-data"), description="server key, SQLite file, demo token"
    )
    admin_token: str = Field(default="", description="bearer token for /api/v1/admin/* and admin reads")
    demo: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8710, ge=0, le=65535)
    ssl_certfile: Path | None = Field(default=None, description="PEM certificate (chain): serve HTTPS")
    ssl_keyfile: Path | None = Field(default=None, description="PEM private key of ssl_certfile")
    withholding_grace_s: float = Field(default=600.0, gt=0, description="announced head may lead this long")
    withholding_check_interval_s: float = Field(default=60.0, gt=0)
    clock_skew_alert_ms: int = Field(default=300_000, gt=0)
    heartbeat_max_skew_s: float = Field(
        default=3600.0, gt=0, description="a heartbeat whose device time is further off is refused as stale"
    )
    silent_after_s: float = Field(
        default=900.0, gt=0, description="SILENT: a window that worked today sends no heartbeat this long"
    )
    hall_hours: str = Field(
        default="08:30-18:00",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$",
        description="opening hours HH:MM-HH:MM in hall time, when SILENT is checked",
    )
    hall_utc_offset_minutes: int = Field(default=480, ge=-720, le=840, description="hall time zone (UTC+8)")
    max_batch_events: int = Field(default=2000, ge=1)
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024, description="largest event batch body")
    max_catalog_bytes: int = Field(default=8 * 1024 * 1024, ge=1024, description="largest catalog upload")
    check_rate_per_minute: float = Field(default=20.0, gt=0, description="receipt checks per client address")
    check_burst: int = Field(default=10, ge=1, description="receipt checks a client may make at once")
    verify_threads: int = Field(default=2, ge=1, le=64)
    ingest_concurrency: int = Field(
        default=8,
        ge=1,
        le=64,
        description="batches one server process stores at once; the others wait their turn, in arrival order",
    )
    enroll_code_ttl_hours: float = Field(default=24.0, gt=0)
    calendar_years_back: int = Field(default=1, ge=0, le=10)
    calendar_years_ahead: int = Field(default=1, ge=0, le=10)
    supervision_phone: str = Field(
        default="",
        max_length=32,
        description="监督电话 printed for citizens; empty: the catalog's hall phone",
    )
    queue_priority_every: int = Field(
        default=0, ge=0, le=100, description="0: priority tickets first; N: one after every N ordinary calls"
    )
    supervisor_token: str = Field(
        default="",
        description="password of the supervision office's page and console; empty: the admin token only",
    )
    score_sheet_file: Path | None = Field(
        default=None, description="TOML score sheet of the assessment (考核评分表); none: the defaults"
    )
    supervisor_session_hours: float = Field(default=12.0, gt=0, le=24 * 7)
    queue_max_waiting_per_id: int = Field(
        default=2, ge=0, le=20, description="waiting tickets per ID; 0: no limit"
    )
    workers: int = Field(
        default=1, ge=1, le=32, description="server processes (serve); more than one needs PostgreSQL"
    )
    rules_on_ingest: bool = Field(
        default=True, description="run the supervision rules over every stored batch, just after its request"
    )
    rules_process: bool = Field(
        default=True,
        description="PostgreSQL: serve runs the batch rules in a process of their own, at a lower CPU "
        "priority, so a rule pass never holds a reply; false: on a thread of each server process",
    )
    rules_on_schedule: bool = Field(
        default=True, description="run the supervision rules in the periodic watcher"
    )
    off_book_grace_s: float = Field(
        default=1800.0, gt=0, description="OFF_BOOK: a ticket's cases may arrive this late"
    )
    late_entry_after_s: float = Field(
        default=3600.0, gt=0, description="LATE_ENTRY: case recorded this long after its ticket ended"
    )
    double_accept_days: int = Field(default=30, ge=1, description="DOUBLE_ACCEPT: look back this many days")
    not_in_hall_min_tickets: int = Field(default=5, ge=1, description="NOT_IN_HALL: tickets served in a day")
    not_in_hall_hall_share: float = Field(
        default=0.3, gt=0, le=1, description="NOT_IN_HALL: the hall's share of tickets ending with a case"
    )
    hasty_close_minutes: float = Field(default=10.0, gt=0, description="HASTY_CLOSE: 承诺件 closed this fast")
    closure_rate_min_cases: int = Field(default=10, ge=1, description="CLOSURE_RATE: cases a window closed")
    closure_rate_factor: float = Field(default=3.0, gt=1, description="CLOSURE_RATE: times the hall's rate")
    closure_rate_days: int = Field(default=30, ge=1, description="CLOSURE_RATE: trailing days compared")
    late_special_hours: float = Field(
        default=24.0, gt=0, description="LATE_SPECIAL: 特别程序 started this close to the deadline"
    )
    idle_window_after_s: float = Field(
        default=1200.0, gt=0, description="IDLE_WINDOW: a logged-in window calls nobody this long"
    )

    @property
    def hall_hours_range(self) -> tuple[time, time]:
        """``hall_hours`` as (opening, closing) times of day."""
        start, end = self.hall_hours.split("-")
        return time.fromisoformat(start), time.fromisoformat(end)

    @property
    def hall_tz(self) -> timezone:
        """The hall's time zone."""
        return timezone(timedelta(minutes=self.hall_utc_offset_minutes))

    @property
    def sqlite_path(self) -> Path:
        """Where the default SQLite database lives."""
        return self.data_dir / "supervision.db"

    @property
    def effective_database_url(self) -> str:
        """``database_url``, or the SQLite file in ``data_dir`` when none is set."""
        return self.database_url or f"sqlite+pysqlite:///{self.sqlite_path}"

    @property
    def on_sqlite(self) -> bool:
        """Whether the database is SQLite: one writer at a time, so one server process."""
        return self.effective_database_url.startswith("sqlite")

    @property
    def server_key_path(self) -> Path:
        """The server's Ed25519 signing key (PKCS#8 PEM, mode 0600)."""
        return self.data_dir / "server_key.pem"

    def checked(self) -> Settings:
        """These settings ready to run: weak admin tokens refused, the demo token filled in,
        several worker processes refused on SQLite."""
        if self.workers > 1 and self.on_sqlite:
            raise SettingsError(
                f"SQLite 数据库一次只允许一个进程写入，不能以 {self.workers} 个进程运行（--workers）："
                "请使用 --workers 1，或改用 PostgreSQL（--database-url）"
            )
        token_weak = (
            self.admin_token.strip().lower() in WEAK_TOKENS or len(self.admin_token) < MIN_TOKEN_LENGTH
        )
        if self.supervisor_token and (
            self.supervisor_token.strip().lower() in WEAK_TOKENS
            or len(self.supervisor_token) < MIN_TOKEN_LENGTH
        ):
            raise SettingsError(f"监察室口令（supervisor_token）至少 {MIN_TOKEN_LENGTH} 个字符且不可为默认值")
        if not token_weak:
            return self
        if not self.demo:
            raise SettingsError(
                "未设置安全的管理令牌：请通过环境变量 SUPERVISION_ADMIN_TOKEN 或配置文件设置至少 "
                f"{MIN_TOKEN_LENGTH} 个字符的随机令牌（不可为默认值）；仅演示时可使用 --demo 自动生成。"
            )
        return self.model_copy(update={"admin_token": demo_admin_token(self.data_dir)})

    @classmethod
    def load(
        cls,
        config_file: Path | None = None,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Settings from ``config_file`` (or ``$SUPERVISION_CONFIG``), the environment and overrides.

        Overrides whose value is None are ignored, so command-line options can be passed as they
        come from argparse.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        path = config_file or (Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else None)
        if path is not None:
            values.update(read_config_file(path))
        for name in cls.model_fields:
            key = ENV_PREFIX + name.upper()
            if key in env:
                values[name] = env[key]
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            fields = ", ".join(".".join(str(p) for p in err["loc"]) for err in exc.errors())
            raise SettingsError(f"配置项无效：{fields}（{exc.error_count()} 处错误）") from exc


def read_config_file(path: Path) -> dict[str, Any]:
    """The settings table of a ``.toml`` file (top level or ``[supervision]``) or a ``.json`` file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"无法读取配置文件 {path}：{exc.strerror}") from exc
    try:
        data: Any = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SettingsError(f"配置文件 {path} 格式错误：{exc}") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"配置文件 {path} 的顶层必须是对象")
    section = data.get("supervision", data)
    if not isinstance(section, dict):
        raise SettingsError(f"配置文件 {path} 的 [supervision] 必须是表")
    return dict(section)


def demo_admin_token(data_dir: Path) -> str:
    """The demo server's admin token, created at random in ``data_dir`` (mode 0600) on first use."""
    path = data_dir / DEMO_TOKEN_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(token + "\n")
    return token
