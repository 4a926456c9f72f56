"""The values a moderator pastes into a platform's form, in the form's order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from core.escalation.agent import AgentOfRecord
from core.escalation.notices import split_subject

if TYPE_CHECKING:
    from core.escalation.packets import Request


def _relationship(agent: AgentOfRecord) -> str:
    if agent.is_agent:
        return f"Authorised representative of {agent.agent_of}, the person depicted"
    return "I am the person depicted"


def _explanation(request: Request) -> str:
    what = (
        "sexually explicit deepfakes (fabricated by software)"
        if request.synthetic
        else ("intimate images")
    )
    return (
        f"These URLs publish {what} of an identifiable person, shared without their consent "
        "(non-consensual intimate imagery)."
    )


#: field name -> (label shown to the moderator, value)
FIELDS: dict[str, tuple[str, Callable[[Request, str, AgentOfRecord], str]]] = {
    "full_name": ("Full name", lambda r, n, a: a.signer),
    "legal_name": ("Legal name of the person depicted", lambda r, n, a: a.depicted),
    "email": ("Email", lambda r, n, a: a.email),
    "country": ("Country", lambda r, n, a: a.jurisdiction),
    "relationship": ("Who is filing", lambda r, n, a: _relationship(a)),
    "authority": ("Statement of authority", lambda r, n, a: a.authority or "(the person depicted)"),
    "content_urls": ("URLs", lambda r, n, a: "\n".join(item.url for item in r.items)),
    "explanation": ("Why it must be removed", lambda r, n, a: _explanation(r)),
    "statement": ("Statement / description", lambda r, n, a: split_subject(n)[1].strip()),
    "signature": ("Signature", lambda r, n, a: a.signer),
}


def form_values(
    fields: Sequence[str], request: Request, notice: str, agent: AgentOfRecord
) -> list[tuple[str, str]]:
    """``(label, value)`` for each field the form asks for, in its order."""
    values = []
    for name in fields:
        label, value = FIELDS[name]
        values.append((label, value(request, notice, agent)))
    return values
