"""Overdue alerts and daily digests for a creator's moderator places, in the creator's language.

:class:`core.notify.moderator_alerts.ModeratorAlerts` decides what is due; :class:`AlertTexts`
words it (dates and counts written the locale's way, Babel). Never a link: case codes only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from core.escalation.tracking import EscalationView
from core.notify.moderator_alerts import DigestCounts
from handlers.i18n import Texts


class AlertTexts:
    """Words the alerts and digests (``core.notify.moderator_alerts.AlertWords``)."""

    def overdue(
        self, creator: str, views: Sequence[EscalationView], more: int, lang: str | None
    ) -> str:
        """The alert for escalations past their deadline (no links)."""
        t = Texts(lang)
        lines = [
            t(
                "Overdue removal requests of %(creator)s (past their deadline, no answer yet):",
                creator=creator,
            )
        ]
        for view in views:
            due = t.moment(view.deadline_at) + " UTC" if view.deadline_at else "?"
            line = t(
                "%(code)s → %(recipient)s (%(notice)s), due %(due)s",
                code=view.case_code,
                recipient=view.recipient,
                notice=view.notice,
                due=due,
            )
            lines.append(f"• {line}")
        if more:
            lines.append(
                t.plural(
                    "…and %(n)s more: leakdesk escalations --creator %(creator)s --overdue",
                    "…and %(n)s more: leakdesk escalations --creator %(creator)s --overdue",
                    more,
                    creator=creator,
                )
            )
        lines.append(t("Follow up with the platform, or mark them: leakdesk escalations mark ID…"))
        return "\n".join(lines)

    def digest(self, creator: str, day: date, counts: DigestCounts, lang: str | None) -> str:
        """The daily digest (counts only)."""
        t = Texts(lang)
        return t(
            "Daily escalation digest for %(creator)s (%(day)s, last 24 h): %(new)s new, "
            "%(sent)s sent, %(overdue)s overdue, %(removed)s removed.",
            creator=creator,
            day=t.day(day),
            new=t.number(counts.new),
            sent=t.number(counts.sent),
            overdue=t.number(counts.overdue),
            removed=t.number(counts.removed),
        )


__all__ = ["AlertTexts"]
