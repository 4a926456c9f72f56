"""The agent of record: who signs a creator's removal requests, and how to reach them."""

from __future__ import annotations

from dataclasses import dataclass

#: notice kind -> the agent fields it cannot go without (besides what every notice needs)
REQUIRED: dict[str, tuple[str, ...]] = {
    "take_it_down": ("signer", "email"),
    "dsa_art16": ("signer", "email"),
    "dmca": ("signer", "email", "address", "phone"),
    "google_ncii": ("signer", "email", "jurisdiction"),
    "google_fake": ("signer", "email", "jurisdiction"),
    "generic_abuse": ("signer", "email"),
}


@dataclass(frozen=True)
class AgentOfRecord:
    """Who files a creator's notices: the creator, or an agent they authorised. Never a fan."""

    creator: str
    signer: str = ""
    email: str = ""
    address: str = ""
    phone: str = ""
    jurisdiction: str = ""  # US, EU, UK, … (ISO-style upper case)
    #: the depicted person's name when ``signer`` acts for them (empty: the creator signs)
    agent_of: str = ""
    #: the statement of authority of an agent
    authority: str = ""
    #: the creator owns the content's copyright (DMCA notices apply only then)
    owns_content: bool = False

    @property
    def is_agent(self) -> bool:
        """Whether the signer acts for someone else."""
        return bool(self.agent_of)

    @property
    def depicted(self) -> str:
        """How notices name the depicted person (the creator's own name when they sign)."""
        return self.agent_of or self.signer

    def missing(self, notice: str) -> list[str]:
        """Fields ``notice`` needs that are empty, e.g. ``["address", "phone"]``."""
        missing = [name for name in REQUIRED[notice] if not str(getattr(self, name)).strip()]
        if self.is_agent and not self.authority.strip():
            missing.append("authority")
        return missing
