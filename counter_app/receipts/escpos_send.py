"""Sending ESC/POS bytes to a thermal printer: a network printer (raw port 9100) or a device file.

Targets are written the way an admin configures them: ``tcp://192.168.1.50:9100`` or
``file:/dev/usb/lp0``. A printer that is off, out of reach or out of paper raises
:class:`PrinterUnavailable` with a message for the clerk; the caller keeps the document.
"""

from __future__ import annotations

import socket
from urllib.parse import urlparse

DEFAULT_PORT = 9100


class PrinterUnavailable(Exception):
    """The printer could not take the job; ``message`` is for the clerk (Chinese)."""

    code = "PRINTER_UNAVAILABLE"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def send_escpos(data: bytes, target: str, timeout: float = 5.0) -> None:
    """Write ``data`` to the printer named by ``target``; PrinterUnavailable on any failure."""
    parsed = urlparse(target)
    if parsed.scheme == "tcp":
        host, port = parsed.hostname, parsed.port or DEFAULT_PORT
        if not host:
            raise PrinterUnavailable(f"小票打印机地址不正确：{target}")
        try:
            with socket.create_connection((host, port), timeout=timeout) as conn:
                conn.sendall(data)
                conn.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise PrinterUnavailable(
                f"无法连接小票打印机 {host}:{port}（{exc.strerror or exc}），请检查电源和网线"
            ) from exc
        return
    if parsed.scheme == "file":
        path = parsed.path or target.removeprefix("file:")
        try:
            with open(path, "wb", buffering=0) as device:
                device.write(data)
        except OSError as exc:
            raise PrinterUnavailable(
                f"无法写入小票打印机 {path}（{exc.strerror or exc}），请检查连接"
            ) from exc
        return
    raise PrinterUnavailable(f"不支持的小票打印机地址：{target}（应为 tcp://主机:端口 或 file:/dev/usb/lp0）")
