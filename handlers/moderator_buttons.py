"""The words on moderators' buttons in the chat adapters (Discord, Telegram), marked for the
catalogs, and when a case card offers the "AI-generated?" decision (issue 13).

The buttons are labelled in the creator's language (``leakdesk creator set C --language``), like
the card they sit on; what a button does never depends on its words.
"""

from __future__ import annotations

from core.model import CaseStatus, CaseView
from handlers.i18n import N_, SOURCE, Texts

#: a case button's action → its label
CASE_LABELS = {
    "claim": N_("Claim"),
    "confirm": N_("Confirm"),
    "dismiss": N_("Dismiss"),
    "escalate": N_("Escalate"),
    "reopen": N_("Reopen"),
    "synthetic_yes": N_("AI-generated: yes"),
    "synthetic_no": N_("AI-generated: no"),
}
#: the moderator's answer to "is it synthetic?" behind each decision button
SYNTHETIC_DECISIONS = {"synthetic_yes": "yes", "synthetic_no": "no"}
#: buttons of the escalation preview, a form and a held send
ESCALATION_LABELS = {
    "go": N_("Confirm"),
    "cancel": N_("Cancel"),
    "sent": N_("Mark sent"),
    "approve": N_("Approve"),
}
#: states in which the synthetic decision no longer matters
_DECIDED_FOR_GOOD = (CaseStatus.MERGED,)


def case_label(action: str, lang: str = SOURCE) -> str:
    """The label of the case button ``action`` in ``lang``."""
    return Texts(lang)(CASE_LABELS[action])


def escalation_label(action: str, lang: str = SOURCE) -> str:
    """The label of an escalation button (``go``, ``cancel``, ``sent``, ``approve``)."""
    return Texts(lang)(ESCALATION_LABELS[action])


def offers_synthetic(case: CaseView) -> bool:
    """Whether the card asks moderators "AI-generated: yes / no": the case has provenance
    evidence, and a decision can still change something."""
    return bool(case.provenance) and case.status not in _DECIDED_FOR_GOOD
