"""Notices: Jinja2 templates shipped with the package, checked before anything is produced.

An operator may override any template with a directory of their own (same file names).
Every template gets the agent of record, the items (URL and case reference), the case's
other known copies, whether the material is synthetic (a deepfake), the evidence to cite
per case (``evidence``: ``(case code, sentences)`` pairs, :mod:`core.escalation.evidence`),
and today's date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from core.escalation.notice_shapes import NoticeShapes

if TYPE_CHECKING:
    from core.escalation.agent import AgentOfRecord
    from core.escalation.channels import Channel

TAKE_IT_DOWN = "take_it_down"
DSA = "dsa_art16"
DMCA = "dmca"
GOOGLE_NCII = "google_ncii"
GOOGLE_FAKE = "google_fake"
GENERIC = "generic_abuse"
NOTICE_KINDS = (TAKE_IT_DOWN, DSA, DMCA, GOOGLE_NCII, GOOGLE_FAKE, GENERIC)

TITLES = {
    TAKE_IT_DOWN: "TAKE IT DOWN Act removal request",
    DSA: "EU DSA Art. 16 notice",
    DMCA: "DMCA 512(c)(3) notice",
    GOOGLE_NCII: "Google Search NCII removal",
    GOOGLE_FAKE: "Google Search involuntary fake pornography removal",
    GENERIC: "abuse notice",
}


@dataclass(frozen=True)
class NoticeItem:
    """One URL a notice asks about, with the case it belongs to."""

    url: str
    case_code: str


def applicable(kind: str, agent: AgentOfRecord, *, synthetic: bool, owned: bool = False) -> bool:
    """Whether ``kind`` fits this creator and material (DMCA only for content they own).

    ``owned``: the material matches one of the creator's protected originals, so a DMCA
    notice may be used even without ``--owns-content`` — when the agent of record has
    every field it needs (a content owner's notice is an option, never a blocker).
    """
    if kind == DMCA:
        if synthetic:
            return False
        return agent.owns_content or (owned and not agent.missing(DMCA))
    if kind == GOOGLE_FAKE:
        return synthetic
    if kind == GOOGLE_NCII:
        return not synthetic
    return True


class NoticeWriter:
    """Renders notices from the built-in templates, or the operator's directory first."""

    def __init__(self, override_dir: str | Path | None = None) -> None:
        self._override = Path(override_dir) if override_dir else None
        self._shapes = NoticeShapes()
        self._shipped: dict[str, bool] = {}
        loaders: list[jinja2.BaseLoader] = []
        if override_dir:
            loaders.append(jinja2.FileSystemLoader(str(override_dir)))
        loaders.append(jinja2.PackageLoader("core.escalation", "templates"))
        self._env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # plain text and mail, never HTML
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # templates do not change while a process runs
        )

    def render(
        self,
        kind: str,
        *,
        agent: AgentOfRecord,
        channel: Channel,
        items: Sequence[NoticeItem],
        other_copies: Sequence[str] = (),
        synthetic: bool = False,
        today: date | None = None,
        evidence: Sequence[tuple[str, Sequence[str]]] = (),
    ) -> str:
        """The notice text; a ``ValueError`` lists what is missing (never a half notice)."""
        missing = agent.missing(kind)
        if missing:
            raise ValueError(f"{kind}: missing " + ", ".join(missing))
        day = (today or date.today()).isoformat()
        template = self._env.get_template(f"{kind}.txt.j2")

        def full(listed: Sequence[NoticeItem]) -> str:
            context: dict[str, Any] = {
                "agent": agent,
                "channel": channel,
                "items": list(listed),
                "other_copies": list(other_copies),
                "synthetic": synthetic,
                "evidence": [(code, list(lines)) for code, lines in evidence if lines],
                "subject": channel.subject,
                "today": day,
            }
            return template.render(context)

        if evidence or not self._built_in(kind):  # evidence names its cases: no shape
            return full(items)
        key = (kind, agent, channel, synthetic, day, len(items), tuple(other_copies))
        return self._shapes.render(key, items, full)

    def _built_in(self, kind: str) -> bool:
        """Whether ``kind`` renders from the shipped templates only (no operator file)."""
        if self._override is None:
            return True
        if kind not in self._shipped:
            names = (f"{kind}.txt.j2", "_parts.txt.j2")
            self._shipped[kind] = not any((self._override / n).exists() for n in names)
        return self._shipped[kind]


def split_subject(text: str) -> tuple[str, str]:
    """A rendered notice's ``Subject:`` line and its body (no subject: a default one)."""
    first, _, rest = text.partition("\n")
    if first.startswith("Subject:"):
        return first.removeprefix("Subject:").strip(), rest.lstrip("\n")
    return "Removal request", text
