"""Escalation uses the evidence: the creator's own originals, and a deepfake's provenance."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bots.bootstrap import App
from core.escalation.agent import AgentOfRecord
from core.escalation.channels import load_channels
from core.escalation.evidence import case_sentences, owned, synthetic_sentences
from core.escalation.notices import NoticeWriter
from core.escalation.packets import build_packets, plan_requests
from core.media.credentials import _signals
from core.model import Actor, CaseStatus, CaseView, IncomingReport, LinkView, ReporterRef
from core.protected import ProtectedMatch

CHANNELS = load_channels()
NOW = datetime(2026, 11, 28, tzinfo=UTC)
AGENT = AgentOfRecord(
    "ava",
    signer="Ava Example",
    email="ava@example.org",
    jurisdiction="US",
    address="1 Example Street",
    phone="+1 555 0100",
)
MODERATOR = Actor(ReporterRef("test", "mod"), is_moderator=True, creator="default")
#: what c2pa-python reports for a picture signed with a test certificate (no trust list)
MANIFEST = {
    "claim_generator_info": [{"name": "ImageForge", "version": "2.1"}],
    "signature_info": {"common_name": "Forge Test Signer", "issuer": "Forge Test Signer"},
    "assertions": [
        {
            "label": "c2pa.actions.v2",
            "data": {
                "actions": [
                    {
                        "action": "c2pa.created",
                        "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/"
                        "trainedAlgorithmicMedia",
                    }
                ]
            },
        }
    ],
}


def case(code: str, url: str, platform: str, **extra: object) -> CaseView:
    link = LinkView(url, url, url.split("/")[2], platform)
    view = CaseView(
        1, code, "ava", CaseStatus.CONFIRMED, 1, 1, NOW, NOW, link.host, platform, (link,)
    )
    return replace(view, **extra)  # type: ignore[arg-type]


def notices(plan_cases: list[CaseView], agent: AgentOfRecord = AGENT, **kw: object) -> dict:
    plan = plan_requests(plan_cases, CHANNELS, agent, **kw)  # type: ignore[arg-type]
    return {r.channel.id: r for r in plan.requests}


def test_a_case_matching_the_creators_own_original_may_go_out_as_a_dmca_notice() -> None:
    own = case("LD-AAAAAA", "https://onlyfans.com/1/x", "onlyfans", protected_tier="auto")
    other = case("LD-BBBBBB", "https://onlyfans.com/2/x", "onlyfans")
    assert notices([own])["onlyfans-report"].notice == "dmca"
    # not the creator's own picture, and no --owns-content: never a DMCA notice
    assert notices([other])["onlyfans-report"].notice == "generic_abuse"
    # a mere "possible" match is for moderators to judge: it proves no ownership
    maybe = replace(own, protected_tier="possible")
    assert not owned(maybe) and notices([maybe])["onlyfans-report"].notice == "generic_abuse"
    # DMCA needs a postal address and a phone: without them the owner's notice is skipped,
    # it never blocks the escalation
    bare = AgentOfRecord("ava", signer="Ava", email="ava@example.org", jurisdiction="US")
    plan = plan_requests([own], CHANNELS, bare)
    assert plan.missing == [] and {r.notice for r in plan.requests} == {
        "generic_abuse",
        "google_ncii",
    }
    # a deepfake is never the subject of a copyright notice, even of the creator's original
    fake = notices([own], synthetic={"LD-AAAAAA"})
    assert fake["onlyfans-report"].notice == "generic_abuse" and "google-fake" in fake


def test_the_notice_says_the_picture_matches_the_creators_registered_original() -> None:
    own = case("LD-AAAAAA", "https://onlyfans.com/1/x", "onlyfans", protected_tier="exact")
    plan = plan_requests([own], CHANNELS, AGENT)
    packets = build_packets(plan, AGENT, NoticeWriter())
    texts = {f.name: " ".join(f.texts["notice.txt"].split()) for f in packets.folders}
    for name in ("onlyfans-report", "google-ncii"):
        assert (
            "reference LD-AAAAAA: the picture is an exact copy of one of the depicted"
            in (texts[name])
        )
    assert "DMCA" in texts["onlyfans-report"]
    # no hash, no distance, no tier name goes out
    assert "PDQ" not in texts["onlyfans-report"] and "sha256" not in texts["onlyfans-report"]


def test_a_synthetic_case_cites_its_content_credentials_without_claiming_proof() -> None:
    signals = _signals("Valid", MANIFEST)  # signed, but by a certificate nobody trusts
    fake = case("LD-CCCCCC", "https://t.me/leakchan/9", "telegram", provenance=signals)
    by_channel = notices([fake], synthetic={"LD-CCCCCC"})
    assert set(by_channel) == {"telegram-abuse", "google-fake"}
    cited = by_channel["telegram-abuse"].evidence
    assert cited == (
        (
            "LD-CCCCCC",
            (
                "the image carries Content Credentials (C2PA) declaring it AI-generated "
                "(trainedAlgorithmicMedia), made with ImageForge 2.1, issued by Forge Test "
                "Signer; signature not verified",
            ),
        ),
    )
    packets = build_packets(
        plan_requests([fake], CHANNELS, AGENT, synthetic={"LD-CCCCCC"}), AGENT, NoticeWriter()
    )
    for folder in packets.folders:
        text = " ".join(folder.texts["notice.txt"].split())
        assert "Content Credentials (C2PA) declaring it AI-generated" in text
        assert "signature not verified" in text and "verified against" not in text
    google = next(f for f in packets.folders if f.name == "google-fake")
    assert "signature not verified" in " ".join(google.texts["form.txt"].split())
    # the same evidence on a case nobody marked synthetic is not cited: the moderator decides
    assert notices([fake])["telegram-abuse"].evidence == ()


def test_only_trusted_signatures_are_called_verified_and_broken_manifests_are_not_cited() -> None:
    trusted = synthetic_sentences(_signals("Trusted", MANIFEST))
    assert trusted and trusted[0].endswith(
        "the signature was verified against a trusted certificate"
    )
    assert synthetic_sentences(_signals("Invalid", MANIFEST)) == []
    fake = case(
        "LD-DDDDDD", "https://t.me/a/1", "telegram", provenance=_signals("Invalid", MANIFEST)
    )
    assert case_sentences(fake, synthetic=True) == ()


async def test_escalation_reads_the_evidence_from_the_database(app: App, tmp_path: Path) -> None:
    await app.escalations.set_agent(replace(AGENT, creator="default"))
    codes = []
    for n, url in enumerate(["https://onlyfans.com/7/x", "https://t.me/leakchan/9"]):
        result = await app.intake.submit(IncomingReport(ReporterRef("test", f"fan{n}"), [url]))
        codes.append(result.outcomes[0].case_code)
        await app.moderation.act(MODERATOR, "confirm", codes[-1])
    own, fake = [await app.cases.get_case(code) for code in codes]
    assert own is not None and fake is not None
    await app.cases.mark_protected(own.id, ProtectedMatch(1, 0, "exact"))
    await app.cases.add_provenance(fake.id, _signals("Valid", MANIFEST))
    await app.escalations.set_synthetic(fake.code, True, actor="test:mod")
    plan, summary = await app.escalation.escalate("default", tmp_path / "out")
    assert summary is not None
    notice = {r.channel.id: r.notice for r in plan.requests}
    assert notice == {
        "onlyfans-report": "dmca",
        "google-ncii": "google_ncii",
        "telegram-abuse": "take_it_down",
        "google-fake": "google_fake",
    }
    mail = " ".join((tmp_path / "out" / "telegram-abuse" / "notice.txt").read_text().split())
    assert (
        "digital forger" in mail and "issued by Forge Test Signer; signature not verified" in mail
    )
    dmca = " ".join((tmp_path / "out" / "onlyfans-report" / "notice.txt").read_text().split())
    assert f"reference {own.code}: the picture is an exact copy" in dmca
