"""Fixtures of the clerk's window screens (see tests/ui/clerk_window.py)."""

from tests.ui.clerk_window import counter  # noqa: F401 (fixture)
