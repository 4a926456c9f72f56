"""The dashboard's last English words in the page's language: audit actions, notice, channel
and signal kinds, the escalation tracker's refusals and what the agent of record lacks; English
pages keep the names the stores and the command line use."""

from __future__ import annotations

from bots.web.words import (
    CONFIDENCE_NAMES,
    NOTICE_NAMES,
    SIGNAL_NAMES,
    lacking,
    missing_field,
    named,
    reworded,
    trail_action,
)
from core.errors import MissingFields
from core.escalation.agent import AgentOfRecord
from core.model import ProvenanceSignal
from tests.web.conftest import Dashboard, seed

URLS = ["https://mega.nz/file/nm1#k1", "https://example.com/nm/2"]


async def _drafted(dashboard: Dashboard, lang: str) -> tuple[str, str, int]:
    """A confirmed, AI-marked case of ``lang``'s creator with one drafted escalation to MEGA:
    (csrf, code, escalation id)."""
    app = dashboard.app
    await app.creators.set_language("alice", lang)
    [code] = await seed(app, "alice", URLS[:1])
    csrf = await dashboard.sign_in()
    await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "confirm", "codes": [code]}
    )
    await dashboard.client.post(f"/cases/{code}/synthetic", data={"csrf": csrf, "answer": "yes"})
    await app.escalations.set_agent(
        AgentOfRecord("alice", signer="Alice A", email="alice@example.org", jurisdiction="US")
    )
    zipped = await dashboard.client.post(
        "/escalate/zip", data={"csrf": csrf, "codes": [code], "recipients": ["mega-abuse"]}
    )
    assert zipped.status_code == 200
    [drafted] = await app.tracker.list("alice")
    assert (drafted.notice, drafted.status) == ("generic_abuse", "drafted")
    return csrf, code, drafted.id


async def test_a_spanish_case_page_names_its_actions_notices_and_marks(
    dashboard: Dashboard,
) -> None:
    csrf, code, escalation = await _drafted(dashboard, "es")
    refused = await dashboard.client.post(
        "/escalations/mark", data={"csrf": csrf, "ids": [str(escalation)], "status": "acknowledged"}
    )
    assert refused.status_code == 409
    assert (
        f"el escalado {escalation} está en «borrador»; no puede pasar a «acuse de recibo»"
        in refused.text
    )
    assert "is drafted, not acknowledged" not in refused.text
    sent = await dashboard.client.post(
        "/escalations/mark", data={"csrf": csrf, "ids": [str(escalation)], "status": "sent"}
    )
    assert sent.status_code == 200 and "<td>denuncia de abuso</td>" in sent.text
    assert "generic_abuse" not in sent.text

    page = (await dashboard.client.get(f"/cases/{code}")).text
    for text in ("<td>confirmado</td>", "<td>marcado como generado por IA</td>",
                 "<td>escalado: enviado</td>", "<td>denuncia de abuso</td>"):  # fmt: skip
        assert text in page, text
    for raw in ("<td>confirm</td>", "<td>synthetic</td>", "escalation_sent", "generic_abuse"):
        assert raw not in page, raw
    for chart in ("removal-hours", "removed-share"):
        svg = (await dashboard.client.get(f"/charts/{chart}.svg")).text
        assert "(denuncia de abuso" in svg and "generic_abuse" not in svg, chart


async def test_a_spanish_escalation_preview_names_channels_and_notices(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    await app.creators.set_language("alice", "es")
    [code] = await seed(app, "alice", URLS[:1])
    csrf = await dashboard.sign_in()
    await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "confirm", "codes": [code]}
    )
    form = {"csrf": csrf, "codes": [code], "recipients": ["mega-abuse"]}
    nobody = await dashboard.client.post("/escalate/send", data=form)
    assert nobody.status_code == 400 and "Aún no se puede escalar" in nobody.text
    assert "Todavía nadie firma los avisos" in nobody.text and "missing:" not in nobody.text
    await app.escalations.set_agent(
        AgentOfRecord("alice", signer="Alice A", email="alice@example.org", jurisdiction="US")
    )
    pick = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "escalate", "codes": [code]}
    )
    assert "<td>correo electrónico</td><td>denuncia de abuso</td>" in pick.text
    assert "<td>email</td>" not in pick.text and "generic_abuse" not in pick.text
    packets = await dashboard.client.post("/escalate/preview", data=form)
    assert "(correo electrónico, denuncia de abuso, 1 URL)" in packets.text


async def test_an_english_dashboard_keeps_the_stores_names(dashboard: Dashboard) -> None:
    csrf, code, escalation = await _drafted(dashboard, "en")
    refused = await dashboard.client.post(
        "/escalations/mark", data={"csrf": csrf, "ids": [str(escalation)], "status": "acknowledged"}
    )
    assert f"escalation {escalation} is drafted, not acknowledged" in refused.text
    await dashboard.client.post(
        "/escalations/mark", data={"csrf": csrf, "ids": [str(escalation)], "status": "sent"}
    )
    page = (await dashboard.client.get(f"/cases/{code}")).text
    for text in ("<td>confirm</td>", "<td>synthetic</td>", "<td>escalation_sent</td>",
                 "<td>generic_abuse</td>"):  # fmt: skip
        assert text in page, text


def test_names_in_every_language_and_unknown_values_as_they_are() -> None:
    assert trail_action("de", "merge_in") == "Fall hierher zusammengeführt"
    assert trail_action("fr", "escalation_removed") == "escalade : retiré"
    assert trail_action("ja", "escalation_whatever") == "escalation_whatever"
    assert trail_action("es", "something_new") == "something_new"
    assert trail_action("en", "merge_in") == "merge_in"
    assert named("pt_BR", NOTICE_NAMES, "dmca") == "aviso DMCA"
    assert named("ja", NOTICE_NAMES, "new_kind") == "new_kind"
    assert named("de", SIGNAL_NAMES, "watermark") == "Wasserzeichen"
    assert named("fr", CONFIDENCE_NAMES, "weak") == "faible"
    assert named("es", NOTICE_NAMES, None) == "None"


def test_tracker_refusals_and_missing_fields_are_reworded() -> None:
    assert reworded("escalation 7 is removed, not acknowledged", "de") == (
        "Eskalation 7 ist „entfernt“; „bestätigt“ ist von dort nicht möglich"
    )
    assert reworded("no escalation 4, 5", "pt_BR") == "nenhum escalonamento 4, 5"
    assert reworded("escalation 7 is drafted, not sent", "en") == (
        "escalation 7 is drafted, not sent"
    )
    assert missing_field("es", "phone (dmca)") == "teléfono (aviso DMCA)"
    assert missing_field("es", "fax (dmca)") == "fax (dmca)"
    lacks = MissingFields(["phone (dmca)", "address (dmca)"])
    assert lacking("fr", lacks) == (
        "Il manque au mandataire qui signe les notifications : téléphone (notification DMCA), "
        "adresse (notification DMCA)."
    )
    assert lacking("en", lacks) == "missing: phone (dmca), address (dmca)"


async def test_a_spanish_case_page_names_its_provenance_signals(dashboard: Dashboard) -> None:
    app = dashboard.app
    await app.creators.set_language("alice", "es")
    [code] = await seed(app, "alice", URLS[1:])
    view = await app.cases.get_case(code)
    assert view is not None
    await app.cases.add_provenance(
        view.id,
        [
            ProvenanceSignal("c2pa", "generator: Firefly", "strong", validated=True),
            ProvenanceSignal("exif_software", "GIMP", "weak"),
            ProvenanceSignal("future_kind", "x", "medium"),
        ],
    )
    await dashboard.sign_in()
    page = (await dashboard.client.get(f"/cases/{code}")).text
    assert "credenciales de contenido C2PA: generator: Firefly (fuerte, firma validada)" in page
    assert "software EXIF: GIMP (débil," in page
    assert "future kind: x (media," in page  # an unknown kind as it is
