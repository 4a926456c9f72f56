"""One creator's reports never join another creator's case, by link or by picture."""

from __future__ import annotations

import io

import skimage.data
from PIL import Image

from bots.bootstrap import App
from core.model import Attachment, IncomingReport, ReporterRef


def photo(resize: float = 1.0) -> bytes:
    """A real photo (scikit-image's bundled astronaut) as JPEG bytes, optionally resized."""
    image = Image.fromarray(skimage.data.astronaut())
    if resize != 1.0:
        image = image.resize((int(image.width * resize), int(image.height * resize)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def picture_report(user: str, creator: str, data: bytes) -> IncomingReport:
    return IncomingReport(
        ReporterRef("test", user), attachments=[Attachment(data, "shot.jpg")], creator=creator
    )


async def test_the_same_picture_for_two_creators_opens_two_cases(app: App) -> None:
    alice = (await app.intake.submit(picture_report("1", "alice", photo()))).outcomes[0]
    bob = (await app.intake.submit(picture_report("2", "bob", photo()))).outcomes[0]
    bob_edited = (await app.intake.submit(picture_report("3", "bob", photo(0.5)))).outcomes[0]
    alice_again = (await app.intake.submit(picture_report("4", "alice", photo(0.5)))).outcomes[0]

    assert alice.new_case and bob.new_case and alice.case_code != bob.case_code
    assert bob.matched_by is None and bob.reporters == 1
    # matching itself works: each creator's later copies join that creator's own case
    assert (bob_edited.case_code, bob_edited.matched_by) == (bob.case_code, "image")
    assert (alice_again.case_code, alice_again.matched_by) == (alice.case_code, "image")
    alice_case = await app.cases.get_case(alice.case_code)
    bob_case = await app.cases.get_case(bob.case_code)
    assert alice_case is not None and alice_case.creator == "alice" and alice_case.reporters == 2
    assert bob_case is not None and bob_case.creator == "bob" and bob_case.reporters == 2


async def test_the_same_link_for_two_creators_opens_two_cases(app: App) -> None:
    link = "https://x.com/leaker/status/42"
    alice = await app.intake.submit(IncomingReport(ReporterRef("t", "1"), [link], creator="alice"))
    bob = await app.intake.submit(IncomingReport(ReporterRef("t", "2"), [link], creator="bob"))

    assert alice.outcomes[0].new_case and bob.outcomes[0].new_case
    assert alice.outcomes[0].case_code != bob.outcomes[0].case_code
