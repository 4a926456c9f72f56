"""``leakdesk creator``, ``escalate`` and ``escalations``: from confirmed cases to removal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bots.cli.common import fail, whoami, with_app

if TYPE_CHECKING:
    from bots.bootstrap import App

creator_app = typer.Typer(rich_markup_mode=None, help="A creator's agent of record.")
escalations_app = typer.Typer(rich_markup_mode=None, help="Removal requests and where they stand.")

CreatorArgument = Annotated[str, typer.Argument(help="The creator (as reports name them).")]
MARKS = ("sent", "acknowledged", "removed", "rejected", "expired")


@creator_app.command("set")
def creator_set(
    creator: CreatorArgument,
    signer: Annotated[
        str | None, typer.Option(help="Who signs the notices (the creator or an agent).")
    ] = None,
    email: Annotated[str | None, typer.Option(help="Where platforms answer.")] = None,
    address: Annotated[str | None, typer.Option(help="Postal address (DMCA needs it).")] = None,
    phone: Annotated[str | None, typer.Option(help="Phone (DMCA needs it).")] = None,
    jurisdiction: Annotated[
        str | None, typer.Option(help="US, EU, UK, DE, … (the signer's).")
    ] = None,
    agent_of: Annotated[
        str | None,
        typer.Option("--agent-of", help="The depicted person's name when an agent signs."),
    ] = None,
    authority: Annotated[
        str | None, typer.Option(help="The agent's statement of authority.")
    ] = None,
    owns_content: Annotated[
        bool | None,
        typer.Option(
            "--owns-content/--does-not-own-content",
            help="Whether the creator owns the copyright (DMCA).",
        ),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(help="Default language of the moderator places: en, es, pt_BR, de, fr, ja."),
    ] = None,
) -> None:
    """Set who signs a creator's removal requests and how platforms reach them, and/or the
    creator's default language.  The first time, give --signer and --email; after that,
    any one option changes that field alone."""
    from dataclasses import replace

    from core.escalation.agent import AgentOfRecord
    from handlers.i18n import LANGUAGES, N_, Texts, negotiate

    if language is not None:
        chosen = negotiate(language)
        if chosen == "en" and not language.lower().startswith("en"):
            raise fail(f"unknown language {language}; known: {', '.join(LANGUAGES)}")
        with_app(lambda app: app.creators.set_language(creator, chosen))
        said = Texts(chosen)(N_("language of %(creator)s: %(language)s"), creator=creator,
                             language=chosen)  # fmt: skip
        typer.echo(said)
    given = {
        name: value.strip()
        for name, value in (
            ("signer", signer),
            ("email", email),
            ("address", address),
            ("phone", phone),
            ("jurisdiction", jurisdiction.upper() if jurisdiction is not None else None),
            ("agent_of", agent_of),
            ("authority", authority),
        )
        if value is not None
    }
    changes: dict[str, object] = dict(given)
    if owns_content is not None:
        changes["owns_content"] = owns_content
    if not changes:
        if language is not None:
            return
        raise fail("nothing to set: give --signer and --email, or the fields to change")
    if "email" in given and not _looks_like_email(given["email"]):
        raise fail(f"not an email address: {given['email']}")
    current = with_app(lambda app: app.escalations.agent(creator))
    if current is None:
        if not given.get("signer") or not given.get("email"):
            raise fail(
                f"{creator} has no agent of record yet: give both --signer and --email "
                "(the other options may follow later, one at a time)"
            )
        current = AgentOfRecord(creator, signer="", email="")
    agent = replace(current, **changes)
    if not agent.signer or not agent.email:
        raise fail("the signer and the email cannot be empty")
    if agent.agent_of and not agent.authority:
        raise fail("an agent needs --authority: the statement that the creator authorised them")

    async def store(app: App) -> str | None:
        await app.escalations.set_agent(agent)
        return await app.creators.language(creator)

    said = Texts(with_app(store))(  # in the creator's language
        N_("agent of record for %(creator)s: %(signer)s <%(email)s>"),
        creator=creator,
        signer=agent.signer,
        email=agent.email,
    )
    typer.echo(said)


#: fields of the agent of record, as ``creator set`` spells their options
AGENT_OPTIONS = ("signer", "email", "address", "phone", "jurisdiction", "agent_of", "authority")


def fix_for(fields: list[str], creator: str) -> str:
    """The command that sets what of the agent of record is among the missing ``fields``
    ("agent of record", "jurisdiction (google_ncii)", …); empty when none of it is."""
    from core.escalation.service import NO_AGENT

    if NO_AGENT in fields:
        return f"set it with: leakdesk creator set {creator} --signer … --email …"
    names = sorted({f.split(" (", 1)[0] for f in fields} & set(AGENT_OPTIONS))
    if not names:
        return ""
    options = " ".join(f"--{name.replace('_', '-')} …" for name in names)
    return f"set with: leakdesk creator set {creator} {options}"


def _looks_like_email(value: str) -> bool:
    return "@" in value and not value.startswith("@") and not value.endswith("@")


@creator_app.command("show")
def creator_show(
    creator: CreatorArgument,
    as_json: Annotated[bool, typer.Option("--json", help="As one JSON object.")] = False,
) -> None:
    """Show a creator's agent of record."""
    from dataclasses import asdict

    agent = with_app(lambda app: app.escalations.agent(creator))
    if agent is None:
        raise fail(f"no agent of record for {creator}: set one with `leakdesk creator set`")
    if as_json:
        typer.echo(json.dumps(asdict(agent)))
        return
    for name, value in asdict(agent).items():
        typer.echo(f"{name}: {value}")


def escalate(
    creator: Annotated[str, typer.Option(help="Whose confirmed cases to escalate.")],
    out: Annotated[Path | None, typer.Option(help="Folder for the packets.")] = None,
    platform: Annotated[
        str | None, typer.Option(help="Only this platform's recipients (e.g. x, google).")
    ] = None,
    all_platforms: Annotated[
        bool, typer.Option("--all", help="Every recipient (the default).")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show, write nothing.")] = False,
    again: Annotated[
        bool, typer.Option("--again", help="Include cases already escalated to a recipient.")
    ] = False,
    send: Annotated[
        bool, typer.Option("--send", help="Send the email notices (LEAKDESK_SMTP_URL).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON summary.")] = False,
    moderator: Annotated[str | None, typer.Option(help="Who escalates (default: you).")] = None,
) -> None:
    """Turn confirmed cases into removal requests for each recipient, written under --out."""
    from core.errors import MissingFields

    if platform and all_platforms:
        raise fail("use --platform P or --all, not both")
    if out is None and not dry_run:
        raise fail("say where the packets go: --out DIR (or --dry-run)")

    async def work(app):  # type: ignore[no-untyped-def]
        if send and not app.settings.smtp_url:
            raise MissingFields(["LEAKDESK_SMTP_URL (the mail server notices are sent through)"])
        try:
            plan, summary = await app.escalation.escalate(
                creator,
                None if dry_run else out,
                platform=platform,
                again=again,
                send=send,
                actor=f"cli:{moderator or whoami()}",
            )
        except MissingFields as err:
            raise MissingFields(err.fields, fix_for(err.fields, creator)) from None
        sent = None
        held = bool(summary and summary.get("held_for_approval"))
        sender = app.mail_sender() if send and not dry_run and not held else None
        if sender is not None:
            sent = await sender.drain()
        return plan, summary, sent

    plan, summary, sent = with_app(work)  # MissingFields: one error line, exit 2
    result = {
        "recipients": plan.urls_per_recipient(),
        "cases": plan.cases,
        "skipped": plan.skipped,
        "missing": plan.missing,
        "unrouted": [
            {"case_code": c, "host": h, "reason": plan.contact_notes.get(h, "")}
            for c, h in plan.unrouted
        ],
    }
    if sent is not None:
        result["sent"] = {"sent": sent.sent, "retrying": sent.retrying, "failed": sent.failed}
    if summary and summary.get("held_for_approval"):
        result["held"] = {"batch": summary["batch"], "mails": summary["held_for_approval"]}
    if as_json:
        typer.echo(json.dumps(result))
        return
    verb = "would write" if dry_run else "wrote"
    typer.echo(
        f"{verb} {len(plan.requests)} request(s) for {plan.cases} case(s) "
        f"({plan.skipped} already escalated)" + ("" if dry_run else f" under {out}")
    )
    for recipient, urls in sorted(result["recipients"].items()):  # type: ignore[union-attr]
        typer.echo(f"  {recipient}: {urls} URL(s)")
    for entry in result["unrouted"]:  # type: ignore[union-attr]
        why = entry["reason"] or f"no channel known for {entry['host']}"  # type: ignore[index]
        typer.echo(f"  {why} (case {entry['case_code']})")  # type: ignore[index]
    if sent is not None:
        typer.echo(f"mail: {sent.sent} sent, {sent.retrying} to retry, {sent.failed} refused")
    if "held" in result:
        held = result["held"]
        typer.echo(
            f"{held['mails']} mail(s) wait for a second moderator: "  # type: ignore[index]
            f"leakdesk escalations approve {held['batch']}"  # type: ignore[index]
        )


@escalations_app.callback(invoke_without_command=True)
def escalations(
    ctx: typer.Context,
    creator: Annotated[str | None, typer.Option(help="Only this creator's.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only those past deadline.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines.")] = False,
) -> None:
    """List escalations: case, recipient, notice, state, deadline."""
    if ctx.invoked_subcommand is not None:
        return
    from datetime import UTC, datetime

    views = with_app(lambda app: app.tracker.list(creator))
    now = datetime.now(UTC)
    if overdue:
        views = [v for v in views if v.overdue(now)]
    for view in views:
        if as_json:
            typer.echo(json.dumps(view.as_json()))
        else:
            late = "  OVERDUE" if view.overdue(now) else ""
            deadline = view.deadline_at.isoformat(timespec="minutes") if view.deadline_at else "-"
            typer.echo(
                f"{view.id}\t{view.case_code}\t{view.recipient}\t{view.notice}\t"
                f"{view.status}\t{deadline}{late}"
            )


@escalations_app.command("mark")
def escalations_mark(
    ids: Annotated[list[int], typer.Argument(help="Escalation ids (from `leakdesk escalations`).")],
    sent: Annotated[bool, typer.Option("--sent")] = False,
    acknowledged: Annotated[bool, typer.Option("--acknowledged")] = False,
    removed: Annotated[bool, typer.Option("--removed")] = False,
    rejected: Annotated[bool, typer.Option("--rejected")] = False,
    expired: Annotated[bool, typer.Option("--expired")] = False,
    note: Annotated[str | None, typer.Option(help="What the platform said.")] = None,
    moderator: Annotated[str | None, typer.Option(help="Who marks (default: you).")] = None,
) -> None:
    """Record what happened to removal requests (all given ids, or none)."""
    chosen = [
        name
        for name, flag in zip(MARKS, (sent, acknowledged, removed, rejected, expired), strict=True)
        if flag
    ]
    if len(chosen) != 1:
        raise fail("give exactly one of --sent, --acknowledged, --removed, --rejected, --expired")
    actor = f"cli:{moderator or whoami()}"
    marked = with_app(lambda app: app.tracker.mark(ids, chosen[0], actor=actor, note=note))
    for view in marked:
        typer.echo(f"{view.id}\t{view.case_code}\t{view.recipient}\t{view.status}")


@escalations_app.command("approve")
def escalations_approve(
    batch: Annotated[str, typer.Argument(help="The batch `leakdesk escalate --send` printed.")],
    moderator: Annotated[str | None, typer.Option(help="Who approves (default: you).")] = None,
) -> None:
    """Approve a held bulk send (LEAKDESK_ESCALATION_APPROVALS=2); then it is sent."""
    approver = f"cli:{moderator or whoami()}"

    async def work(app):  # type: ignore[no-untyped-def]
        count = await app.escalations.approve(batch, approver)
        sender = app.mail_sender()
        return count, (await sender.drain()) if sender is not None else None

    count, sent = with_app(work)
    typer.echo(f"approved {count} mail(s) of batch {batch}")
    if sent is not None:
        typer.echo(f"mail: {sent.sent} sent, {sent.retrying} to retry, {sent.failed} refused")


def stats(
    creator: Annotated[str | None, typer.Option(help="Only this creator's.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Per recipient and notice: requests sent, share removed, hours to removal."""
    rows = with_app(lambda app: app.tracker.stats(creator))
    if as_json:
        typer.echo(json.dumps({"recipients": [row.as_json() for row in rows]}))
        return
    if not rows:
        typer.echo("no removal request was sent yet")
    for row in rows:
        median = "-" if row.median_hours is None else f"{row.median_hours:g} h"
        p90 = "-" if row.p90_hours is None else f"{row.p90_hours:g} h"
        typer.echo(
            f"{row.recipient}\t{row.notice}\t{row.sent} sent\t"
            f"{row.removed_share:.0%} removed\tmedian {median}\tp90 {p90}"
        )


def register(app: typer.Typer) -> None:
    """Add ``creator``, ``escalate`` and ``escalations`` to ``app``."""
    app.add_typer(creator_app, name="creator")
    app.command("escalate")(escalate)
    app.add_typer(escalations_app, name="escalations")
    app.command("stats")(stats)
