"""Following each escalation to removal: its states, and which moves between them are allowed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: state -> the states a moderator (or the recheck) may move it to
MOVES: dict[str, tuple[str, ...]] = {
    "drafted": ("sent", "rejected", "removed"),
    "sent": ("acknowledged", "removed", "rejected", "expired"),
    "acknowledged": ("removed", "rejected", "expired"),
    "expired": ("removed", "rejected", "sent"),
    "rejected": ("sent",),
    "removed": ("sent",),  # the link came back: asked again
}
CLOSED = ("removed", "rejected")
OPEN = ("sent", "acknowledged")
#: recipients that delist rather than delete (a case is removed when its hosts removed it)
SEARCH_RECIPIENTS = ("google-ncii", "google-fake")


@dataclass(frozen=True)
class EscalationView:
    """One case's request to one recipient, as moderators follow it."""

    id: int
    case_code: str
    creator: str
    recipient: str
    notice: str
    status: str
    sent_at: datetime | None
    deadline_at: datetime | None
    urls: tuple[str, ...]
    note: str | None = None

    def overdue(self, now: datetime) -> bool:
        """Sent, not answered, and past its deadline."""
        return self.status in OPEN and self.deadline_at is not None and self.deadline_at < now

    def as_json(self) -> dict[str, object]:
        """The JSON line ``leakdesk escalations --json`` prints."""
        return {
            "id": self.id,
            "case_code": self.case_code,
            "recipient": self.recipient,
            "notice": self.notice,
            "status": self.status,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "deadline_at": self.deadline_at.isoformat() if self.deadline_at else None,
            "urls": list(self.urls),
        }


@dataclass(frozen=True)
class RecipientStats:
    """How one recipient answered one kind of notice."""

    recipient: str
    notice: str
    sent: int
    removed: int
    median_hours: float | None
    p90_hours: float | None

    @property
    def removed_share(self) -> float:
        """Removed / sent (0 when nothing was sent)."""
        return self.removed / self.sent if self.sent else 0.0

    def as_json(self) -> dict[str, object]:
        """One entry of ``leakdesk stats --json``."""
        return {
            "recipient": self.recipient,
            "notice": self.notice,
            "sent": self.sent,
            "removed": self.removed,
            "removed_share": round(self.removed_share, 3),
            "median_hours": self.median_hours,
            "p90_hours": self.p90_hours,
        }


def removal_stats(views: list[EscalationView], closed: dict[int, datetime]) -> list[RecipientStats]:
    """Per recipient and notice kind: requests sent, removed, and hours from sent to removed.

    ``closed`` maps escalation ids to when they were marked removed.
    """
    groups: dict[tuple[str, str], list[EscalationView]] = {}
    for view in views:
        if view.sent_at is not None:
            groups.setdefault((view.recipient, view.notice), []).append(view)
    stats = []
    for (recipient, notice), group in sorted(groups.items()):
        hours = sorted(
            (closed[v.id] - v.sent_at).total_seconds() / 3600
            for v in group
            if v.status == "removed" and v.id in closed and v.sent_at is not None
        )
        stats.append(
            RecipientStats(
                recipient,
                notice,
                sent=len(group),
                removed=sum(v.status == "removed" for v in group),
                median_hours=round(_quantile(hours, 0.5), 1) if hours else None,
                p90_hours=round(_quantile(hours, 0.9), 1) if hours else None,
            )
        )
    return stats


def _quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile of sorted ``values`` (linear between neighbours)."""
    position = (len(values) - 1) * q
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)
