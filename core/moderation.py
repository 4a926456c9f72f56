"""Moderator actions on cases: the state machine and who may act."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from core.codes import normalize_case_code
from core.errors import CaseNotFound, InvalidLink, InvalidTransition, NotPermitted
from core.events import CaseChanged, EventBus
from core.model import Actor, BulkOutcome, CaseStatus, CaseView
from core.ports import CaseStore
from core.trust import CaseTrustReader

S = CaseStatus
QUEUE_STATUSES = (S.OPEN, S.CLAIMED, S.CONFIRMED)
#: how many of the most corroborated cases ``/queue trusted`` looks through
TRUSTED_SCAN = 500
ALL_STATUSES = tuple(CaseStatus)

#: action -> (states it is allowed from, resulting state)
TRANSITIONS: dict[str, tuple[tuple[CaseStatus, ...], CaseStatus]] = {
    "claim": ((S.OPEN,), S.CLAIMED),
    "confirm": ((S.OPEN, S.CLAIMED), S.CONFIRMED),
    "dismiss": ((S.OPEN, S.CLAIMED, S.CONFIRMED), S.DISMISSED),
    "reopen": ((S.DISMISSED, S.CONFIRMED, S.CLAIMED), S.OPEN),
}


class SyntheticMarks(Protocol):
    """Where a moderator's answer to "is this material synthetic?" is kept (audit-logged)."""

    async def set_synthetic(
        self, code: str, synthetic: bool, *, actor: str, creator: str | None = None
    ) -> str:
        """Mark case ``code`` (of ``creator``) synthetic or not; returns its code."""
        ...


class ModerationService:
    """Queue, claim, confirm, dismiss, reopen and merge, each written to the audit log;
    and the moderators' answer whether a case's material is synthetic (a deepfake)."""

    def __init__(
        self,
        cases: CaseStore,
        *,
        events: EventBus | None = None,
        trust: CaseTrustReader | None = None,
        marks: SyntheticMarks | None = None,
    ) -> None:
        self._cases = cases
        self._events = events or EventBus()
        self._trust = trust
        self._marks = marks

    async def _annotated(self, views: list[CaseView]) -> list[CaseView]:
        """``views`` with their trust figures, when a trust reader is wired."""
        return await self._trust.annotate(views) if self._trust is not None else views

    @staticmethod
    def _require_moderator(actor: Actor) -> None:
        if not actor.is_moderator:
            raise NotPermitted("only the creator's moderators can do that")

    async def queue(
        self,
        actor: Actor,
        statuses: Sequence[CaseStatus] = QUEUE_STATUSES,
        limit: int = 25,
        *,
        trusted_only: bool = False,
    ) -> list[CaseView]:
        """The actor's creator's cases in ``statuses``, most corroborated first, with their
        trust figures; ``trusted_only``: only those in the trusted part of the queue."""
        self._require_moderator(actor)
        wanted = TRUSTED_SCAN if trusted_only else limit
        views = await self._annotated(
            await self._cases.list_cases(actor.creator, statuses, max(limit, wanted))
        )
        if trusted_only:
            views = [v for v in views if v.trusted]
        return views[:limit]

    async def case(self, actor: Actor, code: str) -> CaseView:
        """One case of the actor's creator, with its links (moderators only)."""
        self._require_moderator(actor)
        view = await self._cases.get_case(code)
        if view is None or view.creator != actor.creator:
            raise CaseNotFound(code)
        return (await self._annotated([view]))[0]

    async def act(
        self, actor: Actor, action: str, code: str, reason: str | None = None
    ) -> CaseView:
        """Apply ``action`` (claim, confirm, dismiss, reopen) to the case ``code``."""
        self._require_moderator(actor)
        if action not in TRANSITIONS:
            raise InvalidLink(f"unknown action {action!r}")
        if action == "dismiss" and not (reason and reason.strip()):
            raise InvalidLink("a dismissal needs a reason")
        allowed, to = TRANSITIONS[action]
        if action == "reopen" and await self._merged_into_itself(code):
            allowed = (*allowed, S.MERGED)  # repair what an old bug left behind
        view = await self._cases.transition(
            code,
            actor=actor.label,
            action=action,
            allowed_from=allowed,
            to=to,
            reason=reason,
            creator=actor.creator,
        )
        self._events.publish(CaseChanged(view.id, view.code, view.creator))
        return view

    async def act_many(
        self, actor: Actor, action: str, codes: Sequence[str], reason: str | None = None
    ) -> list[BulkOutcome]:
        """Apply ``action`` to many cases of the actor's creator in one transaction.

        Each case that allows it changes and is audited exactly as :meth:`act` would; the
        others are left alone and their outcome says why.  The cards of the changed cases
        are updated (events published) after the commit.
        """
        self._require_moderator(actor)
        if action not in TRANSITIONS:
            raise InvalidLink(f"unknown action {action!r}")
        if action == "dismiss" and not (reason and reason.strip()):
            raise InvalidLink("a dismissal needs a reason")
        allowed, to = TRANSITIONS[action]
        outcomes = await self._cases.transition_many(
            codes,
            actor=actor.label,
            action=action,
            allowed_from=allowed,
            to=to,
            reason=reason,
            creator=actor.creator,
        )
        for outcome in outcomes:
            if outcome.ok and outcome.case_id is not None:
                event = CaseChanged(outcome.case_id, outcome.code, outcome.creator or actor.creator)
                self._events.publish(event)
        return outcomes

    async def mark_synthetic(self, actor: Actor, code: str, synthetic: bool) -> CaseView:
        """A moderator decides whether the case's material is synthetic (a deepfake): its
        removal requests then use the deepfake wording and forms and cite its evidence.
        Provenance evidence only ever *suggests* it; this is the decision (audit-logged)."""
        self._require_moderator(actor)
        if self._marks is None:
            raise InvalidLink("marking cases synthetic is not available here")
        normalized = normalize_case_code(code)
        if normalized is None:
            raise InvalidLink("case codes look like LD-7KQ2MX")
        await self._marks.set_synthetic(
            normalized, synthetic, actor=actor.label, creator=actor.creator
        )
        view = await self._cases.get_case(normalized)
        if view is None:  # purged between the two statements
            raise CaseNotFound(normalized)
        self._events.publish(CaseChanged(view.id, view.code, view.creator))
        return view

    async def _merged_into_itself(self, code: str) -> bool:
        view = await self._cases.get_case(code)
        return view is not None and view.status == S.MERGED and view.merged_into == view.code

    async def merge_many(
        self, actor: Actor, sources: Sequence[str], target: str
    ) -> list[BulkOutcome]:
        """Fold each case of ``sources`` into ``target``, with :meth:`merge`'s rules.

        One transaction (the store's ``merge_many``): an unusable target (unknown, another
        creator's, dismissed, merged into itself) refuses the whole action with
        :class:`CaseNotFound` or :class:`InvalidTransition`; a refused source (the target
        itself, another creator's case, one already merged) is left alone and its outcome
        says why, the others are merged and audited as one by one.  The cards of the target
        and of the merged cases are updated after the commit.
        """
        self._require_moderator(actor)
        dst = normalize_case_code(target)
        if dst is None:
            raise InvalidLink("case codes look like LD-7KQ2MX")
        final, outcomes = await self._cases.merge_many(
            sources, dst, actor=actor.label, creator=actor.creator
        )
        merged = [o for o in outcomes if o.ok and o.case_id is not None]
        if merged:
            view = await self._cases.get_case(final)
            if view is not None:
                self._events.publish(CaseChanged(view.id, view.code, view.creator))
            for outcome in merged:
                assert outcome.case_id is not None
                creator = outcome.creator or actor.creator
                self._events.publish(CaseChanged(outcome.case_id, outcome.code, creator))
        return outcomes

    async def merge(self, actor: Actor, source: str, target: str) -> CaseView:
        """Fold case ``source`` into ``target``; the source's reporters join the target.

        Codes are compared after normalisation (``ld-vq3jk7`` is ``LD-VQ3JK7``).  A target that
        was itself merged resolves to the case it ended up in; a dismissed target is refused
        (the store enforces both, and refuses a case merged into itself, atomically).
        """
        self._require_moderator(actor)
        src, dst = normalize_case_code(source), normalize_case_code(target)
        if src is None or dst is None:
            raise InvalidLink("case codes look like LD-7KQ2MX")
        if src == dst:
            raise InvalidTransition("a case cannot be merged into itself")
        view = await self._cases.merge(src, dst, actor=actor.label, creator=actor.creator)
        self._events.publish(CaseChanged(view.id, view.code, view.creator))
        merged = await self._cases.get_case(src)
        if merged is not None:  # its card now says where it went
            self._events.publish(CaseChanged(merged.id, merged.code, merged.creator))
        return view
