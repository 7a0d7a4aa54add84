"""Printing through a real CUPS queue (cups-pdf backend): the job CUPS writes out is read back
with poppler and zbar, as a printed sheet would be scanned.

``scripts/cups-queue.sh`` (called by ./run-tests) starts cupsd and adds the queue CounterPDF.
Without it the test is skipped with the reason, and fails when CI is set.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from counter_app.services.documents import issue_document
from counter_app.services.intake import accept_case
from counter_app.ui.printing import QtDocumentPrinter, printer_names
from tests.support import intake_for, promise_item

QUEUE = "CounterPDF"
CONF = Path("/etc/cups/cups-pdf.conf")


def output_dirs() -> list[Path]:
    """Where cups-pdf writes jobs: its ``Out`` setting (``${HOME}/PDF`` by default) and the spool."""
    out = "${HOME}/PDF"
    if CONF.exists():
        found = re.search(r"^Out\s+(\S+)", CONF.read_text(errors="replace"), re.M)
        out = found.group(1) if found else out
    home = Path(os.environ.get("HOME", "/root"))
    return [Path(out.replace("${HOME}", str(home))), Path("/var/spool/cups-pdf/ANONYMOUS"), home / "PDF"]


def pdfs() -> set[Path]:
    return {p for d in output_dirs() if d.is_dir() for p in d.glob("*.pdf")}


def queued() -> bool:
    """Whether CounterPDF still has jobs not completed."""
    return bool(subprocess.run(["lpstat", "-o", QUEUE], capture_output=True, text=True).stdout.strip())


def test_receipt_printed_through_cups_comes_out_readable(qapp, store, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if QUEUE not in printer_names():
        reason = f"CUPS queue {QUEUE} is missing (run scripts/cups-queue.sh as root)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    before = pdfs()
    result = accept_case(store, clock, "clerk-07", intake_for(promise_item(store)))
    issued = issue_document(store, clock, "clerk-07", result.project_no, printer=QtDocumentPrinter(QUEUE))
    assert issued.outcome is not None and issued.outcome.ok, issued.outcome
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and (queued() or not pdfs() - before):
        time.sleep(0.2)  # the job leaves the queue when cups-pdf has written it whole
    new = pdfs() - before
    assert new, f"no job came out of {QUEUE} in {output_dirs()}"
    job = max(new, key=lambda p: p.stat().st_mtime)
    png = tmp_path / "sheet"
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(job), str(png)], check=True)
    image = next(tmp_path.glob("sheet*.png"))
    scanned = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True)
    assert result.project_no in scanned.stdout.split()
