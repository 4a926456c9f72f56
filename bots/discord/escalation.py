"""What an escalation *would* send, until escalation packets exist (a later issue)."""

from __future__ import annotations

from collections.abc import Sequence

from core.model import CaseStatus, CaseView
from core.urls import Registry

OTHER = "other"  # cases on hosts the registry does not know
NOT_YET = "Escalation packets are not generated yet: nothing was sent."
ESCALATABLE = (CaseStatus.CONFIRMED,)


def platform_name(registry: Registry, platform_id: str) -> str:
    """The display name of a registered platform (the id itself when unknown)."""
    platform = registry.get(platform_id)
    return platform.name if platform else platform_id


def platform_preview(cases: Sequence[CaseView], platform_id: str, registry: Registry) -> str:
    """Confirmed cases of one platform that an escalation would include (count and codes)."""
    name = platform_name(registry, platform_id)
    matching = [
        c for c in cases if c.status in ESCALATABLE and (c.platform or OTHER) == platform_id
    ]
    if not matching:
        return f"No confirmed cases on {name}: there is nothing to escalate."
    codes = ", ".join(c.code for c in matching)
    return f"Would escalate {len(matching)} confirmed case(s) on {name}: {codes}.\n{NOT_YET}"


def case_preview(case: CaseView, registry: Registry) -> str:
    """What escalating one case would do, or why it cannot be escalated yet."""
    if case.status not in ESCALATABLE:
        return f"Case {case.code} is {case.status.value}: only confirmed cases are escalated."
    platform = registry.get(case.platform) if case.platform else None
    if platform is None:
        where = f"the host {case.host or '?'}"
    else:
        where = f"{platform.name} ({platform.channel})" if platform.channel else platform.name
    return f"Would escalate case {case.code} ({len(case.links)} link(s)) to {where}.\n{NOT_YET}"
