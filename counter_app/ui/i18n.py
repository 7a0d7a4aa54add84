"""The window's language: Simplified Chinese in the source, other languages through Qt Linguist.

UI text is written in Chinese inside ``self.tr()`` / ``QCoreApplication.translate``;
``resources/i18n/counter_<lang>.ts`` holds a translation (made with ``pyside6-lupdate``) and the
setup builds ``counter_<lang>.qm`` next to it with ``pyside6-lrelease``. When the ``.qm`` is
missing (a copy without the setup step) it is built at first run into the data folder.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

from counter_app.store.datadir import DataDir

log = logging.getLogger(__name__)
I18N = Path(__file__).resolve().parents[2] / "resources" / "i18n"
SOURCE_LANGUAGE = "zh"
LANGUAGES = ("zh", "en")
# The modules whose text is translated: what pyside6-lupdate reads to update the .ts files.
TRANSLATED_MODULES = (
    "faults",
    "login",
    "main_window",
    "status_bar",
    "today_cases",
    "setup_wizard",
    "queue_panel",
    "kiosk",
    "display",
    "modes",
)


def translated_sources() -> list[Path]:
    """The source files of :data:`TRANSLATED_MODULES`."""
    return [Path(__file__).with_name(f"{name}.py") for name in TRANSLATED_MODULES]


def _lrelease() -> str | None:
    sibling = Path(sys.executable).with_name("pyside6-lrelease")
    return str(sibling) if sibling.exists() else shutil.which("pyside6-lrelease")


def compiled(lang: str, data_dir: DataDir | None = None) -> Path | None:
    """The ``.qm`` file of ``lang``: the one the setup built, else one built now into the data folder."""
    built = I18N / f"counter_{lang}.qm"
    source = I18N / f"counter_{lang}.ts"
    if built.exists() and (not source.exists() or built.stat().st_mtime >= source.stat().st_mtime):
        return built
    if not source.exists() or data_dir is None:
        return built if built.exists() else None
    target = data_dir.root / "i18n" / built.name
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    tool = _lrelease()
    if tool is None:
        log.warning("pyside6-lrelease not found: the window stays in Chinese")
        return None
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    done = subprocess.run([tool, str(source), "-qm", str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        log.warning("pyside6-lrelease failed: %s", done.stderr.strip())
        return None
    return target


def install_translator(
    app: QCoreApplication, lang: str, data_dir: DataDir | None = None
) -> QTranslator | None:
    """Translate the UI into ``lang`` (nothing to do for Chinese); the translator, or None."""
    if lang == SOURCE_LANGUAGE:
        return None
    path = compiled(lang, data_dir)
    translator = QTranslator(app)
    if path is None or not translator.load(str(path)):
        log.warning("no translation for %s: the window stays in Chinese", lang)
        return None
    app.installTranslator(translator)
    return translator
