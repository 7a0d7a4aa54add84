"""The hall board as the display and the windows receive it: pushed, with polling behind it.

:class:`BoardFeed` runs on its own thread. It holds a server-sent-events stream open
(``/queue/halls/{hall}/stream``); every event carries the whole board, so the first event after
a reconnect is a full resync. When the stream cannot be opened or breaks, it polls the board
every few seconds until the stream comes back. Each board is handed to ``listener`` (which a
Qt widget relays to its own thread through a signal); ``on_state`` reports ``live``,
``polling`` or ``offline`` for the status line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import requests

from counter_app.sync.client import API

log = logging.getLogger(__name__)
Board = dict[str, Any]


def parse_events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream, per the HTML standard's simple rules."""
    event: str = "message"
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)


class BoardFeed:
    """Keeps ``listener`` supplied with the hall board until :meth:`stop`."""

    def __init__(
        self,
        server_url: str,
        hall_code: str,
        listener: Callable[[Board], None],
        on_state: Callable[[str], None] = lambda _state: None,
        poll_every_s: float = 3.0,
        timeout: tuple[float, float] = (3.0, 30.0),
    ) -> None:
        self.base = f"{server_url.rstrip('/')}{API}/queue/halls/{hall_code}"
        self.listener = listener
        self.on_state = on_state
        self.poll_every_s = poll_every_s
        self.timeout = timeout
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._session = requests.Session()
        self._response: requests.Response | None = None

    def start(self) -> None:
        """Start the feed thread."""
        self._thread = threading.Thread(target=self._run, name="board-feed", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop and wait for the thread; no board is delivered after this returns.

        A read blocked on the open stream is woken by shutting its socket down (closing alone
        does not wake a blocked ``recv`` on Linux).
        """
        self._stop.set()
        response = self._response
        connection = getattr(response.raw, "connection", None) if response is not None else None
        sock = getattr(connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._session.close()
        if self._thread is not None:
            self._thread.join(timeout)

    def _deliver(self, board: Board) -> None:
        if not self._stop.is_set():
            self.listener(board)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._stream()
            except (requests.RequestException, ValueError, OSError) as exc:
                if self._stop.is_set():
                    return
                log.info("board stream interrupted: %s", exc)
            if self._stop.is_set():
                return
            if not self._poll_once():
                self.on_state("offline")
            self._stop.wait(self.poll_every_s)

    def _stream(self) -> None:
        with self._session.get(self.base + "/stream", stream=True, timeout=self.timeout) as response:
            self._response = response
            response.raise_for_status()
            response.encoding = "utf-8"
            self.on_state("live")
            for event, data in parse_events(response.iter_lines(decode_unicode=True)):
                if self._stop.is_set():
                    return
                if event == "board":
                    self._deliver(json.loads(data))

    def _poll_once(self) -> bool:
        try:
            reply = self._session.get(self.base + "/board", timeout=self.timeout)
            reply.raise_for_status()
            board = reply.json()
        except (requests.RequestException, ValueError):
            return False
        self.on_state("polling")
        self._deliver(board)
        return True
