"""The citizen's rating of a service (政务服务好差评): one definition for the window that records it
and the server that assesses it.

When a ticket finishes, the citizen rates the service on five levels. The rating is a ledger event
of the window (``service.rated``) tied to the ticket, its cases and the clerk (the event's
``clerk_id``). A citizen who gives no rating (walks away, declines) is recorded too, with
``level`` null and the reason, so the share of rated services is itself a figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

from counter_app.domain.errors import DomainError

RATED_EVENT = "service.rated"


class Level(IntEnum):
    """The five levels of 好差评; 不满意 and 非常不满意 are 差评."""

    VERY_UNSATISFIED = 1
    UNSATISFIED = 2
    BASIC = 3
    SATISFIED = 4
    VERY_SATISFIED = 5

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]

    @property
    def is_bad(self) -> bool:
        """差评: the levels that count against the window."""
        return self <= Level.UNSATISFIED


LEVEL_LABELS: dict[Level, str] = {
    Level.VERY_SATISFIED: "非常满意",
    Level.SATISFIED: "满意",
    Level.BASIC: "基本满意",
    Level.UNSATISFIED: "不满意",
    Level.VERY_UNSATISFIED: "非常不满意",
}


class NoRating(StrEnum):
    """Why a finished service has no rating."""

    TIMEOUT = "timeout"  # the rating screen waited and nobody touched it
    DECLINED = "declined"  # the citizen chose not to rate


@dataclass(frozen=True)
class Rating:
    """The payload of a ``service.rated`` event."""

    ticket_no: str
    business_date: str  # ISO date of the ticket's business day
    case_nos: tuple[str, ...] = ()
    level: Level | None = None
    no_rating: NoRating | None = None
    comment: str = ""

    def __post_init__(self) -> None:
        if (self.level is None) == (self.no_rating is None):
            raise DomainError("评价必须是五个等级之一，或记录未评价的原因", "RATING_INVALID")
        if len(self.comment) > 200:
            raise DomainError("评价意见不能超过 200 字", "RATING_COMMENT_TOO_LONG")

    def payload(self) -> dict[str, Any]:
        return {
            "ticket_no": self.ticket_no,
            "business_date": self.business_date,
            "case_nos": list(self.case_nos),
            "level": None if self.level is None else int(self.level),
            "no_rating": None if self.no_rating is None else self.no_rating.value,
            "comment": self.comment,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Rating:
        """Read a stored payload back; a malformed one raises ``DomainError`` (RATING_INVALID)."""
        try:
            level = payload.get("level")
            no_rating = payload.get("no_rating")
            return cls(
                ticket_no=str(payload["ticket_no"]),
                business_date=str(payload["business_date"]),
                case_nos=tuple(str(no) for no in payload.get("case_nos") or ()),
                level=None if level is None else Level(int(level)),
                no_rating=None if no_rating is None else NoRating(str(no_rating)),
                comment=str(payload.get("comment") or ""),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise DomainError("评价记录格式不正确", "RATING_INVALID") from exc
