"""The dashboard's words made in Python: names of states, actions and filters, and the core's
English outcomes and refusals worded again in the reader's language.

The core and the stores say why a case was not changed in English (``case is dismissed;
cannot claim``); :func:`reworded` recognises those sentences by their catalog message id and
writes them in the page's language, naming states and actions in it too. A sentence it does
not know is looked up as is (and stays English when the catalogs lack it); English readers
get the sentence as the core wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from handlers.i18n import N_, SOURCE, Texts

#: case states (``core.model.CaseStatus``) and escalation states (``core.escalation.tracking``)
STATES = {
    "open": N_("open"),
    "claimed": N_("claimed"),
    "confirmed": N_("confirmed"),
    "dismissed": N_("dismissed"),
    "merged": N_("merged"),
    "escalated": N_("escalated"),
    "removed": N_("removed"),
    "drafted": N_("drafted"),
    "sent": N_("sent"),
    "acknowledged": N_("acknowledged"),
    "rejected": N_("rejected"),
    "expired": N_("expired"),
}
#: the queue's bulk actions (their buttons)
ACTIONS = {
    "claim": N_("Claim"),
    "confirm": N_("Confirm"),
    "dismiss": N_("Dismiss"),
    "merge": N_("Merge"),
    "escalate": N_("Escalate"),
    "reopen": N_("Reopen"),
}
#: the escalations view's buttons (``bots.web.escalations.MARKS``)
MARK_BUTTONS = {
    "sent": N_("Mark sent"),
    "acknowledged": N_("Mark acknowledged"),
    "removed": N_("Mark removed"),
}
#: the queue's age filter
AGE_NAMES = {
    "1d": N_("last day"),
    "7d": N_("last 7 days"),
    "30d": N_("last 30 days"),
    "older7d": N_("older than 7 days"),
    "older30d": N_("older than 30 days"),
}
#: the queue's orders (``db.web_queue.SORTS``)
SORT_NAMES = {"reporters": N_("most reporters"), "newest": N_("newest"), "oldest": N_("oldest")}

#: the core's and the stores' sentences about a case (``db.cases``, ``core.moderation``)
OUTCOMES = (
    N_("no case %(code)s"),
    N_("merged into %(code)s"),
    N_("case is %(status)s; cannot %(action)s"),
    N_("case changed meanwhile; cannot %(action)s"),
    N_("case is already claimed by another moderator"),
    N_("a dismissal needs a reason"),
    N_("case codes look like LD-7KQ2MX"),
    N_("%(code)s is already merged"),
    N_("%(code)s cannot be merged into itself"),
    N_("%(code)s is already merged into %(target)s"),
    N_("%(code)s is dismissed; reopen it before merging into it"),
    N_("%(code)s is merged into itself; /reopen it first"),
    N_("cases of different creators cannot be merged"),
)
#: which words a recognised sentence's parameters are
_PARAM_WORDS: Mapping[str, Mapping[str, str]] = {"status": STATES, "action": ACTIONS}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(msgid: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(msgid)  # literal, name, literal, name, …
    return re.compile(
        "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    )


_PATTERNS = [(msgid, _pattern(msgid)) for msgid in OUTCOMES]


def state_name(lang: str, state: object) -> str:
    """A case's or an escalation's state in ``lang`` (an unknown one as it is)."""
    text = str(state)
    return Texts(lang)(STATES[text]) if text in STATES else text


def reworded(text: str, lang: str) -> str:
    """An English sentence of the core (or a state) in ``lang``, see the module's docstring."""
    t = Texts(lang)
    if t.lang == SOURCE:
        return text
    if text in STATES:
        return t(STATES[text])
    for msgid, pattern in _PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            params = {
                name: t(_PARAM_WORDS[name][value]) if value in _PARAM_WORDS.get(name, {}) else value
                for name, value in found.groupdict().items()
            }
            return t(msgid, **params)
    return t(text)
