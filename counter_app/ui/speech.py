"""Spoken calls for the hall display: a chime, then "请 A 零零五 号 到 三 号窗口办理".

Calls are spoken first in, first out, each to its end: a new call waits for the one being
spoken (a cut-off call is a citizen who missed their turn). A recall is simply spoken again.
With no working speech engine the display goes on without voice: :class:`CallAnnouncer` still
paces the calls (so the screen can show each one large in turn) and logs once that voice is off.
"""

from __future__ import annotations

import functools
import logging
import math
import struct
import tempfile
import wave
import weakref
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal

log = logging.getLogger(__name__)
GAP_MS = 700  # silence between two calls
SILENT_CALL_MS = 2500  # how long a call stays "current" when there is no voice


class QtSpeaker(QObject):
    """QTextToSpeech in Mandarin; ``finished`` after each utterance. ``engine`` "mock" in tests."""

    finished = Signal()

    def __init__(self, engine: str | None = None) -> None:
        super().__init__()
        from PySide6.QtTextToSpeech import QTextToSpeech  # PySide6-Addons, loaded only for the display

        self._states = QTextToSpeech.State
        self._tts = QTextToSpeech(engine) if engine else QTextToSpeech()
        self._speaking = False
        for locale in self._tts.availableLocales():
            if locale.name().startswith("zh"):
                self._tts.setLocale(locale)
                break
        self._tts.setRate(-0.1)  # a little slower than conversation, for a noisy hall
        # QTextToSpeech announces a state change from its destructor; a weak reference keeps that
        # last call from reaching a speaker that is already being torn down.
        self._tts.stateChanged.connect(functools.partial(_relay_state, weakref.ref(self)))

    @property
    def available(self) -> bool:
        """Whether the engine can speak (speech-dispatcher may be installed but not running)."""
        return self._tts.state() != self._states.Error

    @property
    def engine(self) -> str:
        """The engine's name (speechd, mock, ...)."""
        return str(self._tts.engine())

    def say(self, text: str) -> None:
        """Speak ``text``; ``finished`` follows when it has been spoken."""
        self._speaking = True
        self._tts.say(text)

    def _changed(self, state: object) -> None:
        if state == self._states.Ready and self._speaking:
            self._speaking = False
            self.finished.emit()
        elif state == self._states.Error and self._speaking:
            log.warning("speech engine failed: %s", self._tts.errorString())
            self._speaking = False
            self.finished.emit()


def _relay_state(speaker: weakref.ref[QtSpeaker], state: object) -> None:
    alive = speaker()
    if alive is not None:
        alive._changed(state)


class Chime:
    """A two-tone chime before each call (a WAV made once, played with QSoundEffect)."""

    def __init__(self) -> None:
        self._effect: object | None = None
        try:
            from PySide6.QtMultimedia import QSoundEffect

            path = Path(tempfile.gettempdir()) / "service-counter-chime.wav"
            if not path.exists():
                _write_chime(path)
            effect = QSoundEffect()
            effect.setSource(QUrl.fromLocalFile(str(path)))
            effect.setVolume(0.6)
            self._effect = effect
        except Exception as exc:  # no multimedia backend: calls are still spoken and shown
            log.info("chime off: %s", exc)

    def play(self) -> None:
        """Play the chime if sound works here."""
        if self._effect is not None:
            self._effect.play()  # type: ignore[attr-defined]


def _write_chime(path: Path, rate: int = 22050) -> None:
    frames = bytearray()
    for freq, seconds in ((880.0, 0.28), (660.0, 0.42)):
        n = int(rate * seconds)
        for i in range(n):
            fade = min(1.0, (n - i) / (rate * 0.08))
            frames += struct.pack("<h", int(9000 * fade * math.sin(2 * math.pi * freq * i / rate)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))


class CallAnnouncer(QObject):
    """Speaks calls in order, never two at once; ``started`` tells the screen which call is current."""

    started = Signal(str, str)  # shown text, spoken text
    idle = Signal()

    def __init__(self, speaker: QtSpeaker | None, chime: Chime | None = None, gap_ms: int = GAP_MS) -> None:
        super().__init__()
        self._queue: deque[tuple[str, str]] = deque()
        self._busy = False
        self.gap_ms = gap_ms
        self.chime = chime
        self.spoken: list[str] = []  # every call spoken, in order (the display's log; tests read it)
        self.speaker = speaker if speaker is not None and speaker.available else None
        if speaker is not None and self.speaker is None:
            log.warning("speech engine %s does not work here: calls are shown without voice", speaker.engine)
        elif speaker is None:
            log.warning("no speech engine: calls are shown without voice")
        if self.speaker is not None:
            self.speaker.setParent(self)  # dies with the announcer, never speaks for a closed screen
            self.speaker.finished.connect(self._done)

    @property
    def voice(self) -> bool:
        """Whether calls are spoken."""
        return self.speaker is not None

    @property
    def pending(self) -> int:
        """Calls waiting to be spoken after the current one."""
        return len(self._queue)

    def announce(self, shown: str, spoken: str) -> None:
        """Queue a call; it is spoken after every call queued before it."""
        self._queue.append((shown, spoken))
        if not self._busy:
            self._next()

    def _next(self) -> None:
        if not self._queue:
            self._busy = False
            self.idle.emit()
            return
        self._busy = True
        shown, spoken = self._queue.popleft()
        self.started.emit(shown, spoken)
        self.spoken.append(spoken)
        if self.chime is not None:
            self.chime.play()
        if self.speaker is not None:
            self.speaker.say(spoken)
        else:
            QTimer.singleShot(SILENT_CALL_MS, self, self._done)  # cancelled if the announcer goes

    def _done(self) -> None:
        QTimer.singleShot(self.gap_ms, self, self._next)
