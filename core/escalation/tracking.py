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
