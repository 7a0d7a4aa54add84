"""One measured figure with its runs, target and same-run ceiling, and the ways it is printed:
a plain table for the terminal and rows for the README's performance table."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figure:
    """A figure measured ``len(values)`` times.

    ``target`` is met when the median is at least it (``higher_is_better``) or below it;
    ``max_ceiling_ratio`` is a target relative to the ceiling (median / ceiling at most this).
    ``cpu`` holds CPU milliseconds per ``cpu_per`` (one case, one query, 1k events...) per run.
    """

    group: str
    what: str
    unit: str
    values: list[float]
    higher_is_better: bool = False
    target: float | None = None
    ceiling: list[float] = field(default_factory=list)
    ceiling_what: str = ""
    max_ceiling_ratio: float | None = None
    cpu: list[float] = field(default_factory=list)
    cpu_per: str = ""
    load: list[float] = field(default_factory=list)
    command: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def ceiling_median(self) -> float | None:
        return statistics.median(self.ceiling) if self.ceiling else None

    @property
    def target_ratio(self) -> float | None:
        """median / target (at least 1 meets a rate target, below 1 meets a time target)."""
        return self.median / self.target if self.target else None

    @property
    def ceiling_ratio(self) -> float | None:
        ceiling = self.ceiling_median
        return self.median / ceiling if ceiling else None

    @property
    def verdict(self) -> str:
        """``ok``, ``MISS``, or empty when the figure has no target."""
        checks: list[bool] = []
        if self.target is not None:
            checks.append(self.median >= self.target if self.higher_is_better else self.median < self.target)
        if self.max_ceiling_ratio is not None and self.ceiling_ratio is not None:
            checks.append(self.ceiling_ratio <= self.max_ceiling_ratio)
        if not checks:
            return ""
        return "ok" if all(checks) else "MISS"

    def target_text(self) -> str:
        parts = []
        if self.target is not None:
            parts.append(f"{'≥' if self.higher_is_better else '<'} {num(self.target)} {self.unit}")
        if self.max_ceiling_ratio is not None:
            parts.append(f"≤ {self.max_ceiling_ratio:g}× ceiling")
        return ", ".join(parts) or "—"

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(
            median=self.median,
            min=min(self.values),
            max=max(self.values),
            ceiling_median=self.ceiling_median,
            target_ratio=self.target_ratio,
            ceiling_ratio=self.ceiling_ratio,
            verdict=self.verdict,
            target_text=self.target_text(),
        )
        return out


def num(value: float) -> str:
    """A figure rounded to what a shared 2-core machine can tell apart."""
    if value == int(value) and abs(value) < 1000:
        return f"{int(value)}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(figures: list[Figure]) -> str:
    """The terminal table: one line per figure."""
    header = ("figure", "median", "min-max", "target", "x target", "ceiling", "x ceil", "", "CPU ms", "load")
    rows = [header]
    for f in figures:
        ceiling = f.ceiling_median
        rows.append(
            (
                f"{f.group}: {f.what}",
                f"{num(f.median)} {f.unit}",
                f"{num(min(f.values))}-{num(max(f.values))}",
                f.target_text(),
                f"{f.target_ratio:.2f}" if f.target_ratio is not None else "",
                f"{num(ceiling)} ({f.ceiling_what})" if ceiling is not None else "",
                f"{f.ceiling_ratio:.2f}" if f.ceiling_ratio is not None else "",
                f.verdict,
                f"{num(statistics.median(f.cpu))}/{f.cpu_per}" if f.cpu else "",
                f"{statistics.median(f.load):.1f}" if f.load else "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def markdown_rows(results: dict[str, Any]) -> list[str]:
    """README rows (what | target | measured | command) from a ``latest.json``."""
    rows = []
    for f in results["figures"]:
        measured = f"{num(f['median'])} {f['unit']} ({num(f['min'])}–{num(f['max'])})"
        if f["target_ratio"] is not None:
            measured += f", {f['target_ratio']:.2f}× target"
        if f["ceiling_median"] is not None:
            measured += f"; {f['ceiling_what']} {num(f['ceiling_median'])}, {f['ceiling_ratio']:.2f}×"
        if f["cpu"]:
            measured += f"; CPU {num(statistics.median(f['cpu']))} ms/{f['cpu_per']}"
        if f["load"]:
            measured += f"; load {statistics.median(f['load']):.1f}"
        if f["verdict"] == "MISS":
            measured += " **(misses)**"
        rows.append(f"| {f['what']} | {f['target_text']} | {measured} | `{f['command']}` |")
    return rows
