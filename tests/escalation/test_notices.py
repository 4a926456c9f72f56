"""Notices: each kind against a golden file, and nothing produced while a field is missing."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from core.escalation.agent import AgentOfRecord
from core.escalation.channels import load_channels
from core.escalation.notices import NOTICE_KINDS, NoticeItem, NoticeWriter

GOLDEN = Path(__file__).parent / "golden"
AGENT = AgentOfRecord(
    "ava",
    signer="Sam Rivera",
    email="legal@ava-team.example",
    address="1 Example Street, Springfield, US",
    phone="+1 555 0100",
    jurisdiction="US",
    agent_of="Ava Example",
    authority="Ava Example appointed me in writing on 2026-01-10 to act for her.",
    owns_content=True,
)
ITEMS = (
    NoticeItem("https://leaks.example/v/1", "LD-7KQ2MX"),
    NoticeItem("https://leaks.example/v/2?x=1", "LD-7KQ2MX"),
)
OTHERS = ("https://mirror.example/p/9",)
CHANNELS = {c.id: c for c in load_channels()}


#: what the evidence module says of a protected case and of a signed, AI-declared picture
OWNED = (
    (
        "LD-7KQ2MX",
        (
            "the picture is an exact copy of one of the depicted person's own original images, "
            "which they registered (by its fingerprint only) before this request",
        ),
    ),
)
FORGED = (
    (
        "LD-7KQ2MX",
        (
            "the image carries Content Credentials (C2PA) declaring it AI-generated "
            "(trainedAlgorithmicMedia), made with ImageForge 2.1, issued by Forge Test Signer; "
            "signature not verified",
            "the image file embeds a ComfyUI image-generation workflow; this metadata is not "
            "signed",
        ),
    ),
)


def render(
    kind: str,
    *,
    synthetic: bool = False,
    agent: AgentOfRecord = AGENT,
    evidence: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> str:
    channel = CHANNELS["google-fake" if kind == "google_fake" else "google-ncii"]
    if not kind.startswith("google"):
        channel = CHANNELS["telegram-abuse"]
    return NoticeWriter().render(
        kind,
        agent=agent,
        channel=channel,
        items=ITEMS,
        other_copies=OTHERS,
        synthetic=synthetic,
        today=date(2026, 11, 28),
        evidence=evidence,
    )


@pytest.mark.parametrize(
    ("kind", "synthetic"),
    [(kind, False) for kind in NOTICE_KINDS if kind != "google_fake"]
    + [("take_it_down", True), ("google_fake", True), ("generic_abuse", True)],
)
def test_each_notice_matches_its_golden_file(kind: str, synthetic: bool) -> None:
    text = render(kind, synthetic=synthetic)
    golden = GOLDEN / f"{kind}{'-synthetic' if synthetic else ''}.txt"
    if os.environ.get("LEAKDESK_WRITE_GOLDEN"):
        golden.write_text(text, "utf-8")
    assert text == golden.read_text("utf-8")


@pytest.mark.parametrize(
    ("kind", "synthetic", "evidence", "name"),
    [
        ("dmca", False, OWNED, "dmca-protected"),
        ("take_it_down", False, OWNED, "take_it_down-protected"),
        ("take_it_down", True, FORGED, "take_it_down-synthetic-evidence"),
        ("google_fake", True, FORGED, "google_fake-synthetic-evidence"),
        ("dsa_art16", True, FORGED, "dsa_art16-synthetic-evidence"),
    ],
)
def test_a_notice_cites_the_cases_evidence_in_plain_words(
    kind: str, synthetic: bool, evidence: tuple[tuple[str, tuple[str, ...]], ...], name: str
) -> None:
    text = render(kind, synthetic=synthetic, evidence=evidence)
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("LEAKDESK_WRITE_GOLDEN"):
        golden.write_text(text, "utf-8")
    assert text == golden.read_text("utf-8")
    assert "Evidence about the material:" in text
    for _, lines in evidence:
        assert all(f"reference LD-7KQ2MX: {line}." in " ".join(text.split()) for line in lines)
    # without evidence, the same notice has no evidence section at all
    assert "Evidence" not in render(kind, synthetic=synthetic)


def test_every_notice_names_the_urls_the_signer_and_the_other_copies() -> None:
    for kind in NOTICE_KINDS:
        text = render(kind, synthetic=kind == "google_fake")
        assert all(item.url in text for item in ITEMS), kind
        assert OTHERS[0] in text, kind
        assert "Sam Rivera" in text and "Ava Example" in text, kind
        assert "{{" not in text and "None" not in text, kind


def test_a_synthetic_case_is_worded_as_a_digital_forgery() -> None:
    assert "digital forger" in render("take_it_down", synthetic=True)
    assert "digital forger" not in render("take_it_down", synthetic=False)
    assert "deepfake" in render("dsa_art16", synthetic=True)


def test_a_missing_field_lists_what_is_missing_and_renders_nothing() -> None:
    bare = AgentOfRecord("ava", signer="Sam Rivera", email="legal@ava-team.example")
    with pytest.raises(ValueError, match="address, phone"):
        render("dmca", agent=bare)
    with pytest.raises(ValueError, match="jurisdiction"):
        render("google_ncii", agent=bare)
    agent_without_authority = AgentOfRecord(
        "ava", signer="Sam", email="s@example.org", agent_of="Ava Example"
    )
    with pytest.raises(ValueError, match="authority"):
        render("take_it_down", agent=agent_without_authority)
    assert "Sam Rivera" in render("take_it_down", agent=bare)  # enough for this kind


def test_an_operator_template_directory_overrides_a_built_in_notice(tmp_path: Path) -> None:
    (tmp_path / "generic_abuse.txt.j2").write_text("Subject: ours\n\n{{ items|length }} links\n")
    text = NoticeWriter(tmp_path).render(
        "generic_abuse", agent=AGENT, channel=CHANNELS["telegram-abuse"], items=ITEMS
    )
    assert text == "Subject: ours\n\n2 links\n"
