"""``leakdesk cases``: list cases, and moderate them from scripts (written to the audit log)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bots.cli.common import fail, whoami, with_app

if TYPE_CHECKING:
    from bots.bootstrap import App
    from core.model import Actor, CaseStatus, CaseView

cases_app = typer.Typer(rich_markup_mode=None, help="List cases, or moderate them from scripts.")

#: how many of the most reported cases ``--trusted``/``--untrusted`` look through
TRUSTED_SCAN = 2000

ReasonOption = Annotated[str | None, typer.Option(help="Why (required for dismiss).")]
ModeratorOption = Annotated[str | None, typer.Option(help="Moderator name for the audit log.")]
CodesArgument = Annotated[list[str], typer.Argument(help="Case codes (LD-…).")]


def case_json(case: CaseView) -> dict[str, Any]:
    """A case as ``cases --json`` prints it (the README documents these keys)."""
    return {
        "code": case.code,
        "creator": case.creator,
        "status": case.status.value,
        "reporters": case.reporters,
        "independent_reporters": case.independent,
        "trusted": bool(case.trusted),
        "reports": case.reports,
        "host": case.host,
        "platform": case.platform,
        "first_seen": case.first_seen.isoformat(),
        "last_seen": case.last_seen.isoformat(),
        "links": [link.url for link in case.links],
        "claimed_by": case.claimed_by,
        "reason": case.reason,
        "merged_into": case.merged_into,
        "possible_duplicate_of": case.possible_duplicate_of,
        "protected": bool(case.protected),
        "protected_tier": case.protected_tier if case.protected else None,
        "protected_distance": case.protected_distance if case.protected else None,
        "synthetic": case.synthetic,
        "synthetic_by": case.synthetic_by,
        "synthetic_suggested": case.suggested_synthetic,
        "provenance": [
            {"kind": p.kind, "value": p.value, "confidence": p.confidence, "validated": p.validated}
            for p in case.provenance
        ],
        "notes": [
            {"text": note.text, "at": note.at.isoformat(), "reporter": note.reporter}
            for note in case.notes
        ],
    }


def case_flags(case: CaseView) -> str:
    """The last column of ``cases``: ``own-image:TIER`` for a match of the creator's own
    picture, ``synthetic`` / ``not-synthetic`` for a moderator's decision, ``synthetic?``
    when strong evidence suggests it and nobody decided; ``-`` when none applies."""
    flags = []
    if case.protected_tier:
        flags.append(f"own-image:{case.protected_tier}")
    if case.synthetic:
        flags.append("synthetic")
    elif case.synthetic_by:
        flags.append("not-synthetic")
    elif case.suggested_synthetic:
        flags.append("synthetic?")
    return ",".join(flags) or "-"


def parse_statuses(status: str | None) -> list[CaseStatus]:
    """``--status``: comma-separated states or ``all``; the moderators' queue by default."""
    from core.model import CaseStatus

    if status is None:
        return [CaseStatus.OPEN, CaseStatus.CLAIMED, CaseStatus.CONFIRMED]
    if status.strip().lower() == "all":
        return list(CaseStatus)
    try:
        return [CaseStatus(s.strip().lower()) for s in status.split(",")]
    except ValueError:
        known = ", ".join(s.value for s in CaseStatus)
        raise fail(f"unknown status {status!r}; use {known} or all") from None


@cases_app.callback(invoke_without_command=True)
def cases(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Status(es), comma-separated, or all.")] = None,
    creator: Annotated[str | None, typer.Option(help="Only this creator's cases.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per case.")] = False,
    trusted: Annotated[
        bool | None,
        typer.Option(
            "--trusted/--untrusted",
            help="Only cases in (or out of) the trusted part of the queue.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """List cases: matches of the creator's own images first, then most reported first.

    Text: code, status, reporters, platform, first link, independent reporters, trusted,
    flags (own-image:TIER, synthetic, not-synthetic, or synthetic? when evidence suggests
    it; - for none)."""
    if ctx.invoked_subcommand is not None:
        return
    statuses = parse_statuses(status)

    async def work(application: App) -> list[CaseView]:
        # a trust filter looks further down the list, then keeps ``limit``
        wanted = limit if trusted is None else max(limit, TRUSTED_SCAN)
        found = await application.cases.list_cases(creator, statuses, wanted)
        if application.trust is not None:
            found = await application.trust.annotate(found)
        if trusted is not None:
            found = [c for c in found if bool(c.trusted) == trusted]
        return found[:limit]

    for case in with_app(work):
        if as_json:
            typer.echo(json.dumps(case_json(case)))
        else:
            trust = "trusted" if case.trusted else "-"
            independent = "-" if case.independent is None else f"{case.independent:g}"
            typer.echo(
                f"{case.code}\t{case.status.value}\t{case.reporters}\t"
                f"{case.platform or case.host or '-'}\t{case.links[0].url if case.links else '-'}"
                f"\t{independent}\t{trust}"
                f"\t{case_flags(case)}"
            )


def _codes(codes: list[str]) -> list[str]:
    """Typed codes in their canonical form (``ld7kq2mo`` → ``LD-7KQ2M0``); exit 2 on a bad one."""
    from core.codes import normalize_case_code

    normalized = []
    for code in codes:
        canonical = normalize_case_code(code)
        if canonical is None:
            raise fail(f"not a case code: {code}")
        normalized.append(canonical)
    return normalized


async def _actor_for(application: App, code: str, moderator: str | None) -> Actor:
    """The operator acting as a moderator of the creator that ``code`` belongs to."""
    from core.errors import CaseNotFound
    from core.model import Actor, ReporterRef

    case = await application.cases.get_case(code)
    if case is None:
        raise CaseNotFound(code)
    return Actor(ReporterRef("cli", moderator or whoami()), True, case.creator)


def _moderate(action: str, codes: list[str], reason: str | None, moderator: str | None) -> None:
    normalized = _codes(codes)
    if action == "dismiss" and not (reason and reason.strip()):
        raise fail("dismiss needs --reason")

    async def work(application: App) -> list[str]:
        lines = []
        for code in normalized:
            actor = await _actor_for(application, code, moderator)
            updated = await application.moderation.act(actor, action, code, reason)
            lines.append(f"{updated.code}\t{updated.status.value}")
        return lines

    for line in with_app(work):
        typer.echo(line)


@cases_app.command("claim")
def cases_claim(codes: CodesArgument, moderator: ModeratorOption = None) -> None:
    """Claim cases for review."""
    _moderate("claim", codes, None, moderator)


@cases_app.command("confirm")
def cases_confirm(
    codes: CodesArgument, reason: ReasonOption = None, moderator: ModeratorOption = None
) -> None:
    """Confirm cases as genuine leaks."""
    _moderate("confirm", codes, reason, moderator)


@cases_app.command("dismiss")
def cases_dismiss(
    codes: CodesArgument, reason: ReasonOption = None, moderator: ModeratorOption = None
) -> None:
    """Dismiss cases (with --reason)."""
    _moderate("dismiss", codes, reason, moderator)


@cases_app.command("reopen")
def cases_reopen(
    codes: CodesArgument, reason: ReasonOption = None, moderator: ModeratorOption = None
) -> None:
    """Put dismissed, claimed or confirmed cases back into the open queue."""
    _moderate("reopen", codes, reason, moderator)


@cases_app.command("merge")
def cases_merge(
    source: Annotated[str, typer.Argument(help="The case to fold in (LD-…).")],
    target: Annotated[str, typer.Argument(help="The case that stays (LD-…).")],
    moderator: ModeratorOption = None,
) -> None:
    """Fold case SOURCE into TARGET: its links and reporters join TARGET."""
    source_code, target_code = _codes([source, target])
    if source_code == target_code:
        raise fail("a case cannot be merged into itself")

    async def work(application: App) -> CaseView:
        actor = await _actor_for(application, source_code, moderator)
        return await application.moderation.merge(actor, source_code, target_code)

    merged = with_app(work)
    typer.echo(f"{source_code}\tmerged into {merged.code} ({merged.reporters} reporter(s))")


@cases_app.command("synthetic")
def cases_synthetic(
    answer: Annotated[str, typer.Argument(help="yes: the material is synthetic; no: it is not.")],
    codes: CodesArgument,
    moderator: ModeratorOption = None,
) -> None:
    """Decide whether cases' material is AI-generated (a deepfake): removal requests then
    use the deepfake wording and forms and cite the evidence. Audit-logged."""
    from handlers.handlers import SYNTHETIC_ANSWERS

    decision = SYNTHETIC_ANSWERS.get(answer.strip().lower())
    if decision is None:
        raise fail(f"answer yes or no, not {answer!r}")
    normalized = _codes(codes)

    async def work(application: App) -> list[str]:
        lines = []
        for code in normalized:
            actor = await _actor_for(application, code, moderator)
            updated = await application.moderation.mark_synthetic(actor, code, decision)
            lines.append(f"{updated.code}\t{'synthetic' if decision else 'not-synthetic'}")
        return lines

    for line in with_app(work):
        typer.echo(line)


def register(app: typer.Typer) -> None:
    """Add the ``cases`` group to ``app``."""
    app.add_typer(cases_app, name="cases")
