"""What a report means, on SQLite and PostgreSQL: re-reports, closed cases, duplicates, tokens.

Issue 9 (#2, #5, #6, #7) and issue 8 (submission tokens), through the IntakeService the
bots use and the real databases.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import skimage.data
from PIL import Image
from sqlalchemy import func, select

from bots.bootstrap import App
from core.model import Actor, Attachment, CaseStatus, IncomingReport, Origin, ReporterRef
from db.retention import SqlRetention
from db.tables import Link, Report
from handlers.messages import ReportReceived
from handlers.render import render_text

LINK = "https://x.com/leaker/status/1234567890"
DISGUISES = [
    "https://twitter.com/someone/status/1234567890?s=20",
    "http://mobile.twitter.com/a/status/1234567890/",
    "https://fxtwitter.com/b/status/1234567890?utm_source=x",
]
OTHER = "https://example.com/other"
MOD = Actor(ReporterRef("test", "mod"), is_moderator=True)


def fan(n: int | str) -> ReporterRef:
    return ReporterRef("test", str(n))


async def count(app: App, table) -> int:  # type: ignore[no-untyped-def]
    async with app.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def report(app: App, who: int | str, *links: str, **kwargs: object):  # type: ignore[no-untyped-def]
    result = await app.intake.submit(IncomingReport(fan(who), links, **kwargs))  # type: ignore[arg-type]
    return result.outcomes[0]


async def test_a_fan_re_reporting_their_link_in_disguises_is_counted_once(app: App) -> None:
    first = await report(app, 1, LINK)
    assert first.new_case and not first.already_reported
    for disguise in DISGUISES:
        again = await report(app, 1, disguise)
        assert again.already_reported and not again.new_case
        assert again.case_code == first.case_code and again.report_id == first.report_id
        assert again.reporters == 1
    case = await app.cases.get_case(first.case_code)
    assert case is not None and (case.reporters, case.reports) == (1, 1)
    assert await count(app, Report.__table__) == 1
    # another fan is a corroboration, and the first fan's repeat still is not
    other = await report(app, 2, DISGUISES[0])
    assert not other.already_reported and other.reporters == 2
    text = render_text(ReportReceived([await report(app, 1, LINK)], [], False))
    assert f"You already reported this link (case {first.case_code})" in text
    assert "first to report" not in text


async def test_re_importing_links_is_a_no_op_whatever_file_they_came_in(app: App) -> None:
    links = [f"https://example.com/leak/{n}" for n in range(5)]
    importer = fan("importer")
    for n, link in enumerate(links):  # as `leakdesk import` submits a file, one line a report
        await app.intake.submit(
            IncomingReport(importer, [link], origin=Origin.IMPORT, submission_id=f"a.csv:{n}")
        )
    again = [
        await app.intake.submit(
            IncomingReport(
                importer, [link + "?utm_source=x"], origin=Origin.IMPORT, submission_id=f"b:{n}"
            )
        )
        for n, link in enumerate(links)
    ]
    assert all(r.outcomes[0].already_reported for r in again)
    assert await count(app, Report.__table__) == 5


async def test_duplicates_inside_one_report_each_get_a_line(app: App) -> None:
    result = await app.intake.submit(
        IncomingReport(fan(1), [LINK, OTHER, DISGUISES[0], "javascript:alert(1)", DISGUISES[1]])
    )
    by_url = {o.url: o for o in result.outcomes}
    assert set(by_url) == {LINK, OTHER, DISGUISES[0], DISGUISES[1]}
    assert by_url[LINK].duplicate_of is None and by_url[OTHER].duplicate_of is None
    for repeat in DISGUISES[:2]:
        assert by_url[repeat].duplicate_of == LINK
        assert by_url[repeat].case_code == by_url[LINK].case_code
        assert by_url[repeat].report_id == by_url[LINK].report_id
    assert [r.item for r in result.rejected] == ["javascript:alert(1)"]
    assert await count(app, Report.__table__) == 2
    text = render_text(ReportReceived(result.outcomes, result.rejected, False))
    assert text.count("The same link again in this report") == 2


def _jpeg(pixels) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


async def test_the_same_picture_twice_in_one_report_is_recorded_once(app: App) -> None:
    photo = _jpeg(skimage.data.astronaut())
    result = await app.intake.submit(
        IncomingReport(
            fan(1),
            attachments=[Attachment(photo, "a.jpg"), Attachment(photo, "b.jpg")],
        )
    )
    assert [(o.url, o.duplicate_of) for o in result.outcomes] == [
        ("a.jpg", None),
        ("b.jpg", "a.jpg"),
    ]
    assert result.outcomes[0].case_code == result.outcomes[1].case_code
    assert await count(app, Report.__table__) == 1


async def test_a_link_of_a_merged_case_joins_the_case_it_was_merged_into(app: App) -> None:
    target = await report(app, 1, "https://example.com/a")
    source = await report(app, 2, "https://mirror.example.org/a")
    await app.moderation.merge(MOD, source.case_code, target.case_code)
    await SqlRetention(app.engine).purge_closed(datetime.now(UTC))
    # the merged case's own links were moved; its row keeps the key it was opened under
    later = await report(app, 3, "https://mirror.example.org/a")
    assert later.case_code == target.case_code and later.reporters == 3
    source_view = await app.cases.get_case(source.case_code)
    assert source_view is not None and source_view.status == CaseStatus.MERGED


async def test_a_dismissed_case_comes_back_on_a_new_reporter_only(app: App) -> None:
    first = await report(app, 1, LINK)
    await report(app, 2, LINK)
    await app.moderation.act(MOD, "dismiss", first.case_code, "not the creator")
    # a reporter who already reported it does not reopen it
    again = await report(app, 2, DISGUISES[0])
    assert again.already_reported and not again.reopened
    case = await app.cases.get_case(first.case_code)
    assert case is not None and case.status == CaseStatus.DISMISSED
    # a new, independent reporter does
    fresh = await report(app, 3, DISGUISES[1])
    assert fresh.reopened and fresh.case_code == first.case_code and fresh.reporters == 3
    case = await app.cases.get_case(first.case_code)
    assert case is not None and case.status == CaseStatus.OPEN
    why = "reopened: new report after dismissal (reason: not the creator)"
    assert case.reason == why
    assert (await app.cases.audit_log(first.case_code))[-1] == ("leakdesk", "reopen", why)
    assert first.case_code in {c.code for c in await app.moderation.queue(MOD)}
    text = render_text(ReportReceived([fresh], [], False))
    assert "closed after review; the moderators will look at it again" in text


async def test_a_purged_case_is_not_found_again_by_its_link(app: App) -> None:
    """Its fingerprint is keyed by the purge: nothing can confirm the link was reported, so a
    new report of it opens a new case (issue 11: sealed identities)."""
    first = await report(app, 1, LINK)
    await app.moderation.act(MOD, "dismiss", first.case_code, "spam")
    purged = await SqlRetention(app.engine).purge_closed(datetime.now(UTC))
    assert purged.links == 1 and await count(app, Link.__table__) == 0
    back = await report(app, 2, DISGUISES[2])
    assert back.new_case and back.case_code != first.case_code and not back.reopened
    case = await app.cases.get_case(first.case_code)
    assert case is not None and case.status == CaseStatus.DISMISSED and case.links == ()


async def test_a_case_merged_into_a_dismissed_case_reopens_the_target(app: App) -> None:
    target = await report(app, 1, "https://example.com/t")
    source = await report(app, 1, "https://example.com/s")
    await app.moderation.merge(MOD, source.case_code, target.case_code)
    await app.moderation.act(MOD, "dismiss", target.case_code, "fake")
    # the key leads to the merged case, and on to its dismissed target
    back = await report(app, 5, "https://example.com/s")
    assert back.case_code == target.case_code and back.reopened
    case = await app.cases.get_case(target.case_code)
    assert case is not None and case.status == CaseStatus.OPEN


async def test_submission_tokens_are_scoped_by_reporter_creator_and_content(app: App) -> None:
    """A reused event id (another bot, chat, reporter, creator, link) is a new report."""
    shared = "telegram:update:77"
    mine = await report(app, 1, LINK, submission_id=shared, creator="alice")
    # the same event id from another reporter, for another creator, with another link
    theirs = await report(app, 2, OTHER, submission_id=shared, creator="bea")
    assert theirs.new_case and theirs.case_code != mine.case_code
    assert theirs.report_id != mine.report_id
    # the same reporter, same event id, another link: a new report, not the first's case
    other_link = await report(app, 1, OTHER, submission_id=shared, creator="alice")
    assert other_link.new_case and other_link.case_code != mine.case_code
    # the same event id and link for another creator: that creator's case
    other_creator = await report(app, 1, LINK, submission_id=shared, creator="bea")
    assert other_creator.new_case and other_creator.case_code != mine.case_code
    # a true redelivery is recorded once and answered as before
    redelivered = await report(app, 1, LINK, submission_id=shared, creator="alice")
    assert redelivered.report_id == mine.report_id and not redelivered.already_reported
    assert await count(app, Report.__table__) == 4


async def test_forgetting_an_account_replaces_the_tokens_that_digest_it(app: App) -> None:
    await report(app, "leaving", LINK, submission_id="telegram:update:5")
    await report(app, "staying", LINK, submission_id="telegram:update:6")
    assert await SqlRetention(app.engine).forget_reporter(fan("leaving")) == 1
    async with app.engine.connect() as conn:
        tokens = sorted((await conn.execute(select(Report.token))).scalars())
    assert tokens[0].startswith("forgotten:") and tokens[1].startswith("telegram:update:6#")
