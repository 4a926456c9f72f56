"""The queue's badges and the case page's evidence: own-image matches and AI provenance."""

from __future__ import annotations

import re

from core.model import ProvenanceSignal
from core.protected import ProtectedMatch
from tests.web.conftest import Dashboard, seed


def row_of(html: str, code: str) -> str:
    found = re.search(rf'<tr data-code="{code}">(.*?)</tr>', html, re.S)
    assert found, f"{code} not on the page"
    return found.group(1)


async def test_badges_and_evidence_in_plain_escaped_words(dashboard: Dashboard) -> None:
    app = dashboard.app
    own, ai, weak, plain = await seed(
        app, "alice", [f"https://example.com/ev/{n}" for n in range(4)]
    )
    ids = {}
    for code in (own, ai, weak):
        view = await app.cases.get_case(code)
        assert view is not None
        ids[code] = view.id
    await app.cases.mark_protected(ids[own], ProtectedMatch(1, 12, "auto"))
    await app.cases.add_provenance(
        ids[ai],
        [
            ProvenanceSignal("png_parameters", "<script>alert(1)</script> steps: 20", "strong"),
            ProvenanceSignal("c2pa", "generator: Firefly", "strong", validated=True),
        ],
    )
    await app.cases.add_provenance(ids[weak], [ProvenanceSignal("exif_software", "GIMP", "weak")])
    await dashboard.sign_in()

    queue = (await dashboard.client.get("/")).text
    assert "own image" in row_of(queue, own) and "PDQ distance 12" in row_of(queue, own)
    assert "badge-ai-strong" in row_of(queue, ai) and "own image" not in row_of(queue, ai)
    assert "badge-ai-weak" in row_of(queue, weak)
    assert "badge" not in row_of(queue, plain)

    page = (await dashboard.client.get(f"/cases/{own}")).text
    assert "matches the creator&#39;s own image (auto match, PDQ distance 12)" in page
    assert 'id="provenance"' not in page

    page = (await dashboard.client.get(f"/cases/{ai}")).text
    assert "AI-generated? evidence (suggests synthetic): " in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; steps: 20" in page
    assert "c2pa: generator: Firefly (strong, signature validated)" in page
    assert "matches the creator" not in page

    page = (await dashboard.client.get(f"/cases/{weak}")).text
    assert "AI-generated? evidence (weak, unsigned metadata): exif software: GIMP" in page

    page = (await dashboard.client.get(f"/cases/{plain}")).text
    assert "AI-generated?" not in page and "matches the creator" not in page
