"""Escalation, approval and agent-of-record replies in the creator's language
(``leakdesk creator set C --language es``), whatever the reader's; notices stay English."""

from __future__ import annotations

from bots.bootstrap import App
from core.escalation.agent import AgentOfRecord
from core.escalation.outbox import DrainResult
from core.model import Actor, IncomingReport, ReporterRef
from handlers import Problem, Reply, render_text
from handlers.approval import SendApproved, approval_request_text
from handlers.escalation import (
    EscalationBlocked,
    EscalationDone,
    EscalationPreview,
    MarkedSent,
)

MODERATOR = Actor(ReporterRef("test", "mod"), is_moderator=True, creator="default")
BOB_MODERATOR = Actor(ReporterRef("test", "bob-mod"), is_moderator=True, creator="bob")
LINK = "https://x.com/leaker/status/1"


async def confirm(app: App, url: str, moderator: Actor = MODERATOR) -> str:
    result = await app.intake.submit(
        IncomingReport(ReporterRef("test", "fan"), [url], creator=moderator.creator)
    )
    code = result.outcomes[0].case_code
    await app.moderation.act(moderator, "confirm", code)
    return code


async def test_spanish_creator_reads_the_whole_escalation_in_spanish(app: App) -> None:
    await app.creators.set_language("default", "es")
    code = await confirm(app, LINK)
    handlers = app.escalation_handlers

    blocked = await handlers.preview(MODERATOR)
    assert isinstance(blocked, EscalationBlocked)
    text = render_text(blocked)  # the reader's language (English) does not matter
    assert text.startswith("Todavía no se puede escalar: faltan datos del representante")
    assert "leakdesk creator set default --signer NAME" in text

    unknown = await handlers.preview(MODERATOR, "nowhere")
    assert isinstance(unknown, Problem) and "no recipient known" in unknown.text  # for logs
    assert render_text(unknown).startswith(
        "⚠ no hay destinatario conocido para nowhere; usa uno de: "
    )

    await app.escalations.set_agent(
        AgentOfRecord("default", signer="Ava", email="ava@example.org", jurisdiction="US")
    )
    preview = await handlers.preview(MODERATOR, "x")
    assert isinstance(preview, EscalationPreview)
    lines = render_text(preview, "fr").splitlines()
    assert lines[0] == "Escalar 1 caso confirmado de default en x enviaría:"
    assert lines[1].startswith("• ") and "1 URL en 1 solicitud" in lines[1]
    assert lines[-1].startswith("Pulsa «Confirmar»")
    assert LINK not in "\n".join(lines)

    done = await handlers.escalate(MODERATOR, "x")
    assert isinstance(done, EscalationDone)
    summary = render_text(done)
    assert summary.startswith("Escalado 1 caso de default; en ")
    assert summary.splitlines()[0].endswith(": 1 solicitud.")
    [form] = done.forms
    form_text = render_text(form)
    assert "Casos: " + code + ". Pega en este orden:" in form_text
    assert "— URLs —" in form_text and LINK in form_text  # the form's own labels: English
    assert form_text.endswith("Pulsa «Marcar enviado» cuando hayas enviado el formulario.")

    marked = await handlers.mark_sent(MODERATOR, form.request_key)
    assert isinstance(marked, MarkedSent)
    assert render_text(marked).startswith("Marcado como enviado: 1 escalado a ")
    twice = await handlers.mark_sent(MODERATOR, form.request_key)
    assert isinstance(twice, Reply)
    assert render_text(twice) == "Esa solicitud ya está marcada como enviada (o ya no existe)."
    nothing = await handlers.escalate(MODERATOR, "x")
    assert render_text(nothing) == (
        "Nada que escalar para default: no hay casos confirmados nuevos."
    )


async def test_japanese_and_english_creators_side_by_side(app: App) -> None:
    await app.creators.set_language("default", "ja")
    await confirm(app, LINK)
    await confirm(app, "https://x.com/leaker/status/2", BOB_MODERATOR)
    for creator in ("default", "bob"):
        await app.escalations.set_agent(
            AgentOfRecord(creator, signer="Ava", email="ava@example.org", jurisdiction="US")
        )

    japanese = await app.escalation_handlers.preview(MODERATOR)
    english = await app.escalation_handlers.preview(BOB_MODERATOR)

    assert render_text(japanese).startswith(
        "default の確認済みケース 1 件をエスカレーションすると、次の宛先に送られます："
    )
    assert render_text(english, "es").startswith(  # bob has no language: English
        "Escalating 1 confirmed case(s) of bob would send:"
    )


async def test_agent_of_record_replies_in_french(app: App) -> None:
    await app.creators.set_language("default", "fr")
    agents = app.agent_handlers

    unset = await agents.show(MODERATOR)
    assert render_text(unset).startswith("default n'a pas encore de mandataire")
    bad = await agents.set(MODERATOR, {"signer": "Ava", "email": "ava"})
    assert isinstance(bad, Problem)
    assert render_text(bad) == "⚠ pas une adresse e-mail : ava"
    unknown = await agents.set(MODERATOR, {"ssn": "1"})
    assert render_text(unknown).startswith("⚠ champ(s) inconnu(s) : ssn ; connus : signer")
    saved = await agents.set(MODERATOR, {"signer": "Ava", "email": "ava@example.org"})
    assert isinstance(saved, Reply)
    assert render_text(saved).startswith(
        "Enregistré. Mandataire qui signe les notifications de default :"
    )
    assert "• email: ava@example.org" in render_text(saved)


async def test_approvals_in_german_and_portuguese(app: App) -> None:
    await app.creators.set_language("default", "de")
    gone = await app.approval_handlers.approve(MODERATOR, "0123456789ab")
    assert render_text(gone, "en") == "⚠ Dieser Versand wartet nicht mehr auf Freigabe."

    held = SendApproved("b", "Bo", 2, None, "de")
    assert render_text(held) == (
        "Freigegeben von Bo: 2 Mails freigegeben. "
        "Sie gehen mit dem nächsten Mailversand hinaus (hier ist kein Mailserver eingerichtet)."
    )
    sent = SendApproved("b", "Bo", 1, DrainResult(sent=1, retrying=0, failed=0), "pt_BR")
    assert render_text(sent) == (
        "Aprovado por Bo: 1 e-mail liberado. E-mail: 1 enviados, 0 a tentar de novo, 0 recusados."
    )
    english = SendApproved("b", "Bo", 1, None)
    assert render_text(english).startswith("Approved by Bo: 1 mail(s) released.")
    assert render_text(english, "es").startswith("Aprobado por Bo: 1 correo liberado.")


def test_the_request_for_approval_in_the_creators_language() -> None:
    assert approval_request_text("default", "Ann", 2, None) == (
        "Approval needed: Ann escalated default's cases and 2 notice mail(s) wait for a second "
        "moderator. Another moderator presses Approve to send them."
    )
    assert approval_request_text("default", "Ann", 1, "es", "admin") == (
        "Se necesita aprobación: Ann escaló casos de default y 1 correo de aviso espera a un "
        "segundo moderador. Otro administrador pulsa «Aprobar» para enviarlos."
    )
    assert approval_request_text("default", "Ann", 3, "ja").endswith(
        "別のモデレーターが「承認」を押すと送信されます。"
    )
