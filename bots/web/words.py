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

from core.errors import MissingFields
from core.escalation.service import NO_AGENT
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

#: the audit trail's actions (``moderator_actions.action`` as ``db/`` writes it; the
#: tracker's ``escalation_<state>`` are worded by :func:`trail_action`)
TRAIL_ACTIONS = {
    "claim": N_("claimed"),
    "confirm": N_("confirmed"),
    "dismiss": N_("dismissed"),
    "reopen": N_("reopened"),
    "merge": N_("merged"),
    "merge_in": N_("case merged in"),
    "synthetic": N_("marked AI-generated"),
    "not_synthetic": N_("marked not AI-generated"),
    "approve_send": N_("sending approved"),
    "suspend_reporter": N_("reporter suspended"),
    "unsuspend_reporter": N_("suspension lifted"),
    "trust_reporter": N_("reporter trusted"),
    "untrust_reporter": N_("reporter no longer trusted"),
}
#: an ``escalation_<state>`` row of the audit trail
ESCALATION_ACTION = N_("escalation: %(state)s")
#: notice kinds (``core.escalation.notices.NOTICE_KINDS``)
NOTICE_NAMES = {
    "take_it_down": N_("TAKE IT DOWN Act request"),
    "dsa_art16": N_("EU DSA Art. 16 notice"),
    "dmca": N_("DMCA notice"),
    "google_ncii": N_("Google Search NCII removal"),
    "google_fake": N_("Google Search fake-image removal"),
    "generic_abuse": N_("abuse notice"),
}
#: channel kinds (``kind`` in ``core/escalation/channels.toml``)
CHANNEL_KINDS = {"email": N_("email"), "form": N_("web form"), "in_app": N_("in-app report")}
#: provenance signal kinds (``core.model.ProvenanceSignal.kind``)
SIGNAL_NAMES = {
    "png_parameters": N_("PNG generation parameters"),
    "comfyui": N_("ComfyUI workflow"),
    "png_software": N_("PNG software tag"),
    "digital_source_type": N_("digital source type"),
    "exif_software": N_("EXIF software"),
    "exif_parameters": N_("EXIF generation parameters"),
    "c2pa": N_("C2PA content credentials"),
    "c2pa_source_type": N_("C2PA source type"),
    "watermark": N_("watermark"),
}
#: how strongly a signal suggests synthetic material (``core.model.Confidence``)
CONFIDENCE_NAMES = {"strong": N_("strong"), "medium": N_("medium"), "weak": N_("weak")}
#: what a notice may lack (no agent of record at all, or one of ``AgentOfRecord``'s fields)
AGENT_FIELDS = {
    NO_AGENT: N_("agent of record"),
    "signer": N_("signer"),
    "email": N_("email"),
    "address": N_("address"),
    "phone": N_("phone"),
    "jurisdiction": N_("jurisdiction"),
    "authority": N_("authority"),
}
#: the core's ``MissingFields`` on the dashboard (the fields, worded by :func:`missing_field`)
AGENT_LACKS = N_("The agent of record lacks: %(missing)s.")
#: … when the creator has no agent of record at all
NO_AGENT_YET = N_("No one signs this creator's notices yet: set the agent of record first.")

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
    # the escalation tracker's (``db.escalation_tracking``)
    N_("no escalation %(ids)s"),
    N_("escalation %(id)s is %(status)s, not %(wanted)s"),
)
#: which words a recognised sentence's parameters are
_PARAM_WORDS: Mapping[str, Mapping[str, str]] = {
    "status": STATES,
    "wanted": STATES,
    "action": ACTIONS,
}
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


def named(lang: str, names: Mapping[str, str], value: object) -> str:
    """``value``'s name from ``names`` in ``lang``; an unknown value, or any in English, as it
    is (English pages show the names the stores and the command line use)."""
    text = str(value)
    t = Texts(lang)
    return t(names[text]) if text in names and t.lang != SOURCE else text


def trail_action(lang: str, action: object) -> str:
    """An audit trail's action in ``lang`` (an unknown one as it is)."""
    text = str(action)
    state = text.removeprefix("escalation_")
    t = Texts(lang)
    if state != text and state in STATES and t.lang != SOURCE:
        return t(ESCALATION_ACTION, state=t(STATES[state]))
    return named(lang, TRAIL_ACTIONS, text)


_NOTICE_FIELD = re.compile(r"(?P<field>\w+) \((?P<notice>\w+)\)")


def missing_field(lang: str, entry: object) -> str:
    """One of a plan's missing fields (``signer (dmca)``, ``agent of record``) in ``lang``."""
    text = str(entry)
    found = _NOTICE_FIELD.fullmatch(text)
    if found and found["field"] in AGENT_FIELDS:
        field = named(lang, AGENT_FIELDS, found["field"])
        return f"{field} ({named(lang, NOTICE_NAMES, found['notice'])})"
    return named(lang, AGENT_FIELDS, text)


def lacking(lang: str, error: MissingFields) -> str:
    """The core's ``MissingFields`` in ``lang``, from its fields (in English as it is)."""
    t = Texts(lang)
    if t.lang == SOURCE:
        return str(error)
    if NO_AGENT in error.fields:
        return t(NO_AGENT_YET)
    return t(AGENT_LACKS, missing=", ".join(missing_field(lang, f) for f in error.fields))


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
