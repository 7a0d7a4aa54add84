"""Command line: ``python -m supervision_server serve | issue-code | add-clerk | migrate | rotate-server-key``.

``serve`` runs the HTTP server (uvicorn), over HTTPS when given a certificate and its key
(``--ssl-certfile``/``--ssl-keyfile``, passed to uvicorn), as ``--workers N`` processes on
PostgreSQL (refused on SQLite); ``issue-code`` prints a one-time
enrollment code for a window (``--kiosk [N]`` or ``--role kiosk``: for a ticket kiosk), the code
alone on the last line (``--device`` makes it a re-enrollment code that moves that enrolled
device); ``add-clerk`` adds a clerk to the roster or records a new version of one (the password
read from standard input); ``migrate`` brings the database schema up to
date; ``rotate-server-key`` records the key in the data folder as the server key (after which
every window enrolls again).
Every command reads the same settings (``--config``, ``SUPERVISION_*``, options).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from counter_app.domain.device_role import DeviceRole, device_label
from supervision_server.server_key import ServerKeyMismatch
from supervision_server.settings import Settings, SettingsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="supervision-server", description="电子监察服务器")
    commands = parser.add_subparsers(dest="command", required=True)

    def database_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--config", type=Path, help="TOML or JSON settings file")
        sub.add_argument("--database-url", help="e.g. postgresql+psycopg://user@host/db (default: SQLite)")
        sub.add_argument("--data-dir", type=Path, help="server key, SQLite file (default ./supervision-data)")

    serve = commands.add_parser("serve", help="run the HTTP server")
    database_options(serve)
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8710)")
    serve.add_argument(
        "--demo", action="store_true", default=None, help="demo mode: generated token, demo catalog"
    )
    serve.add_argument(
        "--workers", type=int, help="server processes (default 1; more than one needs PostgreSQL)"
    )
    serve.add_argument("--ssl-certfile", type=Path, help="PEM certificate (with chain): serve HTTPS")
    serve.add_argument("--ssl-keyfile", type=Path, help="PEM private key of the certificate")

    issue = commands.add_parser("issue-code", help="print a one-time enrollment code")
    database_options(issue)
    issue.add_argument("--hall", required=True, help="hall code")
    issue.add_argument("--window", type=int, help="window number (or the kiosk's number with --role kiosk)")
    issue.add_argument("--role", choices=("window", "kiosk"), default=None, help="what the code enrolls")
    issue.add_argument(
        "--kiosk",
        nargs="?",
        type=int,
        const=1,
        default=None,
        metavar="N",
        help="a code for ticket kiosk N (1)",
    )
    issue.add_argument("--ttl-hours", type=float, default=None, help="validity (default 24)")
    issue.add_argument("--device", help="re-enrollment: the enrolled device id that moves to this window")

    clerk = commands.add_parser("add-clerk", help="add a clerk to the roster, or a new version of one")
    database_options(clerk)
    clerk.add_argument("--hall", help="hall code (default: the published catalog's hall)")
    clerk.add_argument("--number", required=True, help="personal number (工号), e.g. 0307")
    clerk.add_argument("--name", help="name (required for a new clerk)")
    clerk.add_argument(
        "--role", choices=["clerk", "supervisor", "admin"], help="role (required for a new clerk)"
    )
    clerk.add_argument("--windows", help="windows allowed, e.g. 3,4 (default: any)")
    clerk.add_argument("--inactive", action="store_true", help="switch the clerk off (a new version)")
    clerk.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input (first line)"
    )

    migrate = commands.add_parser("migrate", help="apply database migrations")
    database_options(migrate)

    rotate = commands.add_parser(
        "rotate-server-key", help="record the key in the data folder as the server key (windows re-enroll)"
    )
    database_options(rotate)
    rotate.add_argument("--yes", action="store_true", help="confirm: every window must enroll again")

    register = commands.add_parser(
        "import-register", help="import a department's register export (CSV) and match it against hall cases"
    )
    database_options(register)
    register.add_argument("--dept", required=True, help="department code as in the catalog")
    register.add_argument("--mapping", required=True, type=Path, help="TOML file mapping the CSV columns")
    register.add_argument("--by", default="admin", help="who imports (recorded)")
    register.add_argument("file", type=Path, help="the CSV export (UTF-8 or GBK)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {"database_url": args.database_url, "data_dir": args.data_dir}
    if args.command == "serve":
        overrides.update(
            host=args.host,
            port=args.port,
            demo=args.demo,
            ssl_certfile=args.ssl_certfile,
            ssl_keyfile=args.ssl_keyfile,
            workers=args.workers,
        )
    return Settings.load(args.config, **overrides)


def _tls_files(settings: Settings) -> tuple[str, str] | None:
    """The certificate and key to serve HTTPS with; both files or neither, and both must exist."""
    cert, key = settings.ssl_certfile, settings.ssl_keyfile
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise SettingsError("启用 HTTPS 须同时指定证书 --ssl-certfile 和私钥 --ssl-keyfile")
    for path in (cert, key):
        if not path.is_file():
            raise SettingsError(f"找不到 TLS 文件 {path}")
    return str(cert), str(key)


def _serve(settings: Settings) -> int:
    import uvicorn

    from supervision_server.app import RULES_APART_ENV, WORKER_SETTINGS_ENV, create_app, settle_heap
    from supervision_server.rules_process import RulesProcess, runs_apart

    tls = _tls_files(settings)
    apart = runs_apart(settings)
    app = create_app(settings, rules_apart=apart)
    ready = app.state.ctx.settings
    scheme = "https" if tls else "http"
    print(
        f"电子监察服务器启动：{scheme}://{ready.host}:{ready.port}（数据库：{_shown_url(ready)}）", flush=True
    )
    if ready.demo:
        print(f"演示模式：管理令牌保存在 {ready.data_dir / 'admin_token'}", flush=True)
    options: dict[str, Any] = {
        "host": ready.host,
        "port": ready.port,
        "log_level": "info",
        "access_log": False,
        "ssl_certfile": tls[0] if tls else None,
        "ssl_keyfile": tls[1] if tls else None,
    }
    # The database is prepared: the rules process (PostgreSQL) can start.
    rules = RulesProcess(ready) if apart else None
    if rules is not None:
        rules.start()
        print(f"监察规则在独立进程中运行（进程号 {rules.pid}，较低优先级）", flush=True)
    try:
        if ready.workers == 1:
            settle_heap()
            uvicorn.run(app, **options)
            return 0
        # Several processes: this one migrated and prepared the database; each worker builds its
        # app from the same checked settings (the demo token included).
        app.state.ctx.close()
        os.environ[WORKER_SETTINGS_ENV] = ready.model_dump_json()
        os.environ[RULES_APART_ENV] = "1" if apart else "0"
        print(f"以 {ready.workers} 个进程运行", flush=True)
        uvicorn.run("supervision_server.app:worker_app", factory=True, workers=ready.workers, **options)
        return 0
    finally:
        if rules is not None:
            rules.stop()


def _shown_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.effective_database_url).render_as_string(hide_password=True)


def _code_target(args: argparse.Namespace) -> tuple[DeviceRole, int]:
    """The role and number an ``issue-code`` asks for: ``--kiosk [N]``, ``--role kiosk``, or ``--window N``."""
    role = DeviceRole.KIOSK if args.kiosk is not None else DeviceRole(args.role or "window")
    if args.kiosk is not None and args.role == "window":
        raise SystemExit("--kiosk 与 --role window 不能同时使用 / --kiosk contradicts --role window")
    if role is DeviceRole.KIOSK:
        return role, args.kiosk if args.kiosk is not None else (args.window or 1)
    if args.window is None:
        raise SystemExit(
            "请用 --window 指定窗口号，或用 --kiosk 发放取号机登记码 / --window or --kiosk is required"
        )
    return role, args.window


def _issue_code(
    settings: Settings,
    hall: str,
    window: int,
    ttl_hours: float | None,
    device_id: str | None,
    role: DeviceRole = DeviceRole.WINDOW,
) -> int:
    from supervision_server.db import make_engine, run_write
    from supervision_server.enroll import issue_code
    from supervision_server.migrations import migrate
    from supervision_server.timeutil import system_clock

    engine = make_engine(settings.effective_database_url, pool_size=1)
    try:
        migrate(engine)
        ttl = timedelta(hours=ttl_hours if ttl_hours is not None else settings.enroll_code_ttl_hours)
        now = system_clock()
        issued = run_write(
            engine, lambda conn: issue_code(conn, hall, window, ttl, now, device_id=device_id, role=role)
        )
    finally:
        engine.dispose()
    what = f"设备 {device_id} 改登记到" if device_id else ""
    print(
        f"{what}大厅 {issued.hall_code} {device_label(issued.role, issued.window_no)}的一次性登记码"
        f"（有效期至 {issued.expires_at}）："
    )
    print(issued.code)
    return 0


def _add_clerk(settings: Settings, args: argparse.Namespace) -> int:
    import getpass

    from supervision_server.db import make_engine, read_connection, run_write
    from supervision_server.distribution import published_catalog
    from supervision_server.migrations import migrate
    from supervision_server.roster import put_clerk
    from supervision_server.timeutil import system_clock

    password: str | None = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty() and args.name is not None:
        password = getpass.getpass("密码：")
    windows = (
        [int(w) for w in args.windows.replace("，", ",").split(",") if w.strip()] if args.windows else None
    )
    engine = make_engine(settings.effective_database_url, pool_size=1)
    try:
        migrate(engine)
        hall = args.hall
        if not hall:
            with read_connection(engine) as conn:
                catalog = published_catalog(conn)
            if catalog is None:
                raise SettingsError("服务器尚未发布事项目录：请用 --hall 指定大厅代码")
            hall = catalog.hall_code
        now = system_clock()
        entry = run_write(
            engine,
            lambda conn: put_clerk(
                conn,
                hall_code=hall.upper(),
                number=args.number,
                name=args.name,
                role=args.role,
                password=password,
                windows=windows,
                active=not args.inactive,
                now=now,
                by="cli",
            ),
        )
    finally:
        engine.dispose()
    state = "" if entry.active else "（已停用）"
    print(
        f"大厅 {entry.hall_code} 人员 {entry.number} {entry.name}（{entry.role}）第 {entry.version} 版已记录{state}"
    )
    return 0


def _migrate(settings: Settings) -> int:
    from supervision_server.db import make_engine
    from supervision_server.migrations import migrate

    engine = make_engine(settings.effective_database_url)
    try:
        version = migrate(engine)
    finally:
        engine.dispose()
    print(f"数据库结构已是最新版本 {version}")
    return 0


def _rotate_server_key(settings: Settings, confirmed: bool) -> int:
    from supervision_server.db import make_engine
    from supervision_server.migrations import migrate
    from supervision_server.server_key import rotate_server_key
    from supervision_server.timeutil import system_clock

    if not confirmed:
        print(
            "更换服务器密钥后，所有窗口都必须重新登记才能继续上报；确认请加 --yes。"
            " / Every window must enroll again after a key rotation; add --yes to confirm.",
            file=sys.stderr,
        )
        return 2
    engine = make_engine(settings.effective_database_url, pool_size=1)
    try:
        migrate(engine)
        old, new = rotate_server_key(engine, settings.server_key_path, system_clock())
    finally:
        engine.dispose()
    if old == new:
        print(f"服务器公钥未变：{new}")
    else:
        print(f"服务器公钥已由 {old} 更换为 {new}，请为所有窗口重新发放登记码")
    return 0


def _import_register(settings: Settings, dept: str, mapping: Path, file: Path, by: str) -> int:
    from supervision_server.db import make_engine, run_write
    from supervision_server.migrations import migrate
    from supervision_server.rules.register import RegisterError, import_register
    from supervision_server.timeutil import system_clock

    try:
        mapping_text, data = mapping.read_text(encoding="utf-8"), file.read_bytes()
    except OSError as exc:
        print(f"错误：无法读取 {exc.filename}：{exc.strerror}", file=sys.stderr)
        return 2
    engine = make_engine(settings.effective_database_url, pool_size=1)
    try:
        migrate(engine)
        now = system_clock()
        summary = run_write(
            engine, lambda conn: import_register(conn, dept, mapping_text, data, file.name, by, now)
        )
    except RegisterError as exc:
        print(f"错误：[{exc.code}] {exc.message}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(
        f"部门 {dept} 台账 {summary['records']} 条（{summary['encoding']}）：匹配 {summary['matched']}，"
        f"大厅登记晚于部门办结 {summary['late']}，大厅无办件 {summary['missing']}；新预警 {summary['alerts']} 条"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``supervision-server`` script."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
        if args.command == "serve":
            return _serve(settings)
        if args.command == "issue-code":
            role, number = _code_target(args)
            return _issue_code(settings, args.hall, number, args.ttl_hours, args.device, role)
        if args.command == "add-clerk":
            return _add_clerk(settings, args)
        if args.command == "rotate-server-key":
            return _rotate_server_key(settings, args.yes)
        if args.command == "import-register":
            return _import_register(settings, args.dept, args.mapping, args.file, args.by)
        return _migrate(settings)
    except (SettingsError, ServerKeyMismatch) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # an ApiError from issue-code, a database that cannot be reached
        print(f"错误：{exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
