"""Both chat cards show the synthetic suggestion until a moderator decides, then the decision."""

from __future__ import annotations

from dataclasses import replace

from bots.discord.embeds import case_embed
from bots.telegram.render import announcement_text
from core.model import ProvenanceSignal
from tests.discord_adapter.conftest import field
from tests.discord_adapter.test_embeds import case

STRONG = ProvenanceSignal("comfyui", "ComfyUI prompt and workflow embedded", "strong")
WEAK = ProvenanceSignal("digital_source_type", "digitalCapture", "weak")


def test_cards_suggest_synthetic_on_strong_evidence_and_show_the_decision() -> None:
    suggested = case(provenance=(STRONG,))
    text = "suggested synthetic: a moderator decides (/synthetic LD-7KQ2MX yes|no)"
    # Discord shows the escaped text as it is written (no markdown renders)
    assert field(case_embed(suggested), "Synthetic?") == text.replace("|", "\\|")
    assert text in announcement_text(suggested)
    marked = replace(suggested, synthetic=True, synthetic_by="discord:42")
    assert field(case_embed(marked), "Synthetic?") == "marked synthetic (deepfake) by discord:42"
    assert "marked synthetic (deepfake) by discord:42" in announcement_text(marked)
    refused = replace(suggested, synthetic_by="telegram:7")
    assert "not synthetic (decided by telegram:7)" in announcement_text(refused)
    assert "suggested" not in announcement_text(refused)
    for quiet in (case(), case(provenance=(WEAK,))):  # weak evidence suggests nothing
        assert "synthetic" not in announcement_text(quiet)
        assert all(f.name != "Synthetic?" for f in case_embed(quiet).fields)
